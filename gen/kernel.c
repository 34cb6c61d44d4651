#include "gen/kernel.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "gen/compile.h"
#include "ir/escape.h"
#include "ir/ops/op_util.h"

enum { FOLD_MAX_BYTES = 64 << 20 }; /* larger constant results stay run-time kernels */
/* Folding runs in this process, with no time limit: more work than this (a model's constant
 * Einsum or Det can ask for 10^13) stays a run-time kernel, where a trial's time limit holds. */
static const double fold_max_flops = 1e9;

void ait_emit_kernel(ait_sb *b, const ait_graph *g, const ait_node *n, const char *fname, const ait_template *t)
{
    ait_emit_kernel_dims(b, g, n, fname, t, 0);
}

void ait_emit_kernel_dims(ait_sb *b, const ait_graph *g, const ait_node *n, const char *fname, const ait_template *t,
                          int dims_param)
{
    char name[256], op[64];
    ait_sb_printf(b, "/* %s (%s) */\nstatic void %s(", ait_esc_buf(name, sizeof name, AIT_ESC_C_COMMENT, n->name),
                  ait_esc_buf(op, sizeof op, AIT_ESC_C_COMMENT, n->op_type), fname);
    int first = 1;
    for (int i = 0; i < n->n_in; i++) {
        const ait_tensor *x = ait_node_in(g, n, i);
        ait_sb_printf(b, "%sconst %s *x%d", first ? "" : ", ", x ? ait_dtype_get(x->dtype)->ctype : "void", i);
        first = 0;
    }
    for (int i = 0; i < n->n_out; i++) {
        const ait_tensor *y = ait_node_out(g, n, i);
        ait_sb_printf(b, "%s%s *y%d", first ? "" : ", ", y ? ait_dtype_get(y->dtype)->ctype : "void", i);
        first = 0;
    }
    int scratch = t->scratch_bytes && t->scratch_bytes(g, n) > 0;
    if (scratch)
        ait_sb_printf(b, "%sfloat *s0", first ? "" : ", ");
    first &= !scratch;
    if (dims_param)
        ait_sb_printf(b, "%sconst long *dim_", first ? "" : ", ");
    ait_sb_puts(b, first && !dims_param ? "void)\n{\n" : ")\n{\n");
    if (dims_param)
        ait_sb_puts(b, "(void)dim_;\n");
    for (int i = 0; i < n->n_in; i++)
        ait_sb_printf(b, "(void)x%d;\n", i);
    for (int i = 0; i < n->n_out; i++)
        ait_sb_printf(b, "(void)y%d;\n", i);
    t->emit(b, g, n);
    ait_sb_puts(b, "}\n\n");
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

    ait_module *m = NULL;
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
        if (!ait_dtype_supported(t->dtype))
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
            if (y->rank < 0 || !ait_dtype_supported(y->dtype))
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
