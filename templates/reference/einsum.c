/* Reference: Einsum as one loop nest: the output's labels, then the summed
 * labels, the product of every input's element at the current labels. */
#include <inttypes.h>

#include "templates/emit_util.h"

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_einsum_params *p = n->params;
    const ait_tensor *y = ait_node_out(g, n, 0);
    int fl = ait_dtype_get(y->dtype)->is_float;
    ait_sb_puts(b, "long oi = 0;\n");
    for (int k = 0; k < p->n_loops; k++) {
        if (k == p->n_out_loops)
            ait_sb_printf(b, "%s acc = 0;\n", fl ? "double" : ait_ctype(y));
        ait_sb_printf(b, "for (long l%d = 0; l%d < %" PRId64 "; l%d++) {\n", k, k, p->loop_size[k], k);
    }
    if (p->n_loops == p->n_out_loops)
        ait_sb_printf(b, "%s acc = 0;\n", fl ? "double" : ait_ctype(y));
    ait_sb_puts(b, "acc += ");
    for (int i = 0; i < n->n_in; i++) {
        ait_sb_printf(b, "%s(%s)x%d[0", i ? " * " : "", fl ? "double" : ait_ctype(y), i);
        for (int k = 0; k < p->n_loops; k++)
            if (p->stride[i][p->loop_label[k]])
                ait_sb_printf(b, " + l%d * %" PRId64, k, p->stride[i][p->loop_label[k]]);
        ait_sb_puts(b, "]");
    }
    ait_sb_puts(b, ";\n");
    ait_emit_close(b, p->n_loops - p->n_out_loops);
    ait_sb_printf(b, "y0[oi++] = (%s)acc;\n", ait_ctype(y));
    ait_emit_close(b, p->n_out_loops);
    ait_sb_puts(b, "(void)oi;\n");
}

const ait_template ait_ref_einsum = {.family = "einsum", .emit = emit};
