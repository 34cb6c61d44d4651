/* simd: Softmax along a contiguous last axis: the row's max, then exp(x - max) on vectors
 * (AIT_EXP_INTO; the scalar tail with expf) summed in vector accumulators, then each divided by
 * the sum.  In float, where the reference sums in double: attention's scores are most of a
 * small transformer's non-GEMM time. */
#include <inttypes.h>
#include <stdio.h>

#include "templates/emit_util.h"
#include "templates/simd/simd.h"

static int applies(const ait_graph *g, const ait_node *n)
{
    const ait_norm_params *p = n->params;
    return n->op == AIT_OP_SOFTMAX && ait_simd_base(g)->vl > 1 && p->inner == 1 && p->axis_len > 0 &&
           ait_node_in(g, n, 0)->dtype == AIT_DT_FLOAT;
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_norm_params *p = n->params;
    int vl = ait_simd_base(g)->vl;
    int64_t L = p->axis_len;
    ait_sb_printf(b,
                  "for (long o = 0; o < %" PRId64 "; o++) {\nconst float *const xr = x0 + o * %" PRId64 ";\n"
                  "float *const yr = y0 + o * %" PRId64 ";\nfloat mx = -INFINITY;\n"
                  "for (long j = 0; j < %" PRId64 "; j++)\nmx = xr[j] > mx ? xr[j] : mx;\n"
                  "ait_vf acc = {0};\nlong j = 0;\nfor (; j + %d <= %" PRId64 "; j += %d) {\n"
                  "ait_vf e = AIT_LD(xr + j) - mx;\nAIT_EXP_INTO(e);\nAIT_ST(yr + j, e);\nacc += e;\n}\n"
                  "float sum = 0;\nfor (int l = 0; l < %d; l++)\nsum += acc[l];\n"
                  "for (; j < %" PRId64 "; j++) {\nyr[j] = expf(xr[j] - mx);\nsum += yr[j];\n}\n"
                  "for (long k = 0; k < %" PRId64 "; k++)\nyr[k] = yr[k] / sum;\n}\n",
                  p->outer, L, L, L, vl, L, vl, vl, L, L);
    (void)g;
}

const ait_template ait_simd_softmax = {.family = "norm", .applies = applies, .emit = emit};
