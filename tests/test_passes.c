/* Each graph pass against the unfused reference: small models built in memory
 * (Conv + BatchNormalization + activation, residual Add, Gemm and MatMul
 * epilogues, Identity/Dropout), run once as imported and once after the
 * passes, with the reference templates and with the simd and tiled backends
 * (whose tiles apply the fused epilogue themselves).  Each test also checks
 * that the pass fired.  The same harness checks the simd/tiled kernels with
 * their own border handling (depthwise, im2col, pooling) at the trials' flags. */
#include <math.h>
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
#include "gen/passes.h"
#include "gen/threads.h"
#include "ir/onnx.h"
#include "strategies/backend.h"
#include "templates/simd/simd.h"
#include "tests/onnx_builder.h"

static float *randoms(int64_t n, unsigned seed, float lo, float hi)
{
    float *v = malloc(sizeof(float) * (size_t)n);
    srand(seed);
    for (int64_t i = 0; i < n; i++)
        v[i] = lo + (hi - lo) * (float)rand() / (float)RAND_MAX;
    return v;
}

static void init_random(tb *b, const char *name, int rank, const int64_t *dims, unsigned seed, float lo, float hi)
{
    int64_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= dims[i];
    float *v = randoms(n, seed, lo, hi);
    tb_init(b, name, 1, rank, dims, v, 0);
    free(v);
}

/* >= 0: every node the backend offers knob variants for takes variant `variant` of its list
 * (the default is variant 0); past the end of a node's list, its last. */
static int variant = -1;
/* check_model also runs the simd and tiled code split into 2 and 3 tasks */
static int compare_tasks = 0;

/* 1: every node's kernel is held to one task (knobs[AIT_KNOB_SERIAL]), as the knob search
 * chooses where a split does not pay */
static int serial_knob = 0;

static void apply_variant(const ait_backend *b, ait_graph *g)
{
    for (int k = 0; variant >= 0 && b->variants && k < g->n_nodes; k++) {
        ait_node *n = &g->nodes[k];
        int knobs[16][AIT_MAX_KNOBS];
        if (n->folded || n->removed)
            continue;
        int nv = b->variants(b, g, n, knobs, 16);
        if (nv > 0)
            memcpy(n->knobs, knobs[variant < nv ? variant : nv - 1], sizeof n->knobs);
    }
    for (int k = 0; serial_knob && k < g->n_nodes; k++)
        g->nodes[k].knobs[AIT_KNOB_SERIAL] = 1;
}

/* > 1: kernels split into this many tasks (g->tasks), run by the emitted thread pool with as
 * many threads; split_kernels counts the kernels that were. */
static int tasks_now = 0, split_kernels = 0;
/* an error within this fraction of the output's largest magnitude passes too (Winograd) */
static float scale_tol = 0;
/* text the simd and tiled units must hold (the template a case is about did apply) */
static const char *must_emit = NULL;
/* the same, for the simd backend's unit only */
static const char *must_emit_simd = NULL;

/* Units already built and run, with their input and output.  Many cases build the same unit
 * again: the reference under every knob variant, a backend whose variants are fewer than the
 * loop's.  The same C text on the same input computes the same bits, so the output is reused
 * and only units not seen before reach gcc (which is most of this file's time). */
typedef struct memo {
    struct memo *next;
    char *unit;
    float *x, *y;
    int64_t x_n, y_n;
} memo;
static memo *memos;

static int64_t input_numel(const ait_graph *g)
{
    return ait_tensor_numel(&g->t[g->inputs[0]]);
}

static int memo_find(const char *unit, const float *x, const ait_graph *g, float *y, int64_t y_n)
{
    int64_t x_n = input_numel(g);
    for (const memo *m = memos; m; m = m->next)
        if (m->x_n == x_n && m->y_n == y_n && strcmp(m->unit, unit) == 0 &&
            memcmp(m->x, x, sizeof(float) * (size_t)x_n) == 0) {
            memcpy(y, m->y, sizeof(float) * (size_t)y_n);
            return 1;
        }
    return 0;
}

/* takes the unit's text */
static void memo_add(ait_sb *unit, const float *x, const ait_graph *g, const float *y, int64_t y_n)
{
    memo *m = calloc(1, sizeof *m);
    m->x_n = input_numel(g);
    m->y_n = y_n;
    m->unit = unit->s;
    *unit = (ait_sb){0};
    m->x = malloc(sizeof(float) * (size_t)m->x_n);
    memcpy(m->x, x, sizeof(float) * (size_t)m->x_n);
    m->y = malloc(sizeof(float) * (size_t)y_n);
    memcpy(m->y, y, sizeof(float) * (size_t)y_n);
    m->next = memos;
    memos = m;
}

/* Runs the model (single input x, single output) with gcc; passes and backend optional. */
static float *run(const uint8_t *bytes, size_t len, int passes, const char *backend, const float *x,
                  int64_t *out_n, ait_pass_stats *st, int *kernels)
{
    ait_arena a = {0};
    ait_graph *g;
    ait_diag d = {0};
    assert_int_equal(ait_onnx_load_bytes(&a, "pass.onnx", bytes, len, &g, &d), AIT_OK);
    if (ait_graph_resolve(g, &d) != AIT_OK)
        fail_msg("%s", d.msg);
    memset(st, 0, sizeof *st);
    if (passes)
        ait_graph_passes(g, st);
    g->tasks = tasks_now;
    g->par_for = "net_parallel_for";
    ait_emit_opts o = {.name = "net"};
    const ait_backend *b = backend ? ait_backend_find(backend) : NULL;
    if (b) {
        apply_variant(b, g);
        b->prepare(b, g);
        o.pick = ait_backend_pick;
        o.pick_ctx = (void *)b;
        o.prelude = b->prelude(b);
    }
    ait_emitted e;
    assert_int_equal(ait_emit_model(g, &o, &e, &d), AIT_OK);
    *kernels = e.n_kernels;
    ait_sb unit = {0};
    char *model = ait_emitted_unit(&e);
    ait_sb_puts(&unit, model);
    free(model);
    if (b && must_emit && !strstr(unit.s, must_emit))
        fail_msg("%s: the unit has no `%s`", backend, must_emit);
    if (b && must_emit_simd && strcmp(backend, "simd") == 0 && !strstr(unit.s, must_emit_simd))
        fail_msg("simd, variant %d: the unit has no `%s`", variant, must_emit_simd);
    if (tasks_now > 1) {
        for (const char *p = unit.s; (p = strstr(p, "_t_, &a_);")) != NULL; p++)
            split_kernels++;
        ait_emit_thread_pool(&unit, "net", tasks_now);
    }
    if (getenv("AIT_TEST_DUMP")) { /* the last unit built, to read while working on a test */
        static int dumps = 0;
        char path[512];
        snprintf(path, sizeof path, "%s.%d.c", getenv("AIT_TEST_DUMP"), dumps++ % 64);
        FILE *f = fopen(path, "w");
        if (f) {
            fputs(unit.s, f);
            fclose(f);
        }
    }
    *out_n = ait_tensor_numel(&g->t[g->outputs[0]]);
    float *y = calloc((size_t)*out_n, sizeof(float));
    if (memo_find(unit.s, x, g, y, *out_n)) {
        ait_sb_free(&unit);
        ait_emitted_free(&e);
        ait_arena_free_all(&a);
        return y;
    }
    ait_compiled *m;
    /* as trials build, and as strict as the emitted code promises to be */
    ait_compile_opts co = {.flags = "-std=c99 -pedantic -Wall -Wextra -Werror -O3 -march=native -ffp-contract=fast -pthread"};
    if (ait_compiler_gcc.build(unit.s, &co, &m, &d) != AIT_OK)
        fail_msg("%s", d.msg);
    typedef int (*run_fn)(const float *const *, float *const *, int);
    run_fn fn = (run_fn)ait_compiler_gcc.sym(m, "net_run");
    assert_non_null(fn);
    const float *in[1] = {x};
    float *out[1] = {y};
    assert_int_equal(fn(in, out, 1), 0);
    memo_add(&unit, x, g, y, *out_n);
    ait_compiler_gcc.release(m);
    ait_emitted_free(&e);
    ait_arena_free_all(&a);
    return y;
}

/* The passes change nothing numerically, under every backend; returns the stats. */
static ait_pass_stats check_model(tb *b, int64_t x_n)
{
    size_t len;
    const uint8_t *bytes = tb_pack(b, &len);
    float *x = randoms(x_n, 7, -1, 1);
    ait_pass_stats none, st = {0};
    int64_t n0, n1;
    int k0, k1;
    float *want = run(bytes, len, 0, NULL, x, &n0, &none, &k0);
    static const char *const backends[] = {NULL, "simd", "tiled"};
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
        float *got = run(bytes, len, 1, backends[i], x, &n1, &st, &k1);
        assert_int_equal(n0, n1);
        assert_true(k1 < k0); /* something was fused or dropped */
        float scale = 0;
        for (int64_t j = 0; j < n0; j++)
            scale = fmaxf(scale, fabsf(want[j]));
        for (int64_t j = 0; j < n0; j++)
            if (!(fabsf(got[j] - want[j]) <= 1e-4f * fabsf(want[j]) + 1e-5f + scale_tol * scale))
                fail_msg("%s: element %lld: %.9g, unfused %.9g", backends[i] ? backends[i] : "reference",
                         (long long)j, got[j], want[j]);
        /* with threads: the same bits for every number of tasks, and some kernel split in two */
        for (int t = 2; compare_tasks && backends[i] && t <= 3; t++) {
            int before = split_kernels;
            tasks_now = t;
            float *par = run(bytes, len, 1, backends[i], x, &n1, &st, &k1);
            tasks_now = 0;
            if (serial_knob && split_kernels != before)
                fail_msg("%s: a kernel held to one task split into %d", backends[i], t);
            if (!serial_knob && split_kernels == before && t == 2) /* 3 tasks may be more than a kernel has units */
                fail_msg("%s: no kernel split into %d tasks (x of %lld floats)", backends[i], t, (long long)x_n);
            for (int64_t j = 0; j < n0; j++)
                if (memcmp(&par[j], &got[j], sizeof got[j]) != 0)
                    fail_msg("%s, %d tasks, variant %d, x of %lld: element %lld: %.9g, serial %.9g", backends[i], t, variant, (long long)x_n, (long long)j, par[j],
                             got[j]);
            free(par);
        }
        free(got);
    }
    free(want);
    free(x);
    return st;
}

/* x[1,8,10,10] -> Conv 3x3 (pads 1, bias) -> BatchNormalization -> act -> y */
static tb *conv_bn(const char *act)
{
    tb *b = tb_new(13);
    int64_t xd[4] = {1, 8, 10, 10}, wd[4] = {16, 8, 3, 3}, cd[1] = {16};
    tb_input(b, "x", 1, 4, xd);
    init_random(b, "W", 4, wd, 1, -0.5f, 0.5f);
    init_random(b, "B", 1, cd, 2, -0.5f, 0.5f);
    init_random(b, "scale", 1, cd, 3, 0.5f, 1.5f);
    init_random(b, "shift", 1, cd, 4, -0.5f, 0.5f);
    init_random(b, "mean", 1, cd, 5, -0.5f, 0.5f);
    init_random(b, "var", 1, cd, 6, 0.5f, 2.0f);
    Onnx__NodeProto *c = tb_node(b, "Conv", "x,W,B", "c");
    int64_t pads[4] = {1, 1, 1, 1};
    tb_attr_ints(b, c, "pads", 4, pads);
    tb_node(b, "BatchNormalization", "c,scale,shift,mean,var", "bn");
    if (!strcmp(act, "Clip")) {
        int64_t sd[1] = {1};
        float lo = 0, hi = 6;
        tb_init(b, "lo", 1, 0, sd, &lo, 0);
        tb_init(b, "hi", 1, 0, sd, &hi, 0);
        tb_node(b, "Clip", "bn,lo,hi", "y");
    } else {
        Onnx__NodeProto *a = tb_node(b, act, "bn", "y");
        if (!strcmp(act, "LeakyRelu"))
            tb_attr_f(b, a, "alpha", 0.2f);
    }
    tb_output(b, "y");
    return b;
}

static void test_bn_fold_and_activations(void **state)
{
    (void)state;
    static const char *const acts[] = {"Relu", "Clip", "LeakyRelu", "HardSwish", "Sigmoid", "HardSigmoid"};
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        tb *b = conv_bn(acts[i]);
        ait_pass_stats st = check_model(b, 800);
        assert_int_equal(st.bn_folded, 1);
        assert_int_equal(st.fused, 1);
        tb_free(b);
    }
}

/* x -> Conv 3x3 (weights of scale w) = t -> gate(t) = g -> Mul(t, g) (or Mul(g, t)) -> y: SiLU and
 * torch's Hardswish (HardSigmoid then Mul) as one epilogue; a large scale drives the vector
 * sigmoid's exp into its clamps */
static tb *gated_conv(const char *gate, int gate_first, float w)
{
    tb *b = tb_new(13);
    int64_t xd[4] = {1, 8, 10, 10}, wd[4] = {16, 8, 3, 3};
    tb_input(b, "x", 1, 4, xd);
    init_random(b, "W", 4, wd, 21, -w, w);
    Onnx__NodeProto *c = tb_node(b, "Conv", "x,W", "t");
    int64_t pads[4] = {1, 1, 1, 1};
    tb_attr_ints(b, c, "pads", 4, pads);
    tb_node(b, gate, "t", "g");
    tb_node(b, "Mul", gate_first ? "g,t" : "t,g", "y");
    tb_output(b, "y");
    return b;
}

static void test_gated_activations(void **state)
{
    (void)state;
    static const char *const gates[] = {"Sigmoid", "HardSigmoid"};
    for (int i = 0; i < 2; i++)
        for (int order = 0; order < 2; order++)
            for (int big = 0; big < 2; big++) {
                tb *b = gated_conv(gates[i], order, big ? 40.0f : 0.5f);
                ait_pass_stats st = check_model(b, 800);
                assert_int_equal(st.fused, 2); /* the gate and the Mul */
                tb_free(b);
            }
    /* t read by a third node: not fused (the Conv must still write t) */
    tb *b = tb_new(13);
    int64_t xd[4] = {1, 8, 10, 10}, wd[4] = {16, 8, 3, 3};
    tb_input(b, "x", 1, 4, xd);
    init_random(b, "W", 4, wd, 21, -0.5f, 0.5f);
    tb_node(b, "Conv", "x,W", "t");
    tb_node(b, "Sigmoid", "t", "g");
    tb_node(b, "Mul", "t,g", "m");
    tb_node(b, "Add", "m,t", "y");
    tb_output(b, "y");
    size_t len;
    const uint8_t *bytes = tb_pack(b, &len);
    float *x = randoms(800, 7, -1, 1);
    ait_pass_stats st;
    int64_t n;
    int k;
    free(run(bytes, len, 1, "simd", x, &n, &st, &k));
    assert_int_equal(st.fused, 0);
    free(x);
    tb_free(b);
}

/* x[1,8,H,W] -> Conv 1x1 -> Relu -> GlobalAveragePool -> y: simd's vector sums over planes of
 * whole vector groups, single vectors and a scalar tail */
static void test_global_average_pool(void **state)
{
    (void)state;
    static const int64_t hw[] = {1, 4, 7, 8, 13, 16, 23};
    for (size_t i = 0; i < sizeof hw / sizeof hw[0]; i++) {
        tb *b = tb_new(13);
        int64_t xd[4] = {1, 8, hw[i], hw[i]}, wd[4] = {24, 8, 1, 1};
        tb_input(b, "x", 1, 4, xd);
        init_random(b, "W", 4, wd, 41, -0.5f, 0.5f);
        tb_node(b, "Conv", "x,W", "c");
        tb_node(b, "Relu", "c", "r");
        tb_node(b, "GlobalAveragePool", "r", "y");
        tb_output(b, "y");
        check_model(b, 8 * hw[i] * hw[i]);
        tb_free(b);
    }
}

/* x[1,C,H,W] -> ConvTranspose (k, stride, pads, dilation, output padding, group, bias) ->
 * Conv 1x1 -> Relu -> y: simd's scatter of input rows, at every tap's edges of the output */
static void conv_transpose_case(int64_t c, int64_t co, int64_t group, int64_t h, int64_t w, int64_t k, int64_t s,
                                int64_t pad, int64_t dil, int64_t outpad, int bias)
{
    tb *b = tb_new(13);
    int64_t xd[4] = {1, c, h, w}, wd[4] = {c, co / group, k, k}, bd[1] = {co}, w1[4] = {4, co, 1, 1};
    tb_input(b, "x", 1, 4, xd);
    init_random(b, "W", 4, wd, 51, -0.5f, 0.5f);
    init_random(b, "B", 1, bd, 52, -0.5f, 0.5f);
    init_random(b, "W1", 4, w1, 53, -0.5f, 0.5f);
    Onnx__NodeProto *t = tb_node(b, "ConvTranspose", bias ? "x,W,B" : "x,W", "t");
    int64_t pads[4] = {pad, pad, pad, pad}, strides[2] = {s, s}, dils[2] = {dil, dil}, op[2] = {outpad, outpad};
    tb_attr_ints(b, t, "pads", 4, pads);
    tb_attr_ints(b, t, "strides", 2, strides);
    tb_attr_ints(b, t, "dilations", 2, dils);
    tb_attr_ints(b, t, "output_padding", 2, op);
    tb_attr_i(b, t, "group", group);
    tb_node(b, "Conv", "t,W1", "c");
    tb_node(b, "Relu", "c", "y");
    tb_output(b, "y");
    must_emit = "const long ow0 = kw * DW - PW;";
    must_emit_simd = co / group >= 8 ? "AIT_ST(zp, AIT_LD(zp) + xr[iw] * wv);" : NULL;
    check_model(b, c * h * w);
    must_emit = must_emit_simd = NULL;
    tb_free(b);
}

static void test_conv_transpose(void **state)
{
    (void)state;
    conv_transpose_case(32, 16, 1, 16, 16, 2, 2, 0, 1, 0, 1); /* U-Net's upsampling */
    conv_transpose_case(8, 6, 1, 7, 5, 3, 2, 1, 1, 1, 1);     /* pads, output padding */
    conv_transpose_case(8, 8, 2, 6, 6, 3, 1, 2, 2, 0, 0);     /* groups, dilation, no bias */
    conv_transpose_case(4, 4, 4, 5, 9, 4, 3, 1, 1, 2, 1);     /* depthwise, taps past the stride */
    conv_transpose_case(16, 32, 2, 6, 7, 3, 2, 1, 1, 1, 1);   /* channels-last scratch: groups, pads */
    conv_transpose_case(8, 10, 1, 5, 5, 3, 1, 1, 1, 0, 0);    /* a group's channels padded to vectors */
    conv_transpose_case(8, 24, 1, 4, 4, 3, 2, 0, 2, 1, 1);    /* dilation */
}

/* x[1,C,H,W] -> Conv 3x3 (dilation d, pads d, groups) -> Relu -> y: at d past the image's height
 * (or width) the outer rows (columns) of taps read only padding, and the Conv runs without them,
 * as DeepLabV3's ASPP does at a small input */
static void dead_taps_case(int64_t c, int64_t group, int64_t h, int64_t w, int64_t d, int pruned)
{
    tb *b = tb_new(13);
    int64_t xd[4] = {1, c, h, w}, wd[4] = {c, c / group, 3, 3}, bd[1] = {c};
    tb_input(b, "x", 1, 4, xd);
    init_random(b, "W", 4, wd, 51, -0.5f, 0.5f);
    init_random(b, "B", 1, bd, 52, -0.5f, 0.5f);
    Onnx__NodeProto *cv = tb_node(b, "Conv", "x,W,B", "c");
    int64_t pads[4] = {d, d, d, d}, dils[2] = {d, d};
    tb_attr_ints(b, cv, "pads", 4, pads);
    tb_attr_ints(b, cv, "dilations", 2, dils);
    tb_attr_i(b, cv, "group", group);
    tb_node(b, "Relu", "c", "y");
    tb_output(b, "y");
    ait_pass_stats st = check_model(b, c * h * w);
    assert_int_equal(st.taps_pruned, pruned);
    tb_free(b);
}

static void test_dead_taps(void **state)
{
    (void)state;
    dead_taps_case(16, 1, 5, 5, 6, 1);   /* the center tap alone: a 1x1 Conv */
    dead_taps_case(16, 1, 5, 20, 6, 1);  /* rows of taps cut, columns kept */
    dead_taps_case(16, 16, 5, 5, 6, 1);  /* depthwise */
    dead_taps_case(16, 4, 7, 7, 12, 1);  /* grouped */
    dead_taps_case(16, 1, 7, 7, 3, 0);   /* every tap reads the input somewhere */
}

/* x -> Conv 1x1 -> Relu = r; Conv 1x1 (r) -> Add(r) -> Relu -> y: a residual block */
static void test_residual_add(void **state)
{
    (void)state;
    tb *b = tb_new(13);
    int64_t xd[4] = {1, 16, 7, 7}, wd[4] = {16, 16, 1, 1};
    tb_input(b, "x", 1, 4, xd);
    init_random(b, "W1", 4, wd, 11, -0.5f, 0.5f);
    init_random(b, "W2", 4, wd, 12, -0.5f, 0.5f);
    tb_node(b, "Conv", "x,W1", "c1");
    tb_node(b, "Relu", "c1", "r");
    tb_node(b, "Conv", "r,W2", "c2");
    tb_node(b, "Add", "c2,r", "s");
    tb_node(b, "Relu", "s", "y");
    tb_output(b, "y");
    ait_pass_stats st = check_model(b, 16 * 49);
    assert_int_equal(st.fused, 3); /* Relu, Add, Relu */
    tb_free(b);
}

/* Two branches joined by Add, as ResNet's downsample and RegNet's projection export them:
 * the Add's first operand comes from the Conv that runs first, so the residual can only be
 * fused into the second Conv (fusing it into the first would read a tensor not yet computed). */
static void test_residual_add_of_two_branches(void **state)
{
    (void)state;
    for (int order = 0; order < 2; order++) {
        tb *b = tb_new(13);
        int64_t xd[4] = {1, 8, 6, 6}, wd[4] = {16, 8, 1, 1}, w3[4] = {16, 8, 3, 3};
        tb_input(b, "x", 1, 4, xd);
        init_random(b, "Wp", 4, wd, 21, -0.5f, 0.5f);
        init_random(b, "Wf", 4, w3, 22, -0.5f, 0.5f);
        Onnx__NodeProto *f = tb_node(b, "Conv", "x,Wf", "f");
        int64_t pads[4] = {1, 1, 1, 1};
        tb_attr_ints(b, f, "pads", 4, pads);
        tb_node(b, "Conv", "x,Wp", "p");
        tb_node(b, "Add", order ? "p,f" : "f,p", "s");
        tb_node(b, "Relu", "s", "y");
        tb_output(b, "y");
        ait_pass_stats st = check_model(b, 8 * 36);
        assert_int_equal(st.fused, 2); /* Add, Relu into the second Conv */
        tb_free(b);
    }
}

/* Clip with min > max gives max everywhere (ONNX Clip-13): unfused, and fused into a Conv under
 * every backend. */
static void test_clip_min_above_max(void **state)
{
    (void)state;
    tb *b = tb_new(13);
    int64_t xd[4] = {1, 4, 5, 5}, wd[4] = {8, 4, 3, 3}, sd[1] = {1};
    tb_input(b, "x", 1, 4, xd);
    init_random(b, "W", 4, wd, 31, -0.5f, 0.5f);
    float lo = 2, hi = -1;
    tb_init(b, "lo", 1, 0, sd, &lo, 0);
    tb_init(b, "hi", 1, 0, sd, &hi, 0);
    tb_node(b, "Conv", "x,W", "c");
    tb_node(b, "Clip", "c,lo,hi", "y");
    tb_output(b, "y");
    size_t len;
    const uint8_t *bytes = tb_pack(b, &len);
    float *x = randoms(100, 5, -1, 1);
    static const char *const backends[] = {NULL, "simd", "tiled"};
    for (int passes = 0; passes < 2; passes++)
        for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
            ait_pass_stats st;
            int64_t n;
            int k;
            float *y = run(bytes, len, passes, passes ? backends[i] : NULL, x, &n, &st, &k);
            for (int64_t j = 0; j < n; j++)
                if (y[j] != -1)
                    fail_msg("%s, passes %d: element %lld is %g, not max = -1", backends[i] ? backends[i] : "reference",
                             passes, (long long)j, y[j]);
            free(y);
        }
    free(x);
    tb_free(b);
}

/* ReduceMax over an empty axis is -inf (ONNX ReduceMax-18: an empty set yields minus infinity). */
static void test_reduce_max_of_nothing(void **state)
{
    (void)state;
    for (int keep = 0; keep < 2; keep++) {
        tb *b = tb_new(13);
        int64_t xd[2] = {3, 0}, ax[1] = {1};
        tb_input(b, "x", 1, 2, xd);
        Onnx__NodeProto *n = tb_node(b, "ReduceMax", "x", "y");
        tb_attr_ints(b, n, "axes", 1, ax);
        tb_attr_i(b, n, "keepdims", keep);
        tb_output(b, "y");
        size_t len;
        const uint8_t *bytes = tb_pack(b, &len);
        float x[1] = {0};
        ait_pass_stats st;
        int64_t cnt;
        int k;
        float *y = run(bytes, len, 0, NULL, x, &cnt, &st, &k);
        assert_int_equal(cnt, 3);
        for (int i = 0; i < 3; i++)
            assert_true(isinf(y[i]) && y[i] < 0);
        free(y);
        tb_free(b);
    }
}

/* x[3,20] -> Identity -> Gemm (transB, bias) -> Dropout -> Relu -> MatMul W2 -> Sigmoid -> y */
static void test_gemm_matmul_epilogues_and_drops(void **state)
{
    (void)state;
    tb *b = tb_new(13);
    int64_t xd[2] = {3, 20}, wd[2] = {33, 20}, bd[1] = {33}, w2d[2] = {33, 17};
    tb_input(b, "x", 1, 2, xd);
    init_random(b, "W", 2, wd, 21, -0.5f, 0.5f);
    init_random(b, "B", 1, bd, 22, -0.5f, 0.5f);
    init_random(b, "W2", 2, w2d, 23, -0.5f, 0.5f);
    tb_node(b, "Identity", "x", "xi");
    Onnx__NodeProto *g = tb_node(b, "Gemm", "xi,W,B", "h");
    tb_attr_i(b, g, "transB", 1);
    tb_node(b, "Dropout", "h", "hd");
    tb_node(b, "Relu", "hd", "r");
    tb_node(b, "MatMul", "r,W2", "m");
    tb_node(b, "Sigmoid", "m", "y");
    tb_output(b, "y");
    ait_pass_stats st = check_model(b, 60);
    assert_int_equal(st.dropped, 2);
    assert_int_equal(st.fused, 2);
    tb_free(b);
}

/* x[1,C,H,W] -> Conv (group g, k x k, stride s, pads k/2) -> Clip(0, 6) -> y: depthwise and
 * im2col convs with their own plane and border handling in simd/tiled */
static void conv_case(int64_t c_in, int64_t c_out, int64_t group, int64_t hw, int64_t stride, int64_t k)
{
    tb *b = tb_new(13);
    int64_t xd[4] = {1, c_in, hw, hw}, wd[4] = {c_out, c_in / group, k, k}, bd[1] = {c_out}, sd[1] = {1};
    tb_input(b, "x", 1, 4, xd);
    init_random(b, "W", 4, wd, 31, -0.5f, 0.5f);
    init_random(b, "B", 1, bd, 32, -0.5f, 0.5f);
    float lo = 0, hi = 6;
    tb_init(b, "lo", 1, 0, sd, &lo, 0);
    tb_init(b, "hi", 1, 0, sd, &hi, 0);
    Onnx__NodeProto *c = tb_node(b, "Conv", "x,W,B", "c");
    int64_t pads[4] = {k / 2, k / 2, k / 2, k / 2}, strides[2] = {stride, stride};
    tb_attr_ints(b, c, "pads", 4, pads);
    tb_attr_ints(b, c, "strides", 2, strides);
    tb_attr_i(b, c, "group", group);
    tb_node(b, "Clip", "c,lo,hi", "y");
    tb_output(b, "y");
    ait_pass_stats st = check_model(b, c_in * hw * hw);
    assert_int_equal(st.fused, 1);
    tb_free(b);
}

/* x[1,4,H,W] -> Conv k x k (dilation d, pads top/left lo, bottom/right hi) -> Relu -> y: im2col
 * as shifted copies of the input (stride 1, output as wide as the input) and the general one */
static void im2col_case(int64_t h, int64_t w, int64_t k, int64_t dil, int64_t lo, int64_t hi)
{
    tb *b = tb_new(13);
    int64_t xd[4] = {1, 4, h, w}, wd[4] = {6, 4, k, k};
    tb_input(b, "x", 1, 4, xd);
    init_random(b, "W", 4, wd, 61, -0.5f, 0.5f);
    Onnx__NodeProto *c = tb_node(b, "Conv", "x,W", "c");
    int64_t pads[4] = {lo, lo, hi, hi}, dils[2] = {dil, dil};
    tb_attr_ints(b, c, "pads", 4, pads);
    tb_attr_ints(b, c, "dilations", 2, dils);
    tb_node(b, "Relu", "c", "y");
    tb_output(b, "y");
    check_model(b, 4 * h * w);
    tb_free(b);
}

static void test_im2col_shifted(void **state)
{
    (void)state;
    im2col_case(9, 9, 3, 2, 2, 2);   /* dilated */
    im2col_case(7, 11, 5, 1, 2, 2);  /* 5x5, not square */
    im2col_case(8, 8, 4, 1, 1, 2);   /* even kernel, pads not symmetric */
    im2col_case(6, 6, 3, 1, 0, 2);   /* all padding on one side */
    im2col_case(10, 10, 3, 1, 0, 0); /* narrower output: the general im2col */
    im2col_case(3, 3, 3, 1, 1, 1);
    /* past 1 MB the im2col is built a block of columns at a time (fused_width): blocks that
     * start and end inside output rows, dilation and one-sided pads, stride 2 (a 7x7 stem),
     * every tile variant, in 2 and 3 tasks */
    must_emit_simd = "float *const xb = s0";
    compare_tasks = 1;
    im2col_case(90, 101, 3, 2, 2, 1);
    im2col_case(80, 120, 5, 1, 0, 2);
    im2col_case(90, 100, 3, 1, 1, 1); /* as wide as the input: one copy a tap (im2col_shifted_cols) */
    im2col_case(90, 100, 3, 2, 2, 2);
    im2col_case(85, 96, 4, 1, 1, 2);
    im2col_case(75, 130, 5, 1, 2, 2);
    for (variant = -1; variant < 8; variant++)
        if (variant < 4 || variant == 7) /* 4-6 turn the Conv around: no im2col blocks */
            conv_case(3, 24, 1, 100, 2, 7);
    variant = -1;
    compare_tasks = 0;
    must_emit_simd = NULL;
}

static void test_depthwise_and_im2col_convs(void **state)
{
    (void)state;
    static const int64_t hw[] = {3, 5, 7, 14, 15, 28, 56}; /* 3, 5: rows narrower than half a vector */
    for (size_t i = 0; i < sizeof hw / sizeof hw[0]; i++)
        for (int64_t s = 1; s <= 2; s++) {
            conv_case(8, 8, 8, hw[i], s, 3);   /* depthwise */
            conv_case(32, 32, 32, hw[i], s, 3);
            conv_case(3, 8, 1, hw[i], s, 3);   /* im2col */
            conv_case(16, 27, 1, hw[i], 1, 1); /* pointwise: rows and columns past whole tiles */
        }
    conv_case(192, 192, 192, 28, 2, 3); /* mobilenet_v2's shapes */
    conv_case(384, 384, 384, 14, 1, 3);
    /* grouped: one GEMM per group (RegNet's and ResNeXt's 3x3, a 1x1 grouped, a depthwise
     * multiplier, stride 3 past the depthwise kernel's 2) */
    conv_case(32, 32, 2, 14, 2, 3);
    conv_case(64, 64, 4, 7, 1, 3);
    conv_case(48, 24, 3, 9, 1, 1);
    conv_case(8, 16, 8, 10, 1, 3);
    conv_case(8, 8, 8, 11, 3, 3);
}

/* x[1,C,H,W] -> Conv k x k (pads k/2, bias) -> act [-> Add(x)] -> y, under every knob variant
 * of the simd and tiled backends: tile shapes, column blocks, and the turned-around form
 * (vectors along output channels, pixel tiles, transposed store) with its panel and pixel
 * tails */
static void variant_case(int64_t c_in, int64_t c_out, int64_t hw, int64_t k, const char *act, int residual)
{
    tb *b = tb_new(13);
    int64_t xd[4] = {1, c_in, hw, hw}, wd[4] = {c_out, c_in, k, k}, bd[1] = {c_out};
    tb_input(b, "x", 1, 4, xd);
    init_random(b, "W", 4, wd, 51, -0.5f, 0.5f);
    init_random(b, "B", 1, bd, 52, -0.5f, 0.5f);
    Onnx__NodeProto *c = tb_node(b, "Conv", "x,W,B", "c");
    int64_t pads[4] = {k / 2, k / 2, k / 2, k / 2};
    tb_attr_ints(b, c, "pads", 4, pads);
    tb_node(b, act, "c", residual ? "a" : "y");
    if (residual)
        tb_node(b, "Add", "a,x", "y");
    tb_output(b, "y");
    ait_pass_stats st = check_model(b, c_in * hw * hw);
    assert_int_equal(st.fused, residual ? 2 : 1);
    tb_free(b);
}

/* x[rows,k] -> Gemm (W [n,k] transposed, bias) or MatMul (W [k,n]) -> Relu -> y; weights and bias
 * from seeds seed and seed + 1 */
static void matmul_case(int64_t rows, int64_t k, int64_t n, int gemm, unsigned seed)
{
    tb *b = tb_new(13);
    int64_t xd[2] = {rows, k}, wd[2] = {gemm ? n : k, gemm ? k : n}, bd[1] = {n};
    tb_input(b, "x", 1, 2, xd);
    init_random(b, "W", 2, wd, seed, -0.5f, 0.5f);
    init_random(b, "B", 1, bd, seed + 1, -0.5f, 0.5f);
    if (gemm)
        tb_attr_i(b, tb_node(b, "Gemm", "x,W,B", "m"), "transB", 1);
    else
        tb_node(b, "MatMul", "x,W", "m");
    tb_node(b, "Relu", "m", "y");
    tb_output(b, "y");
    check_model(b, rows * k);
    tb_free(b);
}

/* x[b,m,k] -> MatMul of two run-time operands -> Relu -> y, as attention's Q K^T and P V:
 * kind 0 x x^T [b,m,m]; 1 x^T x [b,k,k]; 2 mean(x) x^T (A broadcast over batches); 3 x mean(x)^T
 * (B broadcast) */
static void runtime_matmul_case(int64_t batch, int64_t m, int64_t k, int kind)
{
    tb *b = tb_new(13);
    int64_t xd[3] = {batch, m, k}, perm[3] = {0, 2, 1}, axes[1] = {0};
    tb_input(b, "x", 1, 3, xd);
    tb_attr_ints(b, tb_node(b, "Transpose", "x", "xt"), "perm", 3, perm);
    if (kind >= 2) {
        Onnx__NodeProto *r = tb_node(b, "ReduceMean", kind == 2 ? "x" : "xt", "mean");
        tb_attr_ints(b, r, "axes", 1, axes);
        tb_attr_i(b, r, "keepdims", 0);
    }
    static const char *const ops[] = {"x,xt", "xt,x", "mean,xt", "x,mean"};
    tb_node(b, "MatMul", ops[kind], "mm");
    tb_node(b, "Relu", "mm", "y");
    tb_output(b, "y");
    must_emit = "const float *const xb = x1 + boff[bi]";
    check_model(b, batch * m * k);
    must_emit = NULL;
    tb_free(b);
}

static void test_runtime_matmul(void **state)
{
    (void)state;
    for (variant = 0; variant < 6; variant++) {
        runtime_matmul_case(4, 65, 16, 0); /* vit's scores: 65 columns, a 1-column last panel */
        runtime_matmul_case(2, 9, 70, 1);  /* 70 x 70: full panels, a tail of rows */
        runtime_matmul_case(3, 13, 20, 2);
        runtime_matmul_case(3, 20, 13, 3);
        runtime_matmul_case(1, 2, 5, 0);   /* fewer rows than a tile, fewer columns than a vector */
    }
    variant = -1;
}

/* x[1,4,10,10] -> Conv 1x1 -> Erf, or Gelu (opset 20) -> y: the vectorizable erf */
static void erf_case(int gelu)
{
    tb *b = tb_new(gelu ? 20 : 13);
    int64_t xd[4] = {1, 4, 10, 10}, wd[4] = {4, 4, 1, 1};
    tb_input(b, "x", 1, 4, xd);
    init_random(b, "W", 4, wd, 33, -3.0f, 3.0f); /* past erf's saturation at |x| = 4 */
    tb_node(b, "Conv", "x,W", "c");
    tb_node(b, "Relu", "c", "r");
    tb_node(b, gelu ? "Gelu" : "Erf", "r", "y");
    tb_output(b, "y");
    must_emit = "-2.72614225801306e-10f";
    check_model(b, 400);
    must_emit = NULL;
    tb_free(b);
}

static void test_erf(void **state)
{
    (void)state;
    erf_case(0);
    erf_case(1);
}

/* x[rows,40] -> Gemm / MatMul to 300 columns: the matrix-vector tiles (1 x up to 16 vectors)
 * with a partial last panel */
static void gemv_case(int64_t rows, int gemm)
{
    matmul_case(rows, 40, 300, gemm, 71);
}

/* Winograd's variants (8-11 of a 3x3 stride-1 Conv: F(2x2) and F(4x4), two tiles each) round
 * differently from a direct sum: they are held to the knob search's own gate, an error within
 * 1e-5 of the output's largest magnitude on top of the strict per-element one.  F(2x2) at 10x10
 * and 14x14, F(4x4) at 20x20 and 21x21 (partial tiles at the edges), a residual Add, channel
 * counts that are no multiple of a tile's rows; in 2 and 3 tasks, the serial bits, each task a
 * share of the tiles in whole vectors (7 and 6 of 13 at 28x28, several blocks each). */
static void test_winograd(void **state)
{
    (void)state;
    scale_tol = 1e-5f;
    must_emit_simd = "Winograd F(";
    compare_tasks = 1;
    for (variant = 8; variant < 12; variant++) {
        if (variant < 10) {
            variant_case(16, 32, 14, 3, "Relu", 0);
            variant_case(24, 24, 10, 3, "Relu", 1);
            variant_case(128, 128, 28, 3, "Relu", 1); /* 13 vectors of tiles: blocks of 4 within a share */
        }
        variant_case(13, 19, 21, 3, "Relu", 0);
        variant_case(32, 32, 20, 3, "Sigmoid", 1);
    }
    variant = -1;
    compare_tasks = 0;
    must_emit_simd = NULL;
    scale_tol = 0;
}

/* The packed weights of a node under simd, each variant then the defaults: how many floats
 * (int8 / fp16 elements) its panels hold, and the vector width. */
static int64_t packed_numel(tb *b, int v, int *vl)
{
    size_t len;
    const uint8_t *bytes = tb_pack(b, &len);
    ait_arena a = {0};
    ait_graph *g;
    ait_diag d = {0};
    assert_int_equal(ait_onnx_load_bytes(&a, "pack.onnx", bytes, len, &g, &d), AIT_OK);
    assert_int_equal(ait_graph_resolve(g, &d), AIT_OK);
    ait_pass_stats st;
    ait_graph_passes(g, &st);
    const ait_backend *be = ait_backend_find("simd");
    variant = v;
    apply_variant(be, g);
    variant = -1;
    be->prepare(be, g);
    int64_t numel = -1;
    for (int k = 0; k < g->n_nodes; k++)
        if (g->nodes[k].pack_in)
            numel = ait_tensor_numel(ait_node_in(g, &g->nodes[k], g->nodes[k].pack_in));
    *vl = ait_simd_base(g)->vl;
    ait_arena_free_all(&a);
    return numel;
}

/* A GEMM's panels are no wider than its columns rounded up to a vector: a 10-class head
 * (Gemm 64 -> 10, one row) was packed 240 columns wide, 24x its weights in the constants, the
 * knob search's wide matrix-vector tiles; a Conv turned around (order 1) by its output
 * channels, 64 of them once in two panels of 3 vectors (96 columns).  Every variant, and each
 * still right (check_model). */
static void test_panels_no_wider_than_columns(void **state)
{
    (void)state;
    for (int v = -1; v < 12; v++) {
        tb *b = tb_new(13);
        int64_t xd[2] = {1, 64}, wd[2] = {10, 64}, bd[1] = {10};
        tb_input(b, "x", 1, 2, xd);
        init_random(b, "W", 2, wd, 81, -0.5f, 0.5f);
        init_random(b, "B", 1, bd, 82, -0.5f, 0.5f);
        tb_attr_i(b, tb_node(b, "Gemm", "x,W,B", "m"), "transB", 1);
        tb_node(b, "Relu", "m", "y");
        tb_output(b, "y");
        int vl;
        int64_t numel = packed_numel(b, v, &vl);
        if (numel != 64 * ((10 + vl - 1) / vl) * vl)
            fail_msg("Gemm 64 -> 10, variant %d: %lld packed floats at vl %d", v, (long long)numel, vl);
        variant = v;
        check_model(b, 64);
        variant = -1;
        tb_free(b);
    }
    for (int i = 0; i < 6; i++) { /* the order-1 tiles (4-6) of a 3x3 Conv, 24 and 64 output channels */
        int v = 4 + i % 3;
        int64_t cout = i < 3 ? 24 : 64;
        tb *b = tb_new(13);
        int64_t xd[4] = {1, 8, 14, 14}, wd[4] = {cout, 8, 3, 3}, pads[4] = {1, 1, 1, 1};
        tb_input(b, "x", 1, 4, xd);
        init_random(b, "W", 4, wd, 83, -0.5f, 0.5f);
        tb_attr_ints(b, tb_node(b, "Conv", "x,W", "c"), "pads", 4, pads);
        tb_node(b, "Relu", "c", "y");
        tb_output(b, "y");
        int vl;
        int64_t numel = packed_numel(b, v, &vl);
        if (numel > 72 * ((cout + vl - 1) / vl) * vl)
            fail_msg("Conv 8 -> %lld 3x3, variant %d: %lld packed floats at vl %d", (long long)cout, v, (long long)numel,
                     vl);
        variant = v;
        check_model(b, 8 * 14 * 14);
        variant = -1;
        tb_free(b);
    }
}

static void test_knob_variants(void **state)
{
    (void)state;
    for (variant = 0; variant < 12; variant++) {
        gemv_case(1, 1);
        gemv_case(2, 0);
        variant_case(16, 40, 7, 1, "Relu", 0);     /* 49 pixels, a partial channel panel */
        variant_case(24, 24, 7, 1, "Relu", 1);     /* residual Add through the transposed store */
        variant_case(8, 64, 14, 3, "Sigmoid", 0);  /* im2col; a sigmoid epilogue (vectors in simd) */
        variant_case(160, 96, 5, 1, "Relu", 0);    /* pixels fewer than a tile */
        variant_case(3, 17, 9, 3, "Relu", 0);
        conv_case(32, 32, 4, 9, 1, 3); /* grouped: every tile shape and the column blocks */
    }
    /* past 1024 steps of K, order 1 sweeps K in blocks (1296 = 512 + 512 + 272, 1100, 1152),
     * in 2 and 3 tasks too: by panels (40 channels) and by pixel tiles (16) */
    compare_tasks = 1;
    for (variant = 4; variant < 7; variant++) {
        variant_case(144, 40, 7, 3, "Relu", 0);
        variant_case(144, 16, 7, 3, "Relu", 0);
        variant_case(1100, 24, 5, 1, "Sigmoid", 0);
        variant_case(128, 128, 7, 3, "Relu", 1);
    }
    compare_tasks = 0;
    variant = -1;
}

/* x -> Conv 1x1 -> Relu -> MaxPool / AveragePool (k x k, stride s, pads, ceil_mode) -> y: the
 * pooling windows of the simd and tiled backends */
static void pool_case(const char *op, int64_t hw, int64_t k, int64_t s, int64_t pad, int64_t ceil_mode)
{
    tb *b = tb_new(13);
    int64_t xd[4] = {1, 8, hw, hw}, wd[4] = {8, 8, 1, 1};
    tb_input(b, "x", 1, 4, xd);
    init_random(b, "W", 4, wd, 41, -0.5f, 0.5f);
    tb_node(b, "Conv", "x,W", "c");
    tb_node(b, "Relu", "c", "r");
    Onnx__NodeProto *p = tb_node(b, op, "r", "y");
    int64_t ks[2] = {k, k}, st[2] = {s, s}, pads[4] = {pad, pad, pad, pad};
    tb_attr_ints(b, p, "kernel_shape", 2, ks);
    tb_attr_ints(b, p, "strides", 2, st);
    tb_attr_ints(b, p, "pads", 4, pads);
    tb_attr_i(b, p, "ceil_mode", ceil_mode);
    tb_output(b, "y");
    check_model(b, 8 * hw * hw);
    tb_free(b);
}

static void test_pooling_windows(void **state)
{
    (void)state;
    static const int64_t hw[] = {7, 14, 33};
    for (size_t i = 0; i < sizeof hw / sizeof hw[0]; i++) {
        pool_case("MaxPool", hw[i], 2, 2, 0, 0);
        pool_case("MaxPool", hw[i], 3, 2, 1, 0);
        pool_case("MaxPool", hw[i], 3, 2, 0, 0);
        pool_case("MaxPool", hw[i], 3, 1, 1, 0);
        pool_case("MaxPool", hw[i], 2, 2, 0, 1);
        pool_case("AveragePool", hw[i], 2, 2, 0, 0);
        pool_case("AveragePool", hw[i], 3, 1, 0, 0);
        pool_case("AveragePool", hw[i], 3, 2, 1, 0); /* padded: the reference's kernel */
    }
    /* rows of several tiles (more than 4 vectors) ending in a partial vector: inception_v3's
     * 147 -> 73 MaxPool wrote each row's tail over the next row's start */
    pool_case("MaxPool", 147, 3, 2, 0, 0);
    pool_case("MaxPool", 75, 3, 1, 1, 0);
    pool_case("AveragePool", 75, 3, 1, 0, 0);
}

/* x[1,C,H,W] -> depthwise Conv 3x3 (stride s) -> Sigmoid -> Mul [-> Add(x)] -> y: a SiLU (or
 * a residual Add) fused into the depthwise kernel, whose rows end where tasks meet */
static void depthwise_epilogue_case(int64_t c, int64_t hw, int64_t s, int residual)
{
    tb *b = tb_new(13);
    int64_t xd[4] = {1, c, hw, hw}, wd[4] = {c, 1, 3, 3};
    tb_input(b, "x", 1, 4, xd);
    init_random(b, "W", 4, wd, 81, -0.5f, 0.5f);
    Onnx__NodeProto *cv = tb_node(b, "Conv", "x,W", "c");
    int64_t pads[4] = {1, 1, 1, 1}, st[2] = {s, s};
    tb_attr_ints(b, cv, "pads", 4, pads);
    tb_attr_ints(b, cv, "strides", 2, st);
    tb_attr_i(b, cv, "group", c);
    if (residual) {
        tb_node(b, "Add", "c,x", "y");
    } else {
        tb_node(b, "Sigmoid", "c", "g");
        tb_node(b, "Mul", "c,g", "y");
    }
    tb_output(b, "y");
    check_model(b, c * hw * hw);
    tb_free(b);
}

/* Kernels split into tasks (DESIGN.md, "Threads in the emitted code") compute the same bits as
 * serial ones, whatever the split: each kind of split kernel of the simd and tiled backends,
 * at shapes large enough to be split, with their tails where tasks meet. */
static void test_threads_bitwise(void **state)
{
    (void)state;
    compare_tasks = 1;
    conv_case(32, 32, 32, 56, 1, 3);  /* depthwise: channels a task */
    conv_case(32, 32, 32, 56, 2, 3);
    conv_case(3, 16, 1, 56, 2, 3);    /* im2col, then column panels a task */
    conv_case(64, 64, 1, 7, 1, 3);    /* im2col, then row panels a task */
    conv_case(16, 27, 1, 55, 1, 1);   /* pointwise, columns; the last task's strip */
    conv_case(64, 96, 1, 7, 1, 1);    /* pointwise, rows; a strip per task */
    conv_case(64, 64, 4, 14, 1, 3);   /* grouped: groups a task */
    depthwise_epilogue_case(256, 10, 1, 0);  /* bands of rows; a row spills into the next, not past a band */
    depthwise_epilogue_case(256, 10, 1, 1);
    depthwise_epilogue_case(512, 7, 1, 0);   /* channels; rows spill into the next channel, not past a task's */
    depthwise_epilogue_case(512, 14, 2, 0);
    depthwise_epilogue_case(512, 7, 1, 1);
    pool_case("MaxPool", 147, 3, 2, 0, 0);
    pool_case("AveragePool", 75, 3, 1, 0, 0);
    matmul_case(4, 256, 1000, 1, 91);
    matmul_case(7, 320, 700, 0, 91);
    runtime_matmul_case(4, 65, 64, 0); /* run-time B: batches a task */
    runtime_matmul_case(3, 40, 64, 1);
    static const int variants[] = {1, 4, 5, 7}; /* tiles, XW (panels or pixels a task), blocks */
    for (size_t v = 0; v < sizeof variants / sizeof variants[0] && (variant = variants[v]) >= 0; v++) {
        variant_case(96, 96, 7, 1, "Relu", 1);
        variant_case(16, 64, 28, 3, "Sigmoid", 0);
        matmul_case(3, 600, 500, 0, 91);
    }
    variant = -1;
    {
        tb *b = tb_new(13); /* GlobalAveragePool: planes a task */
        int64_t xd[4] = {1, 16, 112, 112}, wd[4] = {16, 16, 1, 1};
        tb_input(b, "x", 1, 4, xd);
        init_random(b, "W", 4, wd, 41, -0.5f, 0.5f);
        tb_node(b, "Conv", "x,W", "c");
        tb_node(b, "Relu", "c", "r");
        tb_node(b, "GlobalAveragePool", "r", "y");
        tb_output(b, "y");
        check_model(b, 16 * 112 * 112);
        tb_free(b);
    }
    compare_tasks = 0;
}

/* A kernel the knob search holds to one task (knobs[AIT_KNOB_SERIAL]) emits no split in code
 * with threads, and computes the same bits: each kind of kernel that splits. */
static void test_serial_knob(void **state)
{
    (void)state;
    compare_tasks = serial_knob = 1;
    conv_case(32, 32, 32, 56, 1, 3); /* depthwise */
    conv_case(3, 16, 1, 56, 2, 3);   /* im2col */
    conv_case(64, 96, 1, 7, 1, 1);   /* pointwise */
    conv_case(64, 64, 4, 14, 1, 3);  /* grouped */
    pool_case("MaxPool", 147, 3, 2, 0, 0);
    matmul_case(4, 256, 1000, 1, 91);
    compare_tasks = serial_knob = 0;
}

int main(void)
{
    if (getenv("AIT_TEST_FILTER")) /* one test by name (a glob) while working on it */
        cmocka_set_test_filter(getenv("AIT_TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bn_fold_and_activations),
        cmocka_unit_test(test_residual_add),
        cmocka_unit_test(test_residual_add_of_two_branches),
        cmocka_unit_test(test_clip_min_above_max),
        cmocka_unit_test(test_reduce_max_of_nothing),
        cmocka_unit_test(test_gemm_matmul_epilogues_and_drops),
        cmocka_unit_test(test_depthwise_and_im2col_convs),
        cmocka_unit_test(test_pooling_windows),
        cmocka_unit_test(test_knob_variants),
        cmocka_unit_test(test_panels_no_wider_than_columns),
        cmocka_unit_test(test_serial_knob),
        cmocka_unit_test(test_winograd),
        cmocka_unit_test(test_gated_activations),
        cmocka_unit_test(test_global_average_pool),
        cmocka_unit_test(test_conv_transpose),
        cmocka_unit_test(test_dead_taps),
        cmocka_unit_test(test_im2col_shifted),
        cmocka_unit_test(test_threads_bitwise),
        cmocka_unit_test(test_runtime_matmul),
        cmocka_unit_test(test_erf),
    };
    return cmocka_run_group_tests_name("passes", tests, NULL, NULL);
}
