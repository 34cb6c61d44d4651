/* Supported ONNX operators.
 *
 * Each op has a resolve function (in ir/ops/<family>.c) that checks input
 * counts, dtypes and attributes, infers output dtypes and shapes, sets constant
 * outputs it can compute without running code (Shape, Size, Constant), and
 * fills node->params for the emitters.  Emitters (templates/<backend>/) never
 * check anything.
 *
 * Adding an op: (1) add an X() line below, (2) write its resolve in the family
 * file, (3) add its emitter to templates/reference/, (4) run `make conformance`. */
#ifndef AIT_OPS_H
#define AIT_OPS_H

#include "ir/graph.h"

/*  X(enum suffix, ONNX name, family, resolve function) */
#define AIT_OP_LIST(X)                                      \
    X(ABS, "Abs", unary, ait_resolve_unary)                 \
    X(NEG, "Neg", unary, ait_resolve_unary)                 \
    X(SQRT, "Sqrt", unary, ait_resolve_unary)               \
    X(EXP, "Exp", unary, ait_resolve_unary)                 \
    X(LOG, "Log", unary, ait_resolve_unary)                 \
    X(ERF, "Erf", unary, ait_resolve_unary)                 \
    X(RELU, "Relu", unary, ait_resolve_unary)               \
    X(LEAKY_RELU, "LeakyRelu", unary, ait_resolve_unary)    \
    X(SIGMOID, "Sigmoid", unary, ait_resolve_unary)         \
    X(HARD_SIGMOID, "HardSigmoid", unary, ait_resolve_unary)\
    X(HARD_SWISH, "HardSwish", unary, ait_resolve_unary)    \
    X(TANH, "Tanh", unary, ait_resolve_unary)               \
    X(GELU, "Gelu", unary, ait_resolve_unary)               \
    X(RECIPROCAL, "Reciprocal", unary, ait_resolve_unary)   \
    X(IDENTITY, "Identity", unary, ait_resolve_unary)       \
    X(DROPOUT, "Dropout", unary, ait_resolve_unary)         \
    X(CAST, "Cast", unary, ait_resolve_unary)               \
    X(CAST_LIKE, "CastLike", unary, ait_resolve_unary)      \
    X(CLIP, "Clip", unary, ait_resolve_clip)                \
    X(FLOOR, "Floor", unary, ait_resolve_unary)             \
    X(CEIL, "Ceil", unary, ait_resolve_unary)               \
    X(ROUND, "Round", unary, ait_resolve_unary)             \
    X(SIGN, "Sign", unary, ait_resolve_unary)               \
    X(SIN, "Sin", unary, ait_resolve_unary)                 \
    X(COS, "Cos", unary, ait_resolve_unary)                 \
    X(TAN, "Tan", unary, ait_resolve_unary)                 \
    X(ASIN, "Asin", unary, ait_resolve_unary)               \
    X(ACOS, "Acos", unary, ait_resolve_unary)               \
    X(ATAN, "Atan", unary, ait_resolve_unary)               \
    X(SINH, "Sinh", unary, ait_resolve_unary)               \
    X(COSH, "Cosh", unary, ait_resolve_unary)               \
    X(ASINH, "Asinh", unary, ait_resolve_unary)             \
    X(ACOSH, "Acosh", unary, ait_resolve_unary)             \
    X(ATANH, "Atanh", unary, ait_resolve_unary)             \
    X(ELU, "Elu", unary, ait_resolve_unary)                 \
    X(SELU, "Selu", unary, ait_resolve_unary)               \
    X(CELU, "Celu", unary, ait_resolve_unary)               \
    X(SOFTPLUS, "Softplus", unary, ait_resolve_unary)       \
    X(SOFTSIGN, "Softsign", unary, ait_resolve_unary)       \
    X(MISH, "Mish", unary, ait_resolve_unary)               \
    X(THRESHOLDED_RELU, "ThresholdedRelu", unary, ait_resolve_unary) \
    X(SHRINK, "Shrink", unary, ait_resolve_unary)           \
    X(IS_NAN, "IsNaN", unary, ait_resolve_unary)            \
    X(IS_INF, "IsInf", unary, ait_resolve_unary)            \
    X(NOT, "Not", unary, ait_resolve_unary)                 \
    X(BITWISE_NOT, "BitwiseNot", unary, ait_resolve_unary)  \
    X(ADD, "Add", binary, ait_resolve_binary)               \
    X(SUB, "Sub", binary, ait_resolve_binary)               \
    X(MUL, "Mul", binary, ait_resolve_binary)               \
    X(DIV, "Div", binary, ait_resolve_binary)               \
    X(POW, "Pow", binary, ait_resolve_binary)               \
    X(LESS, "Less", binary, ait_resolve_binary)             \
    X(GREATER, "Greater", binary, ait_resolve_binary)       \
    X(EQUAL, "Equal", binary, ait_resolve_binary)           \
    X(SUM, "Sum", binary, ait_resolve_binary)               \
    X(MAX, "Max", binary, ait_resolve_binary)               \
    X(MIN, "Min", binary, ait_resolve_binary)               \
    X(WHERE, "Where", binary, ait_resolve_binary)           \
    X(LESS_OR_EQUAL, "LessOrEqual", binary, ait_resolve_binary) \
    X(GREATER_OR_EQUAL, "GreaterOrEqual", binary, ait_resolve_binary) \
    X(MEAN, "Mean", binary, ait_resolve_binary)             \
    X(MOD, "Mod", binary, ait_resolve_binary)               \
    X(AND, "And", binary, ait_resolve_binary)               \
    X(OR, "Or", binary, ait_resolve_binary)                 \
    X(XOR, "Xor", binary, ait_resolve_binary)               \
    X(BIT_SHIFT, "BitShift", binary, ait_resolve_binary)    \
    X(BITWISE_AND, "BitwiseAnd", binary, ait_resolve_binary) \
    X(BITWISE_OR, "BitwiseOr", binary, ait_resolve_binary)  \
    X(BITWISE_XOR, "BitwiseXor", binary, ait_resolve_binary) \
    X(PRELU, "PRelu", binary, ait_resolve_binary)           \
    X(GEMM, "Gemm", matmul, ait_resolve_gemm)               \
    X(MATMUL, "MatMul", matmul, ait_resolve_matmul)         \
    X(DET, "Det", matmul, ait_resolve_det)                  \
    X(CONV, "Conv", conv, ait_resolve_conv)                 \
    X(CONV_TRANSPOSE, "ConvTranspose", conv, ait_resolve_conv) \
    X(MAX_POOL, "MaxPool", pool, ait_resolve_pool)          \
    X(AVERAGE_POOL, "AveragePool", pool, ait_resolve_pool)  \
    X(GLOBAL_AVERAGE_POOL, "GlobalAveragePool", pool, ait_resolve_pool) \
    X(GLOBAL_MAX_POOL, "GlobalMaxPool", pool, ait_resolve_pool) \
    X(LP_POOL, "LpPool", pool, ait_resolve_pool)            \
    X(GLOBAL_LP_POOL, "GlobalLpPool", pool, ait_resolve_pool) \
    X(BATCH_NORM, "BatchNormalization", norm, ait_resolve_batchnorm) \
    X(LAYER_NORM, "LayerNormalization", norm, ait_resolve_layernorm) \
    X(SOFTMAX, "Softmax", norm, ait_resolve_softmax)        \
    X(LOG_SOFTMAX, "LogSoftmax", norm, ait_resolve_softmax) \
    X(HARDMAX, "Hardmax", norm, ait_resolve_softmax)        \
    X(INSTANCE_NORM, "InstanceNormalization", norm, ait_resolve_channel_norm) \
    X(GROUP_NORM, "GroupNormalization", norm, ait_resolve_channel_norm) \
    X(LRN, "LRN", norm, ait_resolve_channel_norm)           \
    X(LP_NORM, "LpNormalization", norm, ait_resolve_lp_norm) \
    X(MEAN_VARIANCE_NORM, "MeanVarianceNormalization", reduce, ait_resolve_mvn) \
    X(REDUCE_MEAN, "ReduceMean", reduce, ait_resolve_reduce)\
    X(REDUCE_SUM, "ReduceSum", reduce, ait_resolve_reduce)  \
    X(REDUCE_MAX, "ReduceMax", reduce, ait_resolve_reduce)  \
    X(REDUCE_MIN, "ReduceMin", reduce, ait_resolve_reduce)  \
    X(REDUCE_PROD, "ReduceProd", reduce, ait_resolve_reduce) \
    X(REDUCE_L1, "ReduceL1", reduce, ait_resolve_reduce)    \
    X(REDUCE_L2, "ReduceL2", reduce, ait_resolve_reduce)    \
    X(REDUCE_LOG_SUM, "ReduceLogSum", reduce, ait_resolve_reduce) \
    X(REDUCE_LOG_SUM_EXP, "ReduceLogSumExp", reduce, ait_resolve_reduce) \
    X(REDUCE_SUM_SQUARE, "ReduceSumSquare", reduce, ait_resolve_reduce) \
    X(ARG_MAX, "ArgMax", reduce, ait_resolve_argmax)        \
    X(ARG_MIN, "ArgMin", reduce, ait_resolve_argmax)        \
    X(FLATTEN, "Flatten", layout, ait_resolve_flatten)      \
    X(RESHAPE, "Reshape", layout, ait_resolve_reshape)      \
    X(SQUEEZE, "Squeeze", layout, ait_resolve_squeeze)      \
    X(UNSQUEEZE, "Unsqueeze", layout, ait_resolve_squeeze)  \
    X(TRANSPOSE, "Transpose", layout, ait_resolve_transpose)\
    X(CONCAT, "Concat", layout, ait_resolve_concat)         \
    X(SPLIT, "Split", layout, ait_resolve_split)            \
    X(SLICE, "Slice", layout, ait_resolve_slice)            \
    X(PAD, "Pad", layout, ait_resolve_pad)                  \
    X(GATHER, "Gather", layout, ait_resolve_gather)         \
    X(EXPAND, "Expand", layout, ait_resolve_expand)         \
    X(SHAPE, "Shape", source, ait_resolve_shape)            \
    X(SIZE, "Size", source, ait_resolve_size)               \
    X(CONSTANT, "Constant", source, ait_resolve_constant)   \
    X(CONSTANT_OF_SHAPE, "ConstantOfShape", source, ait_resolve_constant_of_shape) \
    X(RANGE, "Range", source, ait_resolve_range)            \
    X(HANN_WINDOW, "HannWindow", source, ait_resolve_window) \
    X(HAMMING_WINDOW, "HammingWindow", source, ait_resolve_window) \
    X(BLACKMAN_WINDOW, "BlackmanWindow", source, ait_resolve_window) \
    X(GATHER_ELEMENTS, "GatherElements", index, ait_resolve_gather_elements) \
    X(SCATTER_ELEMENTS, "ScatterElements", index, ait_resolve_gather_elements) \
    X(GATHER_ND, "GatherND", index, ait_resolve_gather_nd)  \
    X(SCATTER_ND, "ScatterND", index, ait_resolve_gather_nd) \
    X(SCATTER, "Scatter", index, ait_resolve_gather_elements) \
    X(REVERSE_SEQUENCE, "ReverseSequence", index, ait_resolve_reverse_sequence) \
    X(COMPRESS, "Compress", index, ait_resolve_compress)    \
    X(ONE_HOT, "OneHot", index, ait_resolve_one_hot)        \
    X(TOP_K, "TopK", index, ait_resolve_topk)               \
    X(TRILU, "Trilu", index, ait_resolve_trilu)             \
    X(EYE_LIKE, "EyeLike", index, ait_resolve_trilu)        \
    X(CUM_SUM, "CumSum", index, ait_resolve_cumsum)         \
    X(TILE, "Tile", index, ait_resolve_tile)                \
    X(DEPTH_TO_SPACE, "DepthToSpace", index, ait_resolve_depth_to_space) \
    X(SPACE_TO_DEPTH, "SpaceToDepth", index, ait_resolve_depth_to_space) \
    X(EINSUM, "Einsum", einsum, ait_resolve_einsum)         \
    X(QUANTIZE_LINEAR, "QuantizeLinear", quant, ait_resolve_quantize) \
    X(DEQUANTIZE_LINEAR, "DequantizeLinear", quant, ait_resolve_quantize) \
    X(DYNAMIC_QUANTIZE_LINEAR, "DynamicQuantizeLinear", quant, ait_resolve_dynamic_quantize) \
    X(MATMUL_INTEGER, "MatMulInteger", quant, ait_resolve_matmul_integer) \
    X(QLINEAR_MATMUL, "QLinearMatMul", quant, ait_resolve_matmul_integer) \
    X(CONV_INTEGER, "ConvInteger", quant, ait_resolve_conv_quant) \
    X(QLINEAR_CONV, "QLinearConv", quant, ait_resolve_conv_quant) \
    X(DFT, "DFT", signal, ait_resolve_dft)                  \
    X(STFT, "STFT", signal, ait_resolve_stft)               \
    X(MEL_WEIGHT_MATRIX, "MelWeightMatrix", signal, ait_resolve_mel_weight_matrix) \
    X(MAX_UNPOOL, "MaxUnpool", spatial, ait_resolve_max_unpool) \
    X(COL2IM, "Col2Im", spatial, ait_resolve_col2im)        \
    X(CENTER_CROP_PAD, "CenterCropPad", layout, ait_resolve_center_crop_pad) \
    X(AFFINE_GRID, "AffineGrid", spatial, ait_resolve_affine_grid) \
    X(ROI_ALIGN, "RoiAlign", spatial, ait_resolve_roi_align) \
    X(NEGATIVE_LOG_LIKELIHOOD_LOSS, "NegativeLogLikelihoodLoss", loss, ait_resolve_loss) \
    X(SOFTMAX_CROSS_ENTROPY_LOSS, "SoftmaxCrossEntropyLoss", loss, ait_resolve_loss) \
    X(RNN, "RNN", recurrent, ait_resolve_recurrent)         \
    X(GRU, "GRU", recurrent, ait_resolve_recurrent)         \
    X(LSTM, "LSTM", recurrent, ait_resolve_recurrent)       \
    X(RESIZE, "Resize", resize, ait_resolve_resize)         \
    X(UPSAMPLE, "Upsample", resize, ait_resolve_resize)     \
    X(GRID_SAMPLE, "GridSample", resize, ait_resolve_grid_sample)

typedef enum {
#define AIT_X_ENUM(e, name, fam, fn) AIT_OP_##e,
    AIT_OP_LIST(AIT_X_ENUM)
#undef AIT_X_ENUM
    AIT_OP_COUNT
} ait_op;

typedef ait_status (*ait_resolve_fn)(ait_graph *g, ait_node *n, ait_diag *d);

typedef struct {
    const char *name;       /* ONNX op_type */
    const char *family;     /* file in ir/ops/ and templates/<backend>/ */
    ait_resolve_fn resolve;
} ait_op_info;

extern const ait_op_info ait_ops[AIT_OP_COUNT];

int ait_op_lookup(const char *domain, const char *op_type); /* ait_op or -1 */
/* Activations a graph pass can fuse into a producing node's epilogue. */
int ait_op_is_activation(int op);

#define AIT_X_DECL(e, name, fam, fn) ait_status fn(ait_graph *g, ait_node *n, ait_diag *d);
AIT_OP_LIST(AIT_X_DECL)
#undef AIT_X_DECL

#endif
