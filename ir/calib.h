/* Activation ranges from calibration: what the int8 backend quantizes each GEMM input with.
 * strategies/calibrate.c measures them on the recorded samples (the reference run with the
 * tensors as extra outputs); the manifest keeps them, so --load emits the same code. */
#ifndef AIT_CALIB_H
#define AIT_CALIB_H

#include "ir/arena.h"

typedef enum { AIT_CALIB_MINMAX, AIT_CALIB_PERCENTILE, AIT_CALIB_COUNT } ait_calib_method;

typedef struct ait_calib {
    int method;            /* ait_calib_method */
    double percentile;     /* AIT_CALIB_PERCENTILE: the share of values kept inside the range */
    int n;
    const char **names;    /* tensor names of the graph after its passes */
    float *lo, *hi;        /* each range holds 0 */
} ait_calib;

/* "minmax", "percentile" */
const char *ait_calib_method_str(int method);
int ait_calib_method_find(const char *name); /* -1 if unknown */

/* The range of the tensor named name: 1, or 0 when it was not calibrated. */
int ait_calib_range(const ait_calib *c, const char *name, float *lo, float *hi);

/* Asymmetric uint8 quantization of [lo, hi] (widened to hold 0): x ~ scale * (q - zero_point),
 * q in [0, 255]; real 0 is exactly zero_point. */
void ait_calib_qparams(float lo, float hi, float *scale, int *zero_point);

#endif
