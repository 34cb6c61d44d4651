/* `aitune-gen inspect model.onnx`: the module hierarchy recovered from
 * node-name scopes (/layer1/layer1.0/conv1/Conv), as a tree with node and op
 * counts, parameters and FLOPs per scope. */
#ifndef AIT_INSPECT_H
#define AIT_INSPECT_H

#include <stdio.h>

#include "ir/graph.h"

#include "ir/ops.h"

/* A scope of node names (the model's sub-modules), with what its nodes hold and do. */
typedef struct ait_scope ait_scope;
struct ait_scope {
    const char *name;
    size_t name_len;
    ait_scope *child, *next;
    int nodes;
    double params, flops;
    int op_count[AIT_OP_COUNT];
};

/* The scope tree of a resolved graph (root "(model)"), allocated in a. */
ait_scope *ait_scope_tree(ait_arena *a, const ait_graph *g);

/* g must be resolved. */
void ait_inspect_print(FILE *f, const ait_graph *g, int max_depth);

#endif
