/* The emitted thread pool (out/<name>_pthreads.c) and a model split into tasks, built and run
 * as a user builds them: every task of every parallel-for runs exactly once, with workers
 * asleep and awake, in a forked child, with gcc (GCC's atomics) and with tcc (the mutex
 * fallback); and under ThreadSanitizer, the pool alone and a model whose kernels are split,
 * whose outputs are bitwise those of its serial build. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "gen/emit_model.h"
#include "gen/kernel.h"
#include "gen/passes.h"
#include "gen/threads.h"
#include "ir/onnx.h"
#include "strategies/backend.h"
#include "tests/onnx_builder.h"

static char dir[64];

static void write_text(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* net_pthreads.c: the pool for model prefix net, in `threads` threads */
static void write_pool(int threads)
{
    ait_sb pool = {0};
    ait_emit_thread_pool(&pool, "net", threads);
    write_text("net_pthreads.c", pool.s);
    ait_sb_free(&pool);
}

/* Runs a shell command in dir; returns its exit status, its output in out. */
static int sh(char *out, size_t n, const char *fmt, ...)
{
    char cmd[2048];
    int k = snprintf(cmd, sizeof cmd, "cd %s && { ", dir);
    va_list ap;
    va_start(ap, fmt);
    k += vsnprintf(cmd + k, sizeof cmd - (size_t)k, fmt, ap);
    va_end(ap);
    snprintf(cmd + k, sizeof cmd - (size_t)k, "; } 2>&1");
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t len = fread(out, 1, n - 1, p);
    out[len] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static const char pool_driver[] =
    "#define _POSIX_C_SOURCE 200809L\n"
    "#include <stdio.h>\n#include <string.h>\n#include <time.h>\n#include <sys/wait.h>\n#include <unistd.h>\n"
    "void net_parallel_for(int n_tasks, void (*task)(void *arg, int i), void *arg);\n"
    "typedef struct { long hits[70000]; } job;\n"
    "static job j;\nstatic long want[70000];\n"
    "static void count(void *arg, int i) { ((job *)arg)->hits[i]++; }\n"
    "/* n parallel-fors of 0 to 16 tasks; every 1000th waits until the workers sleep */\n"
    "static int rounds(int n)\n{\nint r, i;\nfor (r = 0; r < n; r++) {\nint t = r % 17;\n"
    "net_parallel_for(t, count, &j);\nfor (i = 0; i < t; i++)\nwant[i]++;\n"
    "if (r % 1000 == 999) {\nstruct timespec ts = {0, 30000000};\nnanosleep(&ts, 0);\n}\n}\n"
    "net_parallel_for(70000, count, &j); /* more than the ticket holds: the caller runs them */\n"
    "for (i = 0; i < 70000; i++)\nwant[i]++;\n"
    "return memcmp(j.hits, want, sizeof want) == 0;\n}\n"
    "int main(int argc, char **argv)\n{\n"
    "if (!rounds(8000)) {\nputs(\"wrong counts\");\nreturn 1;\n}\n"
    "if (argc > 1 && strcmp(argv[1], \"fork\") == 0) {\nint st;\npid_t p = fork();\n"
    "if (p == 0)\n_exit(rounds(3000) ? 0 : 1);\nwaitpid(p, &st, 0);\n"
    "if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {\nputs(\"the forked child's counts are wrong\");\nreturn 1;\n}\n"
    "if (!rounds(3000)) {\nputs(\"wrong counts after fork\");\nreturn 1;\n}\n}\n"
    "puts(\"ok\");\nreturn 0;\n}\n";

static void test_pool(void **state)
{
    (void)state;
    write_pool(3);
    write_text("driver.c", pool_driver);
    char out[8192];
    /* as strict as the emitted code promises to be */
    static const char strict[] = "-std=c99 -pedantic -Wall -Wextra -Werror";
    if (sh(out, sizeof out, "gcc %s -O2 -pthread driver.c net_pthreads.c -o pool_gcc && ./pool_gcc fork", strict))
        fail_msg("gcc build: %s", out);
    assert_non_null(strstr(out, "ok"));
    if (sh(out, sizeof out, "tcc -Wall -Werror driver.c net_pthreads.c -o pool_tcc -lpthread && ./pool_tcc fork"))
        fail_msg("tcc build: %s", out);
    assert_non_null(strstr(out, "ok"));
    if (sh(out, sizeof out,
           "gcc %s -O1 -g -fsanitize=thread -pthread driver.c net_pthreads.c -o pool_tsan && "
           "TSAN_OPTIONS=halt_on_error=1:exitcode=66 ./pool_tsan",
           strict))
        fail_msg("under ThreadSanitizer: %s", out);
    assert_non_null(strstr(out, "ok"));
}

/* x[1,64,56,56] -> Conv 3x3 (pads 1, bias) -> Relu -> depthwise Conv 3x3 -> Sigmoid -> Mul ->
 * MaxPool 3x3 / 2 -> GlobalAveragePool -> Reshape -> Gemm: most kinds of split kernel in one model */
static tb *split_model(void)
{
    tb *b = tb_new(13);
    int64_t xd[4] = {1, 64, 56, 56}, wd[4] = {64, 64, 3, 3}, dd[4] = {64, 1, 3, 3}, bd[1] = {64}, gd[2] = {4096, 64},
            sd[1] = {2};
    tb_input(b, "x", 1, 4, xd);
    float *v = malloc(sizeof(float) * 4096 * 64);
    srand(5);
    for (int i = 0; i < 4096 * 64; i++)
        v[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    tb_init(b, "W", 1, 4, wd, v, 0);
    tb_init(b, "D", 1, 4, dd, v + 1000, 0);
    tb_init(b, "B", 1, 1, bd, v + 2000, 0);
    tb_init(b, "G", 1, 2, gd, v, 0);
    int64_t shape[2] = {1, 64};
    tb_init(b, "S", 7, 1, sd, shape, 0);
    free(v);
    int64_t pads[4] = {1, 1, 1, 1}, k3[2] = {3, 3}, s2[2] = {2, 2};
    tb_attr_ints(b, tb_node(b, "Conv", "x,W,B", "c"), "pads", 4, pads);
    tb_node(b, "Relu", "c", "r");
    Onnx__NodeProto *dw = tb_node(b, "Conv", "r,D", "d");
    tb_attr_ints(b, dw, "pads", 4, pads);
    tb_attr_i(b, dw, "group", 64);
    tb_node(b, "Sigmoid", "d", "s");
    tb_node(b, "Mul", "d,s", "m");
    Onnx__NodeProto *mp = tb_node(b, "MaxPool", "m", "p");
    tb_attr_ints(b, mp, "kernel_shape", 2, k3);
    tb_attr_ints(b, mp, "strides", 2, s2);
    tb_attr_ints(b, mp, "pads", 4, pads);
    tb_node(b, "GlobalAveragePool", "p", "a");
    tb_node(b, "Reshape", "a,S", "f");
    tb_attr_i(b, tb_node(b, "Gemm", "f,G", "y"), "transB", 1);
    tb_output(b, "y");
    return b;
}

/* net.c (+ net.h) of the split model with a backend, in `tasks` tasks (0: serial). */
static void emit_split_model(const char *backend, int tasks, const char *file)
{
    tb *b = split_model();
    size_t len;
    const uint8_t *bytes = tb_pack(b, &len);
    ait_arena a = {0};
    ait_graph *g;
    ait_diag d = {0};
    assert_int_equal(ait_onnx_load_bytes(&a, "split.onnx", bytes, len, &g, &d), AIT_OK);
    assert_int_equal(ait_graph_resolve(g, &d), AIT_OK);
    ait_pass_stats st;
    ait_graph_passes(g, &st);
    g->tasks = tasks;
    g->par_for = "net_parallel_for";
    const ait_backend *be = ait_backend_find(backend);
    be->prepare(be, g);
    ait_emit_opts o = {.name = "net", .pick = ait_backend_pick, .pick_ctx = (void *)be, .prelude = be->prelude(be)};
    ait_emitted e;
    assert_int_equal(ait_emit_model(g, &o, &e, &d), AIT_OK);
    char *unit = ait_emitted_unit(&e);
    if (tasks > 1) {
        int split = 0;
        for (const char *p = unit; (p = strstr(p, "_t_, &a_);")) != NULL; p++)
            split++;
        assert_true(split >= 4); /* the Conv, the depthwise Conv, the MaxPool, the Gemm */
    }
    write_text(file, unit);
    free(unit);
    ait_emitted_free(&e);
    ait_arena_free_all(&a);
    tb_free(b);
}

static const char model_driver[] =
    "#include <stdio.h>\n#include <string.h>\n"
    "int net_run(const float *const inputs[], float *const outputs[], int batch);\n"
    "static float x[64 * 56 * 56], y[4096];\n"
    "int main(void)\n{\nint i;\nconst float *in[1];\nfloat *out[1];\nFILE *f;\n"
    "for (i = 0; i < 64 * 56 * 56; i++)\nx[i] = (float)((i * 7919) % 2001) / 1000.0f - 1.0f;\n"
    "in[0] = x;\nout[0] = y;\n"
    "for (i = 0; i < 5; i++)\nif (net_run(in, out, 1) != 0)\nreturn 1;\n"
    "f = fopen(\"y.bin\", \"wb\");\nif (!f || fwrite(y, sizeof y, 1, f) != 1)\nreturn 1;\nfclose(f);\n"
    "puts(\"ok\");\nreturn 0;\n}\n";

/* The split model in 2 tasks under ThreadSanitizer, bitwise equal to the serial build. */
static void split_model_under_tsan(const char *backend)
{
    emit_split_model(backend, 0, "serial.c");
    emit_split_model(backend, 2, "split.c");
    write_pool(2);
    write_text("model_driver.c", model_driver);
    char out[16384];
    static const char flags[] = "-std=c99 -pedantic -Wall -Wextra -Werror -O1 -g -march=native -pthread";
    if (sh(out, sizeof out, "gcc %s model_driver.c serial.c -o serial -lm && ./serial && mv y.bin y_serial.bin", flags))
        fail_msg("%s serial build: %s", backend, out);
    if (sh(out, sizeof out,
           "gcc %s -fsanitize=thread model_driver.c split.c net_pthreads.c -o split -lm && "
           "TSAN_OPTIONS=halt_on_error=1:exitcode=66 ./split && cmp y.bin y_serial.bin",
           flags))
        fail_msg("%s split into 2 tasks under ThreadSanitizer: %s", backend, out);
    assert_non_null(strstr(out, "ok"));
}

static void test_split_model_under_tsan(void **state)
{
    (void)state;
    split_model_under_tsan("simd");
}

/* the weight formats decode panels into each task's scratch (int8w; fp16w's kernels differ
 * from it only in the decode loop and the load macro) */
static void test_split_weight_formats_under_tsan(void **state)
{
    (void)state;
    split_model_under_tsan("int8w");
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/ait-threads-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool),
        cmocka_unit_test(test_split_model_under_tsan),
        cmocka_unit_test(test_split_weight_formats_under_tsan),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
