/* RNN, GRU, LSTM: every direction and layout, initial states, sequence_lens, clip,
 * peepholes, linear_before_reset and the spec's activation functions. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ir/ops/op_util.h"

/* The spec's activation functions; alpha and beta are taken from activation_alpha/_beta in
 * order by the functions that use them (as onnxruntime does), else these defaults. */
static const struct {
    const char *name;
    int uses_alpha, uses_beta;
    float alpha, beta;
} activations[AIT_ACT_COUNT] = {
    [AIT_ACT_RELU] = {"Relu", 0, 0, 0, 0},
    [AIT_ACT_TANH] = {"Tanh", 0, 0, 0, 0},
    [AIT_ACT_SIGMOID] = {"Sigmoid", 0, 0, 0, 0},
    [AIT_ACT_AFFINE] = {"Affine", 1, 1, 1.0f, 0.0f},
    [AIT_ACT_LEAKY_RELU] = {"LeakyRelu", 1, 0, 0.01f, 0},
    [AIT_ACT_THRESHOLDED_RELU] = {"ThresholdedRelu", 1, 0, 1.0f, 0},
    [AIT_ACT_SCALED_TANH] = {"ScaledTanh", 1, 1, 1.0f, 1.0f},
    [AIT_ACT_HARD_SIGMOID] = {"HardSigmoid", 1, 1, 0.2f, 0.5f},
    [AIT_ACT_ELU] = {"Elu", 1, 0, 1.0f, 0},
    [AIT_ACT_SOFTSIGN] = {"Softsign", 0, 0, 0, 0},
    [AIT_ACT_SOFTPLUS] = {"Softplus", 0, 0, 0, 0},
};

static int act_lookup(const char *name)
{
    for (int k = 0; k < AIT_ACT_COUNT; k++)
        if (strcmp(activations[k].name, name) == 0)
            return k;
    return -1;
}

static ait_status parse_activations(ait_graph *g, ait_node *n, ait_rnn_params *p, ait_diag *d)
{
    static const int defaults[3][3] = {{AIT_ACT_TANH}, {AIT_ACT_SIGMOID, AIT_ACT_TANH},
                                       {AIT_ACT_SIGMOID, AIT_ACT_TANH, AIT_ACT_TANH}};
    int per_dir = p->cell == AIT_CELL_LSTM ? 3 : p->cell == AIT_CELL_GRU ? 2 : 1;
    const char *const *names;
    const float *alphas, *betas;
    int nn = ait_attr_strs(n, "activations", &names);
    int na = ait_attr_floats(n, "activation_alpha", &alphas), nb = ait_attr_floats(n, "activation_beta", &betas);
    if (nn >= 0 && nn != per_dir * p->dirs)
        return AIT_NODE_FAIL(AIT_E_MODEL, "%d activations given, %d expected", nn, per_dir * p->dirs);
    int ia = 0, ib = 0;
    for (int k = 0; k < per_dir * p->dirs; k++) {
        ait_rnn_act *a = &p->act[k];
        if (nn < 0) {
            a->kind = defaults[per_dir - 1][k % per_dir];
        } else if ((a->kind = act_lookup(names[k])) < 0) {
            return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "activation '%s' is not supported", names[k]);
        }
        a->alpha = activations[a->kind].alpha;
        a->beta = activations[a->kind].beta;
        if (activations[a->kind].uses_alpha && ia < na)
            a->alpha = alphas[ia++];
        if (activations[a->kind].uses_beta && ib < nb)
            a->beta = betas[ib++];
    }
    return AIT_OK;
}

/* Input i, when present, must have exactly these dims. */
static ait_status need_shape(ait_graph *g, ait_node *n, int i, int rank, const int64_t *dims, ait_diag *d)
{
    const ait_tensor *t = ait_node_in(g, n, i);
    if (!t)
        return AIT_OK;
    if (t->rank == rank && memcmp(t->dims, dims, sizeof(int64_t) * (size_t)rank) == 0)
        return AIT_OK;
    char want[128] = "[", have[128];
    for (int k = 0; k < rank; k++)
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%" PRId64, k ? ", " : "", dims[k]);
    strcat(want, "]");
    return AIT_NODE_FAIL(AIT_E_SHAPE, "'%s' has shape %s, expected %s", t->name, ait_tensor_shape_str(t, have, sizeof have),
                         want);
}

ait_status ait_resolve_recurrent(ait_graph *g, ait_node *n, ait_diag *d)
{
    int lstm = n->op == AIT_OP_LSTM;
    AIT_TRY(ait_check_inputs(g, n, 3, lstm ? 8 : 6, d));
    for (int i = 0; i < 3; i++)
        AIT_TRY(ait_need_input(g, n, i, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    if (x->dtype != AIT_DT_FLOAT)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "input '%s' is %s; recurrent ops are implemented for float32", x->name,
                             ait_dtype_get(x->dtype)->name);
    for (int i = 1; i < n->n_in; i++)
        if (i != 4)
            AIT_TRY(ait_same_dtype(g, n, 0, i, d));
    ait_rnn_params *p = AIT_NEW(g->arena, ait_rnn_params, 1);
    n->params = p;
    p->cell = lstm ? AIT_CELL_LSTM : n->op == AIT_OP_GRU ? AIT_CELL_GRU : AIT_CELL_RNN;
    p->gates = lstm ? 4 : p->cell == AIT_CELL_GRU ? 3 : 1;
    const char *dir = ait_attr_str(n, "direction", "forward");
    p->direction = strcmp(dir, "forward") == 0 ? 0 : strcmp(dir, "reverse") == 0 ? 1 : strcmp(dir, "bidirectional") == 0 ? 2 : -1;
    if (p->direction < 0)
        return AIT_NODE_FAIL(AIT_E_MODEL, "direction = '%s' (expected forward, reverse or bidirectional)", dir);
    p->dirs = p->direction == 2 ? 2 : 1;
    p->layout = (int)ait_attr_int(n, "layout", 0);
    if (p->layout != 0 && p->layout != 1)
        return AIT_NODE_FAIL(AIT_E_MODEL, "layout = %d (expected 0 or 1)", p->layout);
    if (x->rank != 3)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "X must be 3-D, is %d-D", x->rank);
    p->seq = x->dims[p->layout ? 1 : 0];
    p->batch = x->dims[p->layout ? 0 : 1];
    p->input = x->dims[2];
    ait_tensor *w = ait_node_in(g, n, 1);
    if (w->rank != 3 || w->dims[1] % p->gates)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "W must be [num_directions, %d*hidden_size, input_size]", p->gates);
    p->hidden = ait_attr_int(n, "hidden_size", w->dims[1] / p->gates);
    if (p->hidden < 1 || p->hidden > (1 << 20))
        return AIT_NODE_FAIL(AIT_E_MODEL, "hidden_size %" PRId64 " is out of range", p->hidden);
    p->clip = ait_attr_float(n, "clip", 0.0f);
    p->has_clip = ait_attr_find(n, "clip") != NULL;
    if (p->has_clip && !(p->clip > 0))
        return AIT_NODE_FAIL(AIT_E_MODEL, "clip must be positive");
    p->linear_before_reset = ait_attr_int(n, "linear_before_reset", 0) != 0;
    if (lstm && ait_attr_int(n, "input_forget", 0) != 0)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "input_forget = 1 is not supported");
    AIT_TRY(parse_activations(g, n, p, d));
    int64_t gh = p->gates * p->hidden, nd = p->dirs, h = p->hidden;
    AIT_TRY(need_shape(g, n, 1, 3, (int64_t[]){nd, gh, p->input}, d));
    AIT_TRY(need_shape(g, n, 2, 3, (int64_t[]){nd, gh, h}, d));
    AIT_TRY(need_shape(g, n, 3, 2, (int64_t[]){nd, 2 * gh}, d));
    AIT_TRY(need_shape(g, n, 4, 1, (int64_t[]){p->batch}, d));
    int64_t state[3] = {nd, p->batch, h};
    if (p->layout) {
        state[0] = p->batch;
        state[1] = nd;
    }
    AIT_TRY(need_shape(g, n, 5, 3, state, d));
    if (lstm) {
        AIT_TRY(need_shape(g, n, 6, 3, state, d));
        AIT_TRY(need_shape(g, n, 7, 2, (int64_t[]){nd, 3 * h}, d));
    }
    ait_tensor *sl = n->n_in > 4 ? ait_node_in(g, n, 4) : NULL;
    if (sl && sl->dtype != AIT_DT_INT32)
        return AIT_NODE_FAIL(AIT_E_MODEL, "sequence_lens must be int32");
    for (int i = 3; i < n->n_in && i < 8; i++)
        p->has[i] = ait_node_in(g, n, i) != NULL;
    int64_t yd[4] = {p->seq, nd, p->batch, h};
    if (p->layout) {
        yd[0] = p->batch;
        yd[1] = p->seq;
        yd[2] = nd;
    }
    ait_set_out(g, n, 0, x->dtype, 4, yd);
    ait_set_out(g, n, 1, x->dtype, 3, state);
    if (lstm)
        ait_set_out(g, n, 2, x->dtype, 3, state);
    return ait_check_attrs(g, n, d);
}
