/* Model files come from strangers: a model whose every name field (graph, node, tensor,
 * initializer, doc_string, producer, domain) holds hostile text -- comment closers, newlines,
 * quotes, backslashes, trigraphs, printf conversions, bytes that are not UTF-8, a 10 kB name --
 * tunes with gcc and with tcc; the emitted code builds strict, computes the right numbers, runs
 * nothing else, and gives the node names back exact through the _kernels table; the report and
 * the manifest keep them inert, and --load re-emits the same code from the manifest. */
#include <dlfcn.h>
#include <math.h>
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

#include "gen/config.h"
#include "strategies/pipeline.h"
#include "ir/escape.h"
#include "ir/samples.h"
#include "tests/onnx_builder.h"

static char tmp[256], pwned[300];

static char long_name[10 * 1024 + 8];

/* The names, one per field; every one is a distinct, valid ONNX string. */
static const char *hostile(int i)
{
    static char buf[8][400];
    static const char *const texts[] = {
        "x */ __attribute__((constructor)) static void f(void){ system(\"touch %s\"); } /*",
        "line\none\r\n#define net_run 0\n// more",
        "q\"uote\\\\back\\slash\\",
        "tri?\?/graph?\?=?\?'?\?(?\?)?\?!?\?<?\?>?\?-", /* the source spells each trigraph ?\? */
        "%n%s%x%%%p",
        "\xff\xfe\xc3(non-utf8\x80",
        "/* nested */ */ | pipe | `tick` <b>&amp; ; # [x](y)",
    };
    if (i == 7)
        return long_name;
    snprintf(buf[i], sizeof buf[i], texts[i], pwned);
    return buf[i];
}

static void set_name(char **field, const char *v)
{
    *field = (char *)v;
}

/* X[2,6] -> Gemm(W, B) = G -> Relu -> Y, every name hostile. */
static void write_model(const char *path, const float *w, const float *bias)
{
    tb *b = tb_new(13);
    int64_t xd[2] = {2, 6}, wd[2] = {6, 4}, bd[1] = {4};
    tb_input(b, "X", 1, 2, xd);
    tb_init(b, "W", 1, 2, wd, w, 0);
    tb_init(b, "B", 1, 1, bd, bias, 0);
    Onnx__NodeProto *g = tb_node(b, "Gemm", "X,W,B", "G");
    Onnx__NodeProto *r = tb_node(b, "Relu", "G", "Y");
    tb_output(b, "Y");
    Onnx__ModelProto *m = tb_model(b);
    /* the tensor names everywhere they appear */
    const char *x = hostile(0), *wn = hostile(2), *bn = hostile(3), *gn = hostile(4), *y = hostile(6);
    set_name(&m->graph->input[0]->name, x);
    set_name(&m->graph->initializer[0]->name, wn);
    set_name(&m->graph->initializer[1]->name, bn);
    set_name(&g->input[0], x);
    set_name(&g->input[1], wn);
    set_name(&g->input[2], bn);
    set_name(&g->output[0], gn);
    set_name(&r->input[0], gn);
    set_name(&r->output[0], y);
    set_name(&m->graph->output[0]->name, y);
    set_name(&g->name, hostile(7));
    set_name(&r->name, hostile(1));
    set_name(&g->doc_string, hostile(5));
    set_name(&m->graph->name, hostile(1));
    set_name(&m->graph->doc_string, hostile(0));
    set_name(&m->producer_name, hostile(0));
    set_name(&m->producer_version, hostile(4));
    set_name(&m->doc_string, hostile(5));
    set_name(&m->domain, hostile(6));
    assert_int_equal(tb_write(b, path), 0);
    tb_free(b);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "/tmp/aitune-hostile-%ld", (long)getpid());
    snprintf(pwned, sizeof pwned, "%s/pwned", tmp);
    mkdir(tmp, 0755);
    memset(long_name, 'A', sizeof long_name - 8);
    memcpy(long_name + sizeof long_name - 8, "*/\n?\?/\n", 8); /* ends: star-slash, newline, a ??/ trigraph */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    return s;
}

typedef struct {
    const char *op, *node, *backend, *shape;
    double flops;
} kernel_info;

/* Builds out/m.c strict into a shared object, runs it on x, checks y and the kernel names. */
static void check_emitted(const char *out, const float *x, const float *want)
{
    char cmd[2048], so[600];
    snprintf(so, sizeof so, "%s/m.so", out);
    snprintf(cmd, sizeof cmd, "cc -std=c99 -pedantic -Wall -Wextra -Werror -O2 -fPIC -shared -I%s %s/m.c -o %s -lm",
             out, out, so);
    assert_int_equal(system(cmd), 0);
    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    assert_non_null(h);
    assert_int_equal(access(pwned, F_OK), -1); /* loading ran nothing */
    typedef int (*run_fn)(const float *const *, float *const *, int);
    run_fn run = (run_fn)dlsym(h, "m_run");
    const kernel_info *k = dlsym(h, "m_kernels");
    assert_non_null(run);
    assert_non_null(k);
    float y[8];
    const float *in[1] = {x};
    float *o[1] = {y};
    assert_int_equal(run(in, o, 1), 0);
    for (int i = 0; i < 8; i++)
        assert_true(fabsf(y[i] - want[i]) <= 1e-5f);
    /* the Gemm carries the fused Relu: one kernel, named exactly as in the model */
    assert_string_equal(k[0].op, "Gemm");
    assert_string_equal(k[0].node, hostile(7));
    assert_int_equal(access(pwned, F_OK), -1);
    dlclose(h);
}

static void tune_with(const char *compiler, const char *backends)
{
    float w[24], bias[4], x[12], want[8];
    for (int i = 0; i < 24; i++)
        w[i] = (float)((i * 7) % 11) / 11.0f - 0.5f;
    for (int i = 0; i < 4; i++)
        bias[i] = 0.1f * (float)i - 0.15f;
    for (int i = 0; i < 12; i++)
        x[i] = (float)((i * 5) % 9) / 9.0f - 0.4f;
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 4; c++) {
            double s = bias[c];
            for (int k = 0; k < 6; k++)
                s += (double)x[r * 6 + k] * w[k * 4 + c];
            want[r * 4 + c] = s > 0 ? (float)s : 0;
        }
    char dir[512], path[700], text[2400];
    snprintf(dir, sizeof dir, "%s/%s", tmp, compiler);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    write_model(path, w, bias);
    snprintf(path, sizeof path, "%s/samples", dir);
    mkdir(path, 0755);
    ait_tensor t = {.dtype = AIT_DT_FLOAT, .rank = 2, .dims = {2, 6}, .data = x};
    snprintf(path, sizeof path, "%s/samples/input_0.npy", dir);
    ait_diag d = {0};
    assert_int_equal(ait_npy_save(path, &t, &d), AIT_OK);
    snprintf(text, sizeof text,
             "[model]\npath = model.onnx\nname = m\n[samples]\npath = samples\n[tune]\nstrategy = first_wins\n"
             "backends = %s\ncompiler = %s\nbudget_s = 5\ncache_dir = %s/cache\n[output]\ndir = %s/out\n",
             backends, compiler, dir, dir);
    snprintf(path, sizeof path, "%s/config.ini", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    ait_config c;
    if (ait_config_load(&c, path, &d) != AIT_OK)
        fail_msg("%s", d.msg);
    char *log;
    size_t len;
    FILE *lf = open_memstream(&log, &len);
    ait_tune_opts o = {.cmdline = "aitune-gen hostile", .log = lf};
    ait_status s = ait_tune_config(&c, &o, &d);
    fclose(lf);
    if (s != AIT_OK)
        fail_msg("%s\n%s", d.msg, log);
    assert_int_equal(access(pwned, F_OK), -1); /* trials loaded the code: nothing else ran */
    for (const char *p = log; *p; p++) /* the log stays printable */
        assert_true(*p == '\n' || (unsigned char)*p >= 0x20);
    free(log);
    char out[600];
    snprintf(out, sizeof out, "%s/out", dir);
    check_emitted(out, x, want);

    /* the report: no raw name breaks a table row or opens HTML; the manifest: one line per key */
    snprintf(path, sizeof path, "%s/m.report.md", out);
    char *rep = slurp(path);
    assert_null(strstr(rep, "<b>"));
    assert_null(strstr(rep, "\xff"));
    for (char *line = strtok(rep, "\n"); line; line = strtok(NULL, "\n"))
        if (line[0] == '|') {
            int bars = 0;
            for (char *p = line; *p; p++)
                bars += *p == '|' && (p == line || p[-1] != '\\');
            assert_true(bars == 7 || bars == 12 || bars == 10 || bars == 4); /* spec 6, trials 11, knobs 6 cols */
        }
    free(rep);
    snprintf(path, sizeof path, "%s/m.manifest.ini", out);
    char *man = slurp(path);
    assert_null(strstr(man, "\r"));
    if (!strcmp(compiler, "gcc")) /* the knob search chose the Gemm's tile: --load must find its node */
        assert_non_null(strstr(man, "[knobs]"));
    for (char *line = strtok(man, "\n"); line; line = strtok(NULL, "\n"))
        assert_true(strlen(line) < 200); /* inih's line limit */
    free(man);

    /* --load from the manifest re-emits code that builds and computes the same */
    char before[700];
    snprintf(before, sizeof before, "%s/m.c", out);
    char *c0 = slurp(before);
    snprintf(path, sizeof path, "%s/m.manifest.ini", out);
    ait_tune_opts lo = {.cmdline = "aitune-gen hostile", .log = NULL};
    if (ait_tune_load_manifest(path, &lo, &d) != AIT_OK)
        fail_msg("%s", d.msg);
    char *c1 = slurp(before);
    const char *b0 = strstr(c0, "#include \"m.h\""), *b1 = strstr(c1, "#include \"m.h\"");
    assert_non_null(b0);
    assert_non_null(b1);
    assert_string_equal(b0, b1);
    free(c0);
    free(c1);
    check_emitted(out, x, want);
}

static void test_hostile_names_gcc(void **state)
{
    (void)state;
    tune_with("gcc", "simd, reference");
}

static void test_hostile_names_tcc(void **state)
{
    (void)state;
    tune_with("tcc", "tiled, reference");
}

/* Each context's escaping on its own: exact C strings, inert comments, reversible INI values. */
static void test_escape_contexts(void **state)
{
    (void)state;
    char buf[4096], back[4096];
    for (int i = 0; i < 7; i++) {
        const char *s = hostile(i);
        ait_esc_buf(buf, sizeof buf, AIT_ESC_C_COMMENT, s);
        assert_null(strstr(buf, "*/"));
        assert_null(strstr(buf, "/*"));
        assert_null(strstr(buf, "?\?"));
        assert_null(strchr(buf, '\n'));
        ait_esc_buf(buf, sizeof buf, AIT_ESC_INI, s);
        assert_null(strpbrk(buf, ";#\n\r"));
        assert_int_equal(ait_unesc_ini(back, sizeof back, buf), 0);
        assert_string_equal(back, s);
        ait_esc_buf(buf, sizeof buf, AIT_ESC_MD, s);
        assert_null(strpbrk(buf, "|<>`\n\x80\xff"));
        ait_esc_buf(buf, sizeof buf, AIT_ESC_C_STRING, s);
        assert_null(strstr(buf, "?\?"));
        assert_null(strchr(buf, '\n'));
        for (const char *p = buf; *p; p++) /* a quote only as part of an escape */
            assert_true(*p != '"');
    }
    /* a cut never splits an escape */
    ait_esc_buf(buf, 6, AIT_ESC_C_STRING, "ab\n");
    assert_string_equal(buf, "ab");
    assert_int_equal(ait_unesc_ini(back, sizeof back, "%4"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_contexts),
        cmocka_unit_test(test_hostile_names_gcc),
        cmocka_unit_test(test_hostile_names_tcc),
    };
    return cmocka_run_group_tests_name("hostile", tests, setup, teardown);
}
