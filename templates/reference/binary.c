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
    case AIT_OP_LESS_OR_EQUAL: ait_sb_printf(b, "%s <= %s", a, v); break;
    case AIT_OP_GREATER_OR_EQUAL: ait_sb_printf(b, "%s >= %s", a, v); break;
    case AIT_OP_EQUAL: ait_sb_printf(b, "%s == %s", a, v); break;
    case AIT_OP_MEAN: ait_sb_printf(b, "%s + %s", a, v); break; /* divided once all are summed */
    case AIT_OP_AND: ait_sb_printf(b, "%s && %s", a, v); break;
    case AIT_OP_OR: ait_sb_printf(b, "%s || %s", a, v); break;
    case AIT_OP_XOR: ait_sb_printf(b, "!%s != !%s", a, v); break;
    case AIT_OP_BITWISE_AND: ait_sb_printf(b, "%s & %s", a, v); break;
    case AIT_OP_BITWISE_OR: ait_sb_printf(b, "%s | %s", a, v); break;
    case AIT_OP_BITWISE_XOR: ait_sb_printf(b, "%s ^ %s", a, v); break;
    case AIT_OP_BIT_SHIFT: { /* a shift by the width or more is UB in C; numpy gives 0 */
        const ait_binary_params *p = n->params;
        ait_sb_printf(b, "%s >= %d ? 0 : (uint64_t)%s %s %s", v, (int)xi->size * 8, a, p->shift_left ? "<<" : ">>", v);
        break;
    }
    case AIT_OP_PRELU: ait_sb_printf(b, "%s < 0 ? %s * %s : %s", a, v, a, a); break;
    case AIT_OP_MOD: {
        const ait_binary_params *p = n->params;
        if (xi->is_float) /* fmod = 1 (the only form floats allow) */
            ait_sb_printf(b, "fmod%s(%s, %s)", x->dtype == AIT_DT_FLOAT ? "f" : "", a, v);
        else if (!xi->is_signed) /* x % 0 is UB in C: define it as 0 */
            ait_sb_printf(b, "%s == 0 ? 0 : %s %% %s", v, a, v);
        else if (p->fmod) /* INT_MIN % -1 is UB too; the remainder is 0 */
            ait_sb_printf(b, "%s == 0 || %s == -1 ? 0 : %s %% %s", v, v, a, v);
        else /* the remainder takes the divisor's sign, as Python's % */
            ait_sb_printf(b,
                          "%s == 0 || %s == -1 ? 0 : (%s %% %s != 0 && (%s %% %s < 0) != (%s < 0)) ? %s %% %s + %s : %s %% %s",
                          v, v, a, v, a, v, v, a, v, v, a, v);
        break;
    }
    case AIT_OP_MAX: /* NaN in either operand propagates, as in numpy */
        ait_sb_printf(b, "(%s > %s || %s != %s) ? %s : %s", a, v, a, a, a, v);
        break;
    case AIT_OP_MIN: ait_sb_printf(b, "(%s < %s || %s != %s) ? %s : %s", a, v, a, a, a, v); break;
    default: break;
    }
}

static void emit_index(ait_sb *b, const ait_graph *g, int flat, const ait_tensor *t, const ait_tensor *y)
{
    if (flat) {
        ait_sb_puts(b, "i0");
        return;
    }
    int64_t st[AIT_MAX_RANK];
    ait_bcast_strides(t->rank, t->dims, y->rank, y->dims, st);
    ait_emit_offset(b, g->extents_vary, y->rank, st, "i");
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
        emit_index(b, g, flat, t, y);
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
    if (n->op == AIT_OP_MEAN)
        ait_sb_printf(b, "r /= %d;\n", n->n_in);
    ait_sb_puts(b, "y0[");
    emit_index(b, g, flat, y, y);
    ait_sb_puts(b, "] = r;\n");
    ait_emit_close(b, loops);
}

const ait_template ait_ref_binary = {.family = "binary", .emit = emit_binary};
