/* Reference: BatchNormalization, LayerNormalization, Softmax, LogSoftmax, Hardmax,
 * InstanceNormalization, GroupNormalization, LRN, LpNormalization. */
#include <inttypes.h>

#include "templates/emit_util.h"

static void emit_batchnorm(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_norm_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0);
    const char *f = ait_mathsuf(x), *t = ait_ctype(x);
    ait_sb_printf(b, "for (long o = 0; o < %" PRId64 "; o++)\nfor (long c = 0; c < %" PRId64 "; c++) {\n", p->outer,
                  p->axis_len);
    ait_sb_printf(b, "const %s inv = 1 / sqrt%s(x4[c] + ", t, f);
    ait_emit_lit(b, x->dtype, p->epsilon);
    ait_sb_printf(b, ");\nfor (long i = 0; i < %" PRId64 "; i++) {\n", p->inner);
    ait_sb_printf(b, "const long k = (o * %" PRId64 " + c) * %" PRId64 " + i;\n", p->axis_len, p->inner);
    ait_sb_puts(b, "y0[k] = (x0[k] - x3[c]) * inv * x1[c] + x2[c];\n}\n}\n");
}

static int is_identity(const int64_t *off, int64_t count)
{
    for (int64_t i = 0; i < count; i++)
        if (off[i] != i)
            return 0;
    return 1;
}

static void emit_layernorm(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_norm_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0);
    int sid = is_identity(p->scale_off, p->inner), bid = !p->bias_off || is_identity(p->bias_off, p->inner);
    if (!sid)
        ait_emit_table(b, "soff", p->scale_off, p->inner);
    if (!bid)
        ait_emit_table(b, "boff", p->bias_off, p->inner);
    ait_sb_printf(b, "enum { L = %" PRId64 " };\nfor (long o = 0; o < %" PRId64 "; o++) {\n", p->inner, p->outer);
    ait_sb_printf(b, "const %s *xr = x0 + o * L;\n%s *yr = y0 + o * L;\n", ait_ctype(x), ait_ctype(x));
    ait_sb_puts(b, "double mean = 0, var = 0, inv;\nfor (long j = 0; j < L; j++) mean += xr[j];\nmean /= L;\n"
                   "for (long j = 0; j < L; j++) var += (xr[j] - mean) * (xr[j] - mean);\nvar /= L;\n");
    ait_sb_puts(b, "inv = 1 / sqrt(var + ");
    ait_emit_lit(b, AIT_DT_DOUBLE, p->epsilon);
    ait_sb_printf(b, ");\nfor (long j = 0; j < L; j++)\nyr[j] = (%s)((xr[j] - mean) * inv * x1[%s]", ait_ctype(x),
                  sid ? "j" : "soff[j]");
    if (p->bias_off)
        ait_sb_printf(b, " + x2[%s]", bid ? "j" : "boff[j]");
    ait_sb_puts(b, ");\n");
    if (ait_node_out(g, n, 1))
        ait_sb_puts(b, "y1[o] = (float)mean;\n");
    if (ait_node_out(g, n, 2))
        ait_sb_puts(b, "y2[o] = (float)inv;\n");
    ait_sb_puts(b, "}\n");
}

static void emit_softmax(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_norm_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0);
    const char *f = ait_mathsuf(x);
    ait_sb_printf(b, "enum { L = %" PRId64 ", S = %" PRId64 " };\n", p->axis_len, p->inner);
    ait_sb_printf(b, "for (long o = 0; o < %" PRId64 "; o++)\nfor (long i = 0; i < S; i++) {\n", p->outer);
    ait_sb_printf(b, "const %s *xr = x0 + o * L * S + i;\n%s *yr = y0 + o * L * S + i;\n", ait_ctype(x),
                  ait_ctype(x));
    ait_sb_printf(b, "%s mx = -INFINITY;\ndouble sum = 0;\n", ait_ctype(x));
    ait_sb_puts(b, "for (long j = 0; j < L; j++) if (xr[j * S] > mx) mx = xr[j * S];\n");
    ait_sb_printf(b, "for (long j = 0; j < L; j++) sum += exp%s(xr[j * S] - mx);\n", f);
    if (n->op == AIT_OP_SOFTMAX)
        ait_sb_printf(b, "for (long j = 0; j < L; j++) yr[j * S] = (%s)(exp%s(xr[j * S] - mx) / sum);\n}\n",
                      ait_ctype(x), f);
    else
        ait_sb_printf(b, "for (long j = 0; j < L; j++) yr[j * S] = (%s)(xr[j * S] - mx - log(sum));\n}\n",
                      ait_ctype(x));
}

/* Hardmax: 1 at the first maximum along the axis, 0 elsewhere. */
static void emit_hardmax(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_norm_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0);
    if (!p->axis_len)
        return;
    ait_sb_printf(b, "enum { L = %" PRId64 ", S = %" PRId64 " };\n", p->axis_len, p->inner);
    ait_sb_printf(b, "for (long o = 0; o < %" PRId64 "; o++)\nfor (long i = 0; i < S; i++) {\n", p->outer);
    ait_sb_printf(b, "const %s *xr = x0 + o * L * S + i;\n%s *yr = y0 + o * L * S + i;\nlong at = 0;\n", ait_ctype(x),
                  ait_ctype(x));
    ait_sb_puts(b, "for (long j = 1; j < L; j++) if (xr[j * S] > xr[at * S]) at = j;\n"
                   "for (long j = 0; j < L; j++) yr[j * S] = j == at;\n}\n");
}

/* InstanceNormalization (one group per channel) and GroupNormalization: mean and variance per
 * (n, group) over the group's channels and the spatial axes. */
static void emit_group_norm(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_norm_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0);
    int64_t groups = n->op == AIT_OP_GROUP_NORM ? p->groups : p->axis_len, per = p->axis_len / groups;
    int64_t len = per * p->inner;
    ait_sb_printf(b, "for (long o = 0; o < %" PRId64 "; o++)\nfor (long gi = 0; gi < %" PRId64 "; gi++) {\n", p->outer,
                  groups);
    ait_sb_printf(b, "const long base = (o * %" PRId64 " + gi) * %" PRId64 ";\n", groups, len);
    ait_sb_printf(b, "double mean = 0, var = 0;\nfor (long j = 0; j < %" PRId64 "; j++) mean += x0[base + j];\n", len);
    ait_sb_printf(b, "mean /= %" PRId64 ";\n", len ? len : 1);
    ait_sb_printf(b, "for (long j = 0; j < %" PRId64 "; j++) var += (x0[base + j] - mean) * (x0[base + j] - mean);\n",
                  len);
    ait_sb_printf(b, "const double inv = 1 / sqrt(var / %" PRId64 " + ", len ? len : 1);
    ait_emit_lit(b, AIT_DT_DOUBLE, p->epsilon);
    ait_sb_printf(b, ");\nfor (long c = 0; c < %" PRId64 "; c++) {\n", per);
    ait_sb_puts(b, p->per_group_scale ? "const long pc = gi;\n" : "const long pc = gi * ");
    if (!p->per_group_scale)
        ait_sb_printf(b, "%" PRId64 " + c;\n", per);
    ait_sb_printf(b, "for (long i = 0; i < %" PRId64 "; i++) {\n", p->inner);
    ait_sb_printf(b, "const long k = base + c * %" PRId64 " + i;\n", p->inner);
    ait_sb_printf(b, "y0[k] = (%s)((x0[k] - mean) * inv * x1[pc] + x2[pc]);\n}\n}\n}\n", ait_ctype(x));
}

/* LRN: each value over (bias + alpha / size * the sum of squares in a window of channels)^beta. */
static void emit_lrn(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_norm_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0);
    int64_t lo = (p->size - 1) / 2, hi = p->size / 2; /* floor and ceil of (size - 1) / 2 */
    ait_sb_printf(b, "enum { C = %" PRId64 ", S = %" PRId64 " };\n", p->axis_len, p->inner);
    ait_sb_printf(b, "for (long o = 0; o < %" PRId64 "; o++)\nfor (long c = 0; c < C; c++)\nfor (long i = 0; i < S; i++) {\n",
                  p->outer);
    ait_sb_printf(b, "double sq = 0;\nfor (long j = c - %" PRId64 "; j <= c + %" PRId64 "; j++)\n", lo, hi);
    ait_sb_puts(b, "if (j >= 0 && j < C) { const double v = x0[(o * C + j) * S + i]; sq += v * v; }\n");
    ait_sb_printf(b, "const long k = (o * C + c) * S + i;\ny0[k] = (%s)(x0[k] / pow(%a + %a * sq, %a));\n}\n",
                  ait_ctype(x), (double)p->bias, (double)p->alpha / (double)p->size, (double)p->beta);
}

/* LpNormalization: each value over the L1 or L2 norm of its slice along the axis. */
static void emit_lp_norm(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_norm_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0);
    ait_sb_printf(b, "enum { L = %" PRId64 ", S = %" PRId64 " };\n", p->axis_len, p->inner);
    ait_sb_printf(b, "for (long o = 0; o < %" PRId64 "; o++)\nfor (long i = 0; i < S; i++) {\n", p->outer);
    ait_sb_printf(b, "const %s *xr = x0 + o * L * S + i;\n%s *yr = y0 + o * L * S + i;\ndouble s = 0;\n", ait_ctype(x),
                  ait_ctype(x));
    if (p->p == 1)
        ait_sb_puts(b, "for (long j = 0; j < L; j++) s += fabs(xr[j * S]);\n");
    else
        ait_sb_puts(b, "for (long j = 0; j < L; j++) s += (double)xr[j * S] * xr[j * S];\ns = sqrt(s);\n");
    ait_sb_printf(b, "for (long j = 0; j < L; j++) yr[j * S] = (%s)(xr[j * S] / s);\n}\n", ait_ctype(x));
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    switch (n->op) {
    case AIT_OP_BATCH_NORM: emit_batchnorm(b, g, n); break;
    case AIT_OP_LAYER_NORM: emit_layernorm(b, g, n); break;
    case AIT_OP_HARDMAX: emit_hardmax(b, g, n); break;
    case AIT_OP_INSTANCE_NORM: case AIT_OP_GROUP_NORM: emit_group_norm(b, g, n); break;
    case AIT_OP_LRN: emit_lrn(b, g, n); break;
    case AIT_OP_LP_NORM: emit_lp_norm(b, g, n); break;
    default: emit_softmax(b, g, n); break;
    }
}

const ait_template ait_ref_norm = {.family = "norm", .emit = emit};
