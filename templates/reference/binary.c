/* Reference: elementwise ops over broadcast inputs. */
#include <stdio.h>
#include <string.h>

#include "templates/emit_util.h"

static int same_shape(const ait_tensor *a, const ait_tensor *b)
{
    return a->rank == b->rank && memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)a->rank) == 0;
}

/* Combines `acc` (or input 0) with operand `v`. */
static void combine(ait_sb *b, const ait_node *n, const ait_tensor *x, const ait_tensor *x1, const char *a,
                    const char *v)
{
    const ait_dtype_info *xi = ait_dtype_get(x->dtype);
    switch (n->op) {
    case AIT_OP_ADD: case AIT_OP_SUM: ait_sb_printf(b, "%s + %s", a, v); break;
    case AIT_OP_SUB: ait_sb_printf(b, "%s - %s", a, v); break;
    case AIT_OP_MUL: ait_sb_printf(b, "%s * %s", a, v); break;
    case AIT_OP_DIV:
        if (xi->is_float)
            ait_sb_printf(b, "%s / %s", a, v);
        else /* integer division by zero is UB in C: define it as 0 */
            ait_sb_printf(b, "%s ? %s / %s : 0", v, a, v);
        break;
    case AIT_OP_POW:
        if (x->dtype == AIT_DT_FLOAT && ait_dtype_get(x1->dtype)->is_float)
            ait_sb_printf(b, "powf(%s, (float)%s)", a, v);
        else
            ait_sb_printf(b, "pow((double)%s, (double)%s)", a, v);
        break;
    case AIT_OP_LESS: ait_sb_printf(b, "%s < %s", a, v); break;
    case AIT_OP_GREATER: ait_sb_printf(b, "%s > %s", a, v); break;
    case AIT_OP_EQUAL: ait_sb_printf(b, "%s == %s", a, v); break;
    case AIT_OP_MAX: /* NaN in either operand propagates, as in numpy */
        ait_sb_printf(b, "(%s > %s || %s != %s) ? %s : %s", a, v, a, a, a, v);
        break;
    case AIT_OP_MIN: ait_sb_printf(b, "(%s < %s || %s != %s) ? %s : %s", a, v, a, a, a, v); break;
    default: break;
    }
}

static void emit_index(ait_sb *b, int flat, const ait_tensor *t, const ait_tensor *y)
{
    if (flat) {
        ait_sb_puts(b, "i0");
        return;
    }
    int64_t st[AIT_MAX_RANK];
    ait_bcast_strides(t->rank, t->dims, y->rank, y->dims, st);
    ait_emit_offset(b, y->rank, st, "i");
}

static void emit_binary(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_tensor *y = ait_node_out(g, n, 0);
    const ait_tensor *x = ait_node_in(g, n, n->op == AIT_OP_WHERE ? 1 : 0);
    const ait_tensor *x1 = ait_node_in(g, n, n->n_in > 1 ? 1 : 0);
    int flat = 1;
    for (int i = 0; i < n->n_in; i++)
        flat &= same_shape(ait_node_in(g, n, i), y);
    int64_t numel = ait_tensor_numel(y);
    int loops = flat ? 1 : y->rank;
    ait_emit_loops(b, loops, flat ? &numel : y->dims, "i");
    for (int i = 0; i < n->n_in; i++) {
        const ait_tensor *t = ait_node_in(g, n, i);
        ait_sb_printf(b, "const %s a%d = x%d[", ait_ctype(t), i, i);
        emit_index(b, flat, t, y);
        ait_sb_puts(b, "];\n");
    }
    if (n->op == AIT_OP_WHERE || n->n_in <= 2) {
        ait_sb_printf(b, "%s r = (%s)(", ait_ctype(y), ait_ctype(y));
        if (n->op == AIT_OP_WHERE)
            ait_sb_puts(b, "a0 ? a1 : a2");
        else if (n->n_in == 1)
            ait_sb_puts(b, "a0");
        else
            combine(b, n, x, x1, "a0", "a1");
        ait_sb_puts(b, ");\n");
    } else {
        ait_sb_printf(b, "%s r = a0;\n", ait_ctype(y));
        for (int i = 1; i < n->n_in; i++) {
            char v[16];
            snprintf(v, sizeof v, "a%d", i);
            ait_sb_puts(b, "r = ");
            combine(b, n, x, x1, "r", v);
            ait_sb_puts(b, ";\n");
        }
    }
    ait_sb_puts(b, "y0[");
    emit_index(b, flat, y, y);
    ait_sb_puts(b, "] = r;\n");
    ait_emit_close(b, loops);
}

const ait_template ait_ref_binary = {.family = "binary", .emit = emit_binary};
