/* Loading a model for generation: import, bind input shapes, resolve. */
#ifndef AIT_MODEL_LOAD_H
#define AIT_MODEL_LOAD_H

#include "ir/graph.h"

/* Parses "input=1x3x224x224" (or "1x3x224x224" for input 0) and binds it. */
ait_status ait_bind_shape_arg(ait_graph *g, const char *arg, ait_diag *d);
/* Binds every still-symbolic dimension of every input to 1 and reports which. */
int ait_bind_symbolic_to_one(ait_graph *g, char *note, size_t n);

/* A model read into memory, with the bounds its graphs are resolved under. */
typedef struct {
    const char *path;       /* model file */
    const void *bytes;
    size_t len;
    ait_limits limits;
    struct ait_fold_cache *folds; /* (optional) folded results shared by the graphs prepared from it */
} ait_model_src;

/* Imports the model from bytes already read, binds input i to the shape of shapes[i]
 * (dtype and data ignored), and resolves under m's limits. */
ait_status ait_model_prepare(ait_arena *a, const ait_model_src *m, const ait_tensor *shapes, ait_graph **out,
                             ait_diag *d);

#endif
