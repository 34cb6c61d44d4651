#include "ir/graph.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Open-addressing name -> tensor id map; rebuilt on growth. */
struct ait_name_map {
    int cap;
    int *slot; /* tensor id + 1; 0 = empty */
};

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

static void map_insert(ait_graph *g, int id)
{
    struct ait_name_map *m = g->names;
    uint32_t i = hash_str(g->t[id].name) & (uint32_t)(m->cap - 1);
    while (m->slot[i])
        i = (i + 1) & (uint32_t)(m->cap - 1);
    m->slot[i] = id + 1;
}

ait_graph *ait_graph_new(ait_arena *a, const char *path)
{
    ait_graph *g = AIT_NEW(a, ait_graph, 1);
    g->arena = a;
    g->path = ait_arena_strdup(a, path ? path : "<model>");
    g->names = AIT_NEW(a, struct ait_name_map, 1);
    g->limits = (ait_limits){AIT_LIMIT_TENSOR_DEFAULT, AIT_LIMIT_TOTAL_DEFAULT};
    return g;
}

int ait_graph_find(const ait_graph *g, const char *name)
{
    const struct ait_name_map *m = g->names;
    if (!m->cap)
        return -1;
    uint32_t i = hash_str(name) & (uint32_t)(m->cap - 1);
    while (m->slot[i]) {
        int id = m->slot[i] - 1;
        if (strcmp(g->t[id].name, name) == 0)
            return id;
        i = (i + 1) & (uint32_t)(m->cap - 1);
    }
    return -1;
}

int ait_graph_add_tensor(ait_graph *g, const char *name)
{
    if (g->n_t == g->cap_t) {
        int cap = g->cap_t ? g->cap_t * 2 : 64;
        ait_tensor *t = AIT_NEW(g->arena, ait_tensor, cap);
        if (g->n_t)
            memcpy(t, g->t, sizeof *t * (size_t)g->n_t);
        g->t = t;
        g->cap_t = cap;
    }
    if (g->names->cap < 2 * (g->n_t + 1)) {
        struct ait_name_map *m = g->names;
        m->cap = m->cap ? m->cap * 4 : 256;
        m->slot = AIT_NEW(g->arena, int, m->cap);
        for (int i = 0; i < g->n_t; i++)
            map_insert(g, i);
    }
    int id = g->n_t++;
    ait_tensor *t = &g->t[id];
    memset(t, 0, sizeof *t);
    t->name = ait_arena_strdup(g->arena, name);
    t->rank = -1;
    t->producer = -1;
    map_insert(g, id);
    return id;
}

int64_t ait_tensor_numel(const ait_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++) {
        if (t->dims[i] < 0)
            return INT64_MAX; /* unknown: as large as can be */
        if (t->dims[i] && n > INT64_MAX / t->dims[i])
            return INT64_MAX;
        n *= t->dims[i];
    }
    return n;
}

size_t ait_tensor_bytes(const ait_tensor *t)
{
    int64_t n = ait_tensor_numel(t);
    size_t es = ait_dtype_get(t->dtype)->size;
    if (n == INT64_MAX || (uint64_t)n > SIZE_MAX / (es ? es : 1))
        return SIZE_MAX;
    return (size_t)n * es;
}

ait_status ait_tensor_check_limits(const ait_graph *g, const ait_tensor *t, const char *what, uint64_t *total,
                                   ait_diag *d)
{
    size_t bytes = ait_tensor_bytes(t);
    char shape[200];
    if (bytes > g->limits.max_tensor_bytes)
        return ait_fail(d, AIT_E_SHAPE, "%s: %s: tensor '%s' %s is %s%zu bytes, over the limit of %llu "
                                        "(tune.max_tensor_bytes)",
                        g->path, what, t->name ? t->name : "?", ait_tensor_shape_str(t, shape, sizeof shape),
                        bytes == SIZE_MAX ? "over " : "", bytes, (unsigned long long)g->limits.max_tensor_bytes);
    if (total) {
        *total += bytes;
        if (*total > g->limits.max_total_bytes)
            return ait_fail(d, AIT_E_SHAPE, "%s: %s: tensor '%s' brings the model's tensors to %llu bytes, over the "
                                            "limit of %llu (tune.max_total_bytes)",
                            g->path, what, t->name ? t->name : "?", (unsigned long long)*total,
                            (unsigned long long)g->limits.max_total_bytes);
    }
    return AIT_OK;
}

void ait_tensor_set_shape(ait_tensor *t, int rank, const int64_t *dims)
{
    assert(rank >= 0 && rank <= AIT_MAX_RANK);
    t->rank = rank;
    for (int i = 0; i < rank; i++)
        t->dims[i] = dims[i];
}

const char *ait_tensor_shape_str(const ait_tensor *t, char *buf, size_t n)
{
    size_t k = (size_t)snprintf(buf, n, "%s[", ait_dtype_get(t->dtype)->name);
    for (int i = 0; i < t->rank && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%" PRId64, i ? "," : "", t->dims[i]);
    if (k < n)
        snprintf(buf + k, n - k, "]");
    return buf;
}

int64_t ait_dims_prod(const int64_t *dims, int from, int to)
{
    int64_t p = 1;
    for (int i = from; i < to; i++)
        p *= dims[i];
    return p;
}

void ait_strides(int rank, const int64_t *dims, int64_t *strides)
{
    int64_t s = 1;
    for (int k = rank - 1; k >= 0; k--) {
        strides[k] = s;
        s *= dims[k];
    }
}

void ait_bcast_strides(int rank, const int64_t *dims, int orank, const int64_t *odims, int64_t *strides)
{
    int64_t own[AIT_MAX_RANK];
    ait_strides(rank, dims, own);
    for (int k = 0; k < orank; k++) {
        int j = k - (orank - rank);
        strides[k] = j < 0 || (dims[j] == 1 && odims[k] != 1) ? 0 : own[j];
    }
}

ait_tensor *ait_node_in(const ait_graph *g, const ait_node *n, int i)
{
    return i < n->n_in && n->in[i] >= 0 ? &g->t[n->in[i]] : NULL;
}

ait_tensor *ait_node_out(const ait_graph *g, const ait_node *n, int i)
{
    return i < n->n_out && n->out[i] >= 0 ? &g->t[n->out[i]] : NULL;
}

const ait_attr *ait_attr_find(const ait_node *n, const char *name)
{
    for (int i = 0; i < n->n_attr; i++)
        if (strcmp(n->attr[i].name, name) == 0)
            return &n->attr[i];
    return NULL;
}

static const ait_attr *typed(ait_node *n, const char *name, int type)
{
    const ait_attr *a = ait_attr_find(n, name);
    if (a && a->type != type) {
        if (!n->bad_attr)
            n->bad_attr = a->name;
        return NULL;
    }
    return a;
}

int64_t ait_attr_int(ait_node *n, const char *name, int64_t dflt)
{
    const ait_attr *a = typed(n, name, AIT_ATTR_INT);
    return a ? a->i : dflt;
}

float ait_attr_float(ait_node *n, const char *name, float dflt)
{
    const ait_attr *a = typed(n, name, AIT_ATTR_FLOAT);
    return a ? a->f : dflt;
}

const char *ait_attr_str(ait_node *n, const char *name, const char *dflt)
{
    const ait_attr *a = typed(n, name, AIT_ATTR_STRING);
    return a ? a->s : dflt;
}

int ait_attr_ints(ait_node *n, const char *name, const int64_t **v)
{
    const ait_attr *a = typed(n, name, AIT_ATTR_INTS);
    *v = a ? a->ints : NULL;
    return a ? a->n : -1;
}

int ait_attr_floats(ait_node *n, const char *name, const float **v)
{
    const ait_attr *a = typed(n, name, AIT_ATTR_FLOATS);
    *v = a ? a->floats : NULL;
    return a ? a->n : -1;
}

int ait_attr_strs(ait_node *n, const char *name, const char *const **v)
{
    const ait_attr *a = typed(n, name, AIT_ATTR_STRINGS);
    *v = a ? a->strs : NULL;
    return a ? a->n : -1;
}

int ait_node_append_input(ait_graph *g, ait_node *n, int tensor, int min_slot)
{
    int slot = n->n_in > min_slot ? n->n_in : min_slot;
    int *in = AIT_NEW(g->arena, int, slot + 1);
    for (int i = 0; i < slot; i++)
        in[i] = i < n->n_in ? n->in[i] : -1;
    in[slot] = tensor;
    n->in = in;
    n->n_in = slot + 1;
    return slot;
}

double ait_graph_param_count(const ait_graph *g)
{
    double p = 0;
    for (int i = 0; i < g->n_t; i++)
        if (g->t[i].data && g->t[i].producer < 0 && ait_dtype_get(g->t[i].dtype)->is_float)
            p += (double)ait_tensor_numel(&g->t[i]);
    return p;
}
