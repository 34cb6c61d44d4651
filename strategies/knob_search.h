/* The per-op knob search: for each distinct (op, shape) a backend
 * offers variants for (tile sizes, loop order, blocking), build every variant
 * next to the reference kernel in one gcc unit, check each against the
 * reference on random inputs, time them interleaved (median of rounds) and
 * keep the fastest valid one; ops that differ only in their fused epilogue share
 * a search.  Results are cached under [tune] cache_dir, so
 * a second run measures nothing; [tune] budget_s bounds the measuring (ops
 * past it keep the defaults). */
#ifndef AIT_KNOB_SEARCH_H
#define AIT_KNOB_SEARCH_H

#include <stdio.h>

#include "gen/compile.h"
#include "strategies/backend.h"

typedef struct {
    const char *node;            /* node name */
    const char *op;              /* op type */
    int knobs[AIT_MAX_KNOBS];
    double gflops;               /* of the choice; 0 when not measured */
    double default_gflops;       /* of the backend's default */
    int n_variants, cached;
    const char *why;             /* when not measured: the reason */
    const char *like;            /* taken from this node's search: the same work, another epilogue */
} ait_knob_choice;

typedef struct {
    ait_knob_choice *c;
    int n;
    int measured, cached, skipped;
    int cold;                    /* measured with cold constants (ait_knob_opts.cold_bytes) */
    double seconds;
} ait_knob_plan;

typedef struct {
    const ait_compiler *cc;
    const char *flags;
    const char *cache_dir;
    double budget_s, timeout_s;
    /* > 0: every timed call reads its constants from one of enough copies that all of them
     * together span this many bytes, so they come from memory, as in a model whose weights
     * outgrow the cache (each kernel's were last read a whole run ago); 0: the same constants
     * every call, hot in cache */
    size_t cold_bytes;
    FILE *log;                   /* NULL: quiet */
} ait_knob_opts;

/* Searches every node of g (resolved, graph passes run, not yet prepared) that b has
 * variants for; the plan's strings live in a. */
void ait_knob_search(ait_arena *a, ait_graph *g, const ait_backend *b, const ait_knob_opts *o, ait_knob_plan *plan);
/* Sets n->knobs of the plan's nodes in g (by name); returns how many were found. */
int ait_knob_plan_apply(const ait_knob_plan *p, ait_graph *g);
/* Bytes the cold mode spans: twice the last-level cache (sysconf, else sysfs, else 32 MiB). */
size_t ait_knob_cold_span(void);
/* "6,4,0,0" */
void ait_knobs_format(const int *knobs, char *buf, size_t n);
int ait_knobs_parse(const char *text, int *knobs);

#endif
