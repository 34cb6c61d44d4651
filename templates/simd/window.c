/* simd: sliding windows over 2-D planes, one channel at a time: depthwise
 * Conv, MaxPool and AveragePool.  Each channel is first copied into a padded
 * plane (for stride 2, its even and odd columns as two planes, so every load
 * is contiguous); then tiles of R output rows x V vectors, each an
 * independent accumulator, run over the window taps. */
#include <inttypes.h>
#include <stdio.h>

#include "gen/passes.h"
#include "templates/emit_util.h"
#include "templates/simd/simd.h"

/* The padded plane covers every window of a row rounded up to whole vectors. */
static void plane_dims(const ait_simd_window *w, int64_t *rows, int64_t *cols)
{
    const int vl = w->vl;
    int64_t OWv = (w->ow + vl - 1) / vl * vl;
    *rows = (w->oh - 1) * w->sh + (w->kh - 1) * w->dh + 1;
    *cols = (OWv - 1) * w->sw + (w->kw - 1) * w->dw + 1;
}

/* Floats of one task's padded planes. */
static size_t plane_floats(const ait_simd_window *w)
{
    int64_t rows, cols;
    plane_dims(w, &rows, &cols);
    return (size_t)(2 * rows * cols + 16);
}

/* Below this many taps in all a window kernel stays serial: handing out tasks costs about a
 * microsecond. */
static const double split_min_taps = 2e5;

int ait_simd_window_phases(const ait_graph *g, const ait_node *n, const ait_simd_window *w)
{
    (void)n;
    int T = ait_split(g, n);
    return T && w->c >= T && (double)w->c * (double)(w->oh * w->ow) * (double)(w->kh * w->kw) >= split_min_taps;
}

/* Split into tasks: bands of output rows of every channel where the image is tall enough (the
 * 1x1 Convs around a depthwise one share the image in bands of pixels too, so each task reads
 * what its own core wrote), else whole channels. */
static int by_bands(const ait_graph *g, const ait_simd_window *w)
{
    return w->oh >= 4 * ait_split(g, NULL);
}

size_t ait_simd_window_scratch(const ait_graph *g, const ait_node *n, const ait_simd_window *w)
{
    /* a plane per task */
    return sizeof(float) * plane_floats(w) * (size_t)(ait_simd_window_phases(g, n, w) ? ait_split(g, n) : 1);
}

/* plane[r][j] = x[r - pad_top][step * j + off - pad_left] of channel xc, `fill` outside the
 * input; the bounds are constants, so the copy is a plain (vectorizable) loop. */
/* `v`, or with band (a task's rows of the plane, [pr_lo, pr_hi)) v raised to pr_lo / lowered to pr_hi */
static const char *band_lo(char *buf, int band, int64_t v)
{
    snprintf(buf, 64, band ? "(%" PRId64 " > pr_lo ? %" PRId64 " : pr_lo)" : "%" PRId64, v, v);
    return buf;
}

static const char *band_hi(char *buf, int band, int64_t v)
{
    snprintf(buf, 64, band ? "(%" PRId64 " < pr_hi ? %" PRId64 " : pr_hi)" : "%" PRId64, v, v);
    return buf;
}

static void emit_plane(ait_sb *b, const ait_simd_window *w, const char *plane, int64_t rows, int64_t cols,
                       int64_t step, int64_t off, const char *fill, int band)
{
    char lo[64], hi[64];
    int64_t IH = w->ih, IW = w->iw, PT = w->pt, PL = w->pl;
    int64_t rlo = PT < rows ? PT : rows, rhi = PT + IH < rows ? PT + IH : rows;
    /* columns j with 0 <= step * j + off - PL < IW */
    int64_t jlo = PL - off > 0 ? (PL - off + step - 1) / step : 0;
    int64_t jhi = IW - 1 + PL - off >= 0 ? (IW - 1 + PL - off) / step + 1 : 0;
    jlo = jlo < cols ? jlo : cols;
    jhi = jhi < jlo ? jlo : jhi < cols ? jhi : cols;
    rhi = rhi < rlo ? rlo : rhi;
    /* fill rows before and after, then the rows that read the input (no control flow inside
     * the row loop: gcc 12 miscompiles the outer-loop vectorization of a row loop that
     * skips rows with `continue`, found by tests/test_passes.c) */
    ait_sb_printf(b, "for (long j = %s * %" PRId64 "; j < %s * %" PRId64 "; j++)\n%s[j] = %s;\n", band ? "pr_lo" : "0",
                  cols, band_hi(hi, band, rlo), cols, plane, fill);
    const int vl = w->vl;
    /* rows copied as whole vectors: all, or where a row is narrower than a vector (it reads on
     * into the rows after it), those whose read stays inside the channel */
    int64_t n = jhi - jlo, c0 = jlo + off - PL, vec_rows = rhi;
    if (n < vl) {
        int64_t room = IH * IW - vl - c0; /* (r - PT) * IW may reach this */
        vec_rows = room < 0 ? rlo : PT + room / IW + 1;
        vec_rows = vec_rows < rlo ? rlo : vec_rows > rhi ? rhi : vec_rows;
    }
    if (step == 1 && vl > 1 && n > 0 && vec_rows > rlo) {
        /* whole vectors, row by row: the left border, the input row (its last vector overlaps
         * the one before), the right border; a store past the row's end lands on the next row,
         * written after it (or on the plane's slack) */
        ait_sb_printf(b, "for (long r = %s; r < %s; r++) {\nfloat *const row = %s + r * %" PRId64 ";\n"
                         "const float *const src = xc + (r - %" PRId64 ") * %" PRId64 " + %" PRId64 ";\n",
                      band_lo(lo, band, rlo), band_hi(hi, band, vec_rows), plane, cols, PT, IW, c0);
        ait_sb_printf(b, "const ait_vf fill = (ait_vf){0} + %s;\n", fill);
        for (int64_t j = 0; j < jlo; j += vl)
            ait_sb_printf(b, "AIT_ST(row + %" PRId64 ", fill);\n", j);
        for (int64_t j = 0; j + vl <= n || j == 0; j += vl)
            ait_sb_printf(b, "AIT_ST(row + %" PRId64 ", AIT_LD(src + %" PRId64 "));\n", jlo + j, j);
        if (n > vl && n % vl)
            ait_sb_printf(b, "AIT_ST(row + %" PRId64 ", AIT_LD(src + %" PRId64 "));\n", jhi - vl, n - vl);
        for (int64_t j = jhi; j < cols; j += vl)
            ait_sb_printf(b, "AIT_ST(row + %" PRId64 ", fill);\n", j);
        ait_sb_puts(b, "}\n");
        rlo = vec_rows;
    }
    /* stride 2: a vector of every other column from two loads and a shuffle, where both loads
     * stay inside the input row (so no read past the channel); the rest column by column */
    int64_t jv = jlo;
    if (step == 2 && vl > 1 && vl <= 16) {
        int64_t last_start = IW - 2 * vl - off + PL; /* 2 j + off - PL + 2 vl - 1 <= IW - 1 */
        while (jv + vl <= jhi && 2 * jv <= last_start)
            jv += vl;
    }
    if (jv > jlo) {
        char evens[128];
        size_t k = 0;
        for (int i = 0; i < vl; i++)
            k += (size_t)snprintf(evens + k, sizeof evens - k, ", %d", 2 * i);
        ait_sb_printf(b,
                      "for (long r = %s; r < %s; r++) {\nfloat *const row = %s + r * %" PRId64 ";\n"
                      "const long base = (r - %" PRId64 ") * %" PRId64 " + %" PRId64 ";\n"
                      "for (long j = 0; j < %" PRId64 "; j++)\nrow[j] = %s;\n"
                      "for (long j = %" PRId64 "; j < %" PRId64 "; j += %d) {\n"
                      "const ait_vf a_ = AIT_LD(xc + (base + 2 * j)), b_ = AIT_LD(xc + (base + 2 * j + %d));\n"
                      "AIT_ST(row + j, __builtin_shufflevector(a_, b_%s));\n}\n"
                      "for (long j = %" PRId64 "; j < %" PRId64 "; j++)\nrow[j] = xc[base + 2 * j];\n"
                      "for (long j = %" PRId64 "; j < %" PRId64 "; j++)\nrow[j] = %s;\n}\n",
                      band_lo(lo, band, rlo), band_hi(hi, band, rhi), plane, cols, PT, IW, off - PL, jlo, fill, jlo,
                      jv, vl, vl, evens, jv, jhi, jhi, cols, fill);
    } else {
        ait_sb_printf(b,
                      "for (long r = %s; r < %s; r++) {\nfloat *const row = %s + r * %" PRId64 ";\n"
                      "for (long j = 0; j < %" PRId64 "; j++)\nrow[j] = %s;\n"
                      "for (long j = %" PRId64 "; j < %" PRId64 "; j++)\nrow[j] = xc[(r - %" PRId64 ") * %" PRId64
                      " + %" PRId64 " * j + %" PRId64 "];\n"
                      "for (long j = %" PRId64 "; j < %" PRId64 "; j++)\nrow[j] = %s;\n}\n",
                      band_lo(lo, band, rlo), band_hi(hi, band, rhi), plane, cols, jlo, fill, jlo, jhi, PT, IW, step,
                      off - PL, jhi, cols, fill);
    }
    char end[32];
    snprintf(end, sizeof end, "%" PRId64, rows);
    ait_sb_printf(b, "for (long j = %s * %" PRId64 "; j < %s * %" PRId64 "; j++)\n%s[j] = %s;\n", band_lo(lo, band, rhi),
                  cols, band ? "pr_hi" : end, cols, plane, fill);
}

/* One tile at (oh, ow): R output rows x V vectors, each its own accumulator over the taps
 * (planes, weights and bias as ait_simd_emit_window sets them up). */
static void tile(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_simd_window *w, int R, int V,
                 int spill_ok, int split)
{
    const int vl = w->vl;
    int64_t PHh, PWw;
    plane_dims(w, &PHh, &PWw);
    int64_t PE = (PWw + 1) / 2, PO = PWw / 2;
    int vec_epi = ait_simd_epilogue_vec(NULL, g, n, NULL, NULL);
    static const char *const init[] = {"(ait_vf){0} + bias", "(ait_vf){0} - INFINITY", "(ait_vf){0}"};
    ait_sb_puts(b, "{\n");
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++)
            ait_sb_printf(b, "ait_vf a%d_%d = %s;\n", r, v, init[w->kind]);
    for (int64_t kh = 0; kh < w->kh; kh++)
        for (int64_t kw = 0; kw < w->kw; kw++) {
            int64_t col = kw * w->dw;
            if (w->kind == AIT_WIN_CONV)
                ait_sb_printf(b, "{\nconst float w = wk[%" PRId64 "];\n", kh * w->kw + kw);
            else
                ait_sb_puts(b, "{\n");
            for (int r = 0; r < R; r++)
                for (int v = 0; v < V; v++) {
                    char ld[160];
                    if (w->sw == 1)
                        snprintf(ld, sizeof ld,
                                 "AIT_LD(pad + ((oh + %d) * %" PRId64 " + %" PRId64 ") * %" PRId64 " + ow + %" PRId64
                                 ")",
                                 r, w->sh, kh * w->dh, PWw, col + v * vl);
                    else
                        snprintf(ld, sizeof ld,
                                 "AIT_LD(%s + ((oh + %d) * %" PRId64 " + %" PRId64 ") * %" PRId64 " + ow + %" PRId64
                                 ")",
                                 col & 1 ? "od" : "ev", r, w->sh, kh * w->dh, col & 1 ? PO : PE, (col >> 1) + v * vl);
                    if (w->kind == AIT_WIN_CONV)
                        ait_sb_printf(b, "a%d_%d += w * %s;\n", r, v, ld);
                    else if (w->kind == AIT_WIN_MAX)
                        ait_sb_printf(b, "AIT_MAXNAN_INTO(a%d_%d, %s);\n", r, v, ld);
                    else
                        ait_sb_printf(b, "a%d_%d += %s;\n", r, v, ld);
                }
            ait_sb_puts(b, "}\n");
        }
    /* Where one tile holds a whole row (spill_ok), whole vectors are stored even past the row's
     * end, in row-major order: the extra lanes land on the next row (or channel), which is
     * stored afterwards, and only the tensor's last row goes through a buffer.  Where a row
     * takes several tiles, the next row's start was stored already by an earlier tile: a
     * vector that would cross the row's end goes through the buffer (inception_v3's 147 -> 73
     * MaxPool).  A vector epilogue runs before the store; any other after it, on the plane. */
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) {
            char acc[32];
            snprintf(acc, sizeof acc, "a%d_%d", r, v);
            if (w->kind == AIT_WIN_AVG) {
                ait_sb_printf(b, "%s *= ", acc);
                ait_emit_lit(b, AIT_DT_FLOAT, w->scale);
                ait_sb_puts(b, ";\n");
            }
            ait_sb_printf(b, "{\nconst long owv = ow + %d;\nconst long yi = (ch * %" PRId64 " + oh + %d) * %" PRId64
                             " + owv;\n",
                          v * vl, w->oh, r, w->ow);
            /* split into tasks, a spill must stay inside this task's channels (y_end) */
            if (spill_ok)
                ait_sb_printf(b, "if (yi + %d <= %s) {\n", vl,
                              split ? "y_end" : ait_arena_printf(g->arena, "%" PRId64, w->c * w->oh * w->ow));
            else
                ait_sb_printf(b, "if (owv + %d <= %" PRId64 ") {\n", vl, w->ow);
            if (vec_epi && n->n_epi) /* residual lanes past the tensor's end are never read */
                ait_simd_epilogue_vec(b, g, n, acc, "yi");
            ait_sb_printf(b, "AIT_ST(y0 + yi, %s);\n} else {\n", acc);
            /* the same bits as the vector path's, lane for lane: where a row ends does not depend
             * on how the channels are split */
            char lanes[96];
            snprintf(lanes, sizeof lanes, "(%" PRId64 " - owv < %d ? %" PRId64 " - owv : %d)", w->ow, vl, w->ow, vl);
            if (vec_epi && n->n_epi)
                ait_simd_epilogue_lanes(b, g, n, acc, "yi", lanes);
            ait_sb_printf(b, "float t[%d];\nAIT_ST(t, %s);\nfor (long j = 0; j < %d && owv + j < %" PRId64 "; j++)\n"
                             "y0[yi + j] = t[j];\n}\n}\n",
                          vl, acc, vl, w->ow);
        }
    ait_sb_puts(b, "}\n");
}

void ait_simd_emit_window(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_simd_window *w)
{
    const int vl = w->vl;
    int64_t PHh, PWw;
    plane_dims(w, &PHh, &PWw);
    int64_t PE = (PWw + 1) / 2, PO = PWw / 2; /* even/odd column planes for stride 2 */
    const char *fill = w->kind == AIT_WIN_MAX ? "-INFINITY" : "0";
    int vec_epi = ait_simd_epilogue_vec(NULL, g, n, NULL, NULL);
    int split = ait_simd_window_phases(g, n, w), band = split && by_bands(g, w);
    if (split) { /* each task with planes of its own */
        ait_emit_phase(b, 0);
        if (band) { /* its output rows [oh_lo, oh_hi), from the plane's rows [pr_lo, pr_hi) */
            ait_emit_task_part(b, g, "oh", w->oh, 1);
            ait_sb_printf(b, "const long pr_lo = oh_lo * %" PRId64 ", pr_hi = (oh_hi - 1) * %" PRId64 " + %" PRId64 ";\n",
                          w->sh, w->sh, (w->kh - 1) * w->dh + 1);
        } else {
            ait_emit_task_part(b, g, "ch", w->c, 1);
        }
        ait_sb_printf(b, "float *const st_ = s0 + (long)task_ * %zu;\n{\nfloat *const s0 = st_;\n", plane_floats(w));
        if (band)
            ait_sb_printf(b, "for (long ch = 0; ch < %" PRId64 "; ch++) {\n", w->c);
        else
            ait_sb_puts(b, "for (long ch = ch_lo; ch < ch_hi; ch++) {\n");
        /* a spill past a row's end stays inside what this task writes */
        ait_sb_printf(b, "const long y_end = %s * %" PRId64 ";\n(void)y_end;\n",
                      band ? ait_arena_printf(g->arena, "(ch * %" PRId64 " + oh_hi)", w->oh) : "ch_hi", band ? w->ow : w->oh * w->ow);
    } else {
        ait_sb_printf(b, "for (long ch = 0; ch < %" PRId64 "; ch++) {\n", w->c);
    }
    ait_sb_printf(b, "const float *const xc = x0 + ch * %" PRId64 ";\n", w->ih * w->iw);
    if (w->sw == 1) {
        ait_sb_puts(b, "float *const pad = s0;\n");
        emit_plane(b, w, "pad", PHh, PWw, 1, 0, fill, band);
    } else {
        ait_sb_printf(b, "float *const ev = s0, *const od = s0 + %" PRId64 ";\n", PHh * PE);
        emit_plane(b, w, "ev", PHh, PE, 2, 0, fill, band);
        emit_plane(b, w, "od", PHh, PO, 2, 1, fill, band);
    }
    if (w->kind == AIT_WIN_CONV) {
        ait_sb_printf(b, "const float *const wk = x1 + ch * %" PRId64 ";\n", w->kh * w->kw);
        ait_sb_printf(b, "const float bias = %s;\n", ait_node_in(g, n, 2) ? "x2[ch]" : "0");
    }
    /* tiles of R rows x V vectors: enough independent accumulators to cover the FMA latency on
     * two pipes (12 of 32 zmm; 8 where 16 registers hold accumulators and loads) */
    int64_t acc = vl == 16 ? 12 : 8;
    int64_t nvec = (w->ow + vl - 1) / vl, V = nvec < 4 ? nvec : 4, R = acc / V < w->oh ? acc / V : w->oh;
    int64_t nfull = nvec / V, rem = nvec % V, rows = w->oh / R * R;
    if (band) /* tiles of R rows while they fit the band, then single rows */
        ait_sb_puts(b, "{\nlong oh = oh_lo;\n");
    for (int pass = 0; pass < 2; pass++) {
        int64_t r_n = pass ? 1 : R, from = pass ? rows : 0, to = pass ? w->oh : rows;
        if (band)
            ait_sb_printf(b, "for (; oh + %" PRId64 " <= oh_hi; oh += %" PRId64 ") {\n", r_n, r_n);
        else if (from >= to)
            continue;
        else
            ait_sb_printf(b, "for (long oh = %" PRId64 "; oh < %" PRId64 "; oh += %" PRId64 ") {\n", from, to, r_n);
        ait_sb_printf(b, "for (long ow = 0; ow < %" PRId64 "; ow += %" PRId64 ")\n", nfull * V * vl, V * vl);
        tile(b, g, n, w, (int)r_n, (int)V, nvec <= V, split);
        if (rem) {
            ait_sb_printf(b, "{\nconst long ow = %" PRId64 ";\n", nfull * V * vl);
            tile(b, g, n, w, (int)r_n, (int)rem, nvec <= V, split);
            ait_sb_puts(b, "}\n");
        }
        ait_sb_puts(b, "}\n");
    }
    if (band)
        ait_sb_puts(b, "}\n");
    if (n->n_epi && !vec_epi) {
        char jlo[64], jhi[64];
        snprintf(jlo, sizeof jlo, band ? "oh_lo * %" PRId64 : "0 * %" PRId64, w->ow);
        snprintf(jhi, sizeof jhi, band ? "oh_hi * %" PRId64 : "%" PRId64, band ? w->ow : w->oh * w->ow);
        ait_sb_printf(b, "for (long j = %s; j < %s; j++) {\nconst long yi = ch * %" PRId64 " + j;\n"
                         "float v = y0[yi];\n",
                      band ? jlo : "0", jhi, w->oh * w->ow);
        ait_emit_epilogue(b, g, n, "v", "yi");
        ait_sb_puts(b, "y0[yi] = v;\n}\n");
    }
    ait_sb_puts(b, split ? "}\n}\n}\n" : "}\n");
}
