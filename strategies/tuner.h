/* State of one tuning run, shared by the strategies.
 *
 * Candidates are built lazily: ait_tuner_try() emits the backend's C for the
 * recorded graph spec, looks the trial up in the cache, otherwise runs it in
 * a child process, logs it as the seeds do and stores the result. */
#ifndef AIT_TUNER_H
#define AIT_TUNER_H

#include <stdio.h>

#include "gen/emit_model.h"
#include "strategies/backend.h"
#include "strategies/knob_search.h"
#include "strategies/record.h"
#include "strategies/trial.h"

/* What a candidate is specialized for: the model, its input shapes and batching. */
typedef struct {
    const ait_model_src *m;
    const ait_tensor *bind;       /* input shapes */
    int max_batch;
    const int *batched_in, *batched_out;
    const char *name;             /* symbol prefix */
    size_t weights_file_bytes;    /* the final output's split (ait_emit_opts); 0 for trials */
    const ait_dyn_dims *dyn;      /* dynamic axes (NULL or n 0: none); bind holds their max */
    int dims_verify_max;          /* tune.dims_verify_max */
    int threads;                  /* target.threads where the code can use them (ait_target_threads) */
    const char *deps;             /* target.deps: backends needing a library apply only when allowed */
    const struct ait_calib *calib; /* activation ranges (calibrated backends), or NULL */
} ait_target_graph;

/* The threads the emitted code runs in: target.threads, or 1 with dynamic axes (whose generic
 * code stays serial; DESIGN.md, "Threads in the emitted code"). */
int ait_target_threads(int configured, const ait_dyn_dims *dyn);
/* The unit a candidate's trials build: its model, and with threads the pool (gen/threads.c);
 * malloc'ed. */
char *ait_target_unit(const ait_target_graph *tg, const ait_emitted *e);

typedef struct {
    const ait_backend *backend;
    char desc[160];
    int emitted;
    ait_emitted e;
    char *unit;                  /* header + source: what is compiled */
    unsigned long long key;      /* cache key */
    ait_knob_plan plan;          /* per-op knobs the search chose (n = 0: none) */
    int tried;
    ait_trial_result res;
} ait_candidate;

typedef struct ait_tuner {
    const ait_config *c;
    ait_target_graph tg;
    ait_arena *a;
    const ait_model_src *m;
    ait_graph *g;                /* resolved at rec->bind */
    const ait_recording *rec;
    ait_candidate *cand;
    int n_cand;
    ait_candidate estimator;     /* the reference, for estimating the max batch size */
    int winner;                  /* index into cand, -1 none */
    int profile_batch;           /* batch size the strategy profiled at (0: none) */
    FILE *log;
    const ait_compiler *cc;
    const char *flags;
    unsigned long long model_hash;
    char spec_text[4096];
    int cache_hits, cache_rebuilt;
    char why_winner[256];
    int calib_fp32;              /* int8: the first calibrated ops kept in fp32 (float islands) */
} ait_tuner;

/* Emits (once) and tries a candidate; profile_batch 0 skips profiling.  The result is in
 * cand->res; the return value is cand->res.status. */
ait_status ait_tuner_try(ait_tuner *t, ait_candidate *cand, int profile_batch);
/* How candidates of backend b are validated under config cf (quantized backends: quant_metric). */
ait_quant_metric ait_tuner_quant_metric(const ait_config *cf, const ait_backend *b);


/* Builds the candidate's own graph (import, bind, resolve, graph passes, the backend's
 * prepare) and emits it with backend b's templates (reference where b has none).  With
 * search set, the per-op knob search runs first and fills *plan; otherwise a non-NULL
 * plan's knobs are applied (re-emitting a tuned candidate). */
ait_status ait_emit_with_backend(ait_arena *a, const ait_target_graph *tg, const ait_backend *b, const char *banner,
                                 ait_knob_plan *plan, const ait_knob_opts *search, ait_emitted *out, ait_diag *d);

typedef struct {
    const char *name;
    const char *description;
    ait_status (*tune)(ait_tuner *t, ait_diag *d);
} ait_strategy;

const ait_strategy *ait_strategy_find(const char *name);

#endif
