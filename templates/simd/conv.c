/* simd: Conv as a WX GEMM on packed weights (1x1 directly on the input,
 * other kernels through im2col into scratch), and a dedicated depthwise
 * kernel vectorized along output rows (stride 2 reads even/odd column planes
 * so every load is contiguous). */
#include <inttypes.h>
#include <stdio.h>

#include "gen/passes.h"
#include "templates/emit_util.h"
#include "templates/simd/simd.h"

int ait_simd_conv_kind(const ait_graph *g, const ait_node *n)
{
    const ait_conv_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0), *w = ait_node_in(g, n, 1);
    if (n->op != AIT_OP_CONV || x->dtype != AIT_DT_FLOAT || p->n != 1 || p->spatial > 2)
        return 0;
    if (p->group == p->cin && p->cout == p->cin && p->stride[1] <= 2 && p->stride[2] <= 2)
        return 1;
    if (p->group != 1 || !w->data)
        return 0;
    int pointwise = p->k[1] == 1 && p->k[2] == 1 && p->stride[1] == 1 && p->stride[2] == 1 && p->pad_lo[1] == 0 &&
                    p->pad_lo[2] == 0 && p->in[1] == p->out[1] && p->in[2] == p->out[2];
    return pointwise ? 2 : 3;
}

/* Rows [m0, m0 + R) of the WX GEMM over all N columns. */
static void wx_rows(ait_sb *b, const ait_graph *g, const ait_node *n, int R, long long K, long long N,
                    const char *bias)
{
    const ait_simd_cfg *c = ait_simd_config();
    int nr = c->nv * c->vl;
    char afmt[64], bfmt[64];
    snprintf(afmt, sizeof afmt, "wa[k * %d + %%d]", c->mr);
    snprintf(bfmt, sizeof bfmt, "xs + k * %lld + n0 + %%d * %d", N, c->vl);
    ait_sb_printf(b, "long n0 = 0;\nfor (; n0 + %d <= %lld; n0 += %d) {\n", nr, N, nr);
    ait_simd_tile(b, R, c->nv, K, afmt, bfmt);
    ait_simd_store(b, g, n, R, c->nv, N, bias, NULL);
    ait_sb_printf(b, "}\nfor (; n0 + %d <= %lld; n0 += %d) {\n", c->vl, N, c->vl);
    ait_simd_tile(b, R, 1, K, afmt, bfmt);
    ait_simd_store(b, g, n, R, 1, N, bias, NULL);
    ait_sb_printf(b, "}\nfor (; n0 < %lld; n0++)\nfor (long r = 0; r < %d; r++) {\nfloat acc = 0;\n", N, R);
    ait_sb_printf(b, "for (long k = 0; k < %lld; k++) acc += wa[k * %d + r] * xs[k * %lld + n0];\n", K, c->mr, N);
    ait_sb_printf(b, "{\nconst long yi = (m0 + r) * %lld + n0;\nfloat v = acc%s;\n", N,
                  bias ? " + x2[m0 + r]" : "");
    ait_emit_epilogue(b, g, n, "v", "yi");
    ait_sb_puts(b, "y0[yi] = v;\n}\n}\n");
}

static void emit_wx(ait_sb *b, const ait_graph *g, const ait_node *n, int im2col)
{
    const ait_conv_params *p = n->params;
    const ait_simd_cfg *c = ait_simd_config();
    long long M = p->cout, K = p->cin * p->k[1] * p->k[2], N = p->out[1] * p->out[2];
    if (im2col) {
        ait_sb_printf(b,
                      "for (long ci = 0; ci < %" PRId64 "; ci++)\nfor (long kh = 0; kh < %" PRId64 "; kh++)\n"
                      "for (long kw = 0; kw < %" PRId64 "; kw++) {\n"
                      "float *row = s0 + ((ci * %" PRId64 " + kh) * %" PRId64 " + kw) * %lld;\n",
                      p->cin, p->k[1], p->k[2], p->k[1], p->k[2], N);
        ait_sb_printf(b,
                      "for (long oh = 0; oh < %" PRId64 "; oh++) {\nconst long ih = oh * %" PRId64 " - %" PRId64
                      " + kh * %" PRId64 ";\n"
                      "for (long ow = 0; ow < %" PRId64 "; ow++) {\nconst long iw = ow * %" PRId64 " - %" PRId64
                      " + kw * %" PRId64 ";\n"
                      "row[oh * %" PRId64 " + ow] = ih >= 0 && ih < %" PRId64 " && iw >= 0 && iw < %" PRId64
                      " ? x0[(ci * %" PRId64 " + ih) * %" PRId64 " + iw] : 0;\n}\n}\n}\n",
                      p->out[1], p->stride[1], p->pad_lo[1], p->dil[1], p->out[2], p->stride[2], p->pad_lo[2],
                      p->dil[2], p->out[2], p->in[1], p->in[2], p->in[1], p->in[2]);
    }
    ait_sb_printf(b, "const float *const xs = %s;\nconst float *const wp = x%d;\n", im2col ? "s0" : "x0", n->pack_in);
    const char *bias = ait_node_in(g, n, 2) ? "x2[m0 + %d]" : NULL;
    long long full = M / c->mr, tail = M % c->mr;
    ait_sb_printf(b, "for (long mp = 0; mp < %lld; mp++) {\nconst long m0 = mp * %d;\n"
                     "const float *const wa = wp + mp * %lld;\n",
                  full, c->mr, K * c->mr);
    wx_rows(b, g, n, c->mr, K, N, bias);
    ait_sb_puts(b, "}\n");
    if (tail) {
        ait_sb_printf(b, "{\nconst long m0 = %lld;\nconst float *const wa = wp + %lld;\n", full * c->mr,
                      full * K * c->mr);
        wx_rows(b, g, n, (int)tail, K, N, bias);
        ait_sb_puts(b, "}\n");
    }
}

static void emit_depthwise(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_conv_params *p = n->params;
    const ait_simd_cfg *c = ait_simd_config();
    int64_t IH = p->in[1], IW = p->in[2], OH = p->out[1], OW = p->out[2], KH = p->k[1], KW = p->k[2];
    int64_t SH = p->stride[1], SW = p->stride[2], DH = p->dil[1], DW = p->dil[2], PT = p->pad_lo[1], PL = p->pad_lo[2];
    /* the padded plane covers every window */
    int64_t PHh = (OH - 1) * SH + (KH - 1) * DH + 1, PWw = (OW - 1) * SW + (KW - 1) * DW + 1;
    int64_t PE = (PWw + 1) / 2, PO = PWw / 2; /* even/odd column planes for stride 2 */
    ait_sb_printf(b, "for (long ch = 0; ch < %" PRId64 "; ch++) {\n", p->cin);
    ait_sb_printf(b, "float *const pad = s0;\nfor (long i = 0; i < %" PRId64 "; i++) pad[i] = 0;\n", PHh * PWw);
    ait_sb_printf(b,
                  "for (long ih = 0; ih < %" PRId64 "; ih++) {\nconst long ph = ih + %" PRId64 ";\n"
                  "if (ph >= %" PRId64 ") break;\n"
                  "for (long iw = 0; iw < %" PRId64 "; iw++) {\nconst long pw = iw + %" PRId64 ";\n"
                  "if (pw < %" PRId64 ") pad[ph * %" PRId64 " + pw] = x0[(ch * %" PRId64 " + ih) * %" PRId64
                  " + iw];\n}\n}\n",
                  IH, PT, PHh, IW, PL, PWw, PWw, IH, IW);
    if (SW == 2) {
        ait_sb_printf(b,
                      "float *const ev = s0 + %" PRId64 ", *const od = ev + %" PRId64 ";\n"
                      "for (long r = 0; r < %" PRId64 "; r++)\nfor (long j = 0; j < %" PRId64 "; j++) {\n"
                      "ev[r * %" PRId64 " + j] = pad[r * %" PRId64 " + 2 * j];\n"
                      "if (2 * j + 1 < %" PRId64 ") od[r * %" PRId64 " + j] = pad[r * %" PRId64 " + 2 * j + 1];\n}\n",
                      PHh * PWw, PHh * PE, PHh, PE, PE, PWw, PWw, PO, PWw);
    }
    ait_sb_printf(b, "const float *const wk = x1 + ch * %" PRId64 ";\n", KH * KW);
    ait_sb_printf(b, "const float bias = %s;\n", ait_node_in(g, n, 2) ? "x2[ch]" : "0");
    ait_sb_printf(b, "for (long oh = 0; oh < %" PRId64 "; oh++) {\nlong ow = 0;\n", OH);
    /* vector columns */
    ait_sb_printf(b, "for (; ow + %d <= %" PRId64 "; ow += %d) {\nait_vf acc = {0};\n", c->vl, OW, c->vl);
    ait_sb_puts(b, "acc += bias;\n");
    for (int64_t kh = 0; kh < KH; kh++)
        for (int64_t kw = 0; kw < KW; kw++) {
            int64_t col = kw * DW;
            if (SW == 1)
                ait_sb_printf(b, "acc += wk[%" PRId64 "] * AIT_LD(pad + (oh * %" PRId64 " + %" PRId64 ") * %" PRId64
                                 " + ow + %" PRId64 ");\n",
                              kh * KW + kw, SH, kh * DH, PWw, col);
            else
                ait_sb_printf(b, "acc += wk[%" PRId64 "] * AIT_LD(%s + (oh * %" PRId64 " + %" PRId64 ") * %" PRId64
                                 " + ow + %" PRId64 ");\n",
                              kh * KW + kw, col & 1 ? "od" : "ev", SH, kh * DH, col & 1 ? PO : PE, col >> 1);
        }
    ait_sb_printf(b, "AIT_ST(y0 + (ch * %" PRId64 " + oh) * %" PRId64 " + ow, acc);\n}\n", OH, OW);
    /* scalar columns */
    ait_sb_printf(b, "for (; ow < %" PRId64 "; ow++) {\nfloat acc = bias;\n", OW);
    ait_sb_printf(b,
                  "for (long kh = 0; kh < %" PRId64 "; kh++)\nfor (long kw = 0; kw < %" PRId64 "; kw++)\n"
                  "acc += wk[kh * %" PRId64 " + kw] * pad[(oh * %" PRId64 " + kh * %" PRId64 ") * %" PRId64
                  " + ow * %" PRId64 " + kw * %" PRId64 "];\n",
                  KH, KW, KW, SH, DH, PWw, SW, DW);
    ait_sb_printf(b, "y0[(ch * %" PRId64 " + oh) * %" PRId64 " + ow] = acc;\n}\n", OH, OW);
    if (n->n_epi) {
        ait_sb_printf(b, "for (long j = 0; j < %" PRId64 "; j++) {\nconst long yi = (ch * %" PRId64 " + oh) * %" PRId64
                         " + j;\nfloat v = y0[yi];\n",
                      OW, OH, OW);
        ait_emit_epilogue(b, g, n, "v", "yi");
        ait_sb_puts(b, "y0[yi] = v;\n}\n");
    }
    ait_sb_puts(b, "}\n}\n");
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    int kind = ait_simd_conv_kind(g, n);
    if (kind == 1)
        emit_depthwise(b, g, n);
    else
        emit_wx(b, g, n, kind == 3);
}

static size_t scratch(const ait_graph *g, const ait_node *n)
{
    const ait_conv_params *p = n->params;
    int kind = ait_simd_conv_kind(g, n);
    if (kind == 1) {
        int64_t PHh = (p->out[1] - 1) * p->stride[1] + (p->k[1] - 1) * p->dil[1] + 1;
        int64_t PWw = (p->out[2] - 1) * p->stride[2] + (p->k[2] - 1) * p->dil[2] + 1;
        return sizeof(float) * (size_t)(2 * PHh * PWw + 16);
    }
    if (kind == 3)
        return sizeof(float) * (size_t)(p->cin * p->k[1] * p->k[2] * p->out[1] * p->out[2]);
    return 0;
}

static int applies(const ait_graph *g, const ait_node *n)
{
    int kind = ait_simd_conv_kind(g, n);
    return kind == 1 || (kind >= 2 && n->pack_in);
}

const ait_template ait_simd_conv = {.family = "conv", .applies = applies, .emit = emit, .scratch_bytes = scratch};
