#include "ir/calib.h"

#include <math.h>
#include <string.h>

static const char *const method_names[AIT_CALIB_COUNT] = {"minmax", "percentile"};

const char *ait_calib_method_str(int method)
{
    return method >= 0 && method < AIT_CALIB_COUNT ? method_names[method] : "?";
}

int ait_calib_method_find(const char *name)
{
    for (int i = 0; i < AIT_CALIB_COUNT; i++)
        if (strcmp(name, method_names[i]) == 0)
            return i;
    return -1;
}

int ait_calib_range(const ait_calib *c, const char *name, float *lo, float *hi)
{
    for (int i = 0; c && name && i < c->n; i++)
        if (strcmp(c->names[i], name) == 0) {
            *lo = c->lo[i];
            *hi = c->hi[i];
            return 1;
        }
    return 0;
}

void ait_calib_qparams(float lo, float hi, float *scale, int *zero_point)
{
    lo = lo < 0 ? lo : 0;
    hi = hi > 0 ? hi : 0;
    float s = (hi - lo) / 255.0f;
    if (!(s > 0) || !isfinite(s)) { /* a tensor that is 0 everywhere: any scale serves */
        *scale = 1.0f;
        *zero_point = 0;
        return;
    }
    long zp = lrintf(-lo / s);
    *scale = s;
    *zero_point = (int)(zp < 0 ? 0 : zp > 255 ? 255 : zp);
}
