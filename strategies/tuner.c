#include "strategies/tuner.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "gen/dynamic.h"
#include "gen/model_load.h"
#include "gen/passes.h"
#include "gen/threads.h"
#include "ir/calib.h"
#include "strategies/cache.h"

int ait_target_threads(int configured, const ait_dyn_dims *dyn)
{
    return dyn && dyn->n ? 1 : configured > 1 ? configured : 1;
}

static void set_threads(ait_graph *g, const ait_target_graph *tg)
{
    g->tasks = tg->threads > 1 ? tg->threads : 0;
    g->par_for = ait_arena_printf(g->arena, "%s_parallel_for", tg->name);
}

char *ait_target_unit(const ait_target_graph *tg, const ait_emitted *e)
{
    char *model = ait_emitted_unit(e);
    if (tg->threads <= 1)
        return model;
    ait_sb u = {0};
    ait_sb_puts(&u, model);
    free(model);
    ait_emit_thread_pool(&u, tg->name, tg->threads);
    return u.s;
}

/* The candidate's own graph at one binding of the inputs. */
typedef struct {
    const ait_target_graph *tg;
    const ait_backend *b;
    const ait_knob_plan *plan;
} graph_ctx;

static ait_status graph_at(void *ctx, ait_arena *a, const ait_tensor *bind, ait_graph **out, ait_diag *d)
{
    const graph_ctx *c = ctx;
    ait_graph *g;
    AIT_TRY(ait_model_prepare(a, c->tg->m, bind, &g, d));
    g->extents_vary = c->tg->dyn && c->tg->dyn->n;
    g->calib = c->tg->calib;
    set_threads(g, c->tg);
    ait_pass_stats ps;
    ait_graph_passes(g, &ps);
    char why[256] = "";
    if (!ait_backend_allowed(c->b, c->tg->deps, why, sizeof why) ||
        (c->b->applies && !c->b->applies(c->b, g, why, sizeof why)))
        return ait_fail(d, AIT_E_UNSUPPORTED, "not applicable: %s", why);
    if (c->plan)
        ait_knob_plan_apply(c->plan, g);
    if (c->b->prepare)
        c->b->prepare(c->b, g);
    *out = g;
    return AIT_OK;
}

ait_status ait_emit_with_backend(ait_arena *a, const ait_target_graph *tg, const ait_backend *b, const char *banner,
                                 ait_knob_plan *plan, const ait_knob_opts *search, ait_emitted *out, ait_diag *d)
{
    if (search) {
        /* variants add packed tensors: search on a graph of its own so the emitted names stay stable */
        ait_graph *sg;
        AIT_TRY(ait_model_prepare(a, tg->m, tg->bind, &sg, d));
        sg->calib = tg->calib;
        set_threads(sg, tg); /* variants are measured at the threads the code runs in */
        ait_pass_stats ps;
        ait_graph_passes(sg, &ps);
        char why[256] = "";
        if (!ait_backend_allowed(b, tg->deps, why, sizeof why) || (b->applies && !b->applies(b, sg, why, sizeof why)))
            return ait_fail(d, AIT_E_UNSUPPORTED, "not applicable: %s", why);
        ait_knob_search(a, sg, b, search, plan);
    }
    graph_ctx ctx = {tg, b, plan};
    ait_emit_opts o = {.name = tg->name, .banner = banner, .pick = ait_backend_pick, .pick_ctx = (void *)b,
                       .max_batch = tg->max_batch, .batched_in = tg->batched_in, .batched_out = tg->batched_out,
                       .prelude = b->prelude ? b->prelude(b) : NULL, .needs = b->needs,
                       .weights_file_bytes = tg->weights_file_bytes};
    if (tg->dyn && tg->dyn->n)
        return ait_emit_dynamic(a, tg->dyn, tg->bind, tg->dyn->n_in, tg->dims_verify_max, graph_at, &ctx, &o, out, d);
    ait_graph *g;
    AIT_TRY(graph_at(&ctx, a, tg->bind, &g, d));
    return ait_emit_model(g, &o, out, d);
}

/* [tune] knob_weights = cold: no kernel finds its constants where it left them, as where a
 * model's weights outgrow the last-level cache.  Hot is the default: measured on resnet50 (98 MB
 * of weights), the hot ranking's code ran faster (80.8 ms against 88.8, median of 5). */
static size_t cold_bytes(const ait_tuner *t)
{
    return strcmp(t->c->knob_weights, "cold") ? 0 : ait_knob_cold_span();
}

static ait_status emit(ait_tuner *t, ait_candidate *c, ait_diag *d)
{
    if (c->emitted)
        return AIT_OK;
    /* knobs are only worth measuring with the compiler that ships the code */
    int search = c->backend->variants && t->cc == &ait_compiler_gcc;
    ait_knob_opts ko = {.cc = t->cc, .flags = t->flags, .cache_dir = t->c->cache_dir, .budget_s = t->c->budget_s,
                        .timeout_s = t->c->trial_timeout_s, .cold_bytes = search ? cold_bytes(t) : 0,
                        .log = t->log};
    AIT_TRY(ait_emit_with_backend(t->a, &t->tg, c->backend, NULL, &c->plan, search ? &ko : NULL, &c->e, d));
    if (search && t->log && c->plan.n)
        fprintf(t->log,
                "   ok knob search: %d ops, %d measured, %d from cache or alike, %d kept defaults (%.2fs, weights %s)\n",
                c->plan.n, c->plan.measured, c->plan.cached, c->plan.skipped, c->plan.seconds,
                ko.cold_bytes ? "cold" : "hot");
    c->unit = ait_target_unit(&t->tg, &c->e);
    XXH64_state_t *h = XXH64_createState();
    XXH64_reset(h, 0);
    char knobs[256];
    ait_backend_describe(c->backend, knobs, sizeof knobs);
    /* "trial-2": results carry the code's size since then */
    const char *parts[] = {"trial-2", knobs, c->backend->key_extra ? c->backend->key_extra : "", t->spec_text,
                           t->cc->name, t->flags ? t->flags : ""};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        XXH64_update(h, parts[i], strlen(parts[i]) + 1);
    unsigned long long nums[2] = {t->model_hash, t->rec->hash};
    XXH64_update(h, nums, sizeof nums);
    XXH64_update(h, c->unit, strlen(c->unit));
    double tol[3] = {t->c->rtol, t->c->atol, c->backend->quantized ? t->c->quant_min : 0};
    XXH64_update(h, tol, sizeof tol);
    if (c->backend->quantized)
        XXH64_update(h, t->c->quant_metric, strlen(t->c->quant_metric));
    XXH64_update(h, &t->c->correctness_check, sizeof t->c->correctness_check);
    c->key = XXH64_digest(h);
    XXH64_freeState(h);
    c->emitted = 1;
    return AIT_OK;
}

static void log_result(ait_tuner *t, const ait_candidate *c, int profile_batch);

/* [target] flash_bytes and ram_bytes: a candidate whose constants and code, or arena, exceed
 * them is rejected with the reason; before the trial with what emission knows (arena,
 * constants), after it with its code too. */
static int over_budget(ait_tuner *t, ait_candidate *c, int after_trial)
{
    const ait_config *cf = t->c;
    unsigned long long flash = (unsigned long long)c->e.const_bytes + (after_trial ? (unsigned long long)c->res.code_bytes : 0);
    char why[300] = "";
    if (cf->ram_bytes && c->e.arena_bytes > cf->ram_bytes)
        snprintf(why, sizeof why, "over target.ram_bytes: arena %zu bytes > %llu", c->e.arena_bytes, cf->ram_bytes);
    else if (cf->flash_bytes && flash > cf->flash_bytes)
        snprintf(why, sizeof why, "over target.flash_bytes: %zu bytes of constants%s > %llu", c->e.const_bytes,
                 after_trial ? ait_arena_printf(t->a, " + %lld of code = %llu", c->res.code_bytes, flash) : "",
                 cf->flash_bytes);
    if (!*why || (after_trial && c->res.status != AIT_OK))
        return 0;
    c->res.status = AIT_E_UNSUPPORTED;
    snprintf(c->res.msg, sizeof c->res.msg, "%s", why);
    if (!after_trial)
        log_result(t, c, 0);
    return 1;
}

static void log_result(ait_tuner *t, const ait_candidate *c, int profile_batch)
{
    const ait_trial_result *r = &c->res;
    FILE *f = t->log;
    if (!f)
        return;
    if (r->status == AIT_E_UNSUPPORTED || r->status == AIT_E_CONFIG) {
        fprintf(f, "   x  skipped: %s\n", r->msg);
        return;
    }
    if (r->status == AIT_E_COMPILE) {
        fprintf(f, "   x  build failed: %s\n", r->msg);
        return;
    }
    if (r->build_s > 0 || r->status == AIT_OK || r->status == AIT_E_MISMATCH)
        fprintf(f, "   ok backend built (%s, %.2fs%s)\n", t->cc->name, r->build_s, r->cached ? ", cached" : "");
    if (r->status == AIT_E_MISMATCH) {
        fprintf(f, "   x  validation failed: %s\n", r->msg);
        return;
    }
    if (r->status != AIT_OK) {
        fprintf(f, "   x  failed (%s): %s\n", ait_status_str(r->status), r->msg);
        return;
    }
    if (t->c->correctness_check && c->backend->quantized)
        fprintf(f, "   ok backend validated on %d recorded batches: %s %.6f >= %g (max abs err %.3g) (%.2fs)\n",
                t->rec->n, strcmp(t->c->quant_metric, "top1") == 0 ? "top-1 agreement" : "cosine similarity",
                r->quant_score, t->c->quant_min, r->max_abs_err, r->validate_s);
    else if (t->c->correctness_check)
        fprintf(f, "   ok backend validated on %d recorded batches: max abs err %.3g, max rel err %.3g (%.2fs)\n",
                t->rec->n, r->max_abs_err, r->max_rel_err, r->validate_s);
    else
        fprintf(f, "   -- validation off (correctness_check = false)\n");
    if (profile_batch)
        fprintf(f, "   ok backend profiled - throughput: %.2f samples/s, batch size: %d (median %.3f ms, %.2fs)\n",
                r->throughput, r->profile_batch, r->latency_s * 1e3, r->profile_s);
}

/* The backend's link flags, and with threads the pool's */
static const char *trial_libs(const ait_tuner *t, const ait_candidate *c)
{
    if (t->tg.threads <= 1)
        return c->backend->libs;
    return ait_arena_printf(t->a, "%s%s-pthread", c->backend->libs ? c->backend->libs : "",
                            c->backend->libs ? " " : "");
}

ait_quant_metric ait_tuner_quant_metric(const ait_config *cf, const ait_backend *b)
{
    if (!b->quantized)
        return AIT_QUANT_NONE;
    return strcmp(cf->quant_metric, "top1") == 0 ? AIT_QUANT_TOP1 : AIT_QUANT_COSINE;
}

static ait_quant_metric quant_metric(const ait_tuner *t, const ait_candidate *c)
{
    return ait_tuner_quant_metric(t->c, c->backend);
}

static ait_status try_once(ait_tuner *t, ait_candidate *c, int profile_batch)
{
    ait_diag d = {0};
    memset(&c->res, 0, sizeof c->res);
    c->tried = 1;
    if (emit(t, c, &d) != AIT_OK) {
        c->res.status = d.code;
        snprintf(c->res.msg, sizeof c->res.msg, "%s", d.msg);
        log_result(t, c, 0);
        return c->res.status;
    }
    if (over_budget(t, c, 0))
        return c->res.status;
    unsigned long long key = c->key ^ (unsigned long long)profile_batch * 0x9E3779B97F4A7C15ull;
    ait_cache_lookup lk = ait_cache_get(t->c->cache_dir, key, &c->res);
    if (lk == AIT_CACHE_HIT) {
        t->cache_hits++;
        if (t->log)
            fprintf(t->log, "   ok reusing cached trial %016llx\n", key);
        over_budget(t, c, 1);
        log_result(t, c, profile_batch);
        return c->res.status;
    }
    if (lk == AIT_CACHE_CORRUPT) {
        char path[1100];
        ait_cache_path(t->c->cache_dir, key, path, sizeof path);
        t->cache_rebuilt++;
        if (t->log)
            fprintf(t->log, "   !! cache entry %s is corrupt: rebuilding it\n", path);
    }
    if (t->log)
        fflush(t->log);
    ait_trial_spec spec = {.dims = t->rec->dyn.n > 0, .name = t->c->name, .source = c->unit, .arena_bytes = c->e.arena_bytes, .cc = t->cc,
                           .flags = t->flags, .libs = trial_libs(t, c), .rec = t->rec, .validate = t->c->correctness_check,
                           .rtol = t->c->rtol, .atol = t->c->atol, .profile_batch = profile_batch,
                           .quant = quant_metric(t, c), .quant_min = t->c->quant_min,
                           .timeout_s = t->c->trial_timeout_s};
    ait_trial_run(&spec, &c->res);
    /* timeouts depend on the machine's load: not worth remembering */
    if (!(c->res.status == AIT_E_RUNTIME && strstr(c->res.msg, "timed out")))
        ait_cache_put(t->c->cache_dir, key, &c->res);
    over_budget(t, c, 1);
    log_result(t, c, profile_batch);
    return c->res.status;
}

/* The calibration without its first k tensors: their ops then run in fp32. */
static const ait_calib *calib_without_first(ait_arena *a, const ait_calib *full, int k)
{
    ait_calib *c = AIT_NEW(a, ait_calib, 1);
    *c = *full;
    c->n = full->n - k;
    c->names += k;
    c->lo += k;
    c->hi += k;
    return c;
}

ait_status ait_tuner_try(ait_tuner *t, ait_candidate *c, int profile_batch)
{
    if (t->log)
        fprintf(t->log, "-- backend: %s\n", c->desc);
    ait_status s = try_once(t, c, profile_batch);
    /* int8 below quant_min: float islands where quantization costs the most.  The error an op's
     * rounding makes grows through every op after it, so the first ops in graph order stay fp32:
     * 1, 2, 4, ... of them, until the metric holds (measured on mobilenet_v2: quantizing its first
     * Conv alone costs 0.010 of cosine, its 20th 0.0002). */
    const ait_calib *full = t->tg.calib;
    if (!c->backend->calibrated || !full || c->res.status != AIT_E_MISMATCH)
        return s;
    for (int k = 1; k < full->n && c->res.status == AIT_E_MISMATCH; k *= 2) {
        t->tg.calib = calib_without_first(t->a, full, k);
        t->calib_fp32 = k;
        if (t->log)
            fprintf(t->log, "   .. int8: the first %d of %d integer ops in fp32, retrying\n", k, full->n);
        ait_emitted_free(&c->e);
        free(c->unit);
        c->unit = NULL;
        c->emitted = 0;
        s = try_once(t, c, profile_batch);
    }
    if (c->res.status != AIT_OK) {
        t->tg.calib = full;
        t->calib_fp32 = 0;
    }
    return s;
}
