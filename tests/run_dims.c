/* Runs the emitted encoder of tests/data/encoder_dyn (ids [1, seq] -> hidden [1, seq, 32],
 * pooled [1, 32]) through <name>_run_dims at each length given, against torch's outputs
 * (lengths/len<L>.{ids.i64,hidden.f32,pooled.f32}), and checks that lengths outside the range
 * are refused with <NAME>_E_DIMS and leave the outputs untouched.  Built by tests/cli_test.sh:
 *   -DMODEL_H='"enc.h"' -DP=enc -DU=ENC
 * usage: run_dims LENGTHS_DIR L1 L2 ...       (each in [U_DIM0_MIN, U_DIM0_MAX])
 * prints one line per length and `N passed, N failed`; exit 0 when all pass */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_H

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define RUN_DIMS CAT(P, _run_dims)
#define DIM_MIN CAT(U, _DIM0_MIN)
#define DIM_MAX CAT(U, _DIM0_MAX)
#define E_DIMS CAT(U, _E_DIMS)
#define ARENA CAT(U, _ARENA_BYTES)
#define HIDDEN_AT CAT(U, _OUTPUT0_ELEMS_AT)
#define HIDDEN_MAX CAT(U, _OUTPUT0_MAX_ELEMS_PER_BATCH)

static int read_file(const char *dir, int len, const char *what, void *buf, size_t bytes)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/len%d.%s", dir, len, what);
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(buf, 1, bytes, f) : 0;
    if (f)
        fclose(f);
    return got == bytes ? 0 : -1;
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

int main(int argc, char **argv)
{
    static unsigned char ws[ARENA + 64];
    void *arena = ws + (64 - (uintptr_t)ws % 64) % 64;
    int passed = 0, failed = 0;
    float *hidden = malloc(sizeof(float) * HIDDEN_MAX), *want_h = malloc(sizeof(float) * HIDDEN_MAX);
    float pooled[32], want_p[32];
    int64_t ids[DIM_MAX + 1];
    for (int a = 2; a < argc; a++) {
        int len = atoi(argv[a]), dims[1];
        dims[0] = len;
        long nh = (long)HIDDEN_AT(dims);
        double worst = 0;
        const void *in[1] = {ids};
        void *out[2] = {hidden, pooled};
        if (len < DIM_MIN || len > DIM_MAX || nh != 32L * len || read_file(argv[1], len, "ids.i64", ids, 8u * len) ||
            read_file(argv[1], len, "hidden.f32", want_h, 4u * nh) || read_file(argv[1], len, "pooled.f32", want_p, 128)) {
            printf("length %d: cannot read its files or outside the range\n", len);
            failed++;
            continue;
        }
        int rc = RUN_DIMS(arena, in, out, 1, dims);
        int ok = rc == 0 && close_to(hidden, want_h, nh, &worst) && close_to(pooled, want_p, 32, &worst);
        printf("length %d: %s (rc %d, max abs err %.3g)\n", len, ok ? "matches torch" : "MISMATCH", rc, worst);
        ok ? passed++ : failed++;
    }
    /* outside the range: refused, outputs untouched */
    int outside[2] = {DIM_MIN - 1, DIM_MAX + 1};
    for (int i = 0; i < 2; i++) {
        const void *in[1] = {ids};
        void *out[2] = {hidden, pooled};
        memset(hidden, 0x7f, sizeof(float) * HIDDEN_MAX);
        int rc = RUN_DIMS(arena, in, out, 1, &outside[i]);
        int untouched = 1;
        for (long k = 0; k < HIDDEN_MAX; k++)
            untouched &= ((unsigned char *)hidden)[4 * k] == 0x7f;
        int ok = rc == E_DIMS && untouched;
        printf("length %d (outside %d..%d): %s (rc %d)\n", outside[i], DIM_MIN, DIM_MAX,
               ok ? "refused with E_DIMS" : "NOT REFUSED", rc);
        ok ? passed++ : failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    free(hidden);
    free(want_h);
    return failed != 0;
}
