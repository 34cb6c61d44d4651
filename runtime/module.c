/* A module: open, run (eager, recorded or tuned), the seeds' state transitions, history. */
#include "runtime/rt.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ir/dtype.h"
#include "ir/escape.h"
#include "ir/onnx.h"

static _Thread_local char last_error[1024];

const char *ait_last_error(void)
{
    return last_error;
}

int ait_rt_fail(ait_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char raw[sizeof last_error];
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    ait_esc_buf(last_error, sizeof last_error, AIT_ESC_TEXT, raw); /* may quote names from the model */
    return -(int)code;
}

int ait_rt_fail_diag(const ait_diag *d)
{
    return ait_rt_fail(d->code ? d->code : AIT_E_RUNTIME, "%s", d->msg);
}

size_t ait_rt_bytes(const ait_rt_tensor *t)
{
    size_t n = ait_dtype_get(t->dtype)->size;
    for (int ax = 0; ax < t->rank; ax++)
        n *= (size_t)t->dims[ax];
    return n;
}

double ait_rt_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const struct {
    const char *name, *marker;
} states[] = {
    [AIT_STATE_INIT] = {"init", "\xe2\x8f\xb3"},                    /* ⏳ */
    [AIT_STATE_PASSTHROUGH] = {"passthrough", ""},
    [AIT_STATE_RECORDING] = {"recording", "\xf0\x9f\x94\xb4"},     /* 🔴 */
    [AIT_STATE_TUNED] = {"tuned", "\xf0\x9f\x8e\xaf"},             /* 🎯 */
    [AIT_STATE_EAGER] = {"eager", "\xe2\x9a\xa0\xef\xb8\x8f"},     /* ⚠️ */
    [AIT_STATE_SKIPPED] = {"skipped", "\xf0\x9f\x9a\xab"},         /* 🚫 */
    [AIT_STATE_DETACHED] = {"detached", "\xe2\x98\x91\xef\xb8\x8f"}, /* ☑️ */
};

const char *ait_rt_state_marker(ait_state s)
{
    return (unsigned)s <= AIT_STATE_DETACHED ? states[s].marker : "";
}

const char *ait_state_str(ait_state s)
{
    return (unsigned)s <= AIT_STATE_DETACHED ? states[s].name : "unknown";
}

void ait_rt_count_str(double v, char *buf, size_t n)
{
    if (v >= 1e6)
        snprintf(buf, n, "%.1fM", v / 1e6);
    else if (v >= 1e3)
        snprintf(buf, n, "%.1fK", v / 1e3);
    else
        snprintf(buf, n, "%.0f", v);
}

void ait_rt_describe(const ait_module *m, char *buf, size_t n)
{
    char p[32], label[300];
    ait_rt_count_str(m->params, p, sizeof p);
    ait_esc_buf(label, sizeof label, AIT_ESC_TEXT, m->label);
    size_t k = (size_t)snprintf(buf, n, "%s \xf0\x9f\x93\x8a%s level=%d\xf0\x9f\xaa\x9c state=%s%s", label, p,
                                m->depth, states[m->state].name, states[m->state].marker);
    if (m->state == AIT_STATE_TUNED && m->tuned && k < n)
        k += (size_t)snprintf(buf + k, n - k, " (%s)", m->tuned->backend);
    if (k < n)
        snprintf(buf + k, n - k, " call_count=%lld", m->calls);
}

void ait_rt_history(ait_module *m, const char *fmt, ...)
{
    char line[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (m->log_info)
        fprintf(stderr, "aitune: %s\n", line);
    if (m->n_history == AIT_RT_HISTORY) { /* the oldest steps give way */
        free(m->history[0]);
        memmove(m->history, m->history + 1, sizeof m->history[0] * (AIT_RT_HISTORY - 1));
        m->n_history--;
    }
    m->history[m->n_history] = strdup(line);
    if (m->history[m->n_history])
        m->n_history++;
}


/* The emitted symbols' prefix: the name with every other byte as '_', a letter first. */
static void c_name(const char *name, char *out, size_t n)
{
    size_t k = 0;
    if (!isalpha((unsigned char)name[0]))
        out[k++] = 'm';
    for (const char *p = name; *p && k + 1 < n && k < 40; p++)
        out[k++] = isalnum((unsigned char)*p) ? *p : '_';
    out[k] = 0;
}

ait_module *ait_rt_open(const char *onnx_path, const char *name, const ait_config *c, int jit)
{
    ait_module *m = calloc(1, sizeof *m);
    if (!m) {
        ait_rt_fail(AIT_E_IO, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&m->lock, NULL);
    m->cfg = *c;
    m->jit = jit;
    const char *lv = getenv("AITUNE_JIT_LOG");
    m->log_info = lv && (!strcmp(lv, "info") || !strcmp(lv, "debug"));
    m->gcc = ait_gcc_available();
    m->opened_at = ait_rt_now();
    snprintf(m->model_path, sizeof m->model_path, "%s", onnx_path);
    const char *base = strrchr(onnx_path, '/');
    /* printable wherever it goes (history, hierarchy, errors): the name may come from a file name */
    ait_esc_buf(m->label, sizeof m->label, AIT_ESC_TEXT, name && *name ? name : base ? base + 1 : onnx_path);
    c_name(m->label, m->cname, sizeof m->cname);
    ait_diag d = {0};
    if (ait_read_file(&m->arena, onnx_path, &m->bytes, &m->len, &d) != AIT_OK ||
        ait_onnx_load_bytes(&m->arena, onnx_path, m->bytes, m->len, &m->g, &d) != AIT_OK) {
        ait_rt_fail_diag(&d);
        ait_module_close(m);
        return NULL;
    }
    m->g->limits = (ait_limits){c->max_tensor_bytes, c->max_total_bytes};
    m->src = (ait_model_src){m->model_path, m->bytes, m->len, m->g->limits, NULL};
    if (m->g->n_inputs > AIT_RT_MAX_IO || m->g->n_outputs > AIT_RT_MAX_IO) {
        ait_rt_fail(AIT_E_UNSUPPORTED, "%s: %d inputs and %d outputs; libaitune serves at most %d of each", onnx_path,
                    m->g->n_inputs, m->g->n_outputs, AIT_RT_MAX_IO);
        ait_module_close(m);
        return NULL;
    }
    m->params = ait_graph_param_count(m->g);
    m->state = AIT_STATE_INIT;
    return m;
}

ait_module *ait_module_open(const char *onnx_path, const char *name, const char *config_ini)
{
    if (!onnx_path) {
        ait_rt_fail(AIT_E_ARG, "ait_module_open: onnx_path is NULL");
        return NULL;
    }
    struct stat st;
    char sums[1100];
    snprintf(sums, sizeof sums, "%.1000s/SHA256SUMS", onnx_path);
    if (stat(onnx_path, &st) == 0 && S_ISDIR(st.st_mode) && stat(sums, &st) == 0)
        return ait_module_load(onnx_path); /* a saved artifact: its tuned code, no tuning */
    const char *jit_env = getenv("AITUNE_JIT");
    int jit = jit_env && strcmp(jit_env, "1") == 0;
    ait_config *c = malloc(sizeof *c);
    if (!c) {
        ait_rt_fail(AIT_E_IO, "out of memory");
        return NULL;
    }
    ait_diag d = {0};
    const char *file = config_ini ? config_ini : jit ? getenv("AITUNE_JIT_CONFIG") : NULL;
    if (file && *file) {
        if (ait_config_load(c, file, &d) != AIT_OK) {
            ait_rt_fail_diag(&d);
            free(c);
            return NULL;
        }
    } else {
        ait_config_defaults(c);
        /* no config: what aitune-gen's bundled example tunes with */
        const char *backends = "tune.backends=simd,tiled,reference";
        ait_config_set(c, backends, &d);
    }
    if (jit && ait_rt_jit_config(c) != 0) {
        free(c);
        return NULL;
    }
    ait_module *m = ait_rt_open(onnx_path, name, c, jit);
    free(c);
    if (m && jit && ait_rt_cache_lookup(m) == 0 && m->tuned)
        m->state = AIT_STATE_TUNED;
    return m;
}

ait_state ait_module_state(const ait_module *m)
{
    return m ? m->state : AIT_STATE_INIT;
}

long long ait_module_call_count(const ait_module *m)
{
    return m ? m->calls : 0;
}

long long ait_module_tuned_calls(const ait_module *m)
{
    return m ? m->tuned_calls : 0;
}

/* TUNED -> another state: the tuned code and the recording are dropped (the seeds' reset). */
static void reset(ait_module *m)
{
    ait_rt_tuned_free(m->tuned);
    m->tuned = NULL;
    ait_rt_recording_free(m);
    for (int i = 0; i < m->n_shapes; i++)
        m->shapes[i].tuned_fit = -1;
    ait_rt_history(m, "Reset %s: tuned code dropped", m->label);
}

static int leave_tuned(ait_module *m, int force, const char *to)
{
    if (m->state != AIT_STATE_TUNED)
        return 0;
    if (!force)
        return ait_rt_fail(AIT_E_STATE, "module '%s' is already tuned: use force to reset it (to %s)", m->label, to);
    reset(m);
    return 0;
}

static int busy(const ait_module *m)
{
    return m->tuning ? ait_rt_fail(AIT_E_BUSY, "module '%s' is tuning in the background", m->label) : 0;
}

/* RECORDING or PASSTHROUGH, as the seeds' enable_recording / enable_passthrough: leaving TUNED
 * needs force (and resets); a recording goes on across passthrough; a chain's segments follow
 * into recording. */
static int enter_state(ait_module *m, int force, ait_state to)
{
    pthread_mutex_lock(&m->lock);
    int rc = busy(m);
    if (!rc)
        rc = leave_tuned(m, force, ait_state_str(to));
    for (int i = 0; !rc && to == AIT_STATE_RECORDING && m->chain && i < m->chain->n_seg; i++)
        ait_module_enable_recording(m->chain->seg[i].mod, force);
    if (!rc) {
        m->state = to;
        if (to == AIT_STATE_RECORDING)
            ait_rt_history(m, "Recording %s (%d calls recorded so far)", m->label, m->n_rec);
        else
            ait_rt_history(m, "Passthrough %s", m->label);
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

int ait_module_enable_recording(ait_module *m, int force)
{
    if (!m)
        return ait_rt_fail(AIT_E_ARG, "ait_module_enable_recording: module is NULL");
    return enter_state(m, force, AIT_STATE_RECORDING);
}

int ait_module_enable_passthrough(ait_module *m, int force)
{
    if (!m)
        return ait_rt_fail(AIT_E_ARG, "ait_module_enable_passthrough: module is NULL");
    return enter_state(m, force, AIT_STATE_PASSTHROUGH);
}

int ait_module_tune(ait_module *m, int dry_run)
{
    if (!m)
        return ait_rt_fail(AIT_E_ARG, "ait_module_tune: module is NULL");
    pthread_mutex_lock(&m->lock);
    int rc = busy(m);
    if (!rc && m->state == AIT_STATE_TUNED)
        rc = ait_rt_fail(AIT_E_STATE, "module '%s' has already been tuned: reset it (force) to tune again", m->label);
    if (!rc && (m->state == AIT_STATE_INIT || m->state == AIT_STATE_PASSTHROUGH || m->n_rec == 0))
        rc = ait_rt_fail(AIT_E_STATE, "module '%s' has not recorded any samples: cannot tune it", m->label);
    if (!rc)
        rc = ait_rt_tune(m, dry_run, 0);
    pthread_mutex_unlock(&m->lock);
    return rc;
}

int ait_module_wait_tuning(ait_module *m)
{
    if (!m)
        return ait_rt_fail(AIT_E_ARG, "ait_module_wait_tuning: module is NULL");
    pthread_mutex_lock(&m->lock);
    int joinable = m->tuner_joinable;
    m->tuner_joinable = 0;
    pthread_mutex_unlock(&m->lock);
    if (joinable)
        pthread_join(m->tuner, NULL);
    return 0;
}

/* A call's arguments against the model: never UB on a stranger's buffers. */
static int check_call(const ait_module *m, const ait_rt_tensor *in, int n_in, const ait_rt_tensor *out, int n_out)
{
    const ait_graph *g = m->g;
    if (n_in != g->n_inputs)
        return ait_rt_fail(AIT_E_ARG, "%s: %d inputs given, the model has %d", m->label, n_in, g->n_inputs);
    if (n_in && !in)
        return ait_rt_fail(AIT_E_ARG, "%s: inputs is NULL", m->label);
    if (!out && g->n_outputs)
        return ait_rt_fail(AIT_E_ARG, "%s: outputs is NULL", m->label);
    if (n_out < g->n_outputs)
        return ait_rt_fail(AIT_E_ARG, "%s: room for %d outputs, the model has %d", m->label, n_out, g->n_outputs);
    for (int k = 0; k < n_in; k++) {
        const ait_tensor *t = &g->t[g->inputs[k]];
        const ait_rt_tensor *x = &in[k];
        if (x->dtype != t->dtype)
            return ait_rt_fail(AIT_E_ARG, "%s: input %d ('%s') is dtype %d (%s), the model expects %d (%s)", m->label, k,
                               t->name, x->dtype, ait_dtype_get(x->dtype)->name, t->dtype,
                               ait_dtype_get(t->dtype)->name);
        if (x->rank < 0 || x->rank > 8 || (t->rank >= 0 && x->rank != t->rank))
            return ait_rt_fail(AIT_E_ARG, "%s: input '%s' has rank %d, the model expects %d", m->label, t->name,
                               x->rank, t->rank);
        double elems = 1;
        for (int ax = 0; ax < x->rank; ax++) {
            if (x->dims[ax] < 0 || (t->rank >= 0 && t->dims[ax] >= 0 && t->dims[ax] != x->dims[ax]))
                return ait_rt_fail(AIT_E_ARG, "%s: input '%s' axis %d is %lld, the model expects %lld", m->label,
                                   t->name, ax, (long long)x->dims[ax], (long long)t->dims[ax]);
            elems *= (double)x->dims[ax];
        }
        if (elems * (double)ait_dtype_get(t->dtype)->size > (double)m->cfg.max_tensor_bytes)
            return ait_rt_fail(AIT_E_ARG, "%s: input '%s' is larger than tune.max_tensor_bytes", m->label, t->name);
        if (!x->data && elems > 0)
            return ait_rt_fail(AIT_E_ARG, "%s: input '%s' has no data", m->label, t->name);
    }
    return 0;
}

/* Output k's place: the caller's buffer (need bytes must fit), or the module's (valid until the
 * next call), grown to need. */
static int place_output(ait_module *m, int k, size_t need, const ait_rt_tensor *out, void **dst)
{
    if (out->data && out->data != m->out_buf[k]) { /* the caller's */
        if (out->capacity < need)
            return ait_rt_fail(AIT_E_ARG, "%s: output %d needs %zu bytes, its buffer has %zu", m->label, k, need,
                               out->capacity);
        *dst = out->data;
        return 0;
    }
    if (m->out_cap[k] < need || !m->out_buf[k]) {
        void *p = realloc(m->out_buf[k], need ? need : 1);
        if (!p)
            return ait_rt_fail(AIT_E_IO, "%s: cannot allocate %zu bytes for output %d", m->label, need, k);
        m->out_buf[k] = p;
        m->out_cap[k] = need;
    }
    *dst = m->out_buf[k];
    return 0;
}

static int place_outputs(ait_module *m, const ait_rt_shape *sh, ait_rt_tensor *out, void **dst)
{
    for (int k = 0; k < sh->n_out; k++) {
        int rc = place_output(m, k, sh->out_bytes[k], &out[k], &dst[k]);
        if (rc)
            return rc;
    }
    return 0;
}

int ait_rt_take_pending(ait_module *m, int background)
{
    if (m->tuning)
        return 0;
    if (m->pending) {
        m->tuned = m->pending;
        m->pending = NULL;
        m->state = AIT_STATE_TUNED;
        for (int i = 0; i < m->n_shapes; i++)
            m->shapes[i].tuned_fit = -1;
        if (background)
            ait_rt_history(m, "Swapped in the tuned code of %s (%s) after call %lld", m->label, m->tuned->backend,
                           m->calls);
    } else if (m->pending_failed) {
        m->pending_failed = 0;
        m->state = AIT_STATE_EAGER;
        ait_rt_history(m, "Tuning %s failed, running eagerly: %s", m->label, m->pending_error);
        return ait_rt_tune_children(m, background) == 0; /* top down: its scopes instead */
    }
    return 0;
}

/* JIT: the first call starts the recording; min_samples calls later the module tunes. */
static void jit_step(ait_module *m, int first)
{
    if (first && m->state == AIT_STATE_INIT) { /* as the seeds log it: at its first call */
        char desc[512];
        m->calls++;
        ait_rt_describe(m, desc, sizeof desc);
        m->calls--;
        ait_rt_history(m, "New top module: %s", desc);
        m->state = AIT_STATE_RECORDING;
    }
    if (m->state == AIT_STATE_RECORDING && !m->tuning && !m->dry_run_done && m->n_rec >= m->cfg.jit_min_samples) {
        int background = strcmp(m->cfg.jit_mode, "tune_deferred") == 0;
        ait_rt_tune(m, m->cfg.jit_dry_run, background);
    }
}

/* A call of a module with a graph break: through its segments, the outputs copied out. */
static int run_chain(ait_module *m, const ait_rt_tensor *inputs, int n_inputs, ait_rt_tensor *outputs)
{
    ait_rt_tensor fin[AIT_RT_MAX_IO];
    int rc = ait_rt_chain_run(m, inputs, fin);
    for (int k = 0; !rc && k < m->g->n_outputs; k++) {
        size_t need = ait_rt_bytes(&fin[k]);
        void *dst;
        int r = place_output(m, k, need, &outputs[k], &dst);
        if (r)
            return r;
        if (dst == m->out_buf[k])
            outputs[k].capacity = need;
        memcpy(dst, fin[k].data, need);
        outputs[k].data = dst;
        outputs[k].dtype = fin[k].dtype;
        outputs[k].rank = fin[k].rank;
        memcpy(outputs[k].dims, fin[k].dims, sizeof outputs[k].dims);
    }
    if (!rc) {
        m->calls++;
        if (m->state == AIT_STATE_RECORDING && !m->tuning)
            ait_rt_record(m, inputs, n_inputs);
        if (m->jit)
            jit_step(m, 0);
    }
    return rc;
}

int ait_module_run(ait_module *m, const ait_rt_tensor *inputs, int n_inputs, ait_rt_tensor *outputs, int n_outputs)
{
    if (!m)
        return ait_rt_fail(AIT_E_ARG, "ait_module_run: module is NULL");
    pthread_mutex_lock(&m->lock);
    int rc = check_call(m, inputs, n_inputs, outputs, n_outputs);
    ait_rt_shape *sh = NULL;
    if (!rc) {
        ait_rt_take_pending(m, 1);
        if (m->jit && m->state == AIT_STATE_INIT)
            jit_step(m, 1);
        sh = m->chain ? NULL : ait_rt_shape_of(m, inputs, n_inputs);
        if (!sh && m->chain) {
            rc = run_chain(m, inputs, n_inputs, outputs);
            pthread_mutex_unlock(&m->lock);
            return rc;
        }
        rc = sh ? 0 : -AIT_E_SHAPE;
    }
    const void *in[AIT_RT_MAX_IO];
    void *out[AIT_RT_MAX_IO];
    if (!rc)
        rc = place_outputs(m, sh, outputs, out);
    if (!rc) {
        for (int k = 0; k < n_inputs; k++)
            in[k] = inputs[k].data;
        int tuned = m->state == AIT_STATE_TUNED && m->tuned && ait_rt_fits(m->tuned, sh);
        if (m->state == AIT_STATE_TUNED && !tuned && !sh->logged_outside) {
            sh->logged_outside = 1;
            ait_rt_history(m, "A call of %s outside every tuned graph spec runs eagerly", m->label);
        }
        rc = tuned ? ait_rt_run_tuned(m->tuned, sh, in, out) : ait_rt_run_eager(m, sh, in, out);
        m->calls++;
        sh->calls++;
        m->tuned_calls += tuned && !rc;
        if (!rc && m->state == AIT_STATE_RECORDING && !m->tuning)
            ait_rt_record(m, inputs, n_inputs);
        if (!rc && m->jit)
            jit_step(m, 0);
    }
    if (!rc)
        for (int k = 0; k < sh->n_out; k++) {
            outputs[k].dtype = sh->out_dtype[k];
            outputs[k].rank = sh->out_rank[k];
            memset(outputs[k].dims, 0, sizeof outputs[k].dims);
            memcpy(outputs[k].dims, sh->out_dims[k], sizeof(int64_t) * (size_t)sh->out_rank[k]);
            if (!outputs[k].data || outputs[k].data == m->out_buf[k]) {
                outputs[k].data = out[k];
                outputs[k].capacity = sh->out_bytes[k];
            }
        }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

void ait_module_print_history(const ait_module *m, FILE *f)
{
    if (!m || !f)
        return;
    pthread_mutex_lock((pthread_mutex_t *)&m->lock);
    for (int i = 0; i < m->n_history; i++)
        fprintf(f, "'%s',\n", m->history[i]);
    pthread_mutex_unlock((pthread_mutex_t *)&m->lock);
}

void ait_module_close(ait_module *m)
{
    if (!m)
        return;
    ait_module_wait_tuning(m);
    ait_rt_tuned_free(m->tuned);
    ait_rt_tuned_free(m->pending);
    ait_rt_shapes_free(m);
    ait_rt_recording_free(m);
    ait_rt_chain_free(m->chain);
    if (m->seg_dir[0]) {
        for (int i = 0; i < m->n_seg_files; i++) {
            char p[1200];
            snprintf(p, sizeof p, "%s/segment%d.onnx", m->seg_dir, i);
            unlink(p);
        }
        rmdir(m->seg_dir);
    }
    for (int i = 0; i < m->n_history; i++)
        free(m->history[i]);
    for (int k = 0; k < AIT_RT_MAX_IO; k++)
        free(m->out_buf[k]);
    ait_arena_free_all(&m->arena);
    pthread_mutex_destroy(&m->lock);
    free(m);
}
