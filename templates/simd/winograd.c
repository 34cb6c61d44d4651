/* simd: 3x3 stride-1 Conv by Winograd's minimal filtering F(m x m, 3 x 3) (Lavin and Gray,
 * "Fast Algorithms for Convolutional Neural Networks", 2015).  Per tile of m x m outputs the
 * a x a input patch (a = m + 2) is transformed (V = B^T d B), one GEMM per transform element
 * multiplies it over the input channels with the transformed weights (U = G g G^T, packed at
 * generation time), and the products are transformed back (Y = A^T M A).  F(2,3) does 16
 * multiplies where the direct form does 36 per 2 x 2 outputs, F(4,3) 36 for 144.  Why: on
 * ResNet's 3x3 layers onnxruntime's direct kernels already run at this core's FMA peak, so
 * fewer multiplies are the only way past them.
 *
 * The tiles run in blocks of TB (a multiple of the vector width) that keep a block's V and M
 * in the L2 cache: input transform, the a*a GEMMs, output transform with bias and epilogue.
 * Split into tasks, a task takes a share of the tiles in whole vectors, in blocks, with scratch
 * of its own; a tile's arithmetic does not depend on who computes it, so the bits are those of
 * the serial code. */
#include <inttypes.h>
#include <stdio.h>

#include "gen/kernel.h"
#include "gen/passes.h"
#include "templates/emit_util.h"
#include "templates/simd/simd.h"

typedef struct {
    int m, a;                        /* outputs and inputs of a tile along one axis */
    const double *bt, *g, *at;       /* B^T [a][a], G [a][3], A^T [m][a] */
} wino_form;

static const double bt2[] = {1, 0, -1, 0, 0, 1, 1, 0, 0, -1, 1, 0, 0, 1, 0, -1};
static const double g2[] = {1, 0, 0, .5, .5, .5, .5, -.5, .5, 0, 0, 1};
static const double at2[] = {1, 1, 1, 0, 0, 1, -1, -1};
/* points 0, 1, -1, 2, -2 and infinity */
static const double bt4[] = {4, 0, -5, 0, 1, 0, 0, -4, -4, 1, 1, 0, 0, 4, -4, -1, 1, 0,
                             0, -2, -1, 2, 1, 0, 0, 2, -1, -2, 1, 0, 0, 4, 0, -5, 0, 1};
static const double g4[] = {1 / 4., 0, 0, -1 / 6., -1 / 6., -1 / 6., -1 / 6., 1 / 6., -1 / 6.,
                            1 / 24., 1 / 12., 1 / 6., 1 / 24., -1 / 12., 1 / 6., 0, 0, 1};
static const double at4[] = {1, 1, 1, 1, 1, 0, 0, 1, -1, 2, -2, 0, 0, 1, 1, 4, 4, 0, 0, 1, -1, 8, -8, 1};
static const wino_form forms[] = {{2, 4, bt2, g2, at2}, {4, 6, bt4, g4, at4}};

/* Below these many output pixels a form is not offered: the transformed weights (16/9 and 36/9
 * of the direct ones) outweigh the few tiles (ResNet's 7x7 layers stream 9 MB of weights). */
static const int64_t min_pixels[] = {100, 400};

/* L2-sized scratch for a block's V and M, in floats. */
static const int64_t block_floats = 256 * 1024;

static int shape_fits(const ait_graph *g, const ait_node *n)
{
    const ait_conv_params *p = n->params;
    const ait_simd_cfg *base = ait_simd_base(g);
    return ait_simd_conv_kind(g, n) == 3 && p->spatial == 2 && p->k[1] == 3 && p->k[2] == 3 && p->stride[1] == 1 &&
           p->stride[2] == 1 && p->dil[1] == 1 && p->dil[2] == 1 && !g->extents_vary && base->vl > 1 &&
           base->wfmt == AIT_WF_F32;
}

int ait_simd_winograd_offered(const ait_graph *g, const ait_node *n, int order)
{
    const ait_conv_params *p = n->params;
    int f = order - AIT_ORDER_WINO2;
    return n->op == AIT_OP_CONV && (f == 0 || f == 1) && shape_fits(g, n) && p->out[1] * p->out[2] >= min_pixels[f];
}

static const wino_form *form_of(const ait_graph *g, const ait_node *n)
{
    if (n->op != AIT_OP_CONV || !shape_fits(g, n))
        return NULL;
    int order = ait_simd_node_cfg(g, n).order;
    return order == AIT_ORDER_WINO2 || order == AIT_ORDER_WINO4 ? &forms[order - AIT_ORDER_WINO2] : NULL;
}

int ait_simd_winograd_m(const ait_graph *g, const ait_node *n)
{
    const wino_form *f = form_of(g, n);
    return f ? f->m : 0;
}

/* The sizes of the emitted loops. */
typedef struct {
    int64_t ty, tx, tiles, padded; /* tile rows and columns, tiles, tiles rounded up to vectors */
    int64_t tb, blocks;            /* tiles a block, blocks */
    int64_t ld;                    /* floats from one row of a block's V or M to the next: tb and a
                                    * vector, so that the a*a rows a transform reads at once do not
                                    * fall into one cache set (power-of-two strides did: 3x slower) */
    int64_t w;                     /* floats of one zero-padded input row under a tile row, with
                                    * room for the whole vectors of tiles the transforms run in */
    int64_t e;                     /* transform elements, a * a */
    int64_t vl;
} wino_dims;

static wino_dims dims_of(const ait_graph *g, const ait_node *n, const wino_form *f)
{
    const ait_conv_params *p = n->params;
    const ait_simd_cfg c = ait_simd_node_cfg(g, n);
    wino_dims d;
    int64_t vl = c.vl, nr = (int64_t)c.nv * c.vl;
    d.ty = (p->out[1] + f->m - 1) / f->m;
    d.tx = (p->out[2] + f->m - 1) / f->m;
    d.tiles = d.ty * d.tx;
    d.padded = (d.tiles + vl - 1) / vl * vl;
    d.e = (int64_t)f->a * f->a;
    d.tb = block_floats / (d.e * (p->cin + p->cout)) / vl * vl;
    d.tb = d.tb < nr ? nr : d.tb;
    d.tb = d.tb > d.padded ? d.padded : d.tb;
    /* split into tasks, each takes a share of the tiles in whole vectors (shares differ by one
     * vector at most), in blocks no larger than the share; blocks of one size dealt out to the
     * tasks were uneven (784 tiles in 7 blocks of 112: 4 and 3 in two tasks).  The bits stay: a
     * tile's arithmetic is its own. */
    int64_t T = ait_split(g, n), share = T ? (d.padded / vl + T - 1) / T * vl : d.padded;
    d.tb = d.tb > share ? share : d.tb;
    /* blocks of a share as even as vectors make them (400 tiles: 112, 112, 112, 64, not 128,
     * 128, 128, 16) */
    int64_t per_share = (share + d.tb - 1) / d.tb;
    d.tb = (share / vl + per_share - 1) / per_share * vl;
    d.blocks = (d.padded + d.tb - 1) / d.tb;
    d.ld = d.tb + vl;
    d.vl = vl;
    d.w = ((d.tx + vl) * f->m + f->a - f->m + vl - 1) / vl * vl;
    return d;
}

/* Floats of one task's scratch: V, M, the input rows and their combinations, the output rows. */
static size_t task_floats(const ait_conv_params *p, const wino_form *f, const wino_dims *d)
{
    return (size_t)(d->e * (p->cin + p->cout) * d->ld + 2 * f->a * d->w + (int64_t)f->m * d->w);
}

static int split_blocks(const ait_graph *g, const ait_node *n, const wino_dims *d)
{
    return ait_split(g, n) && d->padded / d->vl >= 2 && ait_node_flops(g, n) >= AIT_SIMD_SPLIT_MIN_FLOPS;
}

size_t ait_simd_winograd_scratch(const ait_graph *g, const ait_node *n)
{
    const wino_form *f = form_of(g, n);
    const wino_dims d = dims_of(g, n, f);
    return sizeof(float) * task_floats(n->params, f, &d) * (size_t)(split_blocks(g, n, &d) ? ait_split(g, n) : 1);
}

int ait_simd_winograd_phases(const ait_graph *g, const ait_node *n)
{
    const wino_form *f = form_of(g, n);
    const wino_dims d = dims_of(g, n, f);
    return split_blocks(g, n, &d);
}

/* "c0 * v0 + c1 * v1 ..." over the nonzero coefficients row[0..len), v<i> from fmt (one %d). */
static void emit_combination(ait_sb *b, const double *row, int len, const char *fmt)
{
    int any = 0;
    for (int i = 0; i < len; i++) {
        double c = row[i];
        if (c == 0)
            continue;
        ait_sb_puts(b, any ? (c < 0 ? " - " : " + ") : (c < 0 ? "-" : ""));
        if (c != 1 && c != -1) {
            ait_emit_lit(b, AIT_DT_FLOAT, c < 0 ? -c : c);
            ait_sb_puts(b, " * ");
        }
        ait_sb_printf(b, fmt, i);
        any = 1;
    }
    if (!any)
        ait_sb_puts(b, "0");
}

/* U[e][co][ci] = (G g G^T)[i][j], e = i * a + j, in row panels of mr per e ([e][panel][ci][mr]). */
float *ait_simd_winograd_pack(ait_graph *g, const ait_node *n, const float *w, int mr, int64_t *count)
{
    const wino_form *f = form_of(g, n);
    const ait_conv_params *p = n->params;
    int64_t CO = p->cout, CI = p->cin, panels = (CO + mr - 1) / mr, per_e = panels * CI * mr, a = f->a;
    *count = a * a * per_e;
    float *u = AIT_NEW(g->arena, float, *count);
    for (int64_t co = 0; co < panels * mr; co++)
        for (int64_t ci = 0; ci < CI; ci++) {
            double gk[6][3] = {{0}}; /* G g; zero rows past CO */
            for (int i = 0; co < CO && i < a; i++)
                for (int l = 0; l < 3; l++)
                    for (int r = 0; r < 3; r++)
                        gk[i][l] += f->g[i * 3 + r] * w[((co * CI + ci) * 3 + r) * 3 + l];
            for (int i = 0; i < a; i++)
                for (int j = 0; j < a; j++) {
                    double s = 0;
                    for (int l = 0; l < 3; l++)
                        s += gk[i][l] * f->g[j * 3 + l];
                    u[(i * a + j) * per_e + (co / mr * CI + ci) * mr + co % mr] = (float)s;
                }
        }
    return u;
}

/* The loop that follows has no dependences between iterations: its a*a loads and a stores are
 * more run-time overlap checks than gcc makes (10) before it gives up vectorizing. */
static void emit_ivdep(ait_sb *b)
{
    ait_sb_puts(b, "#if defined(__clang__)\n#pragma clang loop vectorize(assume_safety)\n"
                   "#elif defined(__GNUC__)\n#pragma GCC ivdep\n#endif\n");
}

/* Opens the loop over tile rows ty overlapping the block's tiles [t0, t0 + nt), with the row's
 * tiles in the block, [txlo, txhi), and txend: txhi rounded up from txlo to whole vectors.  gcc
 * vectorizes the transforms' loops over tiles, whose short trip counts (28 tiles at 56x56)
 * otherwise ran mostly in the scalar remainder (3x slower); the extra tiles read within the row
 * buffers and the block's rows of V and M (ld > tb) and write what the next tile row overwrites,
 * or what no one reads. */
static void emit_tile_rows(ait_sb *b, const wino_dims *d)
{
    int64_t TX = d->tx;
    ait_sb_printf(b,
                  "for (long ty = t0 / %" PRId64 "; ty < %" PRId64 " && ty * %" PRId64 " < t0 + nt; ty++) {\n"
                  "const long txlo = t0 > ty * %" PRId64 " ? t0 - ty * %" PRId64 " : 0;\n"
                  "const long txhi = t0 + nt - ty * %" PRId64 " < %" PRId64 " ? t0 + nt - ty * %" PRId64 " : %" PRId64
                  ";\nconst long txend = txlo + (txhi - txlo + %" PRId64 ") / %" PRId64 " * %" PRId64 ";\n",
                  TX, d->ty, TX, TX, TX, TX, TX, TX, TX, d->vl - 1, d->vl, d->vl);
}

/* Phase 1 of a block: tile rows ty overlapping [t0, t0 + nt), each channel's a input rows
 * zero-padded (rd), combined along rows (rt = B^T d), then along columns into V. */
static void emit_input(ait_sb *b, const ait_conv_params *p, const wino_form *f, const wino_dims *d)
{
    int a = f->a, m = f->m;
    int64_t IH = p->in[1], IW = p->in[2], PT = p->pad_lo[1], PL = p->pad_lo[2], W = d->w, TX = d->tx;
    ait_sb_printf(b, "for (long ci = 0; ci < %" PRId64 "; ci++) {\nconst float *const xc = x0 + ci * %" PRId64 ";\n",
                  p->cin, IH * IW);
    emit_tile_rows(b, d);
    ait_sb_printf(b,
                  "for (long i = 0; i < %d; i++) {\nfloat *const dr = rd + i * %" PRId64 ";\n"
                  "const long ih = ty * %d - %" PRId64 " + i;\n"
                  "if (ih < 0 || ih >= %" PRId64 ") {\nfor (long x = 0; x < %" PRId64 "; x++)\ndr[x] = 0;\n"
                  "} else {\nconst float *const src = xc + ih * %" PRId64 ";\n"
                  "for (long x = 0; x < %" PRId64 "; x++)\ndr[x] = 0;\n"
                  "for (long x = 0; x < %" PRId64 "; x++)\ndr[x + %" PRId64 "] = src[x];\n"
                  "for (long x = %" PRId64 "; x < %" PRId64 "; x++)\ndr[x] = 0;\n}\n}\n",
                  a, W, m, PT, IH, W, IW, PL, IW, PL, PL + IW, W);
    /* rows: rt_i = sum_k B^T[i][k] rd_k, one pass over the row */
    ait_sb_printf(b, "for (long x = 0; x < %" PRId64 "; x++) {\n", W);
    for (int k = 0; k < a; k++)
        ait_sb_printf(b, "const float d%d = rd[%" PRId64 " + x];\n", k, k * W);
    for (int i = 0; i < a; i++) {
        ait_sb_printf(b, "rt[%" PRId64 " + x] = ", i * W);
        emit_combination(b, f->bt + i * a, a, "d%d");
        ait_sb_puts(b, ";\n");
    }
    ait_sb_puts(b, "}\n");
    /* columns: V[(i, j)][ci][tile] = sum_k B^T[j][k] rt_i[tx m + k] */
    for (int i = 0; i < a; i++) {
        ait_sb_puts(b, "{\n");
        ait_sb_printf(b, "float *const vr = vb + ci * ld_ + ty * %" PRId64 " - t0;\n", TX);
        ait_sb_printf(b, "const float *const r = rt + %" PRId64 ";\n", i * W);
        emit_ivdep(b);
        ait_sb_printf(b, "for (long tx = txlo; tx < txend; tx++) {\n");
        for (int k = 0; k < a; k++)
            ait_sb_printf(b, "const float q%d = r[tx * %d + %d];\n", k, m, k);
        for (int j = 0; j < a; j++) {
            ait_sb_printf(b, "vr[tx + %" PRId64 "] = ", (int64_t)(i * a + j) * p->cin * d->ld);
            emit_combination(b, f->bt + j * a, a, "q%d");
            ait_sb_puts(b, ";\n");
        }
        ait_sb_puts(b, "}\n}\n");
    }
    ait_sb_puts(b, "}\n");
    /* the padding tiles of the last block: zero columns, so no garbage reaches a product */
    if (d->padded > d->tiles)
        ait_sb_printf(b,
                      "for (long col = %" PRId64 " - t0 > 0 ? %" PRId64 " - t0 : 0; col < nt; col++)\n"
                      "for (long e = 0; e < %" PRId64 "; e++)\nvb[(e * %" PRId64 " + ci) * ld_ + col] = 0;\n",
                      d->tiles, d->tiles, d->e, p->cin);
    ait_sb_puts(b, "}\n");
}

/* Phase 2: M[e] = U[e] V[e], rows of output channels in panels of mr, columns of tiles. */
static void emit_products(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_conv_params *p,
                          const wino_dims *d)
{
    const ait_simd_cfg c = ait_simd_node_cfg(g, n);
    int nr = c.nv * c.vl;
    int64_t CO = p->cout, CI = p->cin, panels = (CO + c.mr - 1) / c.mr;
    ait_node plain = *n; /* the products are stored as they are: bias and epilogue come after */
    plain.n_epi = 0;
    char afmt[64], bfmt[64], khi[32];
    snprintf(afmt, sizeof afmt, "wa[k * %d + %%d]", c.mr);
    snprintf(bfmt, sizeof bfmt, "xs + k * ld_ + n0 + %%d * %d", c.vl);
    snprintf(khi, sizeof khi, "%" PRId64, CI);
    ait_sb_printf(b,
                  "for (long e = 0; e < %" PRId64 "; e++) {\nconst float *const xs = vb + e * %" PRId64 " * ld_;\n"
                  "float *const y0 = mb + e * %" PRId64 " * ld_;\n",
                  d->e, CI, CO);
    for (int part = 0; part < 2; part++) {
        int64_t full = CO / c.mr, tail = CO % c.mr;
        if (part == 0 && !full)
            continue;
        if (part == 1 && !tail)
            continue;
        int R = part == 0 ? c.mr : (int)tail;
        if (part == 0)
            ait_sb_printf(b, "for (long mp = 0; mp < %" PRId64 "; mp++) {\n", full);
        else
            ait_sb_printf(b, "{\nconst long mp = %" PRId64 ";\n", full);
        ait_sb_printf(b, "const long m0 = mp * %d;\nconst float *const wa = wp + (e * %" PRId64 " + mp) * %" PRId64 ";\n",
                      c.mr, panels, CI * c.mr);
        ait_sb_printf(b, "long n0 = 0;\nfor (; n0 + %d <= nt; n0 += %d) {\n", nr, nr);
        ait_simd_tile(b, R, c.nv, "0", khi, afmt, bfmt, NULL);
        ait_simd_store(b, g, &plain, R, c.nv, d->ld, NULL, NULL, NULL, NULL);
        ait_sb_puts(b, "}\n");
        if (c.nv > 1) {
            ait_sb_printf(b, "for (; n0 < nt; n0 += %d) {\n", c.vl);
            ait_simd_tile(b, R, 1, "0", khi, afmt, bfmt, NULL);
            ait_simd_store(b, g, &plain, R, 1, d->ld, NULL, NULL, NULL, NULL);
            ait_sb_puts(b, "}\n");
        }
        ait_sb_puts(b, "}\n");
    }
    ait_sb_puts(b, "}\n");
}

/* Phase 3: per output channel and tile row, Y = A^T M A into m rows (ro), then the rows inside
 * the output with bias and epilogue. */
static void emit_output(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_conv_params *p,
                        const wino_form *f, const wino_dims *d)
{
    int a = f->a, m = f->m;
    int64_t CO = p->cout, OH = p->out[1], OW = p->out[2], TX = d->tx, W = d->w;
    ait_sb_printf(b, "for (long co = 0; co < %" PRId64 "; co++) {\n", CO);
    emit_tile_rows(b, d);
    ait_sb_puts(b, "{\n");
    ait_sb_printf(b, "const float *const mr = mb + co * ld_ + ty * %" PRId64 " - t0;\n", TX);
    emit_ivdep(b);
    ait_sb_printf(b, "for (long tx = txlo; tx < txend; tx++) {\n");
    for (int e = 0; e < a * a; e++)
        ait_sb_printf(b, "const float p%d_%d = mr[tx + %" PRId64 "];\n", e / a, e % a, (int64_t)e * CO * d->ld);
    /* s_r_j = sum_i A^T[r][i] M[i][j]; Y[r][c] = sum_j A^T[c][j] s_r_j */
    for (int r = 0; r < m; r++)
        for (int j = 0; j < a; j++) {
            char fmt[32];
            snprintf(fmt, sizeof fmt, "p%%d_%d", j);
            ait_sb_printf(b, "const float s%d_%d = ", r, j);
            emit_combination(b, f->at + r * a, a, fmt);
            ait_sb_puts(b, ";\n");
        }
    for (int r = 0; r < m; r++)
        for (int cc = 0; cc < m; cc++) {
            char fmt[32];
            snprintf(fmt, sizeof fmt, "s%d_%%d", r);
            ait_sb_printf(b, "ro[%" PRId64 " + tx * %d + %d] = ", r * W, m, cc);
            emit_combination(b, f->at + cc * a, a, fmt);
            ait_sb_puts(b, ";\n");
        }
    ait_sb_puts(b, "}\n}\n");
    ait_sb_printf(b,
                  "for (long r = 0; r < %d; r++) {\nconst long oh = ty * %d + r;\nif (oh >= %" PRId64 ")\nbreak;\n"
                  "const long owhi = txhi * %d < %" PRId64 " ? txhi * %d : %" PRId64 ";\n"
                  "for (long ow = txlo * %d; ow < owhi; ow++) {\n"
                  "const long yi = (co * %" PRId64 " + oh) * %" PRId64 " + ow;\nfloat v = ro[r * %" PRId64 " + ow]%s;\n",
                  m, m, OH, m, OW, m, OW, m, OH, OW, W, ait_node_in(g, n, 2) ? " + x2[co]" : "");
    ait_emit_epilogue(b, g, n, "v", "yi");
    ait_sb_puts(b, "y0[yi] = v;\n}\n}\n}\n}\n");
}

void ait_simd_emit_winograd(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const wino_form *f = form_of(g, n);
    const ait_conv_params *p = n->params;
    const wino_dims d = dims_of(g, n, f);
    int split = split_blocks(g, n, &d);
    size_t per_task = task_floats(p, f, &d);
    ait_sb_printf(b, "/* Winograd F(%dx%d, 3x3): %" PRId64 " tiles in %" PRId64 " blocks of %" PRId64 " */\n", f->m, f->m,
                  d.tiles, d.blocks, d.tb);
    if (split) {
        ait_emit_phase(b, 0);
        ait_emit_task_part(b, g, "tv", d.padded / d.vl, 1);
        ait_sb_printf(b, "float *const vb = s0 + (long)task_ * %zu;\n", per_task);
    } else {
        ait_sb_puts(b, "float *const vb = s0;\n");
    }
    ait_sb_printf(b,
                  "const long tb_ = %" PRId64 ", ld_ = %" PRId64 ";\nfloat *const mb = vb + %" PRId64 ";\n"
                  "float *const rd = mb + %" PRId64 ", *const rt = rd + %" PRId64 ", *const ro = rt + %" PRId64 ";\n"
                  "const float *const wp = x%d;\n",
                  d.tb, d.ld, d.e * p->cin * d.ld, d.e * p->cout * d.ld, f->a * d.w, f->a * d.w, n->pack_in);
    if (split)
        ait_sb_printf(b, "const long t_hi = tv_hi * %" PRId64 ";\nfor (long t0 = tv_lo * %" PRId64 "; t0 < t_hi; t0 += tb_) {\n"
                         "const long nt = t0 + tb_ < t_hi ? tb_ : t_hi - t0;\n",
                      d.vl, d.vl);
    else
        ait_sb_printf(b, "for (long t0 = 0; t0 < %" PRId64 "; t0 += tb_) {\n"
                         "const long nt = t0 + tb_ < %" PRId64 " ? tb_ : %" PRId64 " - t0;\n",
                      d.padded, d.padded, d.padded);
    emit_input(b, p, f, &d);
    emit_products(b, g, n, p, &d);
    emit_output(b, g, n, p, f, &d);
    ait_sb_puts(b, "}\n");
    if (split)
        ait_sb_puts(b, "}\n");
}
