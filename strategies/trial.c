#include "strategies/trial.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ir/escape.h"
#include "ir/clock.h"
#include "strategies/check_case.h"
#include "strategies/sandbox.h"

typedef int (*run_io_fn)(void *, const void *const *, void *const *, int);
typedef int (*run_dims_fn)(void *, const void *const *, void *const *, int, const int *);

/* One call of the candidate at a recorded batch's shapes. */
typedef struct {
    run_io_fn io;
    run_dims_fn dims;
} entry;

static int call(const entry *e, void *ws, const void *const *in, void *const *out, int batch, const ait_record *rec,
                int n_dims)
{
    if (!e->dims)
        return e->io(ws, in, out, batch);
    int v[AIT_MAX_DIMS];
    for (int j = 0; j < n_dims; j++)
        v[j] = (int)rec->dims[j];
    return e->dims(ws, in, out, batch, v);
}

int ait_outputs_match(const ait_record *rec, int n_out, void *const *got, double rtol, double atol, double *max_abs,
                      double *max_rel, char *why, size_t n)
{
    for (int k = 0; k < n_out; k++) {
        const ait_tensor *w = &rec->out[k];
        char name[256];
        ait_esc_buf(name, sizeof name, AIT_ESC_TEXT, w->name);
        int fl = ait_dtype_get(w->dtype)->is_float;
        for (int64_t j = 0; j < ait_tensor_numel(w); j++) {
            double g = ait_dtype_load_f64(w->dtype, got[k], (size_t)j);
            double e = ait_dtype_load_f64(w->dtype, w->data, (size_t)j);
            if (fl && !isfinite(g) && isfinite(e)) {
                snprintf(why, n, "output '%s' element %lld is %g (batch %d)", name, (long long)j, g, rec->batch);
                return -1;
            }
            int ok = fl ? ait_values_close(g, e, rtol, atol)
                        : ait_dtype_load_i64(w->dtype, got[k], (size_t)j) == ait_dtype_load_i64(w->dtype, w->data, (size_t)j);
            double err = fabs(g - e);
            if (!isnan(err)) {
                *max_abs = err > *max_abs ? err : *max_abs;
                if (e != 0 && err / fabs(e) > *max_rel)
                    *max_rel = err / fabs(e);
            }
            if (!ok) {
                snprintf(why, n, "output '%s' element %lld: %.9g, reference %.9g (batch %d)", name, (long long)j, g,
                         e, rec->batch);
                return -1;
            }
        }
    }
    return 0;
}

/* The position of the largest of n floats (the first of equals; NaN never wins). */
static int64_t argmax(const float *v, int64_t n)
{
    int64_t best = 0;
    for (int64_t i = 1; i < n; i++)
        if (v[i] > v[best] || (v[best] != v[best] && v[i] == v[i]))
            best = i;
    return best;
}

int ait_quant_score(const ait_record *rec, int n_out, void *const *got, ait_quant_metric m, double *cosine,
                    long long *agree, long long *rows, char *why, size_t n)
{
    for (int k = 0; k < n_out; k++) {
        const ait_tensor *w = &rec->out[k];
        char name[256];
        ait_esc_buf(name, sizeof name, AIT_ESC_TEXT, w->name);
        int64_t cnt = ait_tensor_numel(w);
        if (!ait_dtype_get(w->dtype)->is_float) {
            int64_t same = 0;
            for (int64_t j = 0; j < cnt; j++)
                same += ait_dtype_load_f64(w->dtype, got[k], (size_t)j) == ait_dtype_load_f64(w->dtype, w->data, (size_t)j);
            double frac = cnt ? (double)same / (double)cnt : 1;
            *cosine = frac < *cosine ? frac : *cosine;
            continue;
        }
        double ge = 0, gg = 0, ee = 0;
        for (int64_t j = 0; j < cnt; j++) {
            double gv = ait_dtype_load_f64(w->dtype, got[k], (size_t)j), ev = ait_dtype_load_f64(w->dtype, w->data, (size_t)j);
            if (!isfinite(gv) && isfinite(ev)) {
                snprintf(why, n, "output '%s' element %lld is %g (batch %d)", name, (long long)j, gv, rec->batch);
                return -1;
            }
            ge += gv * ev;
            gg += gv * gv;
            ee += ev * ev;
        }
        /* two zero tensors agree; one zero against another does not */
        double c = gg == 0 && ee == 0 ? 1 : gg == 0 || ee == 0 ? 0 : ge / sqrt(gg * ee);
        *cosine = c < *cosine ? c : *cosine;
        if (m == AIT_QUANT_TOP1 && w->dtype == AIT_DT_FLOAT && w->rank >= 1 && w->dims[w->rank - 1] > 0) {
            const float *g = got[k], *e = w->data;
            int64_t last = w->dims[w->rank - 1];
            for (int64_t r = 0; r < cnt / last; r++) {
                *agree += argmax(g + r * last, last) == argmax(e + r * last, last);
                (*rows)++;
            }
        }
    }
    return 0;
}

/* Validates one batch's outputs as the spec says; 0 or -1 with why. */
static int validate(const ait_trial_spec *t, const ait_record *rec, int n_out, void *const *out, double *max_abs,
                    double *max_rel, double *cosine, long long *agree, long long *rows, char *why, size_t n)
{
    if (t->quant == AIT_QUANT_NONE)
        return ait_outputs_match(rec, n_out, out, t->rtol, t->atol, max_abs, max_rel, why, n);
    /* the errors are reported too, for the table, but do not decide */
    char ignored[400];
    ait_outputs_match(rec, n_out, out, 1e30, 1e30, max_abs, max_rel, ignored, sizeof ignored);
    if (ait_quant_score(rec, n_out, out, t->quant, cosine, agree, rows, why, n) != 0)
        return -1;
    if (t->quant == AIT_QUANT_COSINE && *cosine < t->quant_min) {
        snprintf(why, n, "cosine similarity %.6f to the reference < quant_min %.10g (batch %d)", *cosine, t->quant_min,
                 rec->batch);
        return -1;
    }
    return 0;
}

/* Runs in the child. */
static void child(void *ctx, ait_sandbox_result *res)
{
    const ait_trial_spec *t = ctx;
    const ait_recording *r = t->rec;
    ait_diag d = {0};
    double t0 = ait_now_s();
    ait_compiled *m = NULL;
    ait_compile_opts co = {t->flags, t->libs};
    if (t->cc->build(t->source, &co, &m, &d) != AIT_OK) {
        res->code = d.code;
        snprintf(res->msg, sizeof res->msg, "%s", d.msg);
        return;
    }
    char sym[96];
    snprintf(sym, sizeof sym, "%s_%s", t->name, t->dims ? "run_dims" : "run_io");
    entry run = {0};
    void *fn = t->cc->sym(m, sym);
    if (t->dims)
        run.dims = (run_dims_fn)fn;
    else
        run.io = (run_io_fn)fn;
    if (!fn) {
        res->code = AIT_E_COMPILE;
        snprintf(res->msg, sizeof res->msg, "symbol %s not found", sym);
        return;
    }
    res->values[3] = ait_now_s() - t0;
    if (t->cc == &ait_compiler_gcc)
        res->values[6] = (double)ait_gcc_code_bytes(m);
    void *ws = aligned_alloc(64, (t->arena_bytes + 64) / 64 * 64);
    int n_out = r->spec.n_out, n_in = r->spec.n_in;
    const void *in[64];
    void *out[64];
    double max_abs = 0, max_rel = 0, cosine = 1;
    long long agree = 0, rows = 0;
    t0 = ait_now_s();
    const ait_record *prof = NULL;
    for (int i = 0; i < r->n; i++) {
        const ait_record *rec = &r->rec[i];
        if (rec->batch == t->profile_batch && !prof)
            prof = rec;
        if (!t->validate && rec != prof && (prof || t->profile_batch))
            continue;
        for (int k = 0; k < n_in; k++)
            in[k] = rec->in[k].data;
        for (int k = 0; k < n_out; k++)
            out[k] = calloc(1, ait_tensor_bytes(&rec->out[k]) + 1);
        int rc = call(&run, ws, in, out, r->max_batch > 1 ? rec->batch : 1, rec, r->dyn.n);
        char why[400] = "";
        int bad = rc != 0;
        if (bad)
            snprintf(why, sizeof why, "returned error code %d at batch %d", rc, rec->batch);
        else if (t->validate)
            bad = validate(t, rec, n_out, out, &max_abs, &max_rel, &cosine, &agree, &rows, why, sizeof why) != 0;
        for (int k = 0; k < n_out; k++)
            free(out[k]);
        if (bad) {
            res->code = rc ? AIT_E_RUNTIME : AIT_E_MISMATCH;
            snprintf(res->msg, sizeof res->msg, "%s", why);
            res->values[0] = max_abs;
            res->values[7] = t->quant == AIT_QUANT_COSINE ? cosine : 0; /* the score that failed */
            return;
        }
    }
    res->values[7] = t->quant == AIT_QUANT_TOP1 ? (rows ? (double)agree / (double)rows : 1) : cosine;
    if (t->validate && t->quant == AIT_QUANT_TOP1 && res->values[7] < t->quant_min) {
        res->code = AIT_E_MISMATCH;
        snprintf(res->msg, sizeof res->msg, "top-1 agreement %lld of %lld rows (%.4f) < quant_min %.10g", agree, rows,
                 res->values[7], t->quant_min);
        res->values[0] = max_abs;
        return;
    }
    res->values[0] = max_abs;
    res->values[1] = max_rel;
    res->values[4] = ait_now_s() - t0;
    if (t->profile_batch && prof) {
        for (int k = 0; k < n_in; k++)
            in[k] = prof->in[k].data;
        for (int k = 0; k < n_out; k++)
            out[k] = calloc(1, ait_tensor_bytes(&prof->out[k]) + 1);
        int b = r->max_batch > 1 ? prof->batch : 1;
        double times[1000];
        int n = 0;
        t0 = ait_now_s();
        call(&run, ws, in, out, b, prof, r->dyn.n);
        /* a second warm-up and at least 5 timed runs; 3 when one takes over half a second (the
         * reference of a big model) */
        int slow = ait_now_s() - t0 > 0.5;
        if (!slow)
            call(&run, ws, in, out, b, prof, r->dyn.n);
        double start = ait_now_s();
        int min_runs = slow ? 3 : 5;
        while (n < 1000 && (n < min_runs || ait_now_s() - start < 0.3)) {
            double a = ait_now_s();
            call(&run, ws, in, out, b, prof, r->dyn.n);
            times[n++] = ait_now_s() - a;
        }
        res->values[2] = ait_median(times, n);
        res->values[5] = ait_now_s() - t0;
        for (int k = 0; k < n_out; k++)
            free(out[k]);
    }
    free(ws);
    /* the module stays loaded: the child exits now, and releasing (tcc's) code would unmap it
     * under a thread pool's workers */
    res->code = AIT_OK;
}

void ait_trial_run(const ait_trial_spec *t, ait_trial_result *r)
{
    memset(r, 0, sizeof *r);
    ait_sandbox_result res;
    ait_sandbox_run(child, (void *)t, t->timeout_s, &res);
    r->status = res.code;
    snprintf(r->msg, sizeof r->msg, "%s", res.msg);
    r->max_abs_err = res.values[0];
    r->max_rel_err = res.values[1];
    r->latency_s = res.values[2];
    r->build_s = res.values[3];
    r->validate_s = res.values[4];
    r->profile_s = res.values[5];
    r->code_bytes = (long long)res.values[6];
    r->quant_score = t->quant != AIT_QUANT_NONE && t->validate ? res.values[7] : 0;
    if (r->status == AIT_OK && t->profile_batch && r->latency_s > 0) {
        r->profile_batch = t->profile_batch;
        r->throughput = t->profile_batch / r->latency_s;
    }
}
