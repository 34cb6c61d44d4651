/* Graph specs, as in the seeds: what the recorded samples look like.  Each
 * axis of each input and output is classified from the recordings:
 *   batch    the size is a constant multiple of the batch size ("batch0")
 *   dynamic  it varies independently of the batch size ("dim1")
 *   static   it never changes
 * with its min and max.  One batch size cannot reveal a batch axis: all
 * axes are then static, as in the seeds. */
#ifndef AIT_SPEC_H
#define AIT_SPEC_H

#include <stdio.h>

#include "ir/graph.h"

enum { AIT_MAX_DIMS = 8 };

/* A dynamic (non-batch) axis of the model: every input axis with its name (a shared dim_param,
 * or "dim<axis>") takes its value; numbered over the model in input order. */
typedef struct {
    char name[64];
    long long min, max;
} ait_dyn_dim;

typedef struct {
    int n;                       /* 0: static shapes */
    ait_dyn_dim dim[AIT_MAX_DIMS];
    int n_in;
    int *of;                     /* of[input * AIT_MAX_RANK + axis]: the dim that axis takes, or -1 */
} ait_dyn_dims;

typedef enum { AIT_AXIS_STATIC, AIT_AXIS_BATCH, AIT_AXIS_DYNAMIC } ait_axis_kind;

typedef struct {
    const char *name;
    int dtype, rank;
    int kind[AIT_MAX_RANK];
    int64_t min[AIT_MAX_RANK], max[AIT_MAX_RANK];
    int64_t scale[AIT_MAX_RANK];   /* batch axes: size = scale * batch */
    const char *dim_name[AIT_MAX_RANK]; /* dynamic axes: the name, when known (else 'dim<axis>') */
} ait_tensor_spec;

typedef struct {
    int n_in, n_out;
    ait_tensor_spec *in, *out;
} ait_graph_spec;

/* Classifies from n observations: batch[i] and the shape dims[i] (all of rank ts->rank). */
void ait_spec_classify(ait_tensor_spec *ts, int n, const int *batch, const int64_t *const *dims);

/* "['batch0', 3, 224, 224]", "[1, 3, 224, 224]" (min or max) */
void ait_spec_shape_str(const ait_tensor_spec *ts, char *buf, size_t n);
void ait_spec_bound_str(const ait_tensor_spec *ts, int use_max, char *buf, size_t n);

/* The seeds' tables: Locator, Name, Shape, Min Shape, Max Shape, Dtype. */
void ait_spec_print(FILE *f, const ait_graph_spec *s, int markdown);
/* Canonical text, for cache keys and the manifest. */
void ait_spec_text(const ait_graph_spec *s, char *buf, size_t n);

#endif
