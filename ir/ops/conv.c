/* Conv, ConvTranspose, MaxPool, AveragePool, GlobalAverage/MaxPool: they share
 * the spatial geometry (kernel, strides, dilations, pads, auto_pad). */
#include <inttypes.h>
#include <string.h>

#include "ir/ops/op_util.h"

typedef struct {
    int sp;                         /* spatial rank */
    int64_t in[3], k[3], s[3], dil[3], lo[3], hi[3], out[3];
    int same_upper, same_lower, valid;
} geometry;

/* Reads an ints attribute of exactly `sp` values, or fills `dflt`. */
static ait_status read_spatial(ait_graph *g, ait_node *n, const char *name, int sp, int64_t dflt, int64_t *v,
                               ait_diag *d)
{
    const int64_t *a;
    int cnt = ait_attr_ints(n, name, &a);
    AIT_TRY(ait_check_attrs(g, n, d));
    if (cnt < 0) {
        for (int i = 0; i < sp; i++)
            v[i] = dflt;
        return AIT_OK;
    }
    if (cnt != sp)
        return AIT_NODE_FAIL(AIT_E_MODEL, "attribute '%s' has %d values, expected %d", name, cnt, sp);
    for (int i = 0; i < sp; i++) {
        if (a[i] < (dflt == 0 ? 0 : 1) && strcmp(name, "pads") != 0)
            return AIT_NODE_FAIL(AIT_E_MODEL, "attribute '%s' has invalid value %" PRId64, name, a[i]);
        v[i] = a[i];
    }
    return AIT_OK;
}

/* Fills everything but `out` and the pads of auto_pad SAME (they depend on the op). */
static ait_status read_geometry(ait_graph *g, ait_node *n, const ait_tensor *x, const int64_t *wk, geometry *q,
                                ait_diag *d)
{
    memset(q, 0, sizeof *q);
    q->sp = x->rank - 2;
    if (q->sp < 1 || q->sp > 3)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "input rank %d: 1 to 3 spatial dimensions are supported", x->rank);
    for (int i = 0; i < q->sp; i++)
        q->in[i] = x->dims[2 + i];
    AIT_TRY(read_spatial(g, n, "kernel_shape", q->sp, 0, q->k, d));
    for (int i = 0; i < q->sp; i++) {
        if (wk && q->k[i] == 0)
            q->k[i] = wk[i];
        else if (wk && q->k[i] != wk[i])
            return AIT_NODE_FAIL(AIT_E_SHAPE, "kernel_shape does not match the weight shape");
        if (q->k[i] < 1)
            return AIT_NODE_FAIL(AIT_E_MODEL, "kernel_shape is required");
    }
    AIT_TRY(read_spatial(g, n, "strides", q->sp, 1, q->s, d));
    AIT_TRY(read_spatial(g, n, "dilations", q->sp, 1, q->dil, d));
    int64_t pads[6];
    const int64_t *pa;
    int np = ait_attr_ints(n, "pads", &pa);
    AIT_TRY(ait_check_attrs(g, n, d));
    if (np >= 0 && np != 2 * q->sp)
        return AIT_NODE_FAIL(AIT_E_MODEL, "attribute 'pads' has %d values, expected %d", np, 2 * q->sp);
    for (int i = 0; i < 2 * q->sp; i++) {
        pads[i] = np > 0 ? pa[i] : 0;
        if (pads[i] < 0)
            return AIT_NODE_FAIL(AIT_E_MODEL, "negative pads are not allowed");
    }
    for (int i = 0; i < q->sp; i++) {
        q->lo[i] = pads[i];
        q->hi[i] = pads[q->sp + i];
    }
    const char *ap = ait_attr_str(n, "auto_pad", "NOTSET");
    AIT_TRY(ait_check_attrs(g, n, d));
    q->same_upper = strcmp(ap, "SAME_UPPER") == 0;
    q->same_lower = strcmp(ap, "SAME_LOWER") == 0;
    q->valid = strcmp(ap, "VALID") == 0;
    if (!q->same_upper && !q->same_lower && !q->valid && strcmp(ap, "NOTSET") != 0)
        return AIT_NODE_FAIL(AIT_E_MODEL, "auto_pad = '%s' is not valid", ap);
    if (q->valid)
        for (int i = 0; i < q->sp; i++)
            q->lo[i] = q->hi[i] = 0;
    return AIT_OK;
}

/* Output size of a forward window op (Conv, pools). */
static ait_status forward_out(ait_graph *g, ait_node *n, geometry *q, int ceil_mode, ait_diag *d)
{
    /* the spec's VALID formula and ceil_mode disagree, and the ONNX reference refuses the pair */
    if (ceil_mode && q->valid)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "ceil_mode with auto_pad VALID is not supported");
    for (int i = 0; i < q->sp; i++) {
        int64_t span = (q->k[i] - 1) * q->dil[i] + 1;
        if (q->same_upper || q->same_lower) {
            q->out[i] = (q->in[i] + q->s[i] - 1) / q->s[i];
            int64_t total = (q->out[i] - 1) * q->s[i] + span - q->in[i];
            if (total < 0)
                total = 0;
            q->lo[i] = q->same_upper ? total / 2 : total - total / 2;
            q->hi[i] = total - q->lo[i];
            continue;
        }
        int64_t room = q->in[i] + q->lo[i] + q->hi[i] - span;
        if (room < 0)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "window of %" PRId64 " does not fit in %" PRId64 " (+ pads)", span,
                                 q->in[i]);
        q->out[i] = (ceil_mode ? (room + q->s[i] - 1) / q->s[i] : room / q->s[i]) + 1;
        if (ceil_mode && (q->out[i] - 1) * q->s[i] >= q->in[i] + q->lo[i])
            q->out[i]--; /* the last window must start inside the input or its left padding */
    }
    return AIT_OK;
}

/* Floor division by 2, as ONNX's reference (Python //) computes pads. */
static int64_t half_floor(int64_t v)
{
    return v >= 0 ? v / 2 : -((-v + 1) / 2);
}

static void store_geometry(const geometry *q, int64_t *in, int64_t *out, int64_t *k, int64_t *s, int64_t *dil,
                           int64_t *lo)
{
    for (int i = 0; i < 3; i++) { /* right-aligned: unused leading axes are size 1 */
        int j = i - (3 - q->sp);
        in[i] = j < 0 ? 1 : q->in[j];
        out[i] = j < 0 ? 1 : q->out[j];
        k[i] = j < 0 ? 1 : q->k[j];
        s[i] = j < 0 ? 1 : q->s[j];
        dil[i] = j < 0 ? 1 : q->dil[j];
        lo[i] = j < 0 ? 0 : q->lo[j];
    }
}

/* Conv's group attribute, checked against x's channels. */
static ait_status conv_group(ait_graph *g, ait_node *n, const ait_tensor *x, int64_t *group, ait_diag *d)
{
    *group = ait_attr_int(n, "group", 1);
    AIT_TRY(ait_check_attrs(g, n, d));
    if (*group < 1 || x->dims[1] % *group)
        return AIT_NODE_FAIL(AIT_E_MODEL, "group %" PRId64 " does not divide %" PRId64 " channels", *group, x->dims[1]);
    return AIT_OK;
}

/* A forward Conv's output channels (w's first axis) and output size, checked against x. */
static ait_status forward_conv(ait_graph *g, ait_node *n, const ait_tensor *x, const ait_tensor *w, int64_t group,
                               geometry *q, int64_t *cout, ait_diag *d)
{
    int64_t cin = x->dims[1];
    *cout = w->dims[0];
    if (w->dims[1] * group != cin)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "weight has %" PRId64 " input channels per group, input gives %" PRId64,
                             w->dims[1], cin / group);
    if (*cout % group)
        return AIT_NODE_FAIL(AIT_E_MODEL, "group %" PRId64 " does not divide %" PRId64 " output channels", group,
                             *cout);
    return forward_out(g, n, q, 0, d);
}

/* The params of a resolved Conv geometry, and its output dims (N, cout, spatial). */
static ait_conv_params *conv_params(ait_graph *g, const geometry *q, const ait_tensor *x, int64_t group, int64_t cout,
                                    int64_t *od)
{
    ait_conv_params *p = AIT_NEW(g->arena, ait_conv_params, 1);
    p->spatial = q->sp;
    p->group = group;
    p->n = x->dims[0];
    p->cin = x->dims[1];
    p->cout = cout;
    store_geometry(q, p->in, p->out, p->k, p->stride, p->dil, p->pad_lo);
    od[0] = x->dims[0];
    od[1] = cout;
    for (int i = 0; i < q->sp; i++)
        od[2 + i] = q->out[i];
    return p;
}

ait_status ait_resolve_conv(ait_graph *g, ait_node *n, ait_diag *d)
{
    int transpose = n->op == AIT_OP_CONV_TRANSPOSE;
    AIT_TRY(ait_check_inputs(g, n, 2, 3, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    AIT_TRY(ait_need_input(g, n, 1, d));
    AIT_TRY(ait_need_float(g, n, 0, d));
    AIT_TRY(ait_same_dtype(g, n, 0, 1, d));
    AIT_TRY(ait_same_dtype(g, n, 0, 2, d));
    ait_tensor *x = ait_node_in(g, n, 0), *w = ait_node_in(g, n, 1), *b = ait_node_in(g, n, 2);
    if (w->rank != x->rank)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "weight rank %d differs from input rank %d", w->rank, x->rank);
    geometry q;
    AIT_TRY(read_geometry(g, n, x, w->dims + 2, &q, d));
    int64_t group, cin = x->dims[1];
    AIT_TRY(conv_group(g, n, x, &group, d));
    int64_t cout;
    if (!transpose) {
        AIT_TRY(forward_conv(g, n, x, w, group, &q, &cout, d));
    } else {
        if (w->dims[0] != cin)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "weight has %" PRId64 " input channels, input has %" PRId64, w->dims[0],
                                 cin);
        cout = w->dims[1] * group;
        int64_t opad[3], oshape[3];
        AIT_TRY(read_spatial(g, n, "output_padding", q.sp, 0, opad, d));
        const int64_t *os;
        int nos = ait_attr_ints(n, "output_shape", &os);
        AIT_TRY(ait_check_attrs(g, n, d));
        if (nos >= 0 && nos != q.sp && nos != q.sp + 2)
            return AIT_NODE_FAIL(AIT_E_MODEL, "output_shape has %d values, expected %d", nos, q.sp);
        for (int i = 0; i < q.sp; i++) {
            int64_t full = q.s[i] * (q.in[i] - 1) + opad[i] + (q.k[i] - 1) * q.dil[i] + 1;
            int explicit_shape = nos >= 0 || q.same_upper || q.same_lower;
            if (explicit_shape) {
                oshape[i] = nos >= 0 ? os[nos - q.sp + i] : q.in[i] * q.s[i];
                int64_t total = full - oshape[i];
                if (q.same_upper) {
                    q.lo[i] = half_floor(total);
                    q.hi[i] = total - half_floor(total);
                } else {
                    q.lo[i] = total - half_floor(total);
                    q.hi[i] = half_floor(total);
                }
            }
            q.out[i] = full - q.lo[i] - q.hi[i];
            if (q.out[i] < 1)
                return AIT_NODE_FAIL(AIT_E_SHAPE, "output would be empty");
        }
    }
    if (b && (b->rank != 1 || b->dims[0] != cout))
        return AIT_NODE_FAIL(AIT_E_SHAPE, "bias must have shape [%" PRId64 "]", cout);
    int64_t od[AIT_MAX_RANK];
    n->params = conv_params(g, &q, x, group, cout, od);
    ait_set_out(g, n, 0, x->dtype, x->rank, od);
    return AIT_OK;
}

/* ConvInteger (x, w, x_zero_point, w_zero_point) -> int32 and QLinearConv (x, x_scale, x_zp, w,
 * w_scale, w_zp, y_scale, y_zp, B) -> y_zp's type: a forward Conv's geometry; the quantization
 * inputs are checked by ait_resolve_conv_quant (quant.c), which calls this first. */
ait_status ait_resolve_conv_geometry(ait_graph *g, ait_node *n, int ix, int iw, ait_conv_params **out, int64_t *od,
                                     ait_diag *d)
{
    const ait_tensor *x = ait_node_in(g, n, ix), *w = ait_node_in(g, n, iw);
    if (x->rank < 3 || w->rank != x->rank)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "input rank %d and weight rank %d: expected equal, at least 3", x->rank,
                             w->rank);
    geometry q;
    AIT_TRY(read_geometry(g, n, x, w->dims + 2, &q, d));
    int64_t group, cout;
    AIT_TRY(conv_group(g, n, x, &group, d));
    AIT_TRY(forward_conv(g, n, x, w, group, &q, &cout, d));
    *out = conv_params(g, &q, x, group, cout, od);
    return AIT_OK;
}

ait_status ait_resolve_pool(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, 1, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    if (n->op != AIT_OP_MAX_POOL && n->op != AIT_OP_GLOBAL_MAX_POOL) /* max only compares: any numeric type */
        AIT_TRY(ait_need_float(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    if (x->dtype == AIT_DT_BOOL)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "bool input");
    geometry q;
    int global = n->op == AIT_OP_GLOBAL_AVERAGE_POOL || n->op == AIT_OP_GLOBAL_MAX_POOL ||
                 n->op == AIT_OP_GLOBAL_LP_POOL;
    if (global) {
        memset(&q, 0, sizeof q);
        q.sp = x->rank - 2;
        if (q.sp < 1 || q.sp > 3)
            return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "input rank %d: 1 to 3 spatial dimensions are supported",
                                 x->rank);
        for (int i = 0; i < q.sp; i++) {
            q.in[i] = q.k[i] = x->dims[2 + i];
            q.s[i] = q.dil[i] = q.out[i] = 1;
        }
    } else {
        AIT_TRY(read_geometry(g, n, x, NULL, &q, d));
        if (ait_attr_int(n, "storage_order", 0) != 0 && n->n_out > 1 && n->out[1] >= 0)
            return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "Indices in column-major order (storage_order = 1) are not supported");
        AIT_TRY(forward_out(g, n, &q, ait_attr_int(n, "ceil_mode", 0) != 0, d));
    }
    ait_pool_params *p = AIT_NEW(g->arena, ait_pool_params, 1);
    n->params = p;
    p->spatial = q.sp;
    p->n = x->dims[0];
    p->c = x->dims[1];
    p->count_include_pad = ait_attr_int(n, "count_include_pad", 0) != 0;
    p->size_dependent = ait_attr_int(n, "ceil_mode", 0) != 0 || q.same_upper || q.same_lower;
    p->p = (int)ait_attr_int(n, "p", 2);
    if ((n->op == AIT_OP_LP_POOL || n->op == AIT_OP_GLOBAL_LP_POOL) && (p->p < 1 || p->p > 64))
        return AIT_NODE_FAIL(AIT_E_MODEL, "p = %d is out of range", p->p);
    store_geometry(&q, p->in, p->out, p->k, p->stride, p->dil, p->pad_lo);
    for (int i = 0; i < 3; i++) {
        int j = i - (3 - q.sp);
        p->pad_hi[i] = j < 0 ? 0 : q.hi[j];
    }
    int64_t od[AIT_MAX_RANK] = {x->dims[0], x->dims[1]};
    for (int i = 0; i < q.sp; i++)
        od[2 + i] = q.out[i];
    ait_set_out(g, n, 0, x->dtype, x->rank, od);
    if (n->op == AIT_OP_MAX_POOL)
        ait_set_out(g, n, 1, AIT_DT_INT64, x->rank, od); /* Indices: flat positions in X */
    return ait_check_attrs(g, n, d);
}
