/* The interface every backend's op templates implement.
 *
 * A template writes the *body* of one kernel function.  The driver writes the
 * signature: inputs are `const T *x0, x1, ...` (absent optional inputs are
 * NULL), outputs `T *y0, y1, ...`, where T is each tensor's C type.  Shapes
 * and parameters are baked into the body as constants. */
#ifndef AIT_TEMPLATE_H
#define AIT_TEMPLATE_H

#include "ir/graph.h"
#include "ir/op_params.h"
#include "ir/ops.h"
#include "ir/strbuf.h"

typedef struct {
    const char *family;
    /* (optional) NULL means the template handles every resolved node of its ops.
     * false is "not applicable", never an error: the tuner moves on. */
    int (*applies)(const ait_graph *g, const ait_node *n);
    void (*emit)(ait_sb *b, const ait_graph *g, const ait_node *n);
    /* (optional) bytes of scratch the kernel needs, passed as its last parameter `float *s0`
     * (planned in the arena, alive only during the kernel) */
    size_t (*scratch_bytes)(const ait_graph *g, const ait_node *n);
    /* (optional) with g->tasks > 1 (ait_split): how many fork-join phases the kernel's work runs
     * in; 0 keeps it serial.  The body then runs once per phase and task, with `int phase_` and
     * `int task_` in scope, and does task task_'s share of phase p under `if (phase_ == p)`.
     * Tasks of one phase write disjoint memory (scratch_bytes then covers every task's own
     * scratch), and each element is computed the same way whatever the split, so the results
     * are bitwise those of the serial code for every number of tasks and threads. */
    int (*phases)(const ait_graph *g, const ait_node *n);
} ait_template;

/* The reference backend: plain C99, one template per op family. */
const ait_template *ait_reference_template(int op);

#endif
