/* The simd backend: GCC vector extensions (no intrinsics), weights packed at
 * generation time, register-blocked tiles.  The vector width follows
 * [target] arch: 16 floats (AVX-512), 8 (AVX2), 4 (SSE/NEON/generic).
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
    int vl;   /* floats per vector */
    int mr;   /* rows per register tile */
    int nv;   /* vectors per register tile row */
} ait_simd_cfg;

/* The configuration the simd backend was set up with (from [target] arch). */
const ait_simd_cfg *ait_simd_config(void);
void ait_simd_set_vl(int vl);

/* Packs constant weights for a node and appends them to its inputs (n->pack_in). */
void ait_simd_prepare_graph(ait_graph *g);
const char *ait_simd_prelude(void);

/* The register tile: R rows x V vectors, K steps.  a_fmt gives the scalar of row r at
 * step k (one %d for r), b_fmt the address of vector v at step k (one %d for v). */
void ait_simd_tile(ait_sb *b, int R, int V, long long K, const char *a_fmt, const char *b_fmt);
/* Stores tile accumulators c_r_v to y0[(m0 + r) * ldy + n0 + v*VL], adding a per-row bias
 * (bias_row_fmt, one %d for r) or per-column bias vectors (bias_col_expr + v*VL), then runs
 * the node's epilogue over what was stored. */
void ait_simd_store(ait_sb *b, const ait_graph *g, const ait_node *n, int R, int V, long long ldy,
                    const char *bias_row_fmt, const char *bias_col_expr);
/* Vector epilogue of v (an ait_vf) at flat index idx; returns 0 (and prints nothing) when a
 * step has no vector form.  b NULL: only asks. */
int ait_simd_epilogue_vec(ait_sb *b, const ait_graph *g, const ait_node *n, const char *v, const char *idx);
/* 0 not handled, 1 depthwise, 2 pointwise (1x1, stride 1, no pads), 3 general (im2col) */
int ait_simd_conv_kind(const ait_graph *g, const ait_node *n);

const ait_template *ait_simd_template(const ait_graph *g, const ait_node *n);

#endif
