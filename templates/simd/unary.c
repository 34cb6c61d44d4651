/* simd: Erf and Gelu (its erf form) as a loop gcc vectorizes.  libm's erff is a call per
 * element that no compiler vectorizes; a transformer's GELU spent a quarter of its time there.
 * Here erf is Eigen's rational approximation (generic_fast_erf_float: odd numerator of degree
 * 13 over an even denominator of degree 8, x clamped to [-4, 4]), within 4.5e-7 of erf
 * everywhere; NaN stays NaN. */
#include <inttypes.h>

#include "templates/emit_util.h"
#include "templates/simd/simd.h"

static int applies(const ait_graph *g, const ait_node *n)
{
    const ait_unary_params *p = n->params;
    if (g->extents_vary || (n->op != AIT_OP_ERF && !(n->op == AIT_OP_GELU && !p->gelu_tanh)))
        return 0;
    return ait_node_in(g, n, 0)->dtype == AIT_DT_FLOAT && ait_node_out(g, n, 0)->dtype == AIT_DT_FLOAT;
}

/* `float e = erf(u)`, u a float already in scope */
static void emit_erf(ait_sb *b)
{
    static const char *const num[] = {"2.77068142495902e-08f", "-2.10102402082508e-06f", "-5.69250639462346e-05f",
                                      "-7.34990630326855e-04f", "-2.95459980854025e-03f", "-1.60960333262415e-02f"};
    static const char *const den[] = {"-2.13374055278905e-04f", "-1.68282697438203e-03f", "-7.37332916720468e-03f",
                                      "-1.42647390514189e-02f"};
    ait_sb_puts(b, "const float c = u < -4.0f ? -4.0f : u > 4.0f ? 4.0f : u;\nconst float c2 = c * c;\n"
                   "float p = c2 * -2.72614225801306e-10f;\n");
    for (unsigned i = 0; i < sizeof num / sizeof *num; i++)
        ait_sb_printf(b, "p = %sp + %s;\n", i ? "c2 * " : "", num[i]);
    ait_sb_puts(b, "float q = c2 * -1.45660718464996e-05f;\n");
    for (unsigned i = 0; i < sizeof den / sizeof *den; i++)
        ait_sb_printf(b, "q = %sq + %s;\n", i ? "c2 * " : "", den[i]);
    ait_sb_puts(b, "const float e = c * p / q;\n");
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    int gelu = n->op == AIT_OP_GELU;
    ait_sb_printf(b, "for (long i = 0; i < %" PRId64 "; i++) {\nconst float v = x0[i];\nconst float u = v%s;\n",
                  ait_tensor_numel(ait_node_out(g, n, 0)), gelu ? " * 0.70710678118654752440f" : "");
    emit_erf(b);
    ait_sb_puts(b, gelu ? "y0[i] = 0.5f * v * (1.0f + e);\n}\n" : "y0[i] = e;\n}\n");
}

const ait_template ait_simd_unary = {.family = "unary", .applies = applies, .emit = emit};
