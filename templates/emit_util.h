/* Small printers the templates share. */
#ifndef AIT_EMIT_UTIL_H
#define AIT_EMIT_UTIL_H

#include "templates/template.h"

const char *ait_ctype(const ait_tensor *t);
/* "f" for float32, "" for double: suffix of <math.h> functions. */
const char *ait_mathsuf(const ait_tensor *t);
/* A C literal of value v for dtype (hex float, exact; NAN/INFINITY; integer). */
void ait_emit_lit(ait_sb *b, int dtype, double v);
/* HardSigmoid of `v`, max(0, min(1, alpha v + beta)), as one expression: the reference op and
 * the epilogue step fused into a Conv write the same text, so they compute the same bits. */
void ait_emit_hard_sigmoid(ait_sb *b, int dtype, double alpha, double beta, const char *v);
/* Resize's axis a leaves every index where it is (each output o takes source element o with
 * weight 1): the reference indexes it directly, simd needs it to. */
int ait_resize_unchanged_axis(const ait_resize_params *p, int a, int64_t in, int64_t out);
/* Opens `rank` nested loops `for (long <p>K = 0; <p>K < dims[K]; <p>K++) {`. */
void ait_emit_loops(ait_sb *b, int rank, const int64_t *dims, const char *p);
void ait_emit_close(ait_sb *b, int rank);
/* "p0*s0 + p1*s1 ..." skipping zero strides and writing no "* 1"; "0" if none.  With `every`
 * (the graph's extents vary: g->extents_vary) each term is written, so that a stride that is 0
 * or 1 at some value of a dynamic axis keeps the code's shape. */
void ait_emit_offset(ait_sb *b, int every, int rank, const int64_t *strides, const char *p);
/* static const long name[count] = {...}; */
void ait_emit_table(ait_sb *b, const char *name, const int64_t *v, int64_t count);
/* static const double name[count] = {...}; (or float) */
void ait_emit_ftable(ait_sb *b, const char *ctype, const char *name, const double *v, int64_t count);
/* Threads: the number of tasks node n's kernel splits into (g->tasks), or 0 where it stays
 * serial (one thread, extents that vary: the dynamic-axes fit compares serial code, or n's
 * knobs[AIT_KNOB_SERIAL]).  n NULL: the graph's count, for a kernel already known to split. */
int ait_split(const ait_graph *g, const ait_node *n);
/* `const long <v>_lo = ..., <v>_hi = ...;`: task task_'s share of [0, count) when split in
 * g->tasks tasks, cut at multiples of `align` (the last share takes what is left). */
void ait_emit_task_part(ait_sb *b, const ait_graph *g, const char *v, long long count, long long align);
/* Opens phase p of a parallel kernel (`if (phase_ == p) {`); close it with "}\n". */
void ait_emit_phase(ait_sb *b, int p);
/* enum constants N_, CI, CO, G, ID/IH/IW, OD/OH/OW, KD/KH/KW, SD/SH/SW, DD/DH/DW, PD/PH/PW of a Conv
 * geometry (3-D, leading unit axes), for direct loops. */
void ait_emit_conv_geometry(ait_sb *b, const ait_conv_params *p);

#endif
