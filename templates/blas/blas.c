/* blas: Conv (groups = 1; im2col into scratch unless 1x1), Gemm and MatMul
 * through cblas_sgemm (OpenBLAS).  Bias, Gemm's C and the fused epilogue
 * run in one pass over the product.  Offered only with [target] deps =
 * openblas: the emitted code then includes <cblas.h> and links -lopenblas. */
#include <inttypes.h>
#include <stdio.h>

#include "gen/passes.h"
#include "templates/blas/blas.h"
#include "templates/emit_util.h"
#include "templates/simd/simd.h"

static int conv_ok(const ait_graph *g, const ait_node *n)
{
    const ait_conv_params *p = n->params;
    return ait_node_in(g, n, 0)->dtype == AIT_DT_FLOAT && p->group == 1 && p->spatial <= 2;
}

static int conv_pointwise(const ait_conv_params *p)
{
    return p->k[1] == 1 && p->k[2] == 1 && p->stride[1] == 1 && p->stride[2] == 1 && p->pad_lo[1] == 0 &&
           p->pad_lo[2] == 0 && p->in[1] == p->out[1] && p->in[2] == p->out[2];
}

/* y0[i] for i in [0, rows * cols): + bias, then the epilogue (nothing when neither). */
static void finish(ait_sb *b, const ait_graph *g, const ait_node *n, long long rows, long long cols,
                   const char *bias_expr)
{
    if (!bias_expr && !n->n_epi)
        return;
    ait_sb_printf(b, "for (long r = 0; r < %lld; r++)\nfor (long c = 0; c < %lld; c++) {\n"
                     "const long yi = r * %lld + c;\nfloat v = y0[yi]%s%s;\n",
                  rows, cols, cols, bias_expr ? " + " : "", bias_expr ? bias_expr : "");
    ait_emit_epilogue(b, g, n, "v", "yi");
    ait_sb_puts(b, "y0[yi] = v;\n}\n");
}

static void emit_conv(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_conv_params *p = n->params;
    long long M = p->cout, K = p->cin * p->k[1] * p->k[2], N = p->out[1] * p->out[2];
    int pw = conv_pointwise(p);
    /* items of a batched Conv one after another: offsets move x0 and y0 */
    ait_sb_printf(b, "for (long item = 0; item < %" PRId64 "; item++) {\n", p->n);
    ait_sb_printf(b, "const float *const xin = x0 + item * %" PRId64 ";\nfloat *const yout = y0 + item * %lld;\n",
                  p->cin * p->in[1] * p->in[2], M * N);
    if (!pw) {
        ait_sb_puts(b, "{\nconst float *const x0 = xin;\n");
        ait_simd_im2col(b, g, p, 0, "s0");
        ait_sb_puts(b, "}\n");
    }
    ait_sb_printf(b, "cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, %lld, %lld, %lld, 1.0f, x1, %lld, %s, "
                     "%lld, 0.0f, yout, %lld);\n",
                  M, N, K, K, pw ? "xin" : "s0", N, N);
    ait_sb_puts(b, "{\nfloat *const y0 = yout;\n");
    finish(b, g, n, M, N, ait_node_in(g, n, 2) ? "x2[r]" : NULL);
    ait_sb_puts(b, "(void)y0;\n}\n}\n");
}

static void emit_gemm(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_matmul_params *p = n->params;
    ait_sb_printf(b, "cblas_sgemm(CblasRowMajor, %s, %s, %" PRId64 ", %" PRId64 ", %" PRId64 ", ",
                  p->trans_a ? "CblasTrans" : "CblasNoTrans", p->trans_b ? "CblasTrans" : "CblasNoTrans", p->m, p->n,
                  p->k);
    ait_emit_lit(b, AIT_DT_FLOAT, p->alpha);
    ait_sb_printf(b, ", x0, %" PRId64 ", x1, %" PRId64 ", 0.0f, y0, %" PRId64 ");\n", p->trans_a ? p->m : p->k,
                  p->trans_b ? p->k : p->n, p->n);
    ait_sb c_expr = {0};
    if (ait_node_in(g, n, 2) && p->beta != 0) {
        ait_emit_lit(&c_expr, AIT_DT_FLOAT, p->beta);
        ait_sb_printf(&c_expr, " * x2[r * %" PRId64 " + c * %" PRId64 "]", p->c_stride_m, p->c_stride_n);
    }
    finish(b, g, n, p->m, p->n, c_expr.s);
    ait_sb_free(&c_expr);
}

static void emit_matmul(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_matmul_params *p = n->params;
    ait_emit_table(b, "aoff", p->a_off, p->batch);
    ait_emit_table(b, "boff", p->b_off, p->batch);
    ait_sb_printf(b,
                  "for (long bi = 0; bi < %" PRId64 "; bi++)\n"
                  "cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, %" PRId64 ", %" PRId64 ", %" PRId64
                  ", 1.0f, x0 + aoff[bi], %" PRId64 ", x1 + boff[bi], %" PRId64 ", 0.0f, y0 + bi * %" PRId64
                  ", %" PRId64 ");\n",
                  p->batch, p->m, p->n, p->k, p->k, p->n, p->m * p->n, p->n);
    finish(b, g, n, p->batch * p->m, p->n, NULL);
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    if (n->op == AIT_OP_CONV)
        emit_conv(b, g, n);
    else if (n->op == AIT_OP_GEMM)
        emit_gemm(b, g, n);
    else
        emit_matmul(b, g, n);
}

static size_t scratch(const ait_graph *g, const ait_node *n)
{
    (void)g;
    if (n->op != AIT_OP_CONV || conv_pointwise(n->params))
        return 0;
    const ait_conv_params *p = n->params;
    return sizeof(float) * (size_t)(p->cin * p->k[1] * p->k[2] * p->out[1] * p->out[2]);
}

static const ait_template blas_gemm = {.family = "blas", .emit = emit, .scratch_bytes = scratch};

const ait_template *ait_blas_template(const ait_graph *g, const ait_node *n)
{
    const ait_tensor *a = ait_node_in(g, n, 0);
    if (n->op == AIT_OP_CONV)
        return conv_ok(g, n) ? &blas_gemm : NULL;
    if ((n->op == AIT_OP_GEMM || n->op == AIT_OP_MATMUL) && a->dtype == AIT_DT_FLOAT)
        return &blas_gemm;
    return NULL;
}

const char *ait_blas_prelude(void)
{
    return "/* blas backend: products through OpenBLAS (link with -lopenblas) */\n#include <cblas.h>\n\n";
}
