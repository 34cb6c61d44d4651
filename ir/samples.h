/* Sample inputs: ONNX test-data dirs (test_data_set_N/input_K.pb), a dir of
 * .npy files (input_K.npy, or input_K_S.npy for sample S), or random inputs
 * from the model's declared shapes.  Each sample holds one tensor per model
 * input, in model order, checked against the model. */
#ifndef AIT_SAMPLES_H
#define AIT_SAMPLES_H

#include "ir/graph.h"

typedef struct {
    ait_tensor *in;         /* one per graph input */
    const char *origin;     /* where it came from, for messages */
} ait_sample;

/* A graph input whose axis 0 may hold several items: declared symbolic or 1 (or undeclared). */
int ait_input_has_batch_axis(const ait_tensor *declared);

/* Each sample's inputs have the model's dtypes, ranks and fixed dims, and finite floats. */
ait_status ait_samples_check(const ait_graph *g, const ait_sample *s, int n, ait_diag *d);

ait_status ait_npy_load(ait_arena *a, const char *path, ait_tensor *t, ait_diag *d);
ait_status ait_npy_save(const char *path, const ait_tensor *t, ait_diag *d);

ait_status ait_samples_load(ait_arena *a, const char *path, const ait_graph *g, ait_sample **out, int *count,
                            ait_diag *d);
/* `count` samples of `items` along axis 0 (symbolic axis-0 dims; other symbolic dims are 1). */
ait_status ait_samples_random(ait_arena *a, const ait_graph *g, int count, int items, unsigned seed,
                              ait_sample **out, ait_diag *d);

#endif
