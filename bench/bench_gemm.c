/* make bench, part 1: GEMM Y[M,N] = A[M,K] B[K,N] (B constant, as a model's
 * weights) through aitune-c's simd backend with its per-op knob search, the
 * emitted code compiled with gcc -O3 -march=native, against OpenBLAS
 * cblas_sgemm and the machine's measured FMA peak.  Single thread; each
 * number is the median of repeated timed runs.  Prints a markdown table.
 *
 * usage: bench_gemm [cache_dir]   (run with OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1) */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ir/clock.h"
#include "gen/compile.h"
#include "gen/model_load.h"
#include "strategies/tuner.h"
#include "tests/onnx_builder.h"

typedef void (*call_fn)(void *ctx);

/* Median seconds per call: calls batched to ~2 ms per sample, 15 samples after warm-up. */
static double median_time(call_fn f, void *ctx)
{
    f(ctx);
    double t0 = ait_now_s();
    f(ctx);
    double once = ait_now_s() - t0;
    int reps = once > 2e-3 ? 1 : (int)(2e-3 / (once + 1e-9)) + 1;
    enum { SAMPLES = 15 };
    double s[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) {
        double a = ait_now_s();
        for (int r = 0; r < reps; r++)
            f(ctx);
        s[i] = (ait_now_s() - a) / reps;
    }
    return ait_median(s, SAMPLES);
}

typedef float vf16 __attribute__((vector_size(64)));

/* 20 independent FMA chains in registers: enough to cover the FMA latency on two pipes. */
#define CHAINS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19)
enum { N_CHAINS = 20, FMA_ITERS = 200000 };

static void fma_loop(void *ctx)
{
    const vf16 a = (vf16){0} + 0.999999f, b = (vf16){0} + 1e-7f;
#define DECL(i) vf16 c##i = (vf16){0} + (float)(i) * 1e-3f;
#define STEP(i) c##i = c##i * a + b;
#define SUM(i) +c##i[0]
    CHAINS(DECL)
    for (long it = 0; it < FMA_ITERS; it++) {
        CHAINS(STEP)
    }
    *(volatile float *)ctx = 0 CHAINS(SUM);
}

static double fma_peak_gflops(void)
{
    float sink;
    double t = median_time(fma_loop, &sink);
    return (double)N_CHAINS * 16 * 2 * FMA_ITERS / t * 1e-9;
}

typedef struct {
    int M, N, K;
    const float *a, *b;
    float *c;
} blas_ctx;

static void blas_call(void *p)
{
    blas_ctx *c = p;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c->M, c->N, c->K, 1.0f, c->a, c->K, c->b, c->N, 0.0f, c->c,
                c->N);
}

typedef int (*run_fn)(const float *const *, float *const *, int);
typedef struct {
    run_fn run;
    const float *a;
    float *y;
} ours_ctx;

static void ours_call(void *p)
{
    ours_ctx *c = p;
    const float *in[1] = {c->a};
    float *out[1] = {c->y};
    c->run(in, out, 1);
}

static float *randoms(long n, unsigned seed)
{
    float *v = malloc(sizeof(float) * (size_t)n);
    srand(seed);
    for (long i = 0; i < n; i++)
        v[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    return v;
}

/* Tunes the MatMul with the simd backend (knob search), builds the emitted code; returns
 * its median seconds per call (0 on failure) and the chosen knobs in `knobs`. */
static double ours(int M, int N, int K, const float *a, const float *b, float *y, const char *cache, char *knobs,
                   size_t kn)
{
    int64_t ad[2] = {M, K}, bd[2] = {K, N};
    tb *m = tb_new(13);
    tb_input(m, "a", 1, 2, ad);
    tb_init(m, "b", 1, 2, bd, b, 0);
    tb_node(m, "MatMul", "a,b", "y");
    tb_output(m, "y");
    size_t len;
    const uint8_t *bytes = tb_pack(m, &len);
    ait_arena ar = {0};
    ait_diag d = {0};
    ait_tensor bind = {.dtype = AIT_DT_FLOAT, .rank = 2, .dims = {M, K}};
    ait_model_src src = {"gemm.onnx", bytes, len, {AIT_LIMIT_TENSOR_DEFAULT, AIT_LIMIT_TOTAL_DEFAULT}, NULL};
    ait_target_graph tg = {.m = &src, .bind = &bind, .max_batch = 1, .name = "gemm"};
    const ait_backend *be = ait_backend_find("simd");
    const char *flags = "-O3 -march=native -ffp-contract=fast";
    ait_knob_opts ko = {.cc = &ait_compiler_gcc, .flags = flags, .cache_dir = cache, .budget_s = 600,
                        .timeout_s = 300};
    ait_knob_plan plan;
    ait_emitted e;
    double t = 0;
    if (ait_emit_with_backend(&ar, &tg, be, NULL, &plan, &ko, &e, &d) != AIT_OK) {
        fprintf(stderr, "bench_gemm: %s\n", d.msg);
        goto out;
    }
    snprintf(knobs, kn, "default");
    if (plan.n)
        ait_knobs_format(plan.c[0].knobs, knobs, kn);
    char *unit = ait_emitted_unit(&e);
    ait_compiled *mod;
    ait_compile_opts co = {.flags = flags};
    if (ait_compiler_gcc.build(unit, &co, &mod, &d) != AIT_OK) {
        fprintf(stderr, "bench_gemm: %s\n", d.msg);
        free(unit);
        ait_emitted_free(&e);
        goto out;
    }
    free(unit);
    ours_ctx oc = {(run_fn)ait_compiler_gcc.sym(mod, "gemm_run"), a, y};
    t = median_time(ours_call, &oc);
    ait_compiler_gcc.release(mod);
    ait_emitted_free(&e);
out:
    ait_arena_free_all(&ar);
    tb_free(m);
    return t;
}

int main(int argc, char **argv)
{
    const char *cache = argc > 1 ? argv[1] : ".aitune-cache";
    static const int shapes[][3] = {{1, 512, 512}, {8, 64, 64}, {64, 64, 64}, {256, 256, 256}, {1024, 1024, 1024}};
    double peak = fma_peak_gflops();
    printf("| M, N, K | aitune-c simd (GFLOP/s) | OpenBLAS (GFLOP/s) | ours / OpenBLAS | ours / peak | "
           "OpenBLAS / peak | max abs diff | knobs (mr,nv,order,block) |\n|---|---|---|---|---|---|---|---|\n");
    int bad = 0;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        int M = shapes[i][0], N = shapes[i][1], K = shapes[i][2];
        float *a = randoms((long)M * K, 1), *b = randoms((long)K * N, 2);
        float *y = calloc((size_t)M * N, sizeof(float)), *c = calloc((size_t)M * N, sizeof(float));
        char knobs[64] = "";
        double t_ours = ours(M, N, K, a, b, y, cache, knobs, sizeof knobs);
        blas_ctx bc = {M, N, K, a, b, c};
        double t_blas = median_time(blas_call, &bc);
        double diff = 0;
        for (long j = 0; j < (long)M * N; j++)
            diff = fmax(diff, fabs((double)y[j] - c[j]));
        double flops = 2.0 * M * N * K, g_ours = t_ours > 0 ? flops / t_ours * 1e-9 : 0, g_blas = flops / t_blas * 1e-9;
        bad |= t_ours <= 0 || diff > 1e-3 * sqrt((double)K);
        printf("| %d, %d, %d | %.1f | %.1f | %.2f | %.0f%% | %.0f%% | %.2g | %s |\n", M, N, K, g_ours, g_blas,
               g_ours / g_blas, 100 * g_ours / peak, 100 * g_blas / peak, diff, knobs);
        fflush(stdout);
        free(a);
        free(b);
        free(y);
        free(c);
    }
    printf("\nMeasured FMA peak (one core, 16-float vectors, %d chains): %.1f GFLOP/s.\n", N_CHAINS, peak);
    return bad;
}
