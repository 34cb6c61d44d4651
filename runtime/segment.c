/* Graph breaks: a module whose shapes depend on values computed from its inputs (TopK with a k
 * from data, a Reshape fed by a computed shape) runs as a chain of segments.  The nodes before
 * the break are a static segment, a module of its own that records and tunes; the nodes from
 * the break on are specialized on the value that decides their shapes (a module per value,
 * which may break again further on).  Segments are sub-models cut from the ONNX bytes. */
#include "runtime/rt.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ir/dtype.h"
#include "ir/escape.h"
#include "onnx.pb-c.h"

static int in_list(char **names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

static void push(char ***names, int *n, const char *name)
{
    if (in_list(*names, *n, name) >= 0)
        return;
    *names = realloc(*names, sizeof **names * (size_t)(*n + 1));
    (*names)[(*n)++] = strdup(name);
}

static void free_names(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static int is_initializer(const Onnx__GraphProto *g, const char *name)
{
    for (size_t i = 0; i < g->n_initializer; i++)
        if (g->initializer[i]->name && strcmp(g->initializer[i]->name, name) == 0)
            return 1;
    return 0;
}

static const Onnx__ValueInfoProto *graph_input(const Onnx__GraphProto *g, const char *name)
{
    for (size_t i = 0; i < g->n_input; i++)
        if (g->input[i]->name && strcmp(g->input[i]->name, name) == 0)
            return g->input[i];
    return NULL;
}

enum { AIT_RT_POOL = 1024 }; /* tensors crossing segments in one call */

/* The tensors of one call by name: the module's inputs, then each segment's outputs. */
typedef struct {
    const char *name;
    ait_rt_tensor t;
} pooled;

static const ait_rt_tensor *find(const pooled *p, int n, const char *name)
{
    for (int i = n - 1; i >= 0; i--)
        if (strcmp(p[i].name, name) == 0)
            return &p[i].t;
    return NULL;
}

/* Nodes [lo, hi) as a model: inputs are what they read from outside (dtype from dtype_of),
 * outputs what later nodes read or the model returns; `bake` (when set) becomes an initializer
 * holding value.  An input that is no model input takes its dtype from the call's tensors in
 * pool.  The names of the cut's inputs and outputs are returned. */
static int extract(const ait_module *m, int lo, int hi, const char *bake, const ait_rt_tensor *value,
                   const pooled *pool, int np, char ***ins, int *n_in, char ***outs, int *n_out, void **bytes,
                   size_t *len)
{
    Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, m->len, m->bytes);
    if (!mp || !mp->graph)
        return ait_rt_fail(AIT_E_PARSE, "%s: cannot decode the model", m->model_path);
    Onnx__GraphProto *g = mp->graph;
    *ins = *outs = NULL;
    *n_in = *n_out = 0;
    char **produced = NULL, **inits = NULL;
    int n_prod = 0, n_inits = 0;
    for (int k = lo; k < hi; k++) {
        const Onnx__NodeProto *np = g->node[k];
        for (size_t i = 0; i < np->n_input; i++) {
            const char *x = np->input[i];
            if (!*x || in_list(produced, n_prod, x) >= 0)
                continue;
            if (is_initializer(g, x) && !(bake && !strcmp(x, bake)))
                push(&inits, &n_inits, x);
            else if (!(bake && !strcmp(x, bake)))
                push(ins, n_in, x);
        }
        for (size_t i = 0; i < np->n_output; i++)
            if (*np->output[i])
                push(&produced, &n_prod, np->output[i]);
    }
    /* outputs: read by a node after hi, or a graph output */
    for (int p = 0; p < n_prod; p++) {
        int used = 0;
        for (size_t k = (size_t)hi; k < g->n_node && !used; k++)
            for (size_t i = 0; i < g->node[k]->n_input && !used; i++)
                used = strcmp(g->node[k]->input[i], produced[p]) == 0;
        for (size_t i = 0; i < g->n_output && !used; i++)
            used = strcmp(g->output[i]->name, produced[p]) == 0;
        if (used)
            push(outs, n_out, produced[p]);
    }
    /* the cut graph, in the unpacked model's place (its own arrays restored before the free) */
    Onnx__NodeProto **nodes0 = g->node;
    Onnx__ValueInfoProto **in0 = g->input, **out0 = g->output;
    Onnx__TensorProto **init0 = g->initializer;
    size_t nn0 = g->n_node, ni0 = g->n_input, no0 = g->n_output, nz0 = g->n_initializer;
    Onnx__ValueInfoProto *vi = calloc((size_t)(*n_in + *n_out) + 1, sizeof *vi);
    Onnx__TypeProto *tp = calloc((size_t)*n_in + 1, sizeof *tp);
    Onnx__TypeProto__Tensor *tt = calloc((size_t)*n_in + 1, sizeof *tt);
    Onnx__ValueInfoProto **vin = calloc((size_t)*n_in + 1, sizeof *vin), **vout = calloc((size_t)*n_out + 1, sizeof *vout);
    Onnx__TensorProto **zs = calloc((size_t)n_inits + 2, sizeof *zs);
    Onnx__TensorProto baked = ONNX__TENSOR_PROTO__INIT;
    int64_t bdims[8];
    for (int i = 0; i < *n_in; i++) {
        onnx__value_info_proto__init(&vi[i]);
        onnx__type_proto__init(&tp[i]);
        onnx__type_proto__tensor__init(&tt[i]);
        const Onnx__ValueInfoProto *orig = graph_input(g, (*ins)[i]);
        if (orig) { /* a model input: as declared */
            vin[i] = (Onnx__ValueInfoProto *)orig;
            continue;
        }
        const ait_rt_tensor *x = pool ? find(pool, np, (*ins)[i]) : NULL;
        tt[i].has_elem_type = 1;
        tt[i].elem_type = x ? x->dtype : AIT_DTYPE_FLOAT;
        tp[i].value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
        tp[i].tensor_type = &tt[i];
        vi[i].name = (*ins)[i];
        vi[i].type = &tp[i];
        vin[i] = &vi[i];
    }
    for (int i = 0; i < *n_out; i++) {
        onnx__value_info_proto__init(&vi[*n_in + i]);
        vi[*n_in + i].name = (*outs)[i];
        vout[i] = &vi[*n_in + i];
    }
    int nz = 0;
    for (size_t i = 0; i < nz0; i++)
        if (in_list(inits, n_inits, init0[i]->name) >= 0)
            zs[nz++] = init0[i];
    if (bake) {
        baked.name = (char *)bake;
        baked.has_data_type = 1;
        baked.data_type = value->dtype;
        baked.n_dims = (size_t)value->rank;
        for (int ax = 0; ax < value->rank; ax++)
            bdims[ax] = value->dims[ax];
        baked.dims = bdims;
        baked.has_raw_data = 1;
        baked.raw_data.len = ait_rt_bytes(value);
        baked.raw_data.data = value->data;
        zs[nz++] = &baked;
    }
    g->node = nodes0 + lo;
    g->n_node = (size_t)(hi - lo);
    g->input = vin;
    g->n_input = (size_t)*n_in;
    g->output = vout;
    g->n_output = (size_t)*n_out;
    g->initializer = zs;
    g->n_initializer = (size_t)nz;
    *len = onnx__model_proto__get_packed_size(mp);
    *bytes = malloc(*len + 1);
    if (*bytes)
        onnx__model_proto__pack(mp, *bytes);
    g->node = nodes0;
    g->n_node = nn0;
    g->input = in0;
    g->n_input = ni0;
    g->output = out0;
    g->n_output = no0;
    g->initializer = init0;
    g->n_initializer = nz0;
    onnx__model_proto__free_unpacked(mp, NULL);
    free(vi);
    free(tp);
    free(tt);
    free(vin);
    free(vout);
    free(zs);
    free_names(produced, n_prod);
    free_names(inits, n_inits);
    return *bytes ? 0 : ait_rt_fail(AIT_E_IO, "out of memory");
}

/* A segment's model written where the module keeps its files, opened as a module of its own. */
static ait_module *open_segment(ait_module *m, const void *bytes, size_t len, const char *what)
{
    if (!m->seg_dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(m->seg_dir, sizeof m->seg_dir, "%s/aitune-seg-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(m->seg_dir)) {
            m->seg_dir[0] = 0;
            ait_rt_fail(AIT_E_IO, "cannot make a folder for %s's segments", m->label);
            return NULL;
        }
    }
    char path[1200], label[600];
    snprintf(path, sizeof path, "%s/segment%d.onnx", m->seg_dir, m->n_seg_files++);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(bytes, 1, len, f) != len) {
        if (f)
            fclose(f);
        ait_rt_fail(AIT_E_IO, "%s: cannot write", path);
        return NULL;
    }
    fclose(f);
    snprintf(label, sizeof label, "%.200s/%s", m->label, what);
    ait_module *c = ait_rt_open(path, label, &m->cfg, 0);
    if (c)
        c->depth = m->depth + 1;
    return c;
}

/* The first node that needs tensor t's value, and t itself: where the chain breaks. */
static int break_node(const ait_graph *g, int t)
{
    for (int k = 0; k < g->n_nodes; k++)
        for (int i = 0; i < g->nodes[k].n_in; i++)
            if (g->nodes[k].in[i] == t)
                return k;
    return -1;
}

/* Nodes [lo, hi) as a static segment of the chain, in its next slot. */
static int add_static(ait_module *m, ait_rt_chain *ch, int lo, int hi, const char *what, int level)
{
    if (ch->n_seg == AIT_RT_MAX_SEGS)
        return ait_rt_fail(AIT_E_UNSUPPORTED, "%s: more than %d segments", m->label, AIT_RT_MAX_SEGS);
    ait_rt_seg *sg = &ch->seg[ch->n_seg];
    void *bytes;
    size_t len;
    int rc = extract(m, lo, hi, NULL, NULL, NULL, 0, &sg->in, &sg->n_in, &sg->out, &sg->n_out, &bytes, &len);
    if (rc)
        return rc;
    if (sg->n_in > AIT_RT_MAX_IO || sg->n_out > AIT_RT_MAX_IO)
        rc = ait_rt_fail(AIT_E_UNSUPPORTED, "%s: a segment with %d inputs and %d outputs", m->label, sg->n_in,
                         sg->n_out);
    if (!rc && !(sg->mod = open_segment(m, bytes, len, what)))
        rc = -AIT_E_IO;
    free(bytes);
    if (rc) {
        free_names(sg->in, sg->n_in);
        free_names(sg->out, sg->n_out);
        memset(sg, 0, sizeof *sg);
        return rc;
    }
    sg->mod->scope_level = level;
    if (m->state == AIT_STATE_RECORDING)
        ait_module_enable_recording(sg->mod, 0);
    ch->n_seg++;
    return 0;
}

int ait_rt_chain_build(ait_module *m, const ait_diag *why)
{
    const ait_graph *g = m->g;
    int t = why->needs_tensor, b = break_node(g, t);
    if (t < 0 || t >= g->n_t || b < 0)
        return ait_rt_fail_diag(why);
    ait_rt_chain *ch = calloc(1, sizeof *ch);
    if (!ch)
        return ait_rt_fail(AIT_E_IO, "out of memory");
    ch->break_at = b;
    snprintf(ch->value_name, sizeof ch->value_name, "%s", g->t[t].name);
    char nm[200], op[64], val[200]; /* names from the model: printable in the history */
    snprintf(m->graph_break, sizeof m->graph_break, "node '%s' (%s) needs the value of '%s'",
             ait_esc_buf(nm, sizeof nm, AIT_ESC_TEXT, g->nodes[b].name),
             ait_esc_buf(op, sizeof op, AIT_ESC_TEXT, g->nodes[b].op_type),
             ait_esc_buf(val, sizeof val, AIT_ESC_TEXT, g->t[t].name));
    m->break_checked = 1;
    int rc = b > 0 ? add_static(m, ch, 0, b, "static", m->scope_level) : 0; /* the static part before the break */
    if (rc) {
        ait_rt_chain_free(ch);
        return rc;
    }
    m->chain = ch;
    ait_rt_history(m, "Graph break in %s: %s; it runs as a chain: nodes 0..%d static (a module that records and "
                      "tunes), the rest specialized on the value of '%s'",
                   m->label, m->graph_break, b - 1, val);
    return 0;
}

/* Component `level` of a node's scope path ("/layer1/layer1.0/conv1/Conv": level 0 is layer1);
 * the node's own name (the last component) is no scope: empty then. */
static size_t scope_at(const char *name, int level, const char **start)
{
    const char *p = name;
    for (int l = 0;; l++) {
        while (*p == '/')
            p++;
        const char *slash = strchr(p, '/');
        if (!slash)
            return *start = p, 0;
        if (l == level)
            return *start = p, (size_t)(slash - p);
        p = slash;
    }
}

int ait_rt_chain_scopes(ait_module *m)
{
    const ait_graph *g = m->g;
    int level = m->scope_level;
    if (m->depth >= m->cfg.jit_max_depth_level || m->chain || g->n_nodes < 2)
        return 0;
    /* runs of consecutive nodes in the same scope one level down (nodes outside every scope
     * run together) */
    int lo[AIT_RT_MAX_SEGS], hi[AIT_RT_MAX_SEGS], n = 0;
    const char *prev = NULL;
    size_t prev_len = 0;
    for (int k = 0; k < g->n_nodes; k++) {
        const char *sc;
        size_t len = scope_at(g->nodes[k].name, level, &sc);
        if (n && len == prev_len && (!len || !strncmp(sc, prev, len))) {
            hi[n - 1] = k + 1;
            continue;
        }
        if (n == AIT_RT_MAX_SEGS)
            return 0; /* too fragmented to be worth a module each */
        lo[n] = k;
        hi[n++] = k + 1;
        prev = sc;
        prev_len = len;
    }
    if (n < 2)
        return 0;
    ait_rt_chain *ch = calloc(1, sizeof *ch);
    if (!ch)
        return ait_rt_fail(AIT_E_IO, "out of memory");
    ch->break_at = -1;
    for (int i = 0; i < n; i++) {
        const char *sc;
        size_t len = scope_at(g->nodes[lo[i]].name, level, &sc);
        char what[160];
        snprintf(what, sizeof what, "%.*s", len ? (int)(len < 120 ? len : 120) : 5, len ? sc : "nodes");
        int rc = add_static(m, ch, lo[i], hi[i], what, level + 1);
        if (rc) {
            ait_rt_chain_free(ch);
            return rc;
        }
    }
    m->chain = ch;
    ait_rt_history(m, "Tuning %s failed: its %d scopes at level %d run as modules of their own", m->label, n,
                   m->depth + 1);
    return n;
}

/* The tail after the break, specialized on the value: one module per value seen, the least
 * used giving way past AIT_RT_MAX_VALUES. */
static ait_module *tail_for(ait_module *m, const ait_rt_tensor *v, const pooled *pool, int np, char ***ins,
                            int *ni, char ***outs, int *no)
{
    ait_rt_chain *ch = m->chain;
    size_t bytes = ait_rt_bytes(v);
    for (int i = 0; i < ch->n_tails; i++) {
        ait_rt_tail *t = &ch->tails[i];
        if (t->rank == v->rank && t->len == bytes && !memcmp(t->dims, v->dims, sizeof(int64_t) * (size_t)v->rank) &&
            !memcmp(t->value, v->data, bytes)) {
            *ins = t->in, *ni = t->n_in, *outs = t->out, *no = t->n_out;
            t->uses++;
            return t->mod;
        }
    }
    if (bytes > 1 << 20) {
        ait_rt_fail(AIT_E_UNSUPPORTED, "%s: '%s' decides shapes and holds %zu bytes: too large to specialize on",
                    m->label, ch->value_name, bytes);
        return NULL;
    }
    int slot = ch->n_tails;
    if (slot == AIT_RT_MAX_VALUES) {
        slot = 0;
        for (int i = 1; i < ch->n_tails; i++)
            if (ch->tails[i].uses < ch->tails[slot].uses)
                slot = i;
        ait_rt_tail_free(&ch->tails[slot]);
    } else {
        ch->n_tails++;
    }
    ait_rt_tail *t = &ch->tails[slot];
    memset(t, 0, sizeof *t);
    void *blob;
    size_t len;
    if (extract(m, ch->break_at, m->g->n_nodes, ch->value_name, v, pool, np, &t->in, &t->n_in, &t->out, &t->n_out,
                &blob, &len)) {
        t->in = t->out = NULL;
        ch->n_tails -= slot == ch->n_tails - 1;
        return NULL;
    }
    char what[300];
    snprintf(what, sizeof what, "after-break#%d", slot);
    t->mod = open_segment(m, blob, len, what);
    free(blob);
    if (!t->mod) {
        ait_rt_tail_free(t);
        ch->n_tails -= slot == ch->n_tails - 1;
        return NULL;
    }
    t->mod->state = AIT_STATE_EAGER; /* specialized per value: not worth a tuning each */
    t->value = malloc(bytes + 1);
    memcpy(t->value, v->data, bytes);
    t->len = bytes;
    t->rank = v->rank;
    memcpy(t->dims, v->dims, sizeof(int64_t) * (size_t)v->rank);
    t->uses = 1;
    char val[200];
    ait_rt_history(m, "Specialized %s after the break on a new value of '%s' (%zu bytes)", m->label,
                   ait_esc_buf(val, sizeof val, AIT_ESC_TEXT, ch->value_name), bytes);
    *ins = t->in, *ni = t->n_in, *outs = t->out, *no = t->n_out;
    return t->mod;
}

static int run_segment(ait_module *seg, char **ins, int ni, char **outs, int no, pooled *pool, int *np,
                       const char *label)
{
    ait_rt_tensor in[AIT_RT_MAX_IO], out[AIT_RT_MAX_IO];
    if (ni > AIT_RT_MAX_IO || no > AIT_RT_MAX_IO || *np + no > AIT_RT_POOL)
        return ait_rt_fail(AIT_E_UNSUPPORTED, "%s: too many tensors cross the graph break", label);
    for (int i = 0; i < ni; i++) {
        const ait_rt_tensor *x = find(pool, *np, ins[i]);
        if (!x)
            return ait_rt_fail(AIT_E_MODEL, "%s: '%s' crosses the graph break but no segment makes it", label, ins[i]);
        in[i] = *x;
    }
    memset(out, 0, sizeof out);
    int rc = ait_module_run(seg, in, ni, out, no);
    for (int i = 0; !rc && i < no; i++)
        pool[(*np)++] = (pooled){outs[i], out[i]};
    return rc;
}

/* One call through the chain; the outputs land in the modules' buffers, copied to the
 * caller's (or this module's) by the caller. */
int ait_rt_chain_run(ait_module *m, const ait_rt_tensor *inputs, ait_rt_tensor *final)
{
    ait_rt_chain *ch = m->chain;
    pooled *pool = malloc(sizeof *pool * AIT_RT_POOL);
    if (!pool)
        return ait_rt_fail(AIT_E_IO, "out of memory");
    int np = 0;
    for (int k = 0; k < m->g->n_inputs; k++)
        pool[np++] = (pooled){m->g->t[m->g->inputs[k]].name, inputs[k]};
    int rc = 0;
    for (int i = 0; i < ch->n_seg && !rc; i++)
        rc = run_segment(ch->seg[i].mod, ch->seg[i].in, ch->seg[i].n_in, ch->seg[i].out, ch->seg[i].n_out, pool, &np,
                         m->label);
    const ait_rt_tensor *v = rc || ch->break_at < 0 ? NULL : find(pool, np, ch->value_name);
    if (!rc && ch->break_at >= 0 && !v)
        rc = ait_rt_fail(AIT_E_MODEL, "%s: the value '%s' the break needs is made by no segment", m->label,
                         ch->value_name);
    char **ins = NULL, **outs = NULL;
    int ni = 0, no = 0;
    ait_module *tail = NULL;
    if (!rc && v && !(tail = tail_for(m, v, pool, np, &ins, &ni, &outs, &no)))
        rc = -AIT_E_RUNTIME;
    if (!rc && tail)
        rc = run_segment(tail, ins, ni, outs, no, pool, &np, m->label);
    for (int k = 0; !rc && k < m->g->n_outputs; k++) {
        const ait_rt_tensor *o = find(pool, np, m->g->t[m->g->outputs[k]].name);
        if (!o)
            rc = ait_rt_fail(AIT_E_MODEL, "%s: output '%s' is made by no segment", m->label,
                             m->g->t[m->g->outputs[k]].name);
        else
            final[k] = *o;
    }
    free(pool);
    return rc;
}

void ait_rt_tail_free(ait_rt_tail *t)
{
    ait_module_close(t->mod);
    free_names(t->in, t->n_in);
    free_names(t->out, t->n_out);
    free(t->value);
    memset(t, 0, sizeof *t);
}

void ait_rt_chain_free(ait_rt_chain *ch)
{
    if (!ch)
        return;
    for (int i = 0; i < ch->n_seg; i++) {
        ait_module_close(ch->seg[i].mod);
        free_names(ch->seg[i].in, ch->seg[i].n_in);
        free_names(ch->seg[i].out, ch->seg[i].n_out);
    }
    for (int i = 0; i < ch->n_tails; i++)
        ait_rt_tail_free(&ch->tails[i]);
    free(ch);
}
