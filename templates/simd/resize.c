/* simd: Resize over the last two axes (H, W), every leading axis unchanged: per output row, the
 * H taps' input rows summed into one row of scratch (a vectorized loop over the input's width),
 * then each output column's W taps read from it; in float, where the reference sums every
 * tap's product in double.  Linear and cubic upsampling at a segmentation head's output
 * (DeepLabV3, FCN, LR-ASPP) is most of what these models do after their backbone. */
#include <inttypes.h>
#include <stdio.h>

#include "templates/emit_util.h"
#include "templates/simd/simd.h"

static int applies(const ait_graph *g, const ait_node *n)
{
    if (n->op != AIT_OP_RESIZE || g->extents_vary) /* tables as long as the output's extents */
        return 0;
    const ait_resize_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0), *y = ait_node_out(g, n, 0);
    if (x->dtype != AIT_DT_FLOAT || p->any_outside || p->rank < 2 || p->rank != x->rank)
        return 0;
    for (int a = 0; a < p->rank - 2; a++)
        if (!ait_resize_unchanged_axis(p, a, x->dims[a], y->dims[a]))
            return 0;
    return 1;
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_resize_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0), *y = ait_node_out(g, n, 0);
    int h = p->rank - 2, w = p->rank - 1, th = p->taps[h], tw = p->taps[w];
    int64_t IH = x->dims[h], IW = x->dims[w], OH = y->dims[h], OW = y->dims[w], planes = 1;
    for (int a = 0; a < h; a++)
        planes *= x->dims[a];
    ait_emit_table(b, "ih", p->idx[h], OH * th);
    ait_emit_ftable(b, "float", "wh", p->wt[h], OH * th);
    ait_emit_table(b, "iw", p->idx[w], OW * tw);
    ait_emit_ftable(b, "float", "ww", p->wt[w], OW * tw);
    ait_sb_printf(b,
                  "for (long pl = 0; pl < %" PRId64 "; pl++) {\n"
                  "const float *const xp = x0 + pl * %" PRId64 ";\nfloat *const yp = y0 + pl * %" PRId64 ";\n"
                  "for (long oh = 0; oh < %" PRId64 "; oh++) {\nfloat *const row = s0;\n"
                  "{\nconst float w0 = wh[oh * %d];\nconst float *const src = xp + ih[oh * %d] * %" PRId64 ";\n"
                  "for (long j = 0; j < %" PRId64 "; j++)\nrow[j] = w0 * src[j];\n}\n"
                  "for (long t = 1; t < %d; t++) {\nconst float wt = wh[oh * %d + t];\n"
                  "const float *const src = xp + ih[oh * %d + t] * %" PRId64 ";\n"
                  "for (long j = 0; j < %" PRId64 "; j++)\nrow[j] += wt * src[j];\n}\n"
                  "for (long ow = 0; ow < %" PRId64 "; ow++) {\nfloat acc = 0;\n"
                  "for (long t = 0; t < %d; t++)\nacc += ww[ow * %d + t] * row[iw[ow * %d + t]];\n"
                  "yp[oh * %" PRId64 " + ow] = acc;\n}\n}\n}\n",
                  planes, IH * IW, OH * OW, OH, th, th, IW, IW, th, th, th, IW, IW, OW, tw, tw, tw, OW);
    (void)g;
}

static size_t scratch(const ait_graph *g, const ait_node *n)
{
    const ait_tensor *x = ait_node_in(g, n, 0);
    return sizeof(float) * (size_t)(x->dims[x->rank - 1] + 16);
}

const ait_template ait_simd_resize = {.family = "resize", .applies = applies, .emit = emit, .scratch_bytes = scratch};
