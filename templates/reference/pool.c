/* Reference: max, average and Lp pooling (global ones are a window over the whole plane);
 * MaxPool's Indices are flat positions in X, batch and channel included. */
#include <inttypes.h>

#include "templates/emit_util.h"

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_pool_params *p = n->params;
    const ait_tensor *y = ait_node_out(g, n, 0);
    int is_max = n->op == AIT_OP_MAX_POOL || n->op == AIT_OP_GLOBAL_MAX_POOL;
    int is_lp = n->op == AIT_OP_LP_POOL || n->op == AIT_OP_GLOBAL_LP_POOL;
    int indices = n->op == AIT_OP_MAX_POOL && ait_node_out(g, n, 1);
    ait_sb_printf(b,
                  "enum { NC = %" PRId64 ", ID = %" PRId64 ", IH = %" PRId64 ", IW = %" PRId64 ", OD = %" PRId64
                  ", OH = %" PRId64 ", OW = %" PRId64 ",\n"
                  "KD = %" PRId64 ", KH = %" PRId64 ", KW = %" PRId64 ", SD = %" PRId64 ", SH = %" PRId64
                  ", SW = %" PRId64 ",\n"
                  "DD = %" PRId64 ", DH = %" PRId64 ", DW = %" PRId64 ", PD = %" PRId64 ", PH = %" PRId64
                  ", PW = %" PRId64 ", ED = %" PRId64 ", EH = %" PRId64 ", EW = %" PRId64 " };\n",
                  p->n * p->c, p->in[0], p->in[1], p->in[2], p->out[0], p->out[1], p->out[2], p->k[0], p->k[1],
                  p->k[2], p->stride[0], p->stride[1], p->stride[2], p->dil[0], p->dil[1], p->dil[2], p->pad_lo[0],
                  p->pad_lo[1], p->pad_lo[2], p->in[0] + p->pad_hi[0], p->in[1] + p->pad_hi[1],
                  p->in[2] + p->pad_hi[2]);
    ait_sb_puts(b, "for (long c = 0; c < NC; c++)\nfor (long od = 0; od < OD; od++)\n"
                   "for (long oh = 0; oh < OH; oh++)\nfor (long ow = 0; ow < OW; ow++) {\n");
    ait_sb_puts(b, is_max ? "double acc = -INFINITY;\nlong at = -1;\n" : is_lp ? "double acc = 0;\n" : "double acc = 0;\nlong cnt = 0;\n");
    ait_sb_puts(b, "for (long kd = 0; kd < KD; kd++) {\nconst long id = od * SD - PD + kd * DD;\n"
                   "for (long kh = 0; kh < KH; kh++) {\nconst long ih = oh * SH - PH + kh * DH;\n"
                   "for (long kw = 0; kw < KW; kw++) {\nconst long iw = ow * SW - PW + kw * DW;\n"
                   "const int inside = id >= 0 && id < ID && ih >= 0 && ih < IH && iw >= 0 && iw < IW;\n");
    if (!is_max && !is_lp) /* positions counted by the divisor */
        ait_sb_puts(b, p->count_include_pad ? "cnt += id >= -PD && id < ED && ih >= -PH && ih < EH && iw >= -PW && "
                                              "iw < EW;\n"
                                            : "cnt += inside;\n");
    ait_sb_puts(b, "if (inside) {\nconst double v = x0[((c * ID + id) * IH + ih) * IW + iw];\n");
    if (is_max)
        ait_sb_puts(b, "if (v > acc || (v != v && acc == acc) || at < 0) { acc = v; at = ((c * ID + id) * IH + ih) * IW + iw; }\n");
    else if (is_lp)
        ait_sb_printf(b, "acc += pow(fabs(v), %d);\n", p->p);
    else
        ait_sb_puts(b, "acc += v;\n");
    ait_sb_puts(b, "}\n}\n}\n}\n");
    ait_sb_printf(b, "y0[((c * OD + od) * OH + oh) * OW + ow] = (%s)(", ait_ctype(y));
    if (is_lp)
        ait_sb_printf(b, "pow(acc, 1.0 / %d)", p->p);
    else
        ait_sb_puts(b, is_max ? "acc" : "cnt ? acc / cnt : 0");
    ait_sb_puts(b, ");\n");
    if (indices)
        ait_sb_puts(b, "y1[((c * OD + od) * OH + oh) * OW + ow] = at < 0 ? 0 : at;\n");
    ait_sb_puts(b, "}\n");
}

const ait_template ait_ref_pool = {.family = "pool", .emit = emit};
