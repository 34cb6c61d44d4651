/* Writes a small model whose simd kernels read near the ends of their buffers, for the
 * memory check in cli_test.sh: x[1,8,H,H] (the caller's buffer) -> depthwise Conv 3x3 (pads 1,
 * bias) -> Clip(0, 6) -> Conv 3x3 8->12 (pads 1) -> Relu -> y.
 * usage: edge_model H out.onnx input.f32   (also writes an input for it) */
#include <stdio.h>
#include <stdlib.h>

#include "tests/onnx_builder.h"

static void init(tb *b, const char *name, int rank, const int64_t *dims, int64_t n)
{
    float *v = malloc(sizeof(float) * (size_t)n);
    for (int64_t i = 0; i < n; i++)
        v[i] = (float)((i * 37) % 17) / 17.0f - 0.5f;
    tb_init(b, name, 1, rank, dims, v, 0);
    free(v);
}

int main(int argc, char **argv)
{
    if (argc != 4 || atoi(argv[1]) < 1) {
        fprintf(stderr, "usage: edge_model H out.onnx input.f32\n");
        return 2;
    }
    int64_t h = atoi(argv[1]);
    tb *b = tb_new(13);
    int64_t xd[4] = {1, 8, h, h}, dwd[4] = {8, 1, 3, 3}, bd[1] = {8}, wd[4] = {12, 8, 3, 3}, sd[1] = {1};
    int64_t pads[4] = {1, 1, 1, 1};
    tb_input(b, "x", 1, 4, xd);
    init(b, "Wd", 4, dwd, 72);
    init(b, "Bd", 1, bd, 8);
    init(b, "W", 4, wd, 12 * 72);
    float lo = 0, hi = 6;
    tb_init(b, "lo", 1, 0, sd, &lo, 0);
    tb_init(b, "hi", 1, 0, sd, &hi, 0);
    Onnx__NodeProto *d = tb_node(b, "Conv", "x,Wd,Bd", "d");
    tb_attr_ints(b, d, "pads", 4, pads);
    tb_attr_i(b, d, "group", 8);
    tb_node(b, "Clip", "d,lo,hi", "a");
    Onnx__NodeProto *c = tb_node(b, "Conv", "a,W", "c");
    tb_attr_ints(b, c, "pads", 4, pads);
    tb_node(b, "Relu", "c", "y");
    tb_output(b, "y");
    int rc = tb_write(b, argv[2]);
    tb_free(b);
    FILE *f = fopen(argv[3], "wb");
    for (int64_t i = 0; f && i < 8 * h * h; i++) {
        float v = (float)((i * 29) % 23) / 4.0f - 2.0f;
        rc |= fwrite(&v, sizeof v, 1, f) != 1;
    }
    return rc || !f || fclose(f) != 0;
}
