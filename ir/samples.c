#include "ir/samples.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ir/onnx.h"

enum { MAX_SAMPLES = 4096 };

/* --- .npy ---------------------------------------------------------------- */

static const struct {
    const char *descr;
    int dtype;
} npy_types[] = {
    {"<f4", AIT_DT_FLOAT}, {"<f8", AIT_DT_DOUBLE}, {"<i8", AIT_DT_INT64}, {"<i4", AIT_DT_INT32},
    {"<i2", AIT_DT_INT16}, {"|i1", AIT_DT_INT8},   {"|u1", AIT_DT_UINT8}, {"<u2", AIT_DT_UINT16},
    {"<u4", AIT_DT_UINT32}, {"<u8", AIT_DT_UINT64}, {"|b1", AIT_DT_BOOL}, {"<f2", AIT_DT_FLOAT16},
};

/* Value of 'key': in a Python dict literal header, or NULL. */
static const char *dict_value(const char *h, const char *key)
{
    const char *p = strstr(h, key);
    if (!p)
        return NULL;
    p = strchr(p + strlen(key), ':');
    if (!p)
        return NULL;
    p++;
    while (*p == ' ')
        p++;
    return p;
}

ait_status ait_npy_load(ait_arena *a, const char *path, ait_tensor *t, ait_diag *d)
{
    void *bytes;
    size_t len;
    AIT_TRY(ait_read_file(a, path, &bytes, &len, d));
    const unsigned char *b = bytes;
    if (len < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
        return ait_fail(d, AIT_E_PARSE, "%s: not a .npy file", path);
    int major = b[6];
    size_t hlen, hoff;
    if (major == 1) {
        hlen = (size_t)b[8] | (size_t)b[9] << 8;
        hoff = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12)
            return ait_fail(d, AIT_E_PARSE, "%s: truncated header", path);
        hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
        hoff = 12;
    } else {
        return ait_fail(d, AIT_E_PARSE, "%s: .npy version %d is not supported (1 to 3 are)", path, major);
    }
    if (hoff + hlen > len)
        return ait_fail(d, AIT_E_PARSE, "%s: truncated header", path);
    char *h = ait_arena_alloc(a, hlen + 1);
    memcpy(h, b + hoff, hlen);
    const char *descr = dict_value(h, "'descr'"), *fortran = dict_value(h, "'fortran_order'"),
               *shape = dict_value(h, "'shape'");
    if (!descr || !fortran || !shape || *shape != '(')
        return ait_fail(d, AIT_E_PARSE, "%s: header lacks descr, fortran_order or shape", path);
    if (strncmp(fortran, "False", 5) != 0)
        return ait_fail(d, AIT_E_UNSUPPORTED, "%s: Fortran-ordered arrays are not supported (save C order)", path);
    memset(t, 0, sizeof *t);
    t->producer = -1;
    t->dtype = AIT_DT_UNDEFINED;
    for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++)
        if (strncmp(descr + 1, npy_types[i].descr, 3) == 0 && descr[4] == '\'')
            t->dtype = npy_types[i].dtype;
    if (t->dtype == AIT_DT_UNDEFINED)
        return ait_fail(d, AIT_E_UNSUPPORTED, "%s: dtype %.6s is not supported (little-endian numbers and bool are)",
                        path, descr);
    t->rank = 0;
    for (const char *p = shape + 1; *p && *p != ')';) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == ')')
            break;
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p || v < 0 || t->rank == AIT_MAX_RANK)
            return ait_fail(d, AIT_E_PARSE, "%s: bad shape in header", path);
        t->dims[t->rank++] = v;
        p = end;
    }
    size_t need = ait_tensor_bytes(t), off = hoff + hlen;
    if (len - off != need)
        return ait_fail(d, AIT_E_PARSE, "%s: %zu data bytes, shape needs %zu", path, len - off, need);
    t->data = ait_arena_memdup(a, b + off, need);
    t->name = "";
    return AIT_OK;
}

ait_status ait_npy_save(const char *path, const ait_tensor *t, ait_diag *d)
{
    const char *descr = NULL;
    for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++)
        if (npy_types[i].dtype == t->dtype)
            descr = npy_types[i].descr;
    if (!descr)
        return ait_fail(d, AIT_E_UNSUPPORTED, "%s: cannot save %s as .npy", path, ait_dtype_get(t->dtype)->name);
    char h[256];
    int n = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    for (int i = 0; i < t->rank; i++)
        n += snprintf(h + n, sizeof h - (size_t)n, "%lld,%s", (long long)t->dims[i], t->rank > 1 ? " " : "");
    n += snprintf(h + n, sizeof h - (size_t)n, "), }");
    while ((10 + n + 1) % 64)
        h[n++] = ' ';
    h[n++] = '\n';
    FILE *f = fopen(path, "wb");
    if (!f)
        return ait_fail(d, AIT_E_IO, "%s: cannot write", path);
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(n & 255), (unsigned char)(n >> 8)};
    size_t bytes = ait_tensor_bytes(t);
    int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(h, 1, (size_t)n, f) == (size_t)n &&
             fwrite(t->data, 1, bytes, f) == bytes;
    if (fclose(f) != 0 || !ok)
        return ait_fail(d, AIT_E_IO, "%s: write failed", path);
    return AIT_OK;
}

/* --- checking samples against the model ----------------------------------- */

int ait_input_has_batch_axis(const ait_tensor *declared)
{
    return declared->rank < 0 || (declared->rank >= 1 && (declared->dims[0] < 0 || declared->dims[0] == 1));
}

static ait_status check_sample(const ait_graph *g, const ait_sample *s, ait_diag *d)
{
    for (int i = 0; i < g->n_inputs; i++) {
        const ait_tensor *m = &g->t[g->inputs[i]], *t = &s->in[i];
        if (t->dtype != m->dtype)
            return ait_fail(d, AIT_E_SHAPE, "%s: input %d ('%s') is %s, the model expects %s", s->origin, i, m->name,
                            ait_dtype_get(t->dtype)->name, ait_dtype_get(m->dtype)->name);
        if (m->rank >= 0 && t->rank != m->rank)
            return ait_fail(d, AIT_E_SHAPE, "%s: input '%s' has rank %d, the model expects %d", s->origin, m->name,
                            t->rank, m->rank);
        int batch_axis = ait_input_has_batch_axis(m);
        for (int k = batch_axis; k < t->rank && m->rank >= 0; k++)
            if (m->dims[k] >= 0 && m->dims[k] != t->dims[k]) {
                char a[160], b[160];
                return ait_fail(d, AIT_E_SHAPE, "%s: input '%s' has shape %s, the model expects %s", s->origin,
                                m->name, ait_tensor_shape_str(t, a, sizeof a), ait_tensor_shape_str(m, b, sizeof b));
            }
        if (ait_dtype_get(t->dtype)->is_float)
            for (int64_t j = 0; j < ait_tensor_numel(t); j++)
                if (!isfinite(ait_dtype_load_f64(t->dtype, t->data, (size_t)j)))
                    return ait_fail(d, AIT_E_SHAPE, "%s: input '%s' element %lld is not finite", s->origin, m->name,
                                    (long long)j);
    }
    return AIT_OK;
}

ait_status ait_samples_check(const ait_graph *g, const ait_sample *s, int n, ait_diag *d)
{
    if (n < 1)
        return ait_fail(d, AIT_E_SHAPE, "no samples");
    for (int i = 0; i < n; i++)
        AIT_TRY(check_sample(g, &s[i], d));
    return AIT_OK;
}

/* --- loading -------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(ait_arena *a, const char *path, char ***names)
{
    DIR *dir = opendir(path);
    if (!dir)
        return -1;
    int n = 0, cap = 64;
    *names = AIT_NEW(a, char *, cap);
    for (struct dirent *e; (e = readdir(dir));) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **bigger = AIT_NEW(a, char *, cap * 2);
            memcpy(bigger, *names, sizeof(char *) * (size_t)n);
            *names = bigger;
            cap *= 2;
        }
        (*names)[n++] = ait_arena_strdup(a, e->d_name);
    }
    closedir(dir);
    qsort(*names, (size_t)n, sizeof(char *), cmp_str);
    return n;
}

ait_status ait_samples_load(ait_arena *a, const char *path, const ait_graph *g, ait_sample **out, int *count,
                            ait_diag *d)
{
    char **names;
    int n = list_dir(a, path, &names);
    if (n < 0)
        return ait_fail(d, AIT_E_IO, "%s: samples dir cannot be read", path);
    ait_sample *s = AIT_NEW(a, ait_sample, MAX_SAMPLES);
    int ns = 0;
    for (int i = 0; i < n && ns < MAX_SAMPLES; i++) { /* ONNX layout: test_data_set_N/input_K.pb */
        if (strncmp(names[i], "test_data_set_", 14) != 0)
            continue;
        ait_sample *sm = &s[ns];
        sm->origin = ait_arena_printf(a, "%s/%s", path, names[i]);
        sm->in = AIT_NEW(a, ait_tensor, g->n_inputs + 1);
        for (int k = 0; k < g->n_inputs; k++) {
            char *f = ait_arena_printf(a, "%s/input_%d.pb", sm->origin, k);
            AIT_TRY(ait_onnx_load_tensor(a, f, &sm->in[k], d));
        }
        char *extra = ait_arena_printf(a, "%s/input_%d.pb", sm->origin, g->n_inputs);
        struct stat st;
        if (stat(extra, &st) == 0)
            return ait_fail(d, AIT_E_SHAPE, "%s: more inputs than the model's %d", sm->origin, g->n_inputs);
        AIT_TRY(check_sample(g, sm, d));
        ns++;
    }
    if (!ns) { /* .npy: input_K.npy (one sample) or input_K_S.npy */
        for (int i = 0; i < n; i++) {
            int k, sidx = 0, used = 0;
            size_t len = strlen(names[i]);
            if (len < 5 || strcmp(names[i] + len - 4, ".npy") != 0)
                continue;
            if (sscanf(names[i], "input_%d_%d.npy%n", &k, &sidx, &used) == 2 && (size_t)used == len) {
            } else if (sscanf(names[i], "input_%d.npy%n", &k, &used) == 1 && (size_t)used == len) {
                sidx = 0;
            } else {
                return ait_fail(d, AIT_E_PARSE, "%s/%s: expected input_K.npy or input_K_S.npy", path, names[i]);
            }
            if (k < 0 || k >= g->n_inputs || sidx < 0 || sidx >= MAX_SAMPLES)
                return ait_fail(d, AIT_E_SHAPE, "%s/%s: the model has %d inputs", path, names[i], g->n_inputs);
            while (ns <= sidx) {
                s[ns].in = AIT_NEW(a, ait_tensor, g->n_inputs + 1);
                s[ns].origin = ait_arena_printf(a, "%s (sample %d)", path, ns);
                ns++;
            }
            AIT_TRY(ait_npy_load(a, ait_arena_printf(a, "%s/%s", path, names[i]), &s[sidx].in[k], d));
        }
        for (int i = 0; i < ns; i++) {
            for (int k = 0; k < g->n_inputs; k++)
                if (!s[i].in[k].data)
                    return ait_fail(d, AIT_E_SHAPE, "%s: input %d is missing", s[i].origin, k);
            AIT_TRY(check_sample(g, &s[i], d));
        }
    }
    if (!ns)
        return ait_fail(d, AIT_E_IO, "%s: no samples (expected test_data_set_N/input_K.pb or input_K.npy)", path);
    *out = s;
    *count = ns;
    return AIT_OK;
}

ait_status ait_samples_random(ait_arena *a, const ait_graph *g, int count, int items, unsigned seed,
                              ait_sample **out, ait_diag *d)
{
    ait_sample *s = AIT_NEW(a, ait_sample, count);
    unsigned state = seed ? seed : 1;
    for (int i = 0; i < count; i++) {
        s[i].origin = ait_arena_printf(a, "random sample %d", i);
        s[i].in = AIT_NEW(a, ait_tensor, g->n_inputs + 1);
        for (int k = 0; k < g->n_inputs; k++) {
            const ait_tensor *m = &g->t[g->inputs[k]];
            ait_tensor *t = &s[i].in[k];
            if (m->rank < 0)
                return ait_fail(d, AIT_E_SHAPE, "%s: input '%s' has no declared shape: give samples", g->path,
                                m->name);
            t->name = m->name;
            t->dtype = m->dtype;
            t->rank = m->rank;
            t->producer = -1;
            for (int j = 0; j < m->rank; j++)
                t->dims[j] = m->dims[j] >= 0 ? m->dims[j] : (j == 0 ? items : 1);
            AIT_TRY(ait_tensor_check_limits(g, t, "random sample", NULL, d));
            int64_t n = ait_tensor_numel(t);
            t->data = ait_arena_alloc(a, ait_tensor_bytes(t) + 1);
            for (int64_t j = 0; j < n; j++) {
                state = state * 1103515245u + 12345u;
                double u = (double)(state >> 8) / (double)(1u << 24); /* [0, 1) */
                switch (t->dtype) {
                case AIT_DT_FLOAT: ((float *)t->data)[j] = (float)(2 * u - 1); break;
                case AIT_DT_DOUBLE: ((double *)t->data)[j] = 2 * u - 1; break;
                case AIT_DT_FLOAT16: ((uint16_t *)t->data)[j] = ait_half_from_double(2 * u - 1); break;
                case AIT_DT_BFLOAT16: ((uint16_t *)t->data)[j] = ait_bf16_from_float((float)(2 * u - 1)); break;
                case AIT_DT_INT64: ((int64_t *)t->data)[j] = (int64_t)(u * 4); break;
                case AIT_DT_INT32: ((int32_t *)t->data)[j] = (int32_t)(u * 4); break;
                case AIT_DT_BOOL: case AIT_DT_UINT8: ((uint8_t *)t->data)[j] = (uint8_t)(u * 2); break;
                default:
                    return ait_fail(d, AIT_E_UNSUPPORTED, "%s: cannot make random %s input '%s': give samples",
                                    g->path, ait_dtype_get(t->dtype)->name, m->name);
                }
            }
        }
    }
    *out = s;
    return AIT_OK;
}
