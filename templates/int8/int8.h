/* The int8 backend's integer kernels: static post-training quantization.
 *
 * Conv (1x1 and im2col, ungrouped), Gemm and MatMul with constant weights run as integer
 * GEMMs: the input quantized per tensor to uint8 with the range calibration measured on the
 * recorded samples (ir/calib.h; scale s_x, zero point z), the weights per output channel to
 * int8 (symmetric, s_w = max |w| / 127), products summed in int32, and the epilogue
 *     y = (acc - z * sum_k w_q) * (s_x * s_w) + bias, then the node's fused steps,
 * written as fp32: every other op runs the simd kernels on fp32 tensors.  With AVX-512 VNNI
 * (gcc -march with avx512vnni) the sums are vpdpbusd, 64 multiply-adds an instruction; any
 * other target (AVX2, NEON, Cortex-M, tcc) runs a portable C99 integer path whose sums are the
 * same integers.
 *
 * Packed constants: the weights as int32 words of 4 int8 (k, k+1, k+2, k+3 in bits 0-7, ...,
 * 24-31; K padded to a multiple of 4 with zeros), at n->pack_in; s_x * s_w per output channel at
 * n->pack_scale; z * sum_k w_q per output channel (int32) at n->pack_scale + 1. */
#ifndef AIT_INT8_H
#define AIT_INT8_H

#include "templates/simd/simd.h"

/* The node has an integer kernel (calibration aside): its input 0 is what calibration
 * measures.  A structural test, true on the graph before the backend's prepare. */
int ait_int8_handles(const ait_graph *g, const ait_node *n);
/* The integer template for n, or NULL (the simd templates then serve it): handled, and its input
 * calibrated (g->calib). */
const ait_template *ait_int8_template(const ait_graph *g, const ait_node *n);
/* Quantizes and packs the weights of the nodes ait_int8_template serves (before the simd prepare,
 * which then leaves them alone). */
void ait_int8_prepare_graph(ait_graph *g);
/* The helpers of the integer kernels, after the simd prelude of the flavour (vl floats a vector). */
void ait_int8_prelude(int vl, char *buf, size_t n);

#endif
