/* Graph passes shared by all backends, run on a resolved graph before
 * emitting a candidate (the recording oracle runs without them, so every
 * trial checks them against the unfused reference):
 *   - drop Identity and Dropout (consumers read the input directly)
 *   - fold BatchNormalization into a preceding Conv with constant weights
 *   - drop a Conv's kernel taps that read only padding at every output
 *   - rewrite an Einsum that multiplies by a constant matrix as a MatMul
 *   - fuse elementwise work into the producing Conv/Gemm/MatMul as epilogue
 *     steps: activations (Relu, Clip, LeakyRelu, HardSwish, Sigmoid) and
 *     residual Add of a same-shaped tensor, in the order they appear. */
#ifndef AIT_PASSES_H
#define AIT_PASSES_H

#include "ir/graph.h"

typedef struct {
    int dropped, bn_folded, fused, einsum_matmul, taps_pruned;
} ait_pass_stats;

void ait_graph_passes(ait_graph *g, ait_pass_stats *st);

/* Prints the epilogue of node n for value `v` at flat output index `idx`
 * (inputs are named x<i>), one statement per step. */
#include "ir/strbuf.h"
void ait_emit_epilogue(ait_sb *b, const ait_graph *g, const ait_node *n, const char *v, const char *idx);

#endif
