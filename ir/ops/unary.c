/* Elementwise ops with one data input: activations, math, Cast, Clip. */
#include <math.h>
#include <string.h>

#include "ir/ops/op_util.h"

/* Ops that only move or compare values, so integer inputs are fine too. */
static int any_numeric(int op)
{
    return op == AIT_OP_ABS || op == AIT_OP_NEG || op == AIT_OP_RELU || op == AIT_OP_IDENTITY ||
           op == AIT_OP_DROPOUT || op == AIT_OP_CAST || op == AIT_OP_CAST_LIKE || op == AIT_OP_CLIP;
}

ait_status ait_resolve_unary(ait_graph *g, ait_node *n, ait_diag *d)
{
    int max_in = n->op == AIT_OP_CAST_LIKE ? 2 : n->op == AIT_OP_DROPOUT || n->op == AIT_OP_CLIP ? 3 : 1;
    AIT_TRY(ait_check_inputs(g, n, n->op == AIT_OP_CAST_LIKE ? 2 : 1, max_in, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    if (!any_numeric(n->op))
        AIT_TRY(ait_need_float(g, n, 0, d));
    ait_unary_params *p = AIT_NEW(g->arena, ait_unary_params, 1);
    n->params = p;
    int out_dtype = x->dtype;
    switch (n->op) {
    case AIT_OP_LEAKY_RELU: p->alpha = ait_attr_float(n, "alpha", 0.01f); break;
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
        if (!ait_dtype_supported(out_dtype))
            return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "cast to %s is not supported", ait_dtype_get(out_dtype)->name);
        break;
    }
    case AIT_OP_CAST_LIKE: out_dtype = ait_node_in(g, n, 1)->dtype; break;
    case AIT_OP_DROPOUT:
        /* inference: the mask output, if asked for, is all true */
        ait_set_out(g, n, 1, AIT_DT_BOOL, x->rank, x->dims);
        if (n->n_in > 2 && ait_node_in(g, n, 2)) {
            ait_tensor *tm = ait_node_in(g, n, 2);
            if (!tm->data || ait_dtype_load_i64(tm->dtype, tm->data, 0))
                return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "training_mode must be a constant false");
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
