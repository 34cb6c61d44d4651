/* Reference: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (the NLL of
 * the scores' log-softmax over axis 1). A label out of range is clamped. */
#include <inttypes.h>

#include "templates/emit_util.h"

static int needs_scratch(const ait_graph *g, const ait_node *n)
{
    return n->op == AIT_OP_SOFTMAX_CROSS_ENTROPY_LOSS && !ait_node_out(g, n, 1);
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_loss_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0);
    const char *t = ait_ctype(x);
    ait_sb_printf(b, "enum { N = %" PRId64 ", C = %" PRId64 ", D = %" PRId64 " };\n", p->n, p->c, p->inner);
    if (n->op == AIT_OP_SOFTMAX_CROSS_ENTROPY_LOSS) {
        if (needs_scratch(g, n))
            ait_sb_printf(b, "%s *lp = (%s *)(void *)s0;\n", t, t);
        else
            ait_sb_printf(b, "%s *lp = y1;\n", t);
        ait_sb_puts(b, "for (long n = 0; n < N; n++)\nfor (long d = 0; d < D; d++) {\n"
                       "double mx = -INFINITY, sum = 0;\n"
                       "for (long c = 0; c < C; c++) if (x0[(n * C + c) * D + d] > mx) mx = x0[(n * C + c) * D + d];\n"
                       "for (long c = 0; c < C; c++) sum += exp(x0[(n * C + c) * D + d] - mx);\n");
        ait_sb_printf(b, "for (long c = 0; c < C; c++) lp[(n * C + c) * D + d] = (%s)(x0[(n * C + c) * D + d] - mx - "
                         "log(sum));\n}\n",
                      t);
    } else {
        ait_sb_printf(b, "const %s *lp = x0;\n", t);
    }
    ait_sb_puts(b, "double total = 0, wsum = 0;\n(void)total;\n(void)wsum;\n"
                   "for (long n = 0; n < N; n++)\nfor (long d = 0; d < D; d++) {\nlong k = (long)x1[n * D + d];\n");
    if (p->has_ignore) {
        ait_sb_printf(b, "if (k == %" PRId64 "LL) {\n%s\ncontinue;\n}\n", p->ignore_index,
                      p->reduction == 0 ? "y0[n * D + d] = 0;" : "");
    }
    ait_sb_puts(b, "if (k < 0) k = 0;\nif (k >= C) k = C - 1;\n");
    ait_sb_printf(b, "const double w = %s;\n", ait_node_in(g, n, 2) ? "x2[k]" : "1");
    ait_sb_puts(b, "const double l = -(double)lp[(n * C + k) * D + d] * w;\n");
    if (p->reduction == 0) {
        ait_sb_printf(b, "y0[n * D + d] = (%s)l;\n}\n", t);
    } else {
        ait_sb_puts(b, "total += l;\nwsum += w;\n}\n");
        ait_sb_printf(b, "y0[0] = (%s)(%s);\n", t, p->reduction == 1 ? "total" : "total / wsum");
    }
}

static size_t scratch(const ait_graph *g, const ait_node *n)
{
    const ait_loss_params *p = n->params;
    if (!needs_scratch(g, n))
        return 0;
    return ait_dtype_get(ait_node_in(g, n, 0)->dtype)->size * (size_t)(p->n * p->c * p->inner);
}

const ait_template ait_ref_loss = {.family = "loss", .emit = emit, .scratch_bytes = scratch};
