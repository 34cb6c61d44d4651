/* simd: Conv as a WX GEMM on packed weights (1x1 directly on the input,
 * other kernels through im2col into scratch; grouped convs one GEMM per
 * group), and depthwise through the sliding-window kernel of window.c. */
#include <inttypes.h>
#include <stdio.h>

#include "gen/kernel.h"
#include "gen/passes.h"
#include "templates/emit_util.h"
#include "templates/simd/simd.h"

/* 1x1, stride 1, no pads: the input is the GEMM's operand as it is. */
static int pointwise(const ait_conv_params *p)
{
    return p->k[1] == 1 && p->k[2] == 1 && p->stride[1] == 1 && p->stride[2] == 1 && p->pad_lo[1] == 0 &&
           p->pad_lo[2] == 0 && p->in[1] == p->out[1] && p->in[2] == p->out[2];
}

int ait_simd_conv_kind(const ait_graph *g, const ait_node *n)
{
    const ait_conv_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0), *w = ait_node_in(g, n, 1);
    if (n->op != AIT_OP_CONV || x->dtype != AIT_DT_FLOAT || p->n != 1 || p->spatial > 2)
        return 0;
    if (p->group == p->cin && p->cout == p->cin && p->stride[1] <= 2 && p->stride[2] <= 2)
        return 1;
    if (!w->data)
        return 0;
    if (p->group != 1)
        return 4; /* one GEMM per group */
    return pointwise(p) ? 2 : 3;
}

/* Where the WX GEMM reads X: xs[k * ld + column - col0], col0 NULL for 0 (the whole operand;
 * a block of columns built per block starts at its first column). */
typedef struct {
    long long ld;
    const char *col0;
} wx_operand;

/* Rows [m0, m0 + R) of the WX GEMM over whole vectors of columns [nb, ne). */
static void wx_rows(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_simd_cfg *c, int R, long long K,
                    long long N, const char *bias, const wx_operand *x)
{
    int nr = c->nv * c->vl;
    char afmt[64], bfmt[96], khi[32];
    snprintf(afmt, sizeof afmt, "wa[k * %d + %%d]", c->mr);
    if (x->col0)
        snprintf(bfmt, sizeof bfmt, "xs + k * %lld + (n0 - %s) + %%d * %d", x->ld, x->col0, c->vl);
    else
        snprintf(bfmt, sizeof bfmt, "xs + k * %lld + n0 + %%d * %d", x->ld, c->vl);
    snprintf(khi, sizeof khi, "%lld", K);
    ait_sb_printf(b, "long n0 = nb;\nfor (; n0 + %d <= ne; n0 += %d) {\n", nr, nr);
    ait_simd_tile(b, R, c->nv, "0", khi, afmt, bfmt, NULL);
    ait_simd_store(b, g, n, R, c->nv, N, bias, NULL, NULL, NULL);
    ait_sb_puts(b, "}\n");
    /* blocks are whole panels: only the last one can end in single vectors (split into tasks,
     * any task's share: columns are shared in vectors) */
    if (!g->extents_vary && !(ait_split(g, n) && c->vl > 1) && (N - N % c->vl) % nr == 0)
        return;
    ait_sb_printf(b, "for (; n0 + %d <= ne; n0 += %d) {\n", c->vl, c->vl);
    ait_simd_tile(b, R, 1, "0", khi, afmt, bfmt, NULL);
    ait_simd_store(b, g, n, R, 1, N, bias, NULL, NULL, NULL);
    ait_sb_puts(b, "}\n");
}

/* The columns in whole vectors, and the rest, as C: with extents that vary (g->extents_vary)
 * expressions of N, whose literal is then an expression of the dynamic axes, so that the code
 * has one shape at every value. */
static void wx_columns(const ait_graph *g, const ait_simd_cfg *c, long long N, char *whole, char *rest)
{
    if (g->extents_vary) {
        snprintf(whole, 64, "(%lld - %lld %% %d)", N, N, c->vl);
        snprintf(rest, 64, "(%lld %% %d)", N, c->vl);
    } else {
        snprintf(whole, 64, "%lld", N - N % c->vl);
        snprintf(rest, 64, "%lld", N % c->vl);
    }
}

/* Rows [m0, m0 + R), the last N % VL columns: a zero-padded strip [K][VL] (filled once per
 * node) through one vector tile. */
static void wx_strip(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_simd_cfg *c, int R, long long K,
                     long long N, const char *bias, const wx_operand *x)
{
    (void)x;
    char afmt[64], sfmt[64], khi[32];
    snprintf(afmt, sizeof afmt, "wa[k * %d + %%d]", c->mr);
    snprintf(sfmt, sizeof sfmt, "strip + k * %d + %%d", c->vl);
    snprintf(khi, sizeof khi, "%lld", K);
    char whole[64], rest[64];
    wx_columns(g, c, N, whole, rest);
    ait_sb_printf(b, "const long n0 = %s;\n", whole);
    ait_simd_tile(b, R, 1, "0", khi, afmt, sfmt, NULL);
    ait_sb_printf(b, "float t[%d][%d];\n", R, c->vl);
    for (int r = 0; r < R; r++)
        ait_sb_printf(b, "AIT_ST(t[%d], c_%d_0);\n", r, r);
    ait_sb_printf(b, "for (long r = 0; r < %d; r++)\nfor (long j = 0; j < %s; j++) {\n", R, rest);
    ait_sb_printf(b, "const long yi = (m0 + r) * %lld + n0 + j;\nfloat v = t[r][j]%s;\n", N,
                  bias ? " + x2[m0 + r]" : "");
    ait_emit_epilogue(b, g, n, "v", "yi");
    ait_sb_puts(b, "y0[yi] = v;\n}\n");
}

/* `wa`, the row panel `panel` (a C expression) of wp as floats: wp's own for fp32, else
 * decoded into the task's wd_ (scales from ws). */
static void panel_weights(ait_sb *b, const ait_graph *g, const ait_node *n, const char *panel, long long K, int mr)
{
    if (ait_simd_node_wfmt(g, n) == AIT_WF_F32) {
        ait_sb_printf(b, "const float *const wa = wp + %s * %lld;\n", panel, K * mr);
        return;
    }
    ait_sb_printf(b, "float *const wa = wd_;\n{\nconst %s *const wq = wp + %s * %lld;\n", ait_simd_wtype(g, n), panel,
                  K * mr);
    if (n->pack_scale)
        ait_sb_printf(b, "const float *const wsc = ws + %s * %d;\n", panel, mr);
    ait_simd_decode_panel(b, g, n, "wa", "wq", "wsc", K, mr);
    ait_sb_puts(b, "}\n");
}

/* Declares wp (and ws, int8's scales) for the packed weights, offset by `at` elements (C; NULL:
 * none) and, for the scales, at / K. */
static void weights_ptr(ait_sb *b, const ait_graph *g, const ait_node *n, const char *at, long long K)
{
    ait_sb_printf(b, "const %s *const wp = x%d%s%s;\n", ait_simd_wtype(g, n), n->pack_in, at ? " + " : "", at ? at : "");
    if (n->pack_scale)
        ait_sb_printf(b, "const float *const ws = x%d%s%s%s;\n", n->pack_scale, at ? " + (" : "", at ? at : "",
                      at ? ait_arena_printf(g->arena, ") / %lld", K) : "");
}

/* Floats of scratch a task decodes one row panel into (0 for fp32 weights). */
static size_t decode_floats(const ait_graph *g, const ait_node *n, long long K)
{
    return ait_simd_node_wfmt(g, n) == AIT_WF_F32 ? 0 : (size_t)K * (size_t)ait_simd_node_cfg(g, n).mr;
}

typedef void (*wx_part)(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_simd_cfg *c, int R,
                        long long K, long long N, const char *bias, const wx_operand *x);

/* part() for every row panel: the full ones, then the tail rows; with rows_split, only the
 * panels [mp_lo, mp_hi) of this task (the tail is the last panel). */
static void wx_panels(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_simd_cfg *c, long long M,
                      long long K, long long N, const char *bias, const char *row0, int rows_split, wx_part part,
                      const wx_operand *x)
{
    long long full = M / c->mr, tail = M % c->mr;
    if (full) {
        if (rows_split)
            ait_sb_printf(b, "for (long mp = mp_lo; mp < (mp_hi < %lld ? mp_hi : %lld); mp++) {\n", full, full);
        else
            ait_sb_printf(b, "for (long mp = 0; mp < %lld; mp++) {\n", full);
        ait_sb_printf(b, "const long m0 = %s%smp * %d;\n", row0 ? row0 : "", row0 ? " + " : "", c->mr);
        panel_weights(b, g, n, "mp", K, c->mr);
        part(b, g, n, c, c->mr, K, N, bias, x);
        ait_sb_puts(b, "}\n");
    }
    if (tail) {
        ait_sb_printf(b, "%s{\nconst long m0 = %s%s%lld;\n",
                      rows_split ? ait_arena_printf(g->arena, "if (mp_hi > %lld) ", full) : "", row0 ? row0 : "",
                      row0 ? " + " : "", full * c->mr);
        panel_weights(b, g, n, ait_arena_printf(g->arena, "%lld", full), K, c->mr);
        part(b, g, n, c, (int)tail, K, N, bias, x);
        ait_sb_puts(b, "}\n");
    }
}

/* C for `<o>lo`, `<o>hi`: the outputs o in [0, n_out) whose tap o * stride - pad + k * dil
 * (k the loop variable named `k`) lies in [0, n_in). */
static void emit_inside_range(ait_sb *b, const char *o, const char *k, int64_t pad, int64_t dil, int64_t n_in,
                              int64_t stride, int64_t n_out)
{
    ait_sb_printf(b,
                  "long %slo = %" PRId64 " - %s * %" PRId64 " > 0 ? (%" PRId64 " - %s * %" PRId64 " + %" PRId64
                  ") / %" PRId64 " : 0;\n"
                  "long %shi = %" PRId64 " - %s * %" PRId64 " >= 0 ? (%" PRId64 " - %s * %" PRId64 ") / %" PRId64
                  " + 1 : 0;\n"
                  "%slo = %slo < %" PRId64 " ? %slo : %" PRId64 ";\n"
                  "%shi = %shi < %slo ? %slo : %shi < %" PRId64 " ? %shi : %" PRId64 ";\n",
                  o, pad, k, dil, pad, k, dil, stride - 1, stride, o, n_in - 1 + pad, k, dil, n_in - 1 + pad, k, dil,
                  stride, o, o, n_out, o, n_out, o, o, o, o, o, n_out, o, n_out);
}

/* The stride-1, same-width shape im2col_shifted serves. */
static int shifted_shape(const ait_conv_params *p)
{
    return p->stride[1] == 1 && p->stride[2] == 1 && p->in[2] == p->out[2] && p->k[2] * p->dil[2] <= p->out[2] &&
           p->k[1] * p->k[2] <= 49;
}

/* A tap of a stride-1, same-width Conv: its row is the channel's shifted by off = dr * OW + sc,
 * valid for outputs j in [jlo, jhi) (rows [ohlo, ohhi)), but for the sc edge columns a row. */
typedef struct {
    int64_t sc, ohlo, ohhi, jlo, jhi, off;
} shifted_tap;

static shifted_tap tap_of(const ait_conv_params *p, int64_t kh, int64_t kw)
{
    int64_t OH = p->out[1], OW = p->out[2], IH = p->in[1];
    int64_t dr = kh * p->dil[1] - p->pad_lo[1], sc = kw * p->dil[2] - p->pad_lo[2];
    /* output rows oh with 0 <= oh + dr < IH */
    int64_t ohlo = dr < 0 ? -dr : 0, ohhi = IH - dr < OH ? IH - dr : OH;
    ohlo = ohlo < OH ? ohlo : OH;
    ohhi = ohhi < ohlo ? ohlo : ohhi;
    shifted_tap t = {sc, ohlo, ohhi, ohlo * OW + (sc < 0 ? -sc : 0), ohhi * OW - (sc > 0 ? sc : 0), dr * OW + sc};
    return t;
}

/* Stride 1 with the output as wide as the input: the row of tap (kh, kw) is the channel's
 * rows [oh - pad + kh * dil] shifted by s = kw * dil - pad, so it is one contiguous copy
 * (which compilers vectorize), then the s columns at one edge of each row set to zero.
 * Reads stay inside the channel. */
static void im2col_shifted(ait_sb *b, const ait_conv_params *p, const char *dst, const char *ci_lo, const char *ci_hi)
{
    int64_t OH = p->out[1], OW = p->out[2], IH = p->in[1], N = OH * OW;
    ait_sb_printf(b, "for (long ci = %s; ci < %s; ci++) {\nconst float *const xc = x0 + ci * %" PRId64 ";\n", ci_lo,
                  ci_hi, IH * OW);
    for (int64_t kh = 0; kh < p->k[1]; kh++)
        for (int64_t kw = 0; kw < p->k[2]; kw++) {
            const shifted_tap t = tap_of(p, kh, kw);
            int64_t sc = t.sc, ohlo = t.ohlo, ohhi = t.ohhi, jlo = t.jlo, jhi = t.jhi;
            ait_sb_printf(b, "{\nfloat *const row = %s + (ci * %" PRId64 " + %" PRId64 ") * %" PRId64 ";\n", dst,
                          p->k[1] * p->k[2], kh * p->k[2] + kw, N);
            ait_sb_printf(b, "for (long j = 0; j < %" PRId64 "; j++)\nrow[j] = 0;\n", jlo);
            if (jhi > jlo)
                ait_sb_printf(b, "for (long j = %" PRId64 "; j < %" PRId64 "; j++)\nrow[j] = xc[j + %" PRId64 "];\n",
                              jlo, jhi, t.off);
            ait_sb_printf(b, "for (long j = %" PRId64 "; j < %" PRId64 "; j++)\nrow[j] = 0;\n", jhi > jlo ? jhi : jlo, N);
            if (sc != 0 && ohhi > ohlo) /* the edge columns the shifted copy filled from the next row */
                ait_sb_printf(b, "for (long oh = %" PRId64 "; oh < %" PRId64 "; oh++)\nfor (long ow = %" PRId64
                                 "; ow < %" PRId64 "; ow++)\nrow[oh * %" PRId64 " + ow] = 0;\n",
                              ohlo, ohhi, sc > 0 ? OW - sc : 0, sc > 0 ? OW : -sc, OW);
            ait_sb_puts(b, "}\n");
        }
    ait_sb_puts(b, "}\n");
}

/* dst[(ci, kh, kw)][oh * OW + ow] = the padded input under that tap: the K x N operand of a
 * Conv as GEMM (zeros where the window leaves the input); with a split (ait_split), the input
 * channels of task task_'s share. */
void ait_simd_im2col(ait_sb *b, const ait_graph *g, const ait_conv_params *p, int split, const char *dst)
{
    char ci_lo[64] = "0", ci_hi[64];
    snprintf(ci_hi, sizeof ci_hi, "%" PRId64, p->cin);
    if (split) {
        ait_emit_task_part(b, g, "ci", p->cin, 1);
        snprintf(ci_lo, sizeof ci_lo, "ci_lo");
        snprintf(ci_hi, sizeof ci_hi, "ci_hi");
    }
    if (!g->extents_vary && shifted_shape(p)) {
        im2col_shifted(b, p, dst, ci_lo, ci_hi);
        return;
    }
    long long N = p->out[1] * p->out[2];
    int64_t S = p->stride[2], P = p->pad_lo[2], D = p->dil[2], OW = p->out[2], IW = p->in[2];
    ait_sb_printf(b,
                  "for (long ci = %s; ci < %s; ci++)\nfor (long kh = 0; kh < %" PRId64 "; kh++)\n"
                  "for (long kw = 0; kw < %" PRId64 "; kw++) {\n"
                  "float *row = %s + ((ci * %" PRId64 " + kh) * %" PRId64 " + kw) * %lld;\n",
                  ci_lo, ci_hi, p->k[1], p->k[2], dst, p->k[1], p->k[2], N);
    /* output columns and rows whose tap lands inside the input: plain copies between zero
     * borders (no `continue` in the row loop, see window.c's emit_plane) */
    int64_t SH = p->stride[1], PH = p->pad_lo[1], DH = p->dil[1], OH = p->out[1], IH = p->in[1];
    emit_inside_range(b, "ow", "kw", P, D, IW, S, OW);
    emit_inside_range(b, "oh", "kh", PH, DH, IH, SH, OH);
    ait_sb_printf(b, "for (long j = 0; j < ohlo * %" PRId64 "; j++)\nrow[j] = 0;\n", OW);
    ait_sb_printf(b,
                  "for (long oh = ohlo; oh < ohhi; oh++) {\nconst long ih = oh * %" PRId64 " - %" PRId64
                  " + kh * %" PRId64 ";\nfloat *const out = row + oh * %" PRId64 ";\n",
                  SH, PH, DH, OW);
    ait_sb_printf(b,
                  "const float *const src = x0 + (ci * %" PRId64 " + ih) * %" PRId64 ";\n"
                  "for (long ow = 0; ow < owlo; ow++)\nout[ow] = 0;\n"
                  "for (long ow = owlo; ow < owhi; ow++)\nout[ow] = src[ow * %" PRId64 " - %" PRId64 " + kw * %" PRId64
                  "];\n"
                  "for (long ow = owhi; ow < %" PRId64 "; ow++)\nout[ow] = 0;\n}\n",
                  IH, IW, S, P, D, OW);
    ait_sb_printf(b, "for (long j = ohhi * %" PRId64 "; j < %lld; j++)\nrow[j] = 0;\n}\n", OW, N);
}

/* im2col_shifted's rows, columns [nb, ne) only, into dst[k * ld + j - nb]: one contiguous copy a
 * tap between zeros, then the edge columns of the rows the range touches. */
static void im2col_shifted_cols(ait_sb *b, const ait_conv_params *p, const char *dst, long long ld, const char *nb,
                                const char *ne)
{
    int64_t OW = p->out[2], IH = p->in[1];
    ait_sb_printf(b, "for (long ci = 0; ci < %" PRId64 "; ci++) {\nconst float *const xc = x0 + ci * %" PRId64 ";\n",
                  p->cin, IH * OW);
    for (int64_t kh = 0; kh < p->k[1]; kh++)
        for (int64_t kw = 0; kw < p->k[2]; kw++) {
            const shifted_tap t = tap_of(p, kh, kw);
            int64_t sc = t.sc, ohlo = t.ohlo, ohhi = t.ohhi, jlo = t.jlo, jhi = t.jhi < t.jlo ? t.jlo : t.jhi;
            ait_sb_printf(b,
                          "{\nfloat *const row = %s + (ci * %" PRId64 " + %" PRId64 ") * %lld;\n"
                          "const long a = %" PRId64 " > %s ? %" PRId64 " : %s, e = %" PRId64 " < %s ? %" PRId64 " : %s;\n"
                          "for (long j = %s; j < (a < %s ? a : %s); j++)\nrow[j - %s] = 0;\n"
                          "for (long j = a; j < e; j++)\nrow[j - %s] = xc[j + %" PRId64 "];\n"
                          "for (long j = e > a ? e : a; j < %s; j++)\nrow[j - %s] = 0;\n",
                          dst, p->k[1] * p->k[2], kh * p->k[2] + kw, ld, jlo, nb, jlo, nb, jhi, ne, jhi, ne, nb, ne,
                          ne, nb, nb, t.off, ne, nb);
            if (sc != 0 && ohhi > ohlo) /* the edge columns the shifted copy filled from the next row */
                ait_sb_printf(b,
                              "for (long oh = %" PRId64 " > %s / %" PRId64 " ? %" PRId64 " : %s / %" PRId64
                              "; oh < %" PRId64 " && oh * %" PRId64 " < %s; oh++)\n"
                              "for (long ow = %" PRId64 "; ow < %" PRId64 "; ow++) {\nconst long j = oh * %" PRId64
                              " + ow;\nif (j >= %s && j < %s)\nrow[j - %s] = 0;\n}\n",
                              ohlo, nb, OW, ohlo, nb, OW, ohhi, OW, ne, sc > 0 ? OW - sc : 0, sc > 0 ? OW : -sc, OW, nb,
                              ne, nb);
            ait_sb_puts(b, "}\n");
        }
    ait_sb_puts(b, "}\n");
}

/* Columns [nb, ne) of the im2col (C expressions, ne - nb <= ld) into dst[k * ld + j - nb]: per tap
 * row, each output row the range touches as a zero border, a copy and a zero border (for
 * im2col_shifted's shapes, one copy a tap: squeezenet's 55x55 expand3x3, a task of two 0.21 ->
 * 0.18 ms). */
static void im2col_cols(ait_sb *b, const ait_conv_params *p, const char *dst, long long ld, const char *nb,
                        const char *ne)
{
    if (shifted_shape(p)) {
        im2col_shifted_cols(b, p, dst, ld, nb, ne);
        return;
    }
    int64_t S = p->stride[2], P = p->pad_lo[2], D = p->dil[2], OW = p->out[2], IW = p->in[2];
    int64_t SH = p->stride[1], PH = p->pad_lo[1], DH = p->dil[1], OH = p->out[1], IH = p->in[1];
    ait_sb_printf(b,
                  "for (long ci = 0; ci < %" PRId64 "; ci++)\nfor (long kh = 0; kh < %" PRId64 "; kh++)\n"
                  "for (long kw = 0; kw < %" PRId64 "; kw++) {\n"
                  "float *const row = %s + ((ci * %" PRId64 " + kh) * %" PRId64 " + kw) * %lld;\n",
                  p->cin, p->k[1], p->k[2], dst, p->k[1], p->k[2], ld);
    emit_inside_range(b, "ow", "kw", P, D, IW, S, OW);
    emit_inside_range(b, "oh", "kh", PH, DH, IH, SH, OH);
    ait_sb_printf(b,
                  "for (long j = %s; j < %s;) {\n"
                  "const long oh = j / %" PRId64 ", ow0 = j - oh * %" PRId64 ";\n"
                  "const long ow1 = ow0 + (%s - j) < %" PRId64 " ? ow0 + (%s - j) : %" PRId64 ";\n"
                  "const long o = j - %s - ow0;\n"
                  "if (oh < ohlo || oh >= ohhi) {\nfor (long ow = ow0; ow < ow1; ow++)\nrow[o + ow] = 0;\n} else {\n"
                  "const float *const src = x0 + (ci * %" PRId64 " + oh * %" PRId64 " - %" PRId64 " + kh * %" PRId64
                  ") * %" PRId64 ";\n"
                  "const long c0 = owlo > ow0 ? owlo : ow0, c1 = owhi < ow1 ? owhi : ow1;\n"
                  "for (long ow = ow0; ow < (owlo < ow1 ? owlo : ow1); ow++)\nrow[o + ow] = 0;\n"
                  "for (long ow = c0; ow < c1; ow++)\nrow[o + ow] = src[ow * %" PRId64 " - %" PRId64 " + kw * %" PRId64
                  "];\n"
                  "for (long ow = owhi > ow0 ? owhi : ow0; ow < ow1; ow++)\nrow[o + ow] = 0;\n}\n"
                  "j += ow1 - ow0;\n}\n}\n",
                  nb, ne, OW, OW, ne, OW, ne, OW, nb, IH, SH, PH, DH, IW, S, P, D);
}

/* The im2col into s0 (when im2col), then the GEMM's code follows; split into tasks, the im2col is
 * phase 0 (input channels a task) and the GEMM's phase is opened here (the caller closes it). */
static void im2col_then_gemm(ait_sb *b, const ait_graph *g, const ait_conv_params *p, int im2col, int split)
{
    if (im2col) {
        if (split)
            ait_emit_phase(b, 0);
        ait_simd_im2col(b, g, p, split, "s0");
        if (split)
            ait_sb_puts(b, "}\n");
    }
    if (split)
        ait_emit_phase(b, im2col);
}

/* Knob order 1 (XW), where its tiles can serve the shape. */
static int is_xw(const ait_graph *g, const ait_node *n, int kind)
{
    return (kind == 2 || kind == 3) && ait_simd_node_cfg(g, n).order == AIT_ORDER_XW && !g->extents_vary;
}

/* How a task shares a WX GEMM (kinds 2 and 3) when the kernel is split: by whole column panels
 * (of X, the larger operand at large images) or by row panels (of W, at small ones); none when
 * the kernel stays serial. */
typedef enum { SPLIT_NONE, SPLIT_COLS, SPLIT_ROWS } wx_split_by;


static wx_split_by wx_split(const ait_graph *g, const ait_node *n)
{
    int T = ait_split(g, n), kind = ait_simd_conv_kind(g, n);
    if (!T || (kind != 2 && kind != 3) || is_xw(g, n, kind) || ait_node_flops(g, n) < AIT_SIMD_SPLIT_MIN_FLOPS)
        return SPLIT_NONE;
    const ait_conv_params *p = n->params;
    const ait_simd_cfg c = ait_simd_node_cfg(g, n);
    long long M = p->cout, N = p->out[1] * p->out[2], col_units = (N - N % c.vl) / (c.vl > 1 ? c.vl : c.nv),
              row_units = (M + c.mr - 1) / c.mr;
    /* columns (bands of pixels) where there are enough: the kernels before and after share the
     * image the same way (depthwise and pools by bands of rows), so what a task reads its own
     * core wrote; measured on mobilenet_v2, a 1x1 Conv after a depthwise one split by channels ran
     * 1.1x faster in two threads, split by pixels ... */
    if (col_units >= 4LL * T)
        return SPLIT_COLS;
    return row_units >= T ? SPLIT_ROWS : col_units >= T ? SPLIT_COLS : SPLIT_NONE;
}

/* A Conv's im2col built a block of columns at a time (0: whole, before the GEMM), in this many
 * columns: where the whole one is past 1 MB, L2's size.  resnet18's 7x7 stem wrote and read
 * back 7.4 MB (147 taps x 12544 pixels) through memory; a block stays in L2 while every row
 * panel passes over it.  Not with rows split into tasks (each would build every block). */
static long long fused_width(const ait_graph *g, const ait_node *n, wx_split_by split)
{
    const ait_conv_params *p = n->params;
    const ait_simd_cfg c = ait_simd_node_cfg(g, n);
    long long K = p->cin * p->k[1] * p->k[2], N = p->out[1] * p->out[2], nr = (long long)c.nv * c.vl;
    if (ait_simd_conv_kind(g, n) != 3 || is_xw(g, n, 3) || g->extents_vary || split == SPLIT_ROWS ||
        K * N <= 256 * 1024 || N - N % c.vl == 0)
        return 0;
    long long w = c.block > 0 ? c.block * nr : (64 * 1024 / K) / nr * nr;
    return w < nr ? nr : w;
}

/* The WX GEMM of rows [row0, row0 + M) (row0 NULL: 0) from xs and wp, its strip at s0 + strip_at;
 * with fused (fused_width), from blocks of the im2col each task builds at s0. */
static void wx_gemm(ait_sb *b, const ait_graph *g, const ait_node *n, long long M, long long K, long long N,
                    const char *row0, long long strip_at, wx_split_by split, long long fused)
{
    const ait_simd_cfg c = ait_simd_node_cfg(g, n);
    const char *bias = ait_node_in(g, n, 2) ? "x2[m0 + %d]" : NULL;
    /* column blocks keep a slice of X in cache while every row panel passes over it */
    int vary = g->extents_vary, T = ait_split(g, n), nr = c.nv * c.vl;
    char whole[64], rest[64], nbs[64], lo[16] = "0", hi[64];
    wx_operand x = {N, NULL};
    wx_columns(g, &c, N, whole, rest);
    if (fused)
        snprintf(nbs, sizeof nbs, "%lld", fused);
    else if (c.block > 0)
        snprintf(nbs, sizeof nbs, "%lld", (long long)c.block * nr);
    else
        snprintf(nbs, sizeof nbs, "%s", whole);
    snprintf(hi, sizeof hi, "%s", whole);
    if (split == SPLIT_COLS) {
        ait_emit_task_part(b, g, "n", N - N % c.vl, c.vl > 1 ? c.vl : nr); /* tiled: whole panels */
        snprintf(lo, sizeof lo, "n_lo");
        snprintf(hi, sizeof hi, "n_hi");
    } else if (split == SPLIT_ROWS) {
        ait_emit_task_part(b, g, "mp", (M + c.mr - 1) / c.mr, 1);
    }
    if (decode_floats(g, n, K)) { /* each task's panel, past the strips */
        long long strips = N % c.vl || vary ? K * c.vl * (split == SPLIT_ROWS ? T : 1) : 0;
        ait_sb_printf(b, "float *const wd_ = s0 + %lld%s;\n", strip_at + strips,
                      split ? ait_arena_printf(g->arena, " + (long)task_ * %zu", decode_floats(g, n, K)) : "");
    }
    if (N - N % c.vl || vary) {
        ait_sb_printf(b, "for (long nb = %s; nb < %s; nb += %s) {\nconst long ne = nb + %s < %s ? nb + %s : %s;\n", lo,
                      hi, nbs, nbs, hi, nbs, hi);
        if (fused) {
            ait_sb_printf(b, "float *const xb = s0%s;\n",
                          split == SPLIT_COLS ? ait_arena_printf(g->arena, " + (long)task_ * %lld", K * fused) : "");
            im2col_cols(b, n->params, "xb", fused, "nb", "ne");
            ait_sb_puts(b, "const float *const xs = xb;\n");
            x = (wx_operand){fused, "nb"};
        }
        wx_panels(b, g, n, &c, M, K, N, bias, row0, split == SPLIT_ROWS, wx_rows, &x);
        ait_sb_puts(b, "}\n");
    }
    if (N % c.vl || vary) {
        /* the last columns: the last task's when columns are split, every task's (a strip each)
         * when rows are */
        ait_sb_printf(b, "%s{\nfloat *const strip = s0 + %lld%s;\n",
                      split == SPLIT_COLS ? ait_arena_printf(g->arena, "if (task_ == %d) ", T - 1) : "", strip_at,
                      split == SPLIT_ROWS ? ait_arena_printf(g->arena, " + (long)task_ * %lld", K * c.vl) : "");
        if (fused) {
            im2col_cols(b, n->params, "strip", c.vl, whole, ait_arena_printf(g->arena, "%lld", N));
            ait_sb_printf(b, "for (long k = 0; k < %lld; k++)\nfor (long j = %s; j < %d; j++)\nstrip[k * %d + j] = 0;\n",
                          K, rest, c.vl, c.vl);
        } else {
            ait_sb_printf(b, "for (long k = 0; k < %lld; k++)\n"
                             "for (long j = 0; j < %d; j++)\nstrip[k * %d + j] = %s + j < %lld ? xs[k * %lld + %s + j] : 0;\n",
                          K, c.vl, c.vl, whole, N, N, whole);
        }
        wx_panels(b, g, n, &c, M, K, N, bias, row0, split == SPLIT_ROWS, wx_strip, &x);
        ait_sb_puts(b, "}\n");
    }
}

static void emit_wx(ait_sb *b, const ait_graph *g, const ait_node *n, int im2col)
{
    const ait_conv_params *p = n->params;
    long long M = p->cout, K = p->cin * p->k[1] * p->k[2], N = p->out[1] * p->out[2];
    wx_split_by split = wx_split(g, n);
    long long fused = fused_width(g, n, split);
    if (fused) {
        if (split)
            ait_emit_phase(b, 0);
        weights_ptr(b, g, n, NULL, K);
        wx_gemm(b, g, n, M, K, N, NULL, K * fused * (split == SPLIT_COLS ? ait_split(g, n) : 1), split, fused);
        if (split)
            ait_sb_puts(b, "}\n");
        return;
    }
    im2col_then_gemm(b, g, p, im2col, split != SPLIT_NONE);
    ait_sb_printf(b, "const float *const xs = %s;\n", im2col ? "s0" : "x0");
    weights_ptr(b, g, n, NULL, K);
    wx_gemm(b, g, n, M, K, N, NULL, im2col ? K * N : 0, split, 0);
    if (split)
        ait_sb_puts(b, "}\n");
}

/* Scratch of one group of a grouped Conv: its im2col (unless 1x1) and its strip. */
static size_t grouped_scratch_floats(const ait_graph *g, const ait_node *n)
{
    const ait_conv_params *p = n->params;
    const ait_simd_cfg c = ait_simd_node_cfg(g, n);
    size_t K = (size_t)(p->cin / p->group * p->k[1] * p->k[2]), N = (size_t)(p->out[1] * p->out[2]);
    size_t strip = N % (size_t)c.vl || g->extents_vary ? K * (size_t)c.vl : 0;
    return (pointwise(p) ? 0 : K * N) + strip + decode_floats(g, n, (long long)K);
}

static int grouped_split(const ait_graph *g, const ait_node *n)
{
    const ait_conv_params *p = n->params;
    return ait_split(g, n) && p->group >= 2 && ait_node_flops(g, n) >= AIT_SIMD_SPLIT_MIN_FLOPS;
}

/* A grouped Conv (ResNeXt, RegNet, a depthwise multiplier) as one WX GEMM per group: the group's
 * input channels (through im2col unless 1x1), its packed weight panels, its output rows.  Split
 * into tasks, each takes whole groups, with scratch of its own. */
static void emit_grouped(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_conv_params *p = n->params;
    const ait_simd_cfg c = ait_simd_node_cfg(g, n);
    long long G = p->group, cig = p->cin / G, Mg = p->cout / G, K = cig * p->k[1] * p->k[2],
              N = p->out[1] * p->out[2], plane = p->in[1] * p->in[2];
    long long wstride = (Mg + c.mr - 1) / c.mr * K * c.mr;
    int pw = pointwise(p), split = grouped_split(g, n);
    if (split) {
        ait_emit_phase(b, 0);
        ait_emit_task_part(b, g, "grp", G, 1);
        ait_sb_printf(b, "float *const st_ = s0 + (long)task_ * %zu;\n{\nfloat *const s0 = st_;\n",
                      grouped_scratch_floats(g, n));
        ait_sb_puts(b, "for (long grp = grp_lo; grp < grp_hi; grp++) {\n");
    } else {
        ait_sb_printf(b, "for (long grp = 0; grp < %lld; grp++) {\n", G);
    }
    ait_sb_printf(b, "const long g0 = grp * %lld;\n", Mg);
    weights_ptr(b, g, n, ait_arena_printf(g->arena, "grp * %lld", wstride), K);
    if (pw) {
        ait_sb_printf(b, "const float *const xs = x0 + grp * %lld;\n", cig * plane);
    } else {
        ait_conv_params q = *p;
        q.cin = cig;
        ait_sb_printf(b, "{\nconst float *const xg = x0 + grp * %lld;\n{\nconst float *const x0 = xg;\n", cig * plane);
        ait_simd_im2col(b, g, &q, 0, "s0");
        ait_sb_puts(b, "}\n}\nconst float *const xs = s0;\n");
    }
    wx_gemm(b, g, n, Mg, K, N, "g0", pw ? 0 : K * N, SPLIT_NONE, 0);
    ait_sb_puts(b, split ? "}\n}\n}\n" : "}\n");
}

/* Knob order 1: the same GEMM turned around, Y^T[N,M] = X^T[N,K] W^T[K,M], so vectors run
 * along output channels (W packed in column panels, as XW) and a register tile covers R
 * output pixels; made for small images (7x7: 49 pixels are 3 vectors and a 1-column strip
 * the other way round, but 7 tiles of 7 here).  Each tile is stored transposed through a
 * buffer, with bias and epilogue on the way.
 *
 * Channel panels are outermost: the tiles of one panel share its weights from cache, and
 * each prefetches a share of the next panel (`wn`), so weights that come cold from memory
 * stream in under the arithmetic instead of ahead of it (measured on 1x1 convs at 7x7 with
 * cold caches: 25% faster than pixel tiles outermost, 5-10% hot). */
static void xw_tile(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_simd_cfg *c, int R, int V,
                    long long K, long long N, long long channels, long long kc)
{
    int nr = c->nv * c->vl;
    char afmt[64], bfmt[64], khi[32];
    snprintf(afmt, sizeof afmt, "xs[k * %lld + p0 + %%d]", N);
    snprintf(bfmt, sizeof bfmt, "wb + k * %d + %%d * %d", nr, c->vl);
    snprintf(khi, sizeof khi, "%lld", K);
    ait_sb_puts(b, "{\n");
    /* tile t of the panel fetches steps [t K, (t + 1) K) of the next one, a cache line (16
     * floats, or the panel's width if less) a step; every address stays inside that panel */
    int step = nr < 16 ? nr : 16, lines = nr / step;
    char pf[64];
    ait_sb_printf(b, "const %s *const pw = wn + (p0 / %d < %d ? p0 / %d : %d) * %lld;\n", ait_simd_wtype(g, n), R,
                  lines, R, lines - 1, K * step);
    snprintf(pf, sizeof pf, "AIT_PREFETCH(pw + k * %d);\n", step);
    if (kc) { /* sums of the earlier blocks resumed from acc_, saved for the later ones */
        char saved[64];
        snprintf(saved, sizeof saved, "acc_ + (p0 + %%d) * %d + %%d * %d", nr, c->vl);
        ait_simd_tile_resume(b, R, V, "kb", "ke", afmt, ait_simd_wload(g, n), bfmt, pf, "kb > 0", saved);
        ait_sb_printf(b, "if (ke < %lld) {\n", K);
        for (int r = 0; r < R; r++)
            for (int v = 0; v < V; v++)
                ait_sb_printf(b, "AIT_ST(acc_ + (p0 + %d) * %d + %d, c_%d_%d);\n", r, nr, v * c->vl, r, v);
        ait_sb_puts(b, "} else {\n");
    } else {
        ait_simd_tile_ld(b, R, V, "0", khi, afmt, ait_simd_wload(g, n), bfmt, pf);
    }
    ait_simd_scale_cols(b, g, n, R, V, "ws + c0");
    ait_sb_printf(b, "float t[%d][%d];\n", R, V * c->vl);
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++)
            ait_sb_printf(b, "AIT_ST(&t[%d][%d], c_%d_%d);\n", r, v * c->vl, r, v);
    ait_sb_printf(b, "for (long j = 0; j < %lld; j++) {\n", channels);
    if (ait_node_in(g, n, 2))
        ait_sb_puts(b, "const float bj = x2[c0 + j];\n");
    ait_sb_printf(b, "for (long r = 0; r < %d; r++) {\nconst long yi = (c0 + j) * %lld + p0 + r;\nfloat v = t[r][j]%s;\n",
                  R, N, ait_node_in(g, n, 2) ? " + bj" : "");
    ait_emit_epilogue(b, g, n, "v", "yi");
    ait_sb_puts(b, "y0[yi] = v;\n}\n}\n}\n");
    if (kc)
        ait_sb_puts(b, "}\n");
}

/* Every pixel tile of the channel panel at c0 (V vectors, `channels` of them real), each
 * prefetching its share of the next panel. */
static void xw_pixels(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_simd_cfg *c, int V, long long K,
                      long long N, long long channels, int by_pixels, long long kc)
{
    long long full = N / c->mr, tail = N % c->mr;
    if (kc)
        ait_sb_printf(b, "for (long kb = 0; kb < %lld; kb += %lld) {\nconst long ke = kb + %lld < %lld ? kb + %lld : %lld;\n",
                      K, kc, kc, K, kc, K);
    if (full) {
        if (by_pixels)
            ait_sb_printf(b, "for (long p0 = pt_lo * %d; p0 < (pt_hi < %lld ? pt_hi : %lld) * %d; p0 += %d)\n", c->mr,
                          full, full, c->mr, c->mr);
        else
            ait_sb_printf(b, "for (long p0 = 0; p0 < %lld; p0 += %d)\n", full * c->mr, c->mr);
        xw_tile(b, g, n, c, c->mr, V, K, N, channels, kc);
    }
    if (tail) {
        ait_sb_printf(b, "%s{\nconst long p0 = %lld;\n",
                      by_pixels ? ait_arena_printf(g->arena, "if (pt_hi > %lld) ", full) : "", full * c->mr);
        xw_tile(b, g, n, c, (int)tail, V, K, N, channels, kc);
        ait_sb_puts(b, "}\n");
    }
    if (kc)
        ait_sb_puts(b, "}\n");
}

/* XW's block of K steps (0: one block): the block knob, else 512 past 1024 steps.  A panel's
 * tiles each sweep all K steps of its weights and of X: at layer4 of ResNet (K 4608, 49
 * pixels, 48 channels a panel) the two are 1.8 MB, past L2, and a tile ran at 137-160 GFLOP/s;
 * in blocks of 512 both stay in L2 while every tile of the panel passes, 195-205 (tile sums
 * saved between blocks, so the same bits). */
static long long xw_kblock(const ait_graph *g, const ait_node *n, long long K)
{
    const ait_simd_cfg c = ait_simd_node_cfg(g, n);
    long long kc = c.block > 0 ? c.block : K > 1024 ? 512 : 0;
    return kc < K ? kc : 0;
}

/* Split into tasks, XW takes whole channel panels (the last, zero-padded one included), or where
 * there are fewer panels than tasks, whole pixel tiles of every panel. */
typedef enum { XW_SERIAL, XW_BY_PANELS, XW_BY_PIXELS } xw_split_by;

static xw_split_by xw_split(const ait_graph *g, const ait_node *n)
{
    const ait_conv_params *p = n->params;
    const ait_simd_cfg c = ait_simd_node_cfg(g, n);
    int T = ait_split(g, n), nr = c.nv * c.vl;
    long long N = p->out[1] * p->out[2];
    if (!T || ait_node_flops(g, n) < AIT_SIMD_SPLIT_MIN_FLOPS)
        return XW_SERIAL;
    return (p->cout + nr - 1) / nr >= T ? XW_BY_PANELS : (N + c.mr - 1) / c.mr >= T ? XW_BY_PIXELS : XW_SERIAL;
}

/* Every channel panel, outermost: whole panels, then the zero-padded last one. */
static void emit_xw(ait_sb *b, const ait_graph *g, const ait_node *n, int im2col)
{
    const ait_conv_params *p = n->params;
    const ait_simd_cfg c = ait_simd_node_cfg(g, n);
    long long M = p->cout, K = p->cin * p->k[1] * p->k[2], N = p->out[1] * p->out[2];
    int nr = c.nv * c.vl;
    xw_split_by split = xw_split(g, n);
    long long full = M / nr, rest = M % nr, padded = (M + nr - 1) / nr * nr;
    im2col_then_gemm(b, g, p, im2col, split != XW_SERIAL);
    if (split == XW_BY_PANELS)
        ait_emit_task_part(b, g, "cp", full + (rest > 0), 1);
    else if (split == XW_BY_PIXELS)
        ait_emit_task_part(b, g, "pt", (N + c.mr - 1) / c.mr, 1);
    ait_sb_printf(b, "const float *const xs = %s;\n", im2col ? "s0" : "x0");
    weights_ptr(b, g, n, NULL, K);
    const char *wt = ait_simd_wtype(g, n);
    long long kc = xw_kblock(g, n, K);
    if (kc) /* each task's block sums, past the im2col; by pixels, tasks keep to their own rows */
        ait_sb_printf(b, "float *const acc_ = s0 + %lld%s;\n", im2col ? K * N : 0,
                      split == XW_BY_PANELS ? ait_arena_printf(g->arena, " + (long)task_ * %lld", N * nr) : "");
    if (full) {
        if (split == XW_BY_PANELS)
            ait_sb_printf(b, "for (long c0 = cp_lo * %d; c0 < (cp_hi < %lld ? cp_hi : %lld) * %d; c0 += %d) {\n", nr,
                          full, full, nr, nr);
        else
            ait_sb_printf(b, "for (long c0 = 0; c0 < %lld; c0 += %d) {\n", full * nr, nr);
        ait_sb_printf(b, "const %s *const wb = wp + c0 * %lld;\n"
                         "const %s *const wn = wp + (c0 + %d < %lld ? c0 + %d : c0) * %lld;\n",
                      wt, K, wt, nr, padded, nr, K);
        xw_pixels(b, g, n, &c, c.nv, K, N, nr, split == XW_BY_PIXELS, kc);
        ait_sb_puts(b, "}\n");
    }
    if (rest) {
        ait_sb_printf(b, "%s{\nconst long c0 = %lld;\nconst %s *const wb = wp + c0 * %lld, *const wn = wb;\n",
                      split == XW_BY_PANELS ? ait_arena_printf(g->arena, "if (cp_hi > %lld) ", full) : "", full * nr,
                      wt, K);
        xw_pixels(b, g, n, &c, (int)((rest + c.vl - 1) / c.vl), K, N, rest, split == XW_BY_PIXELS, kc);
        ait_sb_puts(b, "}\n");
    }
    if (split)
        ait_sb_puts(b, "}\n");
}

static ait_simd_window depthwise_window(const ait_graph *g, const ait_conv_params *p)
{
    ait_simd_window w = {.kind = AIT_WIN_CONV, .c = p->cin, .ih = p->in[1], .iw = p->in[2], .oh = p->out[1],
                         .ow = p->out[2], .kh = p->k[1], .kw = p->k[2], .sh = p->stride[1], .sw = p->stride[2],
                         .dh = p->dil[1], .dw = p->dil[2], .pt = p->pad_lo[1], .pl = p->pad_lo[2],
                         .vl = ait_simd_base(g)->vl};
    return w;
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    int kind = ait_simd_conv_kind(g, n);
    if (kind == 1) {
        const ait_simd_window w = depthwise_window(g, n->params);
        ait_simd_emit_window(b, g, n, &w);
    }
    else if (ait_simd_winograd_m(g, n))
        ait_simd_emit_winograd(b, g, n);
    else if (kind == 4)
        emit_grouped(b, g, n);
    else if (is_xw(g, n, kind)) /* XW's tiles change shape with N */
        emit_xw(b, g, n, kind == 3);
    else
        emit_wx(b, g, n, kind == 3);
}

static size_t scratch(const ait_graph *g, const ait_node *n)
{
    const ait_conv_params *p = n->params;
    int kind = ait_simd_conv_kind(g, n);
    if (kind == 1) {
        const ait_simd_window w = depthwise_window(g, p);
        return ait_simd_window_scratch(g, n, &w);
    }
    if (ait_simd_winograd_m(g, n))
        return ait_simd_winograd_scratch(g, n);
    if (kind == 4) /* each task's groups in scratch of its own */
        return sizeof(float) * grouped_scratch_floats(g, n) * (size_t)(grouped_split(g, n) ? ait_split(g, n) : 1);
    const ait_simd_cfg c = ait_simd_node_cfg(g, n);
    size_t K = (size_t)(p->cin * p->k[1] * p->k[2]), N = (size_t)(p->out[1] * p->out[2]);
    /* WX's last columns: a strip, one per task when tasks share the rows */
    size_t strip = (!is_xw(g, n, kind) && N % (size_t)c.vl) || g->extents_vary ? K * (size_t)c.vl : 0;
    if (wx_split(g, n) == SPLIT_ROWS)
        strip *= (size_t)ait_split(g, n);
    size_t decode = is_xw(g, n, kind) ? 0 : decode_floats(g, n, (long long)K) *
                                                 (size_t)(wx_split(g, n) != SPLIT_NONE ? ait_split(g, n) : 1);
    size_t acc = is_xw(g, n, kind) && xw_kblock(g, n, (long long)K)
                     ? N * (size_t)(c.nv * c.vl) * (size_t)(xw_split(g, n) == XW_BY_PANELS ? ait_split(g, n) : 1)
                     : 0;
    wx_split_by split = is_xw(g, n, kind) ? SPLIT_NONE : wx_split(g, n);
    long long fused = fused_width(g, n, split);
    size_t cols = fused ? K * (size_t)fused * (size_t)(split == SPLIT_COLS ? ait_split(g, n) : 1)
                        : kind == 3 ? K * N : 0;
    return sizeof(float) * (cols + strip + decode + acc);
}

static int phases(const ait_graph *g, const ait_node *n)
{
    int kind = ait_simd_conv_kind(g, n);
    if (kind == 1) {
        const ait_simd_window w = depthwise_window(g, n->params);
        return ait_simd_window_phases(g, n, &w);
    }
    if (kind == 4)
        return grouped_split(g, n);
    if (ait_simd_winograd_m(g, n))
        return ait_simd_winograd_phases(g, n);
    int split = is_xw(g, n, kind) ? xw_split(g, n) != XW_SERIAL : wx_split(g, n) != SPLIT_NONE;
    int fused = !is_xw(g, n, kind) && fused_width(g, n, wx_split(g, n)); /* no im2col phase */
    return split ? 1 + (kind == 3 && !fused) : 0;
}

static int applies(const ait_graph *g, const ait_node *n)
{
    int kind = ait_simd_conv_kind(g, n);
    return kind == 1 || (kind >= 2 && n->pack_in);
}

const ait_template ait_simd_conv = {
    .family = "conv", .applies = applies, .emit = emit, .scratch_bytes = scratch, .phases = phases};
