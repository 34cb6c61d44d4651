#include "gen/passes.h"

#include <math.h>
#include <string.h>

#include "ir/ops.h"
#include "templates/emit_util.h"

/* Consumers of each tensor, counted over live nodes. */
static int *count_uses(ait_graph *g)
{
    int *uses = AIT_NEW(g->arena, int, g->n_t + 1);
    for (int k = 0; k < g->n_nodes; k++) {
        const ait_node *n = &g->nodes[k];
        if (n->removed || n->folded)
            continue;
        for (int i = 0; i < n->n_in; i++)
            if (n->in[i] >= 0)
                uses[n->in[i]]++;
    }
    for (int i = 0; i < g->n_outputs; i++)
        uses[g->outputs[i]] += 1000; /* graph outputs keep their producer */
    return uses;
}

static void replace_uses(ait_graph *g, int from, int to)
{
    for (int k = 0; k < g->n_nodes; k++) {
        ait_node *n = &g->nodes[k];
        for (int i = 0; i < n->n_in; i++)
            if (n->in[i] == from)
                n->in[i] = to;
    }
}

static void drop_identities(ait_graph *g, ait_pass_stats *st)
{
    for (int k = 0; k < g->n_nodes; k++) {
        ait_node *n = &g->nodes[k];
        if (n->removed || n->folded || (n->op != AIT_OP_IDENTITY && n->op != AIT_OP_DROPOUT))
            continue;
        int y = n->out[0], x = n->in[0];
        if (g->t[y].is_output || (n->n_out > 1 && n->out[1] >= 0))
            continue;
        replace_uses(g, y, x);
        n->removed = 1;
        st->dropped++;
    }
}

/* Conv (constant W, optional constant B) -> BatchNormalization (constant params). */
static void fold_batchnorm(ait_graph *g, ait_pass_stats *st)
{
    int *uses = count_uses(g);
    for (int k = 0; k < g->n_nodes; k++) {
        ait_node *bn = &g->nodes[k];
        if (bn->removed || bn->folded || bn->op != AIT_OP_BATCH_NORM)
            continue;
        ait_tensor *x = ait_node_in(g, bn, 0);
        if (x->producer < 0 || uses[bn->in[0]] != 1)
            continue;
        ait_node *cv = &g->nodes[x->producer];
        if (cv->op != AIT_OP_CONV || cv->n_epi || cv->removed || x->dtype != AIT_DT_FLOAT)
            continue;
        ait_tensor *w = ait_node_in(g, cv, 1), *b = ait_node_in(g, cv, 2);
        int constant = w->data && (!b || b->data);
        for (int i = 1; i < 5; i++)
            constant &= ait_node_in(g, bn, i)->data != NULL;
        if (!constant)
            continue;
        const ait_norm_params *p = bn->params;
        const float *scale = ait_node_in(g, bn, 1)->data, *beta = ait_node_in(g, bn, 2)->data,
                    *mean = ait_node_in(g, bn, 3)->data, *var = ait_node_in(g, bn, 4)->data;
        int64_t co = w->dims[0], per = ait_tensor_numel(w) / co;
        int conv_node = x->producer, bn_out = bn->out[0];
        int wid = ait_graph_add_tensor(g, ait_arena_printf(g->arena, "%s#bnfold_w", cv->name));
        int bid = ait_graph_add_tensor(g, ait_arena_printf(g->arena, "%s#bnfold_b", cv->name));
        w = ait_node_in(g, cv, 1); /* the tensor table may have moved */
        b = ait_node_in(g, cv, 2);
        ait_tensor *nw = &g->t[wid], *nb = &g->t[bid];
        *nw = *w;
        nw->name = g->t[wid].name;
        nw->is_output = nw->is_input = 0;
        nw->producer = -1;
        float *wd = AIT_NEW(g->arena, float, ait_tensor_numel(w));
        float *bd = AIT_NEW(g->arena, float, co);
        for (int64_t c = 0; c < co; c++) {
            double f = scale[c] / sqrt((double)var[c] + p->epsilon);
            for (int64_t j = 0; j < per; j++)
                wd[c * per + j] = (float)(((const float *)w->data)[c * per + j] * f);
            double b0 = b ? ((const float *)b->data)[c] : 0;
            bd[c] = (float)((b0 - mean[c]) * f + beta[c]);
        }
        nw->data = wd;
        nb->dtype = AIT_DT_FLOAT;
        nb->rank = 1;
        nb->dims[0] = co;
        nb->producer = -1;
        nb->data = bd;
        /* the conv takes the folded weights and writes the BN's output */
        int *in = AIT_NEW(g->arena, int, 3);
        in[0] = cv->in[0];
        in[1] = wid;
        in[2] = bid;
        cv->in = in;
        cv->n_in = 3;
        cv->out[0] = bn_out;
        g->t[bn_out].producer = conv_node;
        bn->removed = 1;
        st->bn_folded++;
    }
}

static int epi_kind(const ait_graph *g, const ait_node *n, ait_epi_step *s)
{
    memset(s, 0, sizeof *s);
    const ait_unary_params *p = n->params;
    switch (n->op) {
    case AIT_OP_RELU: s->kind = AIT_EPI_RELU; return 1;
    case AIT_OP_SIGMOID: s->kind = AIT_EPI_SIGMOID; return 1;
    case AIT_OP_HARD_SWISH: s->kind = AIT_EPI_HARD_SWISH; return 1;
    case AIT_OP_HARD_SIGMOID: s->kind = AIT_EPI_HARD_SIGMOID; s->a = p->alpha; s->b = p->beta; return 1;
    case AIT_OP_LEAKY_RELU: s->kind = AIT_EPI_LEAKY_RELU; s->a = p->alpha; return 1;
    case AIT_OP_CLIP: {
        double lo = -INFINITY, hi = INFINITY;
        if (p->min_input) {
            const ait_tensor *t = ait_node_in(g, n, 1);
            if (!t->data)
                return 0;
            lo = ait_dtype_load_f64(t->dtype, t->data, 0);
        } else if (p->has_min) {
            lo = p->min;
        }
        if (p->max_input) {
            const ait_tensor *t = ait_node_in(g, n, 2);
            if (!t->data)
                return 0;
            hi = ait_dtype_load_f64(t->dtype, t->data, 0);
        } else if (p->has_max) {
            hi = p->max;
        }
        s->kind = AIT_EPI_CLIP;
        s->a = (float)lo;
        s->b = (float)hi;
        return 1;
    }
    default: return 0;
    }
}

/* Mul(t, Sigmoid(t)) with t a Conv's, Gemm's or MatMul's output that only the two read, and the
 * gate's only reader the Mul: SiLU (EfficientNet's Swish) as one epilogue step; likewise
 * Mul(t, HardSigmoid(t)), the Hardswish torch exports before opset 14 (MobileNetV3). */
static int fuse_silu(ait_graph *g, const int *uses, ait_node *mul)
{
    for (int side = 0; side < 2; side++) {
        int tin = mul->in[side], sin = mul->in[1 - side];
        const ait_tensor *t = &g->t[tin], *sg = &g->t[sin];
        if (t->producer < 0 || sg->producer < 0 || uses[tin] != 2 || uses[sin] != 1 || t->dtype != AIT_DT_FLOAT)
            continue;
        ait_node *p = &g->nodes[t->producer], *sig = &g->nodes[sg->producer];
        if ((sig->op != AIT_OP_SIGMOID && sig->op != AIT_OP_HARD_SIGMOID) || sig->removed || sig->in[0] != tin ||
            p->removed ||
            p->n_epi == AIT_MAX_EPI || (p->op != AIT_OP_CONV && p->op != AIT_OP_GEMM && p->op != AIT_OP_MATMUL))
            continue;
        const ait_tensor *y = &g->t[mul->out[0]];
        if (y->rank != t->rank || memcmp(y->dims, t->dims, sizeof(int64_t) * (size_t)t->rank) != 0)
            continue;
        const ait_unary_params *up = sig->params;
        p->epi[p->n_epi++] = sig->op == AIT_OP_SIGMOID
                                 ? (ait_epi_step){.kind = AIT_EPI_SILU}
                                 : (ait_epi_step){.kind = AIT_EPI_X_HARD_SIGMOID, .a = up->alpha, .b = up->beta};
        p->out[0] = mul->out[0];
        g->t[mul->out[0]].producer = t->producer;
        sig->removed = 1;
        mul->removed = 1;
        return 1;
    }
    return 0;
}

static void fuse_epilogues(ait_graph *g, ait_pass_stats *st)
{
    for (int changed = 1; changed;) {
        changed = 0;
        int *uses = count_uses(g);
        for (int k = 0; k < g->n_nodes && !changed; k++) {
            ait_node *c = &g->nodes[k];
            if (!c->removed && !c->folded && c->op == AIT_OP_MUL && fuse_silu(g, uses, c)) {
                st->fused += 2;
                changed = 1;
            }
        }
        for (int k = 0; k < g->n_nodes && !changed; k++) {
            ait_node *c = &g->nodes[k];
            if (c->removed || c->folded || (c->op != AIT_OP_ADD && !ait_op_is_activation(c->op)))
                continue;
            /* the operand produced by a Conv/Gemm/MatMul that only this node reads */
            for (int side = 0; side < (c->op == AIT_OP_ADD ? 2 : 1); side++) {
                int tin = c->in[side];
                ait_tensor *t = &g->t[tin];
                if (t->producer < 0 || uses[tin] != 1 || t->dtype != AIT_DT_FLOAT)
                    continue;
                ait_node *p = &g->nodes[t->producer];
                if (p->removed || p->n_epi == AIT_MAX_EPI ||
                    (p->op != AIT_OP_CONV && p->op != AIT_OP_GEMM && p->op != AIT_OP_MATMUL))
                    continue;
                ait_epi_step s;
                if (c->op == AIT_OP_ADD) {
                    int other = c->in[1 - side];
                    const ait_tensor *o = &g->t[other], *y = &g->t[c->out[0]];
                    /* the producer runs before the other operand's: it cannot read it (ResNet's
                     * downsample, RegNet's projection come after the branch they join) */
                    if (o->rank != t->rank || memcmp(o->dims, t->dims, sizeof(int64_t) * (size_t)t->rank) != 0 ||
                        y->rank != t->rank || o->dtype != AIT_DT_FLOAT || o->producer > t->producer)
                        continue;
                    memset(&s, 0, sizeof s);
                    s.kind = AIT_EPI_ADD;
                    /* after the optional bias / C slot, so it is never taken for one */
                    s.input = ait_node_append_input(g, p, other, p->op == AIT_OP_MATMUL ? 2 : 3);
                } else if (!epi_kind(g, c, &s)) {
                    continue;
                }
                p->epi[p->n_epi++] = s;
                p->out[0] = c->out[0];
                g->t[c->out[0]].producer = t->producer;
                c->removed = 1;
                st->fused++;
                changed = 1;
                break;
            }
            if (changed)
                break;
        }
    }
}

/* Letters of an Einsum term ("bij"), spaces skipped: -1 for anything else (an ellipsis). */
static int einsum_term(const char *s, size_t len, char *out)
{
    int k = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == ' ')
            continue;
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')) || k == AIT_MAX_RANK)
            return -1;
        for (int j = 0; j < k; j++)
            if (out[j] == s[i])
                return -1; /* a diagonal */
        out[k++] = s[i];
    }
    out[k] = 0;
    return k;
}

/* Einsum that is a product with a constant matrix ("bij,jk->bik", "bsd,hd->bsh" as exports write
 * a Linear): a MatMul, which the backends' GEMMs cover; a weight given as [K, C] ("hd") is
 * transposed once, here. */
static void einsum_as_matmul(ait_graph *g, ait_pass_stats *st)
{
    for (int k = 0; k < g->n_nodes; k++) {
        ait_node *n = &g->nodes[k];
        if (n->removed || n->folded || n->op != AIT_OP_EINSUM || n->n_in != 2 || n->n_out != 1)
            continue;
        const char *eq = ait_attr_str(n, "equation", NULL), *arrow = eq ? strstr(eq, "->") : NULL,
                   *comma = eq ? strchr(eq, ',') : NULL;
        if (!arrow || !comma || comma > arrow)
            continue;
        char t[2][AIT_MAX_RANK + 1], o[AIT_MAX_RANK + 1];
        int la = einsum_term(eq, (size_t)(comma - eq), t[0]), lb = einsum_term(comma + 1, (size_t)(arrow - comma - 1), t[1]),
            lo = einsum_term(arrow + 2, strlen(arrow + 2), o);
        int w = ait_node_in(g, n, 1)->data ? 1 : ait_node_in(g, n, 0)->data ? 0 : -1, a = 1 - w;
        if (w < 0 || la < 0 || lb < 0 || lo < 1 || (w ? lb : la) != 2 || (a ? lb : la) < 2)
            continue;
        const char *ta = t[a], *tw = t[w];
        int na = (int)strlen(ta);
        char c = ta[na - 1], kk = o[lo - 1]; /* contracted: A's last axis; kept: the output's last */
        int c_first = tw[0] == c && tw[1] == kk, c_last = tw[1] == c && tw[0] == kk;
        /* out = A's labels without c, then k; c and k nowhere else */
        int ok = (c_first || c_last) && lo == na && c != kk && !strchr(o, c) && !strchr(ta, kk) &&
                 strncmp(o, ta, (size_t)(na - 1)) == 0;
        const ait_tensor *wt = ait_node_in(g, n, w);
        if (!ok || wt->dtype != AIT_DT_FLOAT || ait_node_in(g, n, a)->dtype != AIT_DT_FLOAT)
            continue;
        int wid = n->in[w];
        if (c_last) { /* [K, C] -> [C, K] */
            int64_t K = wt->dims[0], C = wt->dims[1];
            int id = ait_graph_add_tensor(g, ait_arena_printf(g->arena, "%s#weight_ck", n->name));
            wt = &g->t[n->in[w]]; /* the table may have moved */
            ait_tensor *nt = &g->t[id];
            nt->dtype = AIT_DT_FLOAT;
            nt->rank = 2;
            nt->dims[0] = C;
            nt->dims[1] = K;
            float *d = AIT_NEW(g->arena, float, C * K + 1);
            const float *src = wt->data;
            for (int64_t i = 0; i < K; i++)
                for (int64_t j = 0; j < C; j++)
                    d[j * K + i] = src[i * C + j];
            nt->data = d;
            wid = id;
        }
        ait_node m = *n;
        m.op = AIT_OP_MATMUL; /* op_type stays the model's, for the kernel table */
        m.in = AIT_NEW(g->arena, int, 2);
        m.in[0] = n->in[a];
        m.in[1] = wid;
        m.n_in = 2;
        m.n_attr = 0;
        ait_diag d = {0};
        if (ait_ops[AIT_OP_MATMUL].resolve(g, &m, &d) != AIT_OK)
            continue;
        *n = m;
        st->einsum_matmul++;
    }
}

/* The taps of one spatial axis that read the input for some output: [*lo, *hi], empty when
 * *lo > *hi.  Taps outside it read only padding. */
static void live_taps(int64_t k, int64_t in, int64_t out, int64_t stride, int64_t pad, int64_t dil, int64_t *lo,
                      int64_t *hi)
{
    *lo = k;
    *hi = -1;
    for (int64_t t = 0; t < k; t++)
        for (int64_t o = 0; o < out; o++) {
            int64_t i = o * stride - pad + t * dil;
            if (i >= 0 && i < in) {
                *lo = t < *lo ? t : *lo;
                *hi = t > *hi ? t : *hi;
                break;
            }
        }
}

/* A Conv whose kernel has taps that read only padding at every output (a dilation as large as
 * the image: DeepLabV3's ASPP at 14x14 reads one tap of nine) gets the live taps' smaller kernel,
 * its pads moved by what was cut: the same sums, without the zeros. */
static void prune_dead_taps(ait_graph *g, ait_pass_stats *st)
{
    for (int k = 0; k < g->n_nodes; k++) {
        ait_node *cv = &g->nodes[k];
        if (cv->op != AIT_OP_CONV || cv->removed || cv->folded)
            continue;
        const ait_conv_params *p = cv->params;
        const ait_tensor *w = ait_node_in(g, cv, 1);
        if (!w || !w->data || w->dtype != AIT_DT_FLOAT || w->rank != 2 + p->spatial)
            continue;
        int64_t lo[3], hi[3];
        int shrinks = 0, empty = 0;
        for (int i = 0; i < 3; i++) {
            live_taps(p->k[i], p->in[i], p->out[i], p->stride[i], p->pad_lo[i], p->dil[i], &lo[i], &hi[i]);
            empty |= lo[i] > hi[i];
            shrinks |= hi[i] - lo[i] + 1 < p->k[i];
        }
        if (!shrinks || empty)
            continue;
        ait_conv_params *q = AIT_NEW(g->arena, ait_conv_params, 1);
        *q = *p;
        int negative = 0; /* a window starting inside the input: not a Conv every template takes */
        for (int i = 0; i < 3; i++) {
            q->k[i] = hi[i] - lo[i] + 1;
            q->pad_lo[i] = p->pad_lo[i] - lo[i] * p->dil[i];
            negative |= q->pad_lo[i] < 0;
        }
        if (negative)
            continue;
        int64_t rows = w->dims[0] * w->dims[1], n = rows * q->k[0] * q->k[1] * q->k[2];
        float *d = AIT_NEW(g->arena, float, n + 1);
        const float *src = w->data;
        for (int64_t r = 0, at = 0; r < rows; r++)
            for (int64_t a = lo[0]; a <= hi[0]; a++)
                for (int64_t b = lo[1]; b <= hi[1]; b++)
                    for (int64_t c = lo[2]; c <= hi[2]; c++)
                        d[at++] = src[((r * p->k[0] + a) * p->k[1] + b) * p->k[2] + c];
        int wid = ait_graph_add_tensor(g, ait_arena_printf(g->arena, "%s#live_taps", cv->name));
        w = ait_node_in(g, cv, 1); /* the tensor table may have moved */
        ait_tensor *nw = &g->t[wid];
        nw->dtype = AIT_DT_FLOAT;
        nw->rank = w->rank;
        nw->dims[0] = w->dims[0];
        nw->dims[1] = w->dims[1];
        for (int i = 0; i < p->spatial; i++)
            nw->dims[2 + i] = q->k[3 - p->spatial + i];
        nw->producer = -1;
        nw->data = d;
        int *in = AIT_NEW(g->arena, int, cv->n_in + 1);
        memcpy(in, cv->in, sizeof *in * (size_t)cv->n_in);
        in[1] = wid;
        cv->in = in;
        cv->params = q;
        st->taps_pruned++;
    }
}

void ait_graph_passes(ait_graph *g, ait_pass_stats *st)
{
    memset(st, 0, sizeof *st);
    drop_identities(g, st);
    fold_batchnorm(g, st);
    prune_dead_taps(g, st);
    einsum_as_matmul(g, st);
    fuse_epilogues(g, st);
}

void ait_emit_epilogue(ait_sb *b, const ait_graph *g, const ait_node *n, const char *v, const char *idx)
{
    (void)g;
    for (int i = 0; i < n->n_epi; i++) {
        const ait_epi_step *s = &n->epi[i];
        switch (s->kind) {
        case AIT_EPI_RELU: ait_sb_printf(b, "%s = %s > 0 ? %s : 0;\n", v, v, v); break;
        case AIT_EPI_CLIP: /* raise, then lower: with min > max every value is max */
            ait_sb_printf(b, "%s = %s < ", v, v);
            ait_emit_lit(b, AIT_DT_FLOAT, s->a);
            ait_sb_puts(b, " ? ");
            ait_emit_lit(b, AIT_DT_FLOAT, s->a);
            ait_sb_printf(b, " : %s;\n%s = %s > ", v, v, v);
            ait_emit_lit(b, AIT_DT_FLOAT, s->b);
            ait_sb_puts(b, " ? ");
            ait_emit_lit(b, AIT_DT_FLOAT, s->b);
            ait_sb_printf(b, " : %s;\n", v);
            break;
        case AIT_EPI_LEAKY_RELU:
            ait_sb_printf(b, "%s = %s >= 0 ? %s : ", v, v, v);
            ait_emit_lit(b, AIT_DT_FLOAT, s->a);
            ait_sb_printf(b, " * %s;\n", v);
            break;
        case AIT_EPI_HARD_SWISH:
            ait_sb_printf(b, "%s = %s * fmaxf(0, fminf(1, %s * ", v, v, v);
            ait_emit_lit(b, AIT_DT_FLOAT, 1.0 / 6.0);
            ait_sb_puts(b, " + 0.5f));\n");
            break;
        case AIT_EPI_SIGMOID: ait_sb_printf(b, "%s = 1 / (1 + expf(-%s));\n", v, v); break;
        case AIT_EPI_SILU: ait_sb_printf(b, "%s = %s * (1 / (1 + expf(-%s)));\n", v, v, v); break;
        case AIT_EPI_HARD_SIGMOID:
        case AIT_EPI_X_HARD_SIGMOID: /* as the reference's HardSigmoid, then its Mul */
            ait_sb_printf(b, "%s = ", v);
            if (s->kind == AIT_EPI_X_HARD_SIGMOID)
                ait_sb_printf(b, "%s * ", v);
            ait_emit_hard_sigmoid(b, AIT_DT_FLOAT, s->a, s->b, v);
            ait_sb_puts(b, ";\n");
            break;
        case AIT_EPI_ADD: ait_sb_printf(b, "%s = %s + x%d[%s];\n", v, v, s->input, idx); break;
        }
    }
}
