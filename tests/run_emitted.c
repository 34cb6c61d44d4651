/* Runs emitted code on raw float32 files and compares with expected outputs.
 * Built by tests/cli_test.sh with plain `cc -std=c99 -O2`:
 *   -DMODEL_H='"mlp.h"' -DRUN=mlp_run -DIN_N=MLP_INPUT0_ELEMS_PER_BATCH -DOUT_N=MLP_OUTPUT0_ELEMS_PER_BATCH
 * A typed input (int64 token ids) goes through the contract's <name>_run_io instead:
 *   -DIN_T=int64_t -DRUN_IO=typed_run_io -DARENA=TYPED_ARENA_BYTES (input file: raw IN_T values)
 * -DATOL=..., -DRTOL=... change the tolerance (1e-5, 1e-4); -DCOSINE=0.99 compares the outputs'
 * cosine similarity to the expected ones instead (quantized code).
 * usage: run_emitted input.f32 expected.f32     compare
 *        run_emitted input.f32 out.f32 --write   write the outputs instead (a reference run) */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_H

#ifndef IN_T
#define IN_T float
#endif
/* the comparison's tolerance: |got - expected| <= ATOL + RTOL |expected| */
#ifndef ATOL
#define ATOL 1e-5
#endif
#ifndef RTOL
#define RTOL 1e-4
#endif

int main(int argc, char **argv)
{
    IN_T *x = malloc(sizeof(IN_T) * IN_N);
    float *y = malloc(sizeof(float) * OUT_N), *e = malloc(sizeof(float) * OUT_N);
    int write = argc > 3 && strcmp(argv[3], "--write") == 0;
    FILE *fx = argc > 1 ? fopen(argv[1], "rb") : NULL, *fe = argc > 2 && !write ? fopen(argv[2], "rb") : NULL;
    if (argc < 3 || !fx || (!write && !fe) || fread(x, sizeof(IN_T), IN_N, fx) != IN_N ||
        (!write && fread(e, sizeof(float), OUT_N, fe) != OUT_N)) {
        fprintf(stderr, "run_emitted: cannot read inputs\n");
        return 2;
    }
#ifdef RUN_IO
    static unsigned char ws[ARENA > 0 ? ARENA : 1] __attribute__((aligned(64)));
    const void *in[1] = {x};
    void *out[1] = {y};
    int rc = RUN_IO(ws, in, out, 1);
#else
    const float *in[1] = {x};
    float *out[1] = {y};
    int rc = RUN(in, out, 1);
#endif
    if (rc != 0) {
        fprintf(stderr, "run_emitted: run returned %d\n", rc);
        return 1;
    }
    if (write) {
        FILE *fo = fopen(argv[2], "wb");
        int ok = fo && fwrite(y, sizeof(float), OUT_N, fo) == OUT_N;
        if (fo)
            ok &= fclose(fo) == 0;
        return ok ? 0 : 2;
    }
#ifdef COSINE
    double dot = 0, yy = 0, ee = 0;
    for (int i = 0; i < OUT_N; i++) {
        dot += (double)y[i] * e[i];
        yy += (double)y[i] * y[i];
        ee += (double)e[i] * e[i];
    }
    const double cosine = yy > 0 && ee > 0 ? dot / sqrt(yy * ee) : (yy == ee ? 1 : 0);
    printf("cosine similarity %.6f over %d outputs (at least %g)\n", cosine, OUT_N, (double)COSINE);
    return cosine >= COSINE ? 0 : 1;
#endif
    double worst = 0;
    for (int i = 0; i < OUT_N; i++) {
        double err = fabs((double)y[i] - e[i]);
        if (err > ATOL + RTOL * fabs(e[i])) {
            printf("element %d: %.9g, expected %.9g\n", i, y[i], e[i]);
            return 1;
        }
        worst = err > worst ? err : worst;
    }
    printf("max abs err %.3g over %d outputs\n", worst, OUT_N);
    return 0;
}
