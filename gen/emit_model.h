/* Assembles a resolved graph into the emitted contract: <name>.h and <name>.c
 * (see DESIGN.md, "The emitted contract"). */
#ifndef AIT_EMIT_MODEL_H
#define AIT_EMIT_MODEL_H

#include "gen/memplan.h"
#include "ir/spec.h"
#include "templates/template.h"

/* The final assembly of a model with dynamic axes (gen/dynamic.c builds it): the code that
 * serves every value of the range replaces the kernels of the graph being emitted (the one at
 * every axis's max), and the entry points take the axes' values. */
typedef struct {
    const ait_dyn_dims *dims;
    const char *generic;       /* kernels and <name>_graph(ws, in, out, dim_): loop bounds in dim_ */
    int n_special;             /* values the generic code does not serve, each with code of its own */
    const char *const *special; /* <name>_x<j>_graph(ws, in, out, dim_) */
    const long long (*special_dims)[AIT_MAX_DIMS];
    const char *const *in_elems, *const *out_elems; /* per input / output: elements per item, in dim_ */
    const char *const *out_shape; /* per output: its shape with the axes named, for the header */
    size_t arena_bytes;        /* the most any value needs */
    int n_consts;              /* every constant any variant reads, at its largest */
    const int *const_ids;
    const ait_tensor *consts;
    const char *how;           /* one line for the banner and the report: how the range is served */
} ait_emit_dyn;

/* How gen/dynamic.c has a graph emitted: it emits one graph per value of the dynamic axes and
 * compares their code, then assembles the final file. */
typedef struct {
    int dims_param;        /* kernels and graph functions take `const long *dim_`; every constant is a
                              byte blob, so that references read alike at every value */
    int no_dedup;          /* every node its own kernel function */
    int code_only;         /* no constants' text (their ids are still listed) */
    const char *fn_prefix; /* prefix of the kernel and graph functions (default: name) */
    const ait_plan *fixed_plan; /* buffer offsets to keep when this graph's buffers fit in them */
    const ait_emit_dyn *dyn;    /* final assembly */
} ait_emit_dims_mode;

typedef struct {
    const char *name;      /* model prefix: a C identifier */
    const char *banner;    /* lines for the file banner (command line, config hash, spec); may be NULL */
    /* (optional) template for a node and the backend name it reports; NULL: reference for all */
    const ait_template *(*pick)(void *ctx, const ait_graph *g, const ait_node *n, const char **backend);
    void *pick_ctx;
    /* Batching: the graph is specialized for one item along axis 0 of the inputs and outputs
     * marked here, and <name>_run_io loops `batch` items.  max_batch 0 or 1: static shapes. */
    int max_batch;
    const int *batched_in, *batched_out;  /* per graph input / output; NULL: none */
    const char *prelude;   /* (optional) text after the includes: a backend's shared helpers */
    const char *needs;     /* (optional) a library the code depends on, stated in both banners */
    /* When the large constants add up to this many bytes or more, they go to `weights` (the
     * contract's <name>_weights.c), so an edit of the model code does not re-parse them; 0: never.
     * The two files are then separate translation units: ait_emitted_unit refuses them. */
    size_t weights_file_bytes;
    ait_emit_dims_mode dm; /* dynamic axes (gen/dynamic.c); all zero otherwise */
} ait_emit_opts;

typedef struct {
    ait_sb header;          /* <name>.h */
    ait_sb source;          /* <name>.c body, without the #include of the header */
    ait_sb weights;         /* <name>_weights.c (len 0: the constants are in source) */
    size_t arena_bytes;     /* planned static scratch */
    size_t sum_intermediate; /* bytes of all intermediates without sharing */
    size_t const_bytes;     /* bytes of constant data */
    int n_kernels;
    /* with dims_param: */
    size_t code_begin, code_end; /* the kernels and graph functions, within source */
    ait_plan plan;              /* the buffers as placed */
    int n_consts;               /* the constants the code reads (tensor ids of the graph) */
    int *const_ids;
    const char *dyn_how;        /* with dynamic axes: how the range is served (for the report) */
} ait_emitted;

ait_status ait_emit_model(const ait_graph *g, const ait_emit_opts *o, ait_emitted *out, ait_diag *d);
void ait_emitted_free(ait_emitted *e);

/* Header text followed by the source: one translation unit for in-process compilation. */
char *ait_emitted_unit(const ait_emitted *e);

#endif
