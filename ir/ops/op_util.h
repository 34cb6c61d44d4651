/* Helpers shared by the ops' resolve functions. */
#ifndef AIT_OP_UTIL_H
#define AIT_OP_UTIL_H

#include "ir/op_params.h"
#include "ir/ops.h"

/* Fails with "<model>: node <name> (<op>): ..." */
#define AIT_NODE_FAIL(code, ...) ait_node_fail(g, n, d, code, __VA_ARGS__)
ait_status ait_node_fail(const ait_graph *g, const ait_node *n, ait_diag *d, ait_status code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Input count within [lo, hi]; every present input has a known shape and a supported dtype. */
ait_status ait_check_inputs(ait_graph *g, ait_node *n, int lo, int hi, ait_diag *d);
/* Input i must be present. */
ait_status ait_need_input(ait_graph *g, ait_node *n, int i, ait_diag *d);
/* Input i's dtype must be floating point (float32/double). */
ait_status ait_need_float(ait_graph *g, ait_node *n, int i, ait_diag *d);
/* The element types an op takes: AIT_IN_ANY, floats, numbers (not bool), bool, integers (not
 * bool), unsigned integers. */
typedef enum { AIT_IN_ANY, AIT_IN_FLOAT, AIT_IN_NUMERIC, AIT_IN_BOOL, AIT_IN_INT, AIT_IN_UNSIGNED } ait_in_class;
/* Input i's dtype is of class c; else an error naming the input and what the op takes. */
ait_status ait_need_class(ait_graph *g, ait_node *n, int i, ait_in_class c, ait_diag *d);
/* Inputs i and j have the same dtype. */
ait_status ait_same_dtype(ait_graph *g, ait_node *n, int i, int j, ait_diag *d);

/* AIT_OK when present input i has its value at generation time; else AIT_E_NEEDS_CONST naming it
 * ("input 'x' <why> and must be known at generation time") and recording it in d->needs_tensor,
 * so a caller that can (the conformance runner) fixes it and resolves again. */
ait_status ait_need_const(ait_graph *g, ait_node *n, int i, const char *why, ait_diag *d);
/* Values of a constant integer input, or AIT_E_NEEDS_CONST naming it. */
ait_status ait_const_ints(ait_graph *g, ait_node *n, int i, int64_t **vals, int *count, ait_diag *d);
/* Scalar (or 1-element) constant input as double. */
ait_status ait_const_scalar(ait_graph *g, ait_node *n, int i, double *v, ait_diag *d);

/* Axis in [-rank, rank) normalized to [0, rank). */
ait_status ait_norm_axis(ait_graph *g, ait_node *n, int64_t axis, int rank, int64_t *out, ait_diag *d);

/* Multidirectional (numpy) broadcast of the shapes of inputs [0, count) into out. */
ait_status ait_broadcast_shapes(ait_graph *g, ait_node *n, int count, int *rank, int64_t *dims, ait_diag *d);

/* MatMul's numpy geometry of inputs ia @ ib: fills a new ait_matmul_params in n->params and the
 * output's shape (MatMul, MatMulInteger, QLinearMatMul). */
/* A forward Conv's geometry from input ix and weight iw (conv.c): its params and output dims. */
ait_status ait_resolve_conv_geometry(ait_graph *g, ait_node *n, int ix, int iw, ait_conv_params **out, int64_t *od,
                                     ait_diag *d);
ait_status ait_matmul_geometry(ait_graph *g, ait_node *n, int ia, int ib, int *rank, int64_t *dims, ait_diag *d);

/* Sets output i's dtype and shape. */
void ait_set_out(ait_graph *g, ait_node *n, int i, int dtype, int rank, const int64_t *dims);

/* Reports n->bad_attr (a getter saw the wrong attribute type). */
ait_status ait_check_attrs(ait_graph *g, ait_node *n, ait_diag *d);

#endif
