/* Recording live calls, tuning them through the pipeline aitune-gen runs, and the tuned code:
 * the files aitune-gen writes, built into a shared object and swapped in. */
#define _GNU_SOURCE /* mkdtemp */
#include "runtime/rt.h"

#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ir/dtype.h"
#include "ir/escape.h"
#include "strategies/pipeline.h"

/* --- recording ----------------------------------------------------------------------- */

static int recorded_like(const ait_module *m, const ait_rt_tensor *in, int n_in)
{
    int same = 0;
    for (int i = 0; i < m->n_rec; i++) {
        int eq = 1;
        for (int k = 0; k < n_in && eq; k++)
            eq = m->rec[i].in[k].rank == in[k].rank &&
                 !memcmp(m->rec[i].in[k].dims, in[k].dims, sizeof(int64_t) * (size_t)in[k].rank);
        same += eq;
    }
    return same;
}

int ait_rt_record(ait_module *m, const ait_rt_tensor *in, int n_in)
{
    /* bounded as the seeds' samples per graph: per shape as many as aitune-gen records per batch
     * size, and all of them within tune.max_total_bytes */
    size_t bytes = 0;
    for (int k = 0; k < n_in; k++)
        bytes += ait_rt_bytes(&in[k]);
    int per_shape = m->cfg.max_batches_per_size > m->cfg.jit_min_samples ? m->cfg.max_batches_per_size
                                                                          : m->cfg.jit_min_samples;
    if (m->n_rec == AIT_RT_MAX_RECORDED || recorded_like(m, in, n_in) >= per_shape ||
        m->rec_bytes + bytes > m->cfg.max_total_bytes)
        return 0;
    if (!m->rec && !(m->rec = calloc(AIT_RT_MAX_RECORDED, sizeof *m->rec)))
        return ait_rt_fail(AIT_E_IO, "out of memory");
    ait_sample *s = &m->rec[m->n_rec];
    s->in = AIT_NEW(&m->rec_arena, ait_tensor, n_in + 1);
    s->origin = ait_arena_printf(&m->rec_arena, "%s: recorded call %d", m->label, m->n_rec);
    for (int k = 0; k < n_in; k++) {
        ait_tensor *t = &s->in[k];
        t->name = m->g->t[m->g->inputs[k]].name;
        t->dtype = in[k].dtype;
        t->rank = in[k].rank;
        memcpy(t->dims, in[k].dims, sizeof(int64_t) * (size_t)in[k].rank);
        t->producer = -1;
        t->is_input = 1;
        size_t nb = ait_tensor_bytes(t);
        t->data = ait_arena_memdup(&m->rec_arena, in[k].data, nb ? nb : 1);
    }
    m->rec_bytes += bytes;
    m->n_rec++;
    return 0;
}

void ait_rt_recording_free(ait_module *m)
{
    free(m->rec);
    m->rec = NULL;
    m->n_rec = 0;
    m->rec_bytes = 0;
    ait_arena_free_all(&m->rec_arena);
}

/* --- the tuned code ------------------------------------------------------------------- */

typedef struct {
    ait_rt_tuned *t;
    char flags[256], libs[128];
    int threads;
    int bad;
} manifest_read;

static int shape_into(const char *v, int *rank, int64_t *dims)
{
    *rank = 0;
    if (strcmp(v, "scalar") == 0)
        return 1;
    for (const char *p = v; *p;) {
        char *end;
        long long x = strtoll(p, &end, 10);
        if (end == p || x < 0 || *rank == AIT_MAX_RANK)
            return 0;
        dims[(*rank)++] = x;
        p = *end == 'x' ? end + 1 : end;
        if (*end && *end != 'x')
            return 0;
    }
    return 1;
}

static int on_manifest(void *user, const char *section, const char *key, const char *value)
{
    manifest_read *r = user;
    ait_rt_tuned *t = r->t;
    int k, used = -1;
    if (!strcmp(section, "choice") && !strcmp(key, "backend"))
        snprintf(t->backend, sizeof t->backend, "%s", value);
    else if (!strcmp(section, "choice") && !strcmp(key, "flags"))
        snprintf(r->flags, sizeof r->flags, "%s", value);
    else if (!strcmp(section, "choice") && !strcmp(key, "threads"))
        r->threads = atoi(value);
    else if (!strcmp(section, "choice") && !strcmp(key, "deps"))
        snprintf(r->libs, sizeof r->libs, "%s", strcmp(value, "openblas") == 0 ? "-lopenblas" : "");
    else if (!strcmp(section, "spec") && !strcmp(key, "max_batch"))
        t->max_batch = atoi(value);
    else if (!strcmp(section, "spec") && sscanf(key, "input%d_shape%n", &k, &used) == 1 && used == (int)strlen(key)) {
        if (k < 0 || k >= AIT_RT_MAX_IO || !shape_into(value, &t->rank[k], t->dims[k]))
            return r->bad = 1, 0;
        t->n_in = k + 1 > t->n_in ? k + 1 : t->n_in;
    } else if (!strcmp(section, "spec") && sscanf(key, "input%d_batched%n", &k, &used) == 1 &&
               used == (int)strlen(key)) {
        if (k < 0 || k >= AIT_RT_MAX_IO)
            return r->bad = 1, 0;
        t->batched_in[k] = atoi(value);
    } else if (!strcmp(section, "spec") && sscanf(key, "dim%d%n", &k, &used) == 1 && used == (int)strlen(key)) {
        if (k != t->n_dims || k >= 8 || sscanf(value, "%lld %lld", &t->dim_lo[k], &t->dim_hi[k]) != 2)
            return r->bad = 1, 0;
        t->n_dims++;
    } else if (!strcmp(section, "spec") && sscanf(key, "input%d_dims%n", &k, &used) == 1 &&
               used == (int)strlen(key)) {
        if (k < 0 || k >= AIT_RT_MAX_IO)
            return r->bad = 1, 0;
        const char *p = value;
        for (int ax = 0; ax < AIT_MAX_RANK && *p; ax++) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p || v < -1 || v >= 8)
                return r->bad = 1, 0;
            t->dim_of[k][ax] = (int)v;
            p = end;
            while (*p == ' ')
                p++;
        }
    }
    return 1;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}


void ait_rt_tuned_free(ait_rt_tuned *t)
{
    if (!t)
        return;
    if (t->so)
        (t->loaded_with_tcc ? ait_compiler_tcc : ait_compiler_gcc).release(t->so);
    free(t->ws);
    if (t->owned)
        ait_rt_remove_dir(t->dir);
    free(t);
}

/* The arena size and the entry points, from the shared object or libtcc's build of the files. */
static int open_code(ait_rt_tuned *t, const manifest_read *r, int build)
{
    char so[1200], shim[1200];
    snprintf(so, sizeof so, "%s/%s.so", t->dir, t->name);
    snprintf(shim, sizeof shim, "%s/%s_rt.c", t->dir, t->name);
    ait_diag d = {0};
    if (!exists(shim)) { /* the arena size as a symbol, beside the model's files */
        FILE *f = fopen(shim, "w");
        if (!f)
            return ait_rt_fail(AIT_E_IO, "%s: cannot write: %s", shim, strerror(errno));
        char up[64];
        for (size_t i = 0; i <= strlen(t->name); i++)
            up[i] = (char)(t->name[i] >= 'a' && t->name[i] <= 'z' ? t->name[i] - 32 : t->name[i]);
        fprintf(f, "#include \"%s.h\"\nunsigned long long aitune_rt_arena_bytes(void);\n"
                   "unsigned long long aitune_rt_arena_bytes(void) { return %s_ARENA_BYTES; }\n",
                t->name, up);
        fclose(f);
    }
    if (build && !exists(so)) { /* how an app builds it: the model's files and the shim */
        char files[4][1200];
        const char *list[4];
        int n = 0;
        snprintf(files[n], sizeof files[n], "%s/%s.c", t->dir, t->name), list[n] = files[n], n++;
        snprintf(files[n], sizeof files[n], "%s/%s_weights.c", t->dir, t->name);
        if (exists(files[n]))
            list[n] = files[n], n++;
        snprintf(files[n], sizeof files[n], "%s/%s_pthreads.c", t->dir, t->name);
        if (exists(files[n]))
            list[n] = files[n], n++;
        list[n++] = shim;
        if (ait_gcc_build_files(list, n, r->flags, r->libs, so, &d) != AIT_OK)
            return ait_rt_fail_diag(&d);
    }
    char sym[96];
    if (exists(so)) {
        if (ait_gcc_open(so, &t->so, &d) != AIT_OK)
            return ait_rt_fail_diag(&d);
    } else { /* no gcc here: the files compiled in-process (tiled and reference code is plain C99) */
        if (strpbrk(t->dir, "\"\\\n"))
            return ait_rt_fail(AIT_E_IO, "%s: a folder name with quotes or backslashes cannot be compiled by libtcc",
                               t->dir);
        char *unit = NULL;
        size_t len = 0;
        FILE *u = open_memstream(&unit, &len);
        fprintf(u, "#include \"%s/%s.c\"\n", t->dir, t->name);
        char w[1200];
        snprintf(w, sizeof w, "%s/%s_weights.c", t->dir, t->name);
        if (exists(w))
            fprintf(u, "#include \"%s\"\n", w);
        fprintf(u, "#include \"%s\"\n", shim);
        fclose(u);
        ait_compile_opts co = {0};
        ait_status s = ait_compiler_tcc.build(unit, &co, &t->so, &d);
        free(unit);
        if (s != AIT_OK)
            return ait_rt_fail_diag(&d);
        t->loaded_with_tcc = 1;
    }
    const ait_compiler *cc = t->loaded_with_tcc ? &ait_compiler_tcc : &ait_compiler_gcc;
    unsigned long long (*arena)(void) = (unsigned long long (*)(void))cc->sym(t->so, "aitune_rt_arena_bytes");
    snprintf(sym, sizeof sym, "%s_run_io", t->name);
    t->run = (ait_rt_run_io)cc->sym(t->so, sym);
    snprintf(sym, sizeof sym, "%s_run_dims", t->name);
    t->run_dims = t->n_dims ? (ait_rt_run_dims)cc->sym(t->so, sym) : NULL;
    if (!arena || !t->run || (t->n_dims && !t->run_dims))
        return ait_rt_fail(AIT_E_COMPILE, "%s: the tuned code lacks its entry points", t->dir);
    t->arena = (size_t)arena();
    t->ws = aligned_alloc(64, (t->arena + 64) / 64 * 64);
    return t->ws ? 0 : ait_rt_fail(AIT_E_IO, "cannot allocate the tuned code's %zu byte arena", t->arena);
}

static int tuned_open(const char *dir, const char *name, int build, ait_rt_tuned **out)
{
    ait_rt_tuned *t = calloc(1, sizeof *t);
    if (!t)
        return ait_rt_fail(AIT_E_IO, "out of memory");
    snprintf(t->dir, sizeof t->dir, "%s", dir);
    snprintf(t->name, sizeof t->name, "%s", name);
    for (int k = 0; k < AIT_RT_MAX_IO; k++)
        for (int ax = 0; ax < AIT_MAX_RANK; ax++)
            t->dim_of[k][ax] = -1;
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.manifest.ini", dir, name);
    manifest_read r = {.t = t, .threads = 1};
    int line = ini_parse(path, on_manifest, &r);
    int rc = 0;
    if (line != 0 || r.bad || !t->backend[0])
        rc = ait_rt_fail(AIT_E_PARSE, "%s:%d: not a manifest this libaitune reads", path, line > 0 ? line : 0);
    if (!rc)
        rc = open_code(t, &r, build);
    if (rc) {
        ait_rt_tuned_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int ait_rt_tuned_open(const char *dir, const char *name, ait_rt_tuned **out)
{
    return tuned_open(dir, name, 0, out);
}

int ait_rt_fits(const ait_rt_tuned *t, ait_rt_shape *sh)
{
    if (sh->tuned_fit >= 0)
        return sh->tuned_fit;
    int ok = sh->n_in == t->n_in, batch = 1, seen_batch = 0;
    int dimv[8] = {0};
    for (int k = 0; k < sh->n_in && ok; k++) {
        ok = sh->rank[k] == t->rank[k];
        for (int ax = 0; ax < sh->rank[k] && ok; ax++) {
            int64_t v = sh->dims[k][ax];
            int j = t->dim_of[k][ax];
            if (ax == 0 && t->batched_in[k] && t->max_batch > 1) {
                ok = v >= 1 && v <= t->max_batch && (!seen_batch || v == batch);
                batch = (int)v;
                seen_batch = 1;
            } else if (j >= 0 && j < t->n_dims) {
                ok = v >= t->dim_lo[j] && v <= t->dim_hi[j] && (!dimv[j] || dimv[j] == v);
                dimv[j] = (int)v;
            } else {
                ok = v == t->dims[k][ax];
            }
        }
    }
    sh->tuned_fit = ok;
    sh->batch = batch;
    memcpy(sh->dimv, dimv, sizeof dimv);
    return ok;
}

int ait_rt_run_tuned(ait_rt_tuned *t, const ait_rt_shape *sh, const void *const *in, void *const *out)
{
    int rc = t->run_dims ? t->run_dims(t->ws, in, out, sh->batch, sh->dimv) : t->run(t->ws, in, out, sh->batch);
    return rc ? ait_rt_fail(AIT_E_RUNTIME, "%s: the tuned code returned %d", t->name, rc) : 0;
}

/* --- tuning --------------------------------------------------------------------------- */

/* Batch sizes from the calls: axis 0 of the inputs with a batch axis, when the calls agree on
 * it; none (1) when no input has one. */
static int batch_sizes(const ait_module *m, int *sizes, int *n, char *why, size_t nw)
{
    *n = 0;
    const ait_graph *g = m->g;
    for (int i = 0; i < m->n_rec; i++) {
        int b = -1;
        for (int k = 0; k < g->n_inputs; k++) {
            if (!ait_input_has_batch_axis(&g->t[g->inputs[k]]) || m->rec[i].in[k].rank < 1)
                continue;
            int v = (int)m->rec[i].in[k].dims[0];
            if (b >= 0 && v != b)
                return snprintf(why, nw, "call %d: the inputs disagree on axis 0 (%d and %d)", i, b, v), 0;
            b = v;
        }
        if (b < 0)
            break;
        int j = 0;
        while (j < *n && sizes[j] < b)
            j++;
        if (j < *n && sizes[j] == b)
            continue;
        if (*n == AIT_MAX_BATCH_SIZES)
            return snprintf(why, nw, "more than %d batch sizes", AIT_MAX_BATCH_SIZES), 0;
        memmove(sizes + j + 1, sizes + j, sizeof *sizes * (size_t)(*n - j));
        sizes[j] = b;
        (*n)++;
    }
    if (!*n)
        sizes[(*n)++] = 1;
    return 1;
}

typedef struct {
    ait_module *m;
    ait_config cfg;
    ait_sample *samples;
    int n;
    char dir[1024];
    double t0;
} tune_job;

/* The pipeline, then the build: no module state is touched here (it may run on a thread of
 * its own while calls go on). */
static int run_job(tune_job *j, ait_rt_tuned **out)
{
    ait_diag d = {0};
    /* the pipeline's log: to stderr with AITUNE_JIT_LOG=info; kept for the reasons of a failure */
    char *text = NULL;
    size_t len = 0;
    FILE *log = open_memstream(&text, &len);
    ait_tune_opts o = {.cmdline = "libaitune ait_module_tune", .log = log, .samples = j->samples,
                       .n_samples = j->n};
    ait_status s = ait_tune_config(&j->cfg, &o, &d);
    if (log)
        fclose(log);
    if (text && j->m->log_info)
        fputs(text, stderr);
    if (s != AIT_OK) {
        /* the candidates' failures ("   x  ..." lines) say why no backend won */
        size_t k = strlen(d.msg);
        char *save = NULL;
        for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line && k + 4 < sizeof d.msg;
             line = strtok_r(NULL, "\n", &save))
            if (strncmp(line, "   x  ", 6) == 0)
                k += (size_t)snprintf(d.msg + k, sizeof d.msg - k, "; %s", line + 6);
        free(text);
        return ait_rt_fail_diag(&d);
    }
    free(text);
    int rc = tuned_open(j->dir, j->cfg.name, j->m->gcc, out); /* no gcc: libtcc compiles the files */
    if (!rc)
        (*out)->owned = 1;
    return rc;
}

static void finish_job(tune_job *j, int rc, ait_rt_tuned *t)
{
    ait_module *m = j->m;
    double took = ait_rt_now() - j->t0;
    if (rc) {
        snprintf(m->pending_error, sizeof m->pending_error, "%s", ait_last_error());
        m->pending_failed = 1;
        ait_rt_remove_dir(j->dir);
    } else {
        m->pending = t;
        ait_rt_history(m, "Tuning %s took %.2fs: %s", m->label, took, t->backend);
    }
}

static void *tuner_thread(void *p)
{
    tune_job *j = p;
    ait_rt_tuned *t = NULL;
    int rc = run_job(j, &t);
    pthread_mutex_lock(&j->m->lock);
    finish_job(j, rc, t);
    if (!rc)
        ait_rt_cache_store(j->m);
    j->m->tuning = 0;
    pthread_mutex_unlock(&j->m->lock);
    free(j);
    return NULL;
}

/* The config a module tunes with: its own, with the JIT's backends and strategy, the calls'
 * batch sizes, a fresh folder for the files and the module's name as their prefix. */
static int job_config(ait_module *m, tune_job *j)
{
    j->cfg = m->cfg;
    ait_diag d = {0};
    char set[600];
    if (m->jit && *m->cfg.jit_backends) {
        snprintf(set, sizeof set, "tune.backends=%s", m->cfg.jit_backends);
        if (ait_config_set(&j->cfg, set, &d) != AIT_OK)
            return ait_rt_fail_diag(&d);
    }
    if (m->jit && *m->cfg.jit_strategy) {
        snprintf(set, sizeof set, "tune.strategy=%s", m->cfg.jit_strategy);
        if (ait_config_set(&j->cfg, set, &d) != AIT_OK)
            return ait_rt_fail_diag(&d);
    }
    if (!m->gcc) { /* no gcc on this machine: trials with libtcc, code it can compile */
        ait_config_set(&j->cfg, "tune.compiler=tcc", &d);
        ait_config_set(&j->cfg, "tune.backends=tiled,reference", &d);
        j->cfg.threads = 1;
    }
    char why[256];
    if (!batch_sizes(m, j->cfg.batch_sizes, &j->cfg.n_batch_sizes, why, sizeof why))
        return ait_rt_fail(AIT_E_SHAPE, "%s: %s", m->label, why);
    if (m->jit && m->cfg.jit_batch_axis_required && j->cfg.n_batch_sizes < 2)
        return ait_rt_fail(AIT_E_SHAPE, "%s: no batch axis varies across the recorded calls (jit.batch_axis_required)",
                           m->label);
    snprintf(j->cfg.name, sizeof j->cfg.name, "%s", m->cname);
    snprintf(j->cfg.model_path, sizeof j->cfg.model_path, "%s", m->model_path);
    snprintf(j->cfg.path, sizeof j->cfg.path, "%s", "libaitune");
    j->cfg.samples_path[0] = 0;
    j->cfg.n_modules = 0;
    const char *tmp = getenv("TMPDIR");
    snprintf(j->dir, sizeof j->dir, "%s/aitune-rt-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(j->dir))
        return ait_rt_fail(AIT_E_IO, "%s: cannot make a folder: %s", j->dir, strerror(errno));
    snprintf(j->cfg.out_dir, sizeof j->cfg.out_dir, "%s", j->dir);
    j->samples = m->rec;
    j->n = m->n_rec;
    j->m = m;
    j->t0 = ait_rt_now();
    return 0;
}

/* Whether the module's name (or its last '/' part, a segment's scope) is in jit.skip_modules. */
static int skipped(const ait_module *m)
{
    const char *last = strrchr(m->label, '/');
    last = last ? last + 1 : m->label;
    char list[sizeof m->cfg.jit_skip_modules], *save = NULL;
    snprintf(list, sizeof list, "%s", m->cfg.jit_skip_modules);
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        size_t n = strlen(tok);
        while (n && tok[n - 1] == ' ')
            tok[--n] = 0;
        if (n && (!strcmp(tok, m->label) || !strcmp(tok, last)))
            return 1;
    }
    return 0;
}

/* A module that runs as a chain (a graph break, or scopes after its own tuning failed) tunes
 * its static segments, each a module of its own (a segment's failure splits it further down);
 * the part after a break is specialized per value and runs eagerly. */
static int tune_chain(ait_module *m, int dry_run, int background)
{
    ait_rt_chain *ch = m->chain;
    m->state = AIT_STATE_EAGER;
    if (!ch->n_seg) {
        ait_rt_history(m, "Graph break in %s at its first node: nothing static to tune", m->label);
        return 0;
    }
    if (ch->break_at >= 0)
        ait_rt_history(m, "Graph break in %s: %s; tuning its static segment", m->label, m->graph_break);
    int rc = 0, tuned = 0;
    for (int i = 0; i < ch->n_seg; i++) {
        ait_module *h = ch->seg[i].mod;
        pthread_mutex_lock(&h->lock);
        int r = 0;
        if (h->state == AIT_STATE_TUNED || h->tuning) {
            /* tuned (or tuning) already: a second ait_module_tune keeps it */
        } else if (m->jit && skipped(h)) {
            h->state = AIT_STATE_SKIPPED;
            ait_rt_history(h, "Skipping %s (jit.skip_modules)", h->label);
        } else {
            r = h->n_rec ? ait_rt_tune(h, dry_run, background)
                         : ait_rt_fail(AIT_E_STATE, "%s: segment %s recorded no calls", m->label, h->label);
        }
        char desc[512];
        ait_rt_describe(h, desc, sizeof desc);
        pthread_mutex_unlock(&h->lock);
        ait_rt_history(m, "Segment: %s%s", desc, background && !r && h->tuning ? " (tuning in the background)" : "");
        tuned += !r;
        if (r && !rc)
            rc = r;
    }
    return tuned ? 0 : rc; /* the module runs whatever part tuned */
}

/* The calls recorded so far, replayed through a chain just built: its segments record them. */
static void replay(ait_module *m)
{
    for (int i = 0; i < m->n_rec; i++) {
        ait_rt_tensor in[AIT_RT_MAX_IO], fin[AIT_RT_MAX_IO];
        for (int k = 0; k < m->g->n_inputs; k++) {
            const ait_tensor *t = &m->rec[i].in[k];
            in[k] = (ait_rt_tensor){.dtype = t->dtype, .rank = t->rank, .data = t->data};
            memcpy(in[k].dims, t->dims, sizeof(int64_t) * (size_t)t->rank);
        }
        if (ait_rt_chain_run(m, in, fin))
            return;
    }
}

int ait_rt_tune_children(ait_module *m, int background)
{
    if (ait_rt_chain_scopes(m) <= 0)
        return -1;
    for (int i = 0; i < m->chain->n_seg; i++)
        ait_module_enable_recording(m->chain->seg[i].mod, 0);
    replay(m);
    return tune_chain(m, 0, background);
}

int ait_rt_tune(ait_module *m, int dry_run, int background)
{
    char desc[512];
    if (m->chain)
        return tune_chain(m, dry_run, background);
    ait_rt_describe(m, desc, sizeof desc);
    const char *brk = m->cfg.jit_detect_graph_breaks || !m->jit ? ait_rt_find_graph_break(m) : NULL;
    if (brk) {
        m->state = AIT_STATE_EAGER;
        ait_rt_history(m, "Graph break in %s: %s; it runs eagerly", m->label, brk);
        return ait_rt_fail(AIT_E_UNSUPPORTED, "%s: graph break: %s", m->label, brk);
    }
    if (m->jit && skipped(m)) {
        m->state = AIT_STATE_SKIPPED;
        ait_rt_history(m, "Skipping %s (jit.skip_modules)", m->label);
        return 0;
    }
    if (m->jit && m->params < (double)m->cfg.jit_min_parameters) {
        m->state = AIT_STATE_SKIPPED;
        ait_rt_history(m, "Skipping %s: %.0f parameters, fewer than jit.min_parameters", m->label, m->params);
        return 0;
    }
    if (dry_run) {
        m->dry_run_done = 1; /* the JIT mode says it once */
        ait_rt_history(m, "Dry run: would tune %s on %d recorded calls (strategy %s, backends %s)", desc, m->n_rec,
                       m->jit && *m->cfg.jit_strategy ? m->cfg.jit_strategy : m->cfg.strategy,
                       m->jit && *m->cfg.jit_backends ? m->cfg.jit_backends : "tune.backends");
        return 0;
    }
    tune_job *j = calloc(1, sizeof *j);
    if (!j)
        return ait_rt_fail(AIT_E_IO, "out of memory");
    int rc = job_config(m, j);
    if (rc) {
        m->state = AIT_STATE_EAGER;
        ait_rt_history(m, "Tuning %s failed, running eagerly: %s", m->label, ait_last_error());
        free(j);
        return rc;
    }
    ait_rt_history(m, "Tuning %s on %d recorded calls%s", desc, m->n_rec, background ? " in the background" : "");
    if (background) {
        m->tuning = 1;
        if (pthread_create(&m->tuner, NULL, tuner_thread, j) == 0) {
            m->tuner_joinable = 1;
            return 0;
        }
        m->tuning = 0;
    }
    ait_rt_tuned *t = NULL;
    rc = run_job(j, &t);
    finish_job(j, rc, t);
    free(j);
    if (!rc)
        ait_rt_cache_store(m);
    m->tuning = 0;
    if (ait_rt_take_pending(m, 0)) /* inline: swapped in now; a failure tunes the scopes instead */
        rc = 0;
    return rc;
}
