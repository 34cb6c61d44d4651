/* `aitune-gen inspect model.onnx`: the module hierarchy recovered from
 * node-name scopes (/layer1/layer1.0/conv1/Conv), as a tree with node and op
 * counts, parameters and FLOPs per scope. */
#ifndef AIT_INSPECT_H
#define AIT_INSPECT_H

#include <stdio.h>

#include "ir/graph.h"

/* g must be resolved. */
void ait_inspect_print(FILE *f, const ait_graph *g, int max_depth);

#endif
