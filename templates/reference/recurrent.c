/* Reference: RNN, GRU, LSTM.  One block per direction, batch items one after
 * another; the state (h, c), the gate pre-activations and a temporary live in
 * the kernel's scratch. */
#include <inttypes.h>

#include "templates/emit_util.h"
#include "templates/rnn.h"

/* `dst = act(clip(pre));` as a statement; pre is evaluated once. The clip bounds the gates'
 * pre-activations; an LSTM's cell state goes into h() unclipped, as in onnxruntime. */
void ait_rnn_emit_act(ait_sb *b, const ait_rnn_params *p, const ait_rnn_act *a, const char *dst, const char *pre,
                      int clip)
{
    ait_sb_printf(b, "{\nfloat v = (float)(%s);\n", pre);
    if (p->has_clip && clip)
        ait_sb_printf(b, "v = v < -%af ? -%af : v > %af ? %af : v;\n", (double)p->clip, (double)p->clip,
                      (double)p->clip, (double)p->clip);
    double al = a->alpha, be = a->beta;
    ait_sb_printf(b, "%s = ", dst);
    switch (a->kind) {
    case AIT_ACT_RELU: ait_sb_puts(b, "v > 0 ? v : 0"); break;
    case AIT_ACT_TANH: ait_sb_puts(b, "tanhf(v)"); break;
    case AIT_ACT_SIGMOID: ait_sb_puts(b, "1 / (1 + expf(-v))"); break;
    case AIT_ACT_AFFINE: ait_sb_printf(b, "(%af) * v + (%af)", al, be); break;
    case AIT_ACT_LEAKY_RELU: ait_sb_printf(b, "v >= 0 ? v : (%af) * v", al); break;
    case AIT_ACT_THRESHOLDED_RELU: ait_sb_printf(b, "v > (%af) ? v : 0", al); break;
    case AIT_ACT_SCALED_TANH: ait_sb_printf(b, "(%af) * tanhf((%af) * v)", al, be); break;
    case AIT_ACT_HARD_SIGMOID: ait_sb_printf(b, "fmaxf(0, fminf(1, (%af) * v + (%af)))", al, be); break;
    case AIT_ACT_ELU: ait_sb_printf(b, "v >= 0 ? v : (%af) * expm1f(v)", al); break;
    case AIT_ACT_SOFTSIGN: ait_sb_puts(b, "v / (1 + fabsf(v))"); break;
    default: ait_sb_puts(b, "fmaxf(v, 0) + log1pf(expf(-fabsf(v)))"); break; /* Softplus */
    }
    ait_sb_puts(b, ";\n}\n");
}

static void emit_act(ait_sb *b, const ait_rnn_params *p, const ait_rnn_act *a, const char *dst, const char *pre)
{
    ait_rnn_emit_act(b, p, a, dst, pre, 1);
}

/* Offset of element j of the state of (dir, b), as laid out in initial_h and Y_h. */
static void state_index(ait_sb *b, const ait_rnn_params *p, int dir)
{
    if (p->layout)
        ait_sb_printf(b, "(b * %d + %d) * H + j", p->dirs, dir);
    else
        ait_sb_printf(b, "(%d * B + b) * H + j", dir);
}

/* The reference's gate pre-activations: double-precision dot products over W and R's rows. */
static void ref_gates(ait_sb *b, const ait_graph *g, const ait_node *n, int dir)
{
    (void)g;
    (void)dir;
    const ait_rnn_params *p = n->params;
    int gru = p->cell == AIT_CELL_GRU;
    ait_sb_printf(b, "const float *W = x1 + %d * G * H * I, *R = x2 + %d * G * H * H;\n(void)R;\n", dir, dir);
    ait_sb_printf(b, "const float *xt = x0 + %s * I;\n", p->layout ? "(b * T + ts)" : "(ts * B + b)");
    /* every gate's X W^T + b, and H R^T but for the GRU's h gate, which needs r first */
    ait_sb_printf(b, "for (long k = 0; k < G * H; k++) {\ndouble acc = %s;\n", p->has[3] ? "(double)Wb[k] + Rb[k]" : "0");
    ait_sb_puts(b, "for (long i = 0; i < I; i++) acc += (double)xt[i] * W[k * I + i];\n");
    ait_sb_printf(b, "%sfor (long i = 0; i < H; i++) acc += (double)h[i] * R[k * H + i];\n", gru ? "if (k < 2 * H)\n" : "");
    ait_sb_puts(b, "gs[k] = (float)acc;\n}\n");
}

/* The GRU's candidate pre-activation c[j], from z and r in gs. */
static void ref_gru_candidate(ait_sb *b, const ait_graph *g, const ait_node *n, int dir)
{
    (void)g;
    (void)dir;
    const ait_rnn_params *p = n->params;
    if (p->linear_before_reset) {
        ait_sb_printf(b, "for (long j = 0; j < H; j++) {\ndouble a = %s;\n", p->has[3] ? "Rb[2 * H + j]" : "0");
        ait_sb_puts(b, "for (long i = 0; i < H; i++) a += (double)h[i] * R[(2 * H + j) * H + i];\n");
        ait_sb_printf(b, "c[j] = (float)(gs[2 * H + j]%s + gs[H + j] * a);\n}\n", p->has[3] ? " - Rb[2 * H + j]" : "");
    } else {
        ait_sb_puts(b, "for (long i = 0; i < H; i++) tmp[i] = gs[H + i] * h[i];\n");
        ait_sb_puts(b, "for (long j = 0; j < H; j++) {\ndouble a = gs[2 * H + j];\n"
                       "for (long i = 0; i < H; i++) a += (double)tmp[i] * R[(2 * H + j) * H + i];\n"
                       "c[j] = (float)a;\n}\n");
    }
}

static const ait_rnn_gemv ref_gemv = {NULL, ref_gates, ref_gru_candidate};

static void emit_direction(ait_sb *b, const ait_graph *g, const ait_node *n, int dir, const ait_rnn_gemv *mv)
{
    const ait_rnn_params *p = n->params;
    if (mv->direction)
        mv->direction(b, g, n, dir);
    const ait_rnn_act *act = &p->act[dir * (p->cell == AIT_CELL_LSTM ? 3 : p->cell == AIT_CELL_GRU ? 2 : 1)];
    int reverse = p->direction == 1 || dir == 1, gru = p->cell == AIT_CELL_GRU, lstm = p->cell == AIT_CELL_LSTM;
    ait_sb_puts(b, "for (long b = 0; b < B; b++) {\n");
    if (p->has[3])
        ait_sb_printf(b, "const float *Wb = x3 + %d * 2 * G * H, *Rb = Wb + G * H;\n(void)Wb;\n(void)Rb;\n", dir);
    if (p->has[7])
        ait_sb_printf(b, "const float *P = x7 + %d * 3 * H;\n", dir);
    if (p->has[4])
        ait_sb_puts(b, "long len = x4[b];\nif (len < 0) len = 0;\nif (len > T) len = T;\n");
    else
        ait_sb_puts(b, "const long len = T;\n");
    ait_sb_puts(b, "for (long j = 0; j < H; j++) {\nh[j] = ");
    if (p->has[5]) {
        ait_sb_puts(b, "x5[");
        state_index(b, p, dir);
        ait_sb_puts(b, "]");
    } else
        ait_sb_puts(b, "0");
    ait_sb_puts(b, ";\nc[j] = ");
    if (p->has[6]) {
        ait_sb_puts(b, "x6[");
        state_index(b, p, dir);
        ait_sb_puts(b, "]");
    } else
        ait_sb_puts(b, "0");
    ait_sb_puts(b, ";\n}\nfor (long step = 0; step < len; step++) {\n");
    ait_sb_printf(b, "const long ts = %s;\n", reverse ? "len - 1 - step" : "step");
    mv->gates(b, g, n, dir);
    if (p->cell == AIT_CELL_RNN) {
        ait_sb_puts(b, "for (long j = 0; j < H; j++)\n");
        emit_act(b, p, &act[0], "h[j]", "gs[j]");
    } else if (gru) {
        ait_sb_puts(b, "for (long j = 0; j < 2 * H; j++)\n");
        emit_act(b, p, &act[0], "gs[j]", "gs[j]"); /* z, then r */
        mv->gru_candidate(b, g, n, dir);
        ait_sb_puts(b, "for (long j = 0; j < H; j++) {\nfloat hh;\n");
        emit_act(b, p, &act[1], "hh", "c[j]");
        ait_sb_puts(b, "h[j] = (1 - gs[j]) * hh + gs[j] * h[j];\n}\n");
    } else if (lstm) {
        ait_sb_puts(b, "for (long j = 0; j < H; j++) {\nfloat ig, fg, cg, og;\n");
        emit_act(b, p, &act[0], "ig", p->has[7] ? "gs[j] + P[j] * c[j]" : "gs[j]");
        emit_act(b, p, &act[0], "fg", p->has[7] ? "gs[2 * H + j] + P[2 * H + j] * c[j]" : "gs[2 * H + j]");
        emit_act(b, p, &act[1], "cg", "gs[3 * H + j]");
        ait_sb_puts(b, "c[j] = fg * c[j] + ig * cg;\n");
        emit_act(b, p, &act[0], "og", p->has[7] ? "gs[H + j] + P[H + j] * c[j]" : "gs[H + j]");
        ait_rnn_emit_act(b, p, &act[2], "h[j]", "c[j]", 0);
        ait_sb_puts(b, "h[j] *= og;\n}\n");
    }
    if (ait_node_out(g, n, 0))
        ait_sb_printf(b, "for (long j = 0; j < H; j++) y0[%s * H + j] = h[j];\n",
                      p->layout ? ait_arena_printf(g->arena, "((b * T + ts) * %d + %d)", p->dirs, dir)
                                : ait_arena_printf(g->arena, "((ts * %d + %d) * B + b)", p->dirs, dir));
    ait_sb_puts(b, "}\n");
    for (int o = 1; o <= (lstm ? 2 : 1); o++)
        if (ait_node_out(g, n, o)) {
            ait_sb_printf(b, "for (long j = 0; j < H; j++) y%d[", o);
            state_index(b, p, dir);
            ait_sb_printf(b, "] = %s[j];\n", o == 1 ? "h" : "c");
        }
    ait_sb_puts(b, "}\n");
}

void ait_rnn_emit(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_rnn_gemv *mv)
{
    const ait_rnn_params *p = n->params;
    ait_sb_printf(b, "enum { T = %" PRId64 ", B = %" PRId64 ", I = %" PRId64 ", H = %" PRId64 ", G = %d };\n", p->seq,
                  p->batch, p->input, p->hidden, p->gates);
    ait_sb_puts(b, "float *h = s0, *c = s0 + H, *gs = s0 + 2 * H, *tmp = s0 + (2 + G) * H;\n(void)c;\n(void)tmp;\n");
    const ait_tensor *y = ait_node_out(g, n, 0);
    if (y && p->has[4] && ait_tensor_bytes(y)) /* steps past a sequence's length are zero */
        ait_sb_printf(b, "memset(y0, 0, %zu);\n", ait_tensor_bytes(y));
    for (int dir = 0; dir < p->dirs; dir++)
        emit_direction(b, g, n, dir, mv);
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    ait_rnn_emit(b, g, n, &ref_gemv);
}

static size_t scratch(const ait_graph *g, const ait_node *n)
{
    (void)g;
    const ait_rnn_params *p = n->params;
    return sizeof(float) * (size_t)((3 + p->gates) * p->hidden);
}

const ait_template ait_ref_recurrent = {.family = "recurrent", .emit = emit, .scratch_bytes = scratch};
