#include "templates/emit_util.h"

#include <inttypes.h>
#include <math.h>

const char *ait_ctype(const ait_tensor *t)
{
    return ait_dtype_get(t->dtype)->ctype;
}

const char *ait_mathsuf(const ait_tensor *t)
{
    return t->dtype == AIT_DT_DOUBLE ? "" : "f";
}

void ait_emit_lit(ait_sb *b, int dtype, double v)
{
    const ait_dtype_info *dt = ait_dtype_get(dtype);
    if (dt->is_float) {
        const char *suf = dtype == AIT_DT_FLOAT ? "f" : "";
        if (isnan(v))
            ait_sb_puts(b, "NAN");
        else if (isinf(v))
            ait_sb_puts(b, v > 0 ? "INFINITY" : "(-INFINITY)");
        else if (dtype == AIT_DT_FLOAT)
            ait_sb_printf(b, "%s%a%s", signbit(v) ? "(" : "", (double)(float)v, signbit(v) ? "f)" : suf);
        else
            ait_sb_printf(b, "%s%a%s", signbit(v) ? "(" : "", v, signbit(v) ? ")" : suf);
    } else if (dtype == AIT_DT_BOOL) {
        ait_sb_puts(b, v != 0 ? "1" : "0");
    } else if (v <= -9223372036854775807.0) {
        ait_sb_puts(b, "(-9223372036854775807LL - 1)");
    } else if (v < 0) {
        ait_sb_printf(b, "(%lldLL)", (long long)v);
    } else {
        ait_sb_printf(b, "%lluULL", (unsigned long long)v);
    }
}

void ait_emit_hard_sigmoid(ait_sb *b, int dtype, double alpha, double beta, const char *v)
{
    const char *f = dtype == AIT_DT_DOUBLE ? "" : "f";
    ait_sb_printf(b, "fmax%s(0, fmin%s(1, ", f, f);
    ait_emit_lit(b, dtype, alpha);
    ait_sb_printf(b, " * %s + ", v);
    ait_emit_lit(b, dtype, beta);
    ait_sb_puts(b, "))");
}

void ait_emit_loops(ait_sb *b, int rank, const int64_t *dims, const char *p)
{
    for (int k = 0; k < rank; k++)
        ait_sb_printf(b, "for (long %s%d = 0; %s%d < %" PRId64 "; %s%d++) {\n", p, k, p, k, dims[k], p, k);
}

void ait_emit_close(ait_sb *b, int rank)
{
    for (int k = 0; k < rank; k++)
        ait_sb_puts(b, "}\n");
}

void ait_emit_offset(ait_sb *b, int every, int rank, const int64_t *strides, const char *p)
{
    int any = 0;
    for (int k = 0; k < rank; k++) {
        if (!strides[k] && !every)
            continue;
        ait_sb_printf(b, any ? " + " : "");
        if (strides[k] == 1 && !every)
            ait_sb_printf(b, "%s%d", p, k);
        else
            ait_sb_printf(b, "%s%d * %" PRId64, p, k, strides[k]);
        any = 1;
    }
    if (!any)
        ait_sb_puts(b, "0");
}

void ait_emit_table(ait_sb *b, const char *name, const int64_t *v, int64_t count)
{
    ait_sb_printf(b, "static const long %s[%" PRId64 "] = {", name, count ? count : 1);
    for (int64_t i = 0; i < count; i++)
        ait_sb_printf(b, "%s%" PRId64, i % 16 ? ", " : (i ? ",\n" : ""), v[i]);
    ait_sb_puts(b, count ? "};\n" : "0};\n");
}

void ait_emit_ftable(ait_sb *b, const char *ctype, const char *name, const double *v, int64_t count)
{
    ait_sb_printf(b, "static const %s %s[%" PRId64 "] = {", ctype, name, count ? count : 1);
    for (int64_t i = 0; i < count; i++) {
        ait_sb_puts(b, i % 8 ? ", " : (i ? ",\n" : ""));
        ait_emit_lit(b, AIT_DT_DOUBLE, v[i]);
    }
    ait_sb_puts(b, count ? "};\n" : "0};\n");
}

int ait_split(const ait_graph *g, const ait_node *n)
{
    return g->tasks > 1 && !g->extents_vary && !(n && n->knobs[AIT_KNOB_SERIAL]) ? g->tasks : 0;
}

void ait_emit_task_part(ait_sb *b, const ait_graph *g, const char *v, long long count, long long align)
{
    int T = ait_split(g, NULL);
    long long units = (count + align - 1) / align;
    /* units * (task + 1) / T whole units: shares differ by at most one unit */
    ait_sb_printf(b,
                  "const long %s_lo = (long)task_ * %lld / %d * %lld;\n"
                  "const long %s_hi = task_ + 1 == %d ? %lld : ((long)task_ + 1) * %lld / %d * %lld;\n",
                  v, units, T, align, v, T, count, units, T, align);
}

void ait_emit_phase(ait_sb *b, int p)
{
    ait_sb_printf(b, "if (phase_ == %d) {\n", p);
}

void ait_emit_conv_geometry(ait_sb *b, const ait_conv_params *p)
{
    ait_sb_printf(b,
                  "enum { N_ = %" PRId64 ", CI = %" PRId64 ", CO = %" PRId64 ", G = %" PRId64 ",\n"
                  "ID = %" PRId64 ", IH = %" PRId64 ", IW = %" PRId64 ", OD = %" PRId64 ", OH = %" PRId64
                  ", OW = %" PRId64 ",\n"
                  "KD = %" PRId64 ", KH = %" PRId64 ", KW = %" PRId64 ", SD = %" PRId64 ", SH = %" PRId64
                  ", SW = %" PRId64 ",\n"
                  "DD = %" PRId64 ", DH = %" PRId64 ", DW = %" PRId64 ", PD = %" PRId64 ", PH = %" PRId64
                  ", PW = %" PRId64 " };\n",
                  p->n, p->cin, p->cout, p->group, p->in[0], p->in[1], p->in[2], p->out[0], p->out[1], p->out[2],
                  p->k[0], p->k[1], p->k[2], p->stride[0], p->stride[1], p->stride[2], p->dil[0], p->dil[1],
                  p->dil[2], p->pad_lo[0], p->pad_lo[1], p->pad_lo[2]);
}
