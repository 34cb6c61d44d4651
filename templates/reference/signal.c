/* Reference: DFT and STFT as direct sums; the angle takes j * k mod n, so it stays exact for
 * long transforms. MelWeightMatrix is computed by resolve and never reaches an emitter. */
#include <inttypes.h>

#include "templates/emit_util.h"

/* acc over j < `len` of element (xr, xi) times e^(-+2 pi i j k / N); leaves re, im. */
static void emit_sum(ait_sb *b, const ait_signal_params *p, int64_t len, const char *index, const char *scale)
{
    ait_sb_printf(b, "double re = 0, im = 0;\nfor (long j = 0; j < %" PRId64 "; j++) {\nconst long at = %s;\n", len,
                  index);
    ait_sb_printf(b, "const double w = %s;\nconst double xr = x0[at] * w, xi = %s;\n", scale,
                  p->complex_in ? "x0[at + 1] * w" : "0");
    ait_sb_printf(b, "const double th = 6.283185307179586477 * (double)((long long)j * k %% %" PRId64 ") / %" PRId64
                     ";\nconst double c = cos(th), s = sin(th);\n",
                  p->n, p->n);
    if (p->inverse)
        ait_sb_puts(b, "re += xr * c - xi * s;\nim += xi * c + xr * s;\n}\n");
    else
        ait_sb_puts(b, "re += xr * c + xi * s;\nim += xi * c - xr * s;\n}\n");
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_signal_params *p = n->params;
    const ait_tensor *y = ait_node_out(g, n, 0);
    int c = p->complex_in ? 2 : 1;
    if (!ait_tensor_numel(y))
        return;
    if (n->op == AIT_OP_DFT) {
        int64_t len = p->in_len < p->n ? p->in_len : p->n; /* zero-padded or truncated to n */
        ait_sb_printf(b,
                      "for (long o = 0; o < %" PRId64 "; o++)\nfor (long i = 0; i < %" PRId64 "; i++)\n"
                      "for (long k = 0; k < %" PRId64 "; k++) {\n",
                      p->outer, p->inner, p->bins);
        emit_sum(b, p, len,
                 ait_arena_printf(g->arena, "((o * %" PRId64 " + j) * %" PRId64 " + i) * %d", p->in_len, p->inner, c),
                 "1");
        if (p->inverse)
            ait_sb_printf(b, "re /= %" PRId64 ";\nim /= %" PRId64 ";\n", p->n, p->n);
        ait_sb_printf(b, "const long out = ((o * %" PRId64 " + k) * %" PRId64 " + i) * 2;\n", p->bins, p->inner);
    } else { /* STFT: frames of the signal, each windowed */
        ait_sb_printf(b,
                      "for (long o = 0; o < %" PRId64 "; o++)\nfor (long f = 0; f < %" PRId64 "; f++)\n"
                      "for (long k = 0; k < %" PRId64 "; k++) {\n",
                      p->outer, p->frames, p->bins);
        emit_sum(b, p, p->n, ait_arena_printf(g->arena, "(o * %" PRId64 " + f * %" PRId64 " + j) * %d", p->in_len, p->step, c),
                 p->has_window ? "x2[j]" : "1");
        ait_sb_printf(b, "const long out = ((o * %" PRId64 " + f) * %" PRId64 " + k) * 2;\n", p->frames, p->bins);
    }
    ait_sb_printf(b, "y0[out] = (%s)re;\ny0[out + 1] = (%s)im;\n}\n", ait_ctype(y), ait_ctype(y));
}

const ait_template ait_ref_signal = {.family = "signal", .emit = emit};
