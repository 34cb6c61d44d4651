/* An app that classifies an image through libaitune, with no tuning code of its own:
 *
 *   cc -std=c11 -O2 -Iruntime examples/jit_app.c -Lbuild -laitune -ltcc -ldl -lpthread \
 *      -lprotobuf-c -linih -lxxhash -lm -o jit_app
 *   ./jit_app examples/small_cnn.onnx examples/digit.f32 examples/digit.expected.f32 20
 *
 * Plain, every call runs eagerly (the reference compiled in-process); with AITUNE_JIT=1 the
 * first calls are recorded, the model is tuned and the tuned code serves the later calls; with
 * AITUNE_JIT_CACHE_DIR a second start is tuned from the first start's winner; given a saved
 * artifact's folder in place of the model, it runs the tuned code from there.  Each call's
 * scores are checked against the expected ones; the exit code is 1 on any mismatch. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "aitune.h"

enum { PIXELS = 28 * 28, CLASSES = 10 };

static int read_floats(const char *path, float *v, size_t n)
{
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(v, sizeof *v, n, f) : 0;
    if (f)
        fclose(f);
    return got == n ? 0 : -1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: jit_app model.onnx image.f32 [expected.f32] [calls]\n");
        return 2;
    }
    static float image[PIXELS], expected[CLASSES];
    if (read_floats(argv[2], image, PIXELS) || (argc > 3 && read_floats(argv[3], expected, CLASSES))) {
        fprintf(stderr, "jit_app: cannot read the image or the expected scores\n");
        return 2;
    }
    int calls = argc > 4 ? atoi(argv[4]) : 10;
    ait_module *m = ait_module_open(argv[1], "small_cnn", NULL);
    if (!m) {
        fprintf(stderr, "jit_app: %s\n", ait_last_error());
        return 1;
    }
    int mismatches = 0, best = 0, n_tuned = 0;
    double eager_s = 0, tuned_s = 0;
    for (int c = 0; c < calls; c++) {
        ait_tensor in = {AIT_DTYPE_FLOAT, 4, {1, 1, 28, 28}, image, 0}, out = {0};
        long long tuned_before = ait_module_tuned_calls(m);
        double t0 = now();
        if (ait_module_run(m, &in, 1, &out, 1) != 0) {
            fprintf(stderr, "jit_app: call %d: %s\n", c, ait_last_error());
            ait_module_close(m);
            return 1;
        }
        double dt = now() - t0;
        if (ait_module_tuned_calls(m) > tuned_before) { /* served by tuned code */
            tuned_s += dt;
            n_tuned++;
        } else if (c > 0) { /* the first call also builds the eager code */
            eager_s += dt;
        }
        const float *scores = out.data;
        best = 0;
        for (int i = 0; i < CLASSES; i++) {
            if (scores[i] > scores[best])
                best = i;
            if (argc > 3 && fabsf(scores[i] - expected[i]) > 1e-5f + 1e-4f * fabsf(expected[i]))
                mismatches++;
        }
    }
    int n_eager = calls - n_tuned - (n_tuned < calls);
    printf("predicted class: %d\ncalls: %d, %d by tuned code\n", best, calls, n_tuned);
    if (n_eager > 0)
        printf("eager call: %.3f ms (mean of %d)\n", eager_s * 1e3 / n_eager, n_eager);
    if (n_tuned > 0)
        printf("tuned call: %.3f ms (mean of %d)\n", tuned_s * 1e3 / n_tuned, n_tuned);
    printf("state: %s\n", ait_state_str(ait_module_state(m)));
    if (getenv("JIT_APP_PRINT")) {
        ait_module_print_hierarchy(m, stdout);
        ait_module_print_history(m, stdout);
    }
    if (argc > 3 && mismatches)
        printf("%d scores differ from %s\n", mismatches, argv[3]);
    else if (argc > 3)
        printf("every call matches %s\n", argv[3]);
    ait_module_close(m);
    return mismatches ? 1 : 0;
}
