/* simd: Gemm and MatMul as an XW GEMM on column panels.
 * Gemm needs transA = 0, alpha = beta = 1 and C absent or a row vector [N];
 * MatMul with a 2-D constant B folds A's leading axes into rows; MatMul with B computed at run
 * time (attention's Q K^T and P V, batched and broadcast) packs each batch's B into scratch
 * panels, the layout the constant weights have, and runs the same tiles on them. */
#include <inttypes.h>
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

/* MatMul of two run-time float operands, static shapes, every batch's B packed in turn. */
static int runtime_b(const ait_graph *g, const ait_node *n)
{
    if (n->op != AIT_OP_MATMUL || g->extents_vary)
        return 0;
    const ait_tensor *a = ait_node_in(g, n, 0), *w = ait_node_in(g, n, 1), *y = ait_node_out(g, n, 0);
    return a->dtype == AIT_DT_FLOAT && w->dtype == AIT_DT_FLOAT && y->dtype == AIT_DT_FLOAT && !w->data &&
           a->rank >= 2 && w->rank >= 2;
}

/* Where a tile reads: A's row m0 and panel n0 of the packed B (C expressions, each with one
 * %lld for K). */
typedef struct {
    const char *a_row, *w_panel;
} xw_src;

/* One R-row tile at (m0, n0) of a column panel: a full one (V = nv vectors) or the last,
 * zero-padded one, whose `rest` columns go through a buffer. */
static void xw_tile(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_simd_cfg *c, const xw_src *src, int R,
                    long long K, long long N, long long rest, int bias, int kblocked)
{
    int nr = c->nv * c->vl;
    char afmt[64], bfmt[64];
    /* rows through one base pointer: constant offsets, so the loop needs no register a row */
    snprintf(afmt, sizeof afmt, "xa[%%d * %lld + k]", K);
    snprintf(bfmt, sizeof bfmt, "wb + k * %d + %%d * %d", nr, c->vl);
    char khi[32];
    snprintf(khi, sizeof khi, "%lld", K);
    ait_sb_printf(b, "{\nconst %s *const wb = ", ait_simd_wtype(g, n));
    ait_sb_printf(b, src->w_panel, K);
    ait_sb_puts(b, ";\nconst float *const xa = ");
    ait_sb_printf(b, src->a_row, K);
    ait_sb_puts(b, ";\n");
    const char *lo = kblocked ? "k0" : "0", *hi = kblocked ? "k1" : khi, *ld = ait_simd_wload(g, n);
    const char *scale = n->pack_scale ? ait_arena_printf(g->arena, "x%d + n0", n->pack_scale) : NULL;
    if (!rest) {
        ait_simd_tile_ld(b, R, c->nv, lo, hi, afmt, ld, bfmt, NULL);
        ait_simd_scale_cols(b, g, n, R, c->nv, scale);
        ait_simd_store(b, g, n, R, c->nv, N, NULL, bias ? "x2 + n0" : NULL, kblocked ? "k0 > 0" : NULL,
                       kblocked ? "last" : NULL);
        ait_sb_puts(b, "}\n");
        return;
    }
    int v_used = (int)((rest + c->vl - 1) / c->vl);
    ait_simd_tile_ld(b, R, v_used, lo, hi, afmt, ld, bfmt, NULL);
    ait_simd_scale_cols(b, g, n, R, v_used, scale);
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
static void xw_rows(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_simd_cfg *c, const xw_src *src,
                    long long M, long long K, long long N, long long rest, int bias, int kblocked)
{
    long long full = M / c->mr, tail = M % c->mr;
    if (g->extents_vary) { /* the same code at every M: full tiles, then single rows */
        ait_sb_printf(b, "{\nlong m0 = 0;\nfor (; m0 + %d <= %lld; m0 += %d)\n", c->mr, M, c->mr);
        xw_tile(b, g, n, c, src, c->mr, K, N, rest, bias, kblocked);
        ait_sb_printf(b, "for (; m0 < %lld; m0++)\n", M);
        xw_tile(b, g, n, c, src, 1, K, N, rest, bias, kblocked);
        ait_sb_puts(b, "}\n");
        return;
    }
    if (full) {
        ait_sb_printf(b, "for (long m0 = 0; m0 < %lld; m0 += %d)\n", full * c->mr, c->mr);
        xw_tile(b, g, n, c, src, c->mr, K, N, rest, bias, kblocked);
    }
    if (tail) {
        ait_sb_printf(b, "{\nconst long m0 = %lld;\n", full * c->mr);
        xw_tile(b, g, n, c, src, (int)tail, K, N, rest, bias, kblocked);
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
static void xw_cols(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_simd_cfg *c, const xw_src *src, int R,
                    long long K, long long N, int bias, int kblocked, int split)
{
    int nr = c->nv * c->vl;
    long long full = N / nr, rest = N % nr;
    if (full) {
        panel_loop(b, full, nr, split);
        ait_sb_puts(b, "\n");
        xw_tile(b, g, n, c, src, R, K, N, 0, bias, kblocked);
    }
    if (rest) {
        if (split)
            ait_sb_printf(b, "if (np_hi > %lld)\n", full);
        ait_sb_printf(b, "{\nconst long n0 = %lld;\n", full * nr);
        xw_tile(b, g, n, c, src, R, K, N, rest, bias, kblocked);
        ait_sb_puts(b, "}\n");
    }
}


/* Split into tasks: each takes whole column panels (every row of them, every K block); with
 * B at run time, whole batches (each packing its own B). */
static int phases(const ait_graph *g, const ait_node *n)
{
    const ait_matmul_params *p = n->params;
    const ait_simd_cfg c = ait_simd_node_cfg(g, n);
    int T = ait_split(g, n), nr = c.nv * c.vl;
    if (!T || ait_node_flops(g, n) < AIT_SIMD_SPLIT_MIN_FLOPS)
        return 0;
    return n->pack_in ? (p->n + nr - 1) / nr >= T : p->batch >= T;
}

/* Floats of packed B a task needs: every column panel of one batch. */
static long long packed_b_floats(const ait_matmul_params *p, const ait_simd_cfg *c)
{
    int nr = c->nv * c->vl;
    return (p->n + nr - 1) / nr * nr * p->k;
}

static size_t scratch(const ait_graph *g, const ait_node *n)
{
    if (n->pack_in)
        return 0;
    const ait_simd_cfg c = ait_simd_node_cfg(g, n);
    int tasks = phases(g, n) ? ait_split(g, n) : 1;
    return (size_t)packed_b_floats(n->params, &c) * (size_t)tasks * sizeof(float);
}

/* Row tiles of rows [base, base + M) (base a C expression), column panels inner. */
static void row_tiles(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_simd_cfg *c, const xw_src *src,
                      const char *base, long long M, long long K, long long N, int bias, int kblocked, int split)
{
    long long full = M / c->mr, tail = M % c->mr;
    if (full) {
        ait_sb_printf(b, "for (long m0 = %s; m0 < %s + %lld; m0 += %d) {\n", base, base, full * c->mr, c->mr);
        xw_cols(b, g, n, c, src, c->mr, K, N, bias, kblocked, split);
        ait_sb_puts(b, "}\n");
    }
    if (tail) {
        ait_sb_printf(b, "{\nconst long m0 = %s + %lld;\n", base, full * c->mr);
        xw_cols(b, g, n, c, src, (int)tail, K, N, bias, kblocked, split);
        ait_sb_puts(b, "}\n");
    }
}

/* B at run time: per batch, B[K,N] packed into zero-padded panels at pk, then the tiles; rows
 * and outputs counted across batches, so the epilogue's flat index stays the output's. */
static void emit_runtime_b(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_simd_cfg *c)
{
    const ait_matmul_params *p = n->params;
    long long K = p->k, N = p->n, M = p->m, packed = packed_b_floats(p, c);
    int nr = c->nv * c->vl, split = phases(g, n);
    ait_emit_table(b, "aoff", p->a_off, p->batch);
    ait_emit_table(b, "boff", p->b_off, p->batch);
    if (split) {
        ait_emit_phase(b, 0);
        ait_emit_task_part(b, g, "bt", p->batch, 1);
        ait_sb_printf(b, "float *const pk = s0 + (long)task_ * %lld;\nfor (long bi = bt_lo; bi < bt_hi; bi++) {\n",
                      packed);
    } else {
        ait_sb_printf(b, "float *const pk = s0;\nfor (long bi = 0; bi < %" PRId64 "; bi++) {\n", p->batch);
    }
    ait_sb_printf(b,
                  "{\nconst float *const xb = x1 + boff[bi];\n"
                  "for (long k = 0; k < %lld; k++)\nfor (long col = 0; col < %lld; col++)\n"
                  "pk[(col / %d * %lld + k) * %d + col %% %d] = col < %lld ? xb[k * %lld + col] : 0.0f;\n}\n",
                  K, (N + nr - 1) / nr * nr, nr, K, nr, nr, N, N);
    ait_sb_printf(b, "const long mb = bi * %lld;\n", M);
    const xw_src src = {"x0 + aoff[bi] + (m0 - mb) * %lld", "pk + n0 * %lld"};
    row_tiles(b, g, n, c, &src, "mb", M, K, N, 0, 0, 0);
    ait_sb_puts(b, split ? "}\n}\n" : "}\n");
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_matmul_params *p = n->params;
    const ait_simd_cfg c = ait_simd_node_cfg(g, n);
    if (!n->pack_in) {
        emit_runtime_b(b, g, n, &c);
        return;
    }
    long long K = p->k, N = p->n, M = ait_tensor_numel(ait_node_in(g, n, 0)) / p->k;
    const xw_src src = {"x0 + m0 * %lld", ait_arena_printf(g->arena, "x%d + n0 * %%lld", n->pack_in)};
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
            xw_rows(b, g, n, &c, &src, M, K, N, 0, bias, kblocked);
            ait_sb_puts(b, "}\n");
        }
        if (rest) {
            if (split)
                ait_sb_printf(b, "if (np_hi > %lld)\n", full);
            ait_sb_printf(b, "{\nconst long n0 = %lld;\n", full * nr);
            xw_rows(b, g, n, &c, &src, M, K, N, rest, bias, kblocked);
            ait_sb_puts(b, "}\n");
        }
    } else if (g->extents_vary) { /* the same code at every M: full tiles, then single rows */
        ait_sb_printf(b, "{\nlong m0 = 0;\nfor (; m0 + %d <= %lld; m0 += %d) {\n", c.mr, M, c.mr);
        xw_cols(b, g, n, &c, &src, c.mr, K, N, bias, kblocked, split);
        ait_sb_printf(b, "}\nfor (; m0 < %lld; m0++) {\n", M);
        xw_cols(b, g, n, &c, &src, 1, K, N, bias, kblocked, split);
        ait_sb_puts(b, "}\n}\n");
    } else {
        row_tiles(b, g, n, &c, &src, "0", M, K, N, bias, kblocked, split);
    }
    if (kblocked)
        ait_sb_puts(b, "}\n");
    if (split)
        ait_sb_puts(b, "}\n");
}

static int applies(const ait_graph *g, const ait_node *n)
{
    return n->pack_in ? handled(g, n) : runtime_b(g, n);
}

const ait_template ait_simd_matmul = {
    .family = "matmul", .applies = applies, .emit = emit, .scratch_bytes = scratch, .phases = phases};

int ait_simd_matmul_packs(const ait_graph *g, const ait_node *n)
{
    return (n->op == AIT_OP_GEMM || n->op == AIT_OP_MATMUL) && handled(g, n);
}

extern const ait_template ait_simd_conv, ait_simd_conv_transpose, ait_simd_pool, ait_simd_gap, ait_simd_recurrent, ait_simd_resize,
    ait_simd_softmax, ait_simd_unary;

const ait_template *ait_simd_template(const ait_graph *g, const ait_node *n)
{
    if (n->op == AIT_OP_CONV && ait_simd_conv_kind(g, n))
        return &ait_simd_conv;
    if ((n->op == AIT_OP_GEMM || n->op == AIT_OP_MATMUL) && (handled(g, n) || runtime_b(g, n)))
        return &ait_simd_matmul;
    if (ait_simd_conv_transpose.applies(g, n))
        return &ait_simd_conv_transpose;
    if (n->op == AIT_OP_MAX_POOL || n->op == AIT_OP_AVERAGE_POOL)
        return &ait_simd_pool;
    if (n->op == AIT_OP_GLOBAL_AVERAGE_POOL)
        return &ait_simd_gap;
    if (n->op == AIT_OP_RESIZE)
        return &ait_simd_resize;
    if (n->op == AIT_OP_SOFTMAX)
        return &ait_simd_softmax;
    if (ait_simd_unary.applies(g, n))
        return &ait_simd_unary;
    if (n->op == AIT_OP_RNN || n->op == AIT_OP_GRU || n->op == AIT_OP_LSTM)
        return &ait_simd_recurrent;
    return NULL;
}
