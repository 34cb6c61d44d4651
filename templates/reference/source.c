/* Reference: ConstantOfShape and Range kernels.  Shape, Size and Constant
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
    } else { /* Range: start + i * delta, in the input type as the spec's loop does */
        ait_sb_printf(b, "y0[i] = (%s)(x0[0] + i * x2[0]);\n", ait_ctype(y));
    }
}

const ait_template ait_ref_source = {.family = "source", .emit = emit};
