/* make bench: times emitted code.  Built by bench/run.sh per model with
 *   gcc -O3 -march=native -I. -DMODEL_H='"m.h"' -DRUN=m_run -DIN_N=... -DOUT_N=... time_model.c ir/clock.c
 * or, for any input type (bench/zoo_bench.sh), through the typed entry point:
 *   ... -DRUN_IO=m_run_io -DARENA=M_ARENA_BYTES -DIN_T=int64_t ...
 * usage: time_model input.f32 batch  -> prints the median ms per call (of 15 samples) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include MODEL_H
#include "ir/clock.h"

#ifndef IN_T
#define IN_T float
#endif
#ifdef RUN_IO
static unsigned char ws[ARENA + 64];
#define RUN(in, out, batch) RUN_IO(ws + (64 - (uintptr_t)ws % 64) % 64, (const void *const *)(in), (void *const *)(out), batch)
#endif

int main(int argc, char **argv)
{
    int batch = argc > 2 ? atoi(argv[2]) : 1;
    IN_T *x = malloc(sizeof(IN_T) * IN_N * (size_t)batch);
    float *y = malloc(sizeof(float) * OUT_N * (size_t)batch);
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
    if (!f || fread(x, sizeof(IN_T), IN_N, f) != IN_N || batch < 1) {
        fprintf(stderr, "time_model: usage: time_model input.f32 batch\n");
        return 2;
    }
    fclose(f);
    for (int b = 1; b < batch; b++) /* every item the same sample */
        memcpy(x + (size_t)b * IN_N, x, sizeof(IN_T) * IN_N);
    const IN_T *in[1] = {x};
    float *out[1] = {y};
    if (RUN(in, out, batch) != 0) {
        fprintf(stderr, "time_model: run failed at batch %d\n", batch);
        return 1;
    }
    double t0 = ait_now_s();
    RUN(in, out, batch);
    double once = ait_now_s() - t0;
    int reps = once > 5e-3 ? 1 : (int)(5e-3 / (once + 1e-9)) + 1;
    int samples = once > 0.5 ? 5 : 15;
    double s[15];
    for (int i = 0; i < samples; i++) {
        double a = ait_now_s();
        for (int r = 0; r < reps; r++)
            RUN(in, out, batch);
        s[i] = (ait_now_s() - a) / reps;
    }
    printf("%.4f\n", ait_median(s, samples) * 1e3);
    return 0;
}
