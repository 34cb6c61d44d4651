/* Reference: Conv and ConvTranspose as direct loops over a 3-D (D, H, W)
 * geometry; 1-D and 2-D convolutions have leading unit axes. */
#include <inttypes.h>

#include "gen/passes.h"
#include "templates/emit_util.h"

static void emit_conv(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_conv_params *p = n->params;
    const ait_tensor *y = ait_node_out(g, n, 0);
    ait_emit_conv_geometry(b, p);
    ait_sb_puts(b, "const long cig = CI / G, cog = CO / G;\n"
                   "for (long n = 0; n < N_; n++)\nfor (long m = 0; m < CO; m++) {\nconst long grp = m / cog;\n"
                   "for (long od = 0; od < OD; od++)\nfor (long oh = 0; oh < OH; oh++)\n"
                   "for (long ow = 0; ow < OW; ow++) {\n");
    ait_sb_printf(b, "double acc = %s;\n", ait_node_in(g, n, 2) ? "x2[m]" : "0");
    ait_sb_puts(b, "for (long c = 0; c < cig; c++)\nfor (long kd = 0; kd < KD; kd++) {\n"
                   "const long id = od * SD - PD + kd * DD;\nif (id < 0 || id >= ID) continue;\n"
                   "for (long kh = 0; kh < KH; kh++) {\nconst long ih = oh * SH - PH + kh * DH;\n"
                   "if (ih < 0 || ih >= IH) continue;\nfor (long kw = 0; kw < KW; kw++) {\n"
                   "const long iw = ow * SW - PW + kw * DW;\nif (iw < 0 || iw >= IW) continue;\n"
                   "acc += (double)x0[(((n * CI + grp * cig + c) * ID + id) * IH + ih) * IW + iw]\n"
                   "     * x1[(((m * cig + c) * KD + kd) * KH + kh) * KW + kw];\n}\n}\n}\n");
    ait_sb_printf(b, "const long yi = (((n * CO + m) * OD + od) * OH + oh) * OW + ow;\n%s v = (%s)acc;\n",
                  ait_ctype(y), ait_ctype(y));
    ait_emit_epilogue(b, g, n, "v", "yi");
    ait_sb_puts(b, "y0[yi] = v;\n}\n}\n");
}

static void emit_conv_transpose(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_conv_params *p = n->params;
    ait_emit_conv_geometry(b, p);
    ait_sb_printf(b, "const long cig = CI / G, cog = CO / G;\n"
                     "for (long i = 0; i < N_ * CO * OD * OH * OW; i++) y0[i] = %s;\n",
                  ait_node_in(g, n, 2) ? "x2[(i / (OD * OH * OW)) % CO]" : "0");
    ait_sb_puts(b, "for (long n = 0; n < N_; n++)\nfor (long ci = 0; ci < CI; ci++) {\nconst long grp = ci / cig;\n"
                   "for (long id = 0; id < ID; id++)\nfor (long ih = 0; ih < IH; ih++)\n"
                   "for (long iw = 0; iw < IW; iw++) {\n"
                   "const double v = x0[(((n * CI + ci) * ID + id) * IH + ih) * IW + iw];\n"
                   "for (long mo = 0; mo < cog; mo++)\nfor (long kd = 0; kd < KD; kd++) {\n"
                   "const long od = id * SD - PD + kd * DD;\nif (od < 0 || od >= OD) continue;\n"
                   "for (long kh = 0; kh < KH; kh++) {\nconst long oh = ih * SH - PH + kh * DH;\n"
                   "if (oh < 0 || oh >= OH) continue;\nfor (long kw = 0; kw < KW; kw++) {\n"
                   "const long ow = iw * SW - PW + kw * DW;\nif (ow < 0 || ow >= OW) continue;\n"
                   "y0[(((n * CO + grp * cog + mo) * OD + od) * OH + oh) * OW + ow] +=\n"
                   "    v * x1[(((ci * cog + mo) * KD + kd) * KH + kh) * KW + kw];\n}\n}\n}\n}\n}\n");
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    if (n->op == AIT_OP_CONV)
        emit_conv(b, g, n);
    else
        emit_conv_transpose(b, g, n);
}

const ait_template ait_ref_conv = {.family = "conv", .emit = emit};
