/* Reference: ConstantOfShape, Range and the window kernels.  Shape, Size and Constant
 * outputs are set by resolve and never reach an emitter. */
#include <inttypes.h>

#include "templates/emit_util.h"

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_tensor *y = ait_node_out(g, n, 0);
    ait_sb_printf(b, "for (long i = 0; i < %" PRId64 "; i++)\n", ait_tensor_numel(y));
    if (n->op == AIT_OP_CONSTANT_OF_SHAPE) {
        const ait_fill_params *p = n->params;
        ait_sb_puts(b, "y0[i] = ");
        ait_emit_lit(b, y->dtype, p->value);
        ait_sb_puts(b, ";\n");
    } else if (n->op != AIT_OP_RANGE) { /* the windows: cosine sums over the period N */
        const ait_fill_params *p = n->params;
        ait_sb_printf(b, "{\nconst double a = 6.283185307179586477 * (double)i / %a;\n(void)a;\ny0[i] = (%s)(",
                      p->value > 0 ? p->value : 1.0, ait_ctype(y));
        if (n->op == AIT_OP_HANN_WINDOW)
            ait_sb_puts(b, "0.5 - 0.5 * cos(a)");
        else if (n->op == AIT_OP_HAMMING_WINDOW)
            ait_sb_puts(b, "25.0 / 46.0 - 21.0 / 46.0 * cos(a)");
        else
            ait_sb_puts(b, "0.42 - 0.5 * cos(a) + 0.08 * cos(2 * a)");
        ait_sb_puts(b, ");\n}\n");
    } else { /* Range: start + i * delta, in the input type as the spec's loop does */
        ait_sb_printf(b, "y0[i] = (%s)(x0[0] + i * x2[0]);\n", ait_ctype(y));
    }
}

const ait_template ait_ref_source = {.family = "source", .emit = emit};
