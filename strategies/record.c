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
    ait_module *mod;
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
    ait_status s = ait_compiler_gcc.build(unit, &co, &o->mod, d);
    free(unit);
    if (s == AIT_OK) {
        o->run = (run_io_fn)ait_compiler_gcc.sym(o->mod, "oracle_run_io");
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
        ait_compiler_gcc.release(o->mod);
    free(o->ws);
    memset(o, 0, sizeof *o);
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

/* Every sample agrees with the first on each input's shape (axis 0 of a batch input aside), and
 * a sample's batch inputs agree on their item count: a varying non-batch axis is a dynamic axis,
 * which the emitted contract cannot take yet. */
static ait_status check_shapes(const ait_graph *g, const ait_sample *s, int ns, const int *batchable, int first_b,
                               ait_diag *d)
{
    for (int i = 0; i < ns; i++)
        for (int k = 0; k < g->n_inputs; k++) {
            const ait_tensor *t = &s[i].in[k], *t0 = &s[0].in[k];
            const char *name = g->t[g->inputs[k]].name;
            if (batchable[k] && t->dims[0] != s[i].in[first_b].dims[0])
                return ait_fail(d, AIT_E_SHAPE,
                                "%s: batch inputs disagree on the batch (axis 0) size: '%s' has %lld, '%s' has %lld",
                                s[i].origin, g->t[g->inputs[first_b]].name, (long long)s[i].in[first_b].dims[0],
                                name, (long long)t->dims[0]);
            for (int ax = batchable[k]; ax < t->rank; ax++)
                if (t->dims[ax] != t0->dims[ax])
                    return ait_fail(d, AIT_E_SHAPE,
                                    "%s: input '%s' axis %d is %lld, but %lld in %s: a dynamic (non-batch) axis is "
                                    "not supported; give samples of one shape",
                                    s[i].origin, name, ax, (long long)t->dims[ax], (long long)t0->dims[ax],
                                    s[0].origin);
        }
    return AIT_OK;
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
    AIT_TRY(check_shapes(g, s, ns, batchable, first_b, d));
    int n_items = 0;
    for (int i = 0; i < ns; i++)
        n_items += first_b >= 0 ? (int)s[i].in[first_b].dims[0] : 1;
    if (n_items == 0)
        return ait_fail(d, AIT_E_SHAPE, "%s: samples hold no items", s[0].origin);
    int *item_sample = AIT_NEW(a, int, n_items), *item_row = AIT_NEW(a, int, n_items), it = 0;
    for (int i = 0; i < ns; i++)
        for (int64_t row = 0; row < (first_b >= 0 ? s[i].in[first_b].dims[0] : 1); row++) {
            item_sample[it] = i;
            item_row[it++] = (int)row;
        }

    /* batches */
    uint64_t recorded = 0; /* bytes of recorded inputs and outputs, bounded like a model's tensors */
    r->rec = AIT_NEW(a, ait_record, c->n_batch_sizes * c->max_batches_per_size);
    for (int bi = 0; bi < c->n_batch_sizes; bi++) {
        int b = c->batch_sizes[bi];
        int nb = (n_items + b - 1) / b;
        nb = nb > c->max_batches_per_size ? c->max_batches_per_size : nb < 1 ? 1 : nb;
        for (int j = 0; j < nb; j++) {
            ait_record *rec = &r->rec[r->n++];
            rec->batch = b;
            rec->in = AIT_NEW(a, ait_tensor, ni + 1);
            rec->out = AIT_NEW(a, ait_tensor, no + 1);
            for (int k = 0; k < ni; k++) {
                if (batchable[k])
                    AIT_TRY(gather_rows(a, g, s, item_sample, item_row, n_items, k, j * b, b, &rec->in[k], &recorded,
                                        d));
                else
                    rec->in[k] = s[item_sample[(j * b) % n_items]].in[k];
            }
        }
    }

    /* the oracle: the model itself at each batch size when its batch dim is symbolic, else
     * item by item (a model exported for batch 1 can only take one item at a time) */
    r->true_batch_oracle = symbolic && any;
    int *bin = AIT_NEW(a, int, ni + 1), *bout = AIT_NEW(a, int, no + 1);
    ait_tensor *item_bind = AIT_NEW(a, ait_tensor, ni + 1);
    for (int k = 0; k < ni; k++) {
        item_bind[k] = r->rec[0].in[k];
        bin[k] = batchable[k];
        if (batchable[k])
            item_bind[k].dims[0] = 1;
    }
    /* output shapes and storage, from the graph the oracle runs at each binding */
    ait_graph *meta = NULL;
    int meta_for = -1;
    size_t total = 0;
    for (int i = 0; i < r->n; i++) {
        ait_record *rec = &r->rec[i];
        int want = r->true_batch_oracle ? rec->batch : 0;
        if (meta_for != want) {
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
    oracle o = {0};
    int built_for = -1;
    size_t out_off = 0;
    for (int i = 0; i < r->n && !r->cached; i++) {
        ait_record *rec = &r->rec[i];
        int want = r->true_batch_oracle ? rec->batch : 0;
        if (built_for != want) {
            oracle_free(&o);
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

    /* what candidates are specialized for */
    r->bind = AIT_NEW(a, ait_tensor, ni + 1);
    r->batched_in = AIT_NEW(a, int, ni + 1);
    r->batched_out = AIT_NEW(a, int, no + 1);
    r->max_batch = 1;
    for (int side = 0; side < 2; side++)
        for (int k = 0; k < (side ? no : ni); k++) {
            const ait_tensor_spec *ts = side ? &r->spec.out[k] : &r->spec.in[k];
            for (int ax = 0; ax < ts->rank; ax++) {
                if (ts->kind[ax] == AIT_AXIS_DYNAMIC)
                    return ait_fail(d, AIT_E_UNSUPPORTED,
                                    "%s '%s' axis %d varies between samples (%lld to %lld) independently of the batch "
                                    "size; generated code is specialized for one shape: give samples of one shape",
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
