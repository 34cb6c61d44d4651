/* Ops driven by index tensors or positions: GatherElements, GatherND, ScatterElements,
 * ScatterND, Scatter, OneHot, TopK, Trilu, EyeLike, CumSum, Tile, DepthToSpace, SpaceToDepth,
 * ReverseSequence, Compress.
 * Index values are data: the emitters clamp or skip what is out of range, never read or
 * write past a buffer. */
#include <inttypes.h>
#include <string.h>

#include "ir/ops/op_util.h"

static ait_index_params *new_params(ait_graph *g, ait_node *n)
{
    ait_index_params *p = AIT_NEW(g->arena, ait_index_params, 1);
    n->params = p;
    return p;
}

static ait_status need_int_indices(ait_graph *g, ait_node *n, int i, ait_diag *d)
{
    const ait_tensor *t = ait_node_in(g, n, i);
    if (t->dtype != AIT_DT_INT64 && t->dtype != AIT_DT_INT32)
        return AIT_NODE_FAIL(AIT_E_MODEL, "indices '%s' must be int32 or int64", t->name);
    return AIT_OK;
}

/* Scatter's `reduction`: none, add, mul (opset 16), max, min (opset 18). */
static ait_status scatter_reduction(ait_graph *g, ait_node *n, int *out, ait_diag *d)
{
    static const char *const names[] = {"none", "add", "mul", "max", "min"};
    const char *r = ait_attr_str(n, "reduction", "none");
    for (int i = 0; i < 5; i++)
        if (strcmp(r, names[i]) == 0) {
            *out = i;
            return AIT_OK;
        }
    return AIT_NODE_FAIL(AIT_E_MODEL, "reduction = '%s' (expected none, add, mul, max or min)", r);
}

ait_status ait_resolve_gather_elements(ait_graph *g, ait_node *n, ait_diag *d)
{
    int scatter = n->op == AIT_OP_SCATTER_ELEMENTS || n->op == AIT_OP_SCATTER; /* Scatter: opset 9-10's name */
    AIT_TRY(ait_check_inputs(g, n, scatter ? 3 : 2, scatter ? 3 : 2, d));
    for (int i = 0; i < n->n_in; i++)
        AIT_TRY(ait_need_input(g, n, i, d));
    AIT_TRY(need_int_indices(g, n, 1, d));
    ait_tensor *x = ait_node_in(g, n, 0), *ix = ait_node_in(g, n, 1);
    ait_index_params *p = new_params(g, n);
    if (x->rank < 1 || ix->rank != x->rank)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "data and indices must have the same rank (>= 1)");
    AIT_TRY(ait_norm_axis(g, n, ait_attr_int(n, "axis", 0), x->rank, &p->axis, d));
    if (scatter) {
        AIT_TRY(scatter_reduction(g, n, &p->reduction, d));
        AIT_TRY(ait_same_dtype(g, n, 0, 2, d));
        ait_tensor *u = ait_node_in(g, n, 2);
        if (u->rank != ix->rank || memcmp(u->dims, ix->dims, sizeof(int64_t) * (size_t)ix->rank) != 0)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "updates must have the shape of indices");
    }
    for (int k = 0; k < x->rank; k++)
        if (k != p->axis && ix->dims[k] > x->dims[k])
            return AIT_NODE_FAIL(AIT_E_SHAPE, "indices axis %d (%" PRId64 ") is longer than data's (%" PRId64 ")", k,
                                 ix->dims[k], x->dims[k]);
    if (x->dims[p->axis] == 0 && ait_tensor_numel(ix) > 0)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "data's axis %d is empty", (int)p->axis);
    if (scatter)
        ait_set_out(g, n, 0, x->dtype, x->rank, x->dims);
    else
        ait_set_out(g, n, 0, x->dtype, ix->rank, ix->dims);
    return ait_check_attrs(g, n, d);
}

ait_status ait_resolve_gather_nd(ait_graph *g, ait_node *n, ait_diag *d)
{
    int scatter = n->op == AIT_OP_SCATTER_ND;
    AIT_TRY(ait_check_inputs(g, n, scatter ? 3 : 2, scatter ? 3 : 2, d));
    for (int i = 0; i < n->n_in; i++)
        AIT_TRY(ait_need_input(g, n, i, d));
    AIT_TRY(need_int_indices(g, n, 1, d));
    ait_tensor *x = ait_node_in(g, n, 0), *ix = ait_node_in(g, n, 1);
    ait_index_params *p = new_params(g, n);
    p->batch_dims = scatter ? 0 : (int)ait_attr_int(n, "batch_dims", 0);
    if (ix->rank < 1 || x->rank < 1)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "data and indices must have rank >= 1");
    int64_t q = ix->dims[ix->rank - 1];
    if (p->batch_dims < 0 || p->batch_dims >= ix->rank || p->batch_dims >= x->rank)
        return AIT_NODE_FAIL(AIT_E_MODEL, "batch_dims = %d is out of range", p->batch_dims);
    if (q < 1 || q > x->rank - p->batch_dims)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "indices' last axis (%" PRId64 ") must be 1 to %d", q,
                             x->rank - p->batch_dims);
    for (int k = 0; k < p->batch_dims; k++)
        if (ix->dims[k] != x->dims[k])
            return AIT_NODE_FAIL(AIT_E_SHAPE, "batch axis %d differs between data and indices", k);
    int64_t od[AIT_MAX_RANK];
    int r = 0;
    for (int k = 0; k < ix->rank - 1; k++)
        od[r++] = ix->dims[k];
    for (int k = p->batch_dims + (int)q; k < x->rank; k++) {
        if (r >= AIT_MAX_RANK)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "the output's rank is over %d", AIT_MAX_RANK);
        od[r++] = x->dims[k];
    }
    if (scatter) {
        AIT_TRY(scatter_reduction(g, n, &p->reduction, d));
        AIT_TRY(ait_same_dtype(g, n, 0, 2, d));
        ait_tensor *u = ait_node_in(g, n, 2);
        if (u->rank != r || memcmp(u->dims, od, sizeof(int64_t) * (size_t)r) != 0)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "updates must have shape indices[:-1] + data[q:]");
        ait_set_out(g, n, 0, x->dtype, x->rank, x->dims);
    } else {
        ait_set_out(g, n, 0, x->dtype, r, od);
    }
    return ait_check_attrs(g, n, d);
}

ait_status ait_resolve_one_hot(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 3, 3, d));
    for (int i = 0; i < 3; i++)
        AIT_TRY(ait_need_input(g, n, i, d));
    ait_tensor *ix = ait_node_in(g, n, 0), *vals = ait_node_in(g, n, 2);
    if (ix->dtype == AIT_DT_BOOL)
        return AIT_NODE_FAIL(AIT_E_MODEL, "indices must be numbers");
    if (ait_tensor_numel(vals) != 2)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "values must hold two elements [off, on]");
    double depth;
    AIT_TRY(ait_const_scalar(g, n, 1, &depth, d));
    if (!(depth >= 1 && depth <= (double)INT32_MAX))
        return AIT_NODE_FAIL(AIT_E_MODEL, "depth %g is out of range", depth);
    ait_index_params *p = new_params(g, n);
    p->k = (int64_t)depth;
    if (ix->rank + 1 > AIT_MAX_RANK)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "the output's rank is over %d", AIT_MAX_RANK);
    AIT_TRY(ait_norm_axis(g, n, ait_attr_int(n, "axis", -1), ix->rank + 1, &p->axis, d));
    int64_t od[AIT_MAX_RANK];
    for (int k = 0, j = 0; k <= ix->rank; k++)
        od[k] = k == p->axis ? p->k : ix->dims[j++];
    ait_set_out(g, n, 0, vals->dtype, ix->rank + 1, od);
    return ait_check_attrs(g, n, d);
}

ait_status ait_resolve_topk(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, 2, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    if (x->dtype == AIT_DT_BOOL || x->rank < 1)
        return AIT_NODE_FAIL(AIT_E_MODEL, "input must be a numeric tensor of rank >= 1");
    ait_index_params *p = new_params(g, n);
    if (g->opset < 10) {
        p->k = ait_attr_int(n, "k", -1);
    } else {
        double k;
        AIT_TRY(ait_const_scalar(g, n, 1, &k, d));
        p->k = k >= 0 && k <= 0x1p62 ? (int64_t)k : -1; /* converting a NaN or huge double is UB */
    }
    AIT_TRY(ait_norm_axis(g, n, ait_attr_int(n, "axis", -1), x->rank, &p->axis, d));
    if (p->k < 0 || p->k > x->dims[p->axis])
        return AIT_NODE_FAIL(AIT_E_MODEL, "k = %" PRId64 " is outside [0, %" PRId64 "]", p->k, x->dims[p->axis]);
    p->largest = ait_attr_int(n, "largest", 1) != 0;
    int64_t od[AIT_MAX_RANK];
    memcpy(od, x->dims, sizeof(int64_t) * (size_t)x->rank);
    od[p->axis] = p->k;
    ait_set_out(g, n, 0, x->dtype, x->rank, od);
    ait_set_out(g, n, 1, AIT_DT_INT64, x->rank, od);
    return ait_check_attrs(g, n, d);
}

ait_status ait_resolve_trilu(ait_graph *g, ait_node *n, ait_diag *d)
{
    int eye = n->op == AIT_OP_EYE_LIKE;
    AIT_TRY(ait_check_inputs(g, n, 1, eye ? 1 : 2, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    ait_index_params *p = new_params(g, n);
    int out_dtype = x->dtype;
    if (eye) {
        if (x->rank != 2)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "input must be 2-D");
        p->k = ait_attr_int(n, "k", 0);
        out_dtype = (int)ait_attr_int(n, "dtype", x->dtype);
        if (!ait_dtype_supported(out_dtype))
            return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "dtype %s is not supported", ait_dtype_get(out_dtype)->name);
    } else {
        if (x->rank < 2)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "input must have rank >= 2");
        p->upper = ait_attr_int(n, "upper", 1) != 0;
        p->k_input = n->n_in > 1 && ait_node_in(g, n, 1);
        if (p->k_input && ait_node_in(g, n, 1)->dtype != AIT_DT_INT64)
            return AIT_NODE_FAIL(AIT_E_MODEL, "k must be int64");
    }
    ait_set_out(g, n, 0, out_dtype, x->rank, x->dims);
    return ait_check_attrs(g, n, d);
}

ait_status ait_resolve_cumsum(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 2, 2, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    if (x->dtype == AIT_DT_BOOL || x->rank < 1)
        return AIT_NODE_FAIL(AIT_E_MODEL, "input must be a numeric tensor of rank >= 1");
    ait_index_params *p = new_params(g, n);
    double axis;
    AIT_TRY(ait_const_scalar(g, n, 1, &axis, d));
    AIT_TRY(ait_norm_axis(g, n, axis > -64 && axis < 64 ? (int64_t)axis : 64, x->rank, &p->axis, d));
    p->exclusive = ait_attr_int(n, "exclusive", 0) != 0;
    p->reverse = ait_attr_int(n, "reverse", 0) != 0;
    ait_set_out(g, n, 0, x->dtype, x->rank, x->dims);
    return ait_check_attrs(g, n, d);
}

ait_status ait_resolve_tile(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 2, 2, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    int64_t *rep;
    int nr;
    AIT_TRY(ait_const_ints(g, n, 1, &rep, &nr, d));
    if (nr != x->rank)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "repeats has %d values for rank %d", nr, x->rank);
    int64_t od[AIT_MAX_RANK];
    for (int k = 0; k < x->rank; k++) {
        if (rep[k] < 0 || (x->dims[k] && rep[k] > INT64_MAX / x->dims[k]))
            return AIT_NODE_FAIL(AIT_E_MODEL, "repeats[%d] = %" PRId64 " is out of range", k, rep[k]);
        od[k] = x->dims[k] * rep[k];
    }
    new_params(g, n);
    ait_set_out(g, n, 0, x->dtype, x->rank, od);
    return ait_check_attrs(g, n, d);
}

ait_status ait_resolve_depth_to_space(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, 1, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    if (x->rank != 4)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "input must be 4-D (N, C, H, W)");
    ait_index_params *p = new_params(g, n);
    p->k = ait_attr_int(n, "blocksize", 0);
    if (p->k < 1 || p->k > 4096)
        return AIT_NODE_FAIL(AIT_E_MODEL, "blocksize %" PRId64 " is out of range", p->k);
    int64_t b = p->k, od[4] = {x->dims[0], 0, 0, 0};
    if (n->op == AIT_OP_DEPTH_TO_SPACE) {
        const char *mode = ait_attr_str(n, "mode", "DCR");
        if (strcmp(mode, "DCR") != 0 && strcmp(mode, "CRD") != 0)
            return AIT_NODE_FAIL(AIT_E_MODEL, "mode = '%s' (expected DCR or CRD)", mode);
        p->crd = strcmp(mode, "CRD") == 0;
        if (x->dims[1] % (b * b))
            return AIT_NODE_FAIL(AIT_E_SHAPE, "channels (%" PRId64 ") are not a multiple of blocksize^2", x->dims[1]);
        od[1] = x->dims[1] / (b * b);
        od[2] = x->dims[2] * b;
        od[3] = x->dims[3] * b;
    } else {
        if (x->dims[2] % b || x->dims[3] % b)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "H and W must be multiples of blocksize");
        od[1] = x->dims[1] * b * b;
        od[2] = x->dims[2] / b;
        od[3] = x->dims[3] / b;
    }
    ait_set_out(g, n, 0, x->dtype, 4, od);
    return ait_check_attrs(g, n, d);
}

ait_status ait_resolve_reverse_sequence(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 2, 2, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    AIT_TRY(ait_need_input(g, n, 1, d));
    ait_tensor *x = ait_node_in(g, n, 0), *sl = ait_node_in(g, n, 1);
    if (x->rank < 2)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "input must have rank >= 2");
    if (sl->dtype != AIT_DT_INT64 || sl->rank != 1)
        return AIT_NODE_FAIL(AIT_E_MODEL, "sequence_lens must be a 1-D int64 tensor");
    ait_index_params *p = new_params(g, n);
    int64_t ba, ta;
    AIT_TRY(ait_norm_axis(g, n, ait_attr_int(n, "batch_axis", 1), x->rank, &ba, d));
    AIT_TRY(ait_norm_axis(g, n, ait_attr_int(n, "time_axis", 0), x->rank, &ta, d));
    if (ba == ta || ba > 1 || ta > 1)
        return AIT_NODE_FAIL(AIT_E_MODEL, "batch_axis and time_axis must be 0 and 1, in either order");
    if (sl->dims[0] != x->dims[ba])
        return AIT_NODE_FAIL(AIT_E_SHAPE, "sequence_lens has %" PRId64 " values for a batch of %" PRId64, sl->dims[0],
                             x->dims[ba]);
    p->axis = ta;
    p->batch_dims = (int)ba;
    ait_set_out(g, n, 0, x->dtype, x->rank, x->dims);
    return ait_check_attrs(g, n, d);
}

/* The condition decides the output's shape, so it is a constant here. */
ait_status ait_resolve_compress(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 2, 2, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    AIT_TRY(ait_need_input(g, n, 1, d));
    ait_tensor *x = ait_node_in(g, n, 0), *c = ait_node_in(g, n, 1);
    if (c->dtype != AIT_DT_BOOL || c->rank != 1)
        return AIT_NODE_FAIL(AIT_E_MODEL, "condition must be a 1-D bool tensor");
    AIT_TRY(ait_need_const(g, n, 1, "(the condition) decides the output shape", d));
    ait_index_params *p = new_params(g, n);
    const ait_attr *ax = ait_attr_find(n, "axis");
    p->axis = -1;
    if (ax)
        AIT_TRY(ait_norm_axis(g, n, ait_attr_int(n, "axis", 0), x->rank, &p->axis, d));
    int64_t dim = p->axis < 0 ? ait_tensor_numel(x) : x->dims[p->axis];
    if (c->dims[0] > dim)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "condition has %" PRId64 " values for an axis of %" PRId64, c->dims[0], dim);
    p->positions = AIT_NEW(g->arena, int64_t, c->dims[0] + 1);
    for (int64_t j = 0; j < c->dims[0]; j++)
        if (((const uint8_t *)c->data)[j])
            p->positions[p->k++] = j;
    int64_t od[AIT_MAX_RANK];
    if (p->axis < 0) {
        ait_set_out(g, n, 0, x->dtype, 1, &p->k);
    } else {
        memcpy(od, x->dims, sizeof(int64_t) * (size_t)x->rank);
        od[p->axis] = p->k;
        ait_set_out(g, n, 0, x->dtype, x->rank, od);
    }
    return ait_check_attrs(g, n, d);
}
