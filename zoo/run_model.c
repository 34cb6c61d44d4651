/* Runs emitted code on one raw input file and compares its output with the expected one.
 * Built by zoo/run.sh with gcc against out/<name>.{c,h}:
 *   -DMODEL_H='"net.h"' -DRUN_IO=net_run_io -DARENA=NET_ARENA_BYTES -DIN_N=NET_INPUT0_ELEMS_PER_BATCH
 *   -DIN_T=float -DOUT_N=NET_OUTPUT0_ELEMS_PER_BATCH
 * usage: run_model input.bin expected.bin [got.bin]   prints max abs err and max |expected|;
 *                                                     writes its outputs to got.bin if given
 *        run_model --random SEED input.bin got.bin    random input (floats in [-1, 1), integers
 *                                                     in [0, 100)) and its outputs, for a second oracle */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_H

static int read_all(const char *path, void *p, size_t n)
{
    FILE *f = fopen(path, "rb");
    int ok = f && fread(p, 1, n, f) == n;
    if (f)
        fclose(f);
    return ok;
}

static int write_all(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(p, 1, n, f) == n;
    if (f)
        ok &= fclose(f) == 0;
    return ok;
}

int main(int argc, char **argv)
{
    IN_T *x = malloc(sizeof(IN_T) * IN_N);
    float *y = malloc(sizeof(float) * OUT_N), *e = malloc(sizeof(float) * OUT_N);
    unsigned char *raw = malloc((size_t)ARENA + 64);
    void *ws = raw + (64 - (uintptr_t)raw % 64) % 64; /* NET_ARENA_ALIGN */
    int random = argc == 5 && strcmp(argv[1], "--random") == 0;
    if (random) {
        unsigned s = (unsigned)atoi(argv[2]) * 2654435761u + 1;
        for (long i = 0; i < IN_N; i++) {
            s = s * 1103515245u + 12345u;
            double u = (double)(s >> 8) / (double)(1u << 24);
            x[i] = (IN_T)((IN_T)0.5 == 0 ? u * 100 : 2 * u - 1);
        }
        if (!write_all(argv[3], x, sizeof(IN_T) * IN_N))
            return 2;
    } else if (argc < 3 || !read_all(argv[1], x, sizeof(IN_T) * IN_N) ||
               !read_all(argv[2], e, sizeof(float) * OUT_N)) {
        fprintf(stderr, "run_model: cannot read the input or expected file\n");
        return 2;
    }
    const void *in[1] = {x};
    void *out[1] = {y};
    int rc = RUN_IO(ws, in, out, 1);
    if (rc != 0) {
        fprintf(stderr, "run_model: run returned %d\n", rc);
        return 1;
    }
    const char *got = random ? argv[4] : argc > 3 ? argv[3] : NULL;
    if (got && !write_all(got, y, sizeof(float) * OUT_N))
        return 2;
    if (random)
        return 0;
    double worst = 0, emax = 0;
    for (long i = 0; i < OUT_N; i++) {
        double err = fabs((double)y[i] - e[i]);
        if (!(err <= worst)) /* NaN counts as the worst */
            worst = isnan(err) ? INFINITY : err;
        emax = fabs(e[i]) > emax ? fabs(e[i]) : emax;
    }
    printf("%.3g %.3g\n", worst, emax);
    return 0;
}
