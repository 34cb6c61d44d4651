/* Uses the tuned model: `cc -std=c99 -O2 -Iout examples/app.c out/small_cnn.c -lm`.
 * Reads one 28x28 image (raw float32), prints the class scores and the best
 * class; with an expected-scores file, exits 1 unless they match. */
#include <math.h>
#include <stdio.h>

#include "small_cnn.h"

static int read_floats(const char *path, float *v, size_t n)
{
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(v, sizeof *v, n, f) : 0;
    if (f)
        fclose(f);
    return got == n ? 0 : -1;
}

int main(int argc, char **argv)
{
    static float image[SMALL_CNN_INPUT0_ELEMS_PER_BATCH], scores[SMALL_CNN_OUTPUT0_ELEMS_PER_BATCH];
    static float expected[SMALL_CNN_OUTPUT0_ELEMS_PER_BATCH];
    const char *path = argc > 1 ? argv[1] : "examples/digit.f32";
    if (read_floats(path, image, SMALL_CNN_INPUT0_ELEMS_PER_BATCH) != 0) {
        fprintf(stderr, "app: cannot read %s\n", path);
        return 2;
    }
    const float *inputs[1] = {image};
    float *outputs[1] = {scores};
    int rc = small_cnn_run(inputs, outputs, 1);
    if (rc != SMALL_CNN_OK) {
        fprintf(stderr, "app: small_cnn_run returned %d\n", rc);
        return 1;
    }
    int best = 0;
    for (int i = 0; i < SMALL_CNN_OUTPUT0_ELEMS_PER_BATCH; i++) {
        printf("class %d: %+.6f\n", i, scores[i]);
        if (scores[i] > scores[best])
            best = i;
    }
    printf("predicted class: %d\n", best);
    if (argc > 2) {
        if (read_floats(argv[2], expected, SMALL_CNN_OUTPUT0_ELEMS_PER_BATCH) != 0)
            return 2;
        for (int i = 0; i < SMALL_CNN_OUTPUT0_ELEMS_PER_BATCH; i++)
            if (fabsf(scores[i] - expected[i]) > 1e-5f + 1e-4f * fabsf(expected[i])) {
                printf("mismatch at class %d: %g, expected %g\n", i, scores[i], expected[i]);
                return 1;
            }
        printf("matches %s\n", argv[2]);
    }
    return 0;
}
