/* The tuner: config errors, axis classification, each strategy, faulty
 * candidates (crash, hang, wrong values) injected as test backends, the
 * cache (reuse, corrupt entries), --load, and bad samples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <math.h>

#include "gen/compile.h"
#include "gen/config.h"
#include "strategies/pipeline.h"
#include "ir/samples.h"
#include "ir/spec.h"
#include "strategies/backend.h"
#include "strategies/knob_search.h"
#include "templates/emit_util.h"
#include "tests/onnx_builder.h"

#define MLP "../shared/models/mlp.onnx"
#define MLP_DATA "../shared/models/mlp_testdata"

static char tmp[256];

/* --- faulty backends: Softmax replaced by a crash, a hang, or wrong values ---- */

static void emit_crash(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    (void)g;
    (void)n;
    ait_sb_puts(b, "{ volatile int *p = 0; *p = 1; }\n");
}

static void emit_hang(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    (void)g;
    (void)n;
    ait_sb_puts(b, "{ volatile int k = 1; while (k) { } }\n");
}

static void emit_wrong(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    ait_sb_printf(b, "for (long i = 0; i < %lld; i++) y0[i] = x0[i] + 0.5f;\n",
                  (long long)ait_tensor_numel(ait_node_in(g, n, 0)));
}

static const ait_template crash_t = {.family = "crash", .emit = emit_crash}, hang_t = {.family = "hang", .emit = emit_hang},
                          wrong_t = {.family = "wrong", .emit = emit_wrong};

static const ait_template *softmax_only(const ait_backend *b, const ait_graph *g, const ait_node *n)
{
    (void)g;
    if (n->op != AIT_OP_SOFTMAX)
        return NULL;
    return strcmp(b->name, "t_crash") == 0 ? &crash_t : strcmp(b->name, "t_hang") == 0 ? &hang_t : &wrong_t;
}

static int never(const ait_backend *b, const ait_graph *g, char *why, size_t n)
{
    (void)b;
    (void)g;
    snprintf(why, n, "this test backend applies to nothing");
    return 0;
}

static const ait_backend t_crash = {.name = "t_crash", .description = "segfaults in Softmax", .key_extra = "t1", .template_for = softmax_only};
static const ait_backend t_hang = {.name = "t_hang", .description = "loops forever in Softmax", .key_extra = "t1", .template_for = softmax_only};
static const ait_backend t_wrong = {.name = "t_wrong", .description = "wrong values in Softmax", .key_extra = "t1", .template_for = softmax_only};
static const ait_backend t_never = {.name = "t_never", .description = "never applies", .key_extra = "t1", .applies = never, .template_for = softmax_only};

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "/tmp/aitune-test-%ld", (long)getpid());
    mkdir(tmp, 0755);
    ait_backend_register(&t_crash);
    ait_backend_register(&t_hang);
    ait_backend_register(&t_wrong);
    ait_backend_register(&t_never);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    return system(cmd);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A config for the MLP writing into tmp/<sub>; `extra` lines are appended. */
static void mlp_config(ait_config *c, const char *sub, const char *extra)
{
    char path[512], text[2048];
    snprintf(path, sizeof path, "%s/%s.ini", tmp, sub);
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(text, sizeof text,
             "[model]\npath = %s/" MLP "\nname = mlp\n[samples]\npath = %s/" MLP_DATA "\nbatch_sizes = 1,2\n"
             "max_batches_per_size = 2\n[tune]\ncache_dir = %s/%s.cache\n%s\n[output]\n"
             "dir = %s/%s.out\n",
             cwd, cwd, tmp, sub, extra ? extra : "", tmp, sub);
    write_file(path, text);
    ait_diag d = {0};
    if (ait_config_load(c, path, &d) != AIT_OK)
        fail_msg("%s", d.msg);
}

/* Runs a tuning with the log captured in *log (caller frees). */
static ait_status tune(const ait_config *c, char **log, ait_diag *d)
{
    size_t len;
    FILE *f = open_memstream(log, &len);
    ait_tune_opts o = {.cmdline = "aitune-gen test", .log = f};
    memset(d, 0, sizeof *d);
    ait_status s = ait_tune_config(c, &o, d);
    fclose(f);
    return s;
}

static int exists(const char *dir, const char *name)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct stat st;
    return stat(p, &st) == 0;
}

/* --- config ------------------------------------------------------------------ */

static void test_config_defaults_and_set(void **state)
{
    (void)state;
    ait_config c;
    ait_config_defaults(&c);
    assert_string_equal(c.strategy, "highest_throughput");
    assert_string_equal(c.compiler, "gcc");
    assert_string_equal(c.out_dir, "out");
    assert_int_equal(c.n_batch_sizes, 1);
    ait_diag d = {0};
    assert_int_equal(ait_config_set(&c, "tune.strategy=first_wins", &d), AIT_OK);
    assert_string_equal(c.strategy, "first_wins");
    assert_int_equal(ait_config_set(&c, "samples.batch_sizes=8, 2,4", &d), AIT_OK);
    assert_int_equal(c.n_batch_sizes, 3);
    assert_int_equal(c.batch_sizes[0], 2);
    assert_int_equal(c.batch_sizes[2], 8);
    assert_int_equal(ait_config_set(&c, "tune.nope=1", &d), AIT_E_CONFIG);
    assert_non_null(strstr(d.msg, "tune.nope"));
}

static void test_config_errors_name_file_line_key(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/bad.ini", tmp);
    static const struct {
        const char *text, *needle;
    } cases[] = {
        {"[model]\nname = x\n[tune]\nrtol = abc\n", "bad.ini:4: tune.rtol = abc: not a number"},
        {"[tune]\nstrategy = fastest\n", "bad.ini:2: tune.strategy = fastest: expected one of"},
        {"[samples]\n\nbatch_sizes = 1,0\n", "bad.ini:3: samples.batch_sizes"},
        {"[tune]\ncolour = blue\n", "bad.ini:2: [tune] colour: unknown key"},
        {"[tune]\nrtol = 1e-3\nrtol = 1e-4\n", "bad.ini:3: tune.rtol: set twice"},
        {"this is not ini\n", "bad.ini:1:"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_file(path, cases[i].text);
        ait_config c;
        ait_diag d = {0};
        assert_int_equal(ait_config_load(&c, path, &d), AIT_E_CONFIG);
        if (!strstr(d.msg, cases[i].needle))
            fail_msg("'%s' should contain '%s'", d.msg, cases[i].needle);
    }
    ait_config c;
    ait_diag d = {0};
    assert_int_equal(ait_config_load(&c, "/nonexistent/x.ini", &d), AIT_E_IO);
    /* an unknown backend is found later but still cites its line */
    write_file(path, "[model]\npath = m.onnx\n[tune]\n\nbackends = reference, turbo\n");
    assert_int_equal(ait_config_load(&c, path, &d), AIT_OK);
    char *log;
    assert_int_equal(tune(&c, &log, &d), AIT_E_CONFIG);
    free(log);
    assert_non_null(strstr(d.msg, "bad.ini:5: tune.backends: unknown backend 'turbo'"));
}

/* --- graph specs ----------------------------------------------------------------- */

static void test_axis_classification(void **state)
{
    (void)state;
    /* batch 1, 2, 4: axis 0 scales (batch), axis 1 varies on its own (dynamic), axis 2 fixed */
    int batch[3] = {1, 2, 4};
    int64_t d0[3] = {1, 10, 512}, d1[3] = {2, 50, 512}, d2[3] = {4, 20, 512};
    const int64_t *dims[3] = {d0, d1, d2};
    ait_tensor_spec ts = {.name = "x", .dtype = AIT_DT_FLOAT, .rank = 3};
    ait_spec_classify(&ts, 3, batch, dims);
    assert_int_equal(ts.kind[0], AIT_AXIS_BATCH);
    assert_int_equal(ts.kind[1], AIT_AXIS_DYNAMIC);
    assert_int_equal(ts.kind[2], AIT_AXIS_STATIC);
    assert_int_equal(ts.min[0], 1);
    assert_int_equal(ts.max[0], 4);
    assert_int_equal(ts.min[1], 10);
    assert_int_equal(ts.max[1], 50);
    char s[128];
    ait_spec_shape_str(&ts, s, sizeof s);
    assert_string_equal(s, "['batch0', 'dim1', 512]");
    /* one batch size: nothing can be a batch axis (static shapes, as in the seeds) */
    int one[2] = {4, 4};
    int64_t e0[2] = {4, 3}, e1[2] = {4, 3};
    const int64_t *ed[2] = {e0, e1};
    ait_tensor_spec t2 = {.name = "y", .dtype = AIT_DT_FLOAT, .rank = 2};
    ait_spec_classify(&t2, 2, one, ed);
    assert_int_equal(t2.kind[0], AIT_AXIS_STATIC);
    /* a batch axis with two rows per item */
    int64_t f0[1] = {2}, f1[1] = {8};
    const int64_t *fd[2] = {f0, f1};
    int b2[2] = {1, 4};
    ait_tensor_spec t3 = {.name = "z", .dtype = AIT_DT_FLOAT, .rank = 1};
    ait_spec_classify(&t3, 2, b2, fd);
    assert_int_equal(t3.kind[0], AIT_AXIS_BATCH);
    assert_int_equal(t3.scale[0], 2);
}

/* --- strategies and faulty candidates -------------------------------------------------- */

static void test_each_strategy_selects_and_writes(void **state)
{
    (void)state;
    static const char *const strategies[] = {"first_wins", "one_backend", "highest_throughput", "min_latency"};
    for (size_t i = 0; i < 4; i++) {
        char sub[64], extra[128];
        snprintf(sub, sizeof sub, "strategy_%s", strategies[i]);
        snprintf(extra, sizeof extra, "strategy = %s", strategies[i]);
        ait_config c;
        mlp_config(&c, sub, extra);
        char *log;
        ait_diag d;
        ait_status s = tune(&c, &log, &d);
        if (s != AIT_OK)
            fail_msg("%s: %s\n%s", strategies[i], d.msg, log);
        assert_non_null(strstr(log, "selected reference()"));
        assert_non_null(strstr(log, "['batch0', 784]"));
        if (i >= 2)
            assert_non_null(strstr(log, "profiled - throughput"));
        else
            assert_null(strstr(log, "profiled - throughput"));
        free(log);
        assert_true(exists(c.out_dir, "mlp.c") && exists(c.out_dir, "mlp.h") && exists(c.out_dir, "mlp.report.md") &&
                    exists(c.out_dir, "mlp.manifest.ini"));
    }
}

static void test_faulty_candidates_fail_and_tuning_goes_on(void **state)
{
    (void)state;
    ait_config c;
    mlp_config(&c, "faulty", "strategy = first_wins\nbackends = t_never, t_crash, t_hang, t_wrong, reference\n"
                             "trial_timeout_s = 5");
    char *log;
    ait_diag d;
    ait_status s = tune(&c, &log, &d);
    if (s != AIT_OK)
        fail_msg("%s\n%s", d.msg, log);
    assert_non_null(strstr(log, "skipped: not applicable: this test backend applies to nothing"));
    assert_non_null(strstr(log, "crashed with signal 11"));
    assert_non_null(strstr(log, "timed out after 5 s"));
    assert_non_null(strstr(log, "validation failed: output 'output'"));
    assert_non_null(strstr(log, "selected reference()"));
    free(log);
    char report[1200];
    snprintf(report, sizeof report, "%s/mlp.report.md", c.out_dir);
    FILE *f = fopen(report, "r");
    assert_non_null(f);
    static char text[1 << 16];
    text[fread(text, 1, sizeof text - 1, f)] = 0;
    fclose(f);
    assert_non_null(strstr(text, "t_crash() | runtime error"));
    assert_non_null(strstr(text, "t_wrong() | mismatch"));
    assert_non_null(strstr(text, "reference() | **selected**"));
}

static void test_one_backend_surfaces_the_error(void **state)
{
    (void)state;
    ait_config c;
    mlp_config(&c, "one_crash", "strategy = one_backend\nbackends = t_crash");
    char *log;
    ait_diag d;
    assert_int_equal(tune(&c, &log, &d), AIT_E_RUNTIME);
    free(log);
    assert_non_null(strstr(d.msg, "backend t_crash: crashed with signal 11"));
    assert_false(exists(c.out_dir, "mlp.c"));
}

static void test_correctness_check_off(void **state)
{
    (void)state;
    ait_config c;
    mlp_config(&c, "nocheck", "strategy = first_wins\nbackends = t_wrong\ncorrectness_check = false");
    char *log;
    ait_diag d;
    assert_int_equal(tune(&c, &log, &d), AIT_OK);
    assert_non_null(strstr(log, "validation off"));
    assert_non_null(strstr(log, "selected t_wrong()"));
    free(log);
}

/* --- cache ----------------------------------------------------------------------------- */

static void test_cache_reuse_and_corrupt_entry(void **state)
{
    (void)state;
    ait_config c;
    mlp_config(&c, "cache", "strategy = min_latency");
    char *log;
    ait_diag d;
    assert_int_equal(tune(&c, &log, &d), AIT_OK);
    assert_null(strstr(log, "reusing cached trial"));
    assert_null(strstr(log, "outputs reused from the cache"));
    free(log);
    assert_int_equal(tune(&c, &log, &d), AIT_OK);
    assert_non_null(strstr(log, "reusing cached trial"));
    assert_non_null(strstr(log, "cache: 1 trials reused, 0 corrupt"));
    assert_non_null(strstr(log, "outputs reused from the cache"));
    free(log);
    /* a damaged recording is recomputed, never trusted */
    char cmd0[1400];
    snprintf(cmd0, sizeof cmd0, "for f in %s/*.blob; do printf 'x' | dd of=\"$f\" bs=1 seek=3 conv=notrunc 2>/dev/null; done",
             c.cache_dir);
    assert_int_equal(system(cmd0), 0);
    assert_int_equal(tune(&c, &log, &d), AIT_OK);
    assert_null(strstr(log, "outputs reused from the cache"));
    free(log);
    /* damage every entry: detected by checksum and rebuilt */
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "for f in %s/*.trial; do sed -i 's/status=0/status=7/' \"$f\"; done", c.cache_dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(tune(&c, &log, &d), AIT_OK);
    assert_non_null(strstr(log, "is corrupt: rebuilding it"));
    assert_non_null(strstr(log, "selected reference()"));
    free(log);
    assert_int_equal(tune(&c, &log, &d), AIT_OK);
    assert_non_null(strstr(log, "reusing cached trial"));
    free(log);
}

/* --- --load and failure atomicity ---------------------------------------------------------- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    s[fread(s, 1, (size_t)n, f)] = 0;
    fclose(f);
    return s;
}

/* Everything after the banner: the code itself. */
static const char *after_banner(const char *s)
{
    const char *e = strstr(s, "*/\n");
    return e ? e + 3 : s;
}

static void test_load_reemits_same_code(void **state)
{
    (void)state;
    ait_config c;
    mlp_config(&c, "load", "strategy = first_wins");
    char *log;
    ait_diag d;
    assert_int_equal(tune(&c, &log, &d), AIT_OK);
    free(log);
    char cpath[1200], mpath[1200];
    snprintf(cpath, sizeof cpath, "%s/mlp.c", c.out_dir);
    snprintf(mpath, sizeof mpath, "%s/mlp.manifest.ini", c.out_dir);
    char *before = slurp(cpath);
    ait_tune_opts o = {.cmdline = "aitune-gen --load", .log = NULL};
    assert_int_equal(ait_tune_load_manifest(mpath, &o, &d), AIT_OK);
    char *after = slurp(cpath);
    assert_string_equal(after_banner(before), after_banner(after));
    assert_non_null(strstr(after, "re-emitted from"));
    free(before);
    free(after);
    memset(&d, 0, sizeof d);
    assert_int_equal(ait_tune_load_manifest("/nonexistent.ini", &o, &d), AIT_E_IO);
}

static void test_failed_run_leaves_out_untouched(void **state)
{
    (void)state;
    ait_config c;
    mlp_config(&c, "atomic", "strategy = first_wins");
    char *log;
    ait_diag d;
    assert_int_equal(tune(&c, &log, &d), AIT_OK);
    free(log);
    char cpath[1200];
    snprintf(cpath, sizeof cpath, "%s/mlp.c", c.out_dir);
    char *before = slurp(cpath);
    /* the same output dir, a config that fails: samples of the wrong shape */
    char npy_dir[512];
    snprintf(npy_dir, sizeof npy_dir, "%s/badshape", tmp);
    mkdir(npy_dir, 0755);
    ait_tensor t = {.dtype = AIT_DT_FLOAT, .rank = 2, .dims = {1, 783}};
    t.data = calloc(783, sizeof(float));
    char f[1200];
    snprintf(f, sizeof f, "%s/input_0.npy", npy_dir);
    assert_int_equal(ait_npy_save(f, &t, &d), AIT_OK);
    snprintf(c.samples_path, sizeof c.samples_path, "%s", npy_dir);
    assert_int_equal(tune(&c, &log, &d), AIT_E_SHAPE);
    free(log);
    assert_non_null(strstr(d.msg, "badshape"));
    assert_non_null(strstr(d.msg, "float32[1,783]"));
    /* a NaN in a sample */
    ((float *)t.data)[0] = 0;
    t.dims[1] = 784;
    free(t.data);
    t.data = calloc(784, sizeof(float));
    ((float *)t.data)[5] = NAN;
    assert_int_equal(ait_npy_save(f, &t, &d), AIT_OK);
    assert_int_equal(tune(&c, &log, &d), AIT_E_SHAPE);
    free(log);
    assert_non_null(strstr(d.msg, "element 5 is not finite"));
    free(t.data);
    char *after = slurp(cpath);
    assert_string_equal(before, after);
    free(before);
    free(after);
    /* an output dir that cannot exist */
    mlp_config(&c, "atomic2", "strategy = first_wins");
    snprintf(c.out_dir, sizeof c.out_dir, "/dev/null/out");
    assert_int_equal(tune(&c, &log, &d), AIT_E_IO);
    free(log);
    assert_non_null(strstr(d.msg, "/dev/null/out"));
}

static void test_npy_samples_and_random(void **state)
{
    (void)state;
    ait_config c;
    mlp_config(&c, "npy", "strategy = first_wins");
    char npy_dir[512], f[1200];
    snprintf(npy_dir, sizeof npy_dir, "%s/npy_ok", tmp);
    mkdir(npy_dir, 0755);
    for (int s = 0; s < 3; s++) {
        ait_tensor t = {.dtype = AIT_DT_FLOAT, .rank = 2, .dims = {2, 784}};
        t.data = calloc(2 * 784, sizeof(float));
        for (int i = 0; i < 2 * 784; i++)
            ((float *)t.data)[i] = (float)((i * 7 + s) % 13) / 13.0f;
        snprintf(f, sizeof f, "%s/input_0_%d.npy", npy_dir, s);
        ait_diag d = {0};
        assert_int_equal(ait_npy_save(f, &t, &d), AIT_OK);
        free(t.data);
    }
    snprintf(c.samples_path, sizeof c.samples_path, "%s", npy_dir);
    char *log;
    ait_diag d;
    ait_status s = tune(&c, &log, &d);
    if (s != AIT_OK)
        fail_msg("%s", d.msg);
    assert_non_null(strstr(log, "from 3 samples, 6 items"));
    free(log);
    c.samples_path[0] = 0; /* random inputs from the declared shapes */
    assert_int_equal(tune(&c, &log, &d), AIT_OK);
    assert_non_null(strstr(log, "random samples"));
    free(log);
}

/* A config for a model written by the test into tmp/<sub>.onnx, with .npy samples in tmp/<sub>_npy. */
/* Writes the builder's model to tmp/<sub>.onnx, where model_config points, and frees it. */
static void save_model(tb *b, const char *sub)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.onnx", tmp, sub);
    assert_int_equal(tb_write(b, path), 0);
    tb_free(b);
}

static void model_config(ait_config *c, const char *sub, const char *batch_sizes)
{
    char path[512], text[2048];
    snprintf(path, sizeof path, "%s/%s.ini", tmp, sub);
    snprintf(text, sizeof text,
             "[model]\npath = %s/%s.onnx\nname = m\n[samples]\npath = %s/%s_npy\nbatch_sizes = %s\n"
             "[tune]\nstrategy = first_wins\nbackends = simd, reference\ncache_dir = %s/%s.cache\n"
             "[output]\ndir = %s/%s.out\n",
             tmp, sub, tmp, sub, batch_sizes, tmp, sub, tmp, sub);
    write_file(path, text);
    ait_diag d = {0};
    if (ait_config_load(c, path, &d) != AIT_OK)
        fail_msg("%s", d.msg);
    snprintf(path, sizeof path, "%s/%s_npy", tmp, sub);
    mkdir(path, 0755);
}

static void save_npy(const char *sub, int input, int sample, int rank, const int64_t *dims)
{
    ait_tensor t = {.dtype = AIT_DT_FLOAT, .rank = rank};
    memcpy(t.dims, dims, sizeof(int64_t) * (size_t)rank);
    int64_t n = ait_tensor_numel(&t);
    t.data = calloc((size_t)n, sizeof(float));
    for (int64_t i = 0; i < n; i++)
        ((float *)t.data)[i] = (float)((i * 5 + sample + input) % 11) / 11.0f - 0.5f;
    char f[1200];
    snprintf(f, sizeof f, "%s/%s_npy/input_%d_%d.npy", tmp, sub, input, sample);
    ait_diag d = {0};
    assert_int_equal(ait_npy_save(f, &t, &d), AIT_OK);
    free(t.data);
}

/* Inputs whose axis 0 is not a batch (Gemm's A[3,5] and B[5,4], BatchNormalization's X[2,3,4,5]
 * and its [3] parameters as graph inputs) are static and passed whole. */
static void test_inputs_with_different_first_dims(void **state)
{
    (void)state;
    tb *b = tb_new(13);
    int64_t ad[2] = {3, 5}, bd[2] = {5, 4};
    tb_input(b, "A", 1, 2, ad);
    tb_input(b, "B", 1, 2, bd);
    tb_node(b, "Gemm", "A,B", "Y");
    tb_output(b, "Y");
    save_model(b, "gemm_in");
    ait_config c;
    model_config(&c, "gemm_in", "1");
    save_npy("gemm_in", 0, 0, 2, ad);
    save_npy("gemm_in", 1, 0, 2, bd);
    char *log;
    ait_diag d;
    if (tune(&c, &log, &d) != AIT_OK)
        fail_msg("%s", d.msg);
    assert_non_null(strstr(log, "selected simd"));
    free(log);

    b = tb_new(13);
    int64_t xd[4] = {2, 3, 4, 5}, pd[1] = {3};
    tb_input(b, "X", 1, 4, xd);
    static const char *const p[4] = {"scale", "bias", "mean", "var"};
    for (int i = 0; i < 4; i++)
        tb_input(b, p[i], 1, 1, pd);
    tb_node(b, "BatchNormalization", "X,scale,bias,mean,var", "Y");
    tb_output(b, "Y");
    save_model(b, "bn_in");
    model_config(&c, "bn_in", "1");
    save_npy("bn_in", 0, 0, 4, xd);
    for (int i = 1; i < 5; i++)
        save_npy("bn_in", i, 0, 1, pd);
    if (tune(&c, &log, &d) != AIT_OK)
        fail_msg("%s", d.msg);
    free(log);
}

/* Samples of 32 and 16 tokens for a symbolic sequence axis: the axis is dynamic, named by its
 * dim_param, with the samples' range; a range that leaves out a sample is refused naming the
 * input and axis. */
static void test_varying_sequence_length_is_dynamic(void **state)
{
    (void)state;
    tb *b = tb_new(13);
    int64_t xd[3] = {-1, -1, 8}, wd[2] = {8, 4};
    static const char *const sym[3] = {"batch", "seq", NULL};
    tb_input_sym(b, "tokens", 1, 3, xd, sym);
    float w[32];
    for (int i = 0; i < 32; i++)
        w[i] = (float)i / 32.0f;
    tb_init(b, "W", 1, 2, wd, w, 0);
    tb_node(b, "MatMul", "tokens,W", "Y");
    tb_output(b, "Y");
    save_model(b, "seq");
    ait_config c;
    model_config(&c, "seq", "1,2");
    int64_t long_d[3] = {1, 32, 8}, short_d[3] = {1, 16, 8};
    save_npy("seq", 0, 0, 3, long_d);
    save_npy("seq", 0, 1, 3, short_d);
    char *log;
    ait_diag d;
    if (tune(&c, &log, &d) != AIT_OK)
        fail_msg("%s", d.msg);
    assert_non_null(strstr(log, "['batch0', 'seq', 8]"));
    free(log);
    char hpath[1200];
    snprintf(hpath, sizeof hpath, "%s/m.h", c.out_dir);
    char *h = slurp(hpath);
    assert_non_null(strstr(h, "#define M_DIM0_NAME \"seq\"\n#define M_DIM0_MIN 16\n#define M_DIM0_MAX 32\n"));
    assert_non_null(strstr(h, "int m_run_dims("));
    free(h);
    assert_int_equal(ait_config_set(&c, "samples.dims=seq:20..32", &d), AIT_OK);
    assert_int_equal(tune(&c, &log, &d), AIT_E_SHAPE);
    assert_non_null(strstr(d.msg, "input 'tokens' axis 1 ('seq') is 16, outside samples.dims seq:20..32"));
    free(log);
}

/* Convolutions that differ only in their fused epilogue (a Relu, a residual Add, nothing) share
 * one knob search: the first is measured, the others take its knobs, and the report says whose,
 * also for an exact twin of one that took them. */
/* Tunes model `sub` (saved, input dims xd) with the simd backend alone (and `extra`, a
 * section.key=value, when given); returns its report's text. */
static char *tune_simd(ait_config *c, const char *sub, const int64_t *xd, const char *extra)
{
    model_config(c, sub, "1");
    save_npy(sub, 0, 0, 4, xd);
    ait_diag d;
    assert_int_equal(ait_config_set(c, "tune.strategy=one_backend", &d), AIT_OK);
    assert_int_equal(ait_config_set(c, "tune.backends=simd", &d), AIT_OK);
    if (extra)
        assert_int_equal(ait_config_set(c, extra, &d), AIT_OK);
    char *log;
    if (tune(c, &log, &d) != AIT_OK)
        fail_msg("%s", d.msg);
    free(log);
    char path[1200];
    snprintf(path, sizeof path, "%s/m.report.md", c->out_dir);
    return slurp(path);
}

/* The report from its knob table on, for a failure's message. */
static const char *knob_table(const char *rep)
{
    return strstr(rep, "## Per-op") ? strstr(rep, "## Per-op") : rep;
}

static void test_knob_search_shares_across_epilogues(void **state)
{
    (void)state;
    tb *b = tb_new(13);
    int64_t xd[4] = {1, 8, 10, 10}, wd[4] = {8, 8, 3, 3}, pads[4] = {1, 1, 1, 1};
    tb_input(b, "x", 1, 4, xd);
    float *w = malloc(sizeof(float) * 8 * 72);
    for (int k = 0; k < 4; k++) {
        for (int i = 0; i < 8 * 72; i++)
            w[i] = (float)((i * 7 + k) % 13) / 13.0f - 0.5f;
        char name[8];
        snprintf(name, sizeof name, "W%d", k);
        tb_init(b, name, 1, 4, wd, w, 0);
    }
    free(w);
    tb_attr_ints(b, tb_node(b, "Conv", "x,W0", "c0"), "pads", 4, pads);
    tb_node(b, "Relu", "c0", "r0");
    tb_attr_ints(b, tb_node(b, "Conv", "r0,W1", "c1"), "pads", 4, pads);
    tb_node(b, "Add", "c1,x", "a1");
    tb_attr_ints(b, tb_node(b, "Conv", "a1,W2", "c2"), "pads", 4, pads);
    tb_attr_ints(b, tb_node(b, "Conv", "c2,W3", "c3"), "pads", 4, pads);
    tb_node(b, "Add", "c3,a1", "y");
    tb_output(b, "y");
    save_model(b, "epi");
    ait_config c;
    char *rep = tune_simd(&c, "epi", xd, NULL);
    if (!strstr(rep, "4 ops: 1 measured, 3 cached or like another, 0 kept the defaults"))
        fail_msg("%s", knob_table(rep));
    int likes = 0;
    for (const char *p = rep; (p = strstr(p, "like /Conv_0 (epilogue aside)")) != NULL; p++)
        likes++;
    assert_int_equal(likes, 3);
    free(rep);
}

/* The fifth knob (one task) is written only where set, so plans without it read as before;
 * anything else is refused. */
static void test_knobs_text(void **state)
{
    (void)state;
    int k[AIT_MAX_KNOBS] = {6, 4, 1, 16, 0};
    char buf[64];
    ait_knobs_format(k, buf, sizeof buf);
    assert_string_equal(buf, "6,4,1,16");
    k[AIT_KNOB_SERIAL] = 1;
    ait_knobs_format(k, buf, sizeof buf);
    assert_string_equal(buf, "6,4,1,16,1");
    int r[AIT_MAX_KNOBS] = {0};
    assert_int_equal(ait_knobs_parse(buf, r), 0);
    assert_memory_equal(r, k, sizeof k);
    assert_int_equal(ait_knobs_parse("8,3,0,0", r), 0);
    assert_int_equal(r[AIT_KNOB_SERIAL], 0);
    assert_int_equal(r[0], 8);
    static const char *const bad[] = {"8,3,0", "8,3,0,0,2", "8,3,0,0,1,1", "8,3,0,0x", "8,3,0,0,", "", "a,b,c,d"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ait_knobs_parse(bad[i], r) == 0)
            fail_msg("took `%s`", bad[i]);
}

/* With threads, the search also measures a split kernel run as one task: a depthwise Conv,
 * which has no tile knobs, is searched at 2 threads (not at 1); the code follows the choice,
 * and --load re-emits it from the manifest. */
static void test_two_threads_search_one_task(void **state)
{
    (void)state;
    tb *b = tb_new(13);
    int64_t xd[4] = {1, 32, 56, 56}, wd[4] = {32, 1, 3, 3}, pads[4] = {1, 1, 1, 1};
    tb_input(b, "x", 1, 4, xd);
    float *w = malloc(sizeof(float) * 32 * 9);
    for (int i = 0; i < 32 * 9; i++)
        w[i] = (float)(i % 11) / 11.0f - 0.5f;
    tb_init(b, "W", 1, 4, wd, w, 0);
    free(w);
    Onnx__NodeProto *c0 = tb_node(b, "Conv", "x,W", "c");
    tb_attr_ints(b, c0, "pads", 4, pads);
    tb_attr_i(b, c0, "group", 32);
    tb_node(b, "Relu", "c", "y");
    tb_output(b, "y");
    save_model(b, "dw2");
    for (int threads = 1; threads <= 2; threads++) {
        ait_config c;
        ait_diag d;
        char set[64], path[1200];
        snprintf(set, sizeof set, "target.threads=%d", threads);
        char *rep = tune_simd(&c, "dw2", xd, set);
        const char *row = strstr(rep, "| /Conv_0 | Conv | ");
        if (threads == 1) {
            assert_null(row);
            free(rep);
            continue;
        }
        if (!row || !strstr(rep, "1 ops: 1 measured"))
            fail_msg("%s", knob_table(rep));
        int one_task = strncmp(row + strlen("| /Conv_0 | Conv | "), "0,0,0,0,1 ", 10) == 0;
        snprintf(path, sizeof path, "%s/m.c", c.out_dir);
        char *code = slurp(path);
        assert_int_equal(strstr(code, "_t_, &a_);") == NULL, one_task);
        snprintf(path, sizeof path, "%s/m.manifest.ini", c.out_dir);
        ait_tune_opts o = {.cmdline = "aitune-gen --load", .log = NULL};
        assert_int_equal(ait_tune_load_manifest(path, &o, &d), AIT_OK);
        snprintf(path, sizeof path, "%s/m.c", c.out_dir);
        char *again = slurp(path);
        assert_string_equal(after_banner(code), after_banner(again));
        free(again);
        free(code);
        free(rep);
    }
}

/* An op too heavy for the scalar reference kernel in the search (over 2e8 FLOPs: a 3x3 Conv of
 * 64 channels on 56x56, 2.3e8) is still searched, its variants checked against its default; the
 * model's trial then holds the chosen code to the reference. */
static void test_heavy_op_searched(void **state)
{
    (void)state;
    tb *b = tb_new(13);
    int64_t xd[4] = {1, 64, 56, 56}, wd[4] = {64, 64, 3, 3}, pads[4] = {1, 1, 1, 1};
    tb_input(b, "x", 1, 4, xd);
    float *w = malloc(sizeof(float) * 64 * 576);
    for (int i = 0; i < 64 * 576; i++)
        w[i] = (float)((i * 7) % 13) / 13.0f - 0.5f;
    tb_init(b, "W", 1, 4, wd, w, 0);
    free(w);
    tb_attr_ints(b, tb_node(b, "Conv", "x,W", "y"), "pads", 4, pads);
    tb_output(b, "y");
    save_model(b, "heavy");
    ait_config c;
    char *rep = tune_simd(&c, "heavy", xd, NULL);
    const char *row = strstr(rep, "| /Conv_0 | Conv | ");
    if (!row || !strstr(rep, "1 ops: 1 measured"))
        fail_msg("%s", knob_table(rep));
    double gflops = 0, def = 0;
    char knobs[64];
    assert_int_equal(sscanf(row, "| /Conv_0 | Conv | %63s | %lf | %lf |", knobs, &gflops, &def), 3);
    assert_true(gflops >= def && def > 0);
    assert_non_null(strstr(rep, "**selected**"));
    free(rep);
}

/* Where the budget runs out before an op, it keeps the backend's guess, not the flavour's plain
 * tile: Winograd F(2x2) for a 3x3 stride-1 Conv of 32 channels on 20x20, the Conv turned around (order
 * 1) for a 1x1 Conv on 7x7; the model's trial validates them like any choice. */
static void test_budget_spent_keeps_the_guess(void **state)
{
    (void)state;
    tb *b = tb_new(13);
    int64_t xd[4] = {1, 32, 20, 20}, wd[4] = {32, 32, 3, 3}, w2d[4] = {48, 32, 1, 1}, pads[4] = {1, 1, 1, 1};
    int64_t ks[2] = {3, 3}, st[2] = {3, 3};
    tb_input(b, "x", 1, 4, xd);
    float *w = malloc(sizeof(float) * 32 * 288);
    for (int i = 0; i < 32 * 288; i++)
        w[i] = (float)((i * 5) % 11) / 11.0f - 0.5f;
    tb_init(b, "W", 1, 4, wd, w, 0);
    tb_init(b, "W2", 1, 4, w2d, w, 0);
    free(w);
    tb_attr_ints(b, tb_node(b, "Conv", "x,W", "c"), "pads", 4, pads);
    tb_node(b, "Relu", "c", "r");
    Onnx__NodeProto *p = tb_node(b, "MaxPool", "r", "p"); /* 20x20 -> 7x7 (ceil) */
    tb_attr_ints(b, p, "kernel_shape", 2, ks);
    tb_attr_ints(b, p, "strides", 2, st);
    tb_attr_i(b, p, "ceil_mode", 1);
    tb_node(b, "Conv", "p,W2", "y");
    tb_output(b, "y");
    save_model(b, "guess");
    ait_config c;
    char *rep = tune_simd(&c, "guess", xd, "tune.budget_s=0");
    if (!strstr(rep, "2 ops: 0 measured, 0 cached or like another, 2 kept the defaults") ||
        !strstr(rep, "| /Conv_0 | Conv | 6,4,2,0 | - | - | budget_s spent: default knobs |") ||
        !strstr(rep, "| /Conv_3 | Conv | 7,3,1,0 | - | - | budget_s spent: default knobs |") ||
        !strstr(rep, "**selected**"))
        fail_msg("%s", knob_table(rep));
    free(rep);
}

/* The knob search's unit in parts, compiled at once and linked into one module: a part calls
 * into another; a part that does not compile is named in the error. */
static void test_gcc_build_parts(void **state)
{
    (void)state;
    const char *parts[2] = {"int twice(int x) { return 2 * x; }\n",
                            "int twice(int x);\nint quad(int x) { return twice(twice(x)); }\n"};
    ait_compile_opts co = {.flags = "-O2"};
    ait_compiled *m = NULL;
    ait_diag d = {0};
    if (ait_gcc_build_parts(parts, 2, &co, &m, &d) != AIT_OK)
        fail_msg("%s", d.msg);
    int (*quad)(int) = (int (*)(int))ait_compiler_gcc.sym(m, "quad");
    assert_non_null(quad);
    assert_int_equal(quad(3), 12);
    ait_compiler_gcc.release(m);
    const char *bad[2] = {parts[0], "int quad(int x) { return x +; }\n"};
    m = NULL;
    assert_int_equal(ait_gcc_build_parts(bad, 2, &co, &m, &d), AIT_E_COMPILE);
    assert_null(m);
    assert_non_null(strstr(d.msg, "_1.c"));
    assert_int_equal(ait_gcc_build_parts(bad, 0, &co, &m, &d), AIT_E_COMPILE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults_and_set),
        cmocka_unit_test(test_config_errors_name_file_line_key),
        cmocka_unit_test(test_axis_classification),
        cmocka_unit_test(test_each_strategy_selects_and_writes),
        cmocka_unit_test(test_faulty_candidates_fail_and_tuning_goes_on),
        cmocka_unit_test(test_one_backend_surfaces_the_error),
        cmocka_unit_test(test_correctness_check_off),
        cmocka_unit_test(test_cache_reuse_and_corrupt_entry),
        cmocka_unit_test(test_load_reemits_same_code),
        cmocka_unit_test(test_failed_run_leaves_out_untouched),
        cmocka_unit_test(test_npy_samples_and_random),
        cmocka_unit_test(test_inputs_with_different_first_dims),
        cmocka_unit_test(test_varying_sequence_length_is_dynamic),
        cmocka_unit_test(test_knob_search_shares_across_epilogues),
        cmocka_unit_test(test_knobs_text),
        cmocka_unit_test(test_gcc_build_parts),
        cmocka_unit_test(test_heavy_op_searched),
        cmocka_unit_test(test_budget_spent_keeps_the_guess),
        cmocka_unit_test(test_two_threads_search_one_task),
    };
    return cmocka_run_group_tests_name("tune", tests, setup, teardown);
}
