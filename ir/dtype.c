#include "ir/dtype.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static const ait_dtype_info dtypes[AIT_DT_COUNT] = {
    [AIT_DT_UNDEFINED] = {"undefined", NULL, 0, 0, 0, 0},
    [AIT_DT_FLOAT] = {"float32", "float", 4, 1, 1, 0},
    [AIT_DT_UINT8] = {"uint8", "uint8_t", 1, 0, 0, 0},
    [AIT_DT_INT8] = {"int8", "int8_t", 1, 0, 1, 0},
    [AIT_DT_UINT16] = {"uint16", "uint16_t", 2, 0, 0, 0},
    [AIT_DT_INT16] = {"int16", "int16_t", 2, 0, 1, 0},
    [AIT_DT_INT32] = {"int32", "int32_t", 4, 0, 1, 0},
    [AIT_DT_INT64] = {"int64", "int64_t", 8, 0, 1, 0},
    [AIT_DT_STRING] = {"string", NULL, 0, 0, 0, 0},
    [AIT_DT_BOOL] = {"bool", "uint8_t", 1, 0, 0, 0},
    [AIT_DT_FLOAT16] = {"float16", "uint16_t", 2, 1, 1, 1},
    [AIT_DT_DOUBLE] = {"double", "double", 8, 1, 1, 0},
    [AIT_DT_UINT32] = {"uint32", "uint32_t", 4, 0, 0, 0},
    [AIT_DT_UINT64] = {"uint64", "uint64_t", 8, 0, 0, 0},
    [AIT_DT_COMPLEX64] = {"complex64", NULL, 8, 1, 1, 0},
    [AIT_DT_COMPLEX128] = {"complex128", NULL, 16, 1, 1, 0},
    [AIT_DT_BFLOAT16] = {"bfloat16", "uint16_t", 2, 1, 1, 1},
};

const ait_dtype_info *ait_dtype_get(int dt)
{
    return &dtypes[(unsigned)dt < AIT_DT_COUNT ? dt : AIT_DT_UNDEFINED];
}

int ait_dtype_supported(int dt)
{
    return ait_dtype_get(dt)->ctype != NULL && !ait_dtype_get(dt)->storage;
}

int ait_dtype_storable(int dt)
{
    return ait_dtype_get(dt)->ctype != NULL;
}

static float bits_to_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

float ait_half_to_float(uint16_t h)
{
    const uint32_t e = (h >> 10) & 31u, m = h & 1023u, s = (uint32_t)(h >> 15) << 31;
    if (e == 0) /* zero and subnormals: m 2^-24 */
        return (s ? -1.0f : 1.0f) * (float)m * 5.9604644775390625e-8f;
    return bits_to_float(s | (e == 31 ? 0x7f800000u | m << 13 : (e + 112u) << 23 | m << 13));
}

float ait_bf16_to_float(uint16_t h)
{
    return bits_to_float((uint32_t)h << 16);
}

uint16_t ait_half_from_double(double v)
{
    const uint16_t sign = signbit(v) ? 0x8000u : 0;
    const double a = fabs(v);
    if (a != a)
        return sign | 0x7e00u;
    if (a >= 65520.0) /* at least the largest half plus half its ulp: rounds to infinity */
        return sign | 0x7c00u;
    if (a < 6.103515625e-05) /* below 2^-14: a subnormal, in units of 2^-24 (1024 is the least normal) */
        return sign | (uint16_t)rint(a * 16777216.0);
    int e;
    const double f = frexp(a, &e); /* a = f 2^e, f in [0.5, 1) */
    /* a carry out of the mantissa (rounding to 1024) moves into the exponent, as it should */
    return sign | (uint16_t)(((uint32_t)(e + 14) << 10) + (uint32_t)rint((2 * f - 1) * 1024));
}

uint16_t ait_bf16_from_float(float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    if (v != v)
        return (uint16_t)(u >> 16 | 0x40u);
    return (uint16_t)((u + 0x7fffu + (u >> 16 & 1u)) >> 16);
}

double ait_dtype_load_f64(int dt, const void *p, size_t i)
{
    switch (dt) {
    case AIT_DT_FLOAT: return ((const float *)p)[i];
    case AIT_DT_DOUBLE: return ((const double *)p)[i];
    case AIT_DT_FLOAT16: return ait_half_to_float(((const uint16_t *)p)[i]);
    case AIT_DT_BFLOAT16: return ait_bf16_to_float(((const uint16_t *)p)[i]);
    default: return (double)ait_dtype_load_i64(dt, p, i);
    }
}

long long ait_dtype_load_i64(int dt, const void *p, size_t i)
{
    switch (dt) {
    case AIT_DT_FLOAT: return (long long)((const float *)p)[i];
    case AIT_DT_DOUBLE: return (long long)((const double *)p)[i];
    case AIT_DT_FLOAT16: case AIT_DT_BFLOAT16: return (long long)ait_dtype_load_f64(dt, p, i);
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
