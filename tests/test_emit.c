/* The emitted contract: header text (golden), misuse returns error codes,
 * and the arena is planned below the sum of intermediates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gen/compile.h"
#include "gen/emit_model.h"
#include "gen/kernel.h"
#include "ir/onnx.h"
#include "tests/onnx_builder.h"

/* x[1,4] -> Gemm(W[3,4]^T, B) -> Relu -> Add(self) -> y[1,3] */
static ait_graph *tiny(ait_arena *a)
{
    static const float w[12] = {1, 2, 3, 4, -1, -2, -3, -4, 0.5f, 0.25f, 0, 1}, bias[3] = {0.5f, 0, -1};
    int64_t xd[2] = {1, 4}, wd[2] = {3, 4}, bd[1] = {3};
    tb *b = tb_new(13);
    tb_input(b, "x", 1, 2, xd);
    tb_init(b, "W", 1, 2, wd, w, 0);
    tb_init(b, "B", 1, 1, bd, bias, 1);
    Onnx__NodeProto *g = tb_node(b, "Gemm", "x,W,B", "h");
    tb_attr_i(b, g, "transB", 1);
    tb_node(b, "Relu", "h", "r");
    tb_node(b, "Add", "r,r", "y");
    tb_output(b, "y");
    size_t len;
    const uint8_t *p = tb_pack(b, &len);
    ait_graph *gr;
    ait_diag d = {0};
    assert_int_equal(ait_onnx_load_bytes(a, "tiny.onnx", p, len, &gr, &d), AIT_OK);
    assert_int_equal(ait_graph_resolve(gr, &d), AIT_OK);
    tb_free(b);
    return gr;
}

static void compare_golden(const char *path, const char *text)
{
    if (getenv("UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
    }
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("%s missing: run with UPDATE_GOLDEN=1 once", path);
    static char want[1 << 16];
    size_t n = fread(want, 1, sizeof want - 1, f);
    want[n] = 0;
    fclose(f);
    assert_string_equal(text, want);
}

static void test_header_golden(void **state)
{
    (void)state;
    ait_arena a = {0};
    ait_graph *g = tiny(&a);
    ait_emit_opts o = {.name = "net", .banner = " * graph spec: x float32[1,4]\n"};
    ait_emitted e;
    ait_diag d = {0};
    assert_int_equal(ait_emit_model(g, &o, &e, &d), AIT_OK);
    compare_golden("tests/golden/tiny_net.h", e.header.s);
    /* byte-stable: a second emission is identical */
    ait_emitted e2;
    assert_int_equal(ait_emit_model(g, &o, &e2, &d), AIT_OK);
    assert_string_equal(e.source.s, e2.source.s);
    ait_emitted_free(&e);
    ait_emitted_free(&e2);
    ait_arena_free_all(&a);
}

static void test_runs_and_rejects_misuse(void **state)
{
    (void)state;
    ait_arena a = {0};
    ait_graph *g = tiny(&a);
    ait_emit_opts o = {.name = "net"};
    ait_emitted e;
    ait_diag d = {0};
    assert_int_equal(ait_emit_model(g, &o, &e, &d), AIT_OK);
    char *unit = ait_emitted_unit(&e);
    ait_compiled *m;
    assert_int_equal(ait_compiler_tcc.build(unit, NULL, &m, &d), AIT_OK);
    free(unit);
    typedef int (*run_fn)(const float *const *, float *const *, int);
    run_fn run = (run_fn)ait_compiler_tcc.sym(m, "net_run");
    assert_non_null(run);
    const float x[4] = {1, 1, 1, 1};
    float y[3] = {0};
    const float *in[1] = {x};
    float *out[1] = {y};
    assert_int_equal(run(in, out, 1), 0);
    /* Gemm: 10.5, -10, 0.75 -> Relu -> doubled */
    assert_true(y[0] == 21.0f && y[1] == 0.0f && y[2] == 1.5f);
    assert_int_equal(run(in, out, 0), 1);  /* NET_E_BATCH */
    assert_int_equal(run(in, out, 2), 1);
    assert_int_equal(run(NULL, out, 1), 2); /* NET_E_NULL */
    float *nul[1] = {NULL};
    assert_int_equal(run(in, nul, 1), 2);
    ait_compiler_tcc.release(m);
    /* intermediates: h and r; h dies when r is written, so they cannot share, but the planned
     * arena never exceeds their sum */
    assert_true(e.arena_bytes <= e.sum_intermediate);
    ait_emitted_free(&e);
    ait_arena_free_all(&a);
}

static void test_rejects_bad_model_name(void **state)
{
    (void)state;
    ait_arena a = {0};
    ait_graph *g = tiny(&a);
    ait_emit_opts o = {.name = "3net"};
    ait_emitted e;
    ait_diag d = {0};
    assert_int_equal(ait_emit_model(g, &o, &e, &d), AIT_E_CONFIG);
    assert_non_null(strstr(d.msg, "3net"));
    ait_arena_free_all(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_golden),
        cmocka_unit_test(test_runs_and_rejects_misuse),
        cmocka_unit_test(test_rejects_bad_model_name),
    };
    return cmocka_run_group_tests_name("emit", tests, NULL, NULL);
}
