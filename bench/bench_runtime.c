/* libaitune on the shared models: eager vs tuned latency per call, the time from the first call
 * to tuned (JIT mode, tune_eager), a cached second start's time to tuned, and the dispatch
 * overhead of ait_module_run over calling the tuned code's <name>_run_io directly (interleaved,
 * medians).  Prints a markdown table.
 *   build/bench/bench_runtime <workdir> model.onnx:input.f32:input.shape:output.f32 ... */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/rt.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[n / 2];
}

static void *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    void *p = malloc(*len + 1);
    if (fread(p, 1, *len, f) != *len) {
        free(p);
        p = NULL;
    }
    fclose(f);
    return p;
}

static int run1(ait_module *m, ait_rt_tensor *in, ait_rt_tensor *out)
{
    memset(out, 0, sizeof *out);
    int rc = ait_module_run(m, in, 1, out, 1);
    if (rc)
        fprintf(stderr, "bench_runtime: %s\n", ait_last_error());
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return fprintf(stderr, "usage: bench_runtime workdir model.onnx:in.f32:in.shape:out.f32 ...\n"), 2;
    printf("| model | eager call (ms) | tuned call (ms) | eager / tuned | first call to tuned (s) | cached start to "
           "tuned (s) | ait_module_run (us) | direct _run_io (us) | dispatch overhead | max abs err |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|\n");
    for (int a = 2; a < argc; a++) {
        char spec[2048], *f[4];
        snprintf(spec, sizeof spec, "%s", argv[a]);
        f[0] = strtok(spec, ":");
        for (int i = 1; i < 4; i++)
            f[i] = strtok(NULL, ":");
        if (!f[3])
            return fprintf(stderr, "bench_runtime: %s: expected four fields\n", argv[a]), 2;
        size_t in_len, sh_len, out_len;
        float *x = slurp(f[1], &in_len), *want = slurp(f[3], &out_len);
        char *shape = slurp(f[2], &sh_len);
        if (!x || !want || !shape)
            return fprintf(stderr, "bench_runtime: cannot read %s\n", argv[a]), 2;
        shape[sh_len] = 0;
        ait_rt_tensor in = {AIT_DTYPE_FLOAT, 0, {0}, x, 0}, out;
        for (char *p = shape; *p && in.rank < 8;) {
            in.dims[in.rank++] = strtoll(p, &p, 10);
            while (*p == ',' || *p == '\n' || *p == ' ')
                p++;
        }
        const char *base = strrchr(f[0], '/') ? strrchr(f[0], '/') + 1 : f[0];
        char name[128], cache[1200];
        snprintf(name, sizeof name, "%.*s", (int)(strcspn(base, ".")), base);
        snprintf(cache, sizeof cache, "%s/jitcache", argv[1]);
        /* eager: the reference compiled by libtcc for the shape (the first call builds it) */
        unsetenv("AITUNE_JIT");
        ait_module *m = ait_module_open(f[0], name, NULL);
        if (!m || run1(m, &in, &out))
            return 1;
        int reps = 5;
        double t[64], eager;
        for (int i = 0; i < reps; i++) {
            double t0 = now();
            if (run1(m, &in, &out))
                return 1;
            t[i] = now() - t0;
        }
        eager = median(t, reps);
        ait_module_close(m);
        /* JIT, tune_eager, a fresh cache: the first call to the first tuned call */
        char rm[1300];
        snprintf(rm, sizeof rm, "rm -rf %s", cache);
        if (system(rm) != 0)
            return 1;
        setenv("AITUNE_JIT", "1", 1);
        setenv("AITUNE_JIT_MODE", "tune_eager", 1);
        setenv("AITUNE_JIT_MIN_SAMPLES", "2", 1);
        setenv("AITUNE_JIT_CACHE_DIR", cache, 1);
        m = ait_module_open(f[0], name, NULL);
        double t0 = now();
        while (m && ait_module_state(m) != AIT_STATE_TUNED && ait_module_call_count(m) < 10)
            if (run1(m, &in, &out))
                return 1;
        double to_tuned = now() - t0;
        if (!m || ait_module_state(m) != AIT_STATE_TUNED)
            return fprintf(stderr, "bench_runtime: %s did not tune: %s\n", name, ait_last_error()), 1;
        if (run1(m, &in, &out))
            return 1;
        double err = 0;
        for (size_t i = 0; i < out_len / 4 && i < out.capacity / 4; i++)
            err = fmax(err, fabs(((float *)out.data)[i] - want[i]));
        /* ait_module_run against the tuned code called directly, interleaved */
        ait_rt_tuned *tu = m->tuned;
        double t_run = 0, t_direct = 0;
        int n = eager > 0.05 ? 11 : 64, inner = eager > 0.05 ? 1 : 200;
        double tr[64], td[64];
        const void *ins[1] = {x};
        void *outs[1] = {out.data};
        for (int i = 0; i < n; i++) {
            double a0 = now();
            for (int j = 0; j < inner; j++)
                ait_module_run(m, &in, 1, &out, 1);
            tr[i] = (now() - a0) / inner;
            a0 = now();
            for (int j = 0; j < inner; j++)
                tu->run(tu->ws, ins, outs, 1);
            td[i] = (now() - a0) / inner;
        }
        t_run = median(tr, n);
        t_direct = median(td, n);
        ait_module_close(m);
        /* a second start: tuned from the cache */
        t0 = now();
        m = ait_module_open(f[0], name, NULL);
        if (!m || run1(m, &in, &out) || ait_module_state(m) != AIT_STATE_TUNED)
            return fprintf(stderr, "bench_runtime: %s: no cached start\n", name), 1;
        double cached = now() - t0;
        ait_module_close(m);
        printf("| %s | %.3f | %.4f | %.0fx | %.2f | %.3f | %.2f | %.2f | %.2f us (%.1f%%) | %.2g |\n", name,
               eager * 1e3, t_run * 1e3, eager / t_run, to_tuned, cached, t_run * 1e6, t_direct * 1e6,
               (t_run - t_direct) * 1e6, 100 * (t_run - t_direct) / t_direct, err);
        fflush(stdout);
        free(x);
        free(want);
        free(shape);
    }
    return 0;
}
