/* simd: Gemm and MatMul with constant weights as an XW GEMM on column panels.
 * Gemm needs transA = 0, alpha = beta = 1 and C absent or a row vector [N];
 * MatMul needs a 2-D constant B (A's leading axes fold into rows). */
#include <stdio.h>

#include "gen/kernel.h"
#include "gen/passes.h"
#include "templates/emit_util.h"
#include "templates/simd/simd.h"

static int handled(const ait_graph *g, const ait_node *n)
{
    const ait_matmul_params *p = n->params;
    const ait_tensor *a = ait_node_in(g, n, 0), *w = ait_node_in(g, n, 1);
    if (a->dtype != AIT_DT_FLOAT || !w->data)
        return 0;
    if (n->op == AIT_OP_GEMM) {
        const ait_tensor *c = ait_node_in(g, n, 2);
        return !p->trans_a && p->alpha == 1.0f && (!c || (p->beta == 1.0f && p->c_stride_m == 0 &&
                                                          p->c_stride_n == 1));
    }
    return w->rank == 2;
}

/* One R-row tile at (m0, n0) of a column panel: a full one (V = nv vectors) or the last,
 * zero-padded one, whose `rest` columns go through a buffer. */
static void xw_tile(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_simd_cfg *c, int R, long long K,
                    long long N, long long rest, int bias, int kblocked)
{
    int nr = c->nv * c->vl;
    char afmt[64], bfmt[64];
    /* rows through one base pointer: constant offsets, so the loop needs no register a row */
    snprintf(afmt, sizeof afmt, "xa[%%d * %lld + k]", K);
    snprintf(bfmt, sizeof bfmt, "wb + k * %d + %%d * %d", nr, c->vl);
    char khi[32];
    snprintf(khi, sizeof khi, "%lld", K);
    ait_sb_printf(b, "{\nconst float *const wb = x%d + n0 * %lld;\nconst float *const xa = x0 + m0 * %lld;\n",
                  n->pack_in, K, K);
    const char *lo = kblocked ? "k0" : "0", *hi = kblocked ? "k1" : khi;
    if (!rest) {
        ait_simd_tile(b, R, c->nv, lo, hi, afmt, bfmt, NULL);
        ait_simd_store(b, g, n, R, c->nv, N, NULL, bias ? "x2 + n0" : NULL, kblocked ? "k0 > 0" : NULL,
                       kblocked ? "last" : NULL);
        ait_sb_puts(b, "}\n");
        return;
    }
    int v_used = (int)((rest + c->vl - 1) / c->vl);
    ait_simd_tile(b, R, v_used, lo, hi, afmt, bfmt, NULL);
    ait_sb_printf(b, "float t[%d][%d];\n", R, v_used * c->vl);
    for (int r = 0; r < R; r++)
        for (int v = 0; v < v_used; v++)
            ait_sb_printf(b, "AIT_ST(&t[%d][%d], c_%d_%d);\n", r, v * c->vl, r, v);
    ait_sb_printf(b, "for (long r = 0; r < %d; r++)\nfor (long j = 0; j < %lld; j++) {\n", R, rest);
    ait_sb_printf(b, "const long yi = (m0 + r) * %lld + n0 + j;\nfloat v = t[r][j];\n", N);
    if (kblocked)
        ait_sb_puts(b, "if (k0 > 0)\nv += y0[yi];\nif (last) {\n");
    if (bias)
        ait_sb_puts(b, "v += x2[n0 + j];\n");
    ait_emit_epilogue(b, g, n, "v", "yi");
    if (kblocked)
        ait_sb_puts(b, "}\n");
    ait_sb_puts(b, "y0[yi] = v;\n}\n}\n");
}

/* Every row tile of the current column panel (rows inner). */
static void xw_rows(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_simd_cfg *c, long long M,
                    long long K, long long N, long long rest, int bias, int kblocked)
{
    long long full = M / c->mr, tail = M % c->mr;
    if (g->extents_vary) { /* the same code at every M: full tiles, then single rows */
        ait_sb_printf(b, "{\nlong m0 = 0;\nfor (; m0 + %d <= %lld; m0 += %d)\n", c->mr, M, c->mr);
        xw_tile(b, g, n, c, c->mr, K, N, rest, bias, kblocked);
        ait_sb_printf(b, "for (; m0 < %lld; m0++)\n", M);
        xw_tile(b, g, n, c, 1, K, N, rest, bias, kblocked);
        ait_sb_puts(b, "}\n");
        return;
    }
    if (full) {
        ait_sb_printf(b, "for (long m0 = 0; m0 < %lld; m0 += %d)\n", full * c->mr, c->mr);
        xw_tile(b, g, n, c, c->mr, K, N, rest, bias, kblocked);
    }
    if (tail) {
        ait_sb_printf(b, "{\nconst long m0 = %lld;\n", full * c->mr);
        xw_tile(b, g, n, c, (int)tail, K, N, rest, bias, kblocked);
        ait_sb_puts(b, "}\n");
    }
}

/* `for (long n0 = ...)` over the whole column panels: all, or with split this task's
 * [np_lo, np_hi) (the zero-padded last panel is the last unit). */
static void panel_loop(ait_sb *b, long long full, int nr, int split)
{
    if (split)
        ait_sb_printf(b, "for (long n0 = np_lo * %d; n0 < (np_hi < %lld ? np_hi : %lld) * %d; n0 += %d)", nr, full, full,
                      nr, nr);
    else
        ait_sb_printf(b, "for (long n0 = 0; n0 < %lld; n0 += %d)", full * nr, nr);
}

/* Every column panel of the current row tile (panels inner). */
static void xw_cols(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_simd_cfg *c, int R, long long K,
                    long long N, int bias, int kblocked, int split)
{
    int nr = c->nv * c->vl;
    long long full = N / nr, rest = N % nr;
    if (full) {
        panel_loop(b, full, nr, split);
        ait_sb_puts(b, "\n");
        xw_tile(b, g, n, c, R, K, N, 0, bias, kblocked);
    }
    if (rest) {
        if (split)
            ait_sb_printf(b, "if (np_hi > %lld)\n", full);
        ait_sb_printf(b, "{\nconst long n0 = %lld;\n", full * nr);
        xw_tile(b, g, n, c, R, K, N, rest, bias, kblocked);
        ait_sb_puts(b, "}\n");
    }
}

/* Below this much work a kernel stays serial: handing out tasks costs about a microsecond. */
static const double split_min_flops = 4e5;

/* Split into tasks, each takes whole column panels (every row of them, every K block). */
static int phases(const ait_graph *g, const ait_node *n)
{
    const ait_matmul_params *p = n->params;
    const ait_simd_cfg c = ait_simd_node_cfg(n);
    int T = ait_split(g), nr = c.nv * c.vl;
    return T && ait_node_flops(g, n) >= split_min_flops && (p->n + nr - 1) / nr >= T;
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_matmul_params *p = n->params;
    const ait_simd_cfg c = ait_simd_node_cfg(n);
    long long K = p->k, N = p->n, M = ait_tensor_numel(ait_node_in(g, n, 0)) / p->k;
    int bias = n->op == AIT_OP_GEMM && ait_node_in(g, n, 2) != NULL;
    int kblocked = c.block > 0 && c.block < K, split = phases(g, n);
    if (split) {
        int nr = c.nv * c.vl;
        ait_emit_phase(b, 0);
        ait_emit_task_part(b, g, "np", (N + nr - 1) / nr, 1);
    }
    if (kblocked) /* y0 holds partial sums between K blocks */
        ait_sb_printf(b, "for (long k0 = 0; k0 < %lld; k0 += %d) {\nconst long k1 = k0 + %d < %lld ? k0 + %d : %lld;\n"
                         "const int last = k1 == %lld;\n",
                      K, c.block, c.block, K, c.block, K, K);
    if (c.order == 1) {
        int nr = c.nv * c.vl;
        long long full = N / nr, rest = N % nr;
        if (full) {
            panel_loop(b, full, nr, split);
            ait_sb_puts(b, " {\n");
            xw_rows(b, g, n, &c, M, K, N, 0, bias, kblocked);
            ait_sb_puts(b, "}\n");
        }
        if (rest) {
            if (split)
                ait_sb_printf(b, "if (np_hi > %lld)\n", full);
            ait_sb_printf(b, "{\nconst long n0 = %lld;\n", full * nr);
            xw_rows(b, g, n, &c, M, K, N, rest, bias, kblocked);
            ait_sb_puts(b, "}\n");
        }
    } else {
        long long full = M / c.mr, tail = M % c.mr;
        if (g->extents_vary) { /* the same code at every M: full tiles, then single rows */
            ait_sb_printf(b, "{\nlong m0 = 0;\nfor (; m0 + %d <= %lld; m0 += %d) {\n", c.mr, M, c.mr);
            xw_cols(b, g, n, &c, c.mr, K, N, bias, kblocked, split);
            ait_sb_printf(b, "}\nfor (; m0 < %lld; m0++) {\n", M);
            xw_cols(b, g, n, &c, 1, K, N, bias, kblocked, split);
            ait_sb_puts(b, "}\n}\n");
            full = tail = 0;
        }
        if (full) {
            ait_sb_printf(b, "for (long m0 = 0; m0 < %lld; m0 += %d) {\n", full * c.mr, c.mr);
            xw_cols(b, g, n, &c, c.mr, K, N, bias, kblocked, split);
            ait_sb_puts(b, "}\n");
        }
        if (tail) {
            ait_sb_printf(b, "{\nconst long m0 = %lld;\n", full * c.mr);
            xw_cols(b, g, n, &c, (int)tail, K, N, bias, kblocked, split);
            ait_sb_puts(b, "}\n");
        }
    }
    if (kblocked)
        ait_sb_puts(b, "}\n");
    if (split)
        ait_sb_puts(b, "}\n");
}

static int applies(const ait_graph *g, const ait_node *n)
{
    return n->pack_in && handled(g, n);
}

const ait_template ait_simd_matmul = {.family = "matmul", .applies = applies, .emit = emit, .phases = phases};

extern const ait_template ait_simd_conv, ait_simd_pool, ait_simd_gap, ait_simd_recurrent, ait_simd_resize,
    ait_simd_softmax;

const ait_template *ait_simd_template(const ait_graph *g, const ait_node *n)
{
    if (n->op == AIT_OP_CONV && ait_simd_conv_kind(g, n))
        return &ait_simd_conv;
    if ((n->op == AIT_OP_GEMM || n->op == AIT_OP_MATMUL) && handled(g, n))
        return &ait_simd_matmul;
    if (n->op == AIT_OP_MAX_POOL || n->op == AIT_OP_AVERAGE_POOL)
        return &ait_simd_pool;
    if (n->op == AIT_OP_GLOBAL_AVERAGE_POOL)
        return &ait_simd_gap;
    if (n->op == AIT_OP_RESIZE)
        return &ait_simd_resize;
    if (n->op == AIT_OP_SOFTMAX)
        return &ait_simd_softmax;
    if (n->op == AIT_OP_RNN || n->op == AIT_OP_GRU || n->op == AIT_OP_LSTM)
        return &ait_simd_recurrent;
    return NULL;
}
