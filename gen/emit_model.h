/* Assembles a resolved graph into the emitted contract: <name>.h and <name>.c
 * (see DESIGN.md, "The emitted contract"). */
#ifndef AIT_EMIT_MODEL_H
#define AIT_EMIT_MODEL_H

#include "templates/template.h"

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
} ait_emit_opts;

typedef struct {
    ait_sb header;          /* <name>.h */
    ait_sb source;          /* <name>.c body, without the #include of the header */
    ait_sb weights;         /* <name>_weights.c (len 0: the constants are in source) */
    size_t arena_bytes;     /* planned static scratch */
    size_t sum_intermediate; /* bytes of all intermediates without sharing */
    size_t const_bytes;     /* bytes of constant data */
    int n_kernels;
} ait_emitted;

ait_status ait_emit_model(const ait_graph *g, const ait_emit_opts *o, ait_emitted *out, ait_diag *d);
void ait_emitted_free(ait_emitted *e);

/* Header text followed by the source: one translation unit for in-process compilation. */
char *ait_emitted_unit(const ait_emitted *e);

#endif
