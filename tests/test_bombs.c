/* Resource bombs: models whose shapes ask for more than any machine has (a ConstantOfShape
 * to 2^40 elements, a declared input of 2^42, an Expand to 2^30 x 4, a Resize to 2^40 rows)
 * fail fast with an error that names the node or tensor and the config key, in bounded memory;
 * a 100,000-node chain of Relu, which is no bomb, tunes in bounded time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "gen/config.h"
#include "gen/kernel.h"
#include "ir/onnx.h"
#include "strategies/pipeline.h"
#include "ir/clock.h"
#include "tests/onnx_builder.h"

static char tmp[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "/tmp/aitune-bombs-%ld", (long)getpid());
    mkdir(tmp, 0755);
    /* a bomb that allocated what it asks for would die here instead of passing */
    struct rlimit rl = {(rlim_t)6 << 30, (rlim_t)6 << 30};
    setrlimit(RLIMIT_AS, &rl);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes b as tmp/<name>.onnx, tunes it with the reference (random samples), returns the status. */
static ait_status tune_model(tb *b, const char *name, const char *extra, ait_diag *d, double *seconds)
{
    char path[512], text[2048];
    snprintf(path, sizeof path, "%s/%s.onnx", tmp, name);
    assert_int_equal(tb_write(b, path), 0);
    tb_free(b);
    snprintf(text, sizeof text,
             "[model]\npath = %s.onnx\nname = m\n[samples]\nmax_batches_per_size = 1\n[tune]\nstrategy = first_wins\n"
             "backends = reference\ncache_dir = %s/cache\n%s\n[output]\ndir = %s/%s.out\n",
             name, tmp, extra ? extra : "", tmp, name);
    snprintf(path, sizeof path, "%s/%s.ini", tmp, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    ait_config c;
    memset(d, 0, sizeof *d);
    if (ait_config_load(&c, path, d) != AIT_OK)
        fail_msg("%s", d->msg);
    ait_tune_opts o = {.cmdline = "aitune-gen bombs", .log = NULL};
    double t0 = ait_now_s();
    ait_status s = ait_tune_config(&c, &o, d);
    if (seconds)
        *seconds = ait_now_s() - t0;
    return s;
}

static void expect_limit(ait_status s, const ait_diag *d, const char *names, const char *key)
{
    if (s != AIT_E_SHAPE)
        fail_msg("status %d: %s", s, d->msg);
    if (!strstr(d->msg, names) || !strstr(d->msg, key))
        fail_msg("message names neither '%s' nor %s: %s", names, key, d->msg);
}

/* x[1] + ConstantOfShape(shape): the constant's shape is the model's to choose */
static tb *constant_of_shape(int rank, const int64_t *shape)
{
    tb *b = tb_new(13);
    int64_t x1[1] = {1}, sd[1] = {rank};
    tb_input(b, "x", 1, 1, x1);
    tb_init(b, "shape", 7, 1, sd, shape, 0);
    tb_node(b, "ConstantOfShape", "shape", "big");
    tb_node(b, "Add", "big,x", "y");
    tb_output(b, "y");
    return b;
}

static void test_constant_of_shape_2_40(void **state)
{
    (void)state;
    int64_t shape[2] = {1 << 20, 1 << 20};
    ait_diag d;
    expect_limit(tune_model(constant_of_shape(2, shape), "cos", NULL, &d, NULL), &d, "ConstantOfShape",
                 "tune.max_tensor_bytes");
}

static void test_declared_input_2_42(void **state)
{
    (void)state;
    tb *b = tb_new(13);
    int64_t xd[2] = {1 << 21, 1 << 21};
    tb_input(b, "huge", 1, 2, xd);
    tb_node(b, "Relu", "huge", "y");
    tb_output(b, "y");
    ait_diag d;
    expect_limit(tune_model(b, "input", NULL, &d, NULL), &d, "'huge'", "tune.max_tensor_bytes");
}

static void test_expand_2_30_by_4(void **state)
{
    (void)state;
    tb *b = tb_new(13);
    int64_t xd[2] = {1, 4}, sd[1] = {2}, shape[2] = {1 << 30, 4};
    tb_input(b, "x", 1, 2, xd);
    tb_init(b, "shape", 7, 1, sd, shape, 0);
    tb_node(b, "Expand", "x,shape", "y");
    tb_output(b, "y");
    ait_diag d;
    expect_limit(tune_model(b, "expand", NULL, &d, NULL), &d, "Expand", "tune.max_tensor_bytes");
}

/* Overflowing dims (2^32 x 2^32 x 2^32) are "over" the limit, not a wrapped small number. */
static void test_overflowing_dims(void **state)
{
    (void)state;
    int64_t shape[3] = {INT64_C(1) << 32, INT64_C(1) << 32, INT64_C(1) << 32};
    ait_diag d;
    expect_limit(tune_model(constant_of_shape(3, shape), "overflow", NULL, &d, NULL), &d, "is over",
                 "tune.max_tensor_bytes");
}

/* Many tensors, each within the tensor limit: the total limit stops them. */
static void test_total_limit(void **state)
{
    (void)state;
    tb *b = tb_new(13);
    int64_t xd[2] = {1024, 1024};
    tb_input(b, "x", 1, 2, xd);
    char in[32] = "x", out[32];
    for (int i = 0; i < 8; i++) {
        snprintf(out, sizeof out, "t%d", i);
        tb_node(b, "Relu", in, out);
        snprintf(in, sizeof in, "%s", out);
    }
    tb_output(b, in);
    ait_diag d;
    expect_limit(tune_model(b, "total", "max_total_bytes = 16M", &d, NULL), &d, "'t3'", "tune.max_total_bytes");
}

static void test_resize_to_2_40_rows(void **state)
{
    (void)state;
    tb *b = tb_new(13);
    int64_t xd[2] = {2, 2}, sd[1] = {2};
    float scales[2] = {0x1p39f, 1};
    tb_input(b, "x", 1, 2, xd);
    tb_init(b, "scales", 1, 1, sd, scales, 0);
    tb_node(b, "Resize", "x,,scales", "y");
    tb_output(b, "y");
    ait_diag d;
    expect_limit(tune_model(b, "resize", NULL, &d, NULL), &d, "Resize", "tune.max_tensor_bytes");
}

/* Not a bomb: a long graph gives a result, in time linear in its length. */
/* Folding runs in-process with no time limit: a constant Einsum asking for ~10^14 multiply-adds
 * (tiny inputs, a scalar output) must stay a run-time kernel, not hang the generator. */
static void test_constant_einsum_work_is_not_folded(void **state)
{
    (void)state;
    tb *b = tb_new(13);
    static float v[3000];
    int64_t d1[1] = {3000}, x1[1] = {1};
    tb_input(b, "x", 1, 1, x1);
    tb_init(b, "a", 1, 1, d1, v, 0);
    tb_init(b, "b", 1, 1, d1, v, 0);
    tb_init(b, "c", 1, 1, d1, v, 0);
    tb_init(b, "e", 1, 1, d1, v, 0);
    Onnx__NodeProto *n = tb_node(b, "Einsum", "a,b,c,e", "s");
    tb_attr_s(b, n, "equation", "i,j,k,l->");
    tb_node(b, "Add", "x,s", "y");
    tb_output(b, "y");
    size_t len;
    const uint8_t *bytes = tb_pack(b, &len);
    ait_arena a = {0};
    ait_graph *g;
    ait_diag d = {0};
    assert_int_equal(ait_onnx_load_bytes(&a, "einsum.onnx", bytes, len, &g, &d), AIT_OK);
    double t0 = ait_now_s();
    assert_int_equal(ait_graph_resolve(g, &d), AIT_OK);
    assert_true(ait_now_s() - t0 < 10);
    assert_false(g->nodes[0].folded);
    ait_arena_free_all(&a);
    tb_free(b);
}

/* The same work on a run-time input: the reference oracle that records the samples runs in a
 * sandboxed child, so a model whose reference takes forever fails by tune.trial_timeout_s. */
static void test_endless_reference_fails_by_the_time_limit(void **state)
{
    (void)state;
    tb *b = tb_new(13);
    int64_t xd[1] = {3000};
    tb_input(b, "x", 1, 1, xd);
    Onnx__NodeProto *n = tb_node(b, "Einsum", "x,x,x,x", "y");
    tb_attr_s(b, n, "equation", "i,j,k,l->");
    tb_output(b, "y");
    ait_diag d;
    double seconds;
    ait_status s = tune_model(b, "endless", "trial_timeout_s = 2", &d, &seconds);
    assert_int_equal(s, AIT_E_RUNTIME);
    if (!strstr(d.msg, "reference run") || !strstr(d.msg, "timed out"))
        fail_msg("message: %s", d.msg);
    assert_true(seconds < 60);
}

static void test_100k_relu_chain(void **state)
{
    (void)state;
    tb *b = tb_new(13);
    int64_t xd[2] = {1, 8};
    tb_input(b, "x", 1, 2, xd);
    char in[32] = "x", out[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(out, sizeof out, "t%d", i);
        tb_node(b, "Relu", in, out);
        snprintf(in, sizeof in, "%s", out);
    }
    tb_output(b, in);
    ait_diag d;
    double s;
    ait_status st = tune_model(b, "chain", NULL, &d, &s);
    if (st != AIT_OK)
        fail_msg("%s", d.msg);
    printf("100,000-node chain tuned in %.1f s\n", s);
    assert_true(s < 120);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant_of_shape_2_40), cmocka_unit_test(test_declared_input_2_42),
        cmocka_unit_test(test_expand_2_30_by_4),       cmocka_unit_test(test_overflowing_dims),
        cmocka_unit_test(test_total_limit),            cmocka_unit_test(test_resize_to_2_40_rows),
        cmocka_unit_test(test_100k_relu_chain),        cmocka_unit_test(test_constant_einsum_work_is_not_folded),
        cmocka_unit_test(test_endless_reference_fails_by_the_time_limit),
    };
    return cmocka_run_group_tests_name("bombs", tests, setup, teardown);
}
