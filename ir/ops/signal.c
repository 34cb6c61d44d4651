/* DFT, STFT and MelWeightMatrix (opset 17; DFT's axis input from 20). Lengths decide shapes,
 * so they are constants; the transforms are plain O(n^2) sums in the reference. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ir/ops/op_util.h"

static ait_status const_count(ait_graph *g, ait_node *n, int i, int64_t lo, int64_t *out, ait_diag *d)
{
    double v;
    AIT_TRY(ait_const_scalar(g, n, i, &v, d));
    if (!(v >= (double)lo && v <= (double)(1 << 24)))
        return AIT_NODE_FAIL(AIT_E_MODEL, "input %d = %g is out of range", i, v);
    *out = (int64_t)v;
    return AIT_OK;
}

ait_status ait_resolve_dft(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, 3, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    AIT_TRY(ait_need_float(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    if (x->rank < 2 || (x->dims[x->rank - 1] != 1 && x->dims[x->rank - 1] != 2))
        return AIT_NODE_FAIL(AIT_E_SHAPE, "input must be [..., 1] (real) or [..., 2] (complex)");
    ait_signal_params *p = AIT_NEW(g->arena, ait_signal_params, 1);
    n->params = p;
    int64_t axis = ait_attr_int(n, "axis", 1);
    if (g->opset >= 20) { /* the axis became an input, default -2 */
        double a = -2;
        if (n->n_in > 2 && ait_node_in(g, n, 2))
            AIT_TRY(ait_const_scalar(g, n, 2, &a, d));
        axis = a > -64 && a < 64 ? (int64_t)a : 64; /* out of range either way; never a UB conversion */
    }
    AIT_TRY(ait_norm_axis(g, n, axis, x->rank, &p->axis, d));
    if (p->axis == x->rank - 1)
        return AIT_NODE_FAIL(AIT_E_MODEL, "axis %" PRId64 " is the real/imaginary axis", axis);
    p->inverse = ait_attr_int(n, "inverse", 0) != 0;
    p->onesided = ait_attr_int(n, "onesided", 0) != 0;
    if (p->inverse && p->onesided)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "inverse with onesided (a real inverse transform) is not supported");
    p->complex_in = x->dims[x->rank - 1] == 2;
    p->in_len = x->dims[p->axis];
    p->n = p->in_len;
    if (n->n_in > 1 && ait_node_in(g, n, 1))
        AIT_TRY(const_count(g, n, 1, 1, &p->n, d));
    if (p->n < 1)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "the signal axis is empty");
    p->bins = p->onesided ? p->n / 2 + 1 : p->n;
    p->outer = ait_dims_prod(x->dims, 0, (int)p->axis);
    p->inner = ait_dims_prod(x->dims, (int)p->axis + 1, x->rank - 1);
    int64_t od[AIT_MAX_RANK];
    memcpy(od, x->dims, sizeof(int64_t) * (size_t)x->rank);
    od[p->axis] = p->bins;
    od[x->rank - 1] = 2;
    ait_set_out(g, n, 0, x->dtype, x->rank, od);
    return ait_check_attrs(g, n, d);
}

ait_status ait_resolve_stft(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 2, 4, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    AIT_TRY(ait_need_float(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0), *w = n->n_in > 2 ? ait_node_in(g, n, 2) : NULL;
    if (x->rank != 3 || (x->dims[2] != 1 && x->dims[2] != 2))
        return AIT_NODE_FAIL(AIT_E_SHAPE, "signal must be [batch, length, 1 or 2]");
    ait_signal_params *p = AIT_NEW(g->arena, ait_signal_params, 1);
    n->params = p;
    AIT_TRY(const_count(g, n, 1, 1, &p->step, d));
    int64_t frame = -1;
    if (n->n_in > 3 && ait_node_in(g, n, 3))
        AIT_TRY(const_count(g, n, 3, 1, &frame, d));
    if (w) {
        AIT_TRY(ait_same_dtype(g, n, 0, 2, d));
        if (w->rank != 1 || (frame >= 0 && w->dims[0] != frame))
            return AIT_NODE_FAIL(AIT_E_SHAPE, "window must be 1-D, of frame_length values");
        frame = w->dims[0];
        p->has_window = 1;
    }
    if (frame < 1)
        return AIT_NODE_FAIL(AIT_E_MODEL, "a window or a frame_length is required");
    if (frame > x->dims[1])
        return AIT_NODE_FAIL(AIT_E_SHAPE, "frame_length %" PRId64 " is longer than the signal", frame);
    p->onesided = ait_attr_int(n, "onesided", 1) != 0;
    p->complex_in = x->dims[2] == 2;
    p->n = frame;
    p->in_len = x->dims[1];
    p->outer = x->dims[0];
    p->frames = (x->dims[1] - frame) / p->step + 1;
    p->bins = p->onesided ? frame / 2 + 1 : frame;
    int64_t od[4] = {x->dims[0], p->frames, p->bins, 2};
    ait_set_out(g, n, 0, x->dtype, 4, od);
    return ait_check_attrs(g, n, d);
}

/* Every input is a constant that decides the shape: the matrix is computed here, in double, as
 * the ONNX reference does (integer bin edges from the mel scale, triangles between them). */
ait_status ait_resolve_mel_weight_matrix(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 5, 5, d));
    int64_t mels, dft, rate;
    AIT_TRY(const_count(g, n, 0, 1, &mels, d));
    AIT_TRY(const_count(g, n, 1, 1, &dft, d));
    AIT_TRY(const_count(g, n, 2, 1, &rate, d));
    double lo, hi;
    AIT_TRY(ait_const_scalar(g, n, 3, &lo, d));
    AIT_TRY(ait_const_scalar(g, n, 4, &hi, d));
    if (!(lo >= 0 && hi > lo && hi < 1e9))
        return AIT_NODE_FAIL(AIT_E_MODEL, "edges %g and %g Hz are not a range", lo, hi);
    int dtype = (int)ait_attr_int(n, "output_datatype", AIT_DT_FLOAT);
    if (dtype != AIT_DT_FLOAT && dtype != AIT_DT_DOUBLE)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "output_datatype %s is not supported (float32, double)",
                             ait_dtype_get(dtype)->name);
    int64_t rows = dft / 2 + 1, od[2] = {rows, mels};
    ait_tensor probe = {.dtype = AIT_DT_DOUBLE, .rank = 2, .dims = {rows, mels}};
    if (ait_tensor_bytes(&probe) > g->limits.max_tensor_bytes)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "a %" PRId64 " x %" PRId64 " matrix is over tune.max_tensor_bytes", rows,
                             mels);
    double *m = AIT_NEW(g->arena, double, rows * mels + 1);
    int64_t *edge = AIT_NEW(g->arena, int64_t, mels + 2);
    double lo_mel = 2595 * log10(1 + lo / 700), hi_mel = 2595 * log10(1 + hi / 700);
    double step = (hi_mel - lo_mel) / (double)(mels + 2);
    for (int64_t i = 0; i < mels + 2; i++) {
        double hz = 700 * (pow(10, ((double)i * step + lo_mel) / 2595) - 1);
        edge[i] = (int64_t)floor((double)(dft + 1) * hz / (double)rate);
    }
    for (int64_t i = 0; i < mels; i++) {
        int64_t l = edge[i], c = edge[i + 1], r = edge[i + 2];
        if (l < 0 || r >= rows || c < l || r < c)
            return AIT_NODE_FAIL(AIT_E_MODEL, "mel bin %" PRId64 " falls outside the %" PRId64 " spectrogram bins", i,
                                 rows);
        if (c == l)
            m[c * mels + i] = 1;
        else
            for (int64_t j = l; j <= c; j++)
                m[j * mels + i] = (double)(j - l) / (double)(c - l);
        for (int64_t j = c; j < r; j++)
            m[j * mels + i] = (double)(r - j) / (double)(r - c);
    }
    ait_set_out(g, n, 0, dtype, 2, od);
    ait_tensor *y = ait_node_out(g, n, 0);
    if (dtype == AIT_DT_DOUBLE) {
        y->data = m;
    } else {
        float *f = AIT_NEW(g->arena, float, rows * mels + 1);
        for (int64_t i = 0; i < rows * mels; i++)
            f[i] = (float)m[i];
        y->data = f;
    }
    return ait_check_attrs(g, n, d);
}
