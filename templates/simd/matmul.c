/* simd: Gemm and MatMul with constant weights as an XW GEMM on column panels.
 * Gemm needs transA = 0, alpha = beta = 1 and C absent or a row vector [N];
 * MatMul needs a 2-D constant B (A's leading axes fold into rows). */
#include <stdio.h>

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

/* Rows [m0, m0 + R) over all column panels. */
static void xw_rows(ait_sb *b, const ait_graph *g, const ait_node *n, int R, long long K, long long N, int bias)
{
    const ait_simd_cfg *c = ait_simd_config();
    int nr = c->nv * c->vl;
    long long full = N / nr, rest = N % nr;
    char afmt[64], bfmt[64];
    snprintf(afmt, sizeof afmt, "x0[(m0 + %%d) * %lld + k]", K);
    snprintf(bfmt, sizeof bfmt, "wb + k * %d + %%d * %d", nr, c->vl);
    ait_sb_printf(b, "for (long pn = 0; pn < %lld; pn++) {\nconst long n0 = pn * %d;\n"
                     "const float *const wb = x%d + pn * %lld;\n",
                  full, nr, n->pack_in, K * nr);
    ait_simd_tile(b, R, c->nv, K, afmt, bfmt);
    ait_simd_store(b, g, n, R, c->nv, N, NULL, bias ? "x2 + n0" : NULL);
    ait_sb_puts(b, "}\n");
    if (rest) { /* the last panel is zero-padded: compute it whole, keep `rest` columns */
        int v_used = (int)((rest + c->vl - 1) / c->vl);
        ait_sb_printf(b, "{\nconst long n0 = %lld;\nconst float *const wb = x%d + %lld;\nfloat t[%d][%d];\n",
                      full * nr, n->pack_in, full * K * nr, R, v_used * c->vl);
        ait_simd_tile(b, R, v_used, K, afmt, bfmt);
        for (int r = 0; r < R; r++)
            for (int v = 0; v < v_used; v++)
                ait_sb_printf(b, "AIT_ST(&t[%d][%d], c_%d_%d);\n", r, v * c->vl, r, v);
        ait_sb_printf(b, "for (long r = 0; r < %d; r++)\nfor (long j = 0; j < %lld; j++) {\n", R, rest);
        ait_sb_printf(b, "const long yi = (m0 + r) * %lld + n0 + j;\nfloat v = t[r][j]%s;\n", N,
                      bias ? " + x2[n0 + j]" : "");
        ait_emit_epilogue(b, g, n, "v", "yi");
        ait_sb_puts(b, "y0[yi] = v;\n}\n}\n");
    }
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_matmul_params *p = n->params;
    const ait_simd_cfg *c = ait_simd_config();
    long long K = p->k, N = p->n, M = ait_tensor_numel(ait_node_in(g, n, 0)) / p->k;
    int bias = n->op == AIT_OP_GEMM && ait_node_in(g, n, 2) != NULL;
    long long full = M / c->mr, tail = M % c->mr;
    if (full) {
        ait_sb_printf(b, "for (long mb = 0; mb < %lld; mb++) {\nconst long m0 = mb * %d;\n", full, c->mr);
        xw_rows(b, g, n, c->mr, K, N, bias);
        ait_sb_puts(b, "}\n");
    }
    if (tail) {
        ait_sb_printf(b, "{\nconst long m0 = %lld;\n", full * c->mr);
        xw_rows(b, g, n, (int)tail, K, N, bias);
        ait_sb_puts(b, "}\n");
    }
}

static int applies(const ait_graph *g, const ait_node *n)
{
    return n->pack_in && handled(g, n);
}

const ait_template ait_simd_matmul = {.family = "matmul", .applies = applies, .emit = emit};

extern const ait_template ait_simd_conv;

const ait_template *ait_simd_template(const ait_graph *g, const ait_node *n)
{
    if (n->op == AIT_OP_CONV && ait_simd_conv_kind(g, n))
        return &ait_simd_conv;
    if ((n->op == AIT_OP_GEMM || n->op == AIT_OP_MATMUL) && handled(g, n))
        return &ait_simd_matmul;
    return NULL;
}
