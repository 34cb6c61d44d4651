/* QuantizeLinear, DequantizeLinear (per-tensor and per-axis), DynamicQuantizeLinear,
 * MatMulInteger, QLinearMatMul, ConvInteger and QLinearConv, with the spec's rounding (halves to even) and saturation. */
#include <inttypes.h>
#include <string.h>

#include "ir/ops/op_util.h"

static int is_q8(int dt)
{
    return dt == AIT_DT_INT8 || dt == AIT_DT_UINT8;
}

/* Input i is a scale or zero point: a scalar, or 1-D of `len` values when len > 0 (per axis). */
static ait_status param_shape(ait_graph *g, ait_node *n, int i, int64_t len, int *per_axis, ait_diag *d)
{
    const ait_tensor *t = ait_node_in(g, n, i);
    if (!t)
        return AIT_OK;
    if (ait_tensor_numel(t) == 1 && t->rank <= 1) {
        *per_axis = 0;
        return AIT_OK;
    }
    if (len > 0 && t->rank == 1 && t->dims[0] == len) {
        *per_axis = 1;
        return AIT_OK;
    }
    return AIT_NODE_FAIL(AIT_E_SHAPE, "'%s' must be a scalar%s", t->name, len > 0 ? " or hold one value per axis entry" : "");
}

ait_status ait_resolve_quantize(ait_graph *g, ait_node *n, ait_diag *d)
{
    int q = n->op == AIT_OP_QUANTIZE_LINEAR;
    AIT_TRY(ait_check_inputs(g, n, 2, 3, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    AIT_TRY(ait_need_input(g, n, 1, d));
    ait_tensor *x = ait_node_in(g, n, 0), *s = ait_node_in(g, n, 1), *zp = n->n_in > 2 ? ait_node_in(g, n, 2) : NULL;
    if (s->dtype != AIT_DT_FLOAT && s->dtype != AIT_DT_DOUBLE)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "scale '%s' must be float32 or double", s->name);
    if (ait_attr_int(n, "block_size", 0) != 0)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "blocked quantization (block_size) is not supported");
    ait_quant_params *p = AIT_NEW(g->arena, ait_quant_params, 1);
    n->params = p;
    int64_t axis = 0; /* the axis means something only for a per-axis scale */
    if (ait_tensor_numel(s) != 1 || s->rank > 1)
        AIT_TRY(ait_norm_axis(g, n, ait_attr_int(n, "axis", 1), x->rank, &axis, d));
    p->axis_len = x->rank > 0 ? x->dims[axis] : 1;
    p->inner = ait_dims_prod(x->dims, (int)axis + 1, x->rank);
    AIT_TRY(param_shape(g, n, 1, p->axis_len, &p->per_axis, d));
    int zp_axis = p->per_axis;
    AIT_TRY(param_shape(g, n, 2, p->axis_len, &zp_axis, d));
    if (zp && zp_axis != p->per_axis)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "scale and zero point must have the same shape");
    p->has_zp = zp != NULL;
    int out;
    if (q) {
        AIT_TRY(ait_need_float(g, n, 0, d));
        out = zp ? zp->dtype : (int)ait_attr_int(n, "output_dtype", AIT_DT_UINT8);
        if (!is_q8(out))
            return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "quantizing to %s is not supported (int8, uint8)",
                                 ait_dtype_get(out)->name);
    } else {
        if (!is_q8(x->dtype) && x->dtype != AIT_DT_INT32)
            return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "dequantizing %s is not supported (int8, uint8, int32)",
                                 ait_dtype_get(x->dtype)->name);
        if (zp && zp->dtype != x->dtype)
            return AIT_NODE_FAIL(AIT_E_MODEL, "zero point '%s' must have x's type", zp->name);
        out = s->dtype;
    }
    ait_set_out(g, n, 0, out, x->rank, x->dims);
    return ait_check_attrs(g, n, d);
}

ait_status ait_resolve_dynamic_quantize(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, 1, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    if (x->dtype != AIT_DT_FLOAT)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "input must be float32");
    n->params = AIT_NEW(g->arena, ait_quant_params, 1);
    ait_set_out(g, n, 0, AIT_DT_UINT8, x->rank, x->dims);
    ait_set_out(g, n, 1, AIT_DT_FLOAT, 0, NULL);
    ait_set_out(g, n, 2, AIT_DT_UINT8, 0, NULL);
    return ait_check_attrs(g, n, d);
}

/* The integer ops' inputs: the first 2 (8 for QLinear*) present, at most max; input 0 and input ib
 * (the two operands) int8 or uint8. */
static ait_status integer_inputs(ait_graph *g, ait_node *n, int ql, int max, int ib, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, ql ? 8 : 2, max, d));
    for (int i = 0; i < (ql ? 8 : 2); i++)
        AIT_TRY(ait_need_input(g, n, i, d));
    if (!is_q8(ait_node_in(g, n, 0)->dtype) || !is_q8(ait_node_in(g, n, ib)->dtype))
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "inputs must be int8 or uint8");
    return AIT_OK;
}

/* QLinearMatMul's and QLinearConv's a_scale (1), b_scale (4, per tensor or one per column /
 * output channel of b_len), y_scale (6), y_zero_point (7): *out is y's type. */
static ait_status qlinear_scales(ait_graph *g, ait_node *n, int64_t b_len, ait_quant_params *p, int *out,
                                 ait_diag *d)
{
    int dummy;
    AIT_TRY(param_shape(g, n, 1, 0, &dummy, d));
    AIT_TRY(param_shape(g, n, 4, b_len, &p->b_scale_per_col, d));
    AIT_TRY(param_shape(g, n, 6, 0, &dummy, d));
    AIT_TRY(param_shape(g, n, 7, 0, &dummy, d));
    static const int scales[3] = {1, 4, 6};
    for (int i = 0; i < 3; i++)
        if (ait_node_in(g, n, scales[i])->dtype != AIT_DT_FLOAT)
            return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "scales must be float32");
    *out = ait_node_in(g, n, 7)->dtype;
    if (!is_q8(*out))
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "y_zero_point must be int8 or uint8");
    return AIT_OK;
}

/* MatMulInteger (A, B, a_zero_point, b_zero_point) -> int32; QLinearMatMul (a, a_scale, a_zp, b,
 * b_scale, b_zp, y_scale, y_zp) -> y_zp's type. Zero points and b's scale may be per row of A /
 * per column of B. */
ait_status ait_resolve_matmul_integer(ait_graph *g, ait_node *n, ait_diag *d)
{
    int ql = n->op == AIT_OP_QLINEAR_MATMUL;
    int ia = 0, ib = ql ? 3 : 1, iazp = 2, ibzp = ql ? 5 : 3;
    AIT_TRY(integer_inputs(g, n, ql, ql ? 8 : 4, ib, d));
    int rank;
    int64_t od[AIT_MAX_RANK];
    AIT_TRY(ait_matmul_geometry(g, n, ia, ib, &rank, od, d));
    ait_matmul_params *mp = n->params;
    ait_quant_params *p = AIT_NEW(g->arena, ait_quant_params, 1);
    p->mm = mp;
    n->params = p;
    AIT_TRY(param_shape(g, n, iazp, mp->m, &p->a_per_row, d));
    AIT_TRY(param_shape(g, n, ibzp, mp->n, &p->b_per_col, d));
    p->has_azp = ait_node_in(g, n, iazp) != NULL;
    p->has_bzp = ait_node_in(g, n, ibzp) != NULL;
    int out = AIT_DT_INT32;
    if (ql)
        AIT_TRY(qlinear_scales(g, n, mp->n, p, &out, d));
    ait_set_out(g, n, 0, out, rank, od);
    return ait_check_attrs(g, n, d);
}

/* ConvInteger (x, w, x_zero_point, w_zero_point) -> int32; QLinearConv (x, x_scale, x_zp, w,
 * w_scale, w_zp, y_scale, y_zp, B) -> y_zp's type. x's zero point is per tensor; w's zero point
 * and scale per tensor or per output channel; B int32, one per output channel. */
ait_status ait_resolve_conv_quant(ait_graph *g, ait_node *n, ait_diag *d)
{
    int ql = n->op == AIT_OP_QLINEAR_CONV;
    int ix = 0, iw = ql ? 3 : 1, ixzp = 2, iwzp = ql ? 5 : 3;
    AIT_TRY(integer_inputs(g, n, ql, ql ? 9 : 4, iw, d));
    ait_conv_params *cp;
    int64_t od[AIT_MAX_RANK];
    AIT_TRY(ait_resolve_conv_geometry(g, n, ix, iw, &cp, od, d));
    ait_quant_params *p = AIT_NEW(g->arena, ait_quant_params, 1);
    p->conv = cp;
    n->params = p;
    int dummy;
    AIT_TRY(param_shape(g, n, ixzp, 0, &dummy, d));
    AIT_TRY(param_shape(g, n, iwzp, cp->cout, &p->b_per_col, d));
    p->has_azp = ait_node_in(g, n, ixzp) != NULL;
    p->has_bzp = ait_node_in(g, n, iwzp) != NULL;
    int out = AIT_DT_INT32;
    if (ql) {
        AIT_TRY(qlinear_scales(g, n, cp->cout, p, &out, d));
        const ait_tensor *bias = ait_node_in(g, n, 8);
        if (bias && (bias->dtype != AIT_DT_INT32 || bias->rank != 1 || bias->dims[0] != cp->cout))
            return AIT_NODE_FAIL(AIT_E_SHAPE, "B must be int32 of shape [%" PRId64 "]", cp->cout);
    }
    ait_set_out(g, n, 0, out, ait_node_in(g, n, ix)->rank, od);
    return ait_check_attrs(g, n, d);
}
