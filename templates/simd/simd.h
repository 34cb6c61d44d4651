/* The simd and tiled backends: GCC vector extensions (no intrinsics), weights
 * packed at generation time, register-blocked tiles.  The vector width follows
 * [target] arch: 16 floats (AVX-512), 8 (AVX2), 4 (SSE/NEON/generic); the
 * tiled backend is the same code with 1-float "vectors": plain scalar C99
 * that libtcc compiles.
 *
 * Two GEMM shapes share one tile emitter:
 *   WX: Y[M,N] = W[M,K] X[K,N], W constant packed in panels of MR rows
 *       ([panel][k][MR]); vectors run along N (Conv: N = output pixels).
 *   XW: Y[M,N] = X[M,K] W[K,N], W constant packed in panels of NR = NV*VL
 *       columns ([panel][k][NR]); vectors run along N (Gemm, MatMul). */
#ifndef AIT_SIMD_H
#define AIT_SIMD_H

#include "templates/template.h"

typedef struct {
    int vl;    /* floats per vector; 1 is the scalar flavour (the tiled backend) */
    int mr;    /* rows per register tile */
    int nv;    /* vectors per register tile row */
    int order; /* XW: 0 row blocks outer, 1 column panels outer; Conv: 0 WX, 1 XW, 2 and 3
                * Winograd F(2x2, 3x3) and F(4x4, 3x3) (ait_simd_order) */
    int block; /* XW: K block (0: whole K); WX: column block, in panels of nv*vl (0: whole N) */
    int wfmt;  /* how packed weights are stored: ait_simd_wfmt (the int8w and fp16w backends) */
} ait_simd_cfg;

/* Packed weights stored as fp32; as int8 with a scale per output channel (symmetric,
 * max |w| / 127); or as fp16 (IEEE binary16 bits).  The kernels dequantize on the way into
 * the register tiles: WX decodes each row panel into scratch once per column block, XW
 * converts each vector as it loads it and scales the sums per column. */
typedef enum { AIT_WF_F32, AIT_WF_INT8, AIT_WF_F16 } ait_simd_wfmt;

/* Below this much work a split kernel stays serial: handing out tasks costs about a microsecond. */
#define AIT_SIMD_SPLIT_MIN_FLOPS 4e5

/* Indices into ait_node.knobs, in the order of ait_simd_cfg after vl; 0 keeps the default. */
enum { AIT_KNOB_MR, AIT_KNOB_NV, AIT_KNOB_ORDER, AIT_KNOB_BLOCK };
/* A Conv's knob order: its GEMM as WX (vectors along pixels), turned around (XW: vectors along
 * output channels), or a 3x3 stride-1 Conv by Winograd's F(2x2, 3x3) or F(4x4, 3x3). */
enum { AIT_ORDER_WX, AIT_ORDER_XW, AIT_ORDER_WINO2, AIT_ORDER_WINO4 };

/* The defaults for a vector width: accumulators + loads within the register file. */
ait_simd_cfg ait_simd_default_cfg(int vl);
/* The flavour a graph is emitted in (simd: vl 16/8/4; tiled: 1): g->backend_cfg, which the
 * backend's prepare sets; scalar tiles where none is set. */
const ait_simd_cfg *ait_simd_base(const ait_graph *g);
/* The graph's flavour with the node's knobs applied. */
ait_simd_cfg ait_simd_node_cfg(const ait_graph *g, const ait_node *n);
/* Which of ait_simd_variants' settings (knobs, count of them) to expect fastest, by what the
 * knob search chose across the zoo: Winograd F(2x2) for a 3x3 stride-1 Conv past 196 pixels
 * with 32 input channels or more,
 * the Conv turned around (order 1) on 64 pixels or fewer, else the first. */
int ait_simd_variant_guess(const ait_node *n, int (*knobs)[AIT_MAX_KNOBS], int count);
/* nv (vectors a tile) balanced over a GEMM's packed columns at vector width vl: no wider than
 * they are, the panels as even as their count allows. */
int ait_simd_fit_nv(const ait_node *n, int order, int vl, int nv);

/* Packs constant weights for a node and appends them to its inputs (n->pack_in). */
void ait_simd_prepare_graph(ait_graph *g);
void ait_simd_prepare_node(ait_graph *g, ait_node *n);
/* The knob settings worth measuring for a node (the default first); 0 if it has none. */
int ait_simd_variants(const ait_graph *g, const ait_node *n, int (*knobs)[AIT_MAX_KNOBS], int max);
/* The helpers every file of this flavour starts with, written into buf. */
void ait_simd_prelude(const ait_simd_cfg *c, char *buf, size_t n);

/* A constant 1-D tensor of count elements of dtype at data, named name; returns its id. */
int ait_simd_add_const(ait_graph *g, const char *name, int dtype, void *data, int64_t count);
/* The format of the node's packed weights (what its prepare stored). */
ait_simd_wfmt ait_simd_node_wfmt(const ait_graph *g, const ait_node *n);
/* The C type of one packed weight: "float", "int8_t" or "uint16_t". */
const char *ait_simd_wtype(const ait_graph *g, const ait_node *n);
/* C that fills float dst[k * width + j] from the packed panel at src (C expressions), with
 * per-slot scales at scale (int8); nothing to do for fp32 (dst is then src itself). */
void ait_simd_decode_panel(ait_sb *b, const ait_graph *g, const ait_node *n, const char *dst, const char *src,
                           const char *scale, long long K, int width);
/* Tile sums c_r_v times the per-column scales at scale + v*VL (int8 XW; nothing otherwise). */
void ait_simd_scale_cols(ait_sb *b, const ait_graph *g, const ait_node *n, int R, int V, const char *scale);
/* The load of one weight vector for the node's format: AIT_LD, AIT_LDQ8 or AIT_LDH. */
const char *ait_simd_wload(const ait_graph *g, const ait_node *n);

/* The register tile: R rows x V vectors, K steps.  a_fmt gives the scalar of row r at
 * step k (one %d for r), b_fmt the address of vector v at step k (one %d for v); extra
 * (optional) is C run at the top of each step (prefetches). */
void ait_simd_tile(ait_sb *b, int R, int V, const char *k_lo, const char *k_hi, const char *a_fmt,
                   const char *b_fmt, const char *extra);
/* The same with the vector loads through load (a macro of the prelude: ait_simd_wload). */
void ait_simd_tile_ld(ait_sb *b, int R, int V, const char *k_lo, const char *k_hi, const char *a_fmt,
                      const char *load, const char *b_fmt, const char *extra);
/* The same, resuming sums saved by an earlier block of steps where `resume` (a C condition)
 * holds: c_r_v from the vector at saved_fmt (two %d: r, then v).  Blocks resumed so add in the
 * order of one unbroken loop: the same bits. */
void ait_simd_tile_resume(ait_sb *b, int R, int V, const char *k_lo, const char *k_hi, const char *a_fmt,
                          const char *load, const char *b_fmt, const char *extra, const char *resume,
                          const char *saved_fmt);
/* Stores tile accumulators c_r_v to y0[(m0 + r) * ldy + n0 + v*VL], adding a per-row bias
 * (bias_row_fmt, one %d for r) or per-column bias vectors (bias_col_expr + v*VL), then runs
 * the node's epilogue over what was stored.  partial (K blocking): a C condition under which
 * the tile adds to what y0 holds; bias and epilogue then wait for the last block (cond last). */
void ait_simd_store(ait_sb *b, const ait_graph *g, const ait_node *n, int R, int V, long long ldy,
                    const char *bias_row_fmt, const char *bias_col_expr, const char *partial, const char *last);
/* Vector epilogue of v (an ait_vf) at flat index idx; returns 0 (and prints nothing) when a
 * step has no vector form.  b NULL: only asks. */
int ait_simd_epilogue_vec(ait_sb *b, const ait_graph *g, const ait_node *n, const char *v, const char *idx);
/* The vector epilogue of v at idx where only its first `lanes` lanes (a C expression) exist:
 * each lane the same bits as ait_simd_epilogue_vec's, a residual read only where it exists. */
void ait_simd_epilogue_lanes(ait_sb *b, const ait_graph *g, const ait_node *n, const char *v, const char *idx,
                             const char *lanes);
/* A sliding window over the 2-D planes of x0 (one per channel), written to y0 with the
 * node's epilogue; scratch holds the padded planes.  window.c. */
typedef enum { AIT_WIN_CONV, AIT_WIN_MAX, AIT_WIN_AVG } ait_simd_window_kind;
typedef struct {
    ait_simd_window_kind kind; /* CONV: depthwise, weights x1 [c][kh][kw], bias x2 (optional) */
    int64_t c;                 /* planes */
    int64_t ih, iw, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl;
    float scale;               /* AVG: 1 / window size */
    int vl;                    /* floats per vector of the graph's flavour */
} ait_simd_window;
void ait_simd_emit_window(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_simd_window *w);
size_t ait_simd_window_scratch(const ait_graph *g, const ait_node *n, const ait_simd_window *w);
/* Split into tasks (1: whole channels a task, 0: serial). */
int ait_simd_window_phases(const ait_graph *g, const ait_node *n, const ait_simd_window *w);

/* Emits the im2col of Conv input x0 into dst ([cin*kh*kw][oh*ow]); 2-D convs.  With split, the
 * input channels of task task_'s share (a parallel kernel's phase). */
void ait_simd_im2col(ait_sb *b, const ait_graph *g, const ait_conv_params *p, int split, const char *dst);
/* 0 not handled, 1 depthwise, 2 pointwise (1x1, stride 1, no pads), 3 general (im2col) */
int ait_simd_conv_kind(const ait_graph *g, const ait_node *n);

/* Winograd (winograd.c): whether knob order `order` (AIT_ORDER_WINO2 / 4) is offered for the
 * node's shape; m (2 or 4) where the node's knobs chose it, else 0; its transformed weights
 * ([e][panel][ci][mr], count floats); its kernel body, scratch and phases. */
int ait_simd_winograd_offered(const ait_graph *g, const ait_node *n, int order);
int ait_simd_winograd_m(const ait_graph *g, const ait_node *n);
float *ait_simd_winograd_pack(ait_graph *g, const ait_node *n, const float *w, int mr, int64_t *count);
void ait_simd_emit_winograd(ait_sb *b, const ait_graph *g, const ait_node *n);
size_t ait_simd_winograd_scratch(const ait_graph *g, const ait_node *n);
int ait_simd_winograd_phases(const ait_graph *g, const ait_node *n);

const ait_template *ait_simd_template(const ait_graph *g, const ait_node *n);
/* Gemm or MatMul whose constant B the simd templates pack into column panels. */
int ait_simd_matmul_packs(const ait_graph *g, const ait_node *n);
/* RNN, GRU, LSTM: packs W^T and R^T (recurrent.c) */
void ait_simd_prepare_recurrent(ait_graph *g, ait_node *n);
/* ConvTranspose with 8 or more output channels a group: its weights as vectors of them, per tap */
void ait_simd_prepare_conv_transpose(ait_graph *g, ait_node *n);

#endif
