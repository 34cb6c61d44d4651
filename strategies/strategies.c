/* The strategies, as in the seeds (plus MinLatency), in a registry table. */
#include <stdio.h>
#include <string.h>

#include "strategies/tuner.h"

static ait_status first_wins(ait_tuner *t, ait_diag *d)
{
    for (int i = 0; i < t->n_cand; i++)
        if (ait_tuner_try(t, &t->cand[i], 0) == AIT_OK) {
            t->winner = i;
            snprintf(t->why_winner, sizeof t->why_winner, "first backend in order that built and validated");
            return AIT_OK;
        }
    return ait_fail(d, AIT_E_RUNTIME, "no backend built and validated (see the log above)");
}

static ait_status one_backend(ait_tuner *t, ait_diag *d)
{
    if (t->n_cand > 1 && t->log)
        fprintf(t->log, "one_backend uses only the first listed backend, %s\n", t->cand[0].backend->name);
    ait_candidate *c = &t->cand[0];
    if (ait_tuner_try(t, c, 0) != AIT_OK) /* the backend's own error, not a fallback */
        return ait_fail(d, c->res.status, "backend %s: %s", c->backend->name, c->res.msg);
    t->winner = 0;
    snprintf(t->why_winner, sizeof t->why_winner, "the only backend (one_backend)");
    return AIT_OK;
}

/* The seeds' max_batch_size estimate: throughput of the original model (the reference) at
 * doubling batch sizes, keeping the best; stops when throughput falls. */
static int estimate_batch(ait_tuner *t)
{
    if (t->rec->max_batch <= 1)
        return 1;
    int best_b = 1;
    double best = 0;
    if (t->log)
        fprintf(t->log, "estimating max batch size with the reference:\n");
    for (int i = 0; i < t->c->n_batch_sizes; i++) {
        int b = t->c->batch_sizes[i];
        if (i > 0 && b < 2 * t->c->batch_sizes[i - 1] && b != t->rec->max_batch)
            continue; /* doubling steps only */
        if (ait_tuner_try(t, &t->estimator, b) != AIT_OK)
            break;
        double tp = t->estimator.res.throughput;
        if (tp > best) {
            best = tp;
            best_b = b;
        } else if (tp < 0.95 * best) {
            break;
        }
    }
    if (t->log)
        fprintf(t->log, "max batch size estimate: %d (%.2f samples/s with the reference)\n", best_b, best);
    return best_b;
}

static ait_status best_of(ait_tuner *t, int batch, int by_latency, ait_diag *d)
{
    t->profile_batch = batch;
    for (int i = 0; i < t->n_cand; i++) {
        if (ait_tuner_try(t, &t->cand[i], batch) != AIT_OK)
            continue;
        const ait_trial_result *r = &t->cand[i].res, *w = t->winner >= 0 ? &t->cand[t->winner].res : NULL;
        if (!w || (by_latency ? r->latency_s < w->latency_s : r->throughput > w->throughput)) {
            t->winner = i;
            if (t->log)
                fprintf(t->log, "   >> new best %s: %s\n", by_latency ? "latency" : "throughput", t->cand[i].desc);
        }
    }
    if (t->winner < 0)
        return ait_fail(d, AIT_E_RUNTIME, "no backend built, validated and profiled (see the log above)");
    const ait_trial_result *w = &t->cand[t->winner].res;
    if (by_latency)
        snprintf(t->why_winner, sizeof t->why_winner, "lowest median latency at batch 1: %.3f ms",
                 w->latency_s * 1e3);
    else
        snprintf(t->why_winner, sizeof t->why_winner, "highest throughput: %.2f samples/s at batch size %d",
                 w->throughput, batch);
    return AIT_OK;
}

static ait_status highest_throughput(ait_tuner *t, ait_diag *d)
{
    return best_of(t, estimate_batch(t), 0, d);
}

static ait_status min_latency(ait_tuner *t, ait_diag *d)
{
    return best_of(t, 1, 1, d);
}

static const ait_strategy strategies[] = {
    {"first_wins", "try backends in order, return the first that builds and validates", first_wins},
    {"one_backend", "use exactly one backend; its failure is the error", one_backend},
    {"highest_throughput", "evaluate all backends, return the one with the highest throughput", highest_throughput},
    {"min_latency", "evaluate all backends, return the one with the lowest latency at batch 1", min_latency},
};

const ait_strategy *ait_strategy_find(const char *name)
{
    for (size_t i = 0; i < sizeof strategies / sizeof strategies[0]; i++)
        if (strcmp(strategies[i].name, name) == 0)
            return &strategies[i];
    return NULL;
}
