/* Reference: the Reduce ops and ArgMax/ArgMin.  Kept axes iterate in input
 * order, so the output index simply counts up. */
#include <inttypes.h>
#include <string.h>

#include "templates/emit_util.h"

/* One reduction: the accumulator's start ("" for a min/max: the type's extreme), the step over
 * each value v, the result from r. LogSumExp takes the max first (see emit). */
typedef struct {
    int op;
    const char *step, *result;
} reduction;

static const reduction reductions[] = {
    {AIT_OP_REDUCE_SUM, "r += v;", "r"},
    {AIT_OP_REDUCE_MEAN, "r += v;", "r / COUNT"},
    {AIT_OP_REDUCE_MAX, "if (v > r || v != v) r = v;", "r"},
    {AIT_OP_REDUCE_MIN, "if (v < r || v != v) r = v;", "r"},
    {AIT_OP_REDUCE_PROD, "r *= v;", "r"},
    {AIT_OP_REDUCE_L1, "r += v < 0 ? -v : v;", "r"},
    {AIT_OP_REDUCE_L2, "r += v * v;", "sqrt((double)r)"},
    {AIT_OP_REDUCE_SUM_SQUARE, "r += v * v;", "r"},
    {AIT_OP_REDUCE_LOG_SUM, "r += v;", "log((double)r)"},
    {AIT_OP_REDUCE_LOG_SUM_EXP, "r += exp((double)v - m);", "m + log(r)"},
};

static const reduction *reduction_of(int op)
{
    for (size_t i = 0; i < sizeof reductions / sizeof reductions[0]; i++)
        if (reductions[i].op == op)
            return &reductions[i];
    return NULL;
}

/* The start of r: 1 for a product, the far end of the type for a max or min, else 0. */
static void emit_start(ait_sb *b, int op, const ait_tensor *x)
{
    const ait_dtype_info *di = ait_dtype_get(x->dtype);
    int bits = (int)di->size * 8;
    if (op == AIT_OP_REDUCE_PROD)
        ait_sb_puts(b, "1");
    else if (op == AIT_OP_REDUCE_MAX) /* an empty set gives -inf, or the type's minimum */
        ait_sb_printf(b, di->is_float ? "-INFINITY" : di->is_signed ? "INT%d_MIN" : "0", bits);
    else if (op == AIT_OP_REDUCE_MIN)
        ait_sb_printf(b, di->is_float ? "INFINITY" : di->is_signed ? "INT%d_MAX" : "UINT%d_MAX", bits);
    else
        ait_sb_puts(b, "0");
}

static void open_loops(ait_sb *b, const ait_reduce_params *p, const ait_tensor *x, int reduced)
{
    for (int k = 0; k < x->rank; k++)
        if (p->reduce[k] == reduced)
            ait_sb_printf(b, "for (long i%d = 0; i%d < %" PRId64 "; i%d++) {\n", k, k, x->dims[k], k);
}

static int count_loops(const ait_reduce_params *p, const ait_tensor *x, int reduced)
{
    int c = 0;
    for (int k = 0; k < x->rank; k++)
        c += p->reduce[k] == reduced;
    return c;
}

/* Elements that reduce into each output. */
static int64_t reduced_count(const ait_reduce_params *p, const ait_tensor *x)
{
    int64_t c = 1;
    for (int k = 0; k < x->rank; k++)
        if (p->reduce[k])
            c *= x->dims[k];
    return c;
}

/* `const T v = x0[...];` at the current indices. */
static void emit_load(ait_sb *b, const ait_graph *g, const ait_tensor *x)
{
    int64_t st[AIT_MAX_RANK];
    ait_strides(x->rank, x->dims, st);
    ait_sb_printf(b, "const %s v = x0[", ait_ctype(x));
    ait_emit_offset(b, g->extents_vary, x->rank, st, "i");
    ait_sb_puts(b, "];\n");
}

static void emit_reduce(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_reduce_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0), *y = ait_node_out(g, n, 0);
    if (p->identity) {
        ait_sb_printf(b, "memcpy(y0, x0, %zu);\n", ait_tensor_bytes(x));
        return;
    }
    const reduction *rd = reduction_of(n->op);
    int fl = ait_dtype_get(x->dtype)->is_float, minmax = n->op == AIT_OP_REDUCE_MAX || n->op == AIT_OP_REDUCE_MIN;
    /* floats sum in double; a min or max stays in the type; integers add in their own type, as numpy */
    const char *acc = fl && !minmax ? "double" : ait_ctype(x);
    int64_t count = reduced_count(p, x);
    int kept = count_loops(p, x, 0), red = count_loops(p, x, 1);
    ait_sb_puts(b, "long oi = 0;\n");
    open_loops(b, p, x, 0);
    if (n->op == AIT_OP_REDUCE_LOG_SUM_EXP) { /* exp of v - max, so nothing overflows */
        ait_sb_puts(b, "double m = -INFINITY;\n");
        open_loops(b, p, x, 1);
        emit_load(b, g, x);
        ait_sb_puts(b, "if ((double)v > m) m = (double)v;\n");
        ait_emit_close(b, red);
        ait_sb_puts(b, "if (m == -INFINITY || m == INFINITY || m != m) m = m == m ? 0 : m;\n");
    }
    ait_sb_printf(b, "%s r = ", acc);
    emit_start(b, n->op, x);
    ait_sb_puts(b, ";\n");
    open_loops(b, p, x, 1);
    emit_load(b, g, x);
    ait_sb_printf(b, "%s\n", rd->step);
    ait_emit_close(b, red);
    ait_sb_printf(b, "y0[oi++] = (%s)(", ait_ctype(y));
    if (n->op == AIT_OP_REDUCE_MEAN)
        ait_sb_printf(b, "r / %" PRId64, count);
    else
        ait_sb_puts(b, rd->result);
    ait_sb_puts(b, ");\n");
    ait_emit_close(b, kept);
    ait_sb_puts(b, "(void)oi;\n");
}

/* ArgMax/ArgMin: the first (or last) index of the extreme along the one reduced axis. */
static void emit_arg(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_reduce_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0);
    int ax = 0;
    while (!p->reduce[ax])
        ax++;
    const char *cmp = n->op == AIT_OP_ARG_MAX ? (p->select_last ? ">=" : ">") : (p->select_last ? "<=" : "<");
    ait_sb_puts(b, "long oi = 0;\n");
    open_loops(b, p, x, 0);
    ait_sb_printf(b, "%s best = 0;\nint64_t at = 0;\n", ait_ctype(x));
    open_loops(b, p, x, 1);
    emit_load(b, g, x);
    ait_sb_printf(b, "if (i%d == 0 || v %s best) { best = v; at = i%d; }\n", ax, cmp, ax);
    ait_emit_close(b, 1);
    ait_sb_puts(b, "y0[oi++] = at;\n");
    ait_emit_close(b, count_loops(p, x, 0));
    ait_sb_puts(b, "(void)oi;\n");
}

/* MeanVarianceNormalization: the mean, then the variance about it, then the output, each a
 * pass over the reduced axes. */
static void emit_mvn(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_reduce_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0);
    int64_t count = reduced_count(p, x), st[AIT_MAX_RANK];
    ait_strides(x->rank, x->dims, st);
    int red = count_loops(p, x, 1);
    open_loops(b, p, x, 0);
    ait_sb_puts(b, "double mean = 0, var = 0;\n");
    open_loops(b, p, x, 1);
    emit_load(b, g, x);
    ait_sb_puts(b, "mean += v;\n");
    ait_emit_close(b, red);
    ait_sb_printf(b, "mean /= %" PRId64 ";\n", count ? count : 1);
    open_loops(b, p, x, 1);
    emit_load(b, g, x);
    ait_sb_puts(b, "var += (v - mean) * (v - mean);\n");
    ait_emit_close(b, red);
    ait_sb_printf(b, "const double den = sqrt(var / %" PRId64 ") + 1e-9;\n", count ? count : 1);
    open_loops(b, p, x, 1);
    ait_sb_puts(b, "const long k = ");
    ait_emit_offset(b, g->extents_vary, x->rank, st, "i");
    ait_sb_printf(b, ";\ny0[k] = (%s)((x0[k] - mean) / den);\n", ait_ctype(x));
    ait_emit_close(b, red);
    ait_emit_close(b, count_loops(p, x, 0));
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    if (n->op == AIT_OP_MEAN_VARIANCE_NORM)
        emit_mvn(b, g, n);
    else if (n->op == AIT_OP_ARG_MAX || n->op == AIT_OP_ARG_MIN)
        emit_arg(b, g, n);
    else
        emit_reduce(b, g, n);
}

const ait_template ait_ref_reduce = {.family = "reduce", .emit = emit};
