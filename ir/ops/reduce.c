/* The Reduce ops and ArgMax/ArgMin. Axes come from the attribute (before
 * opset 13 for ReduceSum, 18 for the others) or from a constant input. */
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

ait_status ait_resolve_argmax(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, 1, d));
    AIT_TRY(ait_need_input(g, n, 0, d)); /* an empty input name (found by fuzz_onnx) */
    ait_tensor *x = ait_node_in(g, n, 0);
    if (x->dtype == AIT_DT_BOOL)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "bool input");
    if (x->rank < 1)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "input '%s' is a scalar", x->name);
    ait_reduce_params *p = AIT_NEW(g->arena, ait_reduce_params, 1);
    n->params = p;
    p->rank = x->rank;
    int64_t axis;
    AIT_TRY(ait_norm_axis(g, n, ait_attr_int(n, "axis", 0), x->rank, &axis, d));
    int keepdims = ait_attr_int(n, "keepdims", 1) != 0;
    p->select_last = ait_attr_int(n, "select_last_index", 0) != 0;
    AIT_TRY(ait_check_attrs(g, n, d));
    if (x->dims[axis] == 0)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "axis %d of '%s' is empty: there is no index to return", (int)axis, x->name);
    p->reduce[axis] = 1;
    int64_t od[AIT_MAX_RANK];
    int r = 0;
    for (int i = 0; i < x->rank; i++)
        if (i != axis || keepdims)
            od[r++] = i == axis ? 1 : x->dims[i];
    ait_set_out(g, n, 0, AIT_DT_INT64, r, od);
    return AIT_OK;
}

/* MeanVarianceNormalization: (x - mean) / (std + 1e-9) over `axes` (default 0, 2, 3). */
ait_status ait_resolve_mvn(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, 1, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    AIT_TRY(ait_need_float(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    ait_reduce_params *p = AIT_NEW(g->arena, ait_reduce_params, 1);
    n->params = p;
    p->rank = x->rank;
    static const int64_t dflt[] = {0, 2, 3};
    const int64_t *axes;
    int na = ait_attr_ints(n, "axes", &axes);
    if (na < 0) {
        axes = dflt;
        na = 3;
    }
    AIT_TRY(ait_check_attrs(g, n, d));
    for (int i = 0; i < na; i++) {
        int64_t ax;
        AIT_TRY(ait_norm_axis(g, n, axes[i], x->rank, &ax, d));
        p->reduce[ax] = 1;
    }
    ait_set_out(g, n, 0, x->dtype, x->rank, x->dims);
    return AIT_OK;
}
