/* Ops whose outputs are known at generation time: Shape, Size, Constant,
 * ConstantOfShape, Range.  Shape, Size and Constant set their output data
 * here; the others are folded by running their kernel. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ir/ops/op_util.h"

static void set_const_i64(ait_graph *g, ait_node *n, int rank, const int64_t *dims, const int64_t *vals,
                          int64_t count)
{
    ait_set_out(g, n, 0, AIT_DT_INT64, rank, dims);
    ait_node_out(g, n, 0)->data = ait_arena_memdup(g->arena, vals, (size_t)count * sizeof(int64_t));
}

ait_status ait_resolve_shape(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, 1, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    int64_t start = ait_attr_int(n, "start", 0), end = ait_attr_int(n, "end", x->rank);
    AIT_TRY(ait_check_attrs(g, n, d));
    if (start < 0)
        start += x->rank;
    if (end < 0)
        end += x->rank;
    start = start < 0 ? 0 : start > x->rank ? x->rank : start;
    end = end < 0 ? 0 : end > x->rank ? x->rank : end;
    int64_t len = end > start ? end - start : 0;
    set_const_i64(g, n, 1, &len, x->dims + start, len);
    return AIT_OK;
}

ait_status ait_resolve_size(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, 1, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    int64_t numel = ait_tensor_numel(ait_node_in(g, n, 0));
    set_const_i64(g, n, 0, NULL, &numel, 1);
    return AIT_OK;
}

ait_status ait_resolve_constant(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 0, 0, d));
    if (n->n_attr != 1)
        return AIT_NODE_FAIL(AIT_E_MODEL, "needs exactly one value attribute, has %d attributes", n->n_attr);
    const ait_attr *a = &n->attr[0];
    ait_tensor *o = ait_node_out(g, n, 0);
    if (!o)
        return AIT_NODE_FAIL(AIT_E_MODEL, "has no output");
    if (strcmp(a->name, "value") == 0 && a->type == AIT_ATTR_TENSOR) {
        const ait_tensor *v = &g->t[a->tensor];
        o->dtype = v->dtype;
        ait_tensor_set_shape(o, v->rank, v->dims);
        o->data = v->data;
    } else if (strcmp(a->name, "value_float") == 0 && a->type == AIT_ATTR_FLOAT) {
        ait_set_out(g, n, 0, AIT_DT_FLOAT, 0, NULL);
        o->data = ait_arena_memdup(g->arena, &a->f, sizeof(float));
    } else if (strcmp(a->name, "value_floats") == 0 && a->type == AIT_ATTR_FLOATS) {
        int64_t len = a->n;
        ait_set_out(g, n, 0, AIT_DT_FLOAT, 1, &len);
        o->data = ait_arena_memdup(g->arena, a->floats, sizeof(float) * (size_t)len);
    } else if (strcmp(a->name, "value_int") == 0 && a->type == AIT_ATTR_INT) {
        set_const_i64(g, n, 0, NULL, &a->i, 1);
    } else if (strcmp(a->name, "value_ints") == 0 && a->type == AIT_ATTR_INTS) {
        int64_t len = a->n;
        set_const_i64(g, n, 1, &len, a->ints, len);
    } else {
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "value attribute '%s' is not supported", a->name);
    }
    if (!ait_dtype_supported(o->dtype))
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "data type %s is not supported", ait_dtype_get(o->dtype)->name);
    return AIT_OK;
}

ait_status ait_resolve_constant_of_shape(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, 1, d));
    int64_t *shape;
    int r;
    AIT_TRY(ait_const_ints(g, n, 0, &shape, &r, d));
    if (r > AIT_MAX_RANK)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "rank %d exceeds %d", r, AIT_MAX_RANK);
    for (int i = 0; i < r; i++)
        if (shape[i] < 0)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "negative dimension %" PRId64, shape[i]);
    ait_fill_params *p = AIT_NEW(g->arena, ait_fill_params, 1);
    n->params = p;
    int dtype = AIT_DT_FLOAT;
    const ait_attr *v = ait_attr_find(n, "value");
    if (v) {
        if (v->type != AIT_ATTR_TENSOR || ait_tensor_numel(&g->t[v->tensor]) != 1)
            return AIT_NODE_FAIL(AIT_E_MODEL, "value must be a one-element tensor");
        dtype = g->t[v->tensor].dtype;
        if (!ait_dtype_supported(dtype))
            return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "data type %s is not supported", ait_dtype_get(dtype)->name);
        p->value = ait_dtype_load_f64(dtype, g->t[v->tensor].data, 0);
    }
    ait_set_out(g, n, 0, dtype, r, shape);
    return AIT_OK;
}

ait_status ait_resolve_range(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 3, 3, d));
    double v[3];
    for (int i = 0; i < 3; i++) {
        AIT_TRY(ait_same_dtype(g, n, 0, i, d));
        AIT_TRY(ait_const_scalar(g, n, i, &v[i], d));
    }
    if (v[2] == 0)
        return AIT_NODE_FAIL(AIT_E_MODEL, "delta is 0");
    double cnt = ceil((v[1] - v[0]) / v[2]);
    int64_t len = cnt > 0 ? (int64_t)cnt : 0;
    ait_set_out(g, n, 0, ait_node_in(g, n, 0)->dtype, 1, &len);
    return AIT_OK;
}

/* HannWindow, HammingWindow, BlackmanWindow: a window of `size` values; the period N is size
 * (periodic) or size - 1 (symmetric). */
ait_status ait_resolve_window(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, 1, d));
    double size;
    AIT_TRY(ait_const_scalar(g, n, 0, &size, d));
    if (!(size >= 0 && size <= (double)INT32_MAX))
        return AIT_NODE_FAIL(AIT_E_MODEL, "size %g is out of range", size);
    int dtype = (int)ait_attr_int(n, "output_datatype", AIT_DT_FLOAT);
    if (!ait_dtype_supported(dtype) || dtype == AIT_DT_BOOL)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "output_datatype %s is not supported", ait_dtype_get(dtype)->name);
    ait_fill_params *p = AIT_NEW(g->arena, ait_fill_params, 1);
    n->params = p;
    int64_t len = (int64_t)size;
    p->value = ait_attr_int(n, "periodic", 1) ? (double)len : (double)len - 1;
    ait_set_out(g, n, 0, dtype, 1, &len);
    return ait_check_attrs(g, n, d);
}
