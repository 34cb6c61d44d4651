#include "gen/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { K_STR, K_INT, K_REAL, K_BOOL, K_ENUM, K_INTS, K_LIST, K_BYTES, K_DIMS } key_kind;

typedef struct {
    const char *section, *key;
    key_kind kind;
    size_t offset, size;
    const char *dflt;
    const char *choices;  /* K_ENUM: '|'-separated */
    double lo, hi;        /* K_INT, K_REAL, K_INTS bounds */
} key_def;

#define F(field) offsetof(ait_config, field), sizeof(((ait_config *)0)->field)

static const key_def keys[] = {
    {"model", "path", K_STR, F(model_path), "model.onnx", NULL, 0, 0},
    {"model", "name", K_STR, F(name), "net", NULL, 0, 0},
    {"samples", "path", K_STR, F(samples_path), "", NULL, 0, 0},
    {"samples", "batch_sizes", K_INTS, F(batch_sizes), "1", NULL, 1, 4096},
    {"samples", "max_batches_per_size", K_INT, F(max_batches_per_size), "4", NULL, 1, 1000},
    {"samples", "dims", K_DIMS, F(dims), "", NULL, 1, 1 << 30},
    {"tune", "strategy", K_ENUM, F(strategy), "highest_throughput",
     "first_wins|one_backend|highest_throughput|min_latency|latency_budget", 0, 0},
    {"tune", "backends", K_LIST, F(backends), "reference", NULL, 0, 0},
    {"tune", "compiler", K_ENUM, F(compiler), "gcc", "gcc|tcc", 0, 0},
    {"tune", "rtol", K_REAL, F(rtol), "1e-4", NULL, 0, 1},
    {"tune", "atol", K_REAL, F(atol), "1e-5", NULL, 0, 1e6},
    {"tune", "cache_dir", K_STR, F(cache_dir), ".aitune-cache", NULL, 0, 0},
    {"tune", "correctness_check", K_BOOL, F(correctness_check), "true", NULL, 0, 0},
    {"tune", "trial_timeout_s", K_REAL, F(trial_timeout_s), "300", NULL, 1, 86400},
    {"tune", "budget_s", K_REAL, F(budget_s), "60", NULL, 0, 86400},
    {"tune", "knob_weights", K_ENUM, F(knob_weights), "hot", "hot|cold", 0, 0},
    {"tune", "quant_metric", K_ENUM, F(quant_metric), "cosine", "cosine|top1", 0, 0},
    {"tune", "quant_min", K_REAL, F(quant_min), "0.99", NULL, 0, 1},
    {"tune", "calib_method", K_ENUM, F(calib_method), "percentile", "minmax|percentile", 0, 0},
    {"tune", "calib_percentile", K_REAL, F(calib_percentile), "99.99", NULL, 50, 100},
    {"tune", "latency_budget_ms", K_REAL, F(latency_budget_ms), "0", NULL, 0, 1e9},
    {"tune", "dims_verify_max", K_INT, F(dims_verify_max), "4096", NULL, 1, 1 << 20},
    {"tune", "max_tensor_bytes", K_BYTES, F(max_tensor_bytes), "2G", NULL, 1, 0x1p40},
    {"tune", "max_total_bytes", K_BYTES, F(max_total_bytes), "8G", NULL, 1, 0x1p42},
    {"target", "arch", K_ENUM, F(arch), "native", "native|x86-64-v3|generic|aarch64|cortex-m", 0, 0},
    {"target", "deps", K_ENUM, F(deps), "none", "none|openblas", 0, 0},
    {"target", "threads", K_INT, F(threads), "1", NULL, 1, 64},
    {"target", "flash_bytes", K_BYTES, F(flash_bytes), "0", NULL, 0, 0x1p42},
    {"target", "ram_bytes", K_BYTES, F(ram_bytes), "0", NULL, 0, 0x1p42},
    {"output", "dir", K_STR, F(out_dir), "out", NULL, 0, 0},
    {"output", "weights_file_bytes", K_BYTES, F(weights_file_bytes), "16M", NULL, 0, 0x1p42},
    {"jit", "min_samples", K_INT, F(jit_min_samples), "2", NULL, 1, 100000},
    {"jit", "batch_axis_required", K_BOOL, F(jit_batch_axis_required), "false", NULL, 0, 0},
    {"jit", "max_depth_level", K_INT, F(jit_max_depth_level), "2", NULL, 0, 64},
    {"jit", "min_parameters", K_BYTES, F(jit_min_parameters), "0", NULL, 0, 0x1p42},
    {"jit", "detect_graph_breaks", K_BOOL, F(jit_detect_graph_breaks), "true", NULL, 0, 0},
    {"jit", "skip_modules", K_STR, F(jit_skip_modules), "", NULL, 0, 0},
    {"jit", "dry_run", K_BOOL, F(jit_dry_run), "false", NULL, 0, 0},
    {"jit", "backends", K_STR, F(jit_backends), "", NULL, 0, 0},
    {"jit", "strategy", K_STR, F(jit_strategy), "", NULL, 0, 0},
    {"jit", "cache_dir", K_STR, F(jit_cache_dir), "", NULL, 0, 0},
    {"jit", "mode", K_ENUM, F(jit_mode), "tune_deferred", "tune_deferred|tune_eager", 0, 0},
};

static const key_def *find_key(const char *section, const char *key)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].key, key) == 0)
            return &keys[i];
    return NULL;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        *--e = 0;
    return s;
}

/* Parses one value into the config; on error writes the reason into why. */
static int set_value(ait_config *c, const key_def *k, const char *value, char *why, size_t n)
{
    void *dst = (char *)c + k->offset;
    char *end;
    switch (k->kind) {
    case K_STR:
        if (strlen(value) >= k->size)
            return snprintf(why, n, "too long"), 0;
        strcpy(dst, value);
        return 1;
    case K_INT: {
        errno = 0;
        long v = strtol(value, &end, 10);
        if (end == value || *trim(end) || errno)
            return snprintf(why, n, "not an integer"), 0;
        if (v < k->lo || v > k->hi)
            return snprintf(why, n, "must be between %.0f and %.0f", k->lo, k->hi), 0;
        *(int *)dst = (int)v;
        return 1;
    }
    case K_REAL: {
        double v = strtod(value, &end);
        if (end == value || *trim(end) || !isfinite(v))
            return snprintf(why, n, "not a number"), 0;
        if (v < k->lo || v > k->hi)
            return snprintf(why, n, "must be between %g and %g", k->lo, k->hi), 0;
        *(double *)dst = v;
        return 1;
    }
    case K_BYTES: { /* an integer with an optional K, M or G (powers of 1024) */
        errno = 0;
        unsigned long long v = strtoull(value, &end, 10);
        int shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;
        end += shift != 0;
        if (end == value || *value == '-' || *trim(end) || errno || v > (1ull << 42))
            return snprintf(why, n, "not a byte count (an integer, optionally with K, M or G)"), 0;
        v <<= shift;
        if ((double)v < k->lo || (double)v > k->hi)
            return snprintf(why, n, "must be between %.0f and %.0f bytes", k->lo, k->hi), 0;
        *(unsigned long long *)dst = v;
        return 1;
    }
    case K_BOOL:
        if (!strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "1"))
            *(int *)dst = 1;
        else if (!strcmp(value, "false") || !strcmp(value, "no") || !strcmp(value, "0"))
            *(int *)dst = 0;
        else
            return snprintf(why, n, "expected true or false"), 0;
        return 1;
    case K_ENUM: {
        size_t len = strlen(value);
        for (const char *p = k->choices; *p;) {
            const char *bar = strchr(p, '|');
            size_t l = bar ? (size_t)(bar - p) : strlen(p);
            if (l == len && strncmp(p, value, l) == 0 && len < k->size) {
                strcpy(dst, value);
                return 1;
            }
            p += l + (bar ? 1 : 0);
        }
        return snprintf(why, n, "expected one of %s", k->choices), 0;
    }
    case K_INTS: { /* batch_sizes: sorted, unique */
        int v[AIT_MAX_BATCH_SIZES], cnt = 0;
        char buf[256];
        snprintf(buf, sizeof buf, "%s", value);
        char *save_ = NULL; /* strtok_r: no state outside this loop */
        for (char *tok = strtok_r(buf, ",", &save_); tok; tok = strtok_r(NULL, ",", &save_)) {
            tok = trim(tok);
            long x = strtol(tok, &end, 10);
            if (end == tok || *trim(end) || x < k->lo || x > k->hi)
                return snprintf(why, n, "'%s' is not an integer between %.0f and %.0f", tok, k->lo, k->hi), 0;
            if (cnt == AIT_MAX_BATCH_SIZES)
                return snprintf(why, n, "at most %d values", AIT_MAX_BATCH_SIZES), 0;
            int pos = cnt;
            while (pos > 0 && v[pos - 1] > x)
                pos--;
            if (pos > 0 && v[pos - 1] == x)
                return snprintf(why, n, "%ld appears twice", x), 0;
            memmove(v + pos + 1, v + pos, sizeof(int) * (size_t)(cnt - pos));
            v[pos] = (int)x;
            cnt++;
        }
        if (!cnt)
            return snprintf(why, n, "needs at least one value"), 0;
        memcpy(c->batch_sizes, v, sizeof(int) * (size_t)cnt);
        c->n_batch_sizes = cnt;
        return 1;
    }
    case K_DIMS: { /* "seq:1..512, tgt:1..64": sorted by nothing, names unique */
        ait_dyn_dim v[AIT_MAX_DIMS];
        int cnt = 0;
        char buf[1024];
        if (strlen(value) >= sizeof buf)
            return snprintf(why, n, "too long"), 0;
        snprintf(buf, sizeof buf, "%s", value);
        char *save_ = NULL; /* strtok_r: no state outside this loop */
        for (char *tok = strtok_r(buf, ",", &save_); tok; tok = strtok_r(NULL, ",", &save_)) {
            tok = trim(tok);
            char *colon = strrchr(tok, ':');
            long long lo, hi;
            int used = -1;
            if (!colon || colon == tok || (size_t)(colon - tok) >= sizeof v[0].name ||
                sscanf(colon + 1, "%lld..%lld%n", &lo, &hi, &used) != 2 || used != (int)strlen(colon + 1))
                return snprintf(why, n, "'%s' is not name:min..max", tok), 0;
            if (lo < k->lo || hi > k->hi || lo > hi)
                return snprintf(why, n, "'%s': need %.0f <= min <= max <= %.0f", tok, k->lo, k->hi), 0;
            if (cnt == AIT_MAX_DIMS)
                return snprintf(why, n, "at most %d dynamic axes", AIT_MAX_DIMS), 0;
            *colon = 0;
            for (int j = 0; j < cnt; j++)
                if (strcmp(v[j].name, tok) == 0)
                    return snprintf(why, n, "'%s' appears twice", tok), 0;
            snprintf(v[cnt].name, sizeof v[cnt].name, "%s", tok);
            v[cnt].min = lo;
            v[cnt++].max = hi;
        }
        memcpy(c->dims, v, sizeof v[0] * (size_t)cnt);
        c->n_dims = cnt;
        return 1;
    }
    case K_LIST: { /* backends */
        char buf[512];
        int cnt = 0;
        snprintf(buf, sizeof buf, "%s", value);
        char *save_ = NULL; /* strtok_r: no state outside this loop */
        for (char *tok = strtok_r(buf, ",", &save_); tok; tok = strtok_r(NULL, ",", &save_)) {
            tok = trim(tok);
            if (!*tok || strlen(tok) >= sizeof c->backends[0] || cnt == AIT_MAX_BACKENDS)
                return snprintf(why, n, "expected a comma-separated list of at most %d backends", AIT_MAX_BACKENDS),
                       0;
            strcpy(c->backends[cnt++], tok);
        }
        if (!cnt)
            return snprintf(why, n, "needs at least one backend"), 0;
        c->n_backends = cnt;
        return 1;
    }
    }
    return 0;
}

void ait_config_defaults(ait_config *c)
{
    memset(c, 0, sizeof *c);
    char why[128];
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        set_value(c, &keys[i], keys[i].dflt, why, sizeof why);
}

typedef struct {
    ait_config *c;
    FILE *f;
    int line;             /* lines read so far: the handler's current line */
    char err[512];
    int seen[sizeof keys / sizeof keys[0]];
} parse_state;

/* fgets that counts lines, so the handler knows where it is */
static char *read_line(char *buf, int n, void *user)
{
    parse_state *st = user;
    char *r = fgets(buf, n, st->f);
    if (r)
        st->line++;
    return r;
}

static const char *const module_keys[AIT_MODULE_KEYS] = {"path", "name", "samples", "batch_sizes", "dims"};

/* A key of a [model.<label>] section: kept as written, checked by ait_config_module. */
static int on_module_key(parse_state *st, const char *label, const char *name, const char *value)
{
    ait_config *c = st->c;
    int m = 0;
    while (m < c->n_modules && strcmp(c->modules[m].label, label) != 0)
        m++;
    if (m == c->n_modules) {
        if (!*label || strlen(label) >= sizeof c->modules[0].label || m == AIT_MAX_MODULES) {
            snprintf(st->err, sizeof st->err, "[model.%s]: a module needs a label of at most %zu characters (and at "
                                              "most %d modules)",
                     label, sizeof c->modules[0].label - 1, AIT_MAX_MODULES);
            return 0;
        }
        snprintf(c->modules[c->n_modules++].label, sizeof c->modules[0].label, "%s", label);
    }
    for (int k = 0; k < AIT_MODULE_KEYS; k++) {
        if (strcmp(name, module_keys[k]) != 0)
            continue;
        if (c->modules[m].line[k]) {
            snprintf(st->err, sizeof st->err, "model.%s.%s: set twice", label, name);
            return 0;
        }
        if (strlen(value) >= AIT_PATH) {
            snprintf(st->err, sizeof st->err, "model.%s.%s: too long", label, name);
            return 0;
        }
        snprintf(c->modules[m].value[k], AIT_PATH, "%s", value);
        c->modules[m].line[k] = st->line;
        return 1;
    }
    snprintf(st->err, sizeof st->err, "[model.%s] %s: unknown key (path, name, samples, batch_sizes, dims)", label, name);
    return 0;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    parse_state *st = user;
    if (strncmp(section, "model.", 6) == 0)
        return on_module_key(st, section + 6, name, value);
    if (strcmp(section, "model") == 0 && !st->c->model_line)
        st->c->model_line = st->line;
    const key_def *k = find_key(section, name);
    if (!k) {
        snprintf(st->err, sizeof st->err, "[%s] %s: unknown key", section, name);
        return 0;
    }
    if (st->seen[k - keys]++) {
        snprintf(st->err, sizeof st->err, "%s.%s: set twice", section, name);
        return 0;
    }
    char why[256];
    if (!set_value(st->c, k, value, why, sizeof why)) {
        snprintf(st->err, sizeof st->err, "%s.%s = %s: %s", section, name, value, why);
        return 0;
    }
    if (k->offset == offsetof(ait_config, backends))
        st->c->backends_line = st->line;
    if (k->offset == offsetof(ait_config, dims))
        st->c->dims_line = st->line;
    return 1;
}

ait_status ait_config_load(ait_config *c, const char *path, ait_diag *d)
{
    ait_config_defaults(c);
    snprintf(c->path, sizeof c->path, "%s", path);
    FILE *f = fopen(path, "r");
    if (!f)
        return ait_fail(d, AIT_E_IO, "%s: cannot open: %s", path, strerror(errno));
    parse_state st = {.c = c, .f = f};
    int line = ini_parse_stream(read_line, &st, on_key, &st);
    fclose(f);
    if (line != 0)
        return ait_fail(d, AIT_E_CONFIG, "%s:%d: %s", path, line, st.err[0] ? st.err : "malformed line");
    if (c->n_modules && c->model_line) /* which model would [model] be? */
        return ait_fail(d, AIT_E_CONFIG, "%s:%d: [model] and [model.<label>] sections do not mix: name every model in "
                                         "a [model.<label>] section",
                        path, c->model_line);
    char names[AIT_MAX_MODULES][sizeof c->name];
    ait_config *mi = malloc(sizeof *mi);
    if (!mi)
        return ait_fail(d, AIT_E_IO, "out of memory");
    ait_status s = AIT_OK;
    for (int i = 0; i < c->n_modules && s == AIT_OK; i++) {
        if (!c->modules[i].line[AIT_MODULE_PATH]) {
            s = ait_fail(d, AIT_E_CONFIG, "%s: [model.%s] needs a path", path, c->modules[i].label);
            break;
        }
        if ((s = ait_config_module(c, i, mi, d)) != AIT_OK)
            break;
        snprintf(names[i], sizeof names[i], "%s", mi->name);
        for (int j = 0; j < i && s == AIT_OK; j++)
            if (strcmp(names[i], names[j]) == 0) /* one out/ holds them: the prefixes must differ */
                s = ait_fail(d, AIT_E_CONFIG, "%s: [model.%s] and [model.%s] are both named '%s'", path,
                             c->modules[j].label, c->modules[i].label, names[i]);
    }
    free(mi);
    return s;
}

ait_status ait_config_module(const ait_config *c, int i, ait_config *out, ait_diag *d)
{
    static const char *const targets[AIT_MODULE_KEYS][2] = {
        {"model", "path"}, {"model", "name"}, {"samples", "path"}, {"samples", "batch_sizes"}, {"samples", "dims"}};
    const ait_module_cfg *m = &c->modules[i];
    *out = *c;
    out->n_modules = 0;
    snprintf(out->name, sizeof out->name, "%s", m->label);
    for (int k = 0; k < AIT_MODULE_KEYS; k++) {
        if (!m->line[k])
            continue;
        char why[256];
        if (!set_value(out, find_key(targets[k][0], targets[k][1]), m->value[k], why, sizeof why))
            return ait_fail(d, AIT_E_CONFIG, "%s:%d: model.%s.%s = %s: %s", c->path, m->line[k], m->label,
                            module_keys[k], m->value[k], why);
        if (k == AIT_MODULE_DIMS)
            out->dims_line = m->line[k];
    }
    int ident = isalpha((unsigned char)out->name[0]) || out->name[0] == '_';
    for (const char *p = out->name; *p; p++)
        ident &= isalnum((unsigned char)*p) || *p == '_';
    if (!ident) /* it prefixes every symbol of the module's C */
        return ait_fail(d, AIT_E_CONFIG, "%s:%d: [model.%s]: name '%s' is not a C identifier", c->path,
                        m->line[AIT_MODULE_NAME] ? m->line[AIT_MODULE_NAME] : m->line[AIT_MODULE_PATH], m->label,
                        out->name);
    return AIT_OK;
}

ait_status ait_config_set(ait_config *c, const char *assignment, ait_diag *d)
{
    char buf[AIT_PATH + 64];
    snprintf(buf, sizeof buf, "%s", assignment);
    char *eq = strchr(buf, '='), *dot = strchr(buf, '.');
    if (!eq || !dot || dot > eq)
        return ait_fail(d, AIT_E_USAGE, "--set %s: expected section.key=value", assignment);
    *eq = *dot = 0;
    const key_def *k = find_key(trim(buf), trim(dot + 1));
    if (!k)
        return ait_fail(d, AIT_E_CONFIG, "--set %s: unknown key", assignment);
    char why[256];
    if (!set_value(c, k, trim(eq + 1), why, sizeof why))
        return ait_fail(d, AIT_E_CONFIG, "--set %s: %s", assignment, why);
    return AIT_OK;
}

void ait_config_canonical(const ait_config *c, char *buf, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0] && k < n; i++) {
        const key_def *kd = &keys[i];
        const void *src = (const char *)c + kd->offset;
        if (strcmp(kd->section, "jit") == 0) /* the runtime's JIT mode: shapes no emitted code */
            continue;
        k += (size_t)snprintf(buf + k, n - k, "%s.%s=", kd->section, kd->key);
        if (k >= n)
            break;
        switch (kd->kind) {
        case K_STR: case K_ENUM: k += (size_t)snprintf(buf + k, n - k, "%s\n", (const char *)src); break;
        case K_INT: case K_BOOL: k += (size_t)snprintf(buf + k, n - k, "%d\n", *(const int *)src); break;
        case K_REAL: k += (size_t)snprintf(buf + k, n - k, "%.17g\n", *(const double *)src); break;
        case K_BYTES: k += (size_t)snprintf(buf + k, n - k, "%llu\n", *(const unsigned long long *)src); break;
        case K_INTS:
            for (int j = 0; j < c->n_batch_sizes && k < n; j++)
                k += (size_t)snprintf(buf + k, n - k, "%s%d", j ? "," : "", c->batch_sizes[j]);
            if (k < n)
                k += (size_t)snprintf(buf + k, n - k, "\n");
            break;
        case K_DIMS:
            for (int j = 0; j < c->n_dims && k < n; j++)
                k += (size_t)snprintf(buf + k, n - k, "%s%s:%lld..%lld", j ? "," : "", c->dims[j].name, c->dims[j].min,
                                      c->dims[j].max);
            if (k < n)
                k += (size_t)snprintf(buf + k, n - k, "\n");
            break;
        case K_LIST:
            for (int j = 0; j < c->n_backends && k < n; j++)
                k += (size_t)snprintf(buf + k, n - k, "%s%s", j ? "," : "", c->backends[j]);
            if (k < n)
                k += (size_t)snprintf(buf + k, n - k, "\n");
            break;
        }
    }
}
