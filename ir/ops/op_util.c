#include "ir/ops/op_util.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

ait_status ait_node_fail(const ait_graph *g, const ait_node *n, ait_diag *d, ait_status code, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ait_fail(d, code, "%s: node %s (%s): %s", g->path, n->name, n->op_type, msg);
}

ait_status ait_check_inputs(ait_graph *g, ait_node *n, int lo, int hi, ait_diag *d)
{
    if (n->n_in < lo || n->n_in > hi)
        return lo == hi ? AIT_NODE_FAIL(AIT_E_MODEL, "expects %d inputs, has %d", lo, n->n_in)
                        : AIT_NODE_FAIL(AIT_E_MODEL, "expects %d to %d inputs, has %d", lo, hi, n->n_in);
    for (int i = 0; i < n->n_in; i++) {
        ait_tensor *t = ait_node_in(g, n, i);
        if (!t)
            continue;
        if (t->rank < 0)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "input '%s' has no known shape", t->name);
        for (int k = 0; k < t->rank; k++)
            if (t->dims[k] < 0)
                return AIT_NODE_FAIL(AIT_E_SHAPE, "input '%s' has unbound dimension %d%s%s", t->name, k,
                                     t->dim_param[k] ? " " : "", t->dim_param[k] ? t->dim_param[k] : "");
        /* float16 / bfloat16 are storage: Cast and CastLike convert them, no other op computes on them */
        int converts = n->op == AIT_OP_CAST || n->op == AIT_OP_CAST_LIKE;
        if (!ait_dtype_supported(t->dtype) && !(converts && ait_dtype_storable(t->dtype)))
            return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "input '%s' has data type %s, which is not supported%s", t->name,
                                 ait_dtype_get(t->dtype)->name,
                                 ait_dtype_storable(t->dtype) ? " (only Cast and CastLike convert it)" : "");
    }
    return AIT_OK;
}

ait_status ait_need_input(ait_graph *g, ait_node *n, int i, ait_diag *d)
{
    return ait_node_in(g, n, i) ? AIT_OK : AIT_NODE_FAIL(AIT_E_MODEL, "input %d is required", i);
}

ait_status ait_need_float(ait_graph *g, ait_node *n, int i, ait_diag *d)
{
    ait_tensor *t = ait_node_in(g, n, i);
    if (t && !ait_dtype_get(t->dtype)->is_float)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "input '%s' is %s; this op is implemented for float32 and double",
                             t->name, ait_dtype_get(t->dtype)->name);
    return AIT_OK;
}

ait_status ait_need_class(ait_graph *g, ait_node *n, int i, ait_in_class c, ait_diag *d)
{
    static const char *const wants[] = {"", "", "numbers", "bool", "integers", "unsigned integers"};
    if (c == AIT_IN_FLOAT)
        return ait_need_float(g, n, i, d);
    const ait_tensor *t = ait_node_in(g, n, i);
    if (!t || c == AIT_IN_ANY)
        return AIT_OK;
    const ait_dtype_info *ti = ait_dtype_get(t->dtype);
    int is_bool = t->dtype == AIT_DT_BOOL, ok;
    switch (c) {
    case AIT_IN_NUMERIC: ok = !is_bool; break;
    case AIT_IN_BOOL: ok = is_bool; break;
    case AIT_IN_INT: ok = !is_bool && !ti->is_float; break;
    default: ok = !is_bool && !ti->is_float && !ti->is_signed; break;
    }
    return ok ? AIT_OK : AIT_NODE_FAIL(AIT_E_MODEL, "input '%s' is %s; this op takes %s", t->name, ti->name, wants[c]);
}

ait_status ait_same_dtype(ait_graph *g, ait_node *n, int i, int j, ait_diag *d)
{
    ait_tensor *a = ait_node_in(g, n, i), *b = ait_node_in(g, n, j);
    if (a && b && a->dtype != b->dtype)
        return AIT_NODE_FAIL(AIT_E_MODEL, "inputs '%s' (%s) and '%s' (%s) must have the same type", a->name,
                             ait_dtype_get(a->dtype)->name, b->name, ait_dtype_get(b->dtype)->name);
    return AIT_OK;
}

ait_status ait_need_const(ait_graph *g, ait_node *n, int i, const char *why, ait_diag *d)
{
    ait_tensor *t = ait_node_in(g, n, i);
    if (!t || t->data)
        return AIT_OK;
    AIT_NODE_FAIL(AIT_E_NEEDS_CONST, "input '%s' %s and must be known at generation time", t->name, why);
    d->needs_tensor = n->in[i];
    return AIT_E_NEEDS_CONST;
}

ait_status ait_const_ints(ait_graph *g, ait_node *n, int i, int64_t **vals, int *count, ait_diag *d)
{
    ait_tensor *t = ait_node_in(g, n, i);
    if (!t)
        return AIT_NODE_FAIL(AIT_E_MODEL, "input %d is required", i);
    AIT_TRY(ait_need_const(g, n, i, "decides an output shape", d));
    if (ait_dtype_get(t->dtype)->is_float)
        return AIT_NODE_FAIL(AIT_E_MODEL, "input '%s' must be an integer tensor", t->name);
    int64_t k = ait_tensor_numel(t);
    if (t->rank > 1)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "input '%s' must be a 1-D tensor", t->name);
    *vals = AIT_NEW(g->arena, int64_t, k + 1);
    for (int64_t j = 0; j < k; j++)
        (*vals)[j] = ait_dtype_load_i64(t->dtype, t->data, (size_t)j);
    *count = (int)k;
    return AIT_OK;
}

ait_status ait_const_scalar(ait_graph *g, ait_node *n, int i, double *v, ait_diag *d)
{
    ait_tensor *t = ait_node_in(g, n, i);
    if (!t)
        return AIT_NODE_FAIL(AIT_E_MODEL, "input %d is required", i);
    AIT_TRY(ait_need_const(g, n, i, "decides an output shape", d));
    if (ait_tensor_numel(t) != 1)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "input '%s' must hold one value", t->name);
    *v = ait_dtype_load_f64(t->dtype, t->data, 0);
    return AIT_OK;
}

ait_status ait_norm_axis(ait_graph *g, ait_node *n, int64_t axis, int rank, int64_t *out, ait_diag *d)
{
    if (axis < -rank || axis >= (rank ? rank : 1))
        return AIT_NODE_FAIL(AIT_E_MODEL, "axis %" PRId64 " is out of range for rank %d", axis, rank);
    *out = axis < 0 ? axis + rank : axis;
    return AIT_OK;
}

ait_status ait_broadcast_shapes(ait_graph *g, ait_node *n, int count, int *rank, int64_t *dims, ait_diag *d)
{
    int r = 0;
    for (int i = 0; i < count; i++) {
        ait_tensor *t = ait_node_in(g, n, i);
        if (t && t->rank > r)
            r = t->rank;
    }
    for (int k = 0; k < r; k++)
        dims[k] = 1;
    for (int i = 0; i < count; i++) {
        ait_tensor *t = ait_node_in(g, n, i);
        if (!t)
            continue;
        for (int k = 0; k < t->rank; k++) {
            int64_t *o = &dims[r - t->rank + k], v = t->dims[k];
            if (v == *o || v == 1)
                continue;
            if (*o != 1) {
                char a[128], b[128];
                ait_tensor *t0 = ait_node_in(g, n, 0);
                return AIT_NODE_FAIL(AIT_E_SHAPE, "shapes %s and %s do not broadcast",
                                     ait_tensor_shape_str(t0, a, sizeof a), ait_tensor_shape_str(t, b, sizeof b));
            }
            *o = v;
        }
    }
    *rank = r;
    return AIT_OK;
}

void ait_set_out(ait_graph *g, ait_node *n, int i, int dtype, int rank, const int64_t *dims)
{
    ait_tensor *t = ait_node_out(g, n, i);
    if (!t)
        return;
    t->dtype = dtype;
    ait_tensor_set_shape(t, rank, dims);
}

ait_status ait_check_attrs(ait_graph *g, ait_node *n, ait_diag *d)
{
    if (n->bad_attr) {
        const ait_attr *a = ait_attr_find(n, n->bad_attr);
        static const char *const type_names[] = {"undefined", "float", "int", "string", "tensor", "graph",
                                                 "floats", "ints", "strings", "tensors", "graphs"};
        return AIT_NODE_FAIL(AIT_E_MODEL, "attribute '%s' has the wrong type (%s)", n->bad_attr,
                             a && a->type >= 0 && a->type <= 10 ? type_names[a->type] : "other");
    }
    return AIT_OK;
}
