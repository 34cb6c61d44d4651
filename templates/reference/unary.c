/* Reference: elementwise ops with one data input. */
#include "templates/emit_util.h"

/* Writes the expression of `v` (the input element) for node n. */
static void unary_expr(ait_sb *b, const ait_node *n, const ait_tensor *x, const ait_tensor *y)
{
    const ait_unary_params *p = n->params;
    const char *f = ait_mathsuf(x);
    int dt = x->dtype;
    const ait_dtype_info *xi = ait_dtype_get(dt);
    switch (n->op) {
    case AIT_OP_ABS:
        if (xi->is_float)
            ait_sb_printf(b, "fabs%s(v)", f);
        else
            ait_sb_puts(b, xi->is_signed ? "(v < 0 ? -v : v)" : "v");
        break;
    case AIT_OP_NEG: ait_sb_puts(b, "-v"); break;
    case AIT_OP_SQRT: ait_sb_printf(b, "sqrt%s(v)", f); break;
    case AIT_OP_EXP: ait_sb_printf(b, "exp%s(v)", f); break;
    case AIT_OP_LOG: ait_sb_printf(b, "log%s(v)", f); break;
    case AIT_OP_ERF: ait_sb_printf(b, "erf%s(v)", f); break;
    case AIT_OP_TANH: ait_sb_printf(b, "tanh%s(v)", f); break;
    case AIT_OP_RELU: ait_sb_puts(b, "v > 0 ? v : 0"); break;
    case AIT_OP_LEAKY_RELU:
        ait_sb_puts(b, "v >= 0 ? v : ");
        ait_emit_lit(b, dt, p->alpha);
        ait_sb_puts(b, " * v");
        break;
    case AIT_OP_SIGMOID: ait_sb_printf(b, "1 / (1 + exp%s(-v))", f); break;
    case AIT_OP_HARD_SIGMOID: ait_emit_hard_sigmoid(b, dt, p->alpha, p->beta, "v"); break;
    case AIT_OP_HARD_SWISH:
        ait_sb_printf(b, "v * fmax%s(0, fmin%s(1, v * ", f, f);
        ait_emit_lit(b, dt, 1.0 / 6.0);
        ait_sb_puts(b, " + ");
        ait_emit_lit(b, dt, 0.5);
        ait_sb_puts(b, "))");
        break;
    case AIT_OP_GELU:
        if (p->gelu_tanh) {
            ait_sb_printf(b, "0.5%s * v * (1 + tanh%s(", f, f);
            ait_emit_lit(b, dt, 0.79788456080286535588);
            ait_sb_puts(b, " * (v + ");
            ait_emit_lit(b, dt, 0.044715);
            ait_sb_puts(b, " * v * v * v)))");
        } else {
            ait_sb_printf(b, "0.5%s * v * (1 + erf%s(v * ", f, f);
            ait_emit_lit(b, dt, 0.70710678118654752440);
            ait_sb_puts(b, "))");
        }
        break;
    case AIT_OP_RECIPROCAL: ait_sb_puts(b, "1 / v"); break;
    case AIT_OP_FLOOR: ait_sb_printf(b, "floor%s(v)", f); break;
    case AIT_OP_CEIL: ait_sb_printf(b, "ceil%s(v)", f); break;
    case AIT_OP_ROUND: ait_sb_printf(b, "rint%s(v)", f); break; /* halves to even, the default rounding mode */
    case AIT_OP_SIGN: /* NaN stays NaN */
        ait_sb_puts(b, xi->is_float ? "v > 0 ? 1 : v < 0 ? -1 : v" : "v > 0 ? 1 : v < 0 ? -1 : 0");
        break;
    case AIT_OP_SIN: ait_sb_printf(b, "sin%s(v)", f); break;
    case AIT_OP_COS: ait_sb_printf(b, "cos%s(v)", f); break;
    case AIT_OP_TAN: ait_sb_printf(b, "tan%s(v)", f); break;
    case AIT_OP_ASIN: ait_sb_printf(b, "asin%s(v)", f); break;
    case AIT_OP_ACOS: ait_sb_printf(b, "acos%s(v)", f); break;
    case AIT_OP_ATAN: ait_sb_printf(b, "atan%s(v)", f); break;
    case AIT_OP_SINH: ait_sb_printf(b, "sinh%s(v)", f); break;
    case AIT_OP_COSH: ait_sb_printf(b, "cosh%s(v)", f); break;
    case AIT_OP_ASINH: ait_sb_printf(b, "asinh%s(v)", f); break;
    case AIT_OP_ACOSH: ait_sb_printf(b, "acosh%s(v)", f); break;
    case AIT_OP_ATANH: ait_sb_printf(b, "atanh%s(v)", f); break;
    case AIT_OP_ELU:
        ait_sb_puts(b, "v >= 0 ? v : ");
        ait_emit_lit(b, dt, p->alpha);
        ait_sb_printf(b, " * expm1%s(v)", f);
        break;
    case AIT_OP_SELU:
        ait_emit_lit(b, dt, p->beta);
        ait_sb_puts(b, " * (v > 0 ? v : ");
        ait_emit_lit(b, dt, p->alpha);
        ait_sb_printf(b, " * expm1%s(v))", f);
        break;
    case AIT_OP_CELU: /* max(0, v) + min(0, alpha * (exp(v / alpha) - 1)) */
        ait_sb_puts(b, "v >= 0 ? v : ");
        ait_emit_lit(b, dt, p->alpha);
        ait_sb_printf(b, " * expm1%s(v / ", f);
        ait_emit_lit(b, dt, p->alpha);
        ait_sb_puts(b, ")");
        break;
    case AIT_OP_SOFTPLUS: /* log(1 + exp(v)) without overflow for large v */
        ait_sb_printf(b, "fmax%s(v, 0) + log1p%s(exp%s(-fabs%s(v)))", f, f, f, f);
        break;
    case AIT_OP_SOFTSIGN: ait_sb_printf(b, "v / (1 + fabs%s(v))", f); break;
    case AIT_OP_MISH:
        ait_sb_printf(b, "v * tanh%s(fmax%s(v, 0) + log1p%s(exp%s(-fabs%s(v))))", f, f, f, f, f);
        break;
    case AIT_OP_THRESHOLDED_RELU:
        ait_sb_puts(b, "v > ");
        ait_emit_lit(b, dt, p->alpha);
        ait_sb_puts(b, " ? v : 0");
        break;
    case AIT_OP_SHRINK: /* lambd and bias are floats whatever the input type */
        ait_sb_printf(b, "(double)v < -(%a) ? (double)v + (%a) : (double)v > (%a) ? (double)v - (%a) : 0", (double)p->alpha,
                      (double)p->beta, (double)p->alpha, (double)p->beta);
        break;
    case AIT_OP_IS_NAN: ait_sb_puts(b, "v != v"); break;
    case AIT_OP_IS_INF:
        ait_sb_printf(b, "%s || %s", p->has_max ? "v == INFINITY" : "0", p->has_min ? "v == -INFINITY" : "0");
        break;
    case AIT_OP_NOT: ait_sb_puts(b, "!v"); break;
    case AIT_OP_BITWISE_NOT: ait_sb_puts(b, "~v"); break;
    case AIT_OP_CAST: case AIT_OP_CAST_LIKE:
        ait_sb_puts(b, y->dtype == AIT_DT_BOOL ? "v != 0" : "v");
        break;
    case AIT_OP_CLIP: /* raise to lo, then lower to hi: with lo > hi every value is hi (opset 13+) */
        ait_sb_puts(b, "(v < lo ? lo : v) > hi ? hi : (v < lo ? lo : v)");
        break;
    default: ait_sb_puts(b, "v"); break; /* Identity, Dropout */
    }
}

/* Cast from or to float16 / bfloat16 (uint16_t bits): decoded exactly into a double, encoded from
 * it rounding to nearest even, as ir/dtype.c's ait_half_from_double and ait_bf16_from_float. */
static void emit_storage_cast(ait_sb *b, const ait_tensor *x, const ait_tensor *y)
{
    ait_sb_printf(b, "for (long i = 0; i < %lld; i++) {\ndouble v;\n", (long long)ait_tensor_numel(x));
    if (x->dtype == AIT_DT_FLOAT16)
        ait_sb_puts(b, "{\nconst uint32_t h_ = x0[i], e_ = h_ >> 10 & 31u, m_ = h_ & 1023u, s_ = h_ >> 15 << 31;\n"
                       "union {\nuint32_t u;\nfloat f;\n} r_;\nif (e_ == 0) {\n"
                       "r_.f = (float)m_ * 5.9604644775390625e-8f;\nr_.u |= s_;\n} else {\n"
                       "r_.u = s_ | (e_ == 31 ? 0x7f800000u | m_ << 13 : (e_ + 112u) << 23 | m_ << 13);\n}\n"
                       "v = r_.f;\n}\n");
    else if (x->dtype == AIT_DT_BFLOAT16)
        ait_sb_puts(b, "{\nunion {\nuint32_t u;\nfloat f;\n} r_;\nr_.u = (uint32_t)x0[i] << 16;\nv = r_.f;\n}\n");
    else
        ait_sb_puts(b, "v = (double)x0[i];\n");
    if (y->dtype == AIT_DT_FLOAT16)
        ait_sb_puts(b, "{\nconst double a_ = fabs(v);\nuint32_t h_;\nif (a_ != a_)\nh_ = 0x7e00u;\n"
                       "else if (a_ >= 65520.0)\nh_ = 0x7c00u;\nelse if (a_ < 6.103515625e-05)\n"
                       "h_ = (uint32_t)rint(a_ * 16777216.0);\nelse {\nint e_;\nconst double f_ = frexp(a_, &e_);\n"
                       "h_ = ((uint32_t)(e_ + 14) << 10) + (uint32_t)rint((2 * f_ - 1) * 1024);\n}\n"
                       "y0[i] = (uint16_t)(h_ | (signbit(v) ? 0x8000u : 0));\n}\n}\n");
    else if (y->dtype == AIT_DT_BFLOAT16)
        ait_sb_puts(b, "{\nunion {\nfloat f;\nuint32_t u;\n} b_;\nb_.f = (float)v;\n"
                       "y0[i] = b_.f != b_.f ? (uint16_t)(b_.u >> 16 | 0x40u) : (uint16_t)((b_.u + 0x7fffu + (b_.u >> 16 & 1u)) >> 16);\n}\n}\n");
    else if (y->dtype == AIT_DT_BOOL)
        ait_sb_puts(b, "y0[i] = v != 0;\n}\n");
    else
        ait_sb_printf(b, "y0[i] = (%s)v;\n}\n", ait_ctype(y));
}

static void emit_unary(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_tensor *x = ait_node_in(g, n, 0), *y = ait_node_out(g, n, 0);
    if ((n->op == AIT_OP_CAST || n->op == AIT_OP_CAST_LIKE) && x->dtype != y->dtype &&
        (ait_dtype_get(x->dtype)->storage || ait_dtype_get(y->dtype)->storage)) {
        emit_storage_cast(b, x, y);
        return;
    }
    if (n->op == AIT_OP_CLIP) {
        const ait_unary_params *p = n->params;
        ait_sb_printf(b, "const %s lo = ", ait_ctype(x));
        if (p->min_input)
            ait_sb_puts(b, "x1[0]");
        else if (p->has_min)
            ait_emit_lit(b, x->dtype, p->min);
        else
            ait_sb_puts(b, ait_dtype_get(x->dtype)->is_float ? "-INFINITY" : "x0[0]");
        ait_sb_printf(b, ";\nconst %s hi = ", ait_ctype(x));
        if (p->max_input)
            ait_sb_puts(b, "x2[0]");
        else if (p->has_max)
            ait_emit_lit(b, x->dtype, p->max);
        else
            ait_sb_puts(b, ait_dtype_get(x->dtype)->is_float ? "INFINITY" : "x0[0]");
        ait_sb_puts(b, ";\n(void)lo;\n(void)hi;\n");
        if (!ait_dtype_get(x->dtype)->is_float && !(p->has_min && p->has_max)) {
            /* integer Clip with a missing bound: that side is unbounded */
            ait_sb_printf(b, "for (long i = 0; i < %lld; i++) {\n%s v = x0[i];\n", (long long)ait_tensor_numel(x),
                          ait_ctype(x));
            ait_sb_printf(b, "%s\ny0[i] = %s v;\n}\n", p->has_min ? "v = v < lo ? lo : v;" : "",
                          p->has_max ? "v > hi ? hi :" : "");
            return;
        }
    }
    ait_sb_printf(b, "for (long i = 0; i < %lld; i++) {\n%s v = x0[i];\ny0[i] = (%s)(", (long long)ait_tensor_numel(x),
                  ait_ctype(x), ait_ctype(y));
    unary_expr(b, n, x, y);
    ait_sb_puts(b, ");\n");
    if (n->op == AIT_OP_DROPOUT && ait_node_out(g, n, 1))
        ait_sb_puts(b, "y1[i] = 1;\n");
    ait_sb_puts(b, "}\n");
}

const ait_template ait_ref_unary = {.family = "unary", .emit = emit_unary};
