/* Reference: Resize from per-axis tap tables computed by resolve: an axis
 * whose every output is one source element with weight 1 (nearest, or an
 * unchanged axis) indexes directly; the others sum their taps. */
#include <inttypes.h>
#include <stdio.h>

#include "templates/emit_util.h"

/* Each output takes exactly one source element with weight 1 (the rest weigh 0). */
static int single_tap(const ait_resize_params *p, int a, int64_t out, int64_t *pick)
{
    int t = p->taps[a];
    for (int64_t o = 0; o < out; o++) {
        int found = -1;
        for (int k = 0; k < t; k++) {
            double w = p->wt[a][o * t + k];
            if (w == 1 && found < 0)
                found = k;
            else if (w != 0)
                return 0;
        }
        if (found < 0)
            return 0;
        pick[o] = p->idx[a][o * t + found];
    }
    return 1;
}

static int is_identity(const int64_t *pick, int64_t in, int64_t out)
{
    if (in != out)
        return 0;
    for (int64_t o = 0; o < out; o++)
        if (pick[o] != o)
            return 0;
    return 1;
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_resize_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0), *y = ait_node_out(g, n, 0);
    int64_t xs[AIT_MAX_RANK];
    ait_strides(x->rank, x->dims, xs);
    int ident[AIT_MAX_RANK], direct[AIT_MAX_RANK], interp[AIT_MAX_RANK], ni = 0;
    char name[32];
    for (int a = 0; a < p->rank; a++) {
        int64_t *pick = AIT_NEW(g->arena, int64_t, y->dims[a] + 1);
        direct[a] = single_tap(p, a, y->dims[a], pick);
        ident[a] = direct[a] && !p->any_outside && is_identity(pick, x->dims[a], y->dims[a]);
        if (direct[a] && !ident[a]) {
            snprintf(name, sizeof name, "ix%d", a);
            ait_emit_table(b, name, pick, y->dims[a]);
        } else if (!direct[a]) {
            snprintf(name, sizeof name, "ix%d", a);
            ait_emit_table(b, name, p->idx[a], y->dims[a] * p->taps[a]);
            snprintf(name, sizeof name, "wt%d", a);
            ait_emit_ftable(b, "double", name, p->wt[a], y->dims[a] * p->taps[a]);
            interp[ni++] = a;
        }
        if (p->any_outside) {
            int64_t *v = AIT_NEW(g->arena, int64_t, y->dims[a] + 1);
            for (int64_t o = 0; o < y->dims[a]; o++)
                v[o] = p->outside[a][o];
            snprintf(name, sizeof name, "out%d", a);
            ait_emit_table(b, name, v, y->dims[a]);
        }
    }
    ait_sb_puts(b, "long oi = 0;\n");
    ait_emit_loops(b, y->rank, y->dims, "i");
    if (p->any_outside) {
        ait_sb_puts(b, "if (0");
        for (int a = 0; a < p->rank; a++)
            ait_sb_printf(b, " || out%d[i%d]", a, a);
        ait_sb_printf(b, ") { y0[oi++] = (%s)", ait_ctype(y));
        ait_emit_lit(b, AIT_DT_DOUBLE, p->extrapolation);
        ait_sb_puts(b, "; continue; }\n");
    }
    /* base offset from the axes that index directly */
    ait_sb_puts(b, "long base = 0");
    for (int a = 0; a < p->rank; a++) {
        if (!direct[a] || !xs[a])
            continue;
        if (ident[a])
            ait_sb_printf(b, " + i%d * %" PRId64, a, xs[a]);
        else
            ait_sb_printf(b, " + ix%d[i%d] * %" PRId64, a, a, xs[a]);
    }
    ait_sb_puts(b, ";\n");
    if (ni == 0) {
        ait_sb_puts(b, "y0[oi++] = x0[base];\n");
    } else {
        ait_sb_puts(b, "double acc = 0;\n");
        for (int j = 0; j < ni; j++) {
            int a = interp[j], t = p->taps[a];
            ait_sb_printf(b, "for (long t%d = i%d * %d; t%d < i%d * %d + %d; t%d++) {\n", j, a, t, j, a, t, t, j);
        }
        ait_sb_puts(b, "acc += ");
        for (int j = 0; j < ni; j++)
            ait_sb_printf(b, "wt%d[t%d] * ", interp[j], j);
        ait_sb_puts(b, "x0[base");
        for (int j = 0; j < ni; j++)
            if (xs[interp[j]])
                ait_sb_printf(b, " + ix%d[t%d] * %" PRId64, interp[j], j, xs[interp[j]]);
        ait_sb_puts(b, "];\n");
        ait_emit_close(b, ni);
        ait_sb_printf(b, "y0[oi++] = (%s)acc;\n", ait_ctype(y));
    }
    ait_emit_close(b, y->rank);
    ait_sb_puts(b, "(void)oi;\n");
}

const ait_template ait_ref_resize = {.family = "resize", .emit = emit};
