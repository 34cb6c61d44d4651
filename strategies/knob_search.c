#include "strategies/knob_search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "ir/escape.h"
#include "ir/clock.h"
#include "gen/kernel.h"
#include "gen/threads.h"
#include "strategies/cache.h"
#include "strategies/sandbox.h"
#include "templates/emit_util.h"

/* the backend's variants (at most BACKEND_VARIANTS), then one run as a single task */
enum { BACKEND_VARIANTS = 12, MAX_VARIANTS = BACKEND_VARIANTS + 1, ROUNDS = 7, N_PARTS = 2 };

size_t ait_knob_cold_span(void)
{
    long llc = 0;
#ifdef _SC_LEVEL3_CACHE_SIZE
    llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
    if (llc <= 0) {
        FILE *f = fopen("/sys/devices/system/cpu/cpu0/cache/index3/size", "r");
        char unit = 0;
        if (f) {
            if (fscanf(f, "%ld%c", &llc, &unit) < 1)
                llc = 0;
            llc *= unit == 'K' ? 1024 : unit == 'M' ? 1 << 20 : 1;
            fclose(f);
        }
    }
    if (llc <= 0 || llc > 1L << 30)
        llc = 32L << 20;
    return 2 * (size_t)llc;
}

/* The fifth knob (serial) is written only where it is set, so the text of every plan without it
 * (manifests, caches, reports) stays what it was. */
void ait_knobs_format(const int *knobs, char *buf, size_t n)
{
    if (knobs[AIT_KNOB_SERIAL])
        snprintf(buf, n, "%d,%d,%d,%d,%d", knobs[0], knobs[1], knobs[2], knobs[3], knobs[AIT_KNOB_SERIAL]);
    else
        snprintf(buf, n, "%d,%d,%d,%d", knobs[0], knobs[1], knobs[2], knobs[3]);
}

int ait_knobs_parse(const char *text, int *knobs)
{
    int used = -1;
    knobs[AIT_KNOB_SERIAL] = 0;
    if (sscanf(text, "%d,%d,%d,%d%n", &knobs[0], &knobs[1], &knobs[2], &knobs[3], &used) == 4 && !text[used])
        return 0;
    used = -1;
    if (sscanf(text, "%d,%d,%d,%d,%d%n", &knobs[0], &knobs[1], &knobs[2], &knobs[3], &knobs[4], &used) == 5 &&
        !text[used] && (knobs[AIT_KNOB_SERIAL] == 0 || knobs[AIT_KNOB_SERIAL] == 1))
        return 0;
    return -1;
}

/* One node's variants, built next to its reference kernel. */
typedef struct {
    const ait_graph *g;
    const ait_node *ref;
    const ait_node *var[MAX_VARIANTS];
    const ait_template *vt[MAX_VARIANTS];
    int n_var;
    const char *parts[N_PARTS]; /* the unit, in parts built at once (gcc; else one part) */
    int n_parts;
    const ait_knob_opts *o;
    int quantized; /* the backend's results differ from the reference by design: variants are
                    * compared with the default (same weights, same quantization) instead */
    int heavy;     /* too much work for the scalar reference kernel (REF_MAX_FLOPS): variants are
                    * compared with the default, which the model's trial holds to the reference */
} bench;

/* Above this many FLOPs an op's reference kernel (scalar, ~1 GFLOP/s) would take most of its
 * search: fcn_resnet50's 2048->512 3x3 head (7.5 GFLOP) took 23 s of a 20 s budget, its ten
 * variants 3 s. */
static const double REF_MAX_FLOPS = 2e8;

static void emit_wrapper(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_template *t, const char *fname)
{
    ait_emit_kernel(b, g, n, fname, t);
    int args = n->n_in + n->n_out + (t->scratch_bytes && t->scratch_bytes(g, n) > 0);
    ait_sb_printf(b, "void ait_kb_%s(void *const *a)\n{\n%s(", fname, fname);
    for (int i = 0; i < args; i++)
        ait_sb_printf(b, "%sa[%d]", i ? ", " : "", i);
    ait_sb_puts(b, ");\n}\n\n");
}

typedef void (*kb_fn)(void *const *a);

/* Arguments of one kernel: constants from the graph, shared random activations, its own
 * outputs and scratch. */
static void **args_for(const ait_graph *g, const ait_node *n, const ait_template *t, void **act)
{
    void **a = calloc((size_t)(n->n_in + n->n_out + 1), sizeof *a);
    for (int i = 0; i < n->n_in; i++) {
        const ait_tensor *x = ait_node_in(g, n, i);
        if (!x)
            continue;
        if (x->data) {
            a[i] = x->data;
            continue;
        }
        int id = n->in[i];
        if (!act[id]) {
            int64_t cnt = ait_tensor_numel(x);
            float *v = malloc(sizeof(float) * (size_t)(cnt + 1));
            for (int64_t j = 0; j < cnt; j++)
                v[j] = (float)((double)rand() / RAND_MAX * 2 - 1);
            act[id] = v;
        }
        a[i] = act[id];
    }
    for (int i = 0; i < n->n_out; i++)
        a[n->n_in + i] = calloc((size_t)ait_tensor_numel(ait_node_out(g, n, i)) + 16, sizeof(float));
    size_t sb = t->scratch_bytes ? t->scratch_bytes(g, n) : 0;
    if (sb)
        a[n->n_in + n->n_out] = aligned_alloc(64, (sb + 64) / 64 * 64);
    return a;
}

/* The argument sets a variant's timed calls take in turn: one, or in the cold mode copies of
 * its constants that together span o->cold_bytes (2 to MAX_COPIES sets). */
typedef struct {
    void ***set;
    int n, next;
} rotation;

enum { MAX_COPIES = 512 };

static const ait_tensor *constant_in(const ait_graph *g, const ait_node *n, int i)
{
    const ait_tensor *x = ait_node_in(g, n, i);
    return x && x->data ? x : NULL;
}

/* A copy of argument set a with its constants copied too; NULL when short of memory. */
static void **copy_constants(const ait_graph *g, const ait_node *n, void *const *a)
{
    size_t slots = (size_t)(n->n_in + n->n_out + 1);
    void **c = malloc(slots * sizeof *c);
    if (!c)
        return NULL;
    memcpy(c, a, slots * sizeof *c);
    for (int i = 0; i < n->n_in; i++) {
        const ait_tensor *x = constant_in(g, n, i);
        if (!x)
            continue;
        if ((c[i] = malloc(ait_tensor_bytes(x) + 64)) == NULL)
            return NULL;
        memcpy(c[i], a[i], ait_tensor_bytes(x));
    }
    return c;
}

static void rotation_init(rotation *rt, const ait_graph *g, const ait_node *n, void **a, size_t span)
{
    size_t bytes = 0;
    for (int i = 0; i < n->n_in; i++)
        if (constant_in(g, n, i))
            bytes += ait_tensor_bytes(constant_in(g, n, i));
    size_t sets = 1;
    if (span && bytes) {
        sets = span / bytes + 1;
        sets = sets < 2 ? 2 : sets > MAX_COPIES ? MAX_COPIES : sets;
    }
    rt->set = calloc(sets, sizeof *rt->set);
    rt->set[0] = a;
    rt->n = 1;
    rt->next = 0;
    /* short of memory: fewer sets, never a failed search (the sandboxed child frees all at exit) */
    while ((size_t)rt->n < sets && (rt->set[rt->n] = copy_constants(g, n, a)) != NULL)
        rt->n++;
}

static double time_calls(kb_fn f, rotation *rt, int reps)
{
    double t0 = ait_now_s();
    for (int r = 0; r < reps; r++) {
        f(rt->set[rt->next]);
        rt->next = (rt->next + 1) % rt->n;
    }
    return (ait_now_s() - t0) / reps;
}

/* In the child: values[i] is variant i's median seconds per call, -1 if it disagrees
 * with the reference (quantized or heavy: with the default, variant 0). */
static void child(void *ctx, ait_sandbox_result *res)
{
    const bench *bn = ctx;
    const ait_graph *g = bn->g;
    ait_compiled *m = NULL;
    ait_diag d = {0};
    ait_compile_opts co = {.flags = bn->o->flags, .libs = g->tasks > 1 ? "-pthread" : NULL};
    ait_status built = bn->n_parts > 1 ? ait_gcc_build_parts(bn->parts, bn->n_parts, &co, &m, &d)
                                       : bn->o->cc->build(bn->parts[0], &co, &m, &d);
    if (built != AIT_OK) {
        res->code = d.code;
        snprintf(res->msg, sizeof res->msg, "%s", d.msg);
        return;
    }
    void **act = calloc((size_t)g->n_t + 1, sizeof *act);
    const ait_template *rt = ait_reference_template(bn->ref->op);
    void **ra = args_for(g, bn->ref, rt, act);
    const float *want = ra[bn->ref->n_in];
    int64_t cnt = ait_tensor_numel(ait_node_out(g, bn->ref, 0));
    double scale = 0;
    if (!bn->heavy) {
        ((kb_fn)bn->o->cc->sym(m, "ait_kb_ref"))(ra);
        for (int64_t j = 0; j < cnt; j++)
            scale = fmax(scale, fabs(want[j]));
    }
    kb_fn fn[MAX_VARIANTS];
    void **va[MAX_VARIANTS];
    int reps[MAX_VARIANTS];
    rotation rot[MAX_VARIANTS];
    for (int v = 0; v < bn->n_var; v++) {
        char sym[32];
        snprintf(sym, sizeof sym, "ait_kb_v%d", v);
        fn[v] = (kb_fn)bn->o->cc->sym(m, sym);
        va[v] = args_for(g, bn->var[v], bn->vt[v], act);
        rotation_init(&rot[v], g, bn->var[v], va[v], bn->o->cold_bytes);
    }
    for (int v = 0; v < bn->n_var; v++) {
        if (!fn[v]) {
            res->values[v] = -1;
            continue;
        }
        fn[v](va[v]);
        const float *got = va[v][bn->var[v]->n_in];
        res->values[v] = 0;
        if ((bn->quantized || bn->heavy) && v == 0) {
            want = got;
            scale = 0;
            for (int64_t j = 0; j < cnt; j++)
                scale = fmax(scale, fabs(want[j]));
        }
        for (int64_t j = 0; j < cnt; j++)
            if (!(fabs(got[j] - want[j]) <= 1e-3 * fabs(want[j]) + 1e-5 * scale + 1e-6)) {
                res->values[v] = -1;
                break;
            }
        /* enough calls per sample to last ~0.3 ms */
        double once = time_calls(fn[v], &rot[v], 1);
        reps[v] = once > 3e-4 ? 1 : (int)(3e-4 / (once + 1e-9)) + 1;
    }
    double t[MAX_VARIANTS][ROUNDS];
    for (int r = 0; r < ROUNDS; r++)
        for (int v = 0; v < bn->n_var; v++)
            if (res->values[v] == 0)
                t[v][r] = time_calls(fn[v], &rot[v], reps[v]);
    for (int v = 0; v < bn->n_var; v++)
        if (res->values[v] == 0)
            res->values[v] = ait_median(t[v], ROUNDS);
    res->code = AIT_OK;
}

/* What identifies a search: the op as the reference emits it (shapes, attributes,
 * epilogue), the backend, its variants, compiler and flags. */
static unsigned long long search_key(const ait_graph *g, const ait_node *n, const ait_backend *b,
                                     int (*knobs)[AIT_MAX_KNOBS], int nv, const ait_knob_opts *o)
{
    ait_sb s = {0};
    ait_emit_kernel(&s, g, n, "k", ait_reference_template(n->op));
    ait_sb_printf(&s, "knob-search 1 %s %s %s %s tasks %d weights %s\n", b->name, b->key_extra ? b->key_extra : "",
                  o->cc->name, o->flags ? o->flags : "", g->tasks, o->cold_bytes ? "cold" : "hot");
    for (int v = 0; v < nv; v++) {
        char k[64];
        ait_knobs_format(knobs[v], k, sizeof k);
        ait_sb_printf(&s, "%s;", k);
    }
    /* the node's name is in the kernel's comment line: skip it so equal ops share */
    const char *body = strchr(s.s, '\n');
    unsigned long long h = XXH64(body, strlen(body), 0);
    ait_sb_free(&s);
    return h;
}

/* The key of the node's main work alone: its epilogue (fused activations, a residual Add and
 * the input that brings it) set aside.  The fastest tiling hardly depends on what is done to
 * each output element once, so ResNet's convolutions that differ only in that share one
 * search, and the budget goes to shapes not yet seen. */
static unsigned long long shape_key(const ait_graph *g, const ait_node *n, const ait_backend *b,
                                    int (*knobs)[AIT_MAX_KNOBS], int nv, const ait_knob_opts *o)
{
    ait_node bare = *n;
    for (int i = 0; i < n->n_epi; i++)
        if (n->epi[i].kind == AIT_EPI_ADD && n->epi[i].input < bare.n_in)
            bare.n_in = n->epi[i].input;
    while (bare.n_in > 0 && bare.in[bare.n_in - 1] < 0)
        bare.n_in--;
    bare.n_epi = 0;
    return search_key(g, &bare, b, knobs, nv, o);
}

/* Builds and measures one node's variants; fills the choice.  Returns 0 on success. */
static int measure(ait_graph *g, ait_node *n, const ait_backend *b, int (*knobs)[AIT_MAX_KNOBS], int nv,
                   const ait_knob_opts *o, ait_knob_choice *c, char *why, size_t why_n)
{
    bench bn = {.g = g, .ref = n, .o = o, .quantized = b->quantized, .heavy = ait_node_flops(g, n) > REF_MAX_FLOPS};
    /* with gcc, two parts compiled at once, one on each core: each variant goes to the shorter */
    ait_sb parts[N_PARTS] = {{0}};
    bn.n_parts = o->cc == &ait_compiler_gcc ? N_PARTS : 1;
    for (int i = 0; i < bn.n_parts; i++) {
        ait_sb_puts(&parts[i], "#include <math.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n");
        if (b->prelude)
            ait_sb_puts(&parts[i], b->prelude(b));
        if (g->tasks > 1 && g->par_for)
            ait_sb_printf(&parts[i], "void %s(int n_tasks, void (*task)(void *arg, int i), void *arg);\n", g->par_for);
    }
    if (!bn.heavy)
        emit_wrapper(&parts[0], g, n, ait_reference_template(n->op), "ref");
    int default_split = 0;
    for (int v = 0; v < nv; v++) {
        ait_node *x = AIT_NEW(g->arena, ait_node, 1);
        *x = *n;
        memcpy(x->knobs, knobs[v], sizeof x->knobs);
        b->prepare_node(b, g, x);
        const ait_template *t = b->template_for(b, g, x);
        if (!t || (t->applies && !t->applies(g, x)))
            continue;
        if (v == 0)
            default_split = ait_kernel_phases(g, x, t) > 0;
        else if (x->knobs[AIT_KNOB_SERIAL] && !default_split)
            continue; /* the default already runs as one task */
        char fname[16];
        snprintf(fname, sizeof fname, "v%d", bn.n_var);
        emit_wrapper(&parts[bn.n_parts > 1 && parts[1].len < parts[0].len], g, x, t, fname);
        memcpy(knobs[bn.n_var], knobs[v], sizeof knobs[v]);
        bn.var[bn.n_var] = x;
        bn.vt[bn.n_var++] = t;
    }
    if (g->tasks > 1 && g->par_for) { /* the variants run in the threads the code will */
        size_t nl = strlen(g->par_for) - strlen("_parallel_for");
        ait_emit_thread_pool(&parts[0], ait_arena_printf(g->arena, "%.*s", (int)nl, g->par_for), g->tasks);
    }
    for (int i = 0; i < bn.n_parts; i++)
        bn.parts[i] = parts[i].s;
    ait_sandbox_result r;
    ait_sandbox_run(child, &bn, o->timeout_s, &r);
    for (int i = 0; i < N_PARTS; i++)
        ait_sb_free(&parts[i]);
    if (r.code != AIT_OK) {
        snprintf(why, why_n, "%s", r.msg);
        return -1;
    }
    double flops = ait_node_flops(g, n);
    int best = -1;
    for (int v = 0; v < bn.n_var; v++)
        if (r.values[v] > 0 && (best < 0 || r.values[v] < r.values[best]))
            best = v;
    if (best < 0 || r.values[0] <= 0) {
        snprintf(why, why_n, "%s", best < 0 ? "no variant matched the reference" : "the default did not match");
        return -1;
    }
    memcpy(c->knobs, knobs[best], sizeof c->knobs);
    c->gflops = flops / r.values[best] * 1e-9;
    c->default_gflops = flops / r.values[0] * 1e-9;
    c->n_variants = bn.n_var;
    return 0;
}

/* The choice travels through the cache as a trial result: msg holds the knobs, throughput
 * and latency_s the chosen and default GFLOP/s. */
static void to_result(const ait_knob_choice *c, ait_trial_result *r)
{
    memset(r, 0, sizeof *r);
    ait_knobs_format(c->knobs, r->msg, sizeof r->msg);
    r->throughput = c->gflops;
    r->latency_s = c->default_gflops;
    r->profile_batch = c->n_variants;
}

static int from_result(const ait_trial_result *r, ait_knob_choice *c)
{
    if (r->status != AIT_OK || ait_knobs_parse(r->msg, c->knobs) != 0)
        return -1;
    c->gflops = r->throughput;
    c->default_gflops = r->latency_s;
    c->n_variants = r->profile_batch;
    return 0;
}

/* The node's variants: the backend's, and with threads the default run as one task where the
 * default is split, so the search finds the kernels too small to gain from a hand-off.  A node
 * the backend has no variants for (depthwise, pools) is asked of its template without packing
 * (their kernels pack nothing); one that has them is checked in measure(), once packed. */
static int node_variants(ait_graph *g, const ait_backend *b, const ait_node *n, int (*knobs)[AIT_MAX_KNOBS])
{
    int nv = b->variants(b, g, n, knobs, BACKEND_VARIANTS);
    int guess = b->guess && nv > 1 ? b->guess(b, g, n, knobs, nv) : 0;
    if (guess > 0 && guess < nv) { /* the expected fastest first: the default */
        int t[AIT_MAX_KNOBS];
        memcpy(t, knobs[0], sizeof t);
        memcpy(knobs[0], knobs[guess], sizeof t);
        memcpy(knobs[guess], t, sizeof t);
    }
    if (!ait_split(g, n) || !g->par_for)
        return nv;
    if (nv < 2) {
        ait_node x = *n;
        memset(x.knobs, 0, sizeof x.knobs);
        const ait_template *t = b->template_for(b, g, &x);
        if (!t || (t->applies && !t->applies(g, &x)) || !ait_kernel_phases(g, &x, t))
            return nv;
        memset(knobs[0], 0, sizeof knobs[0]);
        nv = 1;
    }
    memcpy(knobs[nv], knobs[0], sizeof knobs[0]);
    knobs[nv][AIT_KNOB_SERIAL] = 1;
    return nv + 1;
}

/* One op the search visits: its plan entry, keys, and the FLOPs of every op that shares its
 * shape (their search is this op's). */
typedef struct {
    ait_node *n;
    unsigned long long key, shape;
    double weight;
    int order; /* position in the plan, which stays in node order */
} search_item;

/* Heaviest shape first, so a budget that runs out leaves the lightest ops on default knobs;
 * ties in node order. */
static int by_weight(const void *pa, const void *pb)
{
    const search_item *a = pa, *b = pb;
    if (a->weight != b->weight)
        return a->weight > b->weight ? -1 : 1;
    return a->order - b->order;
}

void ait_knob_search(ait_arena *a, ait_graph *g, const ait_backend *b, const ait_knob_opts *o, ait_knob_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    if (!b->variants || !b->prepare_node)
        return;
    double t0 = ait_now_s();
    plan->c = AIT_NEW(a, ait_knob_choice, g->n_nodes + 1);
    search_item *items = AIT_NEW(a, search_item, g->n_nodes + 1);
    int n_nodes = g->n_nodes; /* variants add no nodes, only tensors */
    for (int k = 0; k < n_nodes; k++) {
        ait_node *n = &g->nodes[k];
        int knobs[MAX_VARIANTS][AIT_MAX_KNOBS];
        if (n->folded || n->removed)
            continue;
        int nv = node_variants(g, b, n, knobs);
        if (nv < 2)
            continue;
        search_item *it = &items[plan->n];
        *it = (search_item){.n = n, .order = plan->n, .weight = ait_node_flops(g, n)};
        it->key = search_key(g, n, b, knobs, nv, o);
        it->shape = shape_key(g, n, b, knobs, nv, o);
        plan->c[plan->n].node = n->name;
        plan->c[plan->n++].op = n->op_type;
    }
    double *group = AIT_NEW(a, double, plan->n + 1);
    int *first = AIT_NEW(a, int, plan->n + 1); /* the first op of each op's shape */
    for (int i = 0; i < plan->n; i++) {
        for (first[i] = 0; items[first[i]].shape != items[i].shape; first[i]++)
            ;
        group[first[i]] += items[i].weight;
    }
    for (int i = 0; i < plan->n; i++)
        items[i].weight = group[first[i]];
    qsort(items, (size_t)plan->n, sizeof *items, by_weight);
    char *done = AIT_NEW(a, char, plan->n + 1); /* by plan position: searched or cached, no why */
    for (int s = 0; s < plan->n; s++) {
        search_item *it = &items[s];
        ait_node *n = it->n;
        ait_knob_choice *c = &plan->c[it->order];
        int same = -1, alike = -1;
        for (int i = 0; i < s && same < 0; i++)
            if (done[items[i].order]) {
                if (items[i].key == it->key)
                    same = items[i].order;
                else if (items[i].shape == it->shape && alike < 0)
                    alike = items[i].order;
            }
        if (same >= 0 || alike >= 0) { /* an op like one already searched */
            ait_knob_choice first = plan->c[same >= 0 ? same : alike];
            *c = first;
            c->node = n->name;
            c->op = n->op_type;
            c->cached = 1;
            if (same < 0) /* an exact twin keeps first.like: its knobs come from there too */
                c->like = first.like ? first.like : first.node;
            plan->cached++;
            done[it->order] = 1;
            continue;
        }
        ait_trial_result r;
        if (ait_cache_get(o->cache_dir, it->key, &r) == AIT_CACHE_HIT && from_result(&r, c) == 0) {
            c->cached = 1;
            plan->cached++;
            done[it->order] = 1;
            continue;
        }
        int knobs[MAX_VARIANTS][AIT_MAX_KNOBS];
        int nv = node_variants(g, b, n, knobs);
        if (ait_now_s() - t0 > o->budget_s) { /* the backend's guess, unmeasured */
            memcpy(c->knobs, knobs[0], sizeof c->knobs);
            c->why = "budget_s spent: default knobs";
            plan->skipped++;
            continue;
        }
        char why[1100];
        if (measure(g, n, b, knobs, nv, o, c, why, sizeof why) != 0) {
            memset(c->knobs, 0, sizeof c->knobs);
            c->why = ait_arena_printf(a, "not searched: %s", why);
            plan->skipped++;
            if (o->log)
                fprintf(o->log, "   !! knob search of %s (%s): %s\n", ait_esc_str(a, AIT_ESC_TEXT, n->name), n->op_type,
                        why);
            continue;
        }
        plan->measured++;
        done[it->order] = 1;
        to_result(c, &r);
        ait_cache_put(o->cache_dir, it->key, &r);
    }
    plan->seconds = ait_now_s() - t0;
    plan->cold = o->cold_bytes > 0;
}

int ait_knob_plan_apply(const ait_knob_plan *p, ait_graph *g)
{
    int found = 0;
    for (int i = 0; i < p->n; i++)
        for (int k = 0; k < g->n_nodes; k++)
            if (strcmp(g->nodes[k].name, p->c[i].node) == 0) {
                memcpy(g->nodes[k].knobs, p->c[i].knobs, sizeof g->nodes[k].knobs);
                found++;
                break;
            }
    return found;
}
