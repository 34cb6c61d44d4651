/* Elementwise ops with one data input: activations, math, Cast, Clip. */
#include <math.h>
#include <string.h>

#include "ir/ops/op_util.h"

/* Which input types an op takes (floats unless listed), and whether it answers with bool. */
typedef struct {
    int op;
    ait_in_class in;
    int bool_out;
} unary_kind;

static const unary_kind kinds[] = {
    {AIT_OP_ABS, AIT_IN_NUMERIC, 0},  {AIT_OP_NEG, AIT_IN_NUMERIC, 0},    {AIT_OP_RELU, AIT_IN_NUMERIC, 0},
    {AIT_OP_SIGN, AIT_IN_NUMERIC, 0}, {AIT_OP_SHRINK, AIT_IN_NUMERIC, 0}, {AIT_OP_IDENTITY, AIT_IN_ANY, 0},
    {AIT_OP_DROPOUT, AIT_IN_ANY, 0},  {AIT_OP_CAST, AIT_IN_ANY, 0},       {AIT_OP_CAST_LIKE, AIT_IN_ANY, 0},
    {AIT_OP_CLIP, AIT_IN_ANY, 0},     {AIT_OP_IS_NAN, AIT_IN_FLOAT, 1},   {AIT_OP_IS_INF, AIT_IN_FLOAT, 1},
    {AIT_OP_NOT, AIT_IN_BOOL, 0},     {AIT_OP_BITWISE_NOT, AIT_IN_INT, 0},
};

static const unary_kind *kind_of(int op)
{
    static const unary_kind float_op = {0, AIT_IN_FLOAT, 0};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].op == op)
            return &kinds[i];
    return &float_op;
}

ait_status ait_resolve_unary(ait_graph *g, ait_node *n, ait_diag *d)
{
    int max_in = n->op == AIT_OP_CAST_LIKE ? 2 : n->op == AIT_OP_DROPOUT || n->op == AIT_OP_CLIP ? 3 : 1;
    AIT_TRY(ait_check_inputs(g, n, n->op == AIT_OP_CAST_LIKE ? 2 : 1, max_in, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    const unary_kind *kind = kind_of(n->op);
    AIT_TRY(ait_need_class(g, n, 0, kind->in, d));
    ait_unary_params *p = AIT_NEW(g->arena, ait_unary_params, 1);
    n->params = p;
    int out_dtype = kind->bool_out ? AIT_DT_BOOL : x->dtype;
    switch (n->op) {
    case AIT_OP_LEAKY_RELU: p->alpha = ait_attr_float(n, "alpha", 0.01f); break;
    case AIT_OP_ELU: case AIT_OP_CELU: case AIT_OP_THRESHOLDED_RELU: p->alpha = ait_attr_float(n, "alpha", 1.0f); break;
    case AIT_OP_SELU:
        p->alpha = ait_attr_float(n, "alpha", 1.67326319217681884765625f);
        p->beta = ait_attr_float(n, "gamma", 1.05070102214813232421875f);
        break;
    case AIT_OP_SHRINK:
        p->alpha = ait_attr_float(n, "lambd", 0.5f);
        p->beta = ait_attr_float(n, "bias", 0.0f);
        break;
    case AIT_OP_IS_INF:
        p->has_min = ait_attr_int(n, "detect_negative", 1) != 0;
        p->has_max = ait_attr_int(n, "detect_positive", 1) != 0;
        break;
    case AIT_OP_HARD_SIGMOID:
        p->alpha = ait_attr_float(n, "alpha", 0.2f);
        p->beta = ait_attr_float(n, "beta", 0.5f);
        break;
    case AIT_OP_GELU: {
        const char *approx = ait_attr_str(n, "approximate", "none");
        if (strcmp(approx, "none") != 0 && strcmp(approx, "tanh") != 0)
            return AIT_NODE_FAIL(AIT_E_MODEL, "approximate = '%s' (expected none or tanh)", approx);
        p->gelu_tanh = strcmp(approx, "tanh") == 0;
        break;
    }
    case AIT_OP_CAST: {
        const ait_attr *to = ait_attr_find(n, "to");
        if (!to || to->type != AIT_ATTR_INT)
            return AIT_NODE_FAIL(AIT_E_MODEL, "attribute 'to' (int) is required");
        out_dtype = (int)to->i;
        if (!ait_dtype_storable(out_dtype))
            return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "cast to %s is not supported", ait_dtype_get(out_dtype)->name);
        break;
    }
    case AIT_OP_CAST_LIKE: /* an empty name for `target_type` (found by fuzz_onnx) */
        AIT_TRY(ait_need_input(g, n, 1, d));
        out_dtype = ait_node_in(g, n, 1)->dtype;
        break;
    case AIT_OP_DROPOUT:
        /* inference: the mask output, if asked for, is all true */
        ait_set_out(g, n, 1, AIT_DT_BOOL, x->rank, x->dims);
        if (n->n_in > 2 && ait_node_in(g, n, 2)) {
            /* training with ratio 0 drops nothing and scales by 1 (torch exports swin_t's attention so) */
            ait_tensor *tm = ait_node_in(g, n, 2), *ratio = ait_node_in(g, n, 1);
            AIT_TRY(ait_need_const(g, n, 2, "decides what the op does", d));
            if (ait_dtype_load_i64(tm->dtype, tm->data, 0)) { /* training: only a ratio of 0 is supported */
                AIT_TRY(ait_need_const(g, n, 1, "decides what the op does", d));
                if (!ratio || ait_tensor_numel(ratio) != 1 || ait_dtype_load_f64(ratio->dtype, ratio->data, 0) != 0)
                    return AIT_NODE_FAIL(AIT_E_UNSUPPORTED,
                                         "training_mode must be a constant false (or the ratio a constant 0)");
            }
        }
        break;
    default: break;
    }
    ait_set_out(g, n, 0, out_dtype, x->rank, x->dims);
    return ait_check_attrs(g, n, d);
}

ait_status ait_resolve_clip(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_resolve_unary(g, n, d));
    ait_unary_params *p = n->params;
    if (g->opset < 11) {
        const ait_attr *lo = ait_attr_find(n, "min"), *hi = ait_attr_find(n, "max");
        p->has_min = p->has_max = 1;
        p->min = lo ? ait_attr_float(n, "min", 0) : -INFINITY;
        p->max = hi ? ait_attr_float(n, "max", 0) : INFINITY;
        return ait_check_attrs(g, n, d);
    }
    if (n->n_in > 3)
        return AIT_NODE_FAIL(AIT_E_MODEL, "expects at most 3 inputs, has %d", n->n_in);
    for (int i = 1; i < n->n_in; i++) {
        ait_tensor *b = ait_node_in(g, n, i);
        if (!b)
            continue;
        if (b->rank < 0 || ait_tensor_numel(b) != 1)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "bound '%s' must be a scalar", b->name);
        AIT_TRY(ait_same_dtype(g, n, 0, i, d));
        if (i == 1)
            p->has_min = p->min_input = 1;
        else
            p->has_max = p->max_input = 1;
    }
    return AIT_OK;
}
