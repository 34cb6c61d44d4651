/* Reference: MaxUnpool, Col2Im, AffineGrid, RoiAlign (see
 * ir/ops/spatial.c). Indices and ROIs are data: whatever is out of range is
 * skipped or clamped. */
#include <inttypes.h>

#include "templates/emit_util.h"

static void emit_max_unpool(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_spatial_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0), *y = ait_node_out(g, n, 0);
    int r = x->rank;
    int64_t inf[AIT_MAX_RANK] = {x->dims[0], x->dims[1]}, ys[AIT_MAX_RANK], total = x->dims[0] * x->dims[1];
    for (int i = 0; i < p->sp; i++)
        total *= inf[2 + i] = p->in[i];
    ait_strides(r, y->dims, ys);
    if (ait_tensor_bytes(y))
        ait_sb_printf(b, "memset(y0, 0, %zu);\n", ait_tensor_bytes(y));
    if (!ait_tensor_numel(x) || !total)
        return;
    ait_emit_table(b, "inf", inf, r);
    ait_emit_table(b, "ys", ys, r);
    ait_sb_printf(b, "for (long k = 0; k < %" PRId64 "; k++) {\nlong long rest = x1[k], off = 0;\n", ait_tensor_numel(x));
    ait_sb_printf(b, "if (rest < 0 || rest >= %" PRId64 "LL) continue;\n", total);
    ait_sb_printf(b, "for (int a = %d; a >= 0; a--) { off += rest %% inf[a] * ys[a]; rest /= inf[a]; }\n", r - 1);
    ait_sb_puts(b, "y0[off] = x0[k];\n}\n");
}

static void emit_col2im(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_spatial_params *p = n->params;
    const ait_tensor *y = ait_node_out(g, n, 0);
    int sp = p->sp;
    int64_t blocks = 1, count = 1, img = 1;
    for (int i = 0; i < sp; i++) {
        blocks *= p->k[i];
        count *= p->out[i];
        img *= p->in[i];
    }
    if (ait_tensor_bytes(y))
        ait_sb_printf(b, "memset(y0, 0, %zu);\n", ait_tensor_bytes(y));
    if (!ait_tensor_numel(y))
        return;
    ait_sb_printf(b, "for (long n = 0; n < %" PRId64 "; n++)\nfor (long c = 0; c < %" PRId64 "; c++) {\n", p->n, p->c);
    ait_sb_puts(b, "long bi = 0;\n");
    for (int i = 0; i < sp; i++)
        ait_sb_printf(b, "for (long b%d = 0; b%d < %" PRId64 "; b%d++)\n", i, i, p->k[i], i);
    ait_sb_puts(b, "{\nlong li = 0;\n");
    for (int i = 0; i < sp; i++)
        ait_sb_printf(b, "for (long l%d = 0; l%d < %" PRId64 "; l%d++)\n", i, i, p->out[i], i);
    ait_sb_puts(b, "{\nint inside = 1;\nlong off = 0;\n");
    for (int i = 0; i < sp; i++) {
        int64_t st = 1;
        for (int j = i + 1; j < sp; j++)
            st *= p->in[j];
        ait_sb_printf(b, "{\nconst long q = l%d * %" PRId64 " - %" PRId64 " + b%d * %" PRId64 ";\n", i, p->stride[i],
                      p->pad_lo[i], i, p->dil[i]);
        ait_sb_printf(b, "inside &= q >= 0 && q < %" PRId64 ";\noff += q * %" PRId64 ";\n}\n", p->in[i], st);
    }
    ait_sb_printf(b, "if (inside) y0[(n * %" PRId64 " + c) * %" PRId64 " + off] += x0[((n * %" PRId64 " + c) * %" PRId64
                     " + bi) * %" PRId64 " + li];\nli++;\n}\nbi++;\n}\n}\n",
                  p->c, img, p->c, blocks, count);
}

static void emit_affine_grid(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_spatial_params *p = n->params;
    const ait_tensor *y = ait_node_out(g, n, 0);
    if (!ait_tensor_numel(y))
        return;
    int sp = p->sp;
    const char *ax[3] = {"z", "y", "x"}, *iv[3] = {"d", "h", "w"};
    int64_t size[3] = {1, 1, 1};
    for (int i = 0; i < sp; i++)
        size[3 - sp + i] = p->out[i];
    ait_sb_printf(b, "long oi = 0;\nfor (long n = 0; n < %" PRId64 "; n++) {\n", p->n);
    ait_sb_printf(b, "const %s *th = x0 + n * %d;\n", ait_ctype(y), sp * (sp + 1));
    for (int i = 3 - sp; i < 3; i++) {
        ait_sb_printf(b, "for (long %s = 0; %s < %" PRId64 "; %s++) {\n", iv[i], iv[i], size[i], iv[i]);
        if (p->align_corners)
            ait_sb_printf(b, "const double %s = %s;\n", ax[i],
                          size[i] > 1 ? ait_arena_printf(g->arena, "-1 + 2.0 * %s / %" PRId64, iv[i], size[i] - 1) : "-1");
        else
            ait_sb_printf(b, "const double %s = -1 + (2.0 * %s + 1) / %" PRId64 ";\n", ax[i], iv[i], size[i]);
    }
    for (int j = 0; j < sp; j++) {
        ait_sb_printf(b, "y0[oi++] = (%s)(", ait_ctype(y));
        /* theta's columns apply to x, y (, z) in that order, then the translation */
        for (int c = 0; c < sp; c++)
            ait_sb_printf(b, "th[%d] * %s + ", j * (sp + 1) + c, ax[2 - c]);
        ait_sb_printf(b, "th[%d]);\n", j * (sp + 1) + sp);
    }
    ait_emit_close(b, sp + 1);
    ait_sb_puts(b, "(void)oi;\n");
}

/* RoiAlign, as the ONNX reference computes it (bilinear samples per bin, averaged or maxed). */
static void emit_roi_align(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_spatial_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0);
    if (!p->rois || !p->c)
        return;
    ait_sb_printf(b,
                  "enum { N = %" PRId64 ", C = %" PRId64 ", H = %" PRId64 ", W = %" PRId64 ", PH = %" PRId64
                  ", PW = %" PRId64 ", R = %" PRId64 ", SR = %" PRId64 ", MAXS = %d };\n",
                  p->n, p->c, p->in[0], p->in[1], p->out[0], p->out[1], p->rois, p->k[0], AIT_ROI_MAX_SAMPLES);
    ait_sb_printf(b, "for (long r = 0; r < R; r++) {\nlong bi = (long)x2[r];\nif (bi < 0 || bi >= N) bi = 0;\n"
                     "double v[4];\nfor (int k = 0; k < 4; k++) {\nv[k] = x1[r * 4 + k] * %a - %s;\n"
                     "if (!(v[k] > -1e15 && v[k] < 1e15)) v[k] = 0;\n}\n",
                  (double)p->scale, p->align_corners ? "0.5" : "0");
    ait_sb_puts(b, "double rw = v[2] - v[0], rh = v[3] - v[1];\n");
    if (!p->align_corners) /* malformed ROIs are forced to 1x1 */
        ait_sb_puts(b, "if (rw < 1) rw = 1;\nif (rh < 1) rh = 1;\n");
    ait_sb_puts(b, "const double bh = rh / PH, bw = rw / PW;\n"
                   "long gh = SR > 0 ? SR : (long)ceil(rh / PH), gw = SR > 0 ? SR : (long)ceil(rw / PW);\n"
                   "gh = gh < 0 ? 0 : gh > MAXS ? MAXS : gh;\ngw = gw < 0 ? 0 : gw > MAXS ? MAXS : gw;\n"
                   "const double count = gh * gw > 1 ? (double)(gh * gw) : 1;\n(void)count;\n");
    ait_sb_printf(b, "for (long c = 0; c < C; c++) {\nconst %s *xp = x0 + (bi * C + c) * H * W;\n", ait_ctype(x));
    ait_sb_puts(b, "for (long ph = 0; ph < PH; ph++)\nfor (long pw = 0; pw < PW; pw++) {\n"
                   "double out = 0;\nint first = 1;\n(void)first;\n"
                   "for (long iy = 0; iy < gh; iy++)\nfor (long ix = 0; ix < gw; ix++) {\n"
                   "double yy = v[1] + ph * bh + (iy + 0.5) * bh / gh, xx = v[0] + pw * bw + (ix + 0.5) * bw / gw;\n"
                   "double w1 = 0, w2 = 0, w3 = 0, w4 = 0;\nlong p1 = 0, p2 = 0, p3 = 0, p4 = 0;\n"
                   "if (!(yy < -1.0 || yy > H || xx < -1.0 || xx > W)) {\n"
                   "if (yy < 0) yy = 0;\nif (xx < 0) xx = 0;\n"
                   "long yl = (long)yy, xl = (long)xx, yh, xh;\n"
                   "if (yl >= H - 1) { yh = yl = H - 1; yy = yl; } else yh = yl + 1;\n"
                   "if (xl >= W - 1) { xh = xl = W - 1; xx = xl; } else xh = xl + 1;\n"
                   "const double ly = yy - yl, lx = xx - xl, hy = 1 - ly, hx = 1 - lx;\n"
                   "w1 = hy * hx; w2 = hy * lx; w3 = ly * hx; w4 = ly * lx;\n"
                   "p1 = yl * W + xl; p2 = yl * W + xh; p3 = yh * W + xl; p4 = yh * W + xh;\n}\n");
    if (p->mode == 0) {
        ait_sb_puts(b, "out += w1 * xp[p1] + w2 * xp[p2] + w3 * xp[p3] + w4 * xp[p4];\n}\nout /= count;\n");
    } else {
        ait_sb_puts(b, "double m = w1 * xp[p1];\nif (w2 * xp[p2] > m) m = w2 * xp[p2];\n"
                       "if (w3 * xp[p3] > m) m = w3 * xp[p3];\nif (w4 * xp[p4] > m) m = w4 * xp[p4];\n"
                       "if (first || m > out) out = m;\nfirst = 0;\n}\n");
    }
    ait_sb_printf(b, "y0[((r * C + c) * PH + ph) * PW + pw] = (%s)out;\n}\n}\n}\n", ait_ctype(x));
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    switch (n->op) {
    case AIT_OP_MAX_UNPOOL: emit_max_unpool(b, g, n); break;
    case AIT_OP_COL2IM: emit_col2im(b, g, n); break;
    case AIT_OP_AFFINE_GRID: emit_affine_grid(b, g, n); break;
    default: emit_roi_align(b, g, n); break;
    }
}

const ait_template ait_ref_spatial = {.family = "spatial", .emit = emit};
