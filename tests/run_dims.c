/* Runs an emitted model with dynamic axes through <name>_run_dims at each size given, against
 * torch's outputs, and checks that sizes outside the range are refused with <NAME>_E_DIMS and
 * leave the outputs untouched.  The model has one input (of type IN_T) and two float outputs;
 * SIZES_DIR holds len<S>.in0.bin, len<S>.out0.f32 and len<S>.out1.f32 per size S ("7", or "9x14"
 * for two axes), each exactly as long as <NAME>_{IN,OUT}PUTi_ELEMS_AT says.  Built by
 * tests/cli_test.sh: -DMODEL_H='"enc.h"' -DP=enc -DU=ENC [-DIN_T=float]
 * usage: run_dims SIZES_DIR S1 S2 ...       (each in [U_DIMk_MIN, U_DIMk_MAX])
 * prints one line per size and `N passed, N failed`; exit 0 when all pass */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_H

#ifndef IN_T
#define IN_T int64_t
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define RUN_DIMS CAT(P, _run_dims)
#define NUM_DIMS CAT(U, _NUM_DIMS)
#define E_DIMS CAT(U, _E_DIMS)
#define ARENA CAT(U, _ARENA_BYTES)
#define IN_AT CAT(U, _INPUT0_ELEMS_AT)
#define IN_MAX CAT(U, _INPUT0_MAX_ELEMS_PER_BATCH)
#define OUT0_AT CAT(U, _OUTPUT0_ELEMS_AT)
#define OUT0_MAX CAT(U, _OUTPUT0_MAX_ELEMS_PER_BATCH)
#define OUT1_AT CAT(U, _OUTPUT1_ELEMS_AT)
#define OUT1_MAX CAT(U, _OUTPUT1_MAX_ELEMS_PER_BATCH)

static const int dim_min[] = {CAT(U, _DIM0_MIN)
#if NUM_DIMS > 1
                              , CAT(U, _DIM1_MIN)
#endif
};
static const int dim_max[] = {CAT(U, _DIM0_MAX)
#if NUM_DIMS > 1
                              , CAT(U, _DIM1_MAX)
#endif
};

/* The file holds exactly `bytes`. */
static int read_file(const char *dir, const char *size, const char *what, void *buf, size_t bytes)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/len%s.%s", dir, size, what);
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(buf, 1, bytes, f) : 0;
    int over = f && fgetc(f) != EOF;
    if (f)
        fclose(f);
    return got == bytes && !over ? 0 : -1;
}

static int close_to(const float *got, const float *want, long n, double *worst)
{
    int ok = 1;
    for (long i = 0; i < n; i++) {
        double err = fabs((double)got[i] - want[i]);
        if (!(err <= 1e-4 + 1e-4 * fabs(want[i])))
            ok = 0;
        if (err > *worst || err != err)
            *worst = err;
    }
    return ok;
}

static int parse_size(const char *s, int *dims)
{
    char *end;
    for (int k = 0; k < NUM_DIMS; k++) {
        long v = strtol(s, &end, 10);
        if (end == s || v < dim_min[k] || v > dim_max[k] || *end != (k + 1 < NUM_DIMS ? 'x' : 0))
            return -1;
        dims[k] = (int)v;
        s = end + 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static unsigned char ws[ARENA + 64];
    void *arena = ws + (64 - (uintptr_t)ws % 64) % 64;
    int passed = 0, failed = 0;
    IN_T *x = malloc(sizeof(IN_T) * IN_MAX);
    float *y0 = malloc(sizeof(float) * OUT0_MAX), *want0 = malloc(sizeof(float) * OUT0_MAX);
    float *y1 = malloc(sizeof(float) * OUT1_MAX), *want1 = malloc(sizeof(float) * OUT1_MAX);
    for (int a = 2; a < argc; a++) {
        int dims[NUM_DIMS];
        if (parse_size(argv[a], dims) != 0) {
            printf("size %s: outside the range\n", argv[a]);
            failed++;
            continue;
        }
        long nx = (long)IN_AT(dims), n0 = (long)OUT0_AT(dims), n1 = (long)OUT1_AT(dims);
        double worst = 0;
        const void *in[1] = {x};
        void *out[2] = {y0, y1};
        if (read_file(argv[1], argv[a], "in0.bin", x, sizeof(IN_T) * nx) ||
            read_file(argv[1], argv[a], "out0.f32", want0, 4u * n0) ||
            read_file(argv[1], argv[a], "out1.f32", want1, 4u * n1)) {
            printf("size %s: its files are missing or not the sizes *_ELEMS_AT gives\n", argv[a]);
            failed++;
            continue;
        }
        int rc = RUN_DIMS(arena, in, out, 1, dims);
        int ok = rc == 0 && close_to(y0, want0, n0, &worst) && close_to(y1, want1, n1, &worst);
        printf("size %s: %s (rc %d, max abs err %.3g)\n", argv[a], ok ? "matches torch" : "MISMATCH", rc, worst);
        ok ? passed++ : failed++;
    }
    /* outside the range, on each axis: refused, outputs untouched */
    for (int k = 0; k < NUM_DIMS; k++)
        for (int side = 0; side < 2; side++) {
            int dims[NUM_DIMS];
            memcpy(dims, dim_max, sizeof dims);
            dims[k] = side ? dim_max[k] + 1 : dim_min[k] - 1;
            const void *in[1] = {x};
            void *out[2] = {y0, y1};
            memset(y0, 0x7f, sizeof(float) * OUT0_MAX);
            int rc = RUN_DIMS(arena, in, out, 1, dims);
            int untouched = 1;
            for (long i = 0; i < OUT0_MAX; i++)
                untouched &= ((unsigned char *)y0)[4 * i] == 0x7f;
            int ok = rc == E_DIMS && untouched;
            printf("axis %d = %d (outside %d..%d): %s (rc %d)\n", k, dims[k], dim_min[k], dim_max[k],
                   ok ? "refused with E_DIMS" : "NOT REFUSED", rc);
            ok ? passed++ : failed++;
        }
    printf("%d passed, %d failed\n", passed, failed);
    free(x);
    free(y0);
    free(want0);
    free(y1);
    free(want1);
    return failed != 0;
}
