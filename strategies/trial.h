/* One trial of one candidate, as the seeds' build / validate / profile, run
 * in a child process with a time limit: compile (tcc in-process or gcc),
 * validate on every recorded batch (outputs finite, values within rtol/atol
 * of the reference), then time calls at the profile batch size (median after
 * warm-up).  A crash, hang or compile error is a failed trial, not a failed
 * tuning. */
#ifndef AIT_TRIAL_H
#define AIT_TRIAL_H

#include "gen/compile.h"
#include "strategies/record.h"

typedef struct {
    ait_status status;
    char msg[1024];
    double max_abs_err, max_rel_err;
    double latency_s;        /* median seconds per call at profile_batch */
    int profile_batch;       /* 0: not profiled */
    double throughput;       /* items per second */
    double build_s, validate_s, profile_s;
    int cached;              /* came from the cache */
    long long code_bytes;    /* machine code of the candidate's build (executable sections; 0: unknown) */
    double quant_score;      /* quantized candidates: the metric's worst value (cosine) or the agreement (top1) */
} ait_trial_result;

/* How a quantized candidate is validated ([tune] quant_metric): AIT_QUANT_NONE is rtol / atol. */
typedef enum { AIT_QUANT_NONE, AIT_QUANT_COSINE, AIT_QUANT_TOP1 } ait_quant_metric;

typedef struct {
    const char *name;           /* symbol prefix of the candidate */
    const char *source;         /* one translation unit */
    size_t arena_bytes;
    const ait_compiler *cc;
    const char *flags;          /* gcc flags */
    const char *libs;           /* link flags of the backend (blas) */
    const ait_recording *rec;
    int validate;               /* [tune] correctness_check */
    double rtol, atol;
    ait_quant_metric quant;     /* not NONE: validated by this metric, at least quant_min */
    double quant_min;
    int profile_batch;          /* 0: skip profiling */
    double timeout_s;
    int dims;                   /* the model has dynamic axes: calls go to <name>_run_dims */
} ait_trial_spec;

void ait_trial_run(const ait_trial_spec *t, ait_trial_result *r);

/* Compares outputs of one recorded batch; fills the error maxima; returns 0 or the first
 * failing element's description in why. */
int ait_outputs_match(const ait_record *rec, int n_out, void *const *got, double rtol, double atol, double *max_abs,
                      double *max_rel, char *why, size_t n);

/* Scores one recorded batch's outputs as a quantized candidate's: the least cosine similarity
 * of an output to the reference (integer outputs: the fraction of equal elements), or with
 * top1 adds the rows (last axis) whose largest element is where the reference's is to *agree of
 * *rows.  Non-finite outputs where the reference is finite fail: returns -1 with why. */
int ait_quant_score(const ait_record *rec, int n_out, void *const *got, ait_quant_metric m, double *cosine,
                    long long *agree, long long *rows, char *why, size_t n);

#endif
