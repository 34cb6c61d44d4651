/* Parameters that an op's resolve computes for the emitters, one struct per
 * family.  Shapes are not repeated here: emitters read them from tensors. */
#ifndef AIT_OP_PARAMS_H
#define AIT_OP_PARAMS_H

#include <stdint.h>

#include "ir/graph.h"

typedef struct {
    float alpha, beta;      /* LeakyRelu, HardSigmoid, Elu, Celu, ThresholdedRelu; Selu alpha, gamma;
                               Shrink lambd, bias */
    int gelu_tanh;          /* Gelu approximate = "tanh" */
    int has_min, has_max;   /* Clip: bound present (attribute or input); IsInf: detect_negative, _positive */
    double min, max;        /* Clip attribute form (opset < 11) */
    int min_input, max_input; /* Clip: bound comes from input 1 / 2 */
} ait_unary_params;

typedef struct {
    int fmod;               /* Mod: C fmod / truncated remainder (1) or the divisor's sign (0) */
    int shift_left;         /* BitShift direction */
} ait_binary_params;

typedef struct {
    float alpha, beta;      /* Gemm */
    int trans_a, trans_b;   /* Gemm */
    int64_t m, n, k;
    int64_t batch;          /* MatMul: flattened output batch */
    int64_t *a_off, *b_off; /* MatMul: per-batch element offsets (broadcast) */
    int64_t c_stride_m, c_stride_n; /* Gemm: C broadcast strides (0: broadcast) */
} ait_matmul_params;

typedef struct {
    int spatial;            /* 1..3 spatial dims; stored right-aligned in 3-element arrays */
    int64_t group;
    int64_t in[3], out[3], k[3], stride[3], dil[3], pad_lo[3];
    int64_t n, cin, cout;
} ait_conv_params;

typedef struct {
    int spatial;
    int64_t in[3], out[3], k[3], stride[3], dil[3], pad_lo[3], pad_hi[3];
    int64_t n, c;
    int count_include_pad;
    int p;                  /* LpPool, GlobalLpPool */
    int size_dependent;     /* ceil_mode or auto_pad SAME: overhang and pads change with the input's size */
} ait_pool_params;

typedef struct {
    int64_t outer, axis_len, inner; /* Softmax/LayerNorm/BatchNorm decomposition */
    float epsilon;
    int64_t *scale_off;     /* LayerNorm: per normalized element offset into scale/bias (broadcast) */
    int64_t *bias_off;
    int64_t groups;         /* GroupNormalization num_groups */
    int per_group_scale;    /* GroupNormalization before opset 21: scale and bias per group, not channel */
    int p;                  /* LpNormalization: 1 or 2 */
    float alpha, beta, bias; /* LRN */
    int64_t size;           /* LRN window */
} ait_norm_params;

typedef struct {
    int rank;
    int reduce[AIT_MAX_RANK];  /* 1: axis is reduced */
    int identity;              /* noop_with_empty_axes with no axes: copy */
    int select_last;           /* ArgMax/ArgMin select_last_index */
} ait_reduce_params;

typedef struct {
    int64_t axis;              /* Concat, Split, Gather */
    int64_t *sizes;            /* Split: per output; Concat unused */
    int64_t start[AIT_MAX_RANK], step[AIT_MAX_RANK]; /* Slice */
    int64_t pad_lo[AIT_MAX_RANK];                    /* Pad */
    int pad_mode;              /* 0 constant, 1 reflect, 2 edge */
    double pad_value;          /* attribute form; input form reads x2 */
    int pad_value_input;
    int perm[AIT_MAX_RANK];    /* Transpose */
} ait_layout_params;

typedef struct {
    int nearest;               /* 1 nearest, 0 linear or cubic */
    int rank;
    int taps[AIT_MAX_RANK];    /* source elements per output index along each axis (1 for nearest) */
    int64_t *idx[AIT_MAX_RANK]; /* [out * taps]: source indices, clamped (edge padding) */
    double *wt[AIT_MAX_RANK];  /* [out * taps]: their weights */
    uint8_t *outside[AIT_MAX_RANK]; /* tf_crop_and_resize: coordinate out of range */
    float extrapolation;
    int any_outside;
} ait_resize_params;

typedef struct {
    int64_t axis;              /* GatherElements, ScatterElements, OneHot, TopK, CumSum; ReverseSequence's time
                                  axis; Compress (-1: the flat input) */
    int reduction;             /* Scatter*: 0 none, 1 add, 2 mul, 3 max, 4 min */
    int batch_dims;            /* GatherND; ReverseSequence's batch axis */
    int64_t k;                 /* TopK k, OneHot depth, EyeLike k, DepthToSpace/SpaceToDepth blocksize,
                                  Compress: positions kept */
    int largest;               /* TopK */
    int upper, k_input;        /* Trilu: upper; k from input 1 */
    int exclusive, reverse;    /* CumSum */
    int crd;                   /* DepthToSpace mode CRD (else DCR) */
    int64_t *positions;        /* Compress: the k kept positions */
} ait_index_params;

enum { AIT_CELL_RNN, AIT_CELL_GRU, AIT_CELL_LSTM };
enum {
    AIT_ACT_RELU, AIT_ACT_TANH, AIT_ACT_SIGMOID, AIT_ACT_AFFINE, AIT_ACT_LEAKY_RELU, AIT_ACT_THRESHOLDED_RELU,
    AIT_ACT_SCALED_TANH, AIT_ACT_HARD_SIGMOID, AIT_ACT_ELU, AIT_ACT_SOFTSIGN, AIT_ACT_SOFTPLUS, AIT_ACT_COUNT
};

typedef struct {
    int kind;                  /* AIT_ACT_* */
    float alpha, beta;
} ait_rnn_act;

typedef struct {
    int cell, gates;           /* AIT_CELL_*; 1, 3 (z r h) or 4 (i o f c) */
    int direction, dirs;       /* 0 forward, 1 reverse, 2 bidirectional; 1 or 2 */
    int layout;                /* 0: [seq, batch, ...]; 1: [batch, seq, ...] */
    int64_t seq, batch, input, hidden;
    int has_clip;
    float clip;
    int linear_before_reset;   /* GRU */
    ait_rnn_act act[6];        /* per direction: f (RNN); f g (GRU); f g h (LSTM) */
    int has[8];                /* optional input present: B 3, sequence_lens 4, initial_h 5, initial_c 6, P 7 */
} ait_rnn_params;

typedef struct {
    int reduction;             /* 0 none, 1 sum, 2 mean */
    int has_ignore;
    int64_t ignore_index;
    int64_t n, c, inner;       /* input [N, C, d1...]: inner = d1 * ... */
} ait_loss_params;

enum { AIT_EINSUM_MAX_IN = 8, AIT_EINSUM_LABELS = 52 + AIT_MAX_RANK };
typedef struct {
    int n_loops, n_out_loops;  /* the output's labels first (in its order), then the summed ones */
    int loop_label[AIT_EINSUM_LABELS];
    int64_t loop_size[AIT_EINSUM_LABELS];
    int64_t stride[AIT_EINSUM_MAX_IN][AIT_EINSUM_LABELS]; /* per input, per label (0: not in it) */
} ait_einsum_params;

typedef struct {
    int mode;                  /* 0 nearest, 1 linear, 2 cubic */
    int padding;               /* 0 zeros, 1 border, 2 reflection */
    int align_corners, spatial;
    int64_t n, c, in[3], out; /* out: output spatial elements */
} ait_grid_params;

/* RoiAlign's samples per bin axis are data-driven with sampling_ratio 0 (ceil of the ROI's size over
 * the bins): bounded, so a huge ROI costs bounded time. */
enum { AIT_ROI_MAX_SAMPLES = 64 };
typedef struct {
    int sp;                    /* spatial axes */
    int64_t n, c;
    int64_t in[3], out[3];     /* MaxUnpool: in = inferred output; Col2Im: in = image, out = blocks per axis;
                                  RoiAlign: in = H W, out = pooled H W; AffineGrid: out = D H W or H W */
    int64_t k[3], stride[3], dil[3], pad_lo[3], pad_hi[3]; /* RoiAlign: k[0] sampling_ratio */
    int mode;                  /* RoiAlign: 0 avg, 1 max */
    int align_corners;         /* AffineGrid; RoiAlign: half_pixel (offset 0.5) */
    float scale;               /* RoiAlign spatial_scale */
    int64_t rois;
} ait_spatial_params;

typedef struct {
    int64_t axis;              /* DFT */
    int inverse, onesided, complex_in, has_window;
    int64_t in_len;            /* samples along the signal axis */
    int64_t n;                 /* transform length (DFT dft_length, STFT frame_length) */
    int64_t bins, outer, inner; /* output bins; DFT: before / after the axis; STFT: outer = batch */
    int64_t step, frames;      /* STFT */
} ait_signal_params;

typedef struct {
    int per_axis, has_zp;      /* QuantizeLinear / DequantizeLinear: scale per axis entry; zero point given */
    int64_t axis_len, inner;   /* per axis: entry (i / inner) % axis_len */
    const ait_matmul_params *mm; /* MatMulInteger, QLinearMatMul: the MatMul geometry */
    int has_azp, has_bzp, a_per_row, b_per_col, b_scale_per_col;
    const ait_conv_params *conv; /* ConvInteger, QLinearConv: the Conv geometry; a is x, b is w (zero
                                    point and scale per output channel: b_per_col, b_scale_per_col) */
} ait_quant_params;

typedef struct {
    double value;              /* ConstantOfShape fill value */
} ait_fill_params;

#endif
