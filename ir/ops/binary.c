/* Elementwise ops over several inputs with numpy broadcasting. */
#include <string.h>

#include "ir/ops/op_util.h"

/* Which input types an op takes (numbers unless listed), and what it answers. */
typedef struct {
    int op;
    ait_in_class in;
    int bool_out, variadic;
} binary_kind;

static const binary_kind kinds[] = {
    {AIT_OP_LESS, AIT_IN_NUMERIC, 1, 0},          {AIT_OP_GREATER, AIT_IN_NUMERIC, 1, 0},
    {AIT_OP_LESS_OR_EQUAL, AIT_IN_NUMERIC, 1, 0}, {AIT_OP_GREATER_OR_EQUAL, AIT_IN_NUMERIC, 1, 0},
    {AIT_OP_EQUAL, AIT_IN_ANY, 1, 0},             {AIT_OP_SUM, AIT_IN_NUMERIC, 0, 1},
    {AIT_OP_MAX, AIT_IN_NUMERIC, 0, 1},           {AIT_OP_MIN, AIT_IN_NUMERIC, 0, 1},
    {AIT_OP_MEAN, AIT_IN_FLOAT, 0, 1},            {AIT_OP_AND, AIT_IN_BOOL, 1, 0},
    {AIT_OP_OR, AIT_IN_BOOL, 1, 0},               {AIT_OP_XOR, AIT_IN_BOOL, 1, 0},
    {AIT_OP_BITWISE_AND, AIT_IN_INT, 0, 0},       {AIT_OP_BITWISE_OR, AIT_IN_INT, 0, 0},
    {AIT_OP_BITWISE_XOR, AIT_IN_INT, 0, 0},       {AIT_OP_BIT_SHIFT, AIT_IN_UNSIGNED, 0, 0},
};

static binary_kind kind_of(int op)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].op == op)
            return kinds[i];
    return (binary_kind){op, AIT_IN_NUMERIC, 0, 0};
}

/* Attributes: Mod's fmod, BitShift's direction. */
static ait_status binary_attrs(ait_graph *g, ait_node *n, ait_diag *d)
{
    ait_binary_params *p = AIT_NEW(g->arena, ait_binary_params, 1);
    n->params = p;
    if (n->op == AIT_OP_MOD) {
        p->fmod = ait_attr_int(n, "fmod", 0) != 0;
        if (!p->fmod && ait_dtype_get(ait_node_in(g, n, 0)->dtype)->is_float)
            return AIT_NODE_FAIL(AIT_E_MODEL, "fmod must be 1 for floating-point inputs");
    } else if (n->op == AIT_OP_BIT_SHIFT) {
        const char *dir = ait_attr_str(n, "direction", "");
        if (strcmp(dir, "LEFT") != 0 && strcmp(dir, "RIGHT") != 0)
            return AIT_NODE_FAIL(AIT_E_MODEL, "direction = '%s' (expected LEFT or RIGHT)", dir);
        p->shift_left = strcmp(dir, "LEFT") == 0;
    }
    return ait_check_attrs(g, n, d);
}

ait_status ait_resolve_binary(ait_graph *g, ait_node *n, ait_diag *d)
{
    binary_kind k = kind_of(n->op);
    int arity = n->op == AIT_OP_WHERE ? 3 : 2;
    AIT_TRY(ait_check_inputs(g, n, k.variadic ? 1 : arity, k.variadic ? 64 : arity, d));
    for (int i = 0; i < n->n_in; i++)
        AIT_TRY(ait_need_input(g, n, i, d));
    int out_dtype;
    if (n->op == AIT_OP_WHERE) {
        if (ait_node_in(g, n, 0)->dtype != AIT_DT_BOOL)
            return AIT_NODE_FAIL(AIT_E_MODEL, "condition must be bool");
        AIT_TRY(ait_same_dtype(g, n, 1, 2, d));
        out_dtype = ait_node_in(g, n, 1)->dtype;
    } else {
        if (n->op != AIT_OP_POW) /* Pow alone allows a differently typed exponent */
            for (int i = 1; i < n->n_in; i++)
                AIT_TRY(ait_same_dtype(g, n, 0, i, d));
        AIT_TRY(ait_need_class(g, n, 0, k.in, d));
        out_dtype = k.bool_out ? AIT_DT_BOOL : ait_node_in(g, n, 0)->dtype;
    }
    AIT_TRY(binary_attrs(g, n, d));
    int rank;
    int64_t dims[AIT_MAX_RANK];
    AIT_TRY(ait_broadcast_shapes(g, n, n->n_in, &rank, dims, d));
    if (n->op == AIT_OP_PRELU) { /* the slope broadcasts to X, never X to the slope */
        const ait_tensor *x = ait_node_in(g, n, 0);
        if (rank != x->rank || memcmp(dims, x->dims, sizeof(int64_t) * (size_t)rank) != 0)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "slope '%s' does not broadcast to X's shape",
                                 ait_node_in(g, n, 1)->name);
    }
    ait_set_out(g, n, 0, out_dtype, rank, dims);
    return AIT_OK;
}
