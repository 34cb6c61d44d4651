#define _DEFAULT_SOURCE /* MAP_ANONYMOUS: the oracle runs share their outputs with this process */
#include "strategies/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xxhash.h>

#include "gen/compile.h"
#include "gen/emit_model.h"
#include "gen/model_load.h"
#include "strategies/cache.h"
#include "strategies/sandbox.h"

typedef int (*run_io_fn)(void *, const void *const *, void *const *, int);

/* A compiled reference model at one binding. */
typedef struct {
    const ait_compiler *cc; /* gcc -O2; libtcc when tune.compiler = tcc (a machine without gcc) */
    ait_compiled *mod;
    run_io_fn run;
    void *ws;
    ait_graph *g;
} oracle;

static ait_status oracle_build(ait_arena *a, const ait_model_src *m, const ait_tensor *bind, const int *bin,
                               const int *bout, int max_batch, oracle *o, ait_diag *d)
{
    AIT_TRY(ait_model_prepare(a, m, bind, &o->g, d));
    ait_emit_opts eo = {.name = "oracle", .max_batch = max_batch, .batched_in = bin, .batched_out = bout};
    ait_emitted e;
    AIT_TRY(ait_emit_model(o->g, &eo, &e, d));
    char *unit = ait_emitted_unit(&e);
    ait_compile_opts co = {.flags = "-O2"};
    ait_status s = o->cc->build(unit, &co, &o->mod, d);
    free(unit);
    if (s == AIT_OK) {
        o->run = (run_io_fn)o->cc->sym(o->mod, "oracle_run_io");
        o->ws = aligned_alloc(64, (e.arena_bytes + 64) / 64 * 64);
    }
    ait_emitted_free(&e);
    return s;
}

/* One oracle run, in a sandboxed child: the model is a stranger's, and its reference may crash
 * or take forever. The outputs land in memory shared with the parent. */
typedef struct {
    const oracle *o;
    const void *const *in;
    void *const *out;
    int batch;
} oracle_run;

static void oracle_run_child(void *p, ait_sandbox_result *r)
{
    const oracle_run *c = p;
    int rc = c->o->run(c->o->ws, c->in, c->out, c->batch);
    r->code = rc ? AIT_E_RUNTIME : AIT_OK;
    if (rc)
        snprintf(r->msg, sizeof r->msg, "the reference returned %d", rc);
}

static void oracle_free(oracle *o)
{
    if (o->mod)
        o->cc->release(o->mod);
    free(o->ws);
    const ait_compiler *cc = o->cc;
    memset(o, 0, sizeof *o);
    o->cc = cc;
}

/* Rows [first, first + b) of the item pool (cyclic) as one batch of input k; every sample's
 * rows have the same size (check_shapes), and each copy is checked against its source. */
static ait_status gather_rows(ait_arena *a, const ait_graph *g, const ait_sample *s, const int *item_sample,
                              const int *item_row, int n_items, int k, int first, int b, ait_tensor *out,
                              uint64_t *total, ait_diag *d)
{
    const ait_tensor *t0 = &s[item_sample[0]].in[k];
    *out = *t0;
    out->dims[0] = b;
    AIT_TRY(ait_tensor_check_limits(g, out, "recorded batch", total, d));
    size_t row = ait_tensor_bytes(t0) / (size_t)t0->dims[0];
    out->data = ait_arena_alloc(a, row * (size_t)b + 1);
    for (int r = 0; r < b; r++) {
        int it = (first + r) % n_items;
        const ait_tensor *src = &s[item_sample[it]].in[k];
        if (item_row[it] >= src->dims[0] || ait_tensor_bytes(src) != row * (size_t)src->dims[0])
            return ait_fail(d, AIT_E_SHAPE, "%s: input '%s': item %d does not fit the batch's row of %zu bytes",
                            s[item_sample[it]].origin, t0->name ? t0->name : "?", item_row[it], row);
        memcpy((char *)out->data + row * (size_t)r, (const char *)src->data + row * (size_t)item_row[it], row);
    }
    return AIT_OK;
}

/* A sample's batch inputs agree on their item count (axis 0). */
static ait_status check_batches(const ait_graph *g, const ait_sample *s, int ns, const int *batchable, int first_b,
                                ait_diag *d)
{
    for (int i = 0; i < ns; i++)
        for (int k = 0; k < g->n_inputs; k++) {
            const ait_tensor *t = &s[i].in[k];
            if (batchable[k] && t->dims[0] != s[i].in[first_b].dims[0])
                return ait_fail(d, AIT_E_SHAPE,
                                "%s: batch inputs disagree on the batch (axis 0) size: '%s' has %lld, '%s' has %lld",
                                s[i].origin, g->t[g->inputs[first_b]].name, (long long)s[i].in[first_b].dims[0],
                                g->t[g->inputs[k]].name, (long long)t->dims[0]);
        }
    return AIT_OK;
}

static const ait_dyn_dim *config_dim(const ait_config *c, const char *name)
{
    for (int i = 0; i < c->n_dims; i++)
        if (strcmp(c->dims[i].name, name) == 0)
            return &c->dims[i];
    return NULL;
}

/* The dynamic axes: every non-batch input axis whose size varies across the samples, or that
 * samples.dims names (by its dim_param, or "dim<axis>").  Axes sharing a dim_param are one
 * dynamic axis.  Its range is samples.dims's, which every sample must fall in, or else the
 * samples' own min and max. */
static ait_status find_dims(ait_arena *a, const ait_config *c, const ait_graph *g, const ait_sample *s, int ns,
                            const int *batchable, ait_dyn_dims *dd, ait_diag *d)
{
    memset(dd, 0, sizeof *dd);
    dd->n_in = g->n_inputs;
    dd->of = AIT_NEW(a, int, g->n_inputs * AIT_MAX_RANK + 1);
    for (int i = 0; i < g->n_inputs * AIT_MAX_RANK; i++)
        dd->of[i] = -1;
    int used[AIT_MAX_DIMS] = {0};
    for (int k = 0; k < g->n_inputs; k++) {
        const ait_tensor *decl = &g->t[g->inputs[k]];
        for (int ax = batchable[k]; ax < s[0].in[k].rank; ax++) {
            int varies = 0;
            for (int i = 1; i < ns; i++)
                varies |= s[i].in[k].dims[ax] != s[0].in[k].dims[ax];
            const char *param = decl->rank > ax ? decl->dim_param[ax] : NULL;
            char name[64];
            snprintf(name, sizeof name, "%s", param && *param ? param : "");
            if (!*name) { /* unnamed: dim<axis>, made unique */
                snprintf(name, sizeof name, "dim%d", ax);
                for (int j = 0; j < dd->n; j++)
                    if (strcmp(dd->dim[j].name, name) == 0)
                        snprintf(name, sizeof name, "dim%d_%d", ax, k);
            }
            const ait_dyn_dim *cfg = config_dim(c, name);
            if (!varies && !cfg)
                continue;
            if (decl->rank > ax && decl->dims[ax] >= 0)
                return ait_fail(d, AIT_E_SHAPE, "input '%s' axis %d is %lld in the model, but %s", decl->name, ax,
                                (long long)decl->dims[ax],
                                cfg ? "samples.dims names it as dynamic" : "its size varies between samples");
            int j = 0;
            while (j < dd->n && (strcmp(dd->dim[j].name, name) != 0 || !param))
                j++;
            if (j == dd->n) {
                if (dd->n == AIT_MAX_DIMS)
                    return ait_fail(d, AIT_E_UNSUPPORTED, "more than %d dynamic axes", AIT_MAX_DIMS);
                snprintf(dd->dim[j].name, sizeof dd->dim[j].name, "%s", name);
                dd->dim[j].min = cfg ? cfg->min : 0;
                dd->dim[j].max = cfg ? cfg->max : 0;
                dd->n++;
            }
            dd->of[k * AIT_MAX_RANK + ax] = j;
            if (cfg)
                used[cfg - c->dims] = 1;
        }
    }
    for (int i = 0; i < c->n_dims; i++)
        if (!used[i]) {
            char names[512] = "";
            size_t l = 0;
            for (int j = 0; j < dd->n && l < sizeof names; j++)
                l += (size_t)snprintf(names + l, sizeof names - l, "%s%s", j ? ", " : "", dd->dim[j].name);
            return ait_fail(d, AIT_E_CONFIG, "%s:%d: samples.dims: no input axis is named '%s' (dynamic axes: %s)",
                            c->path, c->dims_line, c->dims[i].name, dd->n ? names : "none");
        }
    /* every sample: one value per dynamic axis, inside the configured range */
    for (int j = 0; j < dd->n; j++) {
        const ait_dyn_dim *cfg = config_dim(c, dd->dim[j].name);
        long long lo = -1, hi = -1;
        for (int i = 0; i < ns; i++) {
            long long v = -1;
            for (int k = 0; k < g->n_inputs; k++)
                for (int ax = 0; ax < s[i].in[k].rank; ax++) {
                    if (dd->of[k * AIT_MAX_RANK + ax] != j)
                        continue;
                    long long x = s[i].in[k].dims[ax];
                    if (v >= 0 && x != v)
                        return ait_fail(d, AIT_E_SHAPE, "%s: input '%s' axis %d is %lld, but dynamic axis '%s' is %lld "
                                                        "in another input of this sample",
                                        s[i].origin, g->t[g->inputs[k]].name, ax, x, dd->dim[j].name, v);
                    v = x;
                    if (cfg && (x < cfg->min || x > cfg->max))
                        return ait_fail(d, AIT_E_SHAPE, "%s: input '%s' axis %d ('%s') is %lld, outside samples.dims "
                                                        "%s:%lld..%lld (%s:%d)",
                                        s[i].origin, g->t[g->inputs[k]].name, ax, dd->dim[j].name, x, cfg->name,
                                        cfg->min, cfg->max, c->path, c->dims_line);
                }
            lo = lo < 0 || v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        if (!cfg) {
            dd->dim[j].min = lo;
            dd->dim[j].max = hi;
        }
        if (dd->dim[j].min < 1)
            return ait_fail(d, AIT_E_UNSUPPORTED, "dynamic axis '%s' takes size 0 in the samples: empty tensors are "
                                                  "not supported on a dynamic axis", dd->dim[j].name);
    }
    return AIT_OK;
}

/* Sample 0 resized along the dynamic axes to the values v (cyclically: a sequence of token ids
 * repeats), so that every candidate is also checked at the bounds of the range. */
static void resize_sample(ait_arena *a, const ait_graph *g, const ait_dyn_dims *dd, const ait_sample *s0,
                          const long long *v, ait_sample *out)
{
    out->in = AIT_NEW(a, ait_tensor, g->n_inputs + 1);
    out->origin = ait_arena_printf(a, "%s resized to the %s of the dynamic axes", s0->origin, "bounds");
    for (int k = 0; k < g->n_inputs; k++) {
        const ait_tensor *src = &s0->in[k];
        ait_tensor *t = &out->in[k];
        *t = *src;
        int any = 0;
        for (int ax = 0; ax < t->rank; ax++)
            if (dd->of[k * AIT_MAX_RANK + ax] >= 0) {
                t->dims[ax] = v[dd->of[k * AIT_MAX_RANK + ax]];
                any = 1;
            }
        if (!any)
            continue;
        size_t es = ait_dtype_get(t->dtype)->size;
        int64_t n = ait_tensor_numel(t);
        t->data = ait_arena_alloc(a, (size_t)n * es + 1);
        for (int64_t e = 0; e < n; e++) {
            int64_t rest = e, off = 0, stride = 1;
            for (int ax = t->rank - 1; ax >= 0; ax--) {
                int64_t i = rest % t->dims[ax];
                rest /= t->dims[ax];
                off += i % src->dims[ax] * stride;
                stride *= src->dims[ax];
            }
            memcpy((char *)t->data + (size_t)e * es, (const char *)src->data + (size_t)off * es, es);
        }
    }
}

/* The dynamic-axis values of a sample. */
static void sample_dims(const ait_graph *g, const ait_dyn_dims *dd, const ait_sample *s, long long *v)
{
    for (int k = 0; k < g->n_inputs; k++)
        for (int ax = 0; ax < s->in[k].rank; ax++)
            if (dd->of[k * AIT_MAX_RANK + ax] >= 0)
                v[dd->of[k * AIT_MAX_RANK + ax]] = s->in[k].dims[ax];
}

/* The shapes of one item of a recorded batch. */
static void item_shapes(const ait_record *rec, const int *batchable, int ni, ait_tensor *bind)
{
    for (int k = 0; k < ni; k++) {
        bind[k] = rec->in[k];
        if (batchable[k])
            bind[k].dims[0] = 1;
    }
}

static ait_status classify(ait_arena *a, const ait_graph *g, ait_recording *r)
{
    ait_graph_spec *sp = &r->spec;
    sp->n_in = g->n_inputs;
    sp->n_out = g->n_outputs;
    sp->in = AIT_NEW(a, ait_tensor_spec, sp->n_in + 1);
    sp->out = AIT_NEW(a, ait_tensor_spec, sp->n_out + 1);
    int *batch = AIT_NEW(a, int, r->n);
    const int64_t **dims = AIT_NEW(a, const int64_t *, r->n);
    for (int side = 0; side < 2; side++)
        for (int k = 0; k < (side ? sp->n_out : sp->n_in); k++) {
            ait_tensor_spec *ts = side ? &sp->out[k] : &sp->in[k];
            const ait_tensor *t0 = side ? &r->rec[0].out[k] : &r->rec[0].in[k];
            ts->name = g->t[side ? g->outputs[k] : g->inputs[k]].name;
            ts->dtype = t0->dtype;
            ts->rank = t0->rank;
            for (int i = 0; i < r->n; i++) {
                batch[i] = r->rec[i].batch;
                dims[i] = side ? r->rec[i].out[k].dims : r->rec[i].in[k].dims;
            }
            ait_spec_classify(ts, r->n, batch, dims);
        }
    return AIT_OK;
}

ait_status ait_record_samples(ait_arena *a, const ait_config *c, const ait_model_src *m, const ait_graph *g,
                      const ait_sample *s, int ns, ait_recording *r, FILE *log, ait_diag *d)
{
    memset(r, 0, sizeof *r);
    int ni = g->n_inputs, no = g->n_outputs;
    /* inputs batched along axis 0: rank >= 1 and a declared axis 0 that is symbolic or 1 */
    int *batchable = AIT_NEW(a, int, ni + 1), any = 0, symbolic = 1;
    for (int k = 0; k < ni; k++) {
        const ait_tensor *t = &g->t[g->inputs[k]];
        batchable[k] = s[0].in[k].rank >= 1 && ait_input_has_batch_axis(t);
        any |= batchable[k];
        if (batchable[k] && t->rank >= 0 && t->dims[0] >= 0)
            symbolic = 0;
    }
    int multi = c->n_batch_sizes > 1 || c->batch_sizes[0] > 1;
    if (multi && !any)
        return ait_fail(d, AIT_E_CONFIG, "%s: samples.batch_sizes asks for batches, but no input of %s has a batch "
                                         "axis (axis 0 of size 1 or symbolic)",
                        c->path, m->path);
    /* the pool of items: (sample, row along axis 0) */
    int first_b = -1;
    for (int k = 0; k < ni && first_b < 0; k++)
        if (batchable[k])
            first_b = k;
    AIT_TRY(check_batches(g, s, ns, batchable, first_b, d));
    AIT_TRY(find_dims(a, c, g, s, ns, batchable, &r->dyn, d));
    const ait_dyn_dims *dd = &r->dyn;
    /* the samples, and sample 0 resized to the min and the max of every dynamic axis when no
     * sample is there already: candidates are validated at the bounds of the range */
    ait_sample *pool = AIT_NEW(a, ait_sample, ns + 3);
    memcpy(pool, s, sizeof *s * (size_t)ns);
    typedef long long dim_values[AIT_MAX_DIMS];
    dim_values *dimv = AIT_NEW(a, dim_values, ns + 3);
    int n_all = ns;
    for (int i = 0; i < ns; i++)
        sample_dims(g, dd, &s[i], dimv[i]);
    for (int bound = 0; bound < 2 && dd->n; bound++) {
        long long v[AIT_MAX_DIMS];
        for (int j = 0; j < dd->n; j++)
            v[j] = bound ? dd->dim[j].max : dd->dim[j].min;
        int have = 0;
        for (int i = 0; i < n_all && !have; i++)
            have = memcmp(dimv[i], v, sizeof v[0] * (size_t)dd->n) == 0;
        if (have)
            continue;
        resize_sample(a, g, dd, &s[0], v, &pool[n_all]);
        pool[n_all].origin = ait_arena_printf(a, "%s resized to the %s of the dynamic axes", s[0].origin,
                                             bound ? "max" : "min");
        memcpy(dimv[n_all++], v, sizeof v);
    }
    s = pool;
    ns = n_all;
    /* items (sample, row along axis 0) are batched with items of the same dynamic-axis values */
    int *group = AIT_NEW(a, int, ns + 1), n_groups = 0;
    for (int i = 0; i < ns; i++) {
        group[i] = -1;
        for (int j = 0; j < i && group[i] < 0; j++)
            if (memcmp(dimv[i], dimv[j], sizeof dimv[0][0] * (size_t)dd->n) == 0)
                group[i] = group[j];
        if (group[i] < 0)
            group[i] = n_groups++;
    }
    int n_items = 0;
    for (int i = 0; i < ns; i++)
        n_items += first_b >= 0 ? (int)s[i].in[first_b].dims[0] : 1;
    if (n_items == 0)
        return ait_fail(d, AIT_E_SHAPE, "%s: samples hold no items", s[0].origin);
    int *item_sample = AIT_NEW(a, int, n_items), *item_row = AIT_NEW(a, int, n_items);

    /* batches */
    uint64_t recorded = 0; /* bytes of recorded inputs and outputs, bounded like a model's tensors */
    int *rec_group = AIT_NEW(a, int, c->n_batch_sizes * c->max_batches_per_size * n_groups + 1);
    r->rec = AIT_NEW(a, ait_record, c->n_batch_sizes * c->max_batches_per_size * n_groups);
    for (int gi = 0; gi < n_groups; gi++) {
        int it = 0;
        for (int i = 0; i < ns; i++)
            for (int64_t row = 0; group[i] == gi && row < (first_b >= 0 ? s[i].in[first_b].dims[0] : 1); row++) {
                item_sample[it] = i;
                item_row[it++] = (int)row;
            }
        if (!it)
            continue;
        for (int bi = 0; bi < c->n_batch_sizes; bi++) {
            int b = c->batch_sizes[bi];
            int nb = (it + b - 1) / b;
            nb = nb > c->max_batches_per_size ? c->max_batches_per_size : nb < 1 ? 1 : nb;
            for (int j = 0; j < nb; j++) {
                rec_group[r->n] = gi;
                ait_record *rec = &r->rec[r->n++];
                rec->batch = b;
                rec->in = AIT_NEW(a, ait_tensor, ni + 1);
                rec->out = AIT_NEW(a, ait_tensor, no + 1);
                memcpy(rec->dims, dimv[item_sample[0]], sizeof rec->dims);
                for (int k = 0; k < ni; k++) {
                    if (batchable[k])
                        AIT_TRY(gather_rows(a, g, s, item_sample, item_row, it, k, j * b, b, &rec->in[k], &recorded,
                                            d));
                    else
                        rec->in[k] = s[item_sample[(j * b) % it]].in[k];
                }
            }
        }
    }

    /* the oracle: the model itself at each batch size when its batch dim is symbolic, else
     * item by item (a model exported for batch 1 can only take one item at a time) */
    r->true_batch_oracle = symbolic && any;
    int *bin = AIT_NEW(a, int, ni + 1), *bout = AIT_NEW(a, int, no + 1);
    ait_tensor *item_bind = AIT_NEW(a, ait_tensor, ni + 1);
    for (int k = 0; k < ni; k++)
        bin[k] = batchable[k];
    /* output shapes and storage, from the graph the oracle runs at each binding */
    ait_graph *meta = NULL;
    int meta_for = -1;
    size_t total = 0;
    for (int i = 0; i < r->n; i++) {
        ait_record *rec = &r->rec[i];
        int want = rec_group[i] * 65536 + (r->true_batch_oracle ? rec->batch : 0);
        if (meta_for != want) {
            item_shapes(rec, batchable, ni, item_bind);
            AIT_TRY(ait_model_prepare(a, m, r->true_batch_oracle ? rec->in : item_bind, &meta, d));
            /* outputs follow the item graph: batched when their axis 0 holds the item */
            for (int k = 0; k < no && !r->true_batch_oracle; k++) {
                const ait_tensor *t = &meta->t[meta->outputs[k]];
                bout[k] = any && t->rank >= 1 && t->dims[0] == 1;
            }
            meta_for = want;
        }
        for (int k = 0; k < no; k++) {
            const ait_tensor *t = &meta->t[meta->outputs[k]];
            rec->out[k] = *t;
            rec->out[k].name = t->name;
            if (!r->true_batch_oracle && bout[k])
                rec->out[k].dims[0] = rec->batch;
            AIT_TRY(ait_tensor_check_limits(g, &rec->out[k], "recorded output", &recorded, d));
            rec->out[k].data = ait_arena_alloc(a, ait_tensor_bytes(&rec->out[k]) + 1);
            total += ait_tensor_bytes(&rec->out[k]);
        }
    }
    /* the reference outputs are cached: the same model and inputs give the same outputs */
    XXH64_state_t *kh = XXH64_createState();
    XXH64_reset(kh, 0);
    XXH64_update(kh, "record-1", 8);
    XXH64_update(kh, m->bytes, m->len);
    XXH64_update(kh, &r->true_batch_oracle, sizeof r->true_batch_oracle);
    for (int i = 0; i < r->n; i++) {
        XXH64_update(kh, &r->rec[i].batch, sizeof r->rec[i].batch);
        for (int k = 0; k < ni; k++) {
            XXH64_update(kh, r->rec[i].in[k].dims, sizeof r->rec[i].in[k].dims);
            XXH64_update(kh, r->rec[i].in[k].data, ait_tensor_bytes(&r->rec[i].in[k]));
        }
    }
    unsigned long long key = XXH64_digest(kh);
    XXH64_freeState(kh);
    /* shared with the sandboxed oracle runs, which write their outputs here */
    unsigned char *all = mmap(NULL, total + 1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (all == MAP_FAILED)
        return ait_fail(d, AIT_E_IO, "cannot map %zu bytes for the recorded outputs", total + 1);
    if (ait_cache_get_blob(c->cache_dir, key, all, total) == AIT_CACHE_HIT) {
        size_t off = 0;
        for (int i = 0; i < r->n; i++)
            for (int k = 0; k < no; k++) {
                memcpy(r->rec[i].out[k].data, all + off, ait_tensor_bytes(&r->rec[i].out[k]));
                off += ait_tensor_bytes(&r->rec[i].out[k]);
            }
        r->cached = 1;
    }
    oracle o = {.cc = strcmp(c->compiler, "tcc") == 0 ? &ait_compiler_tcc : &ait_compiler_gcc};
    int built_for = -1;
    size_t out_off = 0;
    for (int i = 0; i < r->n && !r->cached; i++) {
        ait_record *rec = &r->rec[i];
        int want = rec_group[i] * 65536 + (r->true_batch_oracle ? rec->batch : 0);
        if (built_for != want) {
            oracle_free(&o);
            item_shapes(rec, batchable, ni, item_bind);
            ait_status s = r->true_batch_oracle
                               ? oracle_build(a, m, rec->in, NULL, NULL, 1, &o, d)
                               : oracle_build(a, m, item_bind, bin, bout,
                                              c->batch_sizes[c->n_batch_sizes - 1] > 1
                                                  ? c->batch_sizes[c->n_batch_sizes - 1]
                                                  : 1,
                                              &o, d);
            if (s != AIT_OK) {
                munmap(all, total + 1);
                return s;
            }
            built_for = want;
        }
        const void *in[64];
        void *out[64];
        for (int k = 0; k < ni; k++)
            in[k] = rec->in[k].data;
        for (int k = 0; k < no; k++) {
            out[k] = all + out_off;
            out_off += ait_tensor_bytes(&rec->out[k]);
        }
        oracle_run run = {&o, in, out, r->true_batch_oracle ? 1 : rec->batch};
        ait_sandbox_result res;
        if (ait_sandbox_run(oracle_run_child, &run, c->trial_timeout_s, &res) != AIT_OK) {
            oracle_free(&o);
            munmap(all, total + 1);
            return ait_fail(d, AIT_E_RUNTIME, "reference run of recorded batch %d (tune.trial_timeout_s = %g): %s", i,
                            c->trial_timeout_s, res.msg);
        }
    }
    if (!r->cached) {
        size_t off = 0;
        for (int i = 0; i < r->n; i++)
            for (int k = 0; k < no; k++) {
                memcpy(r->rec[i].out[k].data, all + off, ait_tensor_bytes(&r->rec[i].out[k]));
                off += ait_tensor_bytes(&r->rec[i].out[k]);
            }
        ait_cache_put_blob(c->cache_dir, key, all, total);
    }
    munmap(all, total + 1);
    oracle_free(&o);
    AIT_TRY(classify(a, g, r));
    for (int k = 0; k < ni; k++)
        for (int ax = 0; ax < r->spec.in[k].rank; ax++)
            if (dd->of[k * AIT_MAX_RANK + ax] >= 0)
                r->spec.in[k].dim_name[ax] = dd->dim[dd->of[k * AIT_MAX_RANK + ax]].name;
    /* an output's dynamic axis by its dim_param in the model, where it has one */
    for (int k = 0; k < no && k < g->n_outputs; k++)
        for (int ax = 0; ax < r->spec.out[k].rank; ax++) {
            const char *dp = g->t[g->outputs[k]].dim_param[ax];
            if (r->spec.out[k].kind[ax] == AIT_AXIS_DYNAMIC && dp && *dp)
                r->spec.out[k].dim_name[ax] = ait_arena_strdup(a, dp);
        }

    /* what candidates are specialized for */
    r->bind = AIT_NEW(a, ait_tensor, ni + 1);
    r->batched_in = AIT_NEW(a, int, ni + 1);
    r->batched_out = AIT_NEW(a, int, no + 1);
    r->max_batch = 1;
    for (int side = 0; side < 2; side++)
        for (int k = 0; k < (side ? no : ni); k++) {
            const ait_tensor_spec *ts = side ? &r->spec.out[k] : &r->spec.in[k];
            for (int ax = 0; ax < ts->rank; ax++) {
                /* an output's dynamic axes follow from the inputs' (the emitted code derives them) */
                if (ts->kind[ax] == AIT_AXIS_DYNAMIC && (side ? !dd->n : dd->of[k * AIT_MAX_RANK + ax] < 0))
                    return ait_fail(d, AIT_E_UNSUPPORTED,
                                    "%s '%s' axis %d varies between samples (%lld to %lld) but no input axis does",
                                    side ? "output" : "input", ts->name, ax, (long long)ts->min[ax],
                                    (long long)ts->max[ax]);
                if (ts->kind[ax] == AIT_AXIS_BATCH && (ax != 0 || ts->scale[ax] != 1))
                    return ait_fail(d, AIT_E_UNSUPPORTED,
                                    "%s '%s': the batch axis is axis %d with %lld rows per item; batching is supported "
                                    "along axis 0 with one row per item",
                                    side ? "output" : "input", ts->name, ax, (long long)ts->scale[ax]);
            }
        }
    if (c->n_batch_sizes > 1) {
        for (int k = 0; k < ni; k++)
            r->batched_in[k] = r->spec.in[k].rank > 0 && r->spec.in[k].kind[0] == AIT_AXIS_BATCH;
        for (int k = 0; k < no; k++)
            r->batched_out[k] = r->spec.out[k].rank > 0 && r->spec.out[k].kind[0] == AIT_AXIS_BATCH;
        r->max_batch = c->batch_sizes[c->n_batch_sizes - 1];
    }
    for (int k = 0; k < ni; k++) {
        r->bind[k] = r->rec[0].in[k];
        if (r->batched_in[k])
            r->bind[k].dims[0] = 1;
        for (int ax = 0; ax < r->bind[k].rank; ax++)
            if (dd->of[k * AIT_MAX_RANK + ax] >= 0)
                r->bind[k].dims[ax] = dd->dim[dd->of[k * AIT_MAX_RANK + ax]].max;
    }
    XXH64_state_t *h = XXH64_createState();
    XXH64_reset(h, 0);
    for (int i = 0; i < r->n; i++) {
        for (int k = 0; k < ni; k++)
            XXH64_update(h, r->rec[i].in[k].data, ait_tensor_bytes(&r->rec[i].in[k]));
        for (int k = 0; k < no; k++)
            XXH64_update(h, r->rec[i].out[k].data, ait_tensor_bytes(&r->rec[i].out[k]));
    }
    r->hash = XXH64_digest(h);
    XXH64_freeState(h);
    if (log) {
        fprintf(log, "recorded %d batches (batch sizes", r->n);
        for (int i = 0; i < c->n_batch_sizes; i++)
            fprintf(log, "%s%d", i ? "," : " ", c->batch_sizes[i]);
        fprintf(log, ") from %d samples, %d items; reference %s%s\n", ns, n_items,
                r->true_batch_oracle ? "run at each batch size" : "run item by item (model takes one item)",
                r->cached ? " (outputs reused from the cache)" : "");
    }
    return AIT_OK;
}
