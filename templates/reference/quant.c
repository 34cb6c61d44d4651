/* Reference: the quantization ops, as the ONNX reference computes them: x / scale in the scale's
 * type, rounded half to even (rint, the default rounding mode), then saturated. */
#include <inttypes.h>

#include "templates/emit_util.h"

static void qrange(int dt, long *lo, long *hi)
{
    *lo = dt == AIT_DT_INT8 ? -128 : 0;
    *hi = dt == AIT_DT_INT8 ? 127 : 255;
}

static void emit_q_dq(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_quant_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0), *y = ait_node_out(g, n, 0), *s = ait_node_in(g, n, 1);
    const char *idx = p->per_axis ? "(i / S) % A" : "0";
    ait_sb_printf(b, "enum { S = %" PRId64 ", A = %" PRId64 " };\n", p->inner, p->axis_len);
    ait_sb_printf(b, "for (long i = 0; i < %" PRId64 "; i++) {\n", ait_tensor_numel(x));
    if (n->op == AIT_OP_QUANTIZE_LINEAR) {
        long lo, hi;
        qrange(y->dtype, &lo, &hi);
        ait_sb_printf(b, "%s v = rint%s(x0[i] / x1[%s])%s;\n", ait_ctype(s), ait_mathsuf(s), idx,
                      p->has_zp ? ait_arena_printf(g->arena, " + x2[%s]", idx) : "");
        ait_sb_printf(b, "y0[i] = (%s)(v < %ld ? %ld : v > %ld ? %ld : v);\n}\n", ait_ctype(y), lo, lo, hi, hi);
    } else {
        ait_sb_printf(b, "y0[i] = (%s)((%s)((int32_t)x0[i]%s) * x1[%s]);\n}\n", ait_ctype(y), ait_ctype(y),
                      p->has_zp ? ait_arena_printf(g->arena, " - (int32_t)x2[%s]", idx) : "", idx);
    }
}

static void emit_dynamic(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_tensor *x = ait_node_in(g, n, 0);
    int64_t count = ait_tensor_numel(x);
    ait_sb_printf(b, "float mx = 0, mn = 0, scale, zpf;\nfor (long i = 0; i < %" PRId64 "; i++) {\n"
                     "if (x0[i] > mx) mx = x0[i];\nif (x0[i] < mn) mn = x0[i];\n}\n",
                  count);
    ait_sb_puts(b, "scale = (mx == mn ? 1.0f : mx - mn) / 255.0f;\nzpf = 0 - mn / scale;\n"
                   "zpf = rintf(zpf < 0 ? 0 : zpf > 255 ? 255 : zpf);\n");
    ait_sb_printf(b, "for (long i = 0; i < %" PRId64 "; i++) {\nconst float v = rintf(x0[i] / scale) + zpf;\n"
                     "y0[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);\n}\n",
                  count);
    if (ait_node_out(g, n, 1))
        ait_sb_puts(b, "y1[0] = scale;\n");
    if (ait_node_out(g, n, 2))
        ait_sb_puts(b, "y2[0] = (uint8_t)zpf;\n");
}

/* y = saturate(rint(acc * x_scale * w_scale / y_scale) + y_zp) for QLinear*, as QLinearMatMul; acc
 * itself (int32) otherwise. */
static void emit_requant(ait_sb *b, const ait_graph *g, const ait_node *n, int ql, const char *col)
{
    const ait_quant_params *p = n->params;
    const ait_tensor *y = ait_node_out(g, n, 0);
    if (!ql) {
        ait_sb_puts(b, "y0[yi] = acc;\n}\n");
        return;
    }
    long lo, hi;
    qrange(y->dtype, &lo, &hi);
    /* the reference: acc (int32) times the float32 factor a_scale * b_scale / y_scale, in double */
    ait_sb_printf(b, "const float fact = x1[0] * x4[%s] / x6[0];\n", p->b_scale_per_col ? col : "0");
    ait_sb_puts(b, "const double v = rint((double)acc * fact + (double)x7[0]);\n");
    ait_sb_printf(b, "y0[yi] = (%s)(v < %ld ? %ld : v > %ld ? %ld : v);\n}\n", ait_ctype(y), lo, lo, hi, hi);
}

static void emit_matmul_integer(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_quant_params *p = n->params;
    const ait_matmul_params *mp = p->mm;
    int ql = n->op == AIT_OP_QLINEAR_MATMUL;
    const char *xa = "x0", *xb = ql ? "x3" : "x1", *xazp = "x2", *xbzp = ql ? "x5" : "x3";
    ait_sb_printf(b, "enum { M_ = %" PRId64 ", N_ = %" PRId64 ", K_ = %" PRId64 " };\n", mp->m, mp->n, mp->k);
    ait_emit_table(b, "aoff", mp->a_off, mp->batch);
    ait_emit_table(b, "boff", mp->b_off, mp->batch);
    ait_sb_printf(b, "for (long bi = 0; bi < %" PRId64 "; bi++)\nfor (long m = 0; m < M_; m++)\nfor (long n = 0; n < N_; n++) {\n",
                  mp->batch);
    ait_sb_printf(b, "const int32_t za = %s, zb = %s;\nint32_t acc = 0;\n",
                  p->has_azp ? ait_arena_printf(g->arena, "(int32_t)%s[%s]", xazp, p->a_per_row ? "m" : "0") : "0",
                  p->has_bzp ? ait_arena_printf(g->arena, "(int32_t)%s[%s]", xbzp, p->b_per_col ? "n" : "0") : "0");
    ait_sb_printf(b, "for (long k = 0; k < K_; k++)\nacc += ((int32_t)%s[aoff[bi] + m * K_ + k] - za) * "
                     "((int32_t)%s[boff[bi] + k * N_ + n] - zb);\n",
                  xa, xb);
    ait_sb_puts(b, "const long yi = (bi * M_ + m) * N_ + n;\n");
    emit_requant(b, g, n, ql, "n");
}

/* ConvInteger / QLinearConv: direct loops; taps in the padding read x's zero point, so they add 0 */
static void emit_conv_integer(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_quant_params *p = n->params;
    int ql = n->op == AIT_OP_QLINEAR_CONV;
    const char *xw = ql ? "x3" : "x1", *xwzp = ql ? "x5" : "x3";
    ait_emit_conv_geometry(b, p->conv);
    ait_sb_puts(b, "const long cig = CI / G, cog = CO / G;\n"
                   "for (long n = 0; n < N_; n++)\nfor (long m = 0; m < CO; m++) {\nconst long grp = m / cog;\n");
    ait_sb_printf(b, "const int32_t zx = %s, zw = %s;\n", p->has_azp ? "(int32_t)x2[0]" : "0",
                  p->has_bzp ? ait_arena_printf(g->arena, "(int32_t)%s[%s]", xwzp, p->b_per_col ? "m" : "0") : "0");
    ait_sb_puts(b, "for (long od = 0; od < OD; od++)\nfor (long oh = 0; oh < OH; oh++)\n"
                   "for (long ow = 0; ow < OW; ow++) {\n");
    ait_sb_printf(b, "int32_t acc = %s;\n", ql && ait_node_in(g, n, 8) ? "x8[m]" : "0");
    ait_sb_printf(b,
                  "for (long c = 0; c < cig; c++)\nfor (long kd = 0; kd < KD; kd++) {\n"
                  "const long id = od * SD - PD + kd * DD;\nif (id < 0 || id >= ID) continue;\n"
                  "for (long kh = 0; kh < KH; kh++) {\nconst long ih = oh * SH - PH + kh * DH;\n"
                  "if (ih < 0 || ih >= IH) continue;\nfor (long kw = 0; kw < KW; kw++) {\n"
                  "const long iw = ow * SW - PW + kw * DW;\nif (iw < 0 || iw >= IW) continue;\n"
                  "acc += ((int32_t)x0[(((n * CI + grp * cig + c) * ID + id) * IH + ih) * IW + iw] - zx)\n"
                  "     * ((int32_t)%s[(((m * cig + c) * KD + kd) * KH + kh) * KW + kw] - zw);\n}\n}\n}\n",
                  xw);
    ait_sb_puts(b, "const long yi = (((n * CO + m) * OD + od) * OH + oh) * OW + ow;\n");
    emit_requant(b, g, n, ql, "m");
    ait_sb_puts(b, "}\n");
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    switch (n->op) {
    case AIT_OP_QUANTIZE_LINEAR: case AIT_OP_DEQUANTIZE_LINEAR: emit_q_dq(b, g, n); break;
    case AIT_OP_DYNAMIC_QUANTIZE_LINEAR: emit_dynamic(b, g, n); break;
    case AIT_OP_CONV_INTEGER: case AIT_OP_QLINEAR_CONV: emit_conv_integer(b, g, n); break;
    default: emit_matmul_integer(b, g, n); break;
    }
}

const ait_template ait_ref_quant = {.family = "quant", .emit = emit};
