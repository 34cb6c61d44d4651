/* The int8 backend's integer kernels (int8.h): Conv as W X (vectors along pixels, a weight word
 * broadcast), Gemm / MatMul as X W (vectors along output columns, an activation word broadcast). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gen/kernel.h"
#include "gen/passes.h"
#include "ir/calib.h"
#include "templates/emit_util.h"
#include "templates/int8/int8.h"

/* int32 lanes of a VNNI vector: the layouts pad pixels (Conv) and columns (Gemm) to it */
enum { QV = 16 };
/* register tiles of the VNNI path: rows x vectors accumulators, plus a load per vector */
enum { CONV_MR = 4, CONV_NV = 4, MM_MR = 4, MM_NV = 4, MM_NR = QV * MM_NV };

int ait_int8_handles(const ait_graph *g, const ait_node *n)
{
    if (n->folded || n->removed || g->extents_vary)
        return 0;
    const ait_tensor *x = ait_node_in(g, n, 0), *w = ait_node_in(g, n, 1), *y = ait_node_out(g, n, 0);
    if (!x || !w || !y || x->data || x->dtype != AIT_DT_FLOAT || w->dtype != AIT_DT_FLOAT || !w->data ||
        y->dtype != AIT_DT_FLOAT)
        return 0;
    if (n->op == AIT_OP_CONV) {
        int kind = ait_simd_conv_kind(g, n);
        return kind == 2 || kind == 3;
    }
    return ait_simd_matmul_packs(g, n);
}

typedef struct {
    float scale, inv;
    int zp;
} act_quant;

static int input_quant(const ait_graph *g, const ait_node *n, act_quant *q)
{
    float lo, hi;
    if (!ait_calib_range(g->calib, ait_node_in(g, n, 0)->name, &lo, &hi))
        return 0;
    ait_calib_qparams(lo, hi, &q->scale, &q->zp);
    q->inv = 1.0f / q->scale;
    return 1;
}

/* The GEMM: M x N outputs over K (padded to K4 words); Np the padded pixels (Conv) or columns:
 * Gemm's panels of MM_NR columns, the last only as wide as its columns' vectors (a 10-class
 * head is one 16-column panel, not 64: a quarter of the constants). */
typedef struct {
    int conv, im2col;
    long long M, K, N, K4, Np, panels;
} geom;

static geom geom_of(const ait_graph *g, const ait_node *n)
{
    geom G = {0};
    if (n->op == AIT_OP_CONV) {
        const ait_conv_params *p = n->params;
        G.conv = 1;
        G.im2col = ait_simd_conv_kind(g, n) == 3;
        G.M = p->cout;
        G.K = p->cin * p->k[1] * p->k[2];
        G.N = p->out[1] * p->out[2];
        G.Np = (G.N + QV - 1) / QV * QV;
    } else {
        const ait_matmul_params *p = n->params;
        G.K = p->k;
        G.N = p->n;
        G.M = ait_tensor_numel(ait_node_in(g, n, 0)) / p->k;
        G.panels = (G.N + MM_NR - 1) / MM_NR;
        G.Np = (G.N + QV - 1) / QV * QV;
    }
    G.K4 = (G.K + 3) / 4;
    return G;
}

/* --- packing ------------------------------------------------------------------- */

/* Weight (output o, reduction k) of the node's constant W. */
static float weight_at(const ait_node *n, const float *w, const geom *G, long long o, long long k)
{
    const ait_matmul_params *p = n->params;
    int transposed = G->conv || (n->op == AIT_OP_GEMM && p->trans_b);
    return transposed ? w[o * G->K + k] : w[k * G->N + o];
}

/* Columns of Gemm panel `panel`: MM_NR, the last one its columns in whole vectors. */
static long long panel_width(const geom *G, long long panel)
{
    return panel + 1 < G->panels ? MM_NR : G->Np - panel * MM_NR;
}

/* Word (output o, k4) of the packed weights: Conv row-major [M][K4]; Gemm in panels of columns,
 * [panel][K4][panel_width], each panel at its first column times K4. */
static long long word_at(const geom *G, long long o, long long k4)
{
    long long panel = o / MM_NR;
    return G->conv ? o * G->K4 + k4 : panel * MM_NR * G->K4 + k4 * panel_width(G, panel) + o % MM_NR;
}

static void prepare_node(ait_graph *g, ait_node *n)
{
    act_quant q;
    if (n->pack_in || !ait_int8_handles(g, n) || !input_quant(g, n, &q))
        return;
    const geom G = geom_of(g, n);
    if (G.K4 * 4 > INT32_MAX / (255 * 127)) /* the int32 sums could overflow: fp32 */
        return;
    const float *w = ait_node_in(g, n, 1)->data;
    long long outs = G.conv ? G.M : G.N, slots = G.conv ? G.M : G.Np;
    for (long long o = 0; o < outs; o++)
        for (long long k = 0; k < G.K; k++)
            if (!isfinite(weight_at(n, w, &G, o, k)))
                return; /* the simd kernels keep such a node in fp32 */
    int32_t *wq = AIT_NEW(g->arena, int32_t, slots * G.K4);
    float *scale = AIT_NEW(g->arena, float, slots);
    int32_t *corr = AIT_NEW(g->arena, int32_t, slots);
    for (long long o = 0; o < outs; o++) {
        float mx = 0;
        for (long long k = 0; k < G.K; k++) {
            float a = fabsf(weight_at(n, w, &G, o, k));
            mx = a > mx ? a : mx;
        }
        const float sw = mx > 0 ? mx / 127.0f : 1.0f;
        int64_t sum = 0;
        for (long long k4 = 0; k4 < G.K4; k4++) {
            uint32_t word = 0;
            for (int kk = 0; kk < 4; kk++) {
                long long k = k4 * 4 + kk;
                long v = k < G.K ? lrintf(weight_at(n, w, &G, o, k) / sw) : 0;
                v = v > 127 ? 127 : v < -127 ? -127 : v;
                sum += v;
                word |= (uint32_t)(uint8_t)(int8_t)v << (8 * kk);
            }
            memcpy(&wq[word_at(&G, o, k4)], &word, sizeof word);
        }
        scale[o] = q.scale * sw;
        corr[o] = (int32_t)(q.zp * sum); /* |sum| <= 127 K: within int32 by the bound on K */
    }
    const char *base = n->name;
    int id = ait_simd_add_const(g, ait_arena_printf(g->arena, "%s#int8_w", base), AIT_DT_INT32, wq, slots * G.K4);
    n->pack_in = ait_node_append_input(g, n, id, n->op == AIT_OP_MATMUL ? 2 : 3);
    id = ait_simd_add_const(g, ait_arena_printf(g->arena, "%s#int8_scale", base), AIT_DT_FLOAT, scale, slots);
    n->pack_scale = ait_node_append_input(g, n, id, n->pack_in + 1);
    id = ait_simd_add_const(g, ait_arena_printf(g->arena, "%s#int8_zero", base), AIT_DT_INT32, corr, slots);
    ait_node_append_input(g, n, id, n->pack_scale + 1);
    n->unread_in |= 1u << 1;
}

void ait_int8_prepare_graph(ait_graph *g)
{
    for (int k = 0; k < g->n_nodes; k++)
        prepare_node(g, &g->nodes[k]);
}

void ait_int8_prelude(int vl, char *buf, size_t n)
{
    snprintf(buf, n,
             "/* int8 kernels: the int32 sum of the 4 uint8 activations of word x times the 4 int8\n"
             " * weights of word w (bits 0-7 the first), and an activation quantized (round half up,\n"
             " * clamped to 0..255) */\n"
             "static inline int32_t ait_dot4(uint32_t w, uint32_t x)\n{\n"
             "int32_t s = 0;\nint kk;\nfor (kk = 0; kk < 4; kk++) {\n"
             "const int32_t b = (int32_t)(w >> (8 * kk) & 0xffu);\n"
             "s += (int32_t)(x >> (8 * kk) & 0xffu) * (b - (b & 0x80) * 2);\n}\n"
             "return s;\n}\n"
             "static inline uint32_t ait_q8(float x, float inv, float zp)\n{\n"
             "float t = x * inv + zp;\nt = t > 0 ? t : 0;\nt = t < 255 ? t : 255;\nreturn (uint32_t)(t + 0.5f);\n}\n"
             "%s\n",
             vl == 16 ? "#if defined(__AVX512VNNI__) && defined(__AVX512F__)\n#include <immintrin.h>\n"
                        "#define AIT_I8_VNNI 1\n#else\n#define AIT_I8_VNNI 0\n#endif\n"
                      : "#define AIT_I8_VNNI 0\n");
}

/* --- kernels ------------------------------------------------------------------- */

/* Conv's B or Gemm's C (MatMul's slot 2 is its packed weights) */
static int has_bias(const ait_graph *g, const ait_node *n)
{
    return n->op != AIT_OP_MATMUL && ait_node_in(g, n, 2) != NULL;
}

/* The stored tile's last `rest` columns only (0: all): through a buffer, bias and epilogue per
 * element. */
static void store_rest(ait_sb *b, const ait_graph *g, const ait_node *n, int R, int V, const geom *G, int rest,
                       int bias)
{
    ait_sb_printf(b, "float t_[%d][%d];\n", R, V * QV);
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++)
            ait_sb_printf(b, "AIT_ST(&t_[%d][%d], c_%d_%d);\n", r, v * QV, r, v);
    ait_sb_printf(b, "for (long r = 0; r < %d; r++)\nfor (long j = 0; j < %d; j++) {\n", R, rest);
    ait_sb_printf(b, "const long yi = (m0 + r) * %lld + n0 + j;\nfloat v = t_[r][j];\n", G->N);
    if (bias)
        ait_sb_puts(b, G->conv ? "v += x2[m0 + r];\n" : "v += x2[n0 + j];\n");
    ait_emit_epilogue(b, g, n, "v", "yi");
    ait_sb_puts(b, "y0[yi] = v;\n}\n");
}

/* One K step of a VNNI tile: acc a_r_v += the vector v (at vec, one %d for its offset v * QV) times
 * the word of row r broadcast (bcast, one %d for r), 4 products a lane; the uint8 operand is the
 * vectors (vec_u8) or the broadcast word. */
static void dp_steps(ait_sb *b, int R, int V, const char *vec, const char *bcast, int vec_u8)
{
    for (int v = 0; v < V; v++) {
        ait_sb_printf(b, "const __m512i v_%d = _mm512_loadu_si512((const void *)(", v);
        ait_sb_printf(b, vec, v * QV);
        ait_sb_puts(b, "));\n");
    }
    for (int r = 0; r < R; r++) {
        ait_sb_puts(b, "{\nconst __m512i b_ = _mm512_set1_epi32(");
        ait_sb_printf(b, bcast, r);
        ait_sb_puts(b, ");\n");
        for (int v = 0; v < V; v++)
            ait_sb_printf(b, vec_u8 ? "a_%d_%d = _mm512_dpbusd_epi32(a_%d_%d, v_%d, b_);\n"
                                    : "a_%d_%d = _mm512_dpbusd_epi32(a_%d_%d, b_, v_%d);\n",
                          r, v, r, v, v);
        ait_sb_puts(b, "}\n");
    }
}

/* One VNNI tile of R rows x V vectors at (m0, n0); rest: its valid columns when fewer than V*QV. */
static void vnni_tile(ait_sb *b, const ait_graph *g, const ait_node *n, const geom *G, int R, int V, int rest)
{
    int bias = has_bias(g, n);
    ait_sb_puts(b, "{\n");
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++)
            ait_sb_printf(b, "__m512i a_%d_%d = _mm512_setzero_si512();\n", r, v);
    ait_sb_printf(b, "for (long k4 = 0; k4 < %lld; k4++) {\n", G->K4);
    if (G->conv) { /* 16 pixels x 4 k a vector; a weight word per row, broadcast */
        ait_sb_printf(b, "const uint32_t *const xp = xq + k4 * %lld + n0;\n", G->Np);
        dp_steps(b, R, V, "xp + %d", ait_arena_printf(g->arena, "wq[(m0 + %%d) * %lld + k4]", G->K4), 1);
    } else { /* 16 columns x 4 k a vector; an activation word per row, broadcast */
        ait_sb_printf(b, "const int32_t *const wp = wq + n0 * %lld + k4 * %d;\n", G->K4, V * QV); /* the panel's width */
        dp_steps(b, R, V, "wp + %d", ait_arena_printf(g->arena, "(int)xq[(m0 + %%d) * %lld + k4]", G->K4), 0);
    }
    ait_sb_puts(b, "}\n");
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) {
            if (G->conv)
                ait_sb_printf(b,
                              "ait_vf c_%d_%d = (ait_vf)_mm512_cvtepi32_ps(_mm512_sub_epi32(a_%d_%d, "
                              "_mm512_set1_epi32(zc[m0 + %d]))) * sc[m0 + %d];\n",
                              r, v, r, v, r, r);
            else
                ait_sb_printf(b,
                              "ait_vf c_%d_%d = (ait_vf)_mm512_cvtepi32_ps(_mm512_sub_epi32(a_%d_%d, "
                              "_mm512_loadu_si512((const void *)(zc + n0 + %d)))) * AIT_LD(sc + n0 + %d);\n",
                              r, v, r, v, v * QV, v * QV);
        }
    if (rest)
        store_rest(b, g, n, R, V, G, rest, bias);
    else
        ait_simd_store(b, g, n, R, V, G->N, bias && G->conv ? "x2[m0 + %d]" : NULL,
                       bias && !G->conv ? "x2 + n0" : NULL, NULL, NULL);
    ait_sb_puts(b, "}\n");
}

/* The tiles of rows at m0 (R of them): Conv's column blocks of nv vectors, then the last
 * columns, every column; Gemm's column panels [np_lo, np_hi) (a task's share), the last one
 * stored in part. */
static void vnni_cols(ait_sb *b, const ait_graph *g, const ait_node *n, const geom *G, int R)
{
    int nv = G->conv ? CONV_NV : MM_NV, nr = nv * QV;
    long long full = G->N / nr, rest = G->N - full * nr;
    if (full) {
        if (G->conv)
            ait_sb_printf(b, "for (long n0 = 0; n0 < %lld; n0 += %d)\n", full * nr, nr);
        else
            ait_sb_printf(b, "for (long n0 = np_lo * %d; n0 < (np_hi < %lld ? np_hi : %lld) * %d; n0 += %d)\n", nr,
                          full, full, nr, nr);
        vnni_tile(b, g, n, G, R, nv, 0);
    }
    if (rest) {
        int V = (int)((rest + QV - 1) / QV);
        ait_sb_printf(b, "%s{\nconst long n0 = %lld;\n", G->conv ? "" : ait_arena_printf(g->arena, "if (np_lo <= %lld && np_hi > %lld)\n", full, full),
                      full * nr);
        vnni_tile(b, g, n, G, R, V, rest == V * QV ? 0 : (int)rest);
        ait_sb_puts(b, "}\n");
    }
}

/* Row tiles over [m_lo, m_hi) (Conv: a task's share of whole tiles; the last tile holds the
 * rows past the last whole one). */
static void vnni_gemm(ait_sb *b, const ait_graph *g, const ait_node *n, const geom *G)
{
    int mr = G->conv ? CONV_MR : MM_MR;
    long long tail = G->M % mr;
    ait_sb_printf(b, "long m0 = m_lo;\nfor (; m0 + %d <= m_hi; m0 += %d) {\n", mr, mr);
    vnni_cols(b, g, n, G, mr);
    ait_sb_puts(b, "}\n");
    if (tail) {
        ait_sb_puts(b, "if (m0 < m_hi) {\n");
        vnni_cols(b, g, n, G, (int)tail);
        ait_sb_puts(b, "}\n");
    }
}

/* Any target: 16 int32 sums at a time in an array, the same integers as the VNNI path. */
static void portable_gemm(ait_sb *b, const ait_graph *g, const ait_node *n, const geom *G)
{
    int bias = has_bias(g, n);
    if (G->conv)
        ait_sb_printf(b, "for (long m = m_lo; m < m_hi; m++)\nfor (long j0 = 0; j0 < %lld; j0 += %d) {\n", G->N, QV);
    else
        ait_sb_printf(b, "for (long m = m_lo; m < m_hi; m++)\nfor (long j0 = np_lo * %d; j0 < np_hi * %d && j0 < %lld; "
                         "j0 += %d) {\n", MM_NR, MM_NR, G->N, QV);
    ait_sb_printf(b, "int32_t a_[%d] = {0};\nfor (long k4 = 0; k4 < %lld; k4++) {\n", QV, G->K4);
    if (G->conv)
        ait_sb_printf(b,
                      "const uint32_t w_ = (uint32_t)wq[m * %lld + k4];\n"
                      "const uint32_t *const xp = xq + k4 * %lld + j0;\n"
                      "for (long jj = 0; jj < %d; jj++)\na_[jj] += ait_dot4(w_, xp[jj]);\n",
                      G->K4, G->Np, QV);
    else
        ait_sb_printf(b,
                      "const int32_t *const wp = wq + j0 / %d * %lld + k4 * (j0 < %lld ? %d : %lld) + j0 %% %d;\n"
                      "const uint32_t x_ = xq[m * %lld + k4];\n"
                      "for (long jj = 0; jj < %d; jj++)\na_[jj] += ait_dot4((uint32_t)wp[jj], x_);\n",
                      MM_NR, MM_NR * G->K4, (G->panels - 1) * MM_NR, MM_NR, panel_width(G, G->panels - 1), MM_NR,
                      G->K4, QV);
    ait_sb_printf(b, "}\nfor (long jj = 0; jj < %d && j0 + jj < %lld; jj++) {\nconst long yi = m * %lld + j0 + jj;\n", QV,
                  G->N, G->N);
    const char *o = G->conv ? "m" : "j0 + jj";
    ait_sb_printf(b, "float v = (float)(a_[jj] - zc[%s]) * sc[%s];\n", o, o);
    if (bias)
        ait_sb_printf(b, "v += x2[%s];\n", o);
    ait_emit_epilogue(b, g, n, "v", "yi");
    ait_sb_puts(b, "y0[yi] = v;\n}\n}\n");
}

/* The word of 4 quantized values, the expressions of fmt (one %lld for k) at k0 .. k0 + 3, those
 * at k >= K zero. */
static void quant_word(ait_sb *b, const act_quant *q, const char *fmt, long long k0, long long K)
{
    for (int kk = 0; kk < 4 && k0 + kk < K; kk++) {
        ait_sb_puts(b, kk ? " | " : "");
        ait_sb_puts(b, "ait_q8(");
        ait_sb_printf(b, fmt, (long long)kk);
        ait_sb_printf(b, ", %.9gf, %d.0f)", q->inv, q->zp);
        if (kk)
            ait_sb_printf(b, " << %d", 8 * kk);
    }
}

/* The input as words of 4 uint8: Conv [K4][Np] (4 channels / taps of a pixel), Gemm [M][K4];
 * padding 0 (its weights are 0).  Conv's words k4 in [q_lo, q_hi), Gemm's rows (a task's share). */
static void quantize_input(ait_sb *b, const geom *G, const act_quant *q)
{
    long long full = G->K / 4, part = G->K % 4;
    char fmt[64];
    if (G->conv) {
        ait_sb_printf(b, "for (long k4 = q_lo; k4 < q_hi; k4++) {\nconst float *const src = xs + k4 * %lld;\n"
                         "uint32_t *const dst = xq + k4 * %lld;\n",
                      4 * G->N, G->Np);
        snprintf(fmt, sizeof fmt, "src[%%lld * %lld + j]", G->N);
        for (int last = 0; last < 2; last++) {
            if ((last && !part) || (!last && !full))
                continue;
            if (part && full)
                ait_sb_printf(b, last ? "else\n" : "if (k4 < %lld)\n", full);
            ait_sb_printf(b, "for (long j = 0; j < %lld; j++)\ndst[j] = ", G->N);
            quant_word(b, q, fmt, 0, last ? part : 4);
            ait_sb_puts(b, ";\n");
        }
        if (G->Np > G->N)
            ait_sb_printf(b, "for (long j = %lld; j < %lld; j++)\ndst[j] = 0;\n", G->N, G->Np);
        ait_sb_puts(b, "}\n");
        return;
    }
    ait_sb_printf(b, "for (long m = q_lo; m < q_hi; m++) {\nconst float *const src = x0 + m * %lld;\n", G->K);
    if (full) {
        ait_sb_printf(b, "for (long k4 = 0; k4 < %lld; k4++)\nxq[m * %lld + k4] = ", full, G->K4);
        quant_word(b, q, "src[k4 * 4 + %lld]", 0, 4);
        ait_sb_puts(b, ";\n");
    }
    if (part) {
        ait_sb_printf(b, "xq[m * %lld + %lld] = ", G->K4, full);
        snprintf(fmt, sizeof fmt, "src[%lld + %%lld]", full * 4);
        quant_word(b, q, fmt, 0, part);
        ait_sb_puts(b, ";\n");
    }
    ait_sb_puts(b, "}\n");
}

/* Below this much work a kernel stays serial: handing out tasks costs about a microsecond. */
static const double split_min_flops = 4e5;

/* Split into tasks: [im2col (input channels a task),] the quantizing pass (Conv's words / Gemm's
 * rows a task), the GEMM (Conv's row tiles, Gemm's column panels a task); each output element is
 * the same integers and float steps at any split, so the results are bitwise the serial ones. */
static int phases(const ait_graph *g, const ait_node *n)
{
    int T = ait_split(g, n);
    if (!T || ait_node_flops(g, n) < split_min_flops)
        return 0;
    const geom G = geom_of(g, n);
    long long units = G.conv ? (G.M + CONV_MR - 1) / CONV_MR : G.panels;
    return units >= T ? 2 + G.im2col : 0;
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const geom G = geom_of(g, n);
    act_quant q;
    input_quant(g, n, &q);
    int split = phases(g, n) > 0, ph = 0;
    ait_sb_printf(b, "/* int8: input scale %.9g, zero point %d (calibrated) */\n", q.scale, q.zp);
    if (G.conv)
        ait_sb_printf(b, "const float *const xs = %s;\n", G.im2col ? "s0" : "x0");
    ait_sb_printf(b, "uint32_t *const xq = (uint32_t *)(s0 + %lld);\n", G.im2col ? G.K * G.N : 0);
    ait_sb_printf(b, "const int32_t *const wq = x%d;\nconst float *const sc = x%d;\nconst int32_t *const zc = x%d;\n",
                  n->pack_in, n->pack_scale, n->pack_scale + 1);
    if (G.im2col) {
        if (split)
            ait_emit_phase(b, ph++);
        ait_simd_im2col(b, g, n->params, split, "s0");
        if (split)
            ait_sb_puts(b, "}\n");
    }
    long long qn = G.conv ? G.K4 : G.M;
    if (split) {
        ait_emit_phase(b, ph++);
        ait_emit_task_part(b, g, "q", qn, 1);
    } else {
        ait_sb_printf(b, "{\nconst long q_lo = 0, q_hi = %lld;\n", qn);
    }
    quantize_input(b, &G, &q);
    ait_sb_puts(b, "}\n");
    if (split)
        ait_emit_phase(b, ph++);
    else
        ait_sb_puts(b, "{\n");
    if (G.conv && split) {
        ait_emit_task_part(b, g, "mp", (G.M + CONV_MR - 1) / CONV_MR, 1);
        ait_sb_printf(b, "const long m_lo = mp_lo * %d, m_hi = mp_hi * %d < %lld ? mp_hi * %d : %lld;\n", CONV_MR,
                      CONV_MR, G.M, CONV_MR, G.M);
    } else {
        ait_sb_printf(b, "const long m_lo = 0, m_hi = %lld;\n", G.M);
    }
    if (!G.conv) {
        if (split)
            ait_emit_task_part(b, g, "np", G.panels, 1);
        else
            ait_sb_printf(b, "const long np_lo = 0, np_hi = %lld;\n", G.panels);
    }
    if (ait_simd_base(g)->vl == 16) {
        ait_sb_puts(b, "#if AIT_I8_VNNI\n");
        vnni_gemm(b, g, n, &G);
        ait_sb_puts(b, "#else\n");
        portable_gemm(b, g, n, &G);
        ait_sb_puts(b, "#endif\n");
    } else {
        portable_gemm(b, g, n, &G);
    }
    ait_sb_puts(b, "}\n");
}

static size_t scratch(const ait_graph *g, const ait_node *n)
{
    const geom G = geom_of(g, n);
    size_t im2col = G.im2col ? (size_t)(G.K * G.N) * sizeof(float) : 0;
    size_t words = (size_t)(G.conv ? G.K4 * G.Np : G.M * G.K4) * 4;
    return im2col + words;
}

static const ait_template int8_gemm = {
    .family = "int8_gemm", .emit = emit, .scratch_bytes = scratch, .phases = phases};

const ait_template *ait_int8_template(const ait_graph *g, const ait_node *n)
{
    const ait_tensor *w = n->pack_in ? ait_node_in(g, n, n->pack_in) : NULL;
    act_quant q;
    /* what this file's prepare packed: int32 weight words and two vectors per output */
    if (!w || w->dtype != AIT_DT_INT32 || !n->pack_scale || n->pack_scale + 1 >= n->n_in || !ait_int8_handles(g, n) ||
        !input_quant(g, n, &q))
        return NULL;
    return &int8_gemm;
}
