/* Recording, as the seeds' sample gathering: every sample at every batch size
 * (items tiled or sliced along axis 0), at most max_batches_per_size batches
 * per size, run through the reference; inputs and reference outputs kept,
 * and the graph spec classified from them. */
#ifndef AIT_RECORD_H
#define AIT_RECORD_H

#include <stdio.h>

#include "gen/config.h"
#include "gen/model_load.h"
#include "ir/samples.h"
#include "ir/spec.h"

typedef struct {
    int batch;          /* items in this batch */
    ait_tensor *in;     /* per graph input */
    ait_tensor *out;    /* reference outputs, per graph output */
    long long dims[AIT_MAX_DIMS]; /* values of the dynamic axes (ait_recording.dyn) */
} ait_record;

typedef struct {
    ait_record *rec;
    int n;
    ait_graph_spec spec;
    int max_batch;          /* 1: static shapes */
    int *batched_in;        /* axis 0 is the batch axis (per graph input) */
    int *batched_out;
    ait_dyn_dims dyn;       /* the dynamic (non-batch) axes, with their ranges; n 0: none */
    ait_tensor *bind;       /* input shapes candidates are specialized for (one item when batched;
                               every dynamic axis at its max) */
    unsigned long long hash; /* of all recorded inputs and outputs */
    int true_batch_oracle;  /* the reference ran at each batch size (symbolic batch dim) */
    int cached;             /* reference outputs came from the cache */
} ait_recording;

ait_status ait_record_samples(ait_arena *a, const ait_config *c, const ait_model_src *m, const ait_graph *g,
                      const ait_sample *s, int ns, ait_recording *r, FILE *log, ait_diag *d);

#endif
