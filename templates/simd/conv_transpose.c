/* simd: ConvTranspose (any stride, padding, dilation, group, output padding), in float where the
 * reference widens each product to double.  With 8 or more output channels a group (U-Net's
 * upsampling), each input pixel times each tap's weights, packed as vectors of the group's
 * output channels, is added into a channels-last scratch image (vector multiply-adds), which
 * is then written out as NCHW; with fewer, each input row is scattered into the output rows it
 * reaches.  Either way the input rows and columns a tap lands inside the output are worked out
 * once per tap, with no test per element.  tiny_unet's 2x2 stride-2 upsampling took 0.64 ms of
 * the model's 0.85 on the reference kernel (onnxruntime: 0.03). */
#include <inttypes.h>

#include "templates/emit_util.h"
#include "templates/simd/simd.h"

enum { WIDE_MIN_CHANNELS = 8 };

static int wide(const ait_conv_params *p)
{
    return p->cout / p->group >= WIDE_MIN_CHANNELS;
}

/* Output channels of a group rounded up to whole vectors. */
static int64_t padded_channels(const ait_graph *g, const ait_conv_params *p)
{
    int64_t vl = ait_simd_base(g)->vl, cog = p->cout / p->group;
    return (cog + vl - 1) / vl * vl;
}

static int applies(const ait_graph *g, const ait_node *n)
{
    if (n->op != AIT_OP_CONV_TRANSPOSE || ait_node_in(g, n, 0)->dtype != AIT_DT_FLOAT)
        return 0;
    return !wide(n->params) || n->pack_in;
}

void ait_simd_prepare_conv_transpose(ait_graph *g, ait_node *n)
{
    const ait_tensor *w = n->op == AIT_OP_CONV_TRANSPOSE ? ait_node_in(g, n, 1) : NULL;
    if (!w || !w->data || w->dtype != AIT_DT_FLOAT || !wide(n->params))
        return;
    const ait_conv_params *p = n->params;
    int64_t cog = p->cout / p->group, cop = padded_channels(g, p), taps = p->k[0] * p->k[1] * p->k[2];
    int64_t count = p->cin * taps * cop;
    float *wp = AIT_NEW(g->arena, float, count);
    const float *src = w->data;
    /* W[ci][m][tap] -> wp[ci][tap][m], zeros past the group's channels */
    for (int64_t ci = 0; ci < p->cin; ci++)
        for (int64_t t = 0; t < taps; t++)
            for (int64_t m = 0; m < cog; m++)
                wp[(ci * taps + t) * cop + m] = src[(ci * cog + m) * taps + t];
    int id = ait_simd_add_const(g, ait_arena_printf(g->arena, "%s#simd_ct", n->name), AIT_DT_FLOAT, wp, count);
    n->pack_in = ait_node_append_input(g, n, id, 3);
    n->unread_in |= 1u << 1;
}

/* `<v>_lo`, `<v>_hi`: the input indices i in [0, IN) whose output i * S - P + k * D is in
 * [0, OUT), for the tap k in variable `k` (ceil and floor of the bounds, in integers). */
static void emit_range(ait_sb *b, const char *v, const char *k, const char *in, const char *out, const char *s,
                       const char *p, const char *d)
{
    ait_sb_printf(b,
                  "long %s_lo = %s - %s * %s, %s_hi;\n"
                  "%s_lo = %s_lo <= 0 ? 0 : (%s_lo + %s - 1) / %s;\n"
                  "%s_hi = %s - 1 + %s - %s * %s;\n"
                  "%s_hi = %s_hi < 0 ? 0 : %s_hi / %s + 1;\n"
                  "if (%s_hi > %s) %s_hi = %s;\n",
                  v, p, k, d, v, v, v, v, s, s, v, out, p, k, d, v, v, v, s, v, in, v, in);
}

/* The taps' loops and ranges, shared by both kernels: opens four blocks (kd, kh, kw, then the
 * input rows), with od, oh and ow0 (the output column of input column 0) set. */
static void emit_taps(ait_sb *b)
{
    ait_sb_puts(b, "for (long kd = 0; kd < KD; kd++) {\n");
    emit_range(b, "d", "kd", "ID", "OD", "SD", "PD", "DD");
    ait_sb_puts(b, "for (long kh = 0; kh < KH; kh++) {\n");
    emit_range(b, "h", "kh", "IH", "OH", "SH", "PH", "DH");
    ait_sb_puts(b, "for (long kw = 0; kw < KW; kw++) {\n");
    emit_range(b, "w", "kw", "IW", "OW", "SW", "PW", "DW");
    ait_sb_puts(b, "const long ow0 = kw * DW - PW;\n"
                   "for (long id = d_lo; id < d_hi; id++)\nfor (long ih = h_lo; ih < h_hi; ih++) {\n"
                   "const long od = id * SD - PD + kd * DD, oh = ih * SH - PH + kh * DH;\n");
}

static void emit_rows(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    ait_sb_printf(b,
                  "const long cig = CI / G, cog = CO / G;\n"
                  "for (long i = 0; i < N_ * CO; i++) {\nconst float b0 = %s;\n"
                  "for (long j = 0; j < OD * OH * OW; j++) y0[i * OD * OH * OW + j] = b0;\n}\n",
                  ait_node_in(g, n, 2) ? "x2[i % CO]" : "0");
    ait_sb_puts(b, "for (long n = 0; n < N_; n++)\nfor (long ci = 0; ci < CI; ci++) {\nconst long grp = ci / cig;\n"
                   "const float *const xc = x0 + (n * CI + ci) * ID * IH * IW;\n"
                   "for (long mo = 0; mo < cog; mo++) {\n"
                   "float *const yc = y0 + (n * CO + grp * cog + mo) * OD * OH * OW;\n"
                   "const float *const wc = x1 + (ci * cog + mo) * KD * KH * KW;\n");
    emit_taps(b);
    ait_sb_puts(b, "const float wt = wc[(kd * KH + kh) * KW + kw];\n"
                   "const float *const xr = xc + (id * IH + ih) * IW;\n"
                   "float *const yr = yc + (od * OH + oh) * OW;\n"
                   "for (long iw = w_lo; iw < w_hi; iw++)\nyr[iw * SW + ow0] += xr[iw] * wt;\n"
                   "}\n}\n}\n}\n}\n}\n");
}

static void emit_wide(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_conv_params *p = n->params;
    ait_sb_printf(b,
                  "enum { COP = %" PRId64 ", VL = %d };\nconst long cig = CI / G, cog = CO / G;\n"
                  "const float *const wp = x%d;\nfloat *const z = s0;\n"
                  "for (long n = 0; n < N_; n++)\nfor (long grp = 0; grp < G; grp++) {\n"
                  "for (long o = 0; o < OD * OH * OW; o++)\nfor (long m = 0; m < COP; m++)\n"
                  "z[o * COP + m] = m < cog ? %s : 0.0f;\n"
                  "for (long ci = grp * cig; ci < (grp + 1) * cig; ci++) {\n"
                  "const float *const xc = x0 + (n * CI + ci) * ID * IH * IW;\n",
                  padded_channels(g, p), ait_simd_base(g)->vl, n->pack_in, ait_node_in(g, n, 2) ? "x2[grp * cog + m]" : "0.0f");
    emit_taps(b);
    ait_sb_puts(b, "const float *const wk = wp + (((ci * KD + kd) * KH + kh) * KW + kw) * COP;\n"
                   "const float *const xr = xc + (id * IH + ih) * IW;\n"
                   "float *const zr = z + (od * OH + oh) * OW * COP;\n"
                   "for (long v = 0; v < COP; v += VL) {\nconst ait_vf wv = AIT_LD(wk + v);\n"
                   "for (long iw = w_lo; iw < w_hi; iw++) {\n"
                   "float *const zp = zr + (iw * SW + ow0) * COP + v;\n"
                   "AIT_ST(zp, AIT_LD(zp) + xr[iw] * wv);\n}\n}\n"
                   "}\n}\n}\n}\n}\n"
                   "for (long m = 0; m < cog; m++) {\n"
                   "float *const yc = y0 + (n * CO + grp * cog + m) * OD * OH * OW;\n"
                   "for (long o = 0; o < OD * OH * OW; o++)\nyc[o] = z[o * COP + m];\n}\n}\n");
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    ait_emit_conv_geometry(b, n->params);
    if (n->pack_in)
        emit_wide(b, g, n);
    else
        emit_rows(b, g, n);
}

static size_t scratch(const ait_graph *g, const ait_node *n)
{
    const ait_conv_params *p = n->params;
    if (!n->pack_in)
        return 0;
    return sizeof(float) * (size_t)(p->out[0] * p->out[1] * p->out[2] * padded_channels(g, p));
}

const ait_template ait_simd_conv_transpose = {
    .family = "conv_transpose", .applies = applies, .emit = emit, .scratch_bytes = scratch};
