#include "gen/kernel.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "gen/compile.h"
#include "ir/escape.h"
#include "ir/ops/op_util.h"
#include "templates/emit_util.h"

enum { FOLD_MAX_BYTES = 64 << 20 }; /* larger constant results stay run-time kernels */
/* Folding runs in this process, with no time limit: more work than this (a model's constant
 * Einsum or Det can ask for 10^13) stays a run-time kernel, where a trial's time limit holds. */
static const double fold_max_flops = 1e9;

void ait_emit_kernel(ait_sb *b, const ait_graph *g, const ait_node *n, const char *fname, const ait_template *t)
{
    ait_emit_kernel_dims(b, g, n, fname, t, 0);
}

/* The kernel's parameters as the driver passes them: inputs, outputs, scratch, the axes' values. */
typedef char param_decl[64]; /* "const float *x0" */
typedef char param_name[16];
typedef struct {
    int n;
    param_decl *decl;
    param_name *name;
} params;

static void add_param(params *p, const char *type, const char *name)
{
    snprintf(p->name[p->n], sizeof p->name[0], "%s", name);
    snprintf(p->decl[p->n], sizeof p->decl[0], "%s%s", type, name);
    p->n++;
}

static void kernel_params(const ait_graph *g, const ait_node *n, const ait_template *t, int dims_param, params *p)
{
    char type[48], name[16];
    p->n = 0;
    p->decl = AIT_NEW(g->arena, param_decl, n->n_in + n->n_out + 2);
    p->name = AIT_NEW(g->arena, param_name, n->n_in + n->n_out + 2);
    for (int i = 0; i < n->n_in; i++) {
        const ait_tensor *x = ait_node_in(g, n, i);
        snprintf(type, sizeof type, "const %s *", x ? ait_dtype_get(x->dtype)->ctype : "void");
        snprintf(name, sizeof name, "x%d", i);
        add_param(p, type, name);
    }
    for (int i = 0; i < n->n_out; i++) {
        const ait_tensor *y = ait_node_out(g, n, i);
        snprintf(type, sizeof type, "%s *", y ? ait_dtype_get(y->dtype)->ctype : "void");
        snprintf(name, sizeof name, "y%d", i);
        add_param(p, type, name);
    }
    if (t->scratch_bytes && t->scratch_bytes(g, n) > 0)
        add_param(p, "float *", "s0");
    if (dims_param)
        add_param(p, "const long *", "dim_");
}

static void emit_signature(ait_sb *b, const char *fname, const char *suffix, const params *p, const char *extra)
{
    ait_sb_printf(b, "static void %s%s(", fname, suffix);
    for (int i = 0; i < p->n; i++)
        ait_sb_printf(b, "%s%s", i ? ", " : "", p->decl[i]);
    if (extra)
        ait_sb_printf(b, "%s%s", p->n ? ", " : "", extra);
    ait_sb_puts(b, p->n || extra ? ")\n{\n" : "void)\n{\n");
}

static void emit_body(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_template *t, int dims_param)
{
    if (dims_param)
        ait_sb_puts(b, "(void)dim_;\n");
    for (int i = 0; i < n->n_in; i++)
        ait_sb_printf(b, "(void)x%d;\n", i);
    for (int i = 0; i < n->n_out; i++)
        ait_sb_printf(b, "(void)y%d;\n", i);
    t->emit(b, g, n);
    ait_sb_puts(b, "}\n\n");
}

/* A kernel split into tasks: its body as <fname>_p_ (one phase's share of one task), its
 * arguments in a struct, a task function that unpacks them, and <fname> itself, which hands
 * each phase's tasks to the model's parallel-for (DESIGN.md, "Threads in the emitted code"). */
static void emit_parallel(ait_sb *b, const ait_graph *g, const ait_node *n, const char *fname, const ait_template *t,
                          const params *p, int phases)
{
    ait_sb_puts(b, "typedef struct {\n");
    for (int i = 0; i < p->n; i++)
        ait_sb_printf(b, "%s;\n", p->decl[i]);
    ait_sb_printf(b, "int phase_;\n} %s_a_;\n\n", fname);
    emit_signature(b, fname, "_p_", p, "int phase_, int task_");
    ait_sb_puts(b, "(void)phase_;\n(void)task_;\n");
    emit_body(b, g, n, t, 0);
    ait_sb_printf(b, "static void %s_t_(void *arg_, int task_)\n{\nconst %s_a_ *const a_ = (const %s_a_ *)arg_;\n%s_p_(",
                  fname, fname, fname, fname);
    for (int i = 0; i < p->n; i++)
        ait_sb_printf(b, "a_->%s, ", p->name[i]);
    ait_sb_puts(b, "a_->phase_, task_);\n}\n\n");
    emit_signature(b, fname, "", p, NULL);
    ait_sb_printf(b, "%s_a_ a_;\n", fname);
    for (int i = 0; i < p->n; i++)
        ait_sb_printf(b, "a_.%s = %s;\n", p->name[i], p->name[i]);
    ait_sb_printf(b, "for (a_.phase_ = 0; a_.phase_ < %d; a_.phase_++)\n%s(%d, %s_t_, &a_);\n}\n\n", phases,
                  g->par_for, g->tasks, fname);
}

int ait_kernel_phases(const ait_graph *g, const ait_node *n, const ait_template *t)
{
    return ait_split(g, n) && g->par_for && t->phases ? t->phases(g, n) : 0;
}

void ait_emit_kernel_dims(ait_sb *b, const ait_graph *g, const ait_node *n, const char *fname, const ait_template *t,
                          int dims_param)
{
    char name[256], op[64];
    ait_sb_printf(b, "/* %s (%s) */\n", ait_esc_buf(name, sizeof name, AIT_ESC_C_COMMENT, n->name),
                  ait_esc_buf(op, sizeof op, AIT_ESC_C_COMMENT, n->op_type));
    params p;
    kernel_params(g, n, t, dims_param, &p);
    int phases = dims_param ? 0 : ait_kernel_phases(g, n, t);
    if (phases > 0) {
        emit_parallel(b, g, n, fname, t, &p, phases);
        return;
    }
    emit_signature(b, fname, "", &p, NULL);
    emit_body(b, g, n, t, dims_param);
}

enum { FOLD_CACHE_SLOTS = 1 << 14, FOLD_CACHE_MAX_BYTES = 256 << 20 };

typedef struct {
    unsigned long long code, data; /* hashes of the kernel's text and of its inputs */
    int n_out;
    size_t *bytes;
    void **out;
} fold_entry;

struct ait_fold_cache {
    fold_entry *slot;
    size_t bytes;
    int hits;
};

ait_fold_cache *ait_fold_cache_new(void)
{
    ait_fold_cache *c = calloc(1, sizeof *c);
    if (c && !(c->slot = calloc(FOLD_CACHE_SLOTS, sizeof *c->slot))) {
        free(c);
        c = NULL;
    }
    return c;
}

void ait_fold_cache_free(ait_fold_cache *c)
{
    if (!c)
        return;
    for (int i = 0; i < FOLD_CACHE_SLOTS; i++) {
        for (int k = 0; k < c->slot[i].n_out; k++)
            free(c->slot[i].out[k]);
        free(c->slot[i].out);
        free(c->slot[i].bytes);
    }
    free(c->slot);
    free(c);
}

int ait_fold_cache_hits(const ait_fold_cache *c) { return c ? c->hits : 0; }

static unsigned long long inputs_hash(const ait_graph *g, const ait_node *n)
{
    XXH64_state_t *h = XXH64_createState();
    XXH64_reset(h, 0);
    for (int i = 0; i < n->n_in; i++) {
        const ait_tensor *x = ait_node_in(g, n, i);
        int present = x != NULL;
        XXH64_update(h, &present, sizeof present);
        if (x)
            XXH64_update(h, x->data, ait_tensor_bytes(x));
    }
    unsigned long long v = XXH64_digest(h);
    XXH64_freeState(h);
    return v;
}

/* The entry for this kernel and these inputs: filled (a hit) or free to fill; NULL when full. */
static fold_entry *fold_lookup(ait_fold_cache *c, unsigned long long code, unsigned long long data)
{
    for (unsigned long long i = code ^ data, probes = 0; probes < 64; i++, probes++) {
        fold_entry *e = &c->slot[i & (FOLD_CACHE_SLOTS - 1)];
        if (!e->out || (e->code == code && e->data == data))
            return e;
    }
    return NULL;
}

static ait_status fold_node(ait_graph *g, ait_node *n, ait_diag *d)
{
    const ait_template *t = ait_reference_template(n->op);
    ait_sb b = {0};
    ait_sb_puts(&b, "#include <math.h>\n#include <stdint.h>\n#include <string.h>\n");
    ait_emit_kernel(&b, g, n, "fold_kernel", t);
    ait_sb_puts(&b, "void ait_fold(const void *const *in, void *const *out)\n{\nfold_kernel(");
    for (int i = 0; i < n->n_in; i++)
        ait_sb_printf(&b, "%sin[%d]", i ? ", " : "", i);
    for (int i = 0; i < n->n_out; i++)
        ait_sb_printf(&b, "%sout[%d]", i || n->n_in ? ", " : "", i);
    ait_sb_puts(&b, ");\n}\n");

    fold_entry *hit = NULL;
    unsigned long long code_h = 0, data_h = 0;
    if (g->fold_cache) {
        code_h = XXH64(b.s, b.len, 0);
        data_h = inputs_hash(g, n);
        hit = fold_lookup(g->fold_cache, code_h, data_h);
    }
    if (hit && hit->out && hit->n_out == n->n_out) {
        for (int i = 0; i < n->n_out; i++) {
            ait_tensor *y = ait_node_out(g, n, i);
            if (!y)
                continue;
            y->data = ait_arena_alloc(g->arena, hit->bytes[i] + 1);
            memcpy(y->data, hit->out[i], hit->bytes[i]);
        }
        g->fold_cache->hits++;
        ait_sb_free(&b);
        n->folded = 1;
        return AIT_OK;
    }

    ait_compiled *m = NULL;
    ait_diag cd = {0};
    ait_status s = ait_compiler_tcc.build(b.s, NULL, &m, &cd);
    ait_sb_free(&b);
    if (s != AIT_OK)
        return ait_fail(d, AIT_E_COMPILE, "%s: node %s (%s): folding constants: %s", g->path, n->name, n->op_type,
                        cd.msg);
    void (*fold)(const void *const *, void *const *) =
        (void (*)(const void *const *, void *const *))ait_compiler_tcc.sym(m, "ait_fold");
    const void **in = AIT_NEW(g->arena, const void *, n->n_in + 1);
    void **out = AIT_NEW(g->arena, void *, n->n_out + 1);
    for (int i = 0; i < n->n_in; i++)
        in[i] = ait_node_in(g, n, i) ? ait_node_in(g, n, i)->data : NULL;
    for (int i = 0; i < n->n_out; i++) {
        ait_tensor *y = ait_node_out(g, n, i);
        out[i] = y ? ait_arena_alloc(g->arena, ait_tensor_bytes(y) + 1) : NULL;
    }
    fold(in, (void *const *)out);
    ait_compiler_tcc.release(m);
    for (int i = 0; i < n->n_out; i++)
        if (ait_node_out(g, n, i))
            ait_node_out(g, n, i)->data = out[i];
    size_t total = 0;
    for (int i = 0; i < n->n_out; i++)
        total += ait_node_out(g, n, i) ? ait_tensor_bytes(ait_node_out(g, n, i)) : 0;
    if (hit && !hit->out && g->fold_cache->bytes + total <= FOLD_CACHE_MAX_BYTES) {
        size_t *bytes = calloc((size_t)n->n_out + 1, sizeof *bytes);
        void **copy = calloc((size_t)n->n_out + 1, sizeof *copy);
        int ok = bytes && copy;
        for (int i = 0; i < n->n_out && ok; i++) {
            const ait_tensor *y = ait_node_out(g, n, i);
            bytes[i] = y ? ait_tensor_bytes(y) : 0;
            ok = (copy[i] = malloc(bytes[i] + 1)) != NULL;
            if (ok && y)
                memcpy(copy[i], y->data, bytes[i]);
        }
        if (ok) { /* kept only whole */
            *hit = (fold_entry){code_h, data_h, n->n_out, bytes, copy};
            g->fold_cache->bytes += total;
        } else {
            for (int i = 0; copy && i < n->n_out; i++)
                free(copy[i]);
            free(copy);
            free(bytes);
        }
    }
    n->folded = 1;
    return AIT_OK;
}

static int foldable(const ait_graph *g, const ait_node *n)
{
    size_t bytes = 0;
    for (int i = 0; i < n->n_in; i++) {
        const ait_tensor *x = ait_node_in(g, n, i);
        if (x && !x->data)
            return 0;
    }
    for (int i = 0; i < n->n_out; i++) {
        const ait_tensor *y = ait_node_out(g, n, i);
        if (y)
            bytes += ait_tensor_bytes(y);
    }
    return bytes <= FOLD_MAX_BYTES && ait_node_flops(g, n) <= fold_max_flops;
}

ait_status ait_graph_resolve(ait_graph *g, ait_diag *d)
{
    uint64_t total = 0;
    for (int id = 0; id < g->n_t; id++) /* initializers: their bytes are in the file already */
        if (g->t[id].data)
            total += ait_tensor_bytes(&g->t[id]);
    for (int i = 0; i < g->n_inputs; i++) {
        const ait_tensor *t = &g->t[g->inputs[i]];
        if (!ait_dtype_storable(t->dtype))
            return ait_fail(d, AIT_E_UNSUPPORTED, "%s: input '%s' has data type %s, which is not supported", g->path,
                            t->name, ait_dtype_get(t->dtype)->name);
        int known = t->rank >= 0; /* a symbolic dim is reported by the first op that reads it */
        for (int j = 0; j < t->rank; j++)
            known &= t->dims[j] >= 0;
        if (known)
            AIT_TRY(ait_tensor_check_limits(g, t, "graph input", &total, d));
    }
    for (int k = 0; k < g->n_nodes; k++) {
        ait_node *n = &g->nodes[k];
        n->op = ait_op_lookup(n->domain, n->op_type);
        if (n->op < 0)
            return ait_fail(d, AIT_E_UNSUPPORTED, "%s: node %s: operator %s%s%s is not supported", g->path, n->name,
                            *n->domain ? n->domain : "", *n->domain ? "." : "", n->op_type);
        /* only the recurrent ops may leave out their first output (Y); passes and emitters rely on it */
        int optional_y = n->op == AIT_OP_RNN || n->op == AIT_OP_GRU || n->op == AIT_OP_LSTM;
        if (!ait_node_out(g, n, 0) && !optional_y)
            return ait_fail(d, AIT_E_MODEL, "%s: node %s (%s): its first output is required", g->path, n->name,
                            n->op_type);
        AIT_TRY(ait_ops[n->op].resolve(g, n, d));
        AIT_TRY(ait_check_attrs(g, n, d));
        int all_const = n->n_out > 0;
        for (int i = 0; i < n->n_out; i++) {
            const ait_tensor *y = ait_node_out(g, n, i);
            if (!y)
                continue;
            if (y->rank < 0 || !ait_dtype_storable(y->dtype))
                return ait_fail(d, AIT_E_UNSUPPORTED, "%s: node %s (%s): output '%s' has no supported type or shape",
                                g->path, n->name, n->op_type, y->name);
            if (!y->data) { /* a constant output was counted where it was made */
                char what[300];
                snprintf(what, sizeof what, "node %s (%s)", n->name, n->op_type);
                AIT_TRY(ait_tensor_check_limits(g, y, what, &total, d));
            }
            all_const &= y->data != NULL;
        }
        if (all_const)
            n->folded = 1;
        else if (foldable(g, n))
            AIT_TRY(fold_node(g, n, d));
    }
    return AIT_OK;
}

ait_status ait_graph_bind_input(ait_graph *g, int idx, int rank, const int64_t *dims, ait_diag *d)
{
    ait_tensor *t = &g->t[g->inputs[idx]];
    if (t->rank >= 0 && t->rank != rank)
        return ait_fail(d, AIT_E_SHAPE, "%s: input '%s' has rank %d, the sample has rank %d", g->path, t->name,
                        t->rank, rank);
    for (int i = 0; i < rank && t->rank >= 0; i++)
        if (t->dims[i] >= 0 && t->dims[i] != dims[i])
            return ait_fail(d, AIT_E_SHAPE,
                            "%s: input '%s' dimension %d is %" PRId64 " in the model, %" PRId64 " in the sample",
                            g->path, t->name, i, t->dims[i], dims[i]);
    ait_tensor_set_shape(t, rank, dims);
    return AIT_OK;
}

void ait_graph_freeze_input(ait_graph *g, int tensor, void *data)
{
    g->t[tensor].data = data;
    g->t[tensor].is_input = 0;
    int k = 0;
    for (int i = 0; i < g->n_inputs; i++)
        if (g->inputs[i] != tensor)
            g->inputs[k++] = g->inputs[i];
    g->n_inputs = k;
}

double ait_node_flops(const ait_graph *g, const ait_node *n)
{
    const ait_tensor *y = ait_node_out(g, n, 0);
    double out = y && y->rank >= 0 ? (double)ait_tensor_numel(y) : 0;
    switch (n->op) {
    case AIT_OP_CONV: case AIT_OP_CONV_TRANSPOSE: {
        const ait_tensor *w = ait_node_in(g, n, 1), *x = ait_node_in(g, n, 0);
        double per = 1;
        for (int i = 1; i < w->rank; i++)
            per *= (double)w->dims[i];
        return n->op == AIT_OP_CONV ? 2 * out * per : 2 * (double)ait_tensor_numel(x) * per;
    }
    case AIT_OP_GEMM: case AIT_OP_MATMUL: {
        const ait_matmul_params *p = n->params;
        return 2.0 * (double)p->batch * (double)p->m * (double)p->n * (double)p->k;
    }
    /* the ops whose work grows faster than their output: folding is bounded by this too */
    case AIT_OP_DET: {
        const ait_matmul_params *p = n->params;
        return (double)p->batch * (double)p->m * (double)p->m * (double)p->m;
    }
    case AIT_OP_EINSUM: {
        const ait_einsum_params *p = n->params;
        double w = 2 * (double)n->n_in;
        for (int k = 0; k < p->n_loops; k++)
            w *= (double)p->loop_size[k];
        return w;
    }
    case AIT_OP_RNN: case AIT_OP_GRU: case AIT_OP_LSTM: {
        const ait_rnn_params *p = n->params;
        return 2.0 * p->dirs * (double)p->batch * (double)p->seq * p->gates * (double)p->hidden *
               (double)(p->input + p->hidden);
    }
    case AIT_OP_DFT: case AIT_OP_STFT: {
        const ait_signal_params *p = n->params;
        return 8.0 * (double)p->n * out;
    }
    case AIT_OP_TOP_K: return (double)ait_tensor_numel(ait_node_in(g, n, 0)) * (double)((ait_index_params *)n->params)->k;
    default: return out;
    }
}
