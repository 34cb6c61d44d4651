/* Register tiles and weight packing shared by the simd templates. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gen/passes.h"
#include "templates/emit_util.h"
#include "templates/simd/simd.h"

static ait_simd_cfg cfg = {16, 6, 4};

const ait_simd_cfg *ait_simd_config(void)
{
    return &cfg;
}

void ait_simd_set_vl(int vl)
{
    cfg.vl = vl;
    /* accumulators + loads within the register file: 32 zmm, 16 ymm/xmm (x86), 32 q (NEON) */
    cfg.mr = vl == 16 ? 6 : 4;
    cfg.nv = vl == 16 ? 4 : vl == 8 ? 3 : 2;
}

const char *ait_simd_prelude(void)
{
    static char buf[1024];
    snprintf(buf, sizeof buf,
             "/* simd backend: GCC vector extensions, %d floats per vector */\n"
             "#if !defined(__GNUC__) || defined(__TINYC__)\n"
             "#error \"this file needs GCC or clang (vector extensions)\"\n#endif\n"
             "#if defined(__GNUC__) && !defined(__clang__)\n"
             "#pragma GCC optimize(\"fp-contract=fast\")\n#endif\n"
             "typedef float ait_vf __attribute__((vector_size(%d)));\n"
             "typedef float ait_vfu __attribute__((vector_size(%d), aligned(4), may_alias));\n"
             "typedef int ait_vi __attribute__((vector_size(%d)));\n"
             "#define AIT_LD(p) (*(const ait_vfu *)(p))\n#define AIT_ST(p, v) (*(ait_vfu *)(p) = (v))\n"
             "static ait_vf ait_vmax(ait_vf a, ait_vf b)\n{\nconst ait_vi m = a > b;\n"
             "return (ait_vf)(((ait_vi)a & m) | ((ait_vi)b & ~m));\n}\n"
             "static ait_vf ait_vmin(ait_vf a, ait_vf b)\n{\nconst ait_vi m = a < b;\n"
             "return (ait_vf)(((ait_vi)a & m) | ((ait_vi)b & ~m));\n}\n\n",
             cfg.vl, cfg.vl * 4, cfg.vl * 4, cfg.vl * 4);
    return buf;
}

void ait_simd_tile(ait_sb *b, int R, int V, long long K, const char *a_fmt, const char *b_fmt)
{
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++)
            ait_sb_printf(b, "ait_vf c_%d_%d = {0};\n", r, v);
    ait_sb_printf(b, "for (long k = 0; k < %lld; k++) {\n", K);
    for (int v = 0; v < V; v++) {
        ait_sb_printf(b, "const ait_vf b_%d = AIT_LD(", v);
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
        if (k != AIT_EPI_RELU && k != AIT_EPI_CLIP && k != AIT_EPI_ADD)
            return 0;
    }
    if (!b)
        return 1;
    for (int i = 0; i < n->n_epi; i++) {
        const ait_epi_step *s = &n->epi[i];
        if (s->kind == AIT_EPI_RELU) {
            ait_sb_printf(b, "%s = ait_vmax(%s, (ait_vf){0});\n", v, v);
        } else if (s->kind == AIT_EPI_CLIP) {
            if (!isinf(s->a)) {
                ait_sb_printf(b, "%s = ait_vmax(%s, (ait_vf){0} + ", v, v);
                ait_emit_lit(b, AIT_DT_FLOAT, s->a);
                ait_sb_puts(b, ");\n");
            }
            if (!isinf(s->b)) {
                ait_sb_printf(b, "%s = ait_vmin(%s, (ait_vf){0} + ", v, v);
                ait_emit_lit(b, AIT_DT_FLOAT, s->b);
                ait_sb_puts(b, ");\n");
            }
        } else {
            ait_sb_printf(b, "%s += AIT_LD(x%d + %s);\n", v, s->input, idx);
        }
    }
    return 1;
}

void ait_simd_store(ait_sb *b, const ait_graph *g, const ait_node *n, int R, int V, long long ldy,
                    const char *bias_row_fmt, const char *bias_col_expr)
{
    int vl = cfg.vl;
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) {
            if (bias_row_fmt) {
                ait_sb_printf(b, "c_%d_%d += ", r, v);
                ait_sb_printf(b, bias_row_fmt, r);
                ait_sb_puts(b, ";\n");
            }
            if (bias_col_expr)
                ait_sb_printf(b, "c_%d_%d += AIT_LD(%s + %d);\n", r, v, bias_col_expr, v * vl);
            if (n->n_epi && ait_simd_epilogue_vec(NULL, g, n, NULL, NULL)) {
                char var[32], idx[96];
                snprintf(var, sizeof var, "c_%d_%d", r, v);
                snprintf(idx, sizeof idx, "(m0 + %d) * %lld + n0 + %d", r, ldy, v * vl);
                ait_simd_epilogue_vec(b, g, n, var, idx);
            }
            ait_sb_printf(b, "AIT_ST(y0 + (m0 + %d) * %lld + n0 + %d, c_%d_%d);\n", r, ldy, v * vl, r, v);
        }
    if (n->n_epi && !ait_simd_epilogue_vec(NULL, g, n, NULL, NULL)) {
        ait_sb_printf(b, "for (long r = 0; r < %d; r++)\nfor (long j = 0; j < %d; j++) {\n", R, V * vl);
        ait_sb_printf(b, "const long yi = (m0 + r) * %lld + n0 + j;\nfloat v = y0[yi];\n", ldy);
        ait_emit_epilogue(b, g, n, "v", "yi");
        ait_sb_puts(b, "y0[yi] = v;\n}\n");
    }
}

/* --- packing ------------------------------------------------------------------- */

static int add_packed(ait_graph *g, ait_node *n, const char *what, float *data, int64_t count)
{
    int id = ait_graph_add_tensor(g, ait_arena_printf(g->arena, "%s#%s", n->name, what));
    ait_tensor *t = &g->t[id];
    t->dtype = AIT_DT_FLOAT;
    t->rank = 1;
    t->dims[0] = count;
    t->data = data;
    int *in = AIT_NEW(g->arena, int, n->n_in + 2);
    memcpy(in, n->in, sizeof(int) * (size_t)n->n_in);
    in[n->n_in] = id;
    n->in = in;
    n->pack_in = n->n_in++;
    return id;
}

/* W[M,K] row-major -> panels of MR rows: [panel][k][MR], zero rows past M. */
static float *pack_rows(ait_graph *g, const float *w, int64_t M, int64_t K, int mr, int64_t *count)
{
    int64_t panels = (M + mr - 1) / mr;
    *count = panels * K * mr;
    float *p = AIT_NEW(g->arena, float, *count);
    for (int64_t pm = 0; pm < panels; pm++)
        for (int64_t k = 0; k < K; k++)
            for (int r = 0; r < mr; r++) {
                int64_t m = pm * mr + r;
                p[(pm * K + k) * mr + r] = m < M ? w[m * K + k] : 0;
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

void ait_simd_prepare_graph(ait_graph *g)
{
    for (int k = 0; k < g->n_nodes; k++) {
        ait_node *n = &g->nodes[k];
        if (n->folded || n->removed || n->pack_in)
            continue;
        int64_t count;
        if (n->op == AIT_OP_CONV && ait_simd_conv_kind(g, n) >= 2) { /* 1x1 or im2col: WX */
            const ait_tensor *w = ait_node_in(g, n, 1);
            int64_t M = w->dims[0], K = ait_tensor_numel(w) / M;
            float *p = pack_rows(g, w->data, M, K, cfg.mr, &count);
            add_packed(g, n, "simd_wx", p, count);
        } else if ((n->op == AIT_OP_GEMM || n->op == AIT_OP_MATMUL) && ait_simd_template(g, n)) {
            const ait_matmul_params *mp = n->params;
            const ait_tensor *w = ait_node_in(g, n, 1);
            float *p = pack_cols(g, w->data, mp->k, mp->n, n->op == AIT_OP_GEMM && mp->trans_b, cfg.nv * cfg.vl,
                                 &count);
            add_packed(g, n, "simd_xw", p, count);
        }
    }
}
