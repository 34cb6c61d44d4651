/* Register tiles and weight packing shared by the simd templates. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gen/passes.h"
#include "templates/emit_util.h"
#include "templates/simd/simd.h"

ait_simd_cfg ait_simd_default_cfg(int vl)
{
    /* accumulators + loads within the register file: 32 zmm, 16 ymm/xmm (x86), 32 q (NEON);
     * scalar tiles leave gcc room to keep 16 sums in registers */
    ait_simd_cfg c = {.vl = vl, .mr = vl == 16 ? 6 : 4, .nv = vl == 16 ? 4 : vl == 8 ? 3 : vl == 4 ? 2 : 4};
    return c;
}

static const ait_simd_cfg scalar_tiles = {1, 4, 4, 0, 0, AIT_WF_F32};

const ait_simd_cfg *ait_simd_base(const ait_graph *g)
{
    return g && g->backend_cfg ? g->backend_cfg : &scalar_tiles;
}

ait_simd_cfg ait_simd_node_cfg(const ait_graph *g, const ait_node *n)
{
    ait_simd_cfg c = *ait_simd_base(g);
    int *fields[AIT_KNOB_SERIAL] = {&c.mr, &c.nv, &c.order, &c.block};
    for (int i = 0; i < AIT_KNOB_SERIAL; i++)
        if (n->knobs[i] > 0)
            *fields[i] = n->knobs[i];
    c.nv = ait_simd_fit_nv(n, c.order, c.vl, c.nv);
    return c;
}

/* nv vectors a tile along a GEMM's packed columns (the output's columns of Gemm / MatMul, the
 * channels of a Conv turned around), balanced over as many panels as nv makes: V vectors of
 * columns in ceil(V / nv) panels take ceil(V / panels) a panel.  A wider panel multiplies zeros
 * and stores them in the constants: small_cnn's 10-class head packed 240 columns wide (24x its
 * weights); its 64-channel Conv in two panels of 3 vectors, 96 columns (1.5x).  Where columns
 * are pixels or tiles, nv as it is. */
int ait_simd_fit_nv(const ait_node *n, int order, int vl, int nv)
{
    int64_t cols = 0;
    if ((n->op == AIT_OP_GEMM || n->op == AIT_OP_MATMUL) && n->params)
        cols = ((const ait_matmul_params *)n->params)->n;
    else if (n->op == AIT_OP_CONV && order == AIT_ORDER_XW && n->params)
        cols = ((const ait_conv_params *)n->params)->cout;
    if (cols <= 0 || vl <= 0 || nv <= 0)
        return nv;
    int64_t v = (cols + vl - 1) / vl, panels = (v + nv - 1) / nv;
    return (int)((v + panels - 1) / panels);
}

static void simd_prelude(const ait_simd_cfg *base, char *buf, size_t n);

/* x86 loads of one weight vector widened to floats, per vector width: the ISA macro that has
 * them, int8's and fp16's (gcc 12 turns __builtin_convertvector from int8 or _Float16 into one
 * lane at a time, 13x slower on mlp's Gemm; these are vpmovsxbd + vcvtdq2ps and vcvtph2ps). */
static const struct {
    int vl;
    const char *isa_int8, *ldq8, *isa_f16, *ldh;
} x86_loads[] = {
    {16, "__AVX512F__", "_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(const void *)(p))))",
     "__AVX512F__", "_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)(p)))"},
    {8, "__AVX2__", "_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)(p))))",
     "__F16C__", "_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(p)))"},
    {4, "__SSE4_1__",
     "_mm_cvtepi32_ps(_mm_cvtepi8_epi32(_mm_cvtsi32_si128(__extension__({ int w_; __builtin_memcpy(&w_, (p), 4); w_; }))))",
     "__F16C__", "_mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)(const void *)(p)))"},
};

/* The helpers that load and decode int8 and fp16 weights (vl floats per vector; 1: scalar). */
static void weight_prelude(const ait_simd_cfg *base, char *buf, size_t n)
{
    static const char h2f[] =
        "/* fp16 weights (IEEE binary16 bits), decoded exactly */\n"
        "static inline float ait_h2f(uint16_t h)\n{\n"
        "union {\nuint32_t u;\nfloat f;\n} r;\n"
        "const uint32_t e = (h >> 10) & 31u, m = h & 1023u, s = (uint32_t)(h >> 15) << 31;\n"
        "if (e == 0) {\nr.f = (float)m * 5.9604644775390625e-8f; /* subnormal: m 2^-24 */\nr.u |= s;\n"
        "} else {\nr.u = s | (e == 31 ? 0x7f800000u | m << 13 : (e + 112u) << 23 | m << 13);\n}\n"
        "return r.f;\n}\n";
    int q8 = base->wfmt == AIT_WF_INT8;
    if (base->wfmt == AIT_WF_F32) {
        if (n)
            *buf = 0;
        return;
    }
    if (base->vl == 1) {
        snprintf(buf, n, "%s%s\n", q8 ? "" : h2f, q8 ? "#define AIT_LDQ8(p) ((float)*(p))\n" : "#define AIT_LDH(p) ait_h2f(*(p))\n");
        return;
    }
    const char *isa = NULL, *load = NULL;
    for (size_t i = 0; i < sizeof x86_loads / sizeof x86_loads[0]; i++)
        if (x86_loads[i].vl == base->vl) {
            isa = q8 ? x86_loads[i].isa_int8 : x86_loads[i].isa_f16;
            load = q8 ? x86_loads[i].ldq8 : x86_loads[i].ldh;
        }
    /* elsewhere (NEON, Cortex-M, no such ISA): lane by lane, in a statement expression, not a
     * function, for the ABI reason above */
    snprintf(buf, n,
             "%s/* %s weights, one vector widened to floats as it loads */\n"
             "#if defined(%s)\n#include <immintrin.h>\n#define %s(p) ((ait_vf)%s)\n#else\n"
             "#define %s(p) (__extension__({ const %s *q_ = (p); ait_vf v_; int i_; for (i_ = 0; i_ < %d; i_++) "
             "v_[i_] = %s; v_; }))\n#endif\n\n",
             q8 ? "" : h2f, q8 ? "int8" : "fp16", isa ? isa : "AIT_NO_VECTOR_LOAD_", q8 ? "AIT_LDQ8" : "AIT_LDH",
             load ? load : "0", q8 ? "AIT_LDQ8" : "AIT_LDH", q8 ? "int8_t" : "uint16_t", base->vl,
             q8 ? "(float)q_[i_]" : "ait_h2f(q_[i_])");
}

void ait_simd_prelude(const ait_simd_cfg *base, char *buf, size_t n)
{
    size_t used;
    simd_prelude(base, buf, n);
    used = strlen(buf);
    if (used < n)
        weight_prelude(base, buf + used, n - used);
}

static void simd_prelude(const ait_simd_cfg *base, char *buf, size_t n)
{
    if (base->vl == 1) {
        snprintf(buf, n,
                 "/* tiled backend: scalar register tiles, cache-blocked */\n"
                 "/* no fused multiply-adds: whether gcc contracts a sum's product depends on how it\n"
                 " * vectorizes the loop (an in-order reduction keeps the product rounded), so with them\n"
                 " * the bits would change with loop bounds (tasks), and differ from tcc's */\n"
                 "#if defined(__clang__)\n#pragma clang fp contract(off)\n"
                 "#elif defined(__GNUC__) && !defined(__TINYC__)\n#pragma GCC optimize(\"fp-contract=off\")\n#endif\n"
                 "typedef float ait_vf;\n"
                 "#define AIT_LD(p) (*(p))\n#define AIT_ST(p, v) (*(p) = (v))\n#define AIT_PREFETCH(p) ((void)0)\n"
                 "/* the reference's comparisons, NaN included: relu (NaN -> 0), clamps (NaN stays), max\n"
                 " * where a NaN in y wins */\n"
                 "#define AIT_RELU(x) ((x) = (x) > 0 ? (x) : 0)\n"
                 "#define AIT_RAISE_TO(x, y) ((x) = (x) < (y) ? (y) : (x))\n"
                 "#define AIT_LOWER_TO(x, y) ((x) = (x) > (y) ? (y) : (x))\n"
                 "#define AIT_MAXNAN_INTO(x, y) do { const ait_vf y_ = (y); (x) = y_ > (x) || y_ != y_ ? y_ : (x); } while (0)\n\n");
        return;
    }
    snprintf(buf, n,
             "/* simd backend: GCC vector extensions, %d floats per vector */\n"
             "#if !defined(__GNUC__) || defined(__TINYC__)\n"
             "#error \"this file needs GCC or clang (vector extensions)\"\n#endif\n"
             "#if defined(__GNUC__) && !defined(__clang__)\n"
             "#pragma GCC optimize(\"fp-contract=fast\")\n#endif\n"
             "typedef float ait_vf __attribute__((vector_size(%d)));\n"
             "typedef float ait_vfu __attribute__((vector_size(%d), aligned(4), may_alias));\n"
             "typedef int ait_vi __attribute__((vector_size(%d)));\n"
             "#define AIT_LD(p) (*(const ait_vfu *)(p))\n#define AIT_ST(p, v) (*(ait_vfu *)(p) = (v))\n"
             "#define AIT_PREFETCH(p) __builtin_prefetch(p)\n"
             "/* the reference's comparisons, NaN included: relu (NaN -> 0), clamps (NaN stays), max\n"
             " * where a NaN in y wins.  Macros, not functions: a vector argument would tie the ABI to\n"
             " * the -march the file is built with. */\n"
             "#define AIT_PICK_(x, y, m) ((x) = (ait_vf)(((ait_vi)(y) & (m)) | ((ait_vi)(x) & ~(m))))\n"
             "#define AIT_RELU(x) ((x) = (ait_vf)((ait_vi)(x) & ((x) > 0)))\n"
             "#define AIT_RAISE_TO(x, y) do { const ait_vf y_ = (y); const ait_vi m_ = (x) < y_; AIT_PICK_(x, y_, m_); } while (0)\n"
             "#define AIT_LOWER_TO(x, y) do { const ait_vf y_ = (y); const ait_vi m_ = (x) > y_; AIT_PICK_(x, y_, m_); } while (0)\n"
             "#define AIT_MAXNAN_INTO(x, y) do { const ait_vf y_ = (y); const ait_vi m_ = (y_ > (x)) | (y_ != y_); "
             "AIT_PICK_(x, y_, m_); } while (0)\n"
             "/* x = exp(x) on vectors, as Cephes' expf (a degree-6 polynomial on x - n ln 2, times 2^n\n"
             " * from the exponent bits): within 2 ulp on [-88, 88], clamped outside; NaN stays */\n"
             "#define AIT_EXP_INTO(x) do { ait_vf t_ = (x); AIT_LOWER_TO(t_, (ait_vf){0} + 88.0f); "
             "AIT_RAISE_TO(t_, (ait_vf){0} - 88.0f); "
             "ait_vf n_ = t_ * 1.44269504089f + 12582912.0f; n_ = n_ - 12582912.0f; "
             "const ait_vf r_ = t_ - n_ * 0.693359375f + n_ * 2.12194440e-4f; "
             "ait_vf p_ = r_ * 1.9875691500e-4f + 1.3981999507e-3f; p_ = p_ * r_ + 8.3334519073e-3f; "
             "p_ = p_ * r_ + 4.1665795894e-2f; p_ = p_ * r_ + 1.6666665459e-1f; p_ = p_ * r_ + 5.0000001201e-1f; "
             "p_ = p_ * r_ * r_ + r_ + 1.0f; "
             "const ait_vi e_ = (__builtin_convertvector(n_, ait_vi) + 127) << 23; "
             "(x) = p_ * (ait_vf)e_; } while (0)\n"
             "#define AIT_SIGMOID_INTO(x) do { ait_vf q_ = -(x); AIT_EXP_INTO(q_); (x) = 1.0f / (1.0f + q_); } while (0)\n"
             "#define AIT_SILU_INTO(x) do { ait_vf s_ = (x); AIT_SIGMOID_INTO(s_); (x) = (x) * s_; } while (0)\n"
             "/* x = max(0, min(1, a x + b)), times x when `times` (HardSwish: a = 1/6, b = 1/2) */\n"
             "#define AIT_HARD_SIGMOID_INTO(x, times, a, b) do { ait_vf h_ = (x) * (a) + (b); "
             "AIT_RAISE_TO(h_, (ait_vf){0}); AIT_LOWER_TO(h_, (ait_vf){0} + 1.0f); (x) = (times) ? (x) * h_ : h_; "
             "} while (0)\n\n",
             base->vl, base->vl * 4, base->vl * 4, base->vl * 4);
}

void ait_simd_tile(ait_sb *b, int R, int V, const char *k_lo, const char *k_hi, const char *a_fmt,
                   const char *b_fmt, const char *extra)
{
    ait_simd_tile_ld(b, R, V, k_lo, k_hi, a_fmt, "AIT_LD", b_fmt, extra);
}

void ait_simd_tile_ld(ait_sb *b, int R, int V, const char *k_lo, const char *k_hi, const char *a_fmt,
                      const char *load, const char *b_fmt, const char *extra)
{
    ait_simd_tile_resume(b, R, V, k_lo, k_hi, a_fmt, load, b_fmt, extra, NULL, NULL);
}

void ait_simd_tile_resume(ait_sb *b, int R, int V, const char *k_lo, const char *k_hi, const char *a_fmt,
                          const char *load, const char *b_fmt, const char *extra, const char *resume,
                          const char *saved_fmt)
{
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++)
            ait_sb_printf(b, "ait_vf c_%d_%d = {0};\n", r, v);
    if (resume) {
        ait_sb_printf(b, "if (%s) {\n", resume);
        for (int r = 0; r < R; r++)
            for (int v = 0; v < V; v++) {
                ait_sb_printf(b, "c_%d_%d = AIT_LD(", r, v);
                ait_sb_printf(b, saved_fmt, r, v);
                ait_sb_puts(b, ");\n");
            }
        ait_sb_puts(b, "}\n");
    }
    ait_sb_printf(b, "for (long k = %s; k < %s; k++) {\n", k_lo, k_hi);
    if (extra)
        ait_sb_puts(b, extra);
    for (int v = 0; v < V; v++) {
        ait_sb_printf(b, "const ait_vf b_%d = %s(", v, load);
        ait_sb_printf(b, b_fmt, v);
        ait_sb_puts(b, ");\n");
    }
    for (int r = 0; r < R; r++) {
        ait_sb_printf(b, "const float a_%d = ", r);
        ait_sb_printf(b, a_fmt, r);
        ait_sb_puts(b, ";\n");
        for (int v = 0; v < V; v++)
            ait_sb_printf(b, "c_%d_%d += a_%d * b_%d;\n", r, v, r, v);
    }
    ait_sb_puts(b, "}\n");
}

int ait_simd_epilogue_vec(ait_sb *b, const ait_graph *g, const ait_node *n, const char *v, const char *idx)
{
    (void)g;
    for (int i = 0; i < n->n_epi; i++) {
        int k = n->epi[i].kind;
        /* sigmoid, SiLU and HardSwish on vectors only (the tiled flavour's are scalar loops) */
        int vec_only = k == AIT_EPI_SIGMOID || k == AIT_EPI_SILU || k == AIT_EPI_HARD_SWISH ||
                       k == AIT_EPI_HARD_SIGMOID || k == AIT_EPI_X_HARD_SIGMOID;
        if (k != AIT_EPI_RELU && k != AIT_EPI_CLIP && k != AIT_EPI_ADD && !(vec_only && ait_simd_base(g)->vl > 1))
            return 0;
    }
    if (!b)
        return 1;
    for (int i = 0; i < n->n_epi; i++) {
        const ait_epi_step *s = &n->epi[i];
        if (s->kind == AIT_EPI_RELU) {
            ait_sb_printf(b, "AIT_RELU(%s);\n", v);
        } else if (s->kind == AIT_EPI_CLIP) {
            if (!isinf(s->a)) {
                ait_sb_printf(b, "AIT_RAISE_TO(%s, (ait_vf){0} + ", v);
                ait_emit_lit(b, AIT_DT_FLOAT, s->a);
                ait_sb_puts(b, ");\n");
            }
            if (!isinf(s->b)) {
                ait_sb_printf(b, "AIT_LOWER_TO(%s, (ait_vf){0} + ", v);
                ait_emit_lit(b, AIT_DT_FLOAT, s->b);
                ait_sb_puts(b, ");\n");
            }
        } else if (s->kind == AIT_EPI_SIGMOID) {
            ait_sb_printf(b, "AIT_SIGMOID_INTO(%s);\n", v);
        } else if (s->kind == AIT_EPI_SILU) {
            ait_sb_printf(b, "AIT_SILU_INTO(%s);\n", v);
        } else if (s->kind == AIT_EPI_HARD_SWISH || s->kind == AIT_EPI_HARD_SIGMOID ||
                   s->kind == AIT_EPI_X_HARD_SIGMOID) {
            int hs = s->kind == AIT_EPI_HARD_SWISH;
            ait_sb_printf(b, "AIT_HARD_SIGMOID_INTO(%s, %d, ", v, s->kind != AIT_EPI_HARD_SIGMOID);
            ait_emit_lit(b, AIT_DT_FLOAT, hs ? 1.0 / 6.0 : s->a);
            ait_sb_puts(b, ", ");
            ait_emit_lit(b, AIT_DT_FLOAT, hs ? 0.5 : s->b);
            ait_sb_puts(b, ");\n");
        } else {
            ait_sb_printf(b, "%s += AIT_LD(x%d + %s);\n", v, s->input, idx);
        }
    }
    return 1;
}

void ait_simd_epilogue_lanes(ait_sb *b, const ait_graph *g, const ait_node *n, const char *v, const char *idx,
                             const char *lanes)
{
    /* pure steps on the whole vector (lanes past `lanes` are computed and dropped); a residual
     * added lane by lane through a buffer, as the vector add does it */
    for (int i = 0; i < n->n_epi; i++) {
        const ait_epi_step *st = &n->epi[i];
        if (st->kind == AIT_EPI_ADD) {
            ait_sb_printf(b, "{\nfloat e_[%d];\nAIT_ST(e_, %s);\nfor (long j = 0; j < %s; j++)\ne_[j] += x%d[%s + j];\n"
                             "%s = AIT_LD(e_);\n}\n",
                          ait_simd_base(g)->vl, v, lanes, st->input, idx, v);
            continue;
        }
        ait_node one = *n;
        one.epi[0] = *st;
        one.n_epi = 1;
        ait_simd_epilogue_vec(b, g, &one, v, idx);
    }
}

static void store_tile(ait_sb *b, const ait_graph *g, const ait_node *n, int R, int V, long long ldy,
                       const char *bias_row_fmt, const char *bias_col_expr, const char *partial)
{
    int vl = ait_simd_base(g)->vl;
    int vec_epi = ait_simd_epilogue_vec(NULL, g, n, NULL, NULL);
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) {
            char var[32], idx[96];
            snprintf(var, sizeof var, "c_%d_%d", r, v);
            snprintf(idx, sizeof idx, "(m0 + %d) * %lld + n0 + %d", r, ldy, v * vl);
            if (partial)
                ait_sb_printf(b, "if (%s)\n%s += AIT_LD(y0 + %s);\n", partial, var, idx);
            if (bias_row_fmt) {
                ait_sb_printf(b, "%s += ", var);
                ait_sb_printf(b, bias_row_fmt, r);
                ait_sb_puts(b, ";\n");
            }
            if (bias_col_expr)
                ait_sb_printf(b, "%s += AIT_LD(%s + %d);\n", var, bias_col_expr, v * vl);
            if (n->n_epi && vec_epi)
                ait_simd_epilogue_vec(b, g, n, var, idx);
            ait_sb_printf(b, "AIT_ST(y0 + %s, %s);\n", idx, var);
        }
    if (n->n_epi && !vec_epi) {
        ait_sb_printf(b, "for (long r = 0; r < %d; r++)\nfor (long j = 0; j < %d; j++) {\n", R, V * vl);
        ait_sb_printf(b, "const long yi = (m0 + r) * %lld + n0 + j;\nfloat v = y0[yi];\n", ldy);
        ait_emit_epilogue(b, g, n, "v", "yi");
        ait_sb_puts(b, "y0[yi] = v;\n}\n");
    }
}

void ait_simd_store(ait_sb *b, const ait_graph *g, const ait_node *n, int R, int V, long long ldy,
                    const char *bias_row_fmt, const char *bias_col_expr, const char *partial, const char *last)
{
    if (!partial) {
        store_tile(b, g, n, R, V, ldy, bias_row_fmt, bias_col_expr, NULL);
        return;
    }
    ait_sb_printf(b, "if (%s) {\n", last);
    store_tile(b, g, n, R, V, ldy, bias_row_fmt, bias_col_expr, partial);
    ait_sb_puts(b, "} else {\n");
    ait_node plain = *n;
    plain.n_epi = 0;
    store_tile(b, g, &plain, R, V, ldy, NULL, NULL, partial);
    ait_sb_puts(b, "}\n");
}

/* --- weights stored as int8 or fp16 -------------------------------------------- */

static int add_packed(ait_graph *g, ait_node *n, const char *what, int dtype, void *data, int64_t count);

/* A constant 1-D tensor of count elements at data; returns its id. */
int ait_simd_add_const(ait_graph *g, const char *name, int dtype, void *data, int64_t count)
{
    int id = ait_graph_add_tensor(g, name);
    ait_tensor *t = &g->t[id];
    t->dtype = dtype;
    t->rank = 1;
    t->dims[0] = count;
    t->data = data;
    return id;
}

ait_simd_wfmt ait_simd_node_wfmt(const ait_graph *g, const ait_node *n)
{
    const ait_tensor *w = n->pack_in ? ait_node_in(g, n, n->pack_in) : NULL;
    return !w ? AIT_WF_F32 : w->dtype == AIT_DT_INT8 ? AIT_WF_INT8 : w->dtype == AIT_DT_UINT16 ? AIT_WF_F16 : AIT_WF_F32;
}

const char *ait_simd_wtype(const ait_graph *g, const ait_node *n)
{
    static const char *const types[] = {"float", "int8_t", "uint16_t"};
    return types[ait_simd_node_wfmt(g, n)];
}

const char *ait_simd_wload(const ait_graph *g, const ait_node *n)
{
    static const char *const loads[] = {"AIT_LD", "AIT_LDQ8", "AIT_LDH"};
    return loads[ait_simd_node_wfmt(g, n)];
}

void ait_simd_decode_panel(ait_sb *b, const ait_graph *g, const ait_node *n, const char *dst, const char *src,
                           const char *scale, long long K, int width)
{
    ait_simd_wfmt f = ait_simd_node_wfmt(g, n);
    if (f == AIT_WF_INT8)
        ait_sb_printf(b, "for (long k = 0; k < %lld; k++)\nfor (long j = 0; j < %d; j++)\n"
                         "%s[k * %d + j] = (float)%s[k * %d + j] * %s[j];\n",
                      K, width, dst, width, src, width, scale);
    else if (f == AIT_WF_F16) { /* whole vectors through the vector load (gcc vectorizes no scalar form) */
        long long total = K * width, vl = ait_simd_base(g)->vl, whole = total - total % vl;
        if (whole)
            ait_sb_printf(b, "for (long i = 0; i < %lld; i += %lld)\nAIT_ST(%s + i, AIT_LDH(%s + i));\n", whole, vl,
                          dst, src);
        if (whole < total) /* no empty tail loop: gcc -O2 warns on one (aggressive-loop-optimizations) */
            ait_sb_printf(b, "for (long i = %lld; i < %lld; i++)\n%s[i] = ait_h2f(%s[i]);\n", whole, total, dst, src);
    }
}

void ait_simd_scale_cols(ait_sb *b, const ait_graph *g, const ait_node *n, int R, int V, const char *scale)
{
    if (ait_simd_node_wfmt(g, n) != AIT_WF_INT8)
        return;
    int vl = ait_simd_base(g)->vl;
    for (int v = 0; v < V; v++) {
        ait_sb_printf(b, "{\nconst ait_vf s_ = AIT_LD(%s + %d);\n", scale, v * vl);
        for (int r = 0; r < R; r++)
            ait_sb_printf(b, "c_%d_%d *= s_;\n", r, v);
        ait_sb_puts(b, "}\n");
    }
}

/* IEEE binary16 bits of f, rounded to nearest even; 0 when f is outside fp16's range (the
 * caller keeps such weights in fp32). */
static int to_half(float f, uint16_t *h)
{
    union {
        float f;
        uint32_t u;
    } v = {f};
    uint32_t s = v.u >> 16 & 0x8000u, a = v.u & 0x7fffffffu;
    if (a >= 0x477ff000u) /* rounds to 65536 or more, or inf / NaN */
        return 0;
    if (a < 0x38800000u) { /* below 2^-14: a subnormal half, in units of 2^-24 */
        float m = (float)fabs(f) * 16777216.0f;
        *h = (uint16_t)(s | (uint32_t)lrintf(m));
        return 1;
    }
    uint32_t r = a + 0xfffu + (a >> 13 & 1u); /* round to nearest, ties to even */
    *h = (uint16_t)(s | ((r - 0x38000000u) >> 13));
    return 1;
}

static int8_t to_int8(float w, float scale)
{
    long v = lrintf(w / scale);
    return (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
}

/* Packed float weights p ([panel][k][width], count of them) in the flavour's format: int8 with
 * a symmetric scale per slot (output channel) of each panel, or fp16.  Returns 0 (and stores
 * nothing) when the format is fp32 or the weights do not fit it. */
static int store_quantized(ait_graph *g, ait_node *n, const char *what, const float *p, int64_t count, int64_t K,
                           int width, int wfmt)
{
    if (wfmt == AIT_WF_F16) {
        uint16_t *h = AIT_NEW(g->arena, uint16_t, count);
        for (int64_t i = 0; i < count; i++)
            if (!to_half(p[i], &h[i]))
                return 0;
        add_packed(g, n, what, AIT_DT_UINT16, h, count);
        return 1;
    }
    if (wfmt != AIT_WF_INT8)
        return 0;
    int64_t slots = count / K; /* panels x width */
    int8_t *q = AIT_NEW(g->arena, int8_t, count);
    float *sc = AIT_NEW(g->arena, float, slots);
    for (int64_t sl = 0; sl < slots; sl++) {
        const int64_t base = sl / width * K * width, j = sl % width;
        float mx = 0;
        for (int64_t k = 0; k < K; k++) {
            float a = fabsf(p[base + k * width + j]);
            if (!isfinite(a))
                return 0;
            mx = a > mx ? a : mx;
        }
        sc[sl] = mx / 127.0f;
        for (int64_t k = 0; k < K; k++)
            q[base + k * width + j] = mx > 0 ? to_int8(p[base + k * width + j], sc[sl]) : 0;
    }
    add_packed(g, n, what, AIT_DT_INT8, q, count);
    int id = ait_simd_add_const(g, ait_arena_printf(g->arena, "%s#%s_scale", n->name, what), AIT_DT_FLOAT, sc, slots);
    n->pack_scale = ait_node_append_input(g, n, id, n->pack_in + 1);
    return 1;
}

/* --- packing ------------------------------------------------------------------- */

static int add_packed(ait_graph *g, ait_node *n, const char *what, int dtype, void *data, int64_t count)
{
    int id = ait_simd_add_const(g, ait_arena_printf(g->arena, "%s#%s", n->name, what), dtype, data, count);
    n->pack_in = ait_node_append_input(g, n, id, n->op == AIT_OP_MATMUL ? 2 : 3);
    return id;
}

/* W[M,K] row-major -> panels of MR rows: [panel][k][MR], zero rows past M (past each group's). */
static float *pack_rows(ait_graph *g, const float *w, int64_t M, int64_t K, int mr, int64_t groups, int64_t *count)
{
    /* per group of M / groups rows (one for an ungrouped Conv), its own panels, one group after
     * another */
    int64_t Mg = M / groups, panels = (Mg + mr - 1) / mr;
    *count = groups * panels * K * mr;
    float *p = AIT_NEW(g->arena, float, *count);
    for (int64_t grp = 0; grp < groups; grp++) {
        float *pg = p + grp * panels * K * mr;
        const float *wg = w + grp * Mg * K;
        for (int64_t pm = 0; pm < panels; pm++)
            for (int64_t k = 0; k < K; k++)
                for (int r = 0; r < mr; r++) {
                    int64_t m = pm * mr + r;
                    pg[(pm * K + k) * mr + r] = m < Mg ? wg[m * K + k] : 0;
                }
    }
    return p;
}

/* W[K,N] (or its transpose, W[N,K]) -> panels of NR columns: [panel][k][NR], zero columns past N. */
static float *pack_cols(ait_graph *g, const float *w, int64_t K, int64_t N, int transposed, int nr, int64_t *count)
{
    int64_t panels = (N + nr - 1) / nr;
    *count = panels * K * nr;
    float *p = AIT_NEW(g->arena, float, *count);
    for (int64_t pn = 0; pn < panels; pn++)
        for (int64_t k = 0; k < K; k++)
            for (int c = 0; c < nr; c++) {
                int64_t col = pn * nr + c;
                p[(pn * K + k) * nr + c] = col >= N ? 0 : transposed ? w[col * K + k] : w[k * N + col];
            }
    return p;
}

void ait_simd_prepare_node(ait_graph *g, ait_node *n)
{
    if (n->folded || n->removed || n->pack_in)
        return;
    ait_simd_prepare_recurrent(g, n);
    ait_simd_prepare_conv_transpose(g, n);
    if (n->pack_in)
        return;
    int64_t count;
    const ait_simd_cfg cfg = ait_simd_node_cfg(g, n);
    if (n->op == AIT_OP_CONV && ait_simd_conv_kind(g, n) >= 2) { /* 1x1 or im2col: WX, or XW (order 1) */
        const ait_tensor *w = ait_node_in(g, n, 1);
        int64_t M = w->dims[0], K = ait_tensor_numel(w) / M, G = ((const ait_conv_params *)n->params)->group;
        int xw = cfg.order == AIT_ORDER_XW && !g->extents_vary && G == 1; /* as emit_xw's caller decides */
        if (ait_simd_winograd_m(g, n)) {
            float *u = ait_simd_winograd_pack(g, n, w->data, cfg.mr, &count);
            add_packed(g, n, "simd_wino", AIT_DT_FLOAT, u, count);
        } else {
            float *p = xw ? pack_cols(g, w->data, K, M, 1, cfg.nv * cfg.vl, &count)
                          : pack_rows(g, w->data, M, K, cfg.mr, G, &count);
            if (!store_quantized(g, n, xw ? "simd_xw" : "simd_wx", p, count, K, xw ? cfg.nv * cfg.vl : cfg.mr,
                                 cfg.wfmt))
                add_packed(g, n, xw ? "simd_xw" : "simd_wx", AIT_DT_FLOAT, p, count);
        }
        n->unread_in |= 1u << 1;
    } else if (ait_simd_matmul_packs(g, n)) {
        const ait_matmul_params *mp = n->params;
        const ait_tensor *w = ait_node_in(g, n, 1);
        float *p = pack_cols(g, w->data, mp->k, mp->n, n->op == AIT_OP_GEMM && mp->trans_b, cfg.nv * cfg.vl, &count);
        if (!store_quantized(g, n, "simd_xw", p, count, mp->k, cfg.nv * cfg.vl, cfg.wfmt))
            add_packed(g, n, "simd_xw", AIT_DT_FLOAT, p, count);
        n->unread_in |= 1u << 1;
    }
}

void ait_simd_prepare_graph(ait_graph *g)
{
    for (int k = 0; k < g->n_nodes; k++)
        ait_simd_prepare_node(g, &g->nodes[k]);
}

/* --- knob variants -------------------------------------------------------------- */

/* Tile shapes (mr, nv) that fit the register file with room for the loads, default first. */
static const int tiles16[][2] = {{6, 4}, {8, 3}, {12, 2}, {14, 1}};
static const int tiles8[][2] = {{4, 3}, {6, 2}, {3, 4}, {12, 1}};
static const int tiles4[][2] = {{4, 2}, {6, 2}, {3, 3}, {8, 1}};
static const int tiles1[][2] = {{4, 4}, {2, 8}, {8, 2}, {4, 8}};

/* Appends one knob setting, its nv balanced over the columns (ait_simd_fit_nv), unless the list
 * has it already; returns the new count. */
static int add_variant(const ait_node *n, int vl, int (*knobs)[AIT_MAX_KNOBS], int count, int mr, int nv, int order,
                       int block)
{
    nv = ait_simd_fit_nv(n, order, vl, nv);
    for (int i = 0; i < count; i++)
        if (knobs[i][AIT_KNOB_MR] == mr && knobs[i][AIT_KNOB_NV] == nv && knobs[i][AIT_KNOB_ORDER] == order &&
            knobs[i][AIT_KNOB_BLOCK] == block)
            return count;
    memset(knobs[count], 0, sizeof knobs[count]);
    knobs[count][AIT_KNOB_MR] = mr;
    knobs[count][AIT_KNOB_NV] = nv;
    knobs[count][AIT_KNOB_ORDER] = order;
    knobs[count][AIT_KNOB_BLOCK] = block;
    return count + 1;
}

/* The largest mr x nv tile that divides rows and columns exactly (no tail tiles) within regs
 * registers: most sums, then fewest loads a step.  0 in *mr when none does. */
static void exact_tile(int64_t rows, int64_t cols, int vl, int regs, int *mr, int *nv)
{
    *mr = *nv = 0;
    for (int v = 1; v <= 8; v++)
        for (int m = 2; m <= 16; m++)
            if (rows % m == 0 && cols % (v * vl) == 0 && m * v + v <= regs &&
                (m * v > *mr * *nv || (m * v == *mr * *nv && m + v < *mr + *nv)))
                *mr = m, *nv = v;
}

int ait_simd_variants(const ait_graph *g, const ait_node *n, int (*knobs)[AIT_MAX_KNOBS], int max)
{
    const int vl = ait_simd_base(g)->vl;
    int kind = n->op == AIT_OP_CONV ? ait_simd_conv_kind(g, n) : 0;
    int xw = (n->op == AIT_OP_GEMM || n->op == AIT_OP_MATMUL) && ait_simd_template(g, n);
    if (kind < 2 && !xw)
        return 0; /* depthwise has no knobs */
    const ait_matmul_params *mp = xw ? n->params : NULL;
    int runtime_b = xw && !ait_simd_matmul_packs(g, n); /* its emitter has no panels-outer order or K blocks */
    int64_t rows = runtime_b ? mp->m : xw ? ait_tensor_numel(ait_node_in(g, n, 0)) / mp->k : 0; /* one batch's */
    int regs = vl == 16 ? 30 : 14; /* accumulators + loads: 32 or 16 registers, two spare */
    const int(*tiles)[2] = vl == 16 ? tiles16 : vl == 8 ? tiles8 : vl == 4 ? tiles4 : tiles1;
    /* one or two rows (a matrix-vector product): one tile covers every row, wide rows of
     * vectors, as many independent sums as hide the FMA latency while the weights stream
     * through (each weight is read once) */
    int gemv[4][2], nt = 4, count = 0;
    if (xw && vl > 1 && rows <= 2) {
        static const int wide16[] = {4, 8, 12, 16}, wide8[] = {3, 6, 8, 12};
        int cap = regs / (int)(rows + 1);
        nt = 0;
        for (int i = 0; i < 4; i++) {
            int nv = (vl == 16 ? wide16 : wide8)[i];
            nv = nv < cap ? nv : cap;
            if (nt == 0 || gemv[nt - 1][1] != nv)
                gemv[nt][0] = (int)rows, gemv[nt++][1] = nv;
        }
        tiles = (const int(*)[2])gemv;
    }
    for (int i = 0; i < nt && count < max; i++)
        count = add_variant(n, vl, knobs, count, tiles[i][0], tiles[i][1], 0, 0);
    /* Conv turned around (order 1: vectors along output channels, R pixels a tile), with an R
     * that divides the image where one fits the register file; vector flavours only */
    if (kind >= 2 && kind != 4 && vl > 1 && !g->extents_vary) {
        const ait_conv_params *p = n->params;
        int64_t N = p->out[1] * p->out[2];
        int rmax = vl == 16 ? 8 : 4, nv = 3, best = rmax;
        for (int r = rmax; r >= rmax / 2 + 1; r--)
            if (N % r == 0) {
                best = r;
                break;
            }
        const int xw_tiles[][2] = {{best, nv}, {best == rmax ? rmax - 1 : rmax, nv}, {vl == 16 ? 6 : 3, 4}};
        for (int i = 0; i < 3 && count < max; i++)
            count = add_variant(n, vl, knobs, count, xw_tiles[i][0], xw_tiles[i][1], 1, 0);
    }
    /* Gemm/MatMul: the exact tile, when the list has no such tile */
    if (xw && vl > 1 && count < max) {
        int fit_mr, fit_nv;
        exact_tile(rows, mp->n, vl, regs, &fit_mr, &fit_nv);
        for (int i = 0; i < count && fit_mr; i++)
            if (knobs[i][AIT_KNOB_MR] == fit_mr && knobs[i][AIT_KNOB_NV] == fit_nv)
                fit_mr = 0;
        if (fit_mr)
            count = add_variant(n, vl, knobs, count, fit_mr, fit_nv, 0, 0);
    }
    /* blocking: column blocks of X for Conv; panels-outer order and K blocks for Gemm/MatMul */
    static const int wx_extra[][2] = {{0, 16}}, xw_extra[][2] = {{1, 0}, {0, 256}, {1, 256}};
    int ne = runtime_b ? 0 : xw ? (mp->k > 512 ? 3 : 1) : 1;
    for (int i = 0; i < ne && count < max; i++)
        count = add_variant(n, vl, knobs, count, 0, 0, xw ? xw_extra[i][0] : wx_extra[i][0], xw ? xw_extra[i][1] : wx_extra[i][1]);
    /* Winograd for 3x3 stride-1 Convs: F(2x2) and F(4x4), each with the default tile and a
     * taller one (the GEMMs' columns are tiles, K the input channels) */
    for (int order = AIT_ORDER_WINO2; kind == 3 && order <= AIT_ORDER_WINO4; order++)
        for (int i = 0; i < 2 && count < max && ait_simd_winograd_offered(g, n, order); i++)
            count = add_variant(n, vl, knobs, count, tiles[2 * i][0], tiles[2 * i][1], order, 0);
    return count;
}

int ait_simd_variant_guess(const ait_node *n, int (*knobs)[AIT_MAX_KNOBS], int count)
{
    if (n->op != AIT_OP_CONV || count < 2)
        return 0;
    const ait_conv_params *p = n->params;
    int64_t pixels = p->out[1] * p->out[2];
    /* Winograd's GEMMs run over the input channels: on small_cnn's first Conv (3 of them) F(2x2)
     * ran at 24 GFLOP/s against the plain tile's 154 */
    int want = pixels > 196 && p->cin >= 32 ? AIT_ORDER_WINO2 : pixels <= 64 ? AIT_ORDER_XW : AIT_ORDER_WX;
    for (int i = 0; i < count && want != AIT_ORDER_WX; i++)
        if (knobs[i][AIT_KNOB_ORDER] == want && knobs[i][AIT_KNOB_MR] > 0)
            return i;
    return 0;
}
