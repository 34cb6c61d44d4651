/* Element types, numbered as ONNX TensorProto.DataType so imports need no map. */
#ifndef AIT_DTYPE_H
#define AIT_DTYPE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    AIT_DT_UNDEFINED = 0,
    AIT_DT_FLOAT = 1,
    AIT_DT_UINT8 = 2,
    AIT_DT_INT8 = 3,
    AIT_DT_UINT16 = 4,
    AIT_DT_INT16 = 5,
    AIT_DT_INT32 = 6,
    AIT_DT_INT64 = 7,
    AIT_DT_STRING = 8,
    AIT_DT_BOOL = 9,
    AIT_DT_FLOAT16 = 10,
    AIT_DT_DOUBLE = 11,
    AIT_DT_UINT32 = 12,
    AIT_DT_UINT64 = 13,
    AIT_DT_COMPLEX64 = 14,
    AIT_DT_COMPLEX128 = 15,
    AIT_DT_BFLOAT16 = 16,
    AIT_DT_COUNT
} ait_dtype;

typedef struct {
    const char *name;   /* ONNX spelling, for messages and reports */
    const char *ctype;  /* C99 type in emitted code; NULL: not supported */
    size_t size;        /* bytes per element */
    int is_float;
    int is_signed;
    int storage;        /* float16, bfloat16: kept as their bits (uint16_t); only Cast converts them */
} ait_dtype_info;

const ait_dtype_info *ait_dtype_get(int dt); /* never NULL; unknown codes map to UNDEFINED */
int ait_dtype_supported(int dt);             /* has a C type in emitted code and ops that compute on it */
int ait_dtype_storable(int dt);              /* that, or a storage type: graph inputs / outputs, Cast */

/* IEEE binary16 and bfloat16 bits: decoded exactly, encoded rounding to nearest even (overflow to
 * infinity, NaN kept a quiet NaN). */
float ait_half_to_float(uint16_t h);
float ait_bf16_to_float(uint16_t h);
uint16_t ait_half_from_double(double v);
uint16_t ait_bf16_from_float(float v);

/* Read element i of a dense array of type dt as double / int64 (for folding and tests). */
double ait_dtype_load_f64(int dt, const void *data, size_t i);
long long ait_dtype_load_i64(int dt, const void *data, size_t i);

#endif
