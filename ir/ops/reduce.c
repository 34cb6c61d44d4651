/* ReduceMean, ReduceSum, ReduceMax. Axes come from the attribute (before
 * opset 13, or 18 for Mean/Max) or from a constant input. */
#include "ir/ops/op_util.h"

ait_status ait_resolve_reduce(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, 2, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    if (x->dtype == AIT_DT_BOOL)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "bool input");
    ait_reduce_params *p = AIT_NEW(g->arena, ait_reduce_params, 1);
    n->params = p;
    p->rank = x->rank;
    int64_t *axes = NULL;
    int na = -1;
    if (ait_node_in(g, n, 1)) {
        AIT_TRY(ait_const_ints(g, n, 1, &axes, &na, d));
    } else {
        const int64_t *a;
        na = ait_attr_ints(n, "axes", &a);
        axes = (int64_t *)a;
    }
    int keepdims = ait_attr_int(n, "keepdims", 1) != 0;
    int noop = ait_attr_int(n, "noop_with_empty_axes", 0) != 0;
    AIT_TRY(ait_check_attrs(g, n, d));
    if (na <= 0 && noop) {
        p->identity = 1;
        ait_set_out(g, n, 0, x->dtype, x->rank, x->dims);
        return AIT_OK;
    }
    for (int i = 0; i < x->rank; i++)
        p->reduce[i] = na <= 0;
    for (int i = 0; i < na; i++) {
        int64_t ax;
        AIT_TRY(ait_norm_axis(g, n, axes[i], x->rank, &ax, d));
        if (p->reduce[ax])
            return AIT_NODE_FAIL(AIT_E_MODEL, "axis %d appears twice", (int)ax);
        p->reduce[ax] = 1;
    }
    int64_t od[AIT_MAX_RANK];
    int r = 0;
    for (int i = 0; i < x->rank; i++) {
        if (!p->reduce[i])
            od[r++] = x->dims[i];
        else if (keepdims)
            od[r++] = 1;
    }
    for (int i = 0; i < x->rank; i++) /* an integer mean of nothing has no value */
        if (p->reduce[i] && x->dims[i] == 0 && n->op == AIT_OP_REDUCE_MEAN && !ait_dtype_get(x->dtype)->is_float)
            return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "integer ReduceMean over an empty axis");
    ait_set_out(g, n, 0, x->dtype, r, od);
    return AIT_OK;
}
