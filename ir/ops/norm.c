/* BatchNormalization (inference), LayerNormalization, Softmax, LogSoftmax, Hardmax,
 * InstanceNormalization, GroupNormalization, LRN, LpNormalization. */
#include <inttypes.h>

#include "ir/ops/op_util.h"

ait_status ait_resolve_batchnorm(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 5, 5, d));
    for (int i = 0; i < 5; i++) {
        AIT_TRY(ait_need_input(g, n, i, d));
        AIT_TRY(ait_same_dtype(g, n, 0, i, d));
    }
    AIT_TRY(ait_need_float(g, n, 0, d));
    if (ait_attr_int(n, "training_mode", 0) != 0 || (n->n_out > 1 && n->out[1] >= 0))
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "training mode is not supported (inference only)");
    ait_tensor *x = ait_node_in(g, n, 0);
    if (x->rank < 2)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "input must have rank >= 2, has %d", x->rank);
    for (int i = 1; i < 5; i++) {
        ait_tensor *t = ait_node_in(g, n, i);
        if (t->rank != 1 || t->dims[0] != x->dims[1])
            return AIT_NODE_FAIL(AIT_E_SHAPE, "'%s' must have shape [%" PRId64 "]", t->name, x->dims[1]);
    }
    ait_norm_params *p = AIT_NEW(g->arena, ait_norm_params, 1);
    n->params = p;
    p->epsilon = ait_attr_float(n, "epsilon", 1e-5f);
    p->outer = x->dims[0];
    p->axis_len = x->dims[1];
    p->inner = ait_dims_prod(x->dims, 2, x->rank);
    ait_set_out(g, n, 0, x->dtype, x->rank, x->dims);
    return ait_check_attrs(g, n, d);
}

/* Offsets into a parameter broadcast (unidirectionally) to dims[axis:]. */
static ait_status param_offsets(ait_graph *g, ait_node *n, const ait_tensor *x, int axis, const ait_tensor *t,
                                int64_t **out, ait_diag *d)
{
    int nr = x->rank - axis;
    if (t->rank > nr)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "'%s' has rank %d, more than the %d normalized axes", t->name, t->rank, nr);
    for (int k = 0; k < t->rank; k++) {
        int64_t td = t->dims[k], xd = x->dims[axis + nr - t->rank + k];
        if (td != xd && td != 1)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "'%s' does not broadcast to the normalized axes", t->name);
    }
    int64_t st[AIT_MAX_RANK], inner = ait_dims_prod(x->dims, axis, x->rank);
    ait_bcast_strides(t->rank, t->dims, nr, x->dims + axis, st);
    *out = AIT_NEW(g->arena, int64_t, inner);
    for (int64_t j = 0; j < inner; j++) {
        int64_t r = j, o = 0;
        for (int k = nr - 1; k >= 0; k--) {
            o += (r % x->dims[axis + k]) * st[k];
            r /= x->dims[axis + k];
        }
        (*out)[j] = o;
    }
    return AIT_OK;
}

ait_status ait_resolve_layernorm(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 2, 3, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    AIT_TRY(ait_need_input(g, n, 1, d));
    AIT_TRY(ait_need_float(g, n, 0, d));
    AIT_TRY(ait_same_dtype(g, n, 0, 1, d));
    AIT_TRY(ait_same_dtype(g, n, 0, 2, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    int64_t axis;
    AIT_TRY(ait_norm_axis(g, n, ait_attr_int(n, "axis", -1), x->rank, &axis, d));
    if (ait_attr_int(n, "stash_type", 1) != 1)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "stash_type other than float32 is not supported");
    ait_norm_params *p = AIT_NEW(g->arena, ait_norm_params, 1);
    n->params = p;
    p->epsilon = ait_attr_float(n, "epsilon", 1e-5f);
    p->outer = ait_dims_prod(x->dims, 0, (int)axis);
    p->inner = ait_dims_prod(x->dims, (int)axis, x->rank);
    AIT_TRY(param_offsets(g, n, x, (int)axis, ait_node_in(g, n, 1), &p->scale_off, d));
    if (ait_node_in(g, n, 2))
        AIT_TRY(param_offsets(g, n, x, (int)axis, ait_node_in(g, n, 2), &p->bias_off, d));
    ait_set_out(g, n, 0, x->dtype, x->rank, x->dims);
    int64_t sd[AIT_MAX_RANK];
    for (int i = 0; i < x->rank; i++)
        sd[i] = i < axis ? x->dims[i] : 1;
    ait_set_out(g, n, 1, AIT_DT_FLOAT, x->rank, sd);
    ait_set_out(g, n, 2, AIT_DT_FLOAT, x->rank, sd);
    return ait_check_attrs(g, n, d);
}

ait_status ait_resolve_softmax(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, 1, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    AIT_TRY(ait_need_float(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    int legacy = g->opset < 13; /* before 13: coerce to 2-D at axis */
    int64_t axis;
    AIT_TRY(ait_norm_axis(g, n, ait_attr_int(n, "axis", legacy ? 1 : -1), x->rank, &axis, d));
    ait_norm_params *p = AIT_NEW(g->arena, ait_norm_params, 1);
    n->params = p;
    p->outer = ait_dims_prod(x->dims, 0, (int)axis);
    if (legacy) {
        p->axis_len = ait_dims_prod(x->dims, (int)axis, x->rank);
        p->inner = 1;
    } else {
        p->axis_len = x->rank ? x->dims[axis] : 1;
        p->inner = ait_dims_prod(x->dims, (int)axis + 1, x->rank);
    }
    ait_set_out(g, n, 0, x->dtype, x->rank, x->dims);
    return ait_check_attrs(g, n, d);
}

/* InstanceNormalization, GroupNormalization and LRN: over (N, C, spatial...), by channel. */
ait_status ait_resolve_channel_norm(ait_graph *g, ait_node *n, ait_diag *d)
{
    int lrn = n->op == AIT_OP_LRN;
    AIT_TRY(ait_check_inputs(g, n, lrn ? 1 : 3, lrn ? 1 : 3, d));
    for (int i = 0; i < n->n_in; i++) {
        AIT_TRY(ait_need_input(g, n, i, d));
        AIT_TRY(ait_same_dtype(g, n, 0, i, d));
    }
    AIT_TRY(ait_need_float(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    if (x->rank < 2)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "input must have rank >= 2 (N, C, ...), has %d", x->rank);
    ait_norm_params *p = AIT_NEW(g->arena, ait_norm_params, 1);
    n->params = p;
    p->outer = x->dims[0];
    p->axis_len = x->dims[1];
    p->inner = ait_dims_prod(x->dims, 2, x->rank);
    p->epsilon = ait_attr_float(n, "epsilon", 1e-5f);
    int64_t want = x->dims[1];
    if (n->op == AIT_OP_GROUP_NORM) {
        p->groups = ait_attr_int(n, "num_groups", 0);
        if (p->groups < 1 || x->dims[1] % p->groups)
            return AIT_NODE_FAIL(AIT_E_MODEL, "num_groups = %" PRId64 " does not divide the %" PRId64 " channels",
                                 p->groups, x->dims[1]);
        if (ait_attr_int(n, "stash_type", 1) != 1)
            return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "stash_type other than float32 is not supported");
        p->per_group_scale = g->opset < 21;
        if (p->per_group_scale)
            want = p->groups;
    } else if (lrn) {
        p->alpha = ait_attr_float(n, "alpha", 1e-4f);
        p->beta = ait_attr_float(n, "beta", 0.75f);
        p->bias = ait_attr_float(n, "bias", 1.0f);
        p->size = ait_attr_int(n, "size", 0);
        if (p->size < 1)
            return AIT_NODE_FAIL(AIT_E_MODEL, "size (>= 1) is required");
    }
    for (int i = 1; i < n->n_in; i++) {
        ait_tensor *t = ait_node_in(g, n, i);
        if (t->rank != 1 || t->dims[0] != want)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "'%s' must have shape [%" PRId64 "]", t->name, want);
    }
    ait_set_out(g, n, 0, x->dtype, x->rank, x->dims);
    return ait_check_attrs(g, n, d);
}

ait_status ait_resolve_lp_norm(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, 1, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    AIT_TRY(ait_need_float(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    if (x->rank < 1)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "input is a scalar");
    int64_t axis;
    AIT_TRY(ait_norm_axis(g, n, ait_attr_int(n, "axis", -1), x->rank, &axis, d));
    ait_norm_params *p = AIT_NEW(g->arena, ait_norm_params, 1);
    n->params = p;
    p->p = (int)ait_attr_int(n, "p", 2);
    if (p->p != 1 && p->p != 2)
        return AIT_NODE_FAIL(AIT_E_MODEL, "p = %d (expected 1 or 2)", p->p);
    p->outer = ait_dims_prod(x->dims, 0, (int)axis);
    p->axis_len = x->dims[axis];
    p->inner = ait_dims_prod(x->dims, (int)axis + 1, x->rank);
    ait_set_out(g, n, 0, x->dtype, x->rank, x->dims);
    return ait_check_attrs(g, n, d);
}
