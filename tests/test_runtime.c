/* libaitune through its public header only: the states and their transitions, eager and tuned
 * calls against the reference, bad arguments, save/load with tampered artifacts, the JIT mode
 * and its cache, two threads on one module. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/aitune.h"
#include "tests/onnx_builder.h"
#define ait_tensor ait_graph_tensor /* the graph's tensor, not aitune.h's descriptor */
#include "strategies/backend.h"
#undef ait_tensor

static char dir[256], cfg_path[320], mlp_path[320];

/* X[N,16] -> Gemm(16x24) -> Relu -> MatMul(24x5) -> Y[N,5]: a symbolic batch */
static void write_mlp_named(const char *path, int scoped)
{
    tb *b = tb_new(13);
    int64_t xd[2] = {-1, 16};
    const char *sym[2] = {"N", NULL};
    tb_input_sym(b, "X", 1, 2, xd, sym);
    float w1[16 * 24], b1[24], w2[24 * 5];
    for (int i = 0; i < 16 * 24; i++)
        w1[i] = (float)sin(i * 0.37) * 0.3f;
    for (int i = 0; i < 24; i++)
        b1[i] = (float)cos(i * 0.11) * 0.1f;
    for (int i = 0; i < 24 * 5; i++)
        w2[i] = (float)sin(i * 0.73 + 1) * 0.4f;
    int64_t d1[2] = {16, 24}, db[1] = {24}, d2[2] = {24, 5};
    tb_init(b, "W1", 1, 2, d1, w1, 0);
    tb_init(b, "B1", 1, 1, db, b1, 0);
    tb_init(b, "W2", 1, 2, d2, w2, 0);
    Onnx__NodeProto *n[3] = {tb_node(b, "Gemm", "X,W1,B1", "H"), tb_node(b, "Relu", "H", "R"),
                             tb_node(b, "MatMul", "R,W2", "Y")};
    static char *const scoped_names[3] = {"/enc/Gemm", "/enc/Relu", "/dec/MatMul"};
    for (int i = 0; i < 3 && scoped; i++)
        n[i]->name = scoped_names[i]; /* the builder's arena owns nothing of it */
    tb_output(b, "Y");
    assert_int_equal(tb_write(b, path), 0);
    tb_free(b);
}

static void write_mlp(const char *path)
{
    write_mlp_named(path, 0);
}

static void fill(float *x, int n, int seed)
{
    for (int i = 0; i < n; i++)
        x[i] = (float)sin(seed * 7.1 + i * 0.59);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_runtime_XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(mlp_path, sizeof mlp_path, "%s/mlp.onnx", dir);
    write_mlp(mlp_path);
    snprintf(cfg_path, sizeof cfg_path, "%s/rt.ini", dir);
    FILE *f = fopen(cfg_path, "w");
    assert_non_null(f);
    fprintf(f, "[tune]\nbackends = simd, reference\nbudget_s = 1\ncache_dir = %s/cache\n", dir);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static ait_tensor input(float *x, int batch)
{
    ait_tensor t = {AIT_DTYPE_FLOAT, 2, {batch, 16}, x, 0};
    return t;
}

/* Runs m at batch items of seed; the outputs into y (5 per item). */
static int run(ait_module *m, int batch, int seed, float *y)
{
    static float x[64 * 16];
    fill(x, batch * 16, seed);
    ait_tensor in = input(x, batch), out = {0};
    out.data = y;
    out.capacity = sizeof(float) * 5 * (size_t)batch;
    int rc = ait_module_run(m, &in, 1, &out, 1);
    if (!rc) {
        assert_int_equal(out.dtype, AIT_DTYPE_FLOAT);
        assert_int_equal(out.rank, 2);
        assert_int_equal(out.dims[0], batch);
        assert_int_equal(out.dims[1], 5);
    }
    return rc;
}

/* The oracle: the same sum in double. */
static void expect(int batch, int seed, const float *y)
{
    float x[64 * 16];
    fill(x, batch * 16, seed);
    for (int r = 0; r < batch; r++)
        for (int o = 0; o < 5; o++) {
            double acc = 0;
            for (int j = 0; j < 24; j++) {
                double h = cos(j * 0.11) * 0.1f;
                for (int i = 0; i < 16; i++)
                    h += (double)x[r * 16 + i] * (float)(sin((i * 24 + j) * 0.37) * 0.3f);
                acc += (h > 0 ? h : 0) * (float)(sin((j * 5 + o) * 0.73 + 1) * 0.4f);
            }
            assert_true(fabs(y[r * 5 + o] - acc) <= 1e-4 + 1e-4 * fabs(acc));
        }
}

static int history_has(ait_module *m, const char *what)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ait_module_print_history(m, f);
    fclose(f);
    int has = strstr(buf, what) != NULL;
    free(buf);
    return has;
}

static void test_states(void **state)
{
    (void)state;
    float y[64 * 5];
    ait_module *m = ait_module_open(mlp_path, "mlp", cfg_path);
    assert_non_null(m);
    assert_int_equal(ait_module_state(m), AIT_STATE_INIT);
    assert_int_equal(ait_module_tune(m, 0), -AIT_E_STATE); /* nothing recorded */
    assert_non_null(strstr(ait_last_error(), "not recorded any samples"));
    assert_int_equal(run(m, 1, 1, y), 0); /* INIT runs eagerly */
    expect(1, 1, y);
    assert_int_equal(ait_module_enable_passthrough(m, 0), 0);
    assert_int_equal(ait_module_state(m), AIT_STATE_PASSTHROUGH);
    assert_int_equal(run(m, 3, 2, y), 0);
    expect(3, 2, y);
    assert_int_equal(ait_module_tune(m, 0), -AIT_E_STATE); /* passthrough records nothing */
    assert_int_equal(ait_module_enable_recording(m, 0), 0);
    assert_int_equal(ait_module_state(m), AIT_STATE_RECORDING);
    for (int b = 1; b <= 4; b++) {
        assert_int_equal(run(m, b, 10 + b, y), 0);
        expect(b, 10 + b, y);
    }
    assert_int_equal(ait_module_tune(m, 1), 0); /* dry run: nothing changes */
    assert_int_equal(ait_module_state(m), AIT_STATE_RECORDING);
    assert_true(history_has(m, "Dry run"));
    assert_int_equal(ait_module_tune(m, 0), 0);
    assert_int_equal(ait_module_state(m), AIT_STATE_TUNED);
    assert_true(history_has(m, "Tuning mlp took"));
    long long before = ait_module_tuned_calls(m);
    for (int b = 1; b <= 4; b++) {
        assert_int_equal(run(m, b, 20 + b, y), 0);
        expect(b, 20 + b, y);
    }
    assert_int_equal(ait_module_tuned_calls(m), before + 4); /* batches 1..4 were recorded: tuned */
    /* batch 7 is outside the tuned spec (1..4): eager, said once, still right */
    assert_int_equal(run(m, 7, 30, y), 0);
    expect(7, 30, y);
    assert_int_equal(ait_module_tuned_calls(m), before + 4);
    assert_true(history_has(m, "outside every tuned graph spec"));
    assert_int_equal(ait_module_tune(m, 0), -AIT_E_STATE);          /* already tuned */
    assert_int_equal(ait_module_enable_recording(m, 0), -AIT_E_STATE); /* leaving TUNED needs force */
    assert_non_null(strstr(ait_last_error(), "force"));
    assert_int_equal(ait_module_state(m), AIT_STATE_TUNED);
    assert_int_equal(ait_module_enable_passthrough(m, 1), 0);
    assert_int_equal(ait_module_state(m), AIT_STATE_PASSTHROUGH);
    assert_int_equal(ait_module_tune(m, 0), -AIT_E_STATE); /* the reset dropped the recording */
    assert_int_equal(run(m, 2, 40, y), 0);
    expect(2, 40, y);
    ait_module_close(m);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    float x[16] = {0}, y[5];
    ait_module *m = ait_module_open(mlp_path, "mlp", cfg_path);
    assert_non_null(m);
    ait_tensor in = input(x, 1), out = {AIT_DTYPE_FLOAT, 0, {0}, y, sizeof y};
    ait_tensor bad = in;
    bad.dtype = AIT_DTYPE_INT64;
    assert_int_equal(ait_module_run(m, &bad, 1, &out, 1), -AIT_E_ARG);
    assert_non_null(strstr(ait_last_error(), "dtype"));
    bad = in;
    bad.rank = 3;
    assert_int_equal(ait_module_run(m, &bad, 1, &out, 1), -AIT_E_ARG);
    assert_non_null(strstr(ait_last_error(), "rank"));
    bad = in;
    bad.dims[1] = 17;
    assert_int_equal(ait_module_run(m, &bad, 1, &out, 1), -AIT_E_ARG);
    bad = in;
    bad.dims[0] = -3;
    assert_int_equal(ait_module_run(m, &bad, 1, &out, 1), -AIT_E_ARG);
    bad = in;
    bad.data = NULL;
    assert_int_equal(ait_module_run(m, &bad, 1, &out, 1), -AIT_E_ARG);
    assert_int_equal(ait_module_run(m, NULL, 1, &out, 1), -AIT_E_ARG);
    assert_int_equal(ait_module_run(m, &in, 2, &out, 1), -AIT_E_ARG);
    assert_int_equal(ait_module_run(m, &in, 1, NULL, 1), -AIT_E_ARG);
    assert_int_equal(ait_module_run(m, &in, 1, &out, 0), -AIT_E_ARG); /* too few outputs */
    out.capacity = sizeof y - 1;
    assert_int_equal(ait_module_run(m, &in, 1, &out, 1), -AIT_E_ARG); /* buffer too small */
    assert_non_null(strstr(ait_last_error(), "needs 20 bytes"));
    assert_int_equal(ait_module_run(NULL, &in, 1, &out, 1), -AIT_E_ARG);
    assert_int_equal(ait_module_tune(NULL, 0), -AIT_E_ARG);
    assert_int_equal(ait_module_save(m, "/tmp/x"), -AIT_E_STATE); /* not tuned */
    assert_int_equal(ait_module_save(NULL, "/tmp/x"), -AIT_E_ARG);
    assert_int_equal(ait_module_state(NULL), AIT_STATE_INIT);
    ait_module_print_history(NULL, stdout);
    ait_module_print_hierarchy(NULL, stdout);
    ait_module_close(NULL);
    /* the module's own output buffer */
    ait_tensor own = {0};
    assert_int_equal(ait_module_run(m, &in, 1, &own, 1), 0);
    assert_non_null(own.data);
    assert_int_equal(own.capacity, 20);
    ait_module_close(m);
    assert_null(ait_module_open("/nonexistent.onnx", "x", NULL));
    assert_non_null(strstr(ait_last_error(), "/nonexistent.onnx"));
    assert_null(ait_module_open(NULL, "x", NULL));
    assert_null(ait_module_open(mlp_path, "x", "/nonexistent.ini"));
    assert_null(ait_module_load("/nonexistent-artifact"));
    assert_null(ait_module_load(NULL));
}

static void flip_byte(const char *path, long at)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, at, SEEK_SET);
    int c = fgetc(f);
    fseek(f, at, SEEK_SET);
    fputc(c ^ 1, f);
    fclose(f);
}

static void test_save_load(void **state)
{
    (void)state;
    float y[8 * 5];
    ait_module *m = ait_module_open(mlp_path, "mlp", cfg_path);
    assert_non_null(m);
    assert_int_equal(ait_module_enable_recording(m, 0), 0);
    assert_int_equal(run(m, 2, 1, y), 0);
    assert_int_equal(run(m, 2, 2, y), 0);
    assert_int_equal(ait_module_tune(m, 0), 0);
    char art[400], cmd[4000], path[500];
    snprintf(art, sizeof art, "%s/artifact", dir);
    assert_int_equal(ait_module_save(m, art), 0);
    assert_int_equal(ait_module_save(m, art), 0); /* replaces */
    ait_module_close(m);
    snprintf(cmd, sizeof cmd, "cd %s && sha256sum -c --quiet SHA256SUMS", art);
    assert_int_equal(system(cmd), 0);
    ait_module *l = ait_module_load(art);
    assert_non_null(l);
    assert_int_equal(ait_module_state(l), AIT_STATE_TUNED);
    assert_int_equal(run(l, 2, 5, y), 0);
    expect(2, 5, y);
    assert_int_equal(ait_module_tuned_calls(l), 1);
    ait_module_close(l);
    /* tampered: each file in turn, named in the error */
    static const char *const files[] = {"mlp.so", "model.onnx", "mlp.manifest.ini", "module.ini", "mlp.c"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char copy[300];
        snprintf(copy, sizeof copy, "%s/tampered", dir);
        snprintf(cmd, sizeof cmd, "rm -rf %s && cp -r %s %s", copy, art, copy);
        assert_int_equal(system(cmd), 0);
        snprintf(path, sizeof path, "%s/%s", copy, files[i]);
        flip_byte(path, 40);
        assert_null(ait_module_load(copy));
        assert_non_null(strstr(ait_last_error(), files[i]));
        assert_non_null(strstr(ait_last_error(), "SHA256SUMS"));
    }
    /* sums rewritten to match a changed model: the model hash module.ini records refuses it */
    snprintf(path, sizeof path, "%s/tampered", dir);
    snprintf(cmd, sizeof cmd, "rm -rf %s && cp -r %s %s", path, art, path);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/model.onnx", path);
    flip_byte(cmd, 40);
    snprintf(cmd, sizeof cmd, "cd %s && sha256sum $(cut -c67- SHA256SUMS) > S && mv S SHA256SUMS", path);
    assert_int_equal(system(cmd), 0);
    assert_null(ait_module_load(path));
    assert_non_null(strstr(ait_last_error(), "model.onnx"));
    assert_non_null(strstr(ait_last_error(), "module.ini records"));
    snprintf(path, sizeof path, "%s/tampered/SHA256SUMS", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/tampered", dir);
    assert_null(ait_module_load(path));
    assert_non_null(strstr(ait_last_error(), "SHA256SUMS"));
}

static void set_jit_env(const char *mode, const char *cache)
{
    setenv("AITUNE_JIT", "1", 1);
    setenv("AITUNE_JIT_MIN_SAMPLES", "2", 1);
    setenv("AITUNE_JIT_MODE", mode, 1);
    setenv("AITUNE_JIT_BACKENDS", "simd,reference", 1);
    if (cache)
        setenv("AITUNE_JIT_CACHE_DIR", cache, 1);
    else
        unsetenv("AITUNE_JIT_CACHE_DIR");
}

static void clear_jit_env(void)
{
    static const char *const vars[] = {"AITUNE_JIT", "AITUNE_JIT_MIN_SAMPLES", "AITUNE_JIT_MODE",
                                       "AITUNE_JIT_BACKENDS", "AITUNE_JIT_CACHE_DIR", "AITUNE_JIT_MIN_PARAMETERS"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
}

static void test_jit(void **state)
{
    (void)state;
    float y[8 * 5];
    char cache[400];
    snprintf(cache, sizeof cache, "%s/jitcache", dir);
    /* tune_eager: the second call records the last sample and tunes inline */
    set_jit_env("tune_eager", cache);
    ait_module *m = ait_module_open(mlp_path, "jit_mlp", cfg_path);
    assert_non_null(m);
    assert_int_equal(ait_module_state(m), AIT_STATE_INIT);
    assert_int_equal(run(m, 1, 1, y), 0);
    assert_int_equal(ait_module_state(m), AIT_STATE_RECORDING);
    assert_int_equal(run(m, 1, 2, y), 0);
    assert_int_equal(ait_module_state(m), AIT_STATE_TUNED);
    assert_int_equal(run(m, 1, 3, y), 0);
    expect(1, 3, y);
    assert_int_equal(ait_module_tuned_calls(m), 1);
    assert_true(history_has(m, "New top module: jit_mlp"));
    assert_true(history_has(m, "JIT cache: stored"));
    ait_module_close(m);
    /* a second start: tuned from the cache before its first call, no trial */
    m = ait_module_open(mlp_path, "jit_mlp", cfg_path);
    assert_non_null(m);
    assert_int_equal(ait_module_state(m), AIT_STATE_TUNED);
    assert_true(history_has(m, "from the JIT cache"));
    assert_int_equal(run(m, 1, 4, y), 0);
    expect(1, 4, y);
    assert_int_equal(ait_module_tuned_calls(m), 1);
    ait_module_close(m);
    /* tune_deferred: calls go on eagerly while a thread tunes; swapped in between two calls */
    set_jit_env("tune_deferred", NULL);
    m = ait_module_open(mlp_path, "deferred_mlp", cfg_path);
    assert_non_null(m);
    assert_int_equal(run(m, 1, 1, y), 0);
    assert_int_equal(run(m, 1, 2, y), 0);
    assert_int_equal(ait_module_state(m), AIT_STATE_RECORDING);
    ait_module_wait_tuning(m);
    assert_int_equal(run(m, 1, 5, y), 0);
    expect(1, 5, y);
    assert_int_equal(ait_module_state(m), AIT_STATE_TUNED);
    assert_true(history_has(m, "Swapped in"));
    ait_module_close(m);
    /* jit.dry_run: said once, nothing tuned */
    set_jit_env("tune_eager", NULL);
    setenv("AITUNE_JIT_DRY_RUN", "true", 1);
    m = ait_module_open(mlp_path, "dry", cfg_path);
    assert_non_null(m);
    for (int i = 0; i < 5; i++)
        assert_int_equal(run(m, 1, i, y), 0);
    assert_int_equal(ait_module_state(m), AIT_STATE_RECORDING);
    char *hb = NULL;
    size_t hl = 0;
    FILE *hf = open_memstream(&hb, &hl);
    ait_module_print_history(m, hf);
    fclose(hf);
    const char *first = strstr(hb, "Dry run: would tune dry");
    assert_non_null(first);
    assert_null(strstr(first + 1, "Dry run"));
    free(hb);
    ait_module_close(m);
    unsetenv("AITUNE_JIT_DRY_RUN");
    /* too small to tune: skipped, runs eagerly */
    setenv("AITUNE_JIT_MIN_PARAMETERS", "1M", 1);
    m = ait_module_open(mlp_path, "small", cfg_path);
    assert_non_null(m);
    for (int i = 0; i < 3; i++)
        assert_int_equal(run(m, 1, i, y), 0);
    assert_int_equal(ait_module_state(m), AIT_STATE_SKIPPED);
    expect(1, 2, y);
    ait_module_close(m);
    clear_jit_env();
}

static void test_tuning_failure_runs_eagerly(void **state)
{
    (void)state;
    char bad[400];
    snprintf(bad, sizeof bad, "%s/bad.ini", dir);
    FILE *f = fopen(bad, "w");
    fprintf(f, "[tune]\nbackends = nosuchbackend\ncache_dir = %s/cache\n", dir);
    fclose(f);
    float y[5];
    ait_module *m = ait_module_open(mlp_path, "mlp", bad);
    assert_non_null(m);
    ait_module_enable_recording(m, 0);
    assert_int_equal(run(m, 1, 1, y), 0);
    assert_true(ait_module_tune(m, 0) < 0);
    assert_int_equal(ait_module_state(m), AIT_STATE_EAGER);
    assert_true(history_has(m, "nosuchbackend"));
    assert_int_equal(run(m, 1, 2, y), 0);
    expect(1, 2, y);
    ait_module_close(m);
}

/* X[N,16] -> MatMul(16x24) -> Relu -> TopK(k from the input K) -> values * 2 = Y, indices = I:
 * the shapes after TopK depend on K's value, a graph break in the middle */
static void write_topk(const char *path)
{
    tb *b = tb_new(13);
    int64_t xd[2] = {-1, 16}, kd[1] = {1};
    const char *sym[2] = {"N", NULL};
    tb_input_sym(b, "X", 1, 2, xd, sym);
    tb_input(b, "K", 7, 1, kd);
    float w1[16 * 24], two[1] = {2};
    for (int i = 0; i < 16 * 24; i++)
        w1[i] = (float)sin(i * 0.37) * 0.3f;
    int64_t d1[2] = {16, 24}, d0[1] = {1};
    tb_init(b, "W1", 1, 2, d1, w1, 0);
    tb_init(b, "two", 1, 1, d0, two, 0);
    tb_node(b, "MatMul", "X,W1", "H");
    tb_node(b, "Relu", "H", "R");
    Onnx__NodeProto *n = tb_node(b, "TopK", "R,K", "V,I");
    tb_attr_i(b, n, "axis", -1);
    tb_node(b, "Mul", "V,two", "Y");
    tb_output(b, "Y");
    tb_output(b, "I");
    assert_int_equal(tb_write(b, path), 0);
    tb_free(b);
}

/* Y and I for k of the ReLU'd product, in double */
static void expect_topk(const float *x, int batch, int k, const float *y, const int64_t *idx)
{
    for (int r = 0; r < batch; r++) {
        double h[24];
        int used[24] = {0};
        for (int j = 0; j < 24; j++) {
            h[j] = 0;
            for (int i = 0; i < 16; i++)
                h[j] += (double)x[r * 16 + i] * (float)(sin((i * 24 + j) * 0.37) * 0.3f);
            h[j] = h[j] > 0 ? h[j] : 0;
        }
        for (int q = 0; q < k; q++) {
            int best = -1;
            for (int j = 0; j < 24; j++)
                if (!used[j] && (best < 0 || h[j] > h[best] + 1e-6))
                    best = j;
            used[best] = 1;
            assert_true(fabs(y[r * k + q] - 2 * h[best]) <= 1e-4 + 1e-4 * fabs(h[best]));
            if (h[best] > 1e-3) /* ties among zeros may order either way */
                assert_int_equal(idx[r * k + q], best);
        }
    }
}

static void test_graph_break_runs_with_static_part_tuned(void **state)
{
    (void)state;
    char path[320];
    snprintf(path, sizeof path, "%s/topk.onnx", dir);
    write_topk(path);
    ait_module *m = ait_module_open(path, "topk", cfg_path);
    assert_non_null(m);
    assert_int_equal(ait_module_enable_recording(m, 0), 0);
    float x[4 * 16];
    int64_t ks[3] = {3, 5, 3};
    for (int c = 0; c < 6; c++) {
        int batch = 1 + c % 3;
        int64_t k = ks[c % 3];
        fill(x, batch * 16, c);
        ait_tensor in[2] = {input(x, batch), {AIT_DTYPE_INT64, 1, {1}, &k, 0}}, out[2];
        memset(out, 0, sizeof out);
        assert_int_equal(ait_module_run(m, in, 2, out, 2), 0);
        assert_int_equal(out[0].rank, 2);
        assert_int_equal(out[0].dims[0], batch);
        assert_int_equal(out[0].dims[1], k);
        assert_int_equal(out[1].dtype, AIT_DTYPE_INT64);
        expect_topk(x, batch, (int)k, out[0].data, out[1].data);
    }
    assert_true(history_has(m, "Graph break in topk"));
    assert_int_equal(ait_module_tune(m, 0), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ait_module_print_hierarchy(m, f);
    fclose(f);
    if (getenv("AIT_TEST_VERBOSE")) {
        fputs(buf, stdout);
        ait_module_print_history(m, stdout);
    }
    /* the root falls back; its static segment is tuned; the part after the break, one module per
     * value of k, runs eagerly */
    assert_non_null(strstr(buf, "topk \xf0\x9f\x93\x8a"));
    assert_non_null(strstr(buf, "state=eager"));
    assert_non_null(strstr(buf, "topk/static"));
    assert_non_null(strstr(buf, "level=1\xf0\x9f\xaa\x9c state=tuned\xf0\x9f\x8e\xaf"));
    assert_non_null(strstr(buf, "topk/after-break#1"));
    free(buf);
    for (int c = 0; c < 4; c++) { /* after tuning: still right, a new k too */
        int batch = 1 + c % 3;
        int64_t k = c == 3 ? 7 : ks[c % 3];
        fill(x, batch * 16, 50 + c);
        ait_tensor in[2] = {input(x, batch), {AIT_DTYPE_INT64, 1, {1}, &k, 0}}, out[2];
        memset(out, 0, sizeof out);
        assert_int_equal(ait_module_run(m, in, 2, out, 2), 0);
        assert_int_equal(out[0].dims[1], k);
        expect_topk(x, batch, (int)k, out[0].data, out[1].data);
    }
    ait_module_close(m);
    /* the JIT mode: the static segment tunes after min_samples calls */
    set_jit_env("tune_eager", NULL);
    m = ait_module_open(path, "jit_topk", cfg_path);
    assert_non_null(m);
    for (int c = 0; c < 3; c++) {
        int64_t k = 4;
        fill(x, 2 * 16, 80 + c);
        ait_tensor in[2] = {input(x, 2), {AIT_DTYPE_INT64, 1, {1}, &k, 0}}, out[2];
        memset(out, 0, sizeof out);
        assert_int_equal(ait_module_run(m, in, 2, out, 2), 0);
        expect_topk(x, 2, 4, out[0].data, out[1].data);
    }
    assert_true(history_has(m, "Segment: jit_topk/static"));
    assert_true(history_has(m, "state=tuned"));
    ait_module_close(m);
    clear_jit_env();
}

/* A backend that refuses graphs of more than two nodes: the whole model cannot tune, each of
 * its scopes can (its kernels are the reference's). */
static int small_only_applies(const ait_backend *b, const ait_graph *g, char *why, size_t n)
{
    (void)b;
    if (g->n_nodes <= 2)
        return 1;
    snprintf(why, n, "small_only takes at most 2 nodes, this graph has %d", g->n_nodes);
    return 0;
}

static const ait_template *small_only_template(const ait_backend *b, const ait_graph *g, const ait_node *n)
{
    (void)b, (void)g, (void)n;
    return NULL;
}

static const ait_backend small_only = {.name = "small_only", .description = "test: graphs of at most 2 nodes",
                                       .key_extra = "small-only-1", .applies = small_only_applies,
                                       .template_for = small_only_template};

static void test_failed_tuning_tunes_the_scopes(void **state)
{
    (void)state;
    char path[320], ini[320];
    snprintf(path, sizeof path, "%s/scoped.onnx", dir);
    write_mlp_named(path, 1);
    snprintf(ini, sizeof ini, "%s/small_only.ini", dir);
    FILE *f = fopen(ini, "w");
    fprintf(f, "[tune]\nbackends = small_only\ncache_dir = %s/cache\n[jit]\nskip_modules = nothing\n", dir);
    fclose(f);
    ait_backend_register(&small_only);
    ait_module *m = ait_module_open(path, "scoped", ini);
    assert_non_null(m);
    float y[4 * 5];
    assert_int_equal(ait_module_enable_recording(m, 0), 0);
    for (int b = 1; b <= 3; b++)
        assert_int_equal(run(m, b, b, y), 0);
    assert_int_equal(ait_module_tune(m, 0), 0); /* the root fails, its two scopes tune */
    if (getenv("AIT_TEST_VERBOSE"))
        ait_module_print_history(m, stdout);
    assert_int_equal(ait_module_state(m), AIT_STATE_EAGER);
    assert_true(history_has(m, "small_only takes at most 2 nodes"));
    assert_true(history_has(m, "its 2 scopes at level 1"));
    char *buf = NULL;
    size_t len = 0;
    FILE *h = open_memstream(&buf, &len);
    ait_module_print_hierarchy(m, h);
    fclose(h);
    if (getenv("AIT_TEST_VERBOSE"))
        fputs(buf, stdout);
    assert_non_null(strstr(buf, "scoped/enc \xf0\x9f\x93\x8a"));
    assert_non_null(strstr(buf, "scoped/dec \xf0\x9f\x93\x8a"));
    const char *enc = strstr(buf, "scoped/enc"), *dec = strstr(buf, "scoped/dec");
    assert_non_null(strstr(enc, "state=tuned"));
    assert_non_null(strstr(dec, "state=tuned"));
    free(buf);
    for (int b = 1; b <= 3; b++) { /* through the tuned scopes: still right */
        assert_int_equal(run(m, b, 60 + b, y), 0);
        expect(b, 60 + b, y);
    }
    ait_module_close(m);
    /* the JIT mode, top down, with a scope in jit.skip_modules */
    set_jit_env("tune_eager", NULL);
    setenv("AITUNE_JIT_BACKENDS", "small_only", 1);
    setenv("AITUNE_JIT_SKIP_MODULES", "dec", 1);
    m = ait_module_open(path, "jit_scoped", ini);
    assert_non_null(m);
    for (int b = 1; b <= 3; b++) {
        assert_int_equal(run(m, b, 70 + b, y), 0);
        expect(b, 70 + b, y);
    }
    h = open_memstream(&buf, &len);
    ait_module_print_hierarchy(m, h);
    fclose(h);
    assert_non_null(strstr(strstr(buf, "jit_scoped/enc"), "state=tuned"));
    assert_non_null(strstr(strstr(buf, "jit_scoped/dec"), "state=skipped\xf0\x9f\x9a\xab"));
    free(buf);
    ait_module_close(m);
    unsetenv("AITUNE_JIT_SKIP_MODULES");
    clear_jit_env();
}

/* no gcc on the machine (none on PATH): trials and the tuned code with libtcc, tiled or reference;
 * saved and loaded the same way */
static void test_without_gcc(void **state)
{
    (void)state;
    char *path = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    setenv("PATH", "/nonexistent", 1);
    float y[4 * 5];
    ait_module *m = ait_module_open(mlp_path, "nogcc", cfg_path);
    assert_non_null(m);
    assert_int_equal(ait_module_enable_recording(m, 0), 0);
    for (int b = 1; b <= 2; b++)
        assert_int_equal(run(m, b, b, y), 0);
    int rc = ait_module_tune(m, 0);
    if (rc)
        fprintf(stderr, "%s\n", ait_last_error());
    assert_int_equal(rc, 0);
    assert_int_equal(ait_module_state(m), AIT_STATE_TUNED);
    assert_int_equal(run(m, 2, 9, y), 0);
    expect(2, 9, y);
    assert_int_equal(ait_module_tuned_calls(m), 1);
    char art[400];
    snprintf(art, sizeof art, "%s/nogcc_artifact", dir);
    assert_int_equal(ait_module_save(m, art), 0);
    ait_module_close(m);
    m = ait_module_load(art);
    assert_non_null(m);
    assert_int_equal(run(m, 1, 11, y), 0);
    expect(1, 11, y);
    assert_int_equal(ait_module_tuned_calls(m), 1);
    ait_module_close(m);
    setenv("PATH", path, 1);
    free(path);
}

typedef struct {
    ait_module *m;
    int seed, failures;
} worker;

static void *call_many(void *p)
{
    worker *w = p;
    float x[3 * 16], y[3 * 5];
    for (int i = 0; i < 50; i++) {
        int batch = 1 + (i + w->seed) % 3;
        fill(x, batch * 16, w->seed * 100 + i);
        ait_tensor in = input(x, batch), out = {AIT_DTYPE_FLOAT, 0, {0}, y, sizeof y};
        if (ait_module_run(w->m, &in, 1, &out, 1) != 0)
            w->failures++;
    }
    return NULL;
}

/* two threads on one module: serialized, every call served (TSan: tests/runtime_tsan.sh) */
static void test_two_threads_one_module(void **state)
{
    (void)state;
    ait_module *m = ait_module_open(mlp_path, "mlp", cfg_path);
    assert_non_null(m);
    worker w[2] = {{m, 1, 0}, {m, 2, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, call_many, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(w[0].failures + w[1].failures, 0);
    assert_int_equal(ait_module_call_count(m), 100);
    ait_module_close(m);
}

int main(void)
{
    const char *only = getenv("AIT_TEST_FILTER");
    if (only)
        cmocka_set_test_filter(only);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_states),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_save_load),
        cmocka_unit_test(test_jit),
        cmocka_unit_test(test_tuning_failure_runs_eagerly),
        cmocka_unit_test(test_two_threads_one_module),
        cmocka_unit_test(test_graph_break_runs_with_static_part_tuned),
        cmocka_unit_test(test_failed_tuning_tunes_the_scopes),
        cmocka_unit_test(test_without_gcc),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
