#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c99 */
/* make bench: times emitted code.  Built by bench/run.sh per model with
 *   gcc -O3 -march=native -DMODEL_H='"m.h"' -DRUN=m_run -DIN_N=... -DOUT_N=... -DMAX_B=...
 * usage: time_model input.f32 batch  -> prints the median ms per call (of 15 samples) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include MODEL_H

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

int main(int argc, char **argv)
{
    int batch = argc > 2 ? atoi(argv[2]) : 1;
    float *x = malloc(sizeof(float) * IN_N * (size_t)batch), *y = malloc(sizeof(float) * OUT_N * (size_t)batch);
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
    if (!f || fread(x, sizeof(float), IN_N, f) != IN_N || batch < 1) {
        fprintf(stderr, "time_model: usage: time_model input.f32 batch\n");
        return 2;
    }
    fclose(f);
    for (int b = 1; b < batch; b++) /* every item the same sample */
        memcpy(x + (size_t)b * IN_N, x, sizeof(float) * IN_N);
    const float *in[1] = {x};
    float *out[1] = {y};
    if (RUN(in, out, batch) != 0) {
        fprintf(stderr, "time_model: run failed at batch %d\n", batch);
        return 1;
    }
    double t0 = now_s();
    RUN(in, out, batch);
    double once = now_s() - t0;
    int reps = once > 5e-3 ? 1 : (int)(5e-3 / (once + 1e-9)) + 1;
    int samples = once > 0.5 ? 5 : 15;
    double s[15];
    for (int i = 0; i < samples; i++) {
        double a = now_s();
        for (int r = 0; r < reps; r++)
            RUN(in, out, batch);
        s[i] = (now_s() - a) / reps;
    }
    qsort(s, (size_t)samples, sizeof s[0], cmp_double);
    printf("%.4f\n", s[samples / 2] * 1e3);
    return 0;
}
