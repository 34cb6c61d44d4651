/* The recurrent ops' kernel (RNN, GRU, LSTM), shared by the backends: the skeleton (states,
 * steps, directions, sequence lengths, activations, outputs) is the reference's; how the gate
 * pre-activations are computed is each backend's. */
#ifndef AIT_RNN_H
#define AIT_RNN_H

#include "templates/template.h"

typedef struct {
    /* (optional) once per direction, before its batch loop (an input projection of every step) */
    void (*direction)(ait_sb *b, const ait_graph *g, const ait_node *n, int dir);
    /* in the step loop (ts, b, h, c set): gs[k] for k < G*H, every gate's X W^T + biases and
     * H R^T (a GRU's h gate without H R^T, which needs r first) */
    void (*gates)(ait_sb *b, const ait_graph *g, const ait_node *n, int dir);
    /* GRU: c[j], the h gate's pre-activation, from r (gs[H..2H)) and h */
    void (*gru_candidate)(ait_sb *b, const ait_graph *g, const ait_node *n, int dir);
} ait_rnn_gemv;

/* The kernel body: `enum { T, B, I, H, G }`, h, c, gs, tmp in s0 ((3 + G) * H floats), then mv's. */
void ait_rnn_emit(ait_sb *b, const ait_graph *g, const ait_node *n, const ait_rnn_gemv *mv);
/* `dst = act(clip(pre));` (clip: the gates' clip; an LSTM's h(c) is unclipped) */
void ait_rnn_emit_act(ait_sb *b, const ait_rnn_params *p, const ait_rnn_act *a, const char *dst, const char *pre,
                      int clip);

#endif
