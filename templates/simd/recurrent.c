/* simd / tiled: RNN, GRU, LSTM with packed weights.  W and R are packed transposed
 * (W^T [dir][I][G*H], R^T [dir][H][G*H]), so every product runs along the gates in vectors:
 * the input projection of every step first, one pass per direction (x W^T + Wb + Rb into
 * scratch), then per step h R^T added to it.  The skeleton (states, directions, sequence
 * lengths, activations) is the reference's (templates/rnn.h); sums are in float, in the
 * reference's order of terms. */
#include <inttypes.h>

#include "templates/emit_util.h"
#include "templates/rnn.h"
#include "templates/simd/simd.h"

/* dst[0..n) += a * src[0..n), in vectors then a scalar tail (n a C expression). */
static void axpy(ait_sb *b, const ait_graph *g, const char *dst, const char *a, const char *src, const char *n)
{
    int vl = ait_simd_base(g)->vl;
    ait_sb_printf(b, "{\nconst float a_ = %s;\nlong j = 0;\n", a);
    ait_sb_printf(b, "for (; j + %d <= %s; j += %d)\nAIT_ST(%s + j, AIT_LD(%s + j) + a_ * AIT_LD(%s + j));\n", vl, n, vl,
                  dst, dst, src);
    ait_sb_printf(b, "for (; j < %s; j++)\n%s[j] += a_ * %s[j];\n}\n", n, dst, src);
}

static int packed(const ait_node *n)
{
    return n->pack_in; /* W^T at pack_in, R^T at pack_in + 1 */
}

static void direction(ait_sb *b, const ait_graph *g, const ait_node *n, int dir)
{
    const ait_rnn_params *p = n->params;
    ait_sb_printf(b, "{\nconst float *WT = x%d + %d * I * G * H;\n", packed(n), dir);
    if (p->has[3])
        ait_sb_printf(b, "const float *Wb = x3 + %d * 2 * G * H, *Rb = Wb + G * H;\n", dir);
    ait_sb_puts(b, "for (long r = 0; r < T * B; r++) {\nconst float *xr = x0 + r * I;\nfloat *o = xp + r * G * H;\n");
    ait_sb_printf(b, "for (long k = 0; k < G * H; k++)\no[k] = %s;\n", p->has[3] ? "Wb[k] + Rb[k]" : "0");
    ait_sb_puts(b, "for (long i = 0; i < I; i++)\n");
    axpy(b, g, "o", "xr[i]", "(WT + i * G * H)", "G * H");
    ait_sb_puts(b, "}\n}\n");
}

static void gates(ait_sb *b, const ait_graph *g, const ait_node *n, int dir)
{
    const ait_rnn_params *p = n->params;
    int gru = p->cell == AIT_CELL_GRU;
    ait_sb_printf(b, "const float *RT = x%d + %d * H * G * H;\n", packed(n) + 1, dir);
    ait_sb_printf(b, "const float *xpt = xp + %s * G * H;\n", p->layout ? "(b * T + ts)" : "(ts * B + b)");
    ait_sb_puts(b, "for (long k = 0; k < G * H; k++)\ngs[k] = xpt[k];\nfor (long i = 0; i < H; i++)\n");
    axpy(b, g, "gs", "h[i]", "(RT + i * G * H)", gru ? "2 * H" : "G * H");
}

static void gru_candidate(ait_sb *b, const ait_graph *g, const ait_node *n, int dir)
{
    (void)dir;
    const ait_rnn_params *p = n->params;
    if (p->linear_before_reset) { /* gs's h part holds Wb + Rb: c = x W^T + Wb + r (h R^T + Rb) */
        ait_sb_printf(b, "for (long j = 0; j < H; j++)\nc[j] = %s;\nfor (long i = 0; i < H; i++)\n",
                      p->has[3] ? "Rb[2 * H + j]" : "0");
        axpy(b, g, "c", "h[i]", "(RT + i * G * H + 2 * H)", "H");
        ait_sb_printf(b, "for (long j = 0; j < H; j++)\nc[j] = gs[2 * H + j]%s + gs[H + j] * c[j];\n",
                      p->has[3] ? " - Rb[2 * H + j]" : "");
    } else {
        ait_sb_puts(b, "for (long i = 0; i < H; i++) tmp[i] = gs[H + i] * h[i];\n"
                       "for (long j = 0; j < H; j++)\nc[j] = gs[2 * H + j];\nfor (long i = 0; i < H; i++)\n");
        axpy(b, g, "c", "tmp[i]", "(RT + i * G * H + 2 * H)", "H");
    }
}

static const ait_rnn_gemv simd_gemv = {direction, gates, gru_candidate};

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_rnn_params *p = n->params;
    ait_sb_printf(b, "float *xp = s0 + %" PRId64 ";\n", (3 + p->gates) * p->hidden);
    ait_rnn_emit(b, g, n, &simd_gemv);
}

static size_t scratch(const ait_graph *g, const ait_node *n)
{
    (void)g;
    const ait_rnn_params *p = n->params;
    return sizeof(float) * (size_t)((3 + p->gates) * p->hidden + p->seq * p->batch * p->gates * p->hidden);
}

static int applies(const ait_graph *g, const ait_node *n)
{
    (void)g;
    return n->pack_in > 0;
}

const ait_template ait_simd_recurrent = {.family = "recurrent", .applies = applies, .emit = emit,
                                         .scratch_bytes = scratch};

/* W [dirs][G*H][K] -> W^T [dirs][K][G*H] */
static float *transpose_gates(ait_graph *g, const float *w, int dirs, int64_t gh, int64_t k)
{
    float *t = AIT_NEW(g->arena, float, dirs * gh * k + 1);
    for (int d = 0; d < dirs; d++)
        for (int64_t r = 0; r < gh; r++)
            for (int64_t i = 0; i < k; i++)
                t[(d * k + i) * gh + r] = w[(d * gh + r) * k + i];
    return t;
}

/* Constant float32 W and R: packed, appended after the op's 8 input slots. */
void ait_simd_prepare_recurrent(ait_graph *g, ait_node *n)
{
    if (n->folded || n->removed || n->pack_in ||
        (n->op != AIT_OP_RNN && n->op != AIT_OP_GRU && n->op != AIT_OP_LSTM))
        return;
    const ait_tensor *x = ait_node_in(g, n, 0), *w = ait_node_in(g, n, 1), *r = ait_node_in(g, n, 2);
    if (!x || !w || !r || !w->data || !r->data || x->dtype != AIT_DT_FLOAT || w->dtype != AIT_DT_FLOAT ||
        r->dtype != AIT_DT_FLOAT)
        return;
    const ait_rnn_params *p = n->params;
    int64_t gh = p->gates * p->hidden;
    const char *what[2] = {"simd_wt", "simd_rt"};
    const float *src[2] = {w->data, r->data};
    int64_t k[2] = {p->input, p->hidden};
    int first = 0;
    for (int i = 0; i < 2; i++) {
        int id = ait_graph_add_tensor(g, ait_arena_printf(g->arena, "%s#%s", n->name, what[i]));
        ait_tensor *t = &g->t[id];
        t->dtype = AIT_DT_FLOAT;
        t->rank = 1;
        t->dims[0] = p->dirs * gh * k[i];
        t->data = transpose_gates(g, src[i], p->dirs, gh, k[i]);
        int slot = ait_node_append_input(g, n, id, 8 + i);
        if (i == 0)
            first = slot;
    }
    n->pack_in = first;
    n->unread_in |= 1u << 1 | 1u << 2;
}
