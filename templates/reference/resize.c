/* Reference: Resize from per-axis index/weight tables computed by resolve. */
#include <inttypes.h>
#include <stdio.h>

#include "templates/emit_util.h"

static int is_identity_axis(const ait_resize_params *p, int a, int64_t in, int64_t out)
{
    if (in != out)
        return 0;
    for (int64_t o = 0; o < out; o++)
        if (p->lo[a][o] != o || (!p->nearest && p->w[a][o] != 0) || p->outside[a][o])
            return 0;
    return 1;
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_resize_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0), *y = ait_node_out(g, n, 0);
    int64_t xs[AIT_MAX_RANK];
    ait_strides(x->rank, x->dims, xs);
    int ident[AIT_MAX_RANK], interp[AIT_MAX_RANK], ni = 0;
    char name[32];
    for (int a = 0; a < p->rank; a++) {
        ident[a] = is_identity_axis(p, a, x->dims[a], y->dims[a]);
        if (ident[a])
            continue;
        snprintf(name, sizeof name, "lo%d", a);
        ait_emit_table(b, name, p->lo[a], y->dims[a]);
        if (!p->nearest) {
            snprintf(name, sizeof name, "hi%d", a);
            ait_emit_table(b, name, p->hi[a], y->dims[a]);
            snprintf(name, sizeof name, "w%d", a);
            ait_emit_ftable(b, "double", name, p->w[a], y->dims[a]);
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
            if (!ident[a])
                ait_sb_printf(b, " || out%d[i%d]", a, a);
        ait_sb_printf(b, ") { y0[oi++] = (%s)", ait_ctype(y));
        ait_emit_lit(b, AIT_DT_DOUBLE, p->extrapolation);
        ait_sb_puts(b, "; continue; }\n");
    }
    /* base offset from the axes that are not interpolated */
    ait_sb_puts(b, "long base = 0");
    for (int a = 0; a < p->rank; a++) {
        int is_interp = 0;
        for (int j = 0; j < ni; j++)
            is_interp |= interp[j] == a;
        if (is_interp || !xs[a])
            continue;
        if (ident[a])
            ait_sb_printf(b, " + i%d * %" PRId64, a, xs[a]);
        else
            ait_sb_printf(b, " + lo%d[i%d] * %" PRId64, a, a, xs[a]);
    }
    ait_sb_puts(b, ";\n");
    if (p->nearest || ni == 0) {
        ait_sb_puts(b, "y0[oi++] = x0[base];\n");
    } else {
        ait_sb_printf(b, "double acc = 0;\nfor (int c = 0; c < %d; c++) {\ndouble wt = 1;\nlong off = base;\n",
                      1 << ni);
        for (int j = 0; j < ni; j++) {
            int a = interp[j];
            ait_sb_printf(b,
                          "if (c >> %d & 1) { wt *= w%d[i%d]; off += hi%d[i%d] * %" PRId64 "; }\n"
                          "else { wt *= 1 - w%d[i%d]; off += lo%d[i%d] * %" PRId64 "; }\n",
                          j, a, a, a, a, xs[a], a, a, a, a, xs[a]);
        }
        ait_sb_printf(b, "acc += wt * x0[off];\n}\ny0[oi++] = (%s)acc;\n", ait_ctype(y));
    }
    ait_emit_close(b, y->rank);
    ait_sb_puts(b, "(void)oi;\n");
}

const ait_template ait_ref_resize = {.family = "resize", .emit = emit};
