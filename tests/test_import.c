/* ONNX import, shape inference and constant folding; bad input gives one
 * clear error naming file and node, never a crash (this binary also runs
 * under ASan/UBSan in `make check`). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gen/kernel.h"
#include "ir/dtype.h"
#include "ir/onnx.h"
#include "tests/onnx_builder.h"

#define MODELS "../shared/models"

static ait_arena arena;

static int teardown(void **state)
{
    (void)state;
    ait_arena_free_all(&arena);
    return 0;
}

/* Loads and resolves the builder's model; returns the status, fills g and d. */
static ait_status load(tb *b, ait_graph **g, ait_diag *d)
{
    size_t len;
    const uint8_t *p = tb_pack(b, &len);
    memset(d, 0, sizeof *d);
    ait_status s = ait_onnx_load_bytes(&arena, "t.onnx", p, len, g, d);
    if (s == AIT_OK)
        s = ait_graph_resolve(*g, d);
    return s;
}

static void test_loads_mlp(void **state)
{
    (void)state;
    ait_graph *g;
    ait_diag d = {0};
    assert_int_equal(ait_onnx_load(&arena, MODELS "/mlp.onnx", &g, &d), AIT_OK);
    assert_int_equal(g->opset, 13);
    assert_int_equal(g->n_inputs, 1);
    assert_int_equal(g->n_outputs, 1);
    assert_int_equal(g->n_nodes, 6);
    assert_int_equal(ait_graph_resolve(g, &d), AIT_OK);
    const ait_tensor *y = &g->t[g->outputs[0]];
    assert_int_equal(y->rank, 2);
    assert_int_equal(y->dims[0], 1);
    assert_int_equal(y->dims[1], 10);
}

/* The same weights stored as raw_data and as typed fields read back equal. */
static void test_initializer_storage_forms(void **state)
{
    (void)state;
    static const float f[6] = {1.5f, -2, 3, 0.25f, 5, -6};
    static const int64_t i64[3] = {-1, 1LL << 40, 7};
    static const int32_t i32[3] = {-5, 0, 9};
    static const uint8_t u8[3] = {0, 200, 255};
    int64_t d23[2] = {2, 3}, d3[1] = {3};
    for (int storage = 0; storage < 2; storage++) {
        tb *b = tb_new(13);
        tb_init(b, "f", 1, 2, d23, f, storage);
        tb_init(b, "i", 7, 1, d3, i64, storage);
        tb_init(b, "j", 6, 1, d3, i32, storage);
        tb_init(b, "u", 2, 1, d3, u8, storage);
        tb_node(b, "Identity", "f", "y");
        tb_output(b, "y");
        ait_graph *g;
        ait_diag d;
        assert_int_equal(load(b, &g, &d), AIT_OK);
        const ait_tensor *t = &g->t[ait_graph_find(g, "f")];
        assert_memory_equal(t->data, f, sizeof f);
        assert_memory_equal(g->t[ait_graph_find(g, "i")].data, i64, sizeof i64);
        assert_memory_equal(g->t[ait_graph_find(g, "j")].data, i32, sizeof i32);
        assert_memory_equal(g->t[ait_graph_find(g, "u")].data, u8, sizeof u8);
        /* Identity of an initializer is folded: the output is a constant */
        assert_non_null(g->t[ait_graph_find(g, "y")].data);
        assert_true(g->nodes[0].folded);
        tb_free(b);
    }
}

static void test_symbolic_dims_bind(void **state)
{
    (void)state;
    int64_t dims[2] = {-1, 4};
    const char *sym[2] = {"batch", NULL};
    tb *b = tb_new(13);
    tb_input_sym(b, "x", 1, 2, dims, sym);
    tb_node(b, "Relu", "x", "y");
    tb_output(b, "y");
    size_t len;
    const uint8_t *p = tb_pack(b, &len);
    ait_graph *g;
    ait_diag d = {0};
    assert_int_equal(ait_onnx_load_bytes(&arena, "t.onnx", p, len, &g, &d), AIT_OK);
    const ait_tensor *x = &g->t[g->inputs[0]];
    assert_int_equal(x->dims[0], -1);
    assert_string_equal(x->dim_param[0], "batch");
    /* unbound: shape inference names the input and the symbol */
    assert_int_equal(ait_graph_resolve(g, &d), AIT_E_SHAPE);
    assert_non_null(strstr(d.msg, "batch"));
    int64_t bound[2] = {3, 4};
    memset(&d, 0, sizeof d);
    assert_int_equal(ait_graph_bind_input(g, 0, 2, bound, &d), AIT_OK);
    assert_int_equal(ait_graph_resolve(g, &d), AIT_OK);
    assert_int_equal(g->t[g->outputs[0]].dims[0], 3);
    int64_t wrong[2] = {3, 5};
    assert_int_equal(ait_graph_bind_input(g, 0, 2, wrong, &d), AIT_E_SHAPE);
    tb_free(b);
}

/* Shape -> Gather -> Unsqueeze -> Concat -> Reshape, as PyTorch exports a flatten. */
static void test_folds_shape_subgraph(void **state)
{
    (void)state;
    int64_t xd[3] = {2, 3, 4}, sc[1] = {1}, zero = 0, minus1 = -1;
    tb *b = tb_new(13);
    tb_input(b, "x", 1, 3, xd);
    tb_init(b, "idx0", 7, 0, NULL, &zero, 0);
    tb_init(b, "axes", 7, 1, sc, &zero, 1);
    tb_init(b, "m1", 7, 1, sc, &minus1, 0);
    tb_node(b, "Shape", "x", "s");
    tb_node(b, "Gather", "s,idx0", "n");
    tb_node(b, "Unsqueeze", "n,axes", "n1");
    Onnx__NodeProto *n3 = tb_node(b, "Concat", "n1,m1", "shape");
    tb_attr_i(b, n3, "axis", 0);
    tb_node(b, "Reshape", "x,shape", "y");
    tb_output(b, "y");
    ait_graph *g;
    ait_diag d;
    assert_int_equal(load(b, &g, &d), AIT_OK);
    const ait_tensor *y = &g->t[g->outputs[0]];
    assert_int_equal(y->rank, 2);
    assert_int_equal(y->dims[0], 2);
    assert_int_equal(y->dims[1], 12);
    for (int k = 0; k < 4; k++)
        assert_true(g->nodes[k].folded);
    assert_false(g->nodes[4].folded);
    tb_free(b);
}

static void test_constant_node_forms(void **state)
{
    (void)state;
    int64_t xd[1] = {3};
    static const float vals[3] = {1, 2, 3};
    tb *b = tb_new(13);
    tb_input(b, "x", 1, 1, xd);
    Onnx__NodeProto *c = tb_node(b, "Constant", "", "c");
    c->n_input = 0;
    tb_attr_floats(b, c, "value_floats", 3, vals);
    tb_node(b, "Add", "x,c", "y");
    tb_output(b, "y");
    ait_graph *g;
    ait_diag d;
    assert_int_equal(load(b, &g, &d), AIT_OK);
    const ait_tensor *t = &g->t[ait_graph_find(g, "c")];
    assert_int_equal(t->rank, 1);
    assert_memory_equal(t->data, vals, sizeof vals);
    tb_free(b);
}

static void expect_error(tb *b, ait_status code, const char *needle1, const char *needle2)
{
    ait_graph *g;
    ait_diag d;
    assert_int_equal(load(b, &g, &d), code);
    if (!strstr(d.msg, needle1) || (needle2 && !strstr(d.msg, needle2)))
        fail_msg("message '%s' should mention '%s' and '%s'", d.msg, needle1, needle2 ? needle2 : "");
    assert_null(strchr(d.msg, '\n'));
}

static void test_missing_initializer(void **state)
{
    (void)state;
    int64_t xd[2] = {1, 4};
    tb *b = tb_new(13);
    tb_input(b, "x", 1, 2, xd);
    tb_node(b, "Gemm", "x,W,B", "y");
    tb_output(b, "y");
    expect_error(b, AIT_E_MODEL, "/Gemm_0", "'W'");
    tb_free(b);
}

static void test_wrong_attribute_type(void **state)
{
    (void)state;
    int64_t xd[4] = {1, 1, 4, 4}, wd[4] = {1, 1, 3, 3};
    float w[9] = {0};
    tb *b = tb_new(13);
    tb_input(b, "x", 1, 4, xd);
    tb_init(b, "w", 1, 4, wd, w, 0);
    Onnx__NodeProto *n = tb_node(b, "Conv", "x,w", "y");
    tb_attr_f(b, n, "strides", 2.0f); /* must be ints */
    tb_output(b, "y");
    expect_error(b, AIT_E_MODEL, "/Conv_0", "strides");
    tb_free(b);
}

static void test_wrong_attribute_rank(void **state)
{
    (void)state;
    int64_t xd[4] = {1, 1, 4, 4}, wd[4] = {1, 1, 3, 3}, pads[2] = {1, 1};
    float w[9] = {0};
    tb *b = tb_new(13);
    tb_input(b, "x", 1, 4, xd);
    tb_init(b, "w", 1, 4, wd, w, 0);
    Onnx__NodeProto *n = tb_node(b, "Conv", "x,w", "y");
    tb_attr_ints(b, n, "pads", 2, pads); /* 2-D conv needs 4 */
    tb_output(b, "y");
    expect_error(b, AIT_E_MODEL, "/Conv_0", "pads");
    tb_free(b);
}

static void test_inconsistent_shapes(void **state)
{
    (void)state;
    int64_t a[2] = {2, 3}, c[2] = {4, 3};
    tb *b = tb_new(13);
    tb_input(b, "a", 1, 2, a);
    tb_input(b, "c", 1, 2, c);
    tb_node(b, "Add", "a,c", "y");
    tb_output(b, "y");
    expect_error(b, AIT_E_SHAPE, "/Add_0", "broadcast");
    tb_free(b);
}

static void test_unsupported_op_names_op_and_node(void **state)
{
    (void)state;
    int64_t a[1] = {3};
    tb *b = tb_new(13);
    tb_input(b, "a", 1, 1, a);
    tb_node(b, "Frobnicate", "a", "y");
    tb_output(b, "y");
    expect_error(b, AIT_E_UNSUPPORTED, "Frobnicate", "/Frobnicate_0");
    tb_free(b);
}

/* float16 and bfloat16: every half decodes and encodes back to its bits (NaNs to the quiet NaN),
 * ties round to even (normal and subnormal), overflow goes to infinity; a float16 tensor reaches
 * Cast and CastLike only, any other op refuses it by name. */
static void test_half_and_bfloat16(void **state)
{
    (void)state;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = ait_half_to_float((uint16_t)h);
        uint16_t back = ait_half_from_double(f);
        if (f != f)
            assert_int_equal(back, (h & 0x8000u) | 0x7e00u);
        else
            assert_int_equal(back, h);
    }
    assert_int_equal(ait_half_from_double(1.0 + 0x1p-11), 0x3c00);     /* tie: to the even 1.0 */
    assert_int_equal(ait_half_from_double(1.0 + 3 * 0x1p-11), 0x3c02); /* tie: to the even 1 + 2^-9 */
    assert_int_equal(ait_half_from_double(65519.99), 0x7bff);
    assert_int_equal(ait_half_from_double(65520.0), 0x7c00);
    assert_int_equal(ait_half_from_double(-1e9), 0xfc00);
    assert_int_equal(ait_half_from_double(0x1p-25), 0x0000);      /* half the least subnormal: to 0 */
    assert_int_equal(ait_half_from_double(3 * 0x1p-25), 0x0002);  /* 1.5 of it: to the even 2 */
    assert_int_equal(ait_half_from_double(-0.0), 0x8000);
    assert_int_equal(ait_bf16_from_float(1.0f + 0x1p-8f), 0x3f80);
    assert_int_equal(ait_bf16_from_float(1.0f + 3 * 0x1p-8f), 0x3f82);
    assert_true(ait_bf16_to_float(ait_bf16_from_float(3.0f)) == 3.0f);
    assert_int_equal(ait_bf16_from_float(NAN) & 0x7fc0u, 0x7fc0u);
    int64_t a[1] = {3};
    tb *b = tb_new(13);
    tb_input(b, "a", 10, 1, a);
    tb_node(b, "Relu", "a", "y");
    tb_output(b, "y");
    expect_error(b, AIT_E_UNSUPPORTED, "float16", "only Cast and CastLike");
    tb_free(b);
}

/* Spec edges: an opset newer than the checked one, and MaxPool ceil_mode with auto_pad VALID
 * (the spec's formulas disagree) are refused by name. */
static void test_spec_edges_refused_by_name(void **state)
{
    (void)state;
    int64_t a[1] = {3};
    tb *b = tb_new(22);
    tb_input(b, "a", 1, 1, a);
    tb_node(b, "Relu", "a", "y");
    tb_output(b, "y");
    expect_error(b, AIT_E_UNSUPPORTED, "opset 22", "21");
    tb_free(b);
    int64_t x[4] = {1, 1, 5, 5}, k[2] = {2, 2};
    b = tb_new(13);
    tb_input(b, "x", 1, 4, x);
    Onnx__NodeProto *n = tb_node(b, "MaxPool", "x", "y");
    tb_attr_ints(b, n, "kernel_shape", 2, k);
    tb_attr_ints(b, n, "strides", 2, k);
    tb_attr_s(b, n, "auto_pad", "VALID");
    tb_attr_i(b, n, "ceil_mode", 1);
    tb_output(b, "y");
    expect_error(b, AIT_E_UNSUPPORTED, "ceil_mode", "VALID");
    tb_free(b);
}

/* Dropout in inference with its ratio a run-time input: the ratio is never read (it was, through a
 * NULL pointer, before the constant checks were shared); in training, a ratio of 0 only. */
static void test_dropout_ratio_input(void **state)
{
    (void)state;
    int64_t a[1] = {3}, one[1] = {1};
    uint8_t f = 0, t = 1;
    float zero = 0;
    tb *b = tb_new(13);
    tb_input(b, "a", 1, 1, a);
    tb_input(b, "r", 1, 0, one);
    tb_init(b, "t", 9, 0, one, &f, 0);
    tb_node(b, "Dropout", "a,r,t", "y");
    tb_output(b, "y");
    ait_graph *g;
    ait_diag d;
    assert_int_equal(load(b, &g, &d), AIT_OK);
    tb_free(b);
    b = tb_new(13);
    tb_input(b, "a", 1, 1, a);
    tb_init(b, "r", 1, 0, one, &zero, 0);
    tb_init(b, "t", 9, 0, one, &t, 0);
    tb_node(b, "Dropout", "a,r,t", "y");
    tb_output(b, "y");
    assert_int_equal(load(b, &g, &d), AIT_OK);
    tb_free(b);
}

/* A node whose first output is "" (allowed only for an RNN's Y): refused by name, not a crash in the
 * passes or the kernel table, which read that output. */
static void test_absent_first_output_refused(void **state)
{
    (void)state;
    int64_t a[1] = {3};
    tb *b = tb_new(13);
    tb_input(b, "a", 1, 1, a);
    tb_node(b, "Relu", "a", ",y");
    tb_output(b, "y");
    expect_error(b, AIT_E_MODEL, "/Relu_0", "first output is required");
    tb_free(b);
}

/* Opset 6 reads, but what opset 7 changed is refused: the legacy broadcast attribute, and Dropout
 * or BatchNormalization without is_test (they train); opset 5 is refused. */
static void test_opset6_legacy_refused(void **state)
{
    (void)state;
    int64_t a[2] = {2, 3}, c[1] = {3};
    tb *b = tb_new(6);
    tb_input(b, "a", 1, 2, a);
    tb_input(b, "c", 1, 1, c);
    Onnx__NodeProto *n = tb_node(b, "Add", "a,c", "y");
    tb_attr_i(b, n, "broadcast", 1);
    tb_output(b, "y");
    expect_error(b, AIT_E_UNSUPPORTED, "/Add_0", "broadcast");
    tb_free(b);
    b = tb_new(6);
    tb_input(b, "a", 1, 2, a);
    tb_node(b, "Dropout", "a", "y");
    tb_output(b, "y");
    expect_error(b, AIT_E_UNSUPPORTED, "/Dropout_0", "is_test");
    tb_free(b);
    b = tb_new(6);
    tb_input(b, "a", 1, 2, a);
    n = tb_node(b, "Dropout", "a", "y");
    tb_attr_i(b, n, "is_test", 1);
    tb_output(b, "y");
    ait_graph *g;
    ait_diag d;
    assert_int_equal(load(b, &g, &d), AIT_OK);
    tb_free(b);
    b = tb_new(5);
    tb_input(b, "a", 1, 2, a);
    tb_node(b, "Relu", "a", "y");
    tb_output(b, "y");
    expect_error(b, AIT_E_UNSUPPORTED, "opset 5", "6");
    tb_free(b);
}

/* External data (models over 2 GB): read from the model's folder at offset and length; a
 * location outside that folder, a wrong length or a short file is refused by name. */
static void test_external_data(void **state)
{
    (void)state;
    char dir[] = "/tmp/ait_ext_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char model[256], data[256];
    snprintf(model, sizeof model, "%s/m.onnx", dir);
    snprintf(data, sizeof data, "%s/w.bin", dir);
    float w[6] = {1, 2, 3, 4, 5, 6}, pad[4] = {0};
    FILE *f = fopen(data, "wb");
    assert_non_null(f);
    fwrite(pad, sizeof pad, 1, f); /* the tensor starts at byte 16 */
    fwrite(w, sizeof w, 1, f);
    fclose(f);
    static const struct {
        const char *loc, *off, *len, *needle;
    } cases[] = {
        {"w.bin", "16", "24", NULL},
        {"w.bin", "16", NULL, NULL},
        {"../w.bin", "16", NULL, "leaves the model's folder"},
        {"/etc/passwd", NULL, NULL, "leaves the model's folder"},
        {"sub/../../w.bin", NULL, NULL, "leaves the model's folder"},
        {"w.bin", "16", "20", "external length 20"},
        {"w.bin", "24", NULL, "holds no 24 bytes"},
        {"w.bin", "-1", NULL, "offset '-1'"},
        {"missing.bin", NULL, NULL, "cannot open"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int64_t xd[2] = {1, 2}, wd[2] = {2, 3};
        tb *b = tb_new(13);
        tb_input(b, "x", 1, 2, xd);
        tb_init(b, "w", 1, 2, wd, w, 0);
        tb_externalize(b, "w", cases[c].loc, cases[c].off, cases[c].len);
        tb_node(b, "MatMul", "x,w", "y");
        tb_output(b, "y");
        assert_int_equal(tb_write(b, model), 0);
        tb_free(b);
        ait_graph *g;
        ait_diag d = {0};
        ait_status s = ait_onnx_load(&arena, model, &g, &d);
        if (!cases[c].needle) {
            assert_int_equal(s, AIT_OK);
            const ait_tensor *t = &g->t[ait_graph_find(g, "w")];
            assert_memory_equal(t->data, w, sizeof w);
        } else {
            assert_int_not_equal(s, AIT_OK);
            if (!strstr(d.msg, cases[c].needle) || !strstr(d.msg, "'w'"))
                fail_msg("case %zu: '%s' should name the tensor and say '%s'", c, d.msg, cases[c].needle);
        }
    }
    unlink(data);
    unlink(model);
    rmdir(dir);
}

static void test_raw_data_size_mismatch(void **state)
{
    (void)state;
    int64_t d4[1] = {4};
    float v[4] = {0};
    tb *b = tb_new(13);
    tb_init(b, "w", 1, 1, d4, v, 0);
    tb_truncate_raw(b, "w", 12);
    tb_node(b, "Identity", "w", "y");
    tb_output(b, "y");
    expect_error(b, AIT_E_MODEL, "'w'", "raw_data");
    tb_free(b);
}

static void test_truncated_and_random_files(void **state)
{
    (void)state;
    void *bytes;
    size_t len;
    ait_diag d = {0};
    assert_int_equal(ait_read_file(&arena, MODELS "/small_cnn.onnx", &bytes, &len, &d), AIT_OK);
    ait_graph *g;
    int failures = 0;
    for (size_t cut = 1; cut < len; cut += len / 37) {
        memset(&d, 0, sizeof d);
        ait_status s = ait_onnx_load_bytes(&arena, "cut.onnx", bytes, cut, &g, &d);
        if (s != AIT_OK) {
            failures++;
            assert_non_null(strstr(d.msg, "cut.onnx"));
        }
    }
    assert_true(failures > 30);
    unsigned char rnd[4096];
    srand(7);
    for (size_t i = 0; i < sizeof rnd; i++)
        rnd[i] = (unsigned char)rand();
    memset(&d, 0, sizeof d);
    assert_int_not_equal(ait_onnx_load_bytes(&arena, "rnd.onnx", rnd, sizeof rnd, &g, &d), AIT_OK);
    assert_non_null(strstr(d.msg, "rnd.onnx"));
    memset(&d, 0, sizeof d);
    assert_int_equal(ait_onnx_load(&arena, "/nonexistent/m.onnx", &g, &d), AIT_E_IO);
    assert_non_null(strstr(d.msg, "/nonexistent/m.onnx"));
}

/* Byte mutations of a real model: every outcome is a status, never a crash. */
static void test_mutations_never_crash(void **state)
{
    (void)state;
    void *orig;
    size_t len;
    ait_diag d = {0};
    assert_int_equal(ait_read_file(&arena, MODELS "/small_cnn.onnx", &orig, &len, &d), AIT_OK);
    unsigned char *m = malloc(len);
    srand(12345);
    int ok = 0, bad = 0;
    for (int trial = 0; trial < 300; trial++) {
        memcpy(m, orig, len);
        for (int k = 0; k < 1 + trial % 4; k++) /* structural part of the file: the first 4 KiB and the tail */
            m[(size_t)rand() % (rand() % 2 ? 4096 : len)] = (unsigned char)rand();
        ait_arena a = {0};
        ait_graph *g;
        memset(&d, 0, sizeof d);
        ait_status s = ait_onnx_load_bytes(&a, "mut.onnx", m, len, &g, &d);
        if (s == AIT_OK)
            s = ait_graph_resolve(g, &d);
        if (s == AIT_OK)
            ok++;
        else {
            bad++;
            assert_true(d.msg[0] != 0);
        }
        ait_arena_free_all(&a);
    }
    free(m);
    assert_int_equal(ok + bad, 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_loads_mlp, teardown),
        cmocka_unit_test_teardown(test_initializer_storage_forms, teardown),
        cmocka_unit_test_teardown(test_symbolic_dims_bind, teardown),
        cmocka_unit_test_teardown(test_folds_shape_subgraph, teardown),
        cmocka_unit_test_teardown(test_constant_node_forms, teardown),
        cmocka_unit_test_teardown(test_missing_initializer, teardown),
        cmocka_unit_test_teardown(test_wrong_attribute_type, teardown),
        cmocka_unit_test_teardown(test_wrong_attribute_rank, teardown),
        cmocka_unit_test_teardown(test_inconsistent_shapes, teardown),
        cmocka_unit_test_teardown(test_unsupported_op_names_op_and_node, teardown),
        cmocka_unit_test_teardown(test_raw_data_size_mismatch, teardown),
        cmocka_unit_test_teardown(test_absent_first_output_refused, teardown),
        cmocka_unit_test_teardown(test_dropout_ratio_input, teardown),
        cmocka_unit_test_teardown(test_external_data, teardown),
        cmocka_unit_test_teardown(test_opset6_legacy_refused, teardown),
        cmocka_unit_test_teardown(test_spec_edges_refused_by_name, teardown),
        cmocka_unit_test_teardown(test_half_and_bfloat16, teardown),
        cmocka_unit_test_teardown(test_truncated_and_random_files, teardown),
        cmocka_unit_test_teardown(test_mutations_never_crash, teardown),
    };
    return cmocka_run_group_tests_name("import", tests, NULL, NULL);
}
