/* Image-plane ops that are neither convolutions nor pools: MaxUnpool, Col2Im,
 * CenterCropPad (run by the layout family's Pad), AffineGrid, RoiAlign. */
#include <inttypes.h>
#include <string.h>

#include "ir/ops/op_util.h"

static ait_spatial_params *new_params(ait_graph *g, ait_node *n)
{
    ait_spatial_params *p = AIT_NEW(g->arena, ait_spatial_params, 1);
    n->params = p;
    return p;
}

/* kernel_shape (or a constant input), strides, dilations and pads for `sp` spatial axes. */
static ait_status window_attrs(ait_graph *g, ait_node *n, ait_spatial_params *p, const int64_t *k, int nk,
                               ait_diag *d)
{
    const int64_t *st, *dl, *pd;
    int ns = ait_attr_ints(n, "strides", &st), nd = ait_attr_ints(n, "dilations", &dl);
    int np = ait_attr_ints(n, "pads", &pd);
    AIT_TRY(ait_check_attrs(g, n, d));
    if (nk != p->sp || (ns >= 0 && ns != p->sp) || (nd >= 0 && nd != p->sp) || (np >= 0 && np != 2 * p->sp))
        return AIT_NODE_FAIL(AIT_E_MODEL, "kernel, strides, dilations and pads must cover the %d spatial axes", p->sp);
    for (int i = 0; i < p->sp; i++) {
        p->k[i] = k[i];
        p->stride[i] = ns > 0 ? st[i] : 1;
        p->dil[i] = nd > 0 ? dl[i] : 1;
        p->pad_lo[i] = np > 0 ? pd[i] : 0;
        p->pad_hi[i] = np > 0 ? pd[p->sp + i] : 0;
        if (p->k[i] < 1 || p->stride[i] < 1 || p->dil[i] < 1 || p->pad_lo[i] < 0 || p->pad_hi[i] < 0 ||
            p->k[i] > (1 << 20) || p->stride[i] > (1 << 20) || p->dil[i] > (1 << 20) || p->pad_lo[i] > (1 << 30) ||
            p->pad_hi[i] > (1 << 30))
            return AIT_NODE_FAIL(AIT_E_MODEL, "kernel, strides, dilations or pads out of range on axis %d", i);
    }
    return AIT_OK;
}

ait_status ait_resolve_max_unpool(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 2, 3, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    AIT_TRY(ait_need_input(g, n, 1, d));
    ait_tensor *x = ait_node_in(g, n, 0), *ix = ait_node_in(g, n, 1);
    if (x->dtype == AIT_DT_BOOL || ix->dtype != AIT_DT_INT64)
        return AIT_NODE_FAIL(AIT_E_MODEL, "X must be numeric and I int64");
    if (ix->rank != x->rank || memcmp(ix->dims, x->dims, sizeof(int64_t) * (size_t)x->rank) != 0)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "I must have X's shape");
    ait_spatial_params *p = new_params(g, n);
    p->sp = x->rank - 2;
    if (p->sp < 1 || p->sp > 3)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "1 to 3 spatial axes are supported");
    const int64_t *k;
    int nk = ait_attr_ints(n, "kernel_shape", &k);
    AIT_TRY(window_attrs(g, n, p, k, nk, d));
    int64_t od[AIT_MAX_RANK] = {x->dims[0], x->dims[1]};
    for (int i = 0; i < p->sp; i++) {
        p->in[i] = (x->dims[2 + i] - 1) * p->stride[i] - (p->pad_lo[i] + p->pad_hi[i]) + p->k[i]; /* inferred */
        if (p->in[i] < 0)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "the inferred output axis %d is negative", i);
        od[2 + i] = p->in[i];
    }
    if (n->n_in > 2 && ait_node_in(g, n, 2)) { /* output_shape: the inferred result sits in its corner */
        int64_t *os;
        int no;
        AIT_TRY(ait_const_ints(g, n, 2, &os, &no, d));
        if (no != x->rank || os[0] != x->dims[0] || os[1] != x->dims[1])
            return AIT_NODE_FAIL(AIT_E_SHAPE, "output_shape must have X's rank, batch and channels");
        for (int i = 0; i < p->sp; i++) {
            if (os[2 + i] < p->in[i])
                return AIT_NODE_FAIL(AIT_E_SHAPE, "output_shape axis %d is smaller than the inferred %" PRId64, 2 + i,
                                     p->in[i]);
            od[2 + i] = os[2 + i];
        }
    }
    ait_set_out(g, n, 0, x->dtype, x->rank, od);
    return AIT_OK;
}

ait_status ait_resolve_col2im(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 3, 3, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    if (x->dtype == AIT_DT_BOOL || x->rank != 3)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "input must be numeric [N, C * prod(block_shape), L]");
    int64_t *img, *blk;
    int ni, nb;
    AIT_TRY(ait_const_ints(g, n, 1, &img, &ni, d));
    AIT_TRY(ait_const_ints(g, n, 2, &blk, &nb, d));
    ait_spatial_params *p = new_params(g, n);
    p->sp = ni;
    if (ni < 1 || ni > 3 || nb != ni)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "image_shape and block_shape must name the same 1 to 3 axes");
    AIT_TRY(window_attrs(g, n, p, blk, nb, d));
    int64_t blocks = 1, count = 1;
    for (int i = 0; i < ni; i++) {
        if (img[i] < 1 || img[i] > (1 << 30))
            return AIT_NODE_FAIL(AIT_E_MODEL, "image_shape[%d] = %" PRId64 " is out of range", i, img[i]);
        p->in[i] = img[i];
        int64_t span = (p->k[i] - 1) * p->dil[i] + 1, room = img[i] + p->pad_lo[i] + p->pad_hi[i] - span;
        if (room < 0)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "block of %" PRId64 " does not fit image axis %d", span, i);
        p->out[i] = room / p->stride[i] + 1; /* blocks along the axis */
        blocks *= p->k[i];
        count *= p->out[i];
    }
    if (x->dims[1] % blocks || x->dims[2] != count)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "input must be [N, C * %" PRId64 ", %" PRId64 "]", blocks, count);
    p->n = x->dims[0];
    p->c = x->dims[1] / blocks;
    int64_t od[AIT_MAX_RANK] = {p->n, p->c};
    for (int i = 0; i < ni; i++)
        od[2 + i] = img[i];
    ait_set_out(g, n, 0, x->dtype, 2 + ni, od);
    return AIT_OK;
}

/* CenterCropPad is a constant-0 Pad whose pads may be negative (a crop): the layout family's Pad
 * kernel runs it. */
ait_status ait_resolve_center_crop_pad(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 2, 2, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    int64_t *shape;
    int ns;
    AIT_TRY(ait_const_ints(g, n, 1, &shape, &ns, d));
    ait_layout_params *p = AIT_NEW(g->arena, ait_layout_params, 1);
    n->params = p;
    const int64_t *axes;
    int na = ait_attr_ints(n, "axes", &axes);
    AIT_TRY(ait_check_attrs(g, n, d));
    if ((na < 0 ? x->rank : na) != ns)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "shape has %d values for %d axes", ns, na < 0 ? x->rank : na);
    int64_t od[AIT_MAX_RANK];
    memcpy(od, x->dims, sizeof(int64_t) * (size_t)x->rank);
    for (int i = 0; i < ns; i++) {
        int64_t a = i;
        if (na >= 0)
            AIT_TRY(ait_norm_axis(g, n, axes[i], x->rank, &a, d));
        if (shape[i] < 0)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "shape[%d] is negative", i);
        od[a] = shape[i];
        /* crop: start (dim - size) / 2 in; pad: start (size - dim) / 2 out, both floored */
        p->pad_lo[a] = x->dims[a] >= shape[i] ? -((x->dims[a] - shape[i]) / 2) : (shape[i] - x->dims[a]) / 2;
    }
    ait_set_out(g, n, 0, x->dtype, x->rank, od);
    return AIT_OK;
}

ait_status ait_resolve_affine_grid(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 2, 2, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    AIT_TRY(ait_need_float(g, n, 0, d));
    ait_tensor *theta = ait_node_in(g, n, 0);
    int64_t *size;
    int ns;
    AIT_TRY(ait_const_ints(g, n, 1, &size, &ns, d));
    ait_spatial_params *p = new_params(g, n);
    p->sp = ns - 2;
    if (p->sp != 2 && p->sp != 3)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "size must be [N, C, H, W] or [N, C, D, H, W]");
    if (theta->rank != 3 || theta->dims[0] != size[0] || theta->dims[1] != p->sp || theta->dims[2] != p->sp + 1)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "theta must be [N, %d, %d]", p->sp, p->sp + 1);
    p->align_corners = ait_attr_int(n, "align_corners", 0) != 0;
    p->n = size[0];
    int64_t od[AIT_MAX_RANK] = {size[0]};
    for (int i = 0; i < p->sp; i++) {
        if (size[2 + i] < 0 || size[2 + i] > (1 << 30))
            return AIT_NODE_FAIL(AIT_E_SHAPE, "size[%d] is out of range", 2 + i);
        p->out[i] = od[1 + i] = size[2 + i];
    }
    od[1 + p->sp] = p->sp;
    ait_set_out(g, n, 0, theta->dtype, p->sp + 2, od);
    return ait_check_attrs(g, n, d);
}

ait_status ait_resolve_roi_align(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 3, 3, d));
    for (int i = 0; i < 3; i++)
        AIT_TRY(ait_need_input(g, n, i, d));
    AIT_TRY(ait_need_float(g, n, 0, d));
    AIT_TRY(ait_same_dtype(g, n, 0, 1, d));
    ait_tensor *x = ait_node_in(g, n, 0), *rois = ait_node_in(g, n, 1), *bi = ait_node_in(g, n, 2);
    if (x->rank != 4 || rois->rank != 2 || rois->dims[1] != 4 || bi->rank != 1 || bi->dims[0] != rois->dims[0] ||
        (bi->dtype != AIT_DT_INT64 && bi->dtype != AIT_DT_INT32))
        return AIT_NODE_FAIL(AIT_E_SHAPE, "expects X [N, C, H, W], rois [R, 4] and batch_indices [R] (integers)");
    ait_spatial_params *p = new_params(g, n);
    const char *mode = ait_attr_str(n, "mode", "avg");
    if (strcmp(mode, "avg") != 0 && strcmp(mode, "max") != 0)
        return AIT_NODE_FAIL(AIT_E_MODEL, "mode = '%s' (expected avg or max)", mode);
    p->mode = strcmp(mode, "max") == 0;
    const char *ct = ait_attr_str(n, "coordinate_transformation_mode", g->opset < 16 ? "output_half_pixel" : "half_pixel");
    if (strcmp(ct, "half_pixel") != 0 && strcmp(ct, "output_half_pixel") != 0)
        return AIT_NODE_FAIL(AIT_E_MODEL, "coordinate_transformation_mode = '%s' is not valid", ct);
    p->align_corners = strcmp(ct, "half_pixel") == 0; /* here: the half-pixel offset */
    p->out[0] = ait_attr_int(n, "output_height", 1);
    p->out[1] = ait_attr_int(n, "output_width", 1);
    p->k[0] = ait_attr_int(n, "sampling_ratio", 0);
    p->scale = ait_attr_float(n, "spatial_scale", 1.0f);
    if (p->out[0] < 1 || p->out[1] < 1 || p->out[0] > (1 << 20) || p->out[1] > (1 << 20) || p->k[0] < 0 ||
        p->k[0] > AIT_ROI_MAX_SAMPLES)
        return AIT_NODE_FAIL(AIT_E_MODEL, "output_height, output_width or sampling_ratio out of range");
    p->n = x->dims[0];
    p->c = x->dims[1];
    p->in[0] = x->dims[2];
    p->in[1] = x->dims[3];
    p->rois = rois->dims[0];
    int64_t od[4] = {rois->dims[0], x->dims[1], p->out[0], p->out[1]};
    ait_set_out(g, n, 0, x->dtype, 4, od);
    return ait_check_attrs(g, n, d);
}
