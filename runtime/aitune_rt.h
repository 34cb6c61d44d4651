/* aitune_rt.h: the tiny freestanding layer shared by aitune-c, libaitune and the code they
 * emit: status codes and the tensor descriptor's dtypes.  C99, no other header. Functions of
 * libaitune (runtime/aitune.h) return 0 or the negative of one of these codes. */
#ifndef AITUNE_RT_H
#define AITUNE_RT_H

typedef enum {
    AIT_OK = 0,
    AIT_E_IO,          /* a file cannot be read, written or renamed */
    AIT_E_PARSE,       /* malformed protobuf, .npy or .ini bytes */
    AIT_E_MODEL,       /* structurally invalid model: missing tensor, bad attribute */
    AIT_E_UNSUPPORTED, /* valid ONNX that aitune-c does not implement */
    AIT_E_SHAPE,       /* shapes that contradict each other or the op */
    AIT_E_NEEDS_CONST, /* an input that decides a shape is not known at generation time */
    AIT_E_COMPILE,     /* the C compiler rejected generated code */
    AIT_E_RUNTIME,     /* generated code crashed, hung or returned an error */
    AIT_E_MISMATCH,    /* outputs differ from the reference beyond tolerance */
    AIT_E_CONFIG,      /* bad config key or value */
    AIT_E_USAGE,       /* bad command line */
    AIT_E_ARG,         /* a bad argument to libaitune: NULL, a wrong dtype, rank or count, a small buffer */
    AIT_E_STATE,       /* not allowed in the module's state (tuning with no samples, leaving TUNED) */
    AIT_E_INTEGRITY,   /* a saved artifact does not match its SHA-256 sums or its model */
    AIT_E_BUSY,        /* the module is in use by another thread */
    AIT_E_COUNT
} ait_status;

/* ONNX TensorProto.DataType values of the descriptors' dtype field */
enum { AIT_DTYPE_FLOAT = 1, AIT_DTYPE_UINT8 = 2, AIT_DTYPE_INT8 = 3, AIT_DTYPE_INT32 = 6, AIT_DTYPE_INT64 = 7,
       AIT_DTYPE_BOOL = 9, AIT_DTYPE_FLOAT16 = 10, AIT_DTYPE_DOUBLE = 11 };

#endif
