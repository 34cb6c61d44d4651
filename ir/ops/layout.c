/* Ops that move data without arithmetic. */
#include <inttypes.h>
#include <string.h>

#include <stdint.h>

#include "ir/ops/op_util.h"

static ait_layout_params *new_params(ait_graph *g, ait_node *n)
{
    ait_layout_params *p = AIT_NEW(g->arena, ait_layout_params, 1);
    n->params = p;
    return p;
}

ait_status ait_resolve_flatten(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, 1, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    int64_t axis = ait_attr_int(n, "axis", 1);
    AIT_TRY(ait_check_attrs(g, n, d));
    if (axis < -x->rank || axis > x->rank)
        return AIT_NODE_FAIL(AIT_E_MODEL, "axis %" PRId64 " is out of range for rank %d", axis, x->rank);
    if (axis < 0)
        axis += x->rank;
    int64_t od[2] = {1, 1};
    for (int i = 0; i < x->rank; i++)
        od[i < axis ? 0 : 1] *= x->dims[i];
    ait_set_out(g, n, 0, x->dtype, 2, od);
    new_params(g, n);
    return AIT_OK;
}

ait_status ait_resolve_reshape(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 2, 2, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    int64_t *shape;
    int r;
    AIT_TRY(ait_const_ints(g, n, 1, &shape, &r, d));
    if (r > AIT_MAX_RANK)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "rank %d exceeds %d", r, AIT_MAX_RANK);
    int allowzero = ait_attr_int(n, "allowzero", 0) != 0;
    int64_t od[AIT_MAX_RANK], known = 1;
    int infer = -1;
    for (int i = 0; i < r; i++) {
        od[i] = shape[i];
        if (shape[i] == 0 && !allowzero) {
            if (i >= x->rank)
                return AIT_NODE_FAIL(AIT_E_SHAPE, "shape[%d] = 0 copies a dimension the input does not have", i);
            od[i] = x->dims[i];
        }
        if (od[i] == -1) {
            if (infer >= 0)
                return AIT_NODE_FAIL(AIT_E_SHAPE, "more than one -1 in the target shape");
            infer = i;
        } else if (od[i] < 0) {
            return AIT_NODE_FAIL(AIT_E_SHAPE, "invalid target dimension %" PRId64, od[i]);
        } else if (od[i] && known > INT64_MAX / od[i]) { /* found by fuzz_onnx: the product overflowed */
            return AIT_NODE_FAIL(AIT_E_SHAPE, "the target shape's element count overflows");
        } else {
            known *= od[i];
        }
    }
    int64_t numel = ait_tensor_numel(x);
    if (infer >= 0) {
        if (known == 0 || numel % known)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "cannot infer -1: %" PRId64 " elements into blocks of %" PRId64, numel,
                                 known);
        od[infer] = numel / known;
        known *= od[infer];
    }
    if (known != numel)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "cannot reshape %" PRId64 " elements into %" PRId64, numel, known);
    ait_set_out(g, n, 0, x->dtype, r, od);
    new_params(g, n);
    return ait_check_attrs(g, n, d);
}

ait_status ait_resolve_squeeze(ait_graph *g, ait_node *n, ait_diag *d)
{
    int unsq = n->op == AIT_OP_UNSQUEEZE;
    AIT_TRY(ait_check_inputs(g, n, 1, 2, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    int64_t *axes = NULL;
    int na = -1;
    if (ait_node_in(g, n, 1)) {
        AIT_TRY(ait_const_ints(g, n, 1, &axes, &na, d));
    } else {
        const int64_t *a;
        na = ait_attr_ints(n, "axes", &a);
        axes = (int64_t *)a;
        AIT_TRY(ait_check_attrs(g, n, d));
    }
    int orank = unsq ? x->rank + (na > 0 ? na : 0) : x->rank;
    if (unsq && na <= 0)
        return AIT_NODE_FAIL(AIT_E_MODEL, "axes are required");
    if (orank > AIT_MAX_RANK)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "rank %d exceeds %d", orank, AIT_MAX_RANK);
    int mark[AIT_MAX_RANK] = {0};
    for (int i = 0; i < na; i++) {
        int64_t ax;
        AIT_TRY(ait_norm_axis(g, n, axes[i], orank, &ax, d));
        if (mark[ax])
            return AIT_NODE_FAIL(AIT_E_MODEL, "axis %" PRId64 " appears twice", axes[i]);
        mark[ax] = 1;
        if (!unsq && x->dims[ax] != 1)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "cannot squeeze axis %" PRId64 " of size %" PRId64, axes[i],
                                 x->dims[ax]);
    }
    int64_t od[AIT_MAX_RANK];
    int r = 0;
    if (unsq) {
        for (int i = 0, j = 0; i < orank; i++)
            od[r++] = mark[i] ? 1 : x->dims[j++];
    } else {
        for (int i = 0; i < x->rank; i++)
            if (!(na > 0 ? mark[i] : x->dims[i] == 1))
                od[r++] = x->dims[i];
    }
    ait_set_out(g, n, 0, x->dtype, r, od);
    new_params(g, n);
    return AIT_OK;
}

ait_status ait_resolve_transpose(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, 1, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    ait_layout_params *p = new_params(g, n);
    const int64_t *perm;
    int np = ait_attr_ints(n, "perm", &perm);
    AIT_TRY(ait_check_attrs(g, n, d));
    if (np >= 0 && np != x->rank)
        return AIT_NODE_FAIL(AIT_E_MODEL, "perm has %d entries for rank %d", np, x->rank);
    int seen[AIT_MAX_RANK] = {0};
    int64_t od[AIT_MAX_RANK];
    for (int i = 0; i < x->rank; i++) {
        int64_t a = np >= 0 ? perm[i] : x->rank - 1 - i;
        if (a < 0 || a >= x->rank || seen[a]++)
            return AIT_NODE_FAIL(AIT_E_MODEL, "perm is not a permutation of 0..%d", x->rank - 1);
        p->perm[i] = (int)a;
        od[i] = x->dims[a];
    }
    ait_set_out(g, n, 0, x->dtype, x->rank, od);
    return AIT_OK;
}

ait_status ait_resolve_concat(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, 1 << 16, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    AIT_TRY(ait_need_input(g, n, 0, d));
    const ait_attr *aa = ait_attr_find(n, "axis");
    if (!aa || aa->type != AIT_ATTR_INT)
        return AIT_NODE_FAIL(AIT_E_MODEL, "attribute 'axis' (int) is required");
    ait_layout_params *p = new_params(g, n);
    AIT_TRY(ait_norm_axis(g, n, aa->i, x->rank, &p->axis, d));
    int64_t od[AIT_MAX_RANK];
    memcpy(od, x->dims, sizeof od);
    od[p->axis] = 0;
    for (int i = 0; i < n->n_in; i++) {
        AIT_TRY(ait_need_input(g, n, i, d));
        AIT_TRY(ait_same_dtype(g, n, 0, i, d));
        ait_tensor *t = ait_node_in(g, n, i);
        if (t->rank != x->rank)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "input '%s' has rank %d, expected %d", t->name, t->rank, x->rank);
        for (int k = 0; k < x->rank; k++)
            if (k != p->axis && t->dims[k] != x->dims[k])
                return AIT_NODE_FAIL(AIT_E_SHAPE, "input '%s' differs in dimension %d", t->name, k);
        od[p->axis] += t->dims[p->axis];
    }
    ait_set_out(g, n, 0, x->dtype, x->rank, od);
    return AIT_OK;
}

ait_status ait_resolve_split(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, 2, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    ait_layout_params *p = new_params(g, n);
    AIT_TRY(ait_norm_axis(g, n, ait_attr_int(n, "axis", 0), x->rank, &p->axis, d));
    int64_t len = x->dims[p->axis];
    int64_t *split = NULL;
    int ns = -1;
    if (ait_node_in(g, n, 1)) {
        AIT_TRY(ait_const_ints(g, n, 1, &split, &ns, d));
    } else {
        const int64_t *a;
        ns = ait_attr_ints(n, "split", &a);
        split = (int64_t *)a;
    }
    int64_t num_outputs = ait_attr_int(n, "num_outputs", n->n_out);
    AIT_TRY(ait_check_attrs(g, n, d));
    if (n->n_out < 1 || num_outputs != n->n_out)
        return AIT_NODE_FAIL(AIT_E_MODEL, "num_outputs does not match the %d outputs", n->n_out);
    p->sizes = AIT_NEW(g->arena, int64_t, n->n_out);
    if (ns >= 0) {
        if (ns != n->n_out)
            return AIT_NODE_FAIL(AIT_E_MODEL, "split has %d entries for %d outputs", ns, n->n_out);
        int64_t sum = 0;
        for (int i = 0; i < ns; i++) {
            if (split[i] < 0)
                return AIT_NODE_FAIL(AIT_E_MODEL, "negative split size");
            p->sizes[i] = split[i];
            sum += split[i];
        }
        if (sum != len)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "split sizes add up to %" PRId64 ", axis has %" PRId64, sum, len);
    } else {
        int64_t chunk = (len + n->n_out - 1) / n->n_out; /* opset 18 allows a smaller last chunk */
        if (g->opset < 18 && len % n->n_out)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "axis of %" PRId64 " does not split into %d equal parts", len,
                                 n->n_out);
        for (int i = 0; i < n->n_out; i++) {
            int64_t rest = len - chunk * i;
            p->sizes[i] = rest < chunk ? (rest > 0 ? rest : 0) : chunk;
        }
    }
    for (int i = 0; i < n->n_out; i++) {
        int64_t od[AIT_MAX_RANK];
        memcpy(od, x->dims, sizeof od);
        od[p->axis] = p->sizes[i];
        ait_set_out(g, n, i, x->dtype, x->rank, od);
    }
    return AIT_OK;
}

ait_status ait_resolve_slice(ait_graph *g, ait_node *n, ait_diag *d)
{
    int legacy = g->opset < 10;
    AIT_TRY(ait_check_inputs(g, n, legacy ? 1 : 3, legacy ? 1 : 5, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    ait_layout_params *p = new_params(g, n);
    int64_t *starts, *ends, *axes = NULL, *steps = NULL;
    int ns, ne, na = -1, nst = -1;
    if (legacy) {
        const int64_t *a;
        ns = ait_attr_ints(n, "starts", &a);
        starts = (int64_t *)a;
        ne = ait_attr_ints(n, "ends", &a);
        ends = (int64_t *)a;
        na = ait_attr_ints(n, "axes", &a);
        axes = (int64_t *)a;
        AIT_TRY(ait_check_attrs(g, n, d));
        if (ns < 0 || ne < 0)
            return AIT_NODE_FAIL(AIT_E_MODEL, "attributes 'starts' and 'ends' are required");
    } else {
        AIT_TRY(ait_const_ints(g, n, 1, &starts, &ns, d));
        AIT_TRY(ait_const_ints(g, n, 2, &ends, &ne, d));
        if (ait_node_in(g, n, 3))
            AIT_TRY(ait_const_ints(g, n, 3, &axes, &na, d));
        if (ait_node_in(g, n, 4))
            AIT_TRY(ait_const_ints(g, n, 4, &steps, &nst, d));
    }
    if (ne != ns || (na >= 0 && na != ns) || (nst >= 0 && nst != ns))
        return AIT_NODE_FAIL(AIT_E_MODEL, "starts, ends, axes and steps differ in length");
    int64_t od[AIT_MAX_RANK];
    int seen[AIT_MAX_RANK] = {0};
    for (int i = 0; i < x->rank; i++) {
        od[i] = x->dims[i];
        p->start[i] = 0;
        p->step[i] = 1;
    }
    for (int i = 0; i < ns; i++) {
        int64_t ax;
        AIT_TRY(ait_norm_axis(g, n, na >= 0 ? axes[i] : i, x->rank, &ax, d));
        if (seen[ax]++)
            return AIT_NODE_FAIL(AIT_E_MODEL, "axis %" PRId64 " appears twice", ax);
        int64_t dim = x->dims[ax], step = nst >= 0 ? steps[i] : 1, s = starts[i], e = ends[i];
        if (step == 0)
            return AIT_NODE_FAIL(AIT_E_MODEL, "step 0 on axis %" PRId64, ax);
        if (s < 0)
            s += dim;
        if (e < 0)
            e += dim;
        if (step > 0) {
            s = s < 0 ? 0 : s > dim ? dim : s;
            e = e < 0 ? 0 : e > dim ? dim : e;
            od[ax] = e > s ? (e - s + step - 1) / step : 0;
        } else {
            s = s < 0 ? -1 : s > dim - 1 ? dim - 1 : s;
            e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
            od[ax] = s > e ? (s - e - step - 1) / -step : 0;
        }
        p->start[ax] = s;
        p->step[ax] = step;
    }
    ait_set_out(g, n, 0, x->dtype, x->rank, od);
    return AIT_OK;
}

ait_status ait_resolve_pad(ait_graph *g, ait_node *n, ait_diag *d)
{
    int legacy = g->opset < 11;
    AIT_TRY(ait_check_inputs(g, n, legacy ? 1 : 2, legacy ? 1 : 4, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    ait_layout_params *p = new_params(g, n);
    const char *mode = ait_attr_str(n, "mode", "constant");
    if (strcmp(mode, "constant") == 0)
        p->pad_mode = 0;
    else if (strcmp(mode, "reflect") == 0)
        p->pad_mode = 1;
    else if (strcmp(mode, "edge") == 0)
        p->pad_mode = 2;
    else
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "mode '%s' is not supported", mode);
    int64_t *pads, *axes = NULL;
    int np, na = -1;
    if (legacy) {
        const int64_t *a;
        np = ait_attr_ints(n, "pads", &a);
        pads = (int64_t *)a;
        p->pad_value = ait_attr_float(n, "value", 0.0f);
    } else {
        AIT_TRY(ait_const_ints(g, n, 1, &pads, &np, d));
        ait_tensor *cv = ait_node_in(g, n, 2);
        if (cv) {
            if (ait_tensor_numel(cv) != 1)
                return AIT_NODE_FAIL(AIT_E_SHAPE, "constant_value must be a scalar");
            AIT_TRY(ait_same_dtype(g, n, 0, 2, d));
            p->pad_value_input = 1;
        }
        if (ait_node_in(g, n, 3))
            AIT_TRY(ait_const_ints(g, n, 3, &axes, &na, d));
    }
    AIT_TRY(ait_check_attrs(g, n, d));
    int nax = na >= 0 ? na : x->rank;
    if (np != 2 * nax)
        return AIT_NODE_FAIL(AIT_E_MODEL, "pads has %d values, expected %d", np, 2 * nax);
    int64_t od[AIT_MAX_RANK];
    memcpy(od, x->dims, sizeof od);
    for (int i = 0; i < nax; i++) {
        int64_t ax;
        AIT_TRY(ait_norm_axis(g, n, na >= 0 ? axes[i] : i, x->rank, &ax, d));
        int64_t lo = pads[i], hi = pads[nax + i];
        p->pad_lo[ax] = lo;
        od[ax] = x->dims[ax] + lo + hi;
        if (od[ax] < 0)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "pads remove more than axis %" PRId64 " holds", ax);
        if (p->pad_mode == 1 && (lo >= x->dims[ax] || hi >= x->dims[ax]) && (lo > 0 || hi > 0))
            return AIT_NODE_FAIL(AIT_E_SHAPE, "reflect pads must be smaller than the axis");
        if (p->pad_mode != 0 && x->dims[ax] == 0 && (lo > 0 || hi > 0))
            return AIT_NODE_FAIL(AIT_E_SHAPE, "cannot pad an empty axis in mode %s", mode);
    }
    ait_set_out(g, n, 0, x->dtype, x->rank, od);
    return AIT_OK;
}

ait_status ait_resolve_gather(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 2, 2, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    AIT_TRY(ait_need_input(g, n, 1, d));
    ait_tensor *x = ait_node_in(g, n, 0), *ix = ait_node_in(g, n, 1);
    if (ix->dtype != AIT_DT_INT64 && ix->dtype != AIT_DT_INT32)
        return AIT_NODE_FAIL(AIT_E_MODEL, "indices must be int32 or int64");
    if (x->rank < 1)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "data must have rank >= 1");
    ait_layout_params *p = new_params(g, n);
    AIT_TRY(ait_norm_axis(g, n, ait_attr_int(n, "axis", 0), x->rank, &p->axis, d));
    AIT_TRY(ait_check_attrs(g, n, d));
    if (x->rank - 1 + ix->rank > AIT_MAX_RANK)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "output rank exceeds %d", AIT_MAX_RANK);
    if (ix->data) /* constant indices: check them now rather than clamping silently */
        for (int64_t j = 0; j < ait_tensor_numel(ix); j++) {
            int64_t v = ait_dtype_load_i64(ix->dtype, ix->data, (size_t)j), dim = x->dims[p->axis];
            if (v < -dim || v >= dim)
                return AIT_NODE_FAIL(AIT_E_SHAPE, "index %" PRId64 " is out of range for axis of %" PRId64, v, dim);
        }
    int64_t od[AIT_MAX_RANK];
    int r = 0;
    for (int i = 0; i < p->axis; i++)
        od[r++] = x->dims[i];
    for (int i = 0; i < ix->rank; i++)
        od[r++] = ix->dims[i];
    for (int i = (int)p->axis + 1; i < x->rank; i++)
        od[r++] = x->dims[i];
    ait_set_out(g, n, 0, x->dtype, r, od);
    return AIT_OK;
}

ait_status ait_resolve_expand(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 2, 2, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    int64_t *shape;
    int r;
    AIT_TRY(ait_const_ints(g, n, 1, &shape, &r, d));
    int orank = r > x->rank ? r : x->rank;
    if (orank > AIT_MAX_RANK)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "rank exceeds %d", AIT_MAX_RANK);
    int64_t od[AIT_MAX_RANK];
    for (int k = 0; k < orank; k++) {
        int i = k - (orank - x->rank), j = k - (orank - r);
        int64_t a = i >= 0 ? x->dims[i] : 1, b = j >= 0 ? shape[j] : 1;
        if (a != b && a != 1 && b != 1)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "dimension %" PRId64 " does not expand to %" PRId64, a, b);
        od[k] = a == 1 ? b : a;
    }
    ait_set_out(g, n, 0, x->dtype, orank, od);
    new_params(g, n);
    return AIT_OK;
}
