#include "ir/dtype.h"

#include <assert.h>
#include <stdint.h>

static const ait_dtype_info dtypes[AIT_DT_COUNT] = {
    [AIT_DT_UNDEFINED] = {"undefined", NULL, 0, 0, 0},
    [AIT_DT_FLOAT] = {"float32", "float", 4, 1, 1},
    [AIT_DT_UINT8] = {"uint8", "uint8_t", 1, 0, 0},
    [AIT_DT_INT8] = {"int8", "int8_t", 1, 0, 1},
    [AIT_DT_UINT16] = {"uint16", "uint16_t", 2, 0, 0},
    [AIT_DT_INT16] = {"int16", "int16_t", 2, 0, 1},
    [AIT_DT_INT32] = {"int32", "int32_t", 4, 0, 1},
    [AIT_DT_INT64] = {"int64", "int64_t", 8, 0, 1},
    [AIT_DT_STRING] = {"string", NULL, 0, 0, 0},
    [AIT_DT_BOOL] = {"bool", "uint8_t", 1, 0, 0},
    [AIT_DT_FLOAT16] = {"float16", NULL, 2, 1, 1},
    [AIT_DT_DOUBLE] = {"double", "double", 8, 1, 1},
    [AIT_DT_UINT32] = {"uint32", "uint32_t", 4, 0, 0},
    [AIT_DT_UINT64] = {"uint64", "uint64_t", 8, 0, 0},
    [AIT_DT_COMPLEX64] = {"complex64", NULL, 8, 1, 1},
    [AIT_DT_COMPLEX128] = {"complex128", NULL, 16, 1, 1},
    [AIT_DT_BFLOAT16] = {"bfloat16", NULL, 2, 1, 1},
};

const ait_dtype_info *ait_dtype_get(int dt)
{
    return &dtypes[(unsigned)dt < AIT_DT_COUNT ? dt : AIT_DT_UNDEFINED];
}

int ait_dtype_supported(int dt)
{
    return ait_dtype_get(dt)->ctype != NULL;
}

double ait_dtype_load_f64(int dt, const void *p, size_t i)
{
    switch (dt) {
    case AIT_DT_FLOAT: return ((const float *)p)[i];
    case AIT_DT_DOUBLE: return ((const double *)p)[i];
    default: return (double)ait_dtype_load_i64(dt, p, i);
    }
}

long long ait_dtype_load_i64(int dt, const void *p, size_t i)
{
    switch (dt) {
    case AIT_DT_FLOAT: return (long long)((const float *)p)[i];
    case AIT_DT_DOUBLE: return (long long)((const double *)p)[i];
    case AIT_DT_UINT8: case AIT_DT_BOOL: return ((const uint8_t *)p)[i];
    case AIT_DT_INT8: return ((const int8_t *)p)[i];
    case AIT_DT_UINT16: return ((const uint16_t *)p)[i];
    case AIT_DT_INT16: return ((const int16_t *)p)[i];
    case AIT_DT_INT32: return ((const int32_t *)p)[i];
    case AIT_DT_INT64: return ((const int64_t *)p)[i];
    case AIT_DT_UINT32: return ((const uint32_t *)p)[i];
    case AIT_DT_UINT64: return (long long)((const uint64_t *)p)[i];
    default: assert(!"load of unsupported dtype"); return 0;
    }
}
