/* make bench-model: per-kernel times of emitted code.  bench/model_bench.sh wraps every kernel
 * call of net.c's graph functions in PROF_CALL (a sed of `^net_k<N>(...);` lines) into
 * net_prof.c, which this file includes:
 *   gcc -O3 -march=native -I<out> -I. -DIN_T=float bench/profile_model.c ir/clock.c -lm
 * usage: profile_model input.bin reps  -> one line per kernel call, in execution order:
 *   <index> <ms per run> <op> <backend> <node> */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ir/clock.h"

#ifndef IN_T
#define IN_T float
#endif

enum { MAX_CALLS = 1 << 14 };
static double prof_s[MAX_CALLS];
static int prof_i;
#define PROF_CALL(call)                                                                            \
    do {                                                                                           \
        double t0_ = ait_now_s();                                                                  \
        call;                                                                                      \
        if (prof_i < MAX_CALLS)                                                                    \
            prof_s[prof_i] += ait_now_s() - t0_;                                                   \
        prof_i++;                                                                                  \
    } while (0)

#include "net_prof.c"

static unsigned char ws[NET_ARENA_BYTES + 64];

int main(int argc, char **argv)
{
    int reps = argc > 2 ? atoi(argv[2]) : 20;
    IN_T *x = malloc(sizeof(IN_T) * NET_INPUT0_ELEMS_PER_BATCH);
    void *y[NET_NUM_OUTPUTS];
    for (int i = 0; i < NET_NUM_OUTPUTS; i++)
        y[i] = malloc(1 << 26);
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
    if (!f || fread(x, sizeof(IN_T), NET_INPUT0_ELEMS_PER_BATCH, f) != NET_INPUT0_ELEMS_PER_BATCH || reps < 1) {
        fprintf(stderr, "profile_model: usage: profile_model input.bin reps\n");
        return 2;
    }
    fclose(f);
    const void *in[1] = {x};
    void *arena = ws + (64 - (uintptr_t)ws % 64) % 64;
    for (int w = 0; w < 3; w++) { /* warm-up */
        prof_i = 0;
        if (net_run_io(arena, in, y, 1) != 0)
            return 1;
    }
    for (int i = 0; i < MAX_CALLS; i++)
        prof_s[i] = 0;
    for (int r = 0; r < reps; r++) {
        prof_i = 0;
        net_run_io(arena, in, y, 1);
    }
    int n = prof_i < NET_NUM_KERNELS ? prof_i : NET_NUM_KERNELS;
    for (int i = 0; i < n; i++)
        printf("%d %.5f %s %s %s\n", i, prof_s[i] / reps * 1e3, net_kernels[i].op, net_kernels[i].backend,
               net_kernels[i].node);
    return 0;
}
