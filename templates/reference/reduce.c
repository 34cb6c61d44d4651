/* Reference: ReduceMean/Sum/Max.  Kept axes iterate in input order, so the
 * output index simply counts up. */
#include <inttypes.h>

#include "templates/emit_util.h"

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_reduce_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0), *y = ait_node_out(g, n, 0);
    if (p->identity) {
        ait_sb_printf(b, "memcpy(y0, x0, %zu);\n", ait_tensor_bytes(x));
        return;
    }
    int fl = ait_dtype_get(x->dtype)->is_float;
    const char *acc = fl ? "double" : ait_ctype(x);
    int64_t st[AIT_MAX_RANK], count = 1;
    ait_strides(x->rank, x->dims, st);
    ait_sb_puts(b, "long oi = 0;\n");
    int open = 0;
    for (int k = 0; k < x->rank; k++)
        if (!p->reduce[k]) {
            ait_sb_printf(b, "for (long i%d = 0; i%d < %" PRId64 "; i%d++) {\n", k, k, x->dims[k], k);
            open++;
        }
    if (n->op == AIT_OP_REDUCE_MAX) { /* an empty set gives -inf, or the type's minimum */
        const ait_dtype_info *di = ait_dtype_get(x->dtype);
        if (fl)
            ait_sb_printf(b, "%s r = -INFINITY;\nint first = 1;\n", acc);
        else if (di->is_signed)
            ait_sb_printf(b, "%s r = INT%d_MIN;\nint first = 1;\n", acc, (int)di->size * 8);
        else
            ait_sb_printf(b, "%s r = 0;\nint first = 1;\n", acc);
    } else
        ait_sb_printf(b, "%s r = 0;\n", acc);
    int red = 0;
    for (int k = 0; k < x->rank; k++)
        if (p->reduce[k]) {
            ait_sb_printf(b, "for (long i%d = 0; i%d < %" PRId64 "; i%d++) {\n", k, k, x->dims[k], k);
            count *= x->dims[k];
            red++;
        }
    ait_sb_printf(b, "const %s v = x0[", ait_ctype(x));
    ait_emit_offset(b, x->rank, st, "i");
    ait_sb_puts(b, "];\n");
    if (n->op == AIT_OP_REDUCE_MAX)
        ait_sb_puts(b, fl ? "if (first || v > r || v != v) { r = v; first = 0; }\n"
                          : "if (first || v > r) { r = v; first = 0; }\n");
    else
        ait_sb_puts(b, "r += v;\n");
    ait_emit_close(b, red);
    if (n->op == AIT_OP_REDUCE_MEAN)
        ait_sb_printf(b, "y0[oi++] = (%s)(r / %" PRId64 ");\n", ait_ctype(y), count);
    else
        ait_sb_printf(b, "y0[oi++] = (%s)r;\n", ait_ctype(y));
    ait_emit_close(b, open);
    ait_sb_puts(b, "(void)oi;\n");
}

const ait_template ait_ref_reduce = {.family = "reduce", .emit = emit};
