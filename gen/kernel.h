/* One node's kernel as a C function, and the resolve pass that folds constants. */
#ifndef AIT_KERNEL_H
#define AIT_KERNEL_H

#include "templates/template.h"

/* static void <fname>(const T *x0, ..., T *y0, ...[, float *s0]) { <template body> } */
void ait_emit_kernel(ait_sb *b, const ait_graph *g, const ait_node *n, const char *fname, const ait_template *t);
/* The same with a last parameter `const long *dim_` (the values of the dynamic axes). */
void ait_emit_kernel_dims(ait_sb *b, const ait_graph *g, const ait_node *n, const char *fname, const ait_template *t,
                          int dims_param);
/* With threads (g->tasks > 1, no dims_param): the fork-join phases the node's kernel runs in
 * (its template's `phases`), 0 when it stays serial.  A kernel with phases is emitted as
 * <fname>_p_ (the template's body, one phase's share of one task), <fname>_t_ (a task) and
 * <fname>, which runs each phase through g->par_for. */
int ait_kernel_phases(const ait_graph *g, const ait_node *n, const ait_template *t);

/* Folded results, reused across the graphs one run resolves (the same model at each backend,
 * each binding, each value of a dynamic axis): keyed by the kernel's code and its inputs' bytes. */
typedef struct ait_fold_cache ait_fold_cache;
ait_fold_cache *ait_fold_cache_new(void);
void ait_fold_cache_free(ait_fold_cache *c);
int ait_fold_cache_hits(const ait_fold_cache *c);

/* Runs every node's resolve in order (shape inference), and folds nodes whose
 * inputs are all constants by compiling their reference kernel with libtcc
 * and running it.  Stops at the first error, which names the node. */
ait_status ait_graph_resolve(ait_graph *g, ait_diag *d);

/* Binds run-time input `idx` to a concrete shape (checked against the model's
 * declared dims). */
ait_status ait_graph_bind_input(ait_graph *g, int idx, int rank, const int64_t *dims, ait_diag *d);

/* Makes graph input `tensor` a constant with the given data (used by tools
 * that must fix a shape-deciding input, such as the conformance runner). */
void ait_graph_freeze_input(ait_graph *g, int tensor, void *data);

/* Floating-point operations of one node (multiply-add = 2), for reports. */
double ait_node_flops(const ait_graph *g, const ait_node *n);

#endif
