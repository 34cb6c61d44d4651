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

/* The seeds' max_batch_size estimate, with the module being tuned: candidate c's throughput at
 * doubling batch sizes, keeping the best; stops when throughput falls or a trial fails.  c->res
 * is left at the best batch (a cached trial); 0 when c fails at the first size. */
static int estimate_batch(ait_tuner *t, ait_candidate *c, const char *who)
{
    int best_b = 0, last = 0;
    double best = 0;
    if (t->log)
        fprintf(t->log, "estimating max batch size with %s:\n", who);
    for (int i = 0; i < t->c->n_batch_sizes; i++) {
        int b = t->c->batch_sizes[i];
        if (i > 0 && b < 2 * t->c->batch_sizes[i - 1] && b != t->rec->max_batch)
            continue; /* doubling steps only */
        if (ait_tuner_try(t, c, b) != AIT_OK)
            break;
        last = b;
        double tp = c->res.throughput;
        if (tp > best) {
            best = tp;
            best_b = b;
        } else if (tp < 0.95 * best) {
            break;
        }
    }
    if (best_b && best_b != last && ait_tuner_try(t, c, best_b) != AIT_OK)
        best_b = 0;
    if (t->log && best_b)
        fprintf(t->log, "max batch size estimate: %d (%.2f samples/s with %s)\n", best_b, best, who);
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

/* Each candidate profiled at its own batch estimate (the seeds estimate with the module they
 * tune); the reference's estimate, which earlier versions used for all, is reported beside it. */
static ait_status highest_throughput(ait_tuner *t, ait_diag *d)
{
    if (t->rec->max_batch <= 1)
        return best_of(t, 1, 0, d);
    int ref_b = estimate_batch(t, &t->estimator, "the reference");
    for (int i = 0; i < t->n_cand; i++) {
        ait_candidate *c = &t->cand[i];
        if (!estimate_batch(t, c, c->desc))
            continue;
        const ait_trial_result *w = t->winner >= 0 ? &t->cand[t->winner].res : NULL;
        if (!w || c->res.throughput > w->throughput) {
            t->winner = i;
            if (t->log)
                fprintf(t->log, "   >> new best throughput: %s\n", c->desc);
        }
    }
    if (t->winner < 0)
        return ait_fail(d, AIT_E_RUNTIME, "no backend built, validated and profiled (see the log above)");
    const ait_trial_result *w = &t->cand[t->winner].res;
    t->profile_batch = w->profile_batch;
    snprintf(t->why_winner, sizeof t->why_winner,
             "highest throughput: %.2f samples/s at batch size %d (its own max batch estimate; the "
             "reference's: %d)",
             w->throughput, w->profile_batch, ref_b);
    return AIT_OK;
}

static ait_status min_latency(ait_tuner *t, ait_diag *d)
{
    return best_of(t, 1, 1, d);
}

/* What a candidate costs a device: code and constants (flash) plus arena (RAM). */
static unsigned long long footprint(const ait_candidate *c)
{
    return (unsigned long long)c->e.const_bytes + (unsigned long long)c->res.code_bytes + c->e.arena_bytes;
}

/* AITune's latency budget: among the valid candidates within tune.latency_budget_ms at batch 1,
 * the smallest footprint; the faster on a tie. */
static ait_status latency_budget(ait_tuner *t, ait_diag *d)
{
    double budget = t->c->latency_budget_ms;
    if (budget <= 0)
        return ait_fail(d, AIT_E_CONFIG, "%s: tune.strategy = latency_budget needs tune.latency_budget_ms > 0",
                        t->c->path);
    t->profile_batch = 1;
    int fastest = -1;
    for (int i = 0; i < t->n_cand; i++) {
        ait_candidate *c = &t->cand[i];
        if (ait_tuner_try(t, c, 1) != AIT_OK)
            continue;
        if (fastest < 0 || c->res.latency_s < t->cand[fastest].res.latency_s)
            fastest = i;
        if (c->res.latency_s * 1e3 > budget) {
            if (t->log)
                fprintf(t->log, "   -- over the latency budget (%.3f ms > %g ms)\n", c->res.latency_s * 1e3, budget);
            continue;
        }
        const ait_candidate *w = t->winner >= 0 ? &t->cand[t->winner] : NULL;
        if (!w || footprint(c) < footprint(w) || (footprint(c) == footprint(w) && c->res.latency_s < w->res.latency_s)) {
            t->winner = i;
            if (t->log)
                fprintf(t->log, "   >> new smallest within the budget: %s (%llu bytes)\n", c->desc, footprint(c));
        }
    }
    if (t->winner < 0 && fastest >= 0)
        return ait_fail(d, AIT_E_RUNTIME, "no candidate within tune.latency_budget_ms = %g: the fastest, %s, takes %.3f ms",
                        budget, t->cand[fastest].desc, t->cand[fastest].res.latency_s * 1e3);
    if (t->winner < 0)
        return ait_fail(d, AIT_E_RUNTIME, "no backend built, validated and profiled (see the log above)");
    const ait_candidate *w = &t->cand[t->winner];
    snprintf(t->why_winner, sizeof t->why_winner,
             "smallest footprint within %g ms at batch 1: %llu bytes (%zu of constants, %lld of code, %zu of arena), "
             "%.3f ms",
             budget, footprint(w), w->e.const_bytes, w->res.code_bytes, w->e.arena_bytes, w->res.latency_s * 1e3);
    return AIT_OK;
}

static const ait_strategy strategies[] = {
    {"first_wins", "try backends in order, return the first that builds and validates", first_wins},
    {"one_backend", "use exactly one backend; its failure is the error", one_backend},
    {"highest_throughput", "evaluate all backends, return the one with the highest throughput", highest_throughput},
    {"min_latency", "evaluate all backends, return the one with the lowest latency at batch 1", min_latency},
    {"latency_budget", "evaluate all backends, return the smallest footprint within tune.latency_budget_ms",
     latency_budget},
};

const ait_strategy *ait_strategy_find(const char *name)
{
    for (size_t i = 0; i < sizeof strategies / sizeof strategies[0]; i++)
        if (strcmp(strategies[i].name, name) == 0)
            return &strategies[i];
    return NULL;
}
