/* Reference: Resize from per-axis tap tables computed by resolve: an axis
 * whose every output is one source element with weight 1 (nearest, or an
 * unchanged axis) indexes directly; the others sum their taps. */
#include <inttypes.h>
#include <stdio.h>

#include "templates/emit_util.h"

/* Output o takes exactly one source element (*pick) with weight 1 (the rest weigh 0). */
static int tap_of(const ait_resize_params *p, int a, int64_t o, int64_t *pick)
{
    int t = p->taps[a], found = -1;
    for (int k = 0; k < t; k++) {
        double w = p->wt[a][o * t + k];
        if (w == 1 && found < 0)
            found = k;
        else if (w != 0)
            return 0;
    }
    if (found >= 0)
        *pick = p->idx[a][o * t + found];
    return found >= 0;
}

/* Each output takes exactly one source element with weight 1 (the rest weigh 0). */
static int single_tap(const ait_resize_params *p, int a, int64_t out, int64_t *pick)
{
    for (int64_t o = 0; o < out; o++)
        if (!tap_of(p, a, o, &pick[o]))
            return 0;
    return 1;
}

int ait_resize_unchanged_axis(const ait_resize_params *p, int a, int64_t in, int64_t out)
{
    if (in != out)
        return 0;
    for (int64_t o = 0, pick; o < out; o++)
        if (!tap_of(p, a, o, &pick) || pick != o)
            return 0;
    return 1;
}

/* pick[o] = (o * num + add) / den for every o, with small den: a nearest resize by a constant
 * scale.  With extents that vary (g->extents_vary) it is written as that expression, so that
 * the code has one shape at every value of a dynamic axis, where a table's length would vary. */
static int pick_is(const int64_t *pick, int64_t out, int64_t a, int64_t r, int64_t d)
{
    int64_t o = 0;
    while (o < out && (o * a + r) / d == pick[o])
        o++;
    return o == out;
}

static int affine_pick(const int64_t *pick, int64_t in, int64_t out, int64_t *num, int64_t *add, int64_t *den)
{
    /* the extents' ratio first: the same at every value of the axis for a constant scale */
    int64_t g = in, h = out;
    while (h) {
        int64_t t = g % h;
        g = h;
        h = t;
    }
    int64_t a0 = g ? in / g : 0, d0 = g ? out / g : 1;
    for (int64_t r = 0; r < d0 && d0 <= 64; r++)
        if (pick_is(pick, out, a0, r, d0)) {
            *num = a0;
            *add = r;
            *den = d0;
            return 1;
        }
    for (int64_t d = 1; d <= 16; d++)
        for (int64_t a = 0; a <= 8 * d; a++)
            for (int64_t r = 0; r < d; r++)
                if (pick_is(pick, out, a, r, d)) {
                    *num = a;
                    *add = r;
                    *den = d;
                    return 1;
                }
    return 0;
}

/* GridSample, as the ONNX reference computes it: denormalize each grid coordinate (the grid's
 * last axis lists W first), round (nearest), move it inside by the padding mode, then sum the
 * taps (1, 2 or 4 per axis), each fetched with the padding mode (zeros: 0 outside). */
static void emit_grid_sample(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_grid_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0);
    int sp = p->spatial, taps = p->mode == 0 ? 1 : p->mode == 1 ? 2 : 4;
    int64_t in_total = 1;
    for (int i = 0; i < sp; i++)
        in_total *= p->in[i];
    if (!p->n || !p->c || !p->out)
        return;
    ait_emit_table(b, "dims", p->in, sp);
    ait_sb_printf(b, "enum { N = %" PRId64 ", C = %" PRId64 ", S = %d, K = %d, IN = %" PRId64 ", OUT = %" PRId64 " };\n",
                  p->n, p->c, sp, taps, in_total, p->out);
    ait_sb_puts(b, "for (long n = 0; n < N; n++)\nfor (long o = 0; o < OUT; o++) {\n"
                   "long ti[3][4];\ndouble tw[3][4];\nint ok[3][4];\n");
    ait_sb_printf(b, "const %s *gp = x1 + (n * OUT + o) * S;\n", ait_ctype(x));
    ait_sb_puts(b, "for (int i = 0; i < S; i++) {\nconst double d = (double)dims[i];\n");
    ait_sb_printf(b, "const double lo = %s, hi = %s;\n(void)lo;\n(void)hi;\n", p->align_corners ? "0" : "-0.5",
                  p->align_corners ? "d - 1" : "d - 0.5");
    ait_sb_printf(b, "double v = %s;\n", p->align_corners ? "(gp[S - 1 - i] + 1) / 2 * (d - 1)"
                                                           : "((gp[S - 1 - i] + 1) * d - 1) / 2");
    /* the grid is data: a NaN or huge coordinate becomes 0 before any conversion to an integer */
    ait_sb_puts(b, "if (!(v > -1e15 && v < 1e15)) v = 0;\n");
    /* the reference's reflection of a coordinate into [lo, hi] */
    const char *reflect_v = "{\nconst double rg = hi - lo;\n"
                            "if (v < lo) { const double dx = lo - v; const long k = rg > 0 ? (long)(dx / rg) : 0; "
                            "const double r = dx - k * rg; v = k % 2 == 0 ? lo + r : hi - r; }\n"
                            "else if (v > hi) { const double dx = v - hi; const long k = rg > 0 ? (long)(dx / rg) : 0; "
                            "const double r = dx - k * rg; v = k % 2 == 0 ? hi - r : lo + r; }\n}\n";
    if (p->mode == 0)
        ait_sb_puts(b, "v = rint(v);\n");
    if (p->padding == 1)
        ait_sb_puts(b, "if (v < lo || v > hi) v = v < 0 ? 0 : v > d - 1 ? d - 1 : v;\n");
    else if (p->padding == 2)
        ait_sb_puts(b, reflect_v);
    if (p->mode == 0) {
        ait_sb_puts(b, "long t0 = (long)v;\ntw[i][0] = 1;\nti[i][0] = t0;\n");
    } else if (p->mode == 1) {
        ait_sb_puts(b, "const double f = floor(v), r = v - f;\n"
                       "ti[i][0] = (long)f;\nti[i][1] = (long)f + 1;\ntw[i][0] = 1 - r;\ntw[i][1] = r;\n");
    } else {
        ait_sb_puts(b, "const double f = floor(v), r = v - f, A = -0.75;\n"
                       "const double s[4] = {r + 1, r, 1 - r, 2 - r};\n"
                       "for (int k = 0; k < 4; k++) {\nconst double z = s[k];\nti[i][k] = (long)f - 1 + k;\n"
                       "tw[i][k] = z <= 1 ? ((A + 2) * z - (A + 3)) * z * z + 1 : ((A * z - 5 * A) * z + 8 * A) * z - 4 * A;\n}\n");
    }
    /* each tap fetched with the padding mode */
    ait_sb_puts(b, "for (int k = 0; k < K; k++) {\nlong t = ti[i][k];\nok[i][k] = 1;\n");
    if (p->padding == 0)
        ait_sb_puts(b, "ok[i][k] = t >= 0 && t < dims[i];\n");
    else if (p->padding == 1)
        ait_sb_puts(b, "t = t < 0 ? 0 : t >= dims[i] ? dims[i] - 1 : t;\n");
    else
        ait_sb_printf(b, "{\ndouble v = (double)t;\n%st = (long)v;\n}\nt = t < 0 ? 0 : t >= dims[i] ? dims[i] - 1 : t;\n",
                      reflect_v);
    ait_sb_puts(b, "ti[i][k] = ok[i][k] ? t : 0;\n}\n}\n");
    ait_sb_puts(b, "for (long c = 0; c < C; c++) {\ndouble acc = 0;\n");
    const char *var[3] = {"k0", "k1", "k2"};
    for (int i = 0; i < sp; i++)
        ait_sb_printf(b, "for (int %s = 0; %s < K; %s++)\n", var[i], var[i], var[i]);
    ait_sb_puts(b, "{\nif (");
    for (int i = 0; i < sp; i++)
        ait_sb_printf(b, "%sok[%d][%s]", i ? " && " : "", i, var[i]);
    ait_sb_puts(b, ") acc += ");
    for (int i = 0; i < sp; i++)
        ait_sb_printf(b, "tw[%d][%s] * ", i, var[i]);
    ait_sb_puts(b, "x0[(n * C + c) * IN");
    for (int i = 0; i < sp; i++) {
        int64_t st = 1;
        for (int j = i + 1; j < sp; j++)
            st *= p->in[j];
        ait_sb_printf(b, " + ti[%d][%s] * %" PRId64, i, var[i], st);
    }
    ait_sb_printf(b, "];\n}\ny0[(n * C + c) * OUT + o] = (%s)acc;\n}\n}\n", ait_ctype(x));
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    if (n->op == AIT_OP_GRID_SAMPLE) {
        emit_grid_sample(b, g, n);
        return;
    }
    const ait_resize_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0), *y = ait_node_out(g, n, 0);
    int64_t xs[AIT_MAX_RANK];
    ait_strides(x->rank, x->dims, xs);
    int ident[AIT_MAX_RANK], direct[AIT_MAX_RANK], interp[AIT_MAX_RANK], affine[AIT_MAX_RANK], ni = 0;
    int64_t an[AIT_MAX_RANK], aa[AIT_MAX_RANK], ad[AIT_MAX_RANK];
    char name[32];
    for (int a = 0; a < p->rank; a++) {
        int64_t *pick = AIT_NEW(g->arena, int64_t, y->dims[a] + 1);
        direct[a] = single_tap(p, a, y->dims[a], pick);
        ident[a] = direct[a] && !p->any_outside && ait_resize_unchanged_axis(p, a, x->dims[a], y->dims[a]);
        affine[a] = direct[a] && !ident[a] && g->extents_vary && affine_pick(pick, x->dims[a], y->dims[a], &an[a], &aa[a], &ad[a]);
        if (direct[a] && !ident[a] && !affine[a]) {
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
        else if (affine[a])
            ait_sb_printf(b, " + (i%d * %" PRId64 " + %" PRId64 ") / %" PRId64 " * %" PRId64, a, an[a], aa[a], ad[a],
                          xs[a]);
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
