/* Resize (and Upsample, Resize-10's semantics): nearest, linear and cubic, antialias, axes,
 * keep_aspect_ratio_policy, exclude_outside. Scales/sizes decide the output shape, so they are
 * constants; per axis, each output index gets its source taps and weights here, in double as
 * the ONNX reference computes them, baked into tables. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ir/ops/op_util.h"

typedef enum { CT_HALF_PIXEL, CT_PYTORCH_HALF_PIXEL, CT_ALIGN_CORNERS, CT_ASYMMETRIC, CT_TF_HALF_PIXEL_NN,
               CT_TF_CROP_AND_RESIZE } coord_mode;
static const char *const coord_names[] = {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                                          "tf_half_pixel_for_nn", "tf_crop_and_resize"};
typedef enum { NR_PREFER_FLOOR, NR_PREFER_CEIL, NR_FLOOR, NR_CEIL } nearest_mode;
static const char *const nearest_names[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};

static int lookup(const char *s, const char *const *names, int count)
{
    for (int i = 0; i < count; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

/* `out` is the resized length before flooring (in * scale), as in ONNX's reference. */
static double original_coord(coord_mode m, double x, double scale, int64_t in, double out, double roi_lo,
                             double roi_hi)
{
    switch (m) {
    case CT_HALF_PIXEL: return (x + 0.5) / scale - 0.5;
    case CT_PYTORCH_HALF_PIXEL: return out > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
    case CT_ALIGN_CORNERS: return out == 1 ? 0.0 : x * (double)(in - 1) / (double)(out - 1);
    case CT_ASYMMETRIC: return x / scale;
    case CT_TF_HALF_PIXEL_NN: return (x + 0.5) / scale;
    case CT_TF_CROP_AND_RESIZE:
        return out > 1 ? roi_lo * (double)(in - 1) + x * (roi_hi - roi_lo) * (double)(in - 1) / (double)(out - 1)
                       : 0.5 * (roi_lo + roi_hi) * (double)(in - 1);
    }
    return x;
}

static int64_t nearest_index(nearest_mode m, double x)
{
    double f = floor(x);
    switch (m) {
    case NR_PREFER_FLOOR: return (int64_t)(x - f == 0.5 ? f : floor(x + 0.5));
    case NR_PREFER_CEIL: return (int64_t)(x - f == 0.5 ? f + 1 : floor(x + 0.5));
    case NR_FLOOR: return (int64_t)f;
    case NR_CEIL: return (int64_t)ceil(x);
    }
    return (int64_t)f;
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* The interpolation kernels at distance x (in source pixels, times the scale when antialiasing). */
static double kernel(int cubic, double a, double x)
{
    x = fabs(x);
    if (!cubic)
        return x < 1 ? 1 - x : 0;
    if (x <= 1)
        return ((a + 2) * x - (a + 3)) * x * x + 1;
    return x < 2 ? ((a * x - 5 * a) * x + 8 * a) * x - 4 * a : 0;
}

/* Taps of a linear or cubic kernel around source coordinate xo: the n source indices nearest to
 * xo (ties to the lower), weighted by the kernel, as the ONNX reference's get_neighbor and
 * coefficient functions. s: the kernel's scale (min(scale, 1) with antialias, else 1). */
static void make_taps(int cubic, double a, double s, int exclude_outside, double xo, int64_t in, int n,
                      int64_t *idx, double *wt)
{
    double f = floor(xo), r = xo - f;
    if (r == 0) { /* the reference takes ratio 1 at an integer coordinate: the same taps, one to the left */
        f -= 1;
        r = 1;
    }
    int start = 1 - n / 2;
    double sum = 0;
    for (int i = 0; i < n; i++) {
        int64_t k = (int64_t)f + start + i;
        wt[i] = kernel(cubic, a, ((double)(start + i) - r) * s);
        if (exclude_outside && (k < 0 || k >= in))
            wt[i] = 0;
        idx[i] = clamp(k, 0, in - 1);
        sum += wt[i];
    }
    if (s < 1 || exclude_outside)
        for (int i = 0; i < n && sum != 0; i++)
            wt[i] /= sum;
}

static ait_status const_floats(ait_graph *g, ait_node *n, int i, double **v, int *count, ait_diag *d)
{
    ait_tensor *t = ait_node_in(g, n, i);
    *count = 0;
    if (!t)
        return AIT_OK;
    AIT_TRY(ait_need_const(g, n, i, "decides the output shape", d));
    *count = (int)ait_tensor_numel(t);
    *v = AIT_NEW(g->arena, double, *count + 1);
    for (int k = 0; k < *count; k++)
        (*v)[k] = ait_dtype_load_f64(t->dtype, t->data, (size_t)k);
    return AIT_OK;
}

ait_status ait_resolve_resize(ait_graph *g, ait_node *n, ait_diag *d)
{
    /* Upsample is Resize-10's semantics; before opset 9 its scales are an attribute */
    int upsample = n->op == AIT_OP_UPSAMPLE, scales_attr = upsample && g->opset < 9;
    int v10 = g->opset < 11 || upsample;
    AIT_TRY(ait_check_inputs(g, n, scales_attr ? 1 : v10 ? 2 : 1, scales_attr ? 1 : v10 ? 2 : 4, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    const char *mode = ait_attr_str(n, "mode", "nearest");
    const char *ctm = ait_attr_str(n, "coordinate_transformation_mode", v10 ? "asymmetric" : "half_pixel");
    const char *nm = ait_attr_str(n, "nearest_mode", v10 ? "floor" : "round_prefer_floor");
    float extrapolation = ait_attr_float(n, "extrapolation_value", 0.0f);
    AIT_TRY(ait_check_attrs(g, n, d));
    if (upsample && strcmp(mode, "bilinear") == 0) /* Upsample-1's name for it */
        mode = "linear";
    int cubic = strcmp(mode, "cubic") == 0;
    if (strcmp(mode, "nearest") != 0 && strcmp(mode, "linear") != 0 && !cubic)
        return AIT_NODE_FAIL(AIT_E_MODEL, "mode '%s' is not valid (nearest, linear or cubic)", mode);
    double cubic_a = ait_attr_float(n, "cubic_coeff_a", -0.75f);
    int antialias = ait_attr_int(n, "antialias", 0) != 0, exclude_outside = ait_attr_int(n, "exclude_outside", 0) != 0;
    const char *policy = ait_attr_str(n, "keep_aspect_ratio_policy", "stretch");
    static const char *const policy_names[] = {"stretch", "not_larger", "not_smaller"};
    int pol = lookup(policy, policy_names, 3);
    if (pol < 0)
        return AIT_NODE_FAIL(AIT_E_MODEL, "keep_aspect_ratio_policy '%s' is not valid", policy);
    int ct = lookup(ctm, coord_names, 6), nr = lookup(nm, nearest_names, 4);
    if (ct < 0)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "coordinate_transformation_mode '%s' is not supported", ctm);
    if (nr < 0)
        return AIT_NODE_FAIL(AIT_E_MODEL, "nearest_mode '%s' is not valid", nm);

    double *roi = NULL, *scales = NULL;
    int nroi = 0, nsc = 0, nsz = 0;
    int64_t *sizes = NULL;
    if (scales_attr) {
        const float *f;
        nsc = ait_attr_floats(n, "scales", &f);
        scales = AIT_NEW(g->arena, double, nsc > 0 ? nsc : 1);
        for (int k = 0; k < nsc; k++)
            scales[k] = f[k];
        AIT_TRY(ait_check_attrs(g, n, d));
    } else if (v10) {
        AIT_TRY(const_floats(g, n, 1, &scales, &nsc, d));
    } else {
        if (ct == CT_TF_CROP_AND_RESIZE)
            AIT_TRY(const_floats(g, n, 1, &roi, &nroi, d));
        AIT_TRY(const_floats(g, n, 2, &scales, &nsc, d));
        if (ait_node_in(g, n, 3))
            AIT_TRY(ait_const_ints(g, n, 3, &sizes, &nsz, d));
    }
    int r = x->rank;
    if ((nsc > 0) == (nsz > 0))
        return AIT_NODE_FAIL(AIT_E_MODEL, "exactly one of scales and sizes must be given");
    /* `axes` (opset 18): scales, sizes and roi name only those axes; the others keep their size */
    int axis_of[AIT_MAX_RANK], na = r;
    const int64_t *axes;
    int n_axes = ait_attr_ints(n, "axes", &axes);
    for (int a = 0; a < r; a++)
        axis_of[a] = n_axes < 0 ? a : -1;
    if (n_axes >= 0) {
        na = n_axes;
        for (int i = 0; i < n_axes; i++) {
            int64_t ax;
            AIT_TRY(ait_norm_axis(g, n, axes[i], r, &ax, d));
            if (axis_of[ax] >= 0)
                return AIT_NODE_FAIL(AIT_E_MODEL, "axis %d appears twice in axes", (int)ax);
            axis_of[ax] = i;
        }
    }
    if ((nsc && nsc != na) || (nsz && nsz != na))
        return AIT_NODE_FAIL(AIT_E_MODEL, "scales/sizes must have %d values", na);
    if (ct == CT_TF_CROP_AND_RESIZE && nroi != 2 * na)
        return AIT_NODE_FAIL(AIT_E_MODEL, "roi must have %d values", 2 * na);
    double policy_scale = 0; /* not_larger / not_smaller: one scale for every named axis */
    if (nsz && pol > 0)
        for (int a = 0; a < r; a++)
            if (axis_of[a] >= 0 && x->dims[a] > 0) {
                double sc = (double)sizes[axis_of[a]] / (double)x->dims[a];
                if (policy_scale == 0 || (pol == 1 ? sc < policy_scale : sc > policy_scale))
                    policy_scale = sc;
            }

    ait_resize_params *p = AIT_NEW(g->arena, ait_resize_params, 1);
    n->params = p;
    p->nearest = strcmp(mode, "nearest") == 0;
    p->rank = r;
    p->extrapolation = extrapolation;
    int64_t od[AIT_MAX_RANK];
    for (int a = 0; a < r; a++) {
        int64_t in = x->dims[a];
        int ai = axis_of[a];
        double scale;
        if (ai < 0) {
            od[a] = in;
            scale = 1.0;
        } else if (nsz && pol > 0) {
            scale = policy_scale;
            od[a] = (int64_t)floor(scale * (double)in + 0.5); /* round_int: halves up */
        } else if (nsz) {
            od[a] = sizes[ai];
            scale = in ? (double)od[a] / (double)in : 1.0;
        } else {
            scale = scales[ai];
            if (!(scale > 0) || !((double)in * scale < 0x1p62)) /* NaN too */
                return AIT_NODE_FAIL(AIT_E_MODEL, "scale %g must be positive and finite", scale);
            od[a] = (int64_t)floor((double)in * scale);
        }
        if (od[a] < 0 || (od[a] > 0 && in == 0))
            return AIT_NODE_FAIL(AIT_E_SHAPE, "cannot resize an empty axis");
        double ks = antialias && scale < 1 ? scale : 1.0; /* antialias widens the kernel when shrinking */
        int taps = p->nearest ? 1 : cubic ? 2 - 2 * (int)(floor(-2 / ks) + 1) : 2 - 2 * (int)(floor(-1 / ks) + 1);
        /* the per-axis tables below are as long as the output axis times the taps: bound them first */
        ait_tensor axis = {.name = ait_node_out(g, n, 0)->name, .dtype = AIT_DT_DOUBLE, .rank = 2, .dims = {od[a], taps}};
        if (taps < 1 || ait_tensor_bytes(&axis) > g->limits.max_tensor_bytes)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "output axis %d of %" PRId64 " (%d taps) is over tune.max_tensor_bytes",
                                 a, od[a], taps);
        p->taps[a] = taps;
        p->idx[a] = AIT_NEW(g->arena, int64_t, od[a] * taps + 1);
        p->wt[a] = AIT_NEW(g->arena, double, od[a] * taps + 1);
        p->outside[a] = AIT_NEW(g->arena, uint8_t, od[a] + 1);
        for (int64_t o = 0; o < od[a]; o++) {
            double xo = original_coord((coord_mode)ct, (double)o, scale, in, (double)in * scale,
                                       roi && ai >= 0 ? roi[ai] : 0, roi && ai >= 0 ? roi[na + ai] : 1);
            if (ct == CT_TF_CROP_AND_RESIZE && ai >= 0 && (xo < 0 || xo > (double)(in - 1))) {
                p->outside[a][o] = 1;
                p->any_outside = 1;
            }
            if (p->nearest) {
                p->idx[a][o] = clamp(nearest_index((nearest_mode)nr, xo), 0, in - 1);
                p->wt[a][o] = 1;
            } else {
                make_taps(cubic, cubic_a, ks, exclude_outside, xo, in, taps, p->idx[a] + o * taps,
                          p->wt[a] + o * taps);
            }
        }
    }
    if (!ait_dtype_get(x->dtype)->is_float && !p->nearest)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "linear and cubic modes need float input");
    ait_set_out(g, n, 0, x->dtype, r, od);
    return ait_check_attrs(g, n, d);
}

/* GridSample (opsets 16 and 20: 1 to 3 spatial axes): each output samples X at a grid point in
 * [-1, 1]; the grid is run-time data, so coordinates are computed in the kernel. */
ait_status ait_resolve_grid_sample(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 2, 2, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    AIT_TRY(ait_need_input(g, n, 1, d));
    AIT_TRY(ait_need_float(g, n, 0, d));
    AIT_TRY(ait_same_dtype(g, n, 0, 1, d));
    ait_tensor *x = ait_node_in(g, n, 0), *grid = ait_node_in(g, n, 1);
    int sp = x->rank - 2;
    if (sp < 1 || sp > 3 || (g->opset < 20 && sp != 2))
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "X of rank %d: 2 spatial axes (1 to 3 from opset 20) are supported",
                             x->rank);
    if (grid->rank != x->rank || grid->dims[0] != x->dims[0] || grid->dims[grid->rank - 1] != sp)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "grid must be [N, out..., %d]", sp);
    static const char *const modes[] = {"nearest", "linear", "cubic", "nearest", "bilinear", "bicubic"};
    static const char *const pads[] = {"zeros", "border", "reflection"};
    const char *mode = ait_attr_str(n, "mode", g->opset < 20 ? "bilinear" : "linear");
    const char *pad = ait_attr_str(n, "padding_mode", "zeros");
    ait_grid_params *p = AIT_NEW(g->arena, ait_grid_params, 1);
    n->params = p;
    p->mode = lookup(mode, modes, 6) % 3;
    p->padding = lookup(pad, pads, 3);
    if (lookup(mode, modes, 6) < 0 || p->padding < 0)
        return AIT_NODE_FAIL(AIT_E_MODEL, "mode '%s' or padding_mode '%s' is not valid", mode, pad);
    p->align_corners = ait_attr_int(n, "align_corners", 0) != 0;
    p->spatial = sp;
    p->n = x->dims[0];
    p->c = x->dims[1];
    p->out = 1;
    for (int i = 0; i < sp; i++) {
        p->in[i] = x->dims[2 + i];
        p->out *= grid->dims[1 + i];
    }
    int64_t od[AIT_MAX_RANK] = {x->dims[0], x->dims[1]};
    for (int i = 0; i < sp; i++)
        od[2 + i] = grid->dims[1 + i];
    ait_set_out(g, n, 0, x->dtype, x->rank, od);
    return ait_check_attrs(g, n, d);
}
