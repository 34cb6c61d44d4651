#define _DEFAULT_SOURCE /* MAP_ANONYMOUS: the sandboxed runs share their outputs with this process */
#include "strategies/calibrate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "gen/compile.h"
#include "gen/emit_model.h"
#include "gen/model_load.h"
#include "gen/passes.h"
#include "ir/clock.h"
#include "strategies/sandbox.h"
#include "templates/int8/int8.h"

enum { HIST_BINS = 4096 };

/* One tensor to measure: a graph input (read from the recorded inputs) or an output of the
 * calibration run (the graph's own outputs first, then the extra ones). */
typedef struct {
    int tensor;
    int input;     /* graph input index, or -1 */
    int output;    /* index into the run's outputs */
    double lo, hi; /* least and greatest finite value seen */
    uint64_t *hist;
} probe;

typedef int (*run_io_fn)(void *, const void *const *, void *const *, int);

typedef struct {
    run_io_fn run;
    void *ws;
    const void *const *in;
    void *const *out;
    int batch;
} calib_run;

static void run_child(void *p, ait_sandbox_result *r)
{
    const calib_run *c = p;
    int rc = c->run(c->ws, c->in, c->out, c->batch);
    r->code = rc ? AIT_E_RUNTIME : AIT_OK;
    if (rc)
        snprintf(r->msg, sizeof r->msg, "the calibration run returned %d", rc);
}

static int find_probe(const probe *p, int n, int tensor)
{
    for (int i = 0; i < n; i++)
        if (p[i].tensor == tensor)
            return i;
    return -1;
}

/* The tensors the integer kernels quantize; extra graph outputs for those computed inside. */
static int collect(ait_arena *a, ait_graph *g, probe **out)
{
    probe *p = AIT_NEW(a, probe, g->n_nodes + 1);
    int np = 0;
    for (int k = 0; k < g->n_nodes; k++) {
        const ait_node *n = &g->nodes[k];
        if (!ait_int8_handles(g, n) || find_probe(p, np, n->in[0]) >= 0)
            continue;
        probe *q = &p[np++];
        q->tensor = n->in[0];
        q->input = q->output = -1;
        for (int i = 0; i < g->n_inputs; i++)
            if (g->inputs[i] == q->tensor)
                q->input = i;
        for (int i = 0; i < g->n_outputs; i++)
            if (g->outputs[i] == q->tensor)
                q->output = i;
    }
    int extra = 0;
    for (int i = 0; i < np; i++)
        extra += p[i].input < 0 && p[i].output < 0;
    int *outs = AIT_NEW(a, int, g->n_outputs + extra);
    memcpy(outs, g->outputs, sizeof(int) * (size_t)g->n_outputs);
    int no = g->n_outputs;
    for (int i = 0; i < np; i++)
        if (p[i].input < 0 && p[i].output < 0) {
            p[i].output = no;
            outs[no++] = p[i].tensor;
            g->t[p[i].tensor].is_output = 1;
        }
    g->outputs = outs;
    g->n_outputs = no;
    *out = p;
    return np;
}

static void observe(probe *q, const float *v, int64_t count, int pass)
{
    const double w = (q->hi - q->lo) / HIST_BINS;
    for (int64_t i = 0; i < count; i++) {
        const double x = v[i];
        if (!isfinite(x))
            continue;
        if (pass == 0) {
            q->lo = x < q->lo ? x : q->lo;
            q->hi = x > q->hi ? x : q->hi;
        } else {
            long bin = w > 0 ? (long)((x - q->lo) / w) : 0;
            q->hist[bin < 0 ? 0 : bin >= HIST_BINS ? HIST_BINS - 1 : bin]++;
        }
    }
}

/* [lo, hi] holding the share pct (in %) of the histogram's values, the rest cut evenly from
 * both tails. */
static void percentile_range(const probe *q, double pct, float *lo, float *hi)
{
    uint64_t total = 0;
    for (int i = 0; i < HIST_BINS; i++)
        total += q->hist[i];
    const double w = (q->hi - q->lo) / HIST_BINS, tail = (double)total * (1 - pct / 100) / 2;
    int b_lo = 0, b_hi = HIST_BINS - 1;
    for (double below = 0; b_lo < HIST_BINS - 1 && below + (double)q->hist[b_lo] <= tail; b_lo++)
        below += (double)q->hist[b_lo];
    for (double above = 0; b_hi > b_lo && above + (double)q->hist[b_hi] <= tail; b_hi--)
        above += (double)q->hist[b_hi];
    *lo = (float)(q->lo + b_lo * w);
    *hi = (float)(q->lo + (b_hi + 1) * w);
}

ait_status ait_calibrate(ait_arena *a, const ait_config *c, const ait_target_graph *tg, const ait_recording *rec,
                         ait_calib **out, FILE *log, ait_diag *d)
{
    double t0 = ait_now_s();
    int method = ait_calib_method_find(c->calib_method);
    if (method < 0)
        return ait_fail(d, AIT_E_CONFIG, "%s: tune.calib_method: unknown method '%s'", c->path, c->calib_method);
    ait_graph *g;
    AIT_TRY(ait_model_prepare(a, tg->m, tg->bind, &g, d));
    ait_pass_stats ps;
    ait_graph_passes(g, &ps);
    int n_graph_out = g->n_outputs;
    probe *p;
    int np = collect(a, g, &p);
    ait_calib *cal = AIT_NEW(a, ait_calib, 1);
    cal->method = method;
    cal->percentile = c->calib_percentile;
    cal->names = AIT_NEW(a, const char *, np + 1);
    cal->lo = AIT_NEW(a, float, np + 1);
    cal->hi = AIT_NEW(a, float, np + 1);
    *out = cal;
    if (!np)
        return AIT_OK;
    int *bout = AIT_NEW(a, int, g->n_outputs);
    for (int k = 0; k < g->n_outputs; k++)
        bout[k] = k < n_graph_out ? (tg->batched_out ? tg->batched_out[k] : 0) : tg->max_batch > 1;
    ait_emit_opts eo = {.name = "calib", .max_batch = tg->max_batch, .batched_in = tg->batched_in,
                        .batched_out = bout};
    ait_emitted e;
    AIT_TRY(ait_emit_model(g, &eo, &e, d));
    char *unit = ait_emitted_unit(&e);
    const ait_compiler *cc = strcmp(c->compiler, "tcc") == 0 ? &ait_compiler_tcc : &ait_compiler_gcc;
    ait_compile_opts co = {.flags = "-O2"};
    ait_compiled *mod = NULL;
    ait_status s = cc->build(unit, &co, &mod, d);
    free(unit);
    size_t ws_bytes = (e.arena_bytes + 64) / 64 * 64;
    ait_emitted_free(&e);
    AIT_TRY(s);
    calib_run run = {(run_io_fn)cc->sym(mod, "calib_run_io"), aligned_alloc(64, ws_bytes), NULL, NULL, 1};
    /* the outputs of the largest recorded batch, shared with the sandboxed runs */
    int max_items = 1;
    for (int i = 0; i < rec->n; i++)
        max_items = rec->rec[i].batch > max_items ? rec->rec[i].batch : max_items;
    size_t *off = AIT_NEW(a, size_t, g->n_outputs + 1), total = 0;
    for (int k = 0; k < g->n_outputs; k++) {
        off[k] = total;
        total += ait_tensor_bytes(&g->t[g->outputs[k]]) * (size_t)(bout[k] ? max_items : 1);
    }
    unsigned char *shared = mmap(NULL, total + 1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    void **outs = AIT_NEW(a, void *, g->n_outputs);
    const void **ins = AIT_NEW(a, const void *, g->n_inputs + 1);
    if (shared == MAP_FAILED || !run.run || !run.ws) {
        s = ait_fail(d, AIT_E_IO, "calibration: cannot set up the reference run (%zu bytes of outputs)", total);
        goto out;
    }
    for (int k = 0; k < g->n_outputs; k++)
        outs[k] = shared + off[k];
    run.in = ins;
    run.out = outs;
    for (int pass = 0; pass < (method == AIT_CALIB_PERCENTILE ? 2 : 1) && s == AIT_OK; pass++) {
        if (pass == 1)
            for (int i = 0; i < np; i++)
                p[i].hist = AIT_NEW(a, uint64_t, HIST_BINS);
        for (int i = 0; i < rec->n && s == AIT_OK; i++) {
            const ait_record *r = &rec->rec[i];
            for (int k = 0; k < g->n_inputs; k++)
                ins[k] = r->in[k].data;
            run.batch = tg->max_batch > 1 ? r->batch : 1;
            ait_sandbox_result res;
            if (ait_sandbox_run(run_child, &run, c->trial_timeout_s, &res) != AIT_OK) {
                s = ait_fail(d, AIT_E_RUNTIME, "calibration run of recorded batch %d (tune.trial_timeout_s = %g): %s",
                             i, c->trial_timeout_s, res.msg);
                break;
            }
            for (int j = 0; j < np; j++) {
                const ait_tensor *t = &g->t[p[j].tensor];
                int items = p[j].input >= 0 ? 1 : bout[p[j].output] ? run.batch : 1;
                const float *v = p[j].input >= 0 ? r->in[p[j].input].data : (const float *)outs[p[j].output];
                int64_t count = p[j].input >= 0 ? ait_tensor_numel(&r->in[p[j].input]) : ait_tensor_numel(t) * items;
                observe(&p[j], v, count, pass);
            }
        }
    }
    for (int j = 0; j < np && s == AIT_OK; j++) {
        cal->names[j] = g->t[p[j].tensor].name;
        if (!(p[j].lo <= p[j].hi)) /* nothing finite seen */
            cal->lo[j] = cal->hi[j] = 0;
        else if (method == AIT_CALIB_PERCENTILE)
            percentile_range(&p[j], c->calib_percentile, &cal->lo[j], &cal->hi[j]);
        else {
            cal->lo[j] = (float)p[j].lo;
            cal->hi[j] = (float)p[j].hi;
        }
        cal->lo[j] = cal->lo[j] < 0 ? cal->lo[j] : 0;
        cal->hi[j] = cal->hi[j] > 0 ? cal->hi[j] : 0;
    }
    if (s == AIT_OK) {
        cal->n = np;
        if (log)
            fprintf(log, "calibration: %d tensors on %d recorded batches, %s%s (%.2fs)\n", np, rec->n,
                    ait_calib_method_str(method), method == AIT_CALIB_PERCENTILE ? ait_arena_printf(a, " %g%%", c->calib_percentile) : "",
                    ait_now_s() - t0);
    }
out:
    if (shared != MAP_FAILED)
        munmap(shared, total + 1);
    free(run.ws);
    cc->release(mod);
    return s;
}
