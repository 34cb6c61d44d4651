/* Reference: Gemm and MatMul, triple loops accumulating in double (float
 * types) so the reference stays the most accurate candidate. */
#include <inttypes.h>

#include "gen/passes.h"
#include "templates/emit_util.h"

static const char *acc_type(const ait_tensor *t)
{
    return ait_dtype_get(t->dtype)->is_float ? "double" : ait_ctype(t);
}

static void emit_gemm(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_matmul_params *p = n->params;
    const ait_tensor *y = ait_node_out(g, n, 0);
    ait_sb_printf(b, "for (long m = 0; m < %" PRId64 "; m++)\nfor (long n = 0; n < %" PRId64 "; n++) {\n", p->m,
                  p->n);
    ait_sb_printf(b, "double acc = 0;\nfor (long k = 0; k < %" PRId64 "; k++)\n", p->k);
    ait_sb_printf(b, "acc += (double)x0[%s] * x1[%s];\n", p->trans_a ? "k * M_ + m" : "m * K_ + k",
                  p->trans_b ? "n * K_ + k" : "k * N_ + n");
    ait_sb_puts(b, "acc *= ");
    ait_emit_lit(b, AIT_DT_DOUBLE, p->alpha);
    ait_sb_puts(b, ";\n");
    if (ait_node_in(g, n, 2)) {
        ait_sb_printf(b, "acc += ");
        ait_emit_lit(b, AIT_DT_DOUBLE, p->beta);
        ait_sb_printf(b, " * x2[m * %" PRId64 " + n * %" PRId64 "];\n", p->c_stride_m, p->c_stride_n);
    }
    ait_sb_printf(b, "{\nconst long yi = m * N_ + n;\n%s v = (%s)acc;\n", ait_ctype(y), ait_ctype(y));
    ait_emit_epilogue(b, g, n, "v", "yi");
    ait_sb_puts(b, "y0[yi] = v;\n}\n}\n");
}

static void emit_matmul(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_matmul_params *p = n->params;
    const ait_tensor *y = ait_node_out(g, n, 0);
    ait_emit_table(b, "aoff", p->a_off, p->batch);
    ait_emit_table(b, "boff", p->b_off, p->batch);
    ait_sb_printf(b, "for (long bi = 0; bi < %" PRId64 "; bi++)\n", p->batch);
    ait_sb_printf(b, "for (long m = 0; m < M_; m++)\nfor (long n = 0; n < N_; n++) {\n%s acc = 0;\n", acc_type(y));
    ait_sb_puts(b, "for (long k = 0; k < K_; k++)\n");
    ait_sb_printf(b, "acc += (%s)x0[aoff[bi] + m * K_ + k] * x1[boff[bi] + k * N_ + n];\n", acc_type(y));
    ait_sb_printf(b, "{\nconst long yi = (bi * M_ + m) * N_ + n;\n%s v = (%s)acc;\n", ait_ctype(y), ait_ctype(y));
    ait_emit_epilogue(b, g, n, "v", "yi");
    ait_sb_puts(b, "y0[yi] = v;\n}\n}\n");
}

/* Det: LU elimination with partial pivoting in double, one matrix at a time (scratch: M * M). */
static void emit_det(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_matmul_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0);
    ait_sb_printf(b, "double *a = (double *)(void *)s0;\nfor (long m = 0; m < %" PRId64 "; m++) {\n", p->batch);
    ait_sb_puts(b, "for (long i = 0; i < M_ * M_; i++) a[i] = x0[m * M_ * M_ + i];\ndouble det = 1;\n"
                   "for (long c = 0; c < M_; c++) {\nlong piv = c;\n"
                   "for (long r = c + 1; r < M_; r++) if (fabs(a[r * M_ + c]) > fabs(a[piv * M_ + c])) piv = r;\n"
                   "if (a[piv * M_ + c] == 0) { det = 0; break; }\n"
                   "if (piv != c) { det = -det; for (long k = 0; k < M_; k++) { const double t = a[c * M_ + k]; "
                   "a[c * M_ + k] = a[piv * M_ + k]; a[piv * M_ + k] = t; } }\n"
                   "det *= a[c * M_ + c];\n"
                   "for (long r = c + 1; r < M_; r++) {\nconst double f = a[r * M_ + c] / a[c * M_ + c];\n"
                   "for (long k = c; k < M_; k++) a[r * M_ + k] -= f * a[c * M_ + k];\n}\n}\n");
    ait_sb_printf(b, "y0[m] = (%s)det;\n}\n", ait_ctype(x));
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_matmul_params *p = n->params;
    ait_sb_printf(b, "enum { M_ = %" PRId64 ", N_ = %" PRId64 ", K_ = %" PRId64 " };\n", p->m, p->n, p->k);
    ait_sb_puts(b, "(void)M_; (void)N_; (void)K_;\n");
    if (n->op == AIT_OP_GEMM)
        emit_gemm(b, g, n);
    else if (n->op == AIT_OP_DET)
        emit_det(b, g, n);
    else
        emit_matmul(b, g, n);
}

static size_t scratch(const ait_graph *g, const ait_node *n)
{
    const ait_matmul_params *p = n->params;
    (void)g;
    return n->op == AIT_OP_DET ? sizeof(double) * (size_t)(p->m * p->m) : 0;
}

const ait_template ait_ref_matmul = {.family = "matmul", .emit = emit, .scratch_bytes = scratch};
