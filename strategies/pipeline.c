#include "strategies/pipeline.h"
#include "gen/threads.h"

#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "ir/escape.h"
#include "ir/clock.h"
#include "gen/kernel.h"
#include "gen/model_load.h"
#include "gen/output.h"
#include "gen/passes.h"
#include "ir/onnx.h"
#include "ir/samples.h"
#include "ir/spec.h"
#include "ir/table.h"
#include "strategies/calibrate.h"
#include "strategies/tuner.h"

#define AIT_VERSION "0.1.0"

/* Paths in the config are relative to its folder. */
static char *relative_to(ait_arena *a, const char *config, const char *path)
{
    if (!*path || path[0] == '/')
        return ait_arena_strdup(a, path);
    char *dir = ait_arena_strdup(a, config);
    return ait_arena_printf(a, "%s/%s", dirname(dir), path);
}

static const char *arch_flags(const char *arch)
{
    static const struct {
        const char *arch, *flags;
    } table[] = {
        {"native", "-O3 -march=native -ffp-contract=fast"},
        {"x86-64-v3", "-O3 -march=x86-64-v3 -ffp-contract=fast"},
        /* cross targets: the portable C is validated and timed on the host */
        {"generic", "-O3 -ffp-contract=fast"},
        {"aarch64", "-O3 -ffp-contract=fast"},
        {"cortex-m", "-O3 -ffp-contract=fast"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].arch, arch) == 0)
            return table[i].flags;
    return "-O3";
}

static unsigned long long config_hash(const ait_config *c)
{
    char canon[8192];
    ait_config_canonical(c, canon, sizeof canon);
    return (unsigned long long)XXH64(canon, strlen(canon), 0);
}


/* The .c file: the emitted banner first, then the include of its header. */
static char *with_include(ait_arena *a, const char *name, const char *source)
{
    const char *end = strstr(source, "*/\n");
    size_t head = end ? (size_t)(end + 3 - source) : 0;
    return ait_arena_printf(a, "%.*s#include \"%s.h\"\n%s", (int)head, source, name, source + head);
}

/* Banner lines shared by .c and .h: no date, so output is byte-stable. */
static char *banner(ait_arena *a, const char *cmdline, unsigned long long chash, const char *model,
                    unsigned long long mhash, const char *spec, const char *backend, int n_kernels)
{
    /* every piece may hold text from the command line, the config or the model */
    char *sp = ait_arena_strdup(a, spec),
         *out = ait_arena_printf(a, " * command: %s\n * generator: aitune-gen %s\n * config hash: %016llx\n"
                                    " * model: %s (xxh64 %016llx)\n",
                                 ait_esc_str(a, AIT_ESC_C_COMMENT, cmdline), AIT_VERSION, chash,
                                 ait_esc_str(a, AIT_ESC_C_COMMENT, model), mhash);
    char *save_ = NULL; /* strtok_r: no state outside this loop */
    for (char *line = strtok_r(sp, "\n", &save_); line; line = strtok_r(NULL, "\n", &save_))
        out = ait_arena_printf(a, "%s * graph spec: %s\n", out, ait_esc_str(a, AIT_ESC_C_COMMENT, line));
    return ait_arena_printf(a, "%s * backend: %s (%d kernels; per-kernel backend in the _kernels table)\n", out,
                            backend, n_kernels);
}

static void write_manifest(FILE *f, const ait_config *c, const char *model, unsigned long long mhash,
                           const ait_tuner *t, const ait_candidate *w, const char *strategy, unsigned long long chash)
{
    fprintf(f, "; aitune-gen manifest: `aitune-gen --load <this file>` re-emits the code without tuning\n");
    fprintf(f, "[aitune]\nversion = %s\nconfig_hash = %016llx\n\n", AIT_VERSION, chash);
    char path[4 * 1024];
    fprintf(f, "[model]\npath = %s\nname = %s\nxxh64 = %016llx\n\n", ait_esc_buf(path, sizeof path, AIT_ESC_INI, model),
            c->name, mhash);
    fprintf(f, "[spec]\nmax_batch = %d\n", t->rec->max_batch);
    for (int k = 0; k < t->g->n_inputs; k++) {
        const ait_tensor *b = &t->rec->bind[k];
        fprintf(f, "input%d_shape = ", k);
        for (int i = 0; i < b->rank; i++)
            fprintf(f, "%s%lld", i ? "x" : "", (long long)b->dims[i]);
        fprintf(f, "%s\ninput%d_batched = %d\n", b->rank ? "" : "scalar", k, t->rec->batched_in[k]);
    }
    for (int k = 0; k < t->g->n_outputs; k++)
        fprintf(f, "output%d_batched = %d\n", k, t->rec->batched_out[k]);
    const ait_dyn_dims *dd = &t->rec->dyn;
    if (dd->n) { /* names by their xxh64 as knobs' nodes: a model's dim_param may hold any bytes */
        fprintf(f, "dims_verify_max = %d\n", c->dims_verify_max);
        for (int j = 0; j < dd->n; j++) {
            char name[96];
            fprintf(f, "; dim%d: %s\ndim%d = %lld %lld %016llx\n", j, ait_esc_buf(name, sizeof name, AIT_ESC_INI,
                                                                                dd->dim[j].name),
                    j, dd->dim[j].min, dd->dim[j].max, (unsigned long long)XXH64(dd->dim[j].name, strlen(dd->dim[j].name), 0));
        }
        for (int k = 0; k < t->g->n_inputs; k++) {
            fprintf(f, "input%d_dims =", k);
            for (int ax = 0; ax < t->rec->bind[k].rank; ax++)
                fprintf(f, " %d", dd->of[k * AIT_MAX_RANK + ax]);
            fprintf(f, "\n");
        }
    }
    fprintf(f, "\n[choice]\nbackend = %s\nstrategy = %s\ncompiler = %s\nflags = %s\narch = %s\ndeps = %s\nthreads = %d\n",
            w->backend->name, strategy, t->cc->name, t->flags, c->arch, w->backend->needs ? c->deps : "none",
            t->tg.threads);
    const ait_calib *cal = t->tg.calib;
    if (w->backend->calibrated && cal) { /* --load quantizes with the same ranges */
        fprintf(f, "\n; activation ranges of the int8 kernels' inputs: lo hi (hex floats) then the xxh64 of the "
                   "tensor's name\n[calib]\nmethod = %s\npercentile = %g\n",
                ait_calib_method_str(cal->method), cal->percentile);
        for (int i = 0; i < cal->n; i++) {
            char name[96];
            fprintf(f, "; tensor%d: %s\ntensor%d = %a %a %016llx\n", i,
                    ait_esc_buf(name, sizeof name, AIT_ESC_INI, cal->names[i]), i, cal->lo[i], cal->hi[i],
                    (unsigned long long)XXH64(cal->names[i], strlen(cal->names[i]), 0));
        }
    }
    /* a node is named by the xxh64 of its name: names from the model may be of any length and
     * hold any bytes, and the line stays short for the INI reader */
    if (w->plan.n)
        fprintf(f, "\n; per-op knobs from the search: mr,nv,order,block[,serial] then the xxh64 of the node's name\n[knobs]\n");
    for (int i = 0; i < w->plan.n; i++) {
        char k[64], name[96];
        const char *node = w->plan.c[i].node;
        ait_knobs_format(w->plan.c[i].knobs, k, sizeof k);
        fprintf(f, "; node%d: %s\nnode%d = %s %016llx\n", i, ait_esc_buf(name, sizeof name, AIT_ESC_INI, node), i, k,
                (unsigned long long)XXH64(node, strlen(node), 0));
    }
}

/* The winner's per-op knob search: one row per op. */
static void write_knob_table(FILE *f, ait_arena *a, const ait_knob_plan *p)
{
    fprintf(f, "\n## Per-op choices (knob search)\n\n%d ops: %d measured, %d cached or like another, %d kept the "
               "defaults; %.1f s; constants %s (`tune.knob_weights`).\n\n",
            p->n, p->measured, p->cached, p->skipped, p->seconds, p->cold ? "cold" : "hot");
    static const char *const head[6] = {"node", "op", "knobs (mr,nv,order,block[,serial])", "GFLOP/s", "default GFLOP/s",
                                        "note"};
    const char **cells = malloc(sizeof *cells * 6 * (size_t)p->n);
    char (*num)[3][64] = malloc(sizeof *num * (size_t)p->n);
    for (int i = 0; i < p->n; i++) {
        const ait_knob_choice *c = &p->c[i];
        ait_knobs_format(c->knobs, num[i][0], sizeof num[i][0]);
        snprintf(num[i][1], sizeof num[i][1], c->why ? "-" : "%.1f", c->gflops);
        snprintf(num[i][2], sizeof num[i][2], c->why ? "-" : "%.1f", c->default_gflops);
        const char *row[6] = {ait_esc_str(a, AIT_ESC_MD, c->node), ait_esc_str(a, AIT_ESC_MD, c->op), num[i][0],
                              num[i][1], num[i][2],
                              c->why    ? ait_esc_str(a, AIT_ESC_MD, c->why)
                              : c->like ? ait_esc_str(a, AIT_ESC_MD, ait_arena_printf(a, "like %s (epilogue aside)", c->like))
                              : c->cached ? "cached" : ""};
        memcpy(cells + 6 * i, row, sizeof row);
    }
    ait_table_md(f, 6, head, cells, p->n);
    free(cells);
    free(num);
}

static void write_report(FILE *f, const ait_config *c, const char *cmdline, const char *model, const ait_graph *g0,
                         const ait_tuner *t, const ait_emitted *fin, const char *strategy, double tune_s)
{
    const ait_candidate *w = &t->cand[t->winner];
    fprintf(f, "# %s: aitune-c tuning report\n\n", c->name);
    fprintf(f, "- command: %s\n- model: %s (opset %d, %d nodes, %.0f parameters)\n", ait_esc_str(t->a, AIT_ESC_MD, cmdline),
            ait_esc_str(t->a, AIT_ESC_MD, model), g0->opset, g0->n_nodes, ait_graph_param_count(g0));
    fprintf(f, "- strategy: %s; compiler: %s `%s`; rtol %g, atol %g; quantized backends: %s >= %g; correctness check %s\n",
            strategy, t->cc->name, t->flags, c->rtol, c->atol, c->quant_metric, c->quant_min,
            c->correctness_check ? "on" : "off");
    fprintf(f, "- recorded batches: %d; max batch of the emitted code: %d; tuning took %.1f s\n", t->rec->n,
            t->rec->max_batch, tune_s);
    const ait_calib *cal = t->tg.calib;
    if (cal) /* the ranges the int8 candidate ran with (after its float islands) */
        fprintf(f, "- int8 calibration: %s%s on the recorded batches; %d ops run integer kernels, the first %d "
                   "quantizable ops stay fp32 (float islands for quant_min)\n",
                ait_calib_method_str(cal->method),
                cal->method == AIT_CALIB_PERCENTILE ? ait_arena_printf(t->a, " %g%%", cal->percentile) : "",
                cal->n, t->calib_fp32);
    fprintf(f, "\n## Graph spec\n");
    ait_spec_print(f, &t->rec->spec, 1);
    fprintf(f, "\n## Trials\n\n");
    enum { NC = 11 };
    static const char *const head[NC] = {"backend", "outcome", "max abs err", "max rel err", "throughput (samples/s)",
                                         "batch", "median latency (ms)", "code + constants (bytes)", "arena (bytes)",
                                         "accuracy", "note"};
    char (*cells)[NC][1200] = calloc(32, sizeof *cells); /* not static: modules tune on threads of their own */
    const char *ptr[32 * NC];
    int rows = 0;
    const ait_candidate *list[33];
    int nl = 0;
    if (t->estimator.tried)
        list[nl++] = &t->estimator;
    for (int i = 0; i < t->n_cand && nl < 32; i++)
        list[nl++] = &t->cand[i];
    for (int i = 0; i < nl; i++) {
        const ait_candidate *cd = list[i];
        const ait_trial_result *r = &cd->res;
        if (!cd->tried)
            continue;
        snprintf(cells[rows][0], sizeof cells[rows][0], "%s%s", cd->desc, cd == &t->estimator ? " (batch estimate)" : "");
        snprintf(cells[rows][1], sizeof cells[rows][1], "%s", r->status == AIT_OK ? (cd == w ? "**selected**" : "ok")
                                                                : ait_status_str(r->status));
        snprintf(cells[rows][2], sizeof cells[rows][2], r->status == AIT_OK || r->status == AIT_E_MISMATCH ? "%.3g" : "-",
                 r->max_abs_err);
        snprintf(cells[rows][3], sizeof cells[rows][3], r->status == AIT_OK ? "%.3g" : "-", r->max_rel_err);
        snprintf(cells[rows][4], sizeof cells[rows][4], r->profile_batch ? "%.2f" : "-", r->throughput);
        snprintf(cells[rows][5], sizeof cells[rows][5], r->profile_batch ? "%d" : "-", r->profile_batch);
        snprintf(cells[rows][6], sizeof cells[rows][6], r->profile_batch ? "%.3f" : "-", r->latency_s * 1e3);
        if (cd->emitted && r->code_bytes)
            snprintf(cells[rows][7], sizeof cells[rows][7], "%lld + %zu", r->code_bytes, cd->e.const_bytes);
        else
            snprintf(cells[rows][7], sizeof cells[rows][7], cd->emitted ? "? + %zu" : "-", cd->e.const_bytes);
        snprintf(cells[rows][8], sizeof cells[rows][8], cd->emitted ? "%zu" : "-", cd->e.arena_bytes);
        /* quantized candidates: the metric they were validated by; the others are within rtol/atol */
        ait_quant_metric qm = ait_tuner_quant_metric(c, cd->backend);
        if (qm != AIT_QUANT_NONE && r->status == AIT_OK && c->correctness_check)
            snprintf(cells[rows][9], sizeof cells[rows][9], "%s %.6f", qm == AIT_QUANT_TOP1 ? "top-1" : "cosine",
                     r->quant_score);
        else
            snprintf(cells[rows][9], sizeof cells[rows][9], "%s",
                     r->status == AIT_OK && c->correctness_check ? "rtol/atol" : "-");
        snprintf(cells[rows][10], sizeof cells[rows][10], "%s", r->cached ? "cached " : "");
        if (r->status != AIT_OK) /* the error may quote names from the model */
            ait_esc_buf(cells[rows][10] + strlen(cells[rows][10]), sizeof cells[rows][10] - strlen(cells[rows][10]),
                        AIT_ESC_MD, r->msg);
        for (int k = 0; k < NC; k++)
            ptr[rows * NC + k] = cells[rows][k];
        rows++;
    }
    ait_table_md(f, NC, head, ptr, rows);
    free(cells);
    fprintf(f, "\n## Winner\n\n%s: %s.\n", w->desc, t->why_winner);
    if (c->flash_bytes || c->ram_bytes)
        fprintf(f, "\nBudgets: target.flash_bytes %llu, target.ram_bytes %llu (0: none); code is measured on the "
                   "host's build of each candidate (its executable sections), constants and arena as emitted.\n",
                c->flash_bytes, c->ram_bytes);
    if (fin->dyn_how)
        fprintf(f, "\n## Dynamic axes\n\n%s (`%s_run_dims`; the other entry points run at every axis's max).\n",
                ait_esc_str(t->a, AIT_ESC_MD, fin->dyn_how), c->name);
    if (w->plan.n)
        write_knob_table(f, t->a, &w->plan);
    fprintf(f, "\n## Sizes\n\n- generated C: %zu bytes (%d kernels)\n- constants: %zu bytes\n", fin->source.len,
            fin->n_kernels, fin->const_bytes);
    fprintf(f, "- arena: %zu bytes planned from buffer lifetimes, against %zu bytes for all intermediates (%.0f%%)\n",
            fin->arena_bytes, fin->sum_intermediate,
            fin->sum_intermediate ? 100.0 * (double)fin->arena_bytes / (double)fin->sum_intermediate : 100.0);
    if (w->backend->needs)
        fprintf(f, "- depends on: %s\n", w->backend->needs);
    const char *od = ait_esc_str(t->a, AIT_ESC_MD, c->out_dir);
    if (fin->weights.len)
        fprintf(f, "- weights: %zu bytes of C in %s_weights.c (`output.weights_file_bytes`), so editing the model "
                   "code does not re-parse them\n",
                fin->weights.len, c->name);
    int threads = t->tg.threads;
    if (threads > 1)
        fprintf(f, "- threads: kernels split into %d tasks, run by %s_parallel_for: %s_pthreads.c defines it with a "
                   "pool of %d POSIX threads (the caller's included); an RTOS port defines its own; the results are "
                   "bitwise those of one thread\n",
                threads, c->name, c->name, threads);
    else if (c->threads > 1)
        fprintf(f, "- threads: %d asked for; the code of a model with dynamic axes runs in one thread\n", c->threads);
    fprintf(f, "\nUse it: `cc -std=c99 %s app.c %s/%s.c%s%s%s%s -lm` with `#include \"%s.h\"` (the flags it was tuned "
               "with; any C99 compiler builds the reference and tiled code, GCC or clang the simd code); see the "
               "header for the API.\n",
            t->flags, od, c->name, fin->weights.len ? ait_arena_printf(t->a, " %s/%s_weights.c", od, c->name) : "",
            threads > 1 ? ait_arena_printf(t->a, " %s/%s_pthreads.c -pthread", od, c->name) : "",
            w->backend->libs ? " " : "", w->backend->libs ? w->backend->libs : "", c->name);
}

/* An earlier run's <name>_weights.c or <name>_pthreads.c would be built with this run's files:
 * removed when this run keeps its constants in <name>.c, or runs in one thread. */
static ait_status drop_stale(const char *dir, const char *name, const ait_emitted *e, int threads, ait_diag *d)
{
    const char *what[2] = {e->weights.len ? NULL : "weights", threads > 1 ? NULL : "pthreads"};
    for (int i = 0; i < 2; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s_%s.c", dir, name, what[i] ? what[i] : "");
        if (what[i] && unlink(path) != 0 && errno != ENOENT)
            return ait_fail(d, AIT_E_IO, "%s: cannot remove the earlier run's %s: %s", path, what[i], strerror(errno));
    }
    return AIT_OK;
}

/* <name>_pthreads.c, with threads: the pool that runs the kernels' tasks (gen/threads.c). */
static void pool_file(ait_sb *b, const char *banner, const char *name, int threads)
{
    if (threads <= 1)
        return;
    ait_sb_printf(b, "/* thread pool: generated by aitune-gen. DO NOT EDIT.\n%s */\n", banner);
    ait_emit_thread_pool(b, name, threads);
}

/* Drops the files with nothing to write (len 0) from the list; returns how many are left. */
static int compact_files(ait_out_file *f, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        if (f[i].len)
            f[k++] = f[i];
    return k;
}

static ait_status finish(const ait_config *c, const ait_tune_opts *o, const char *model, const ait_graph *g0,
                         ait_tuner *t, const char *strategy, double tune_s, ait_diag *d)
{
    ait_candidate *w = &t->cand[t->winner];
    unsigned long long chash = config_hash(c);
    char *bn = banner(t->a, o->cmdline, chash, model, t->model_hash, t->spec_text, w->backend->name,
                      w->e.n_kernels);
    ait_emitted fin;
    ait_target_graph final_tg = t->tg; /* the files users build may split off the weights; trials never do */
    final_tg.weights_file_bytes = (size_t)c->weights_file_bytes;
    AIT_TRY(ait_emit_with_backend(t->a, &final_tg, w->backend, bn, &w->plan, NULL, &fin, d));
    char *source = with_include(t->a, c->name, fin.source.s);
    char *report = NULL, *manifest = NULL;
    size_t rlen = 0, mlen = 0;
    FILE *rf = open_memstream(&report, &rlen), *mf = open_memstream(&manifest, &mlen);
    write_report(rf, c, o->cmdline, model, g0, t, &fin, strategy, tune_s);
    char absolute[4096];
    write_manifest(mf, c, realpath(model, absolute) ? absolute : model, t->model_hash, t, w, strategy, chash);
    fclose(rf);
    fclose(mf);
    ait_sb pool = {0};
    pool_file(&pool, bn, c->name, t->tg.threads);
    ait_out_file files[6] = {
        {ait_arena_printf(t->a, "%s.h", c->name), fin.header.s, fin.header.len},
        {ait_arena_printf(t->a, "%s.c", c->name), source, strlen(source)},
        {ait_arena_printf(t->a, "%s.report.md", c->name), report, rlen},
        {ait_arena_printf(t->a, "%s.manifest.ini", c->name), manifest, mlen},
        {ait_arena_printf(t->a, "%s_pthreads.c", c->name), pool.s, pool.len},
        {ait_arena_printf(t->a, "%s_weights.c", c->name), fin.weights.s, fin.weights.len},
    };
    ait_status s = ait_output_write(c->out_dir, files, compact_files(files, 6), d);
    ait_sb_free(&pool);
    if (s == AIT_OK)
        s = drop_stale(c->out_dir, c->name, &fin, t->tg.threads, d);
    if (s == AIT_OK && o->log)
        fprintf(o->log, "wrote %s/%s.{c,h,report.md,manifest.ini}%s%s: %zu bytes of C, arena %zu bytes (%zu without "
                        "sharing)\n",
                c->out_dir, c->name, t->tg.threads > 1 ? ait_arena_printf(t->a, ", %s_pthreads.c", c->name) : "",
                fin.weights.len ? ait_arena_printf(t->a, " and %s_weights.c (%zu bytes)", c->name,
                                                                         fin.weights.len)
                                                     : "",
                strlen(source), fin.arena_bytes, fin.sum_intermediate);
    free(report);
    free(manifest);
    ait_emitted_free(&fin);
    return s;
}

static ait_status tune_one(const ait_config *c, const ait_tune_opts *o, ait_diag *d);

/* Several [model.<label>] sections: each module tuned in turn, as one model of its own (its
 * graph specs, strategy run, winner, files and report under its own prefix), into one out/. */
ait_status ait_tune_config(const ait_config *c, const ait_tune_opts *o, ait_diag *d)
{
    if (!c->n_modules)
        return tune_one(c, o, d);
    ait_config *mc = malloc(sizeof *mc);
    if (!mc)
        return ait_fail(d, AIT_E_IO, "out of memory");
    ait_status s = AIT_OK;
    for (int i = 0; i < c->n_modules && s == AIT_OK; i++) {
        if ((s = ait_config_module(c, i, mc, d)) != AIT_OK)
            break;
        if (o->log) {
            char label[256], path[2048];
            fprintf(o->log, "== module %s (%d of %d): %s\n",
                    ait_esc_buf(label, sizeof label, AIT_ESC_TEXT, c->modules[i].label), i + 1, c->n_modules,
                    ait_esc_buf(path, sizeof path, AIT_ESC_TEXT, mc->model_path));
        }
        if ((s = tune_one(mc, o, d)) != AIT_OK) { /* name the module in the error */
            char msg[sizeof d->msg];
            snprintf(msg, sizeof msg, "%s", d->msg);
            ait_fail(d, s, "[model.%s]: %s", c->modules[i].label, msg);
        }
    }
    free(mc);
    return s;
}

static ait_status tune_one(const ait_config *c, const ait_tune_opts *o, ait_diag *d)
{
    double t0 = ait_now_s();
    FILE *log = o->log;
    ait_arena a = {0};
    ait_status s;
#define CHECK(expr)                                                                                                    \
    do {                                                                                                               \
        if ((s = (expr)) != AIT_OK)                                                                                    \
            goto out;                                                                                                  \
    } while (0)
    ait_tuner t = {.c = c, .a = &a, .log = log, .winner = -1};
    ait_fold_cache *folds = NULL;
    const ait_strategy *strategy = ait_strategy_find(c->strategy);
    t.cc = ait_compiler_find(c->compiler);
    t.flags = arch_flags(c->arch);
    char *model = relative_to(&a, c->path, c->model_path);
    char *samples = relative_to(&a, c->path, c->samples_path);
    CHECK(ait_output_check_dir(c->out_dir, d));
    t.cand = AIT_NEW(&a, ait_candidate, c->n_backends);
    for (int i = 0; i < c->n_backends; i++) {
        const ait_backend *b = ait_backend_for(c->backends[i], c->arch);
        if (!b) {
            s = ait_fail(d, AIT_E_CONFIG, "%s:%d: tune.backends: unknown backend '%s'", c->path, c->backends_line,
                         c->backends[i]);
            goto out;
        }
        t.cand[t.n_cand].backend = b;
        ait_backend_describe(b, t.cand[t.n_cand].desc, sizeof t.cand[t.n_cand].desc);
        t.n_cand++;
    }
    t.estimator.backend = ait_backend_find("reference");
    ait_backend_describe(t.estimator.backend, t.estimator.desc, sizeof t.estimator.desc);

    /* model */
    void *bytes;
    size_t len;
    CHECK(ait_read_file(&a, model, &bytes, &len, d));
    ait_model_src src = {model, bytes, len, {c->max_tensor_bytes, c->max_total_bytes}, ait_fold_cache_new()};
    folds = src.folds;
    t.m = &src;
    t.model_hash = (unsigned long long)XXH64(bytes, len, 0);
    ait_graph *g0;
    CHECK(ait_onnx_load_bytes(&a, model, bytes, len, &g0, d));
    g0->limits = src.limits;
    if (log) {
        fprintf(log, "================================================================\n");
        fprintf(log, "Tuning model `%s`: %s (opset %d, %d nodes)\n", c->name, model, g0->opset, g0->n_nodes);
    }
    /* samples */
    ait_sample *smp;
    int ns;
    if (o->samples) {
        smp = (ait_sample *)o->samples;
        ns = o->n_samples;
        CHECK(ait_samples_check(g0, smp, ns, d));
    } else if (*c->samples_path) {
        CHECK(ait_samples_load(&a, samples, g0, &smp, &ns, d));
    } else {
        ns = c->max_batches_per_size;
        CHECK(ait_samples_random(&a, g0, ns, 1, 12345, &smp, d));
        if (log)
            fprintf(log, "no samples given: %d random samples from the declared input shapes\n", ns);
    }
    /* recording and graph spec */
    ait_recording rec;
    double tr = ait_now_s();
    CHECK(ait_record_samples(&a, c, &src, g0, smp, ns, &rec, log, d));
    t.rec = &rec;
    ait_spec_text(&rec.spec, t.spec_text, sizeof t.spec_text);
    CHECK(ait_model_prepare(&a, &src, rec.bind, &t.g, d));
    t.tg = (ait_target_graph){&src, rec.bind, rec.max_batch, rec.batched_in, rec.batched_out, c->name, 0, &rec.dyn,
                              c->dims_verify_max, ait_target_threads(c->threads, &rec.dyn), c->deps, NULL};
    ait_pass_stats ps;
    ait_graph_passes(t.g, &ps);
    for (int i = 0; i < t.n_cand && !t.tg.calib; i++)
        if (t.cand[i].backend->calibrated && !rec.dyn.n) { /* with dynamic axes int8 does not apply */
            ait_calib *cal;
            ait_diag cd = {0};
            if (ait_calibrate(&a, c, &t.tg, &rec, &cal, log, &cd) == AIT_OK)
                t.tg.calib = cal;
            else if (log) /* the calibrated backends then do not apply; the others tune as ever */
                fprintf(log, "calibration failed: %s\n", cd.msg);
            break;
        }
    if (log) {
        fprintf(log, "graph passes: %d Identity/Dropout dropped, %d BatchNormalization folded, %d Einsum as MatMul, "
                     "%d ops fused into epilogues, %d Convs without the taps that read only padding\n",
                ps.dropped, ps.bn_folded, ps.einsum_matmul, ps.fused, ps.taps_pruned);
        fprintf(log, "recording took %.2fs\n", ait_now_s() - tr);
        fprintf(log, "----------------------------------------------------------------\n");
        fprintf(log, "Tuning graph `0` of `%s`:\nnumber of parameters: %.0f\nnumber of nodes: %d\nprecisions: float32\n",
                c->name, ait_graph_param_count(g0), g0->n_nodes);
        fprintf(log, "graph_spec:\n");
        ait_spec_print(log, &rec.spec, 0);
        fprintf(log, "num samples: %d\ncompiler: %s %s\ncache_dir: %s\nstrategy:\n  name: %s\n  description: %s\n"
                     "backends:\n",
                rec.n, t.cc->name, t.flags, c->cache_dir, strategy->name, strategy->description);
        for (int i = 0; i < t.n_cand; i++)
            fprintf(log, "  %s\n", t.cand[i].desc);
    }
    double ts = ait_now_s();
    CHECK(strategy->tune(&t, d));
    ait_candidate *w = &t.cand[t.winner];
    if (log) {
        fprintf(log, "Strategy %s finished in %.2fs: selected %s for `%s` and graph spec 0 (%s)\n", strategy->name,
                ait_now_s() - ts, w->desc, c->name, t.why_winner);
        if (t.cache_hits || t.cache_rebuilt)
            fprintf(log, "cache: %d trials reused, %d corrupt entries rebuilt\n", t.cache_hits, t.cache_rebuilt);
        fprintf(log, "constant folding: %d results reused across the graphs of this run\n",
                ait_fold_cache_hits(folds));
    }
    CHECK(finish(c, o, model, g0, &t, strategy->name, ait_now_s() - t0, d));
    if (log)
        fprintf(log, "Tuning `%s` completed in %.2fs\n================================================================\n",
                c->name, ait_now_s() - t0);
out:
    for (int i = 0; i < t.n_cand; i++) {
        ait_emitted_free(&t.cand[i].e);
        free(t.cand[i].unit);
    }
    ait_emitted_free(&t.estimator.e);
    free(t.estimator.unit);
    ait_fold_cache_free(folds);
    ait_arena_free_all(&a);
    return s;
#undef CHECK
}

/* --- --load ------------------------------------------------------------------ */

enum { AIT_MANIFEST_MAX_KNOBS = 4096 };

typedef struct {
    char model[1024], name[64], backend[64], arch[32], deps[32];
    int threads;
    unsigned long long xxh64;
    int max_batch;
    char shape[64][128];
    int batched_in[64], batched_out[64];
    long long dim_lo[AIT_MAX_DIMS], dim_hi[AIT_MAX_DIMS];
    unsigned long long dim_hash[AIT_MAX_DIMS];
    int n_dims, dims_verify_max, bad_dims;
    char input_dims[64][64];
    char err[256];
    ait_arena *a;
    ait_knob_plan plan;
    unsigned long long node_hash[AIT_MANIFEST_MAX_KNOBS];
    int bad_knobs;
    ait_calib calib; /* names resolved once the model is loaded */
    unsigned long long calib_hash[AIT_MANIFEST_MAX_KNOBS];
    int has_calib;
} manifest;

/* key is exactly fmt (one %d then a literal tail), *k in [0, max): sets *k */
static int key_below(const char *key, const char *fmt, int max, int *k)
{
    int used = -1;
    char f[64];
    snprintf(f, sizeof f, "%s%%n", fmt);
    return sscanf(key, f, k, &used) == 1 && used == (int)strlen(key) && *k >= 0 && *k < max;
}

static int key_is(const char *key, const char *fmt, int *k)
{
    return key_below(key, fmt, 64, k);
}

static int on_manifest(void *user, const char *section, const char *key, const char *value)
{
    manifest *m = user;
    int k;
    if (!strcmp(section, "model") && !strcmp(key, "path"))
        return ait_unesc_ini(m->model, sizeof m->model, value) == 0;
    else if (!strcmp(section, "model") && !strcmp(key, "name"))
        snprintf(m->name, sizeof m->name, "%s", value);
    else if (!strcmp(section, "model") && !strcmp(key, "xxh64"))
        m->xxh64 = strtoull(value, NULL, 16);
    else if (!strcmp(section, "choice") && !strcmp(key, "backend"))
        snprintf(m->backend, sizeof m->backend, "%s", value);
    else if (!strcmp(section, "choice") && !strcmp(key, "arch"))
        snprintf(m->arch, sizeof m->arch, "%s", value);
    else if (!strcmp(section, "choice") && !strcmp(key, "deps"))
        snprintf(m->deps, sizeof m->deps, "%s", value);
    else if (!strcmp(section, "choice") && !strcmp(key, "threads")) {
        char *end;
        long v = strtol(value, &end, 10);
        if (*end || v < 1 || v > 64) /* as target.threads */
            return snprintf(m->err, sizeof m->err, "[choice] threads = %s is not in [1, 64]", value), 0;
        m->threads = (int)v;
    }
    else if (!strcmp(section, "spec") && !strcmp(key, "max_batch"))
        m->max_batch = atoi(value);
    else if (!strcmp(section, "spec") && key_is(key, "input%d_shape", &k))
        snprintf(m->shape[k], sizeof m->shape[k], "%s", value);
    else if (!strcmp(section, "spec") && key_is(key, "input%d_batched", &k))
        m->batched_in[k] = atoi(value);
    else if (!strcmp(section, "spec") && key_is(key, "output%d_batched", &k))
        m->batched_out[k] = atoi(value);
    else if (!strcmp(section, "spec") && !strcmp(key, "dims_verify_max"))
        m->dims_verify_max = atoi(value);
    else if (!strcmp(section, "spec") && key_is(key, "dim%d", &k)) {
        int used = -1;
        if (k != m->n_dims || k >= AIT_MAX_DIMS ||
            sscanf(value, "%lld %lld %llx%n", &m->dim_lo[k], &m->dim_hi[k], &m->dim_hash[k], &used) != 3 ||
            used != (int)strlen(value) || m->dim_lo[k] < 1 || m->dim_lo[k] > m->dim_hi[k] || m->dim_hi[k] > 1 << 30)
            return 0;
        m->n_dims++;
    } else if (!strcmp(section, "spec") && key_is(key, "input%d_dims", &k))
        snprintf(m->input_dims[k], sizeof m->input_dims[k], "%s", value);
    else if (!strcmp(section, "calib") && !strcmp(key, "method")) {
        m->calib.method = ait_calib_method_find(value);
        m->has_calib = 1;
        if (m->calib.method < 0)
            return snprintf(m->err, sizeof m->err, "[calib] method = %s is unknown", value), 0;
    } else if (!strcmp(section, "calib") && !strcmp(key, "percentile")) {
        m->calib.percentile = strtod(value, NULL);
    } else if (!strcmp(section, "calib") && key_below(key, "tensor%d", AIT_MANIFEST_MAX_KNOBS, &k)) {
        /* "<lo> <hi> <xxh64 of the tensor's name>", in order */
        int used = -1;
        float lo, hi;
        if (k != m->calib.n || k >= AIT_MANIFEST_MAX_KNOBS ||
            sscanf(value, "%a %a %llx%n", &lo, &hi, &m->calib_hash[k], &used) != 3 || used != (int)strlen(value) ||
            !isfinite(lo) || !isfinite(hi) || lo > 0 || hi < 0)
            return snprintf(m->err, sizeof m->err, "[calib] tensor%d: expected tensors in order, lo <= 0 <= hi", k), 0;
        m->calib.lo[k] = lo;
        m->calib.hi[k] = hi;
        m->calib.n++;
    } else if (!strcmp(section, "knobs")) {
        /* "mr,nv,order,block[,serial] <xxh64 of the node's name>": the name is found once the model is loaded */
        const char *sp = strchr(value, ' ');
        ait_knob_choice *c = &m->plan.c[m->plan.n];
        char k4[64], *end;
        snprintf(k4, sizeof k4, "%.*s", sp ? (int)(sp - value) : 0, value);
        if (!sp || m->plan.n == AIT_MANIFEST_MAX_KNOBS || ait_knobs_parse(k4, c->knobs) != 0)
            return 0;
        m->node_hash[m->plan.n] = strtoull(sp + 1, &end, 16);
        if (end == sp + 1 || *end)
            return 0;
        m->plan.n++;
    }
    return 1;
}

/* The dynamic axes the manifest records: each named by the xxh64 of a dim_param of the model
 * (or of "dim<axis>"), each input axis mapped to one or none. */
static ait_status manifest_dims(const manifest *m, const ait_graph *g, ait_dyn_dims *dd, const char *path, ait_diag *d)
{
    for (int i = 0; i < g->n_inputs * AIT_MAX_RANK; i++)
        dd->of[i] = -1;
    for (int j = 0; j < m->n_dims; j++) {
        dd->dim[j].min = m->dim_lo[j];
        dd->dim[j].max = m->dim_hi[j];
        for (int k = 0; k < g->n_inputs && !dd->dim[j].name[0]; k++)
            for (int ax = 0; ax < AIT_MAX_RANK; ax++) {
                const ait_tensor *in = &g->t[g->inputs[k]];
                char fallback[2][32]; /* the names find_dims gives unnamed axes */
                snprintf(fallback[0], sizeof fallback[0], "dim%d", ax);
                snprintf(fallback[1], sizeof fallback[1], "dim%d_%d", ax, k);
                const char *named = ax < in->rank && in->dim_param[ax] && *in->dim_param[ax] ? in->dim_param[ax] : NULL;
                for (int f = 0; f < 2 && !named; f++)
                    if (XXH64(fallback[f], strlen(fallback[f]), 0) == m->dim_hash[j])
                        named = fallback[f];
                const char *nm = named ? named : "";
                if (XXH64(nm, strlen(nm), 0) == m->dim_hash[j] && strlen(nm) < sizeof dd->dim[j].name) {
                    snprintf(dd->dim[j].name, sizeof dd->dim[j].name, "%s", nm);
                    break;
                }
            }
        if (!dd->dim[j].name[0])
            return ait_fail(d, AIT_E_PARSE, "%s: [spec] dim%d names no axis of %s", path, j, m->model);
    }
    for (int k = 0; k < g->n_inputs && m->n_dims; k++) {
        const char *p = m->input_dims[k];
        for (int ax = 0; ax < AIT_MAX_RANK && *p; ax++) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p || v < -1 || v >= m->n_dims)
                return ait_fail(d, AIT_E_PARSE, "%s: [spec] input%d_dims: expected dims indices or -1", path, k);
            dd->of[k * AIT_MAX_RANK + ax] = (int)v;
            p = end;
            while (*p == ' ')
                p++;
        }
    }
    return AIT_OK;
}

ait_status ait_tune_load_manifest(const char *path, const ait_tune_opts *o, ait_diag *d)
{
    static manifest m;
    memset(&m, 0, sizeof m);
    ait_fold_cache *folds = NULL;
    ait_arena a = {0};
    m.a = &a;
    m.plan.c = AIT_NEW(&a, ait_knob_choice, AIT_MANIFEST_MAX_KNOBS);
    m.calib.lo = AIT_NEW(&a, float, AIT_MANIFEST_MAX_KNOBS);
    m.calib.hi = AIT_NEW(&a, float, AIT_MANIFEST_MAX_KNOBS);
    m.calib.names = AIT_NEW(&a, const char *, AIT_MANIFEST_MAX_KNOBS);
    int line = ini_parse(path, on_manifest, &m);
    ait_status s;
    if (line < 0) {
        s = ait_fail(d, AIT_E_IO, "%s: cannot open", path);
        goto out;
    }
    if (line > 0) {
        s = ait_fail(d, AIT_E_PARSE, "%s:%d: %s", path, line, *m.err ? m.err : "malformed line");
        goto out;
    }
    if (!*m.model || !*m.name || !*m.backend) {
        s = ait_fail(d, AIT_E_PARSE, "%s: not an aitune-gen manifest (model.path, model.name, choice.backend)", path);
        goto out;
    }
    void *bytes;
    size_t len;
    ait_graph *g = NULL;
    const ait_backend *b = ait_backend_for(m.backend, *m.arch ? m.arch : "native");
    if (!b) {
        s = ait_fail(d, AIT_E_CONFIG, "%s: unknown backend '%s'", path, m.backend);
        goto out;
    }
    if ((s = ait_read_file(&a, m.model, &bytes, &len, d)) != AIT_OK)
        goto out;
    unsigned long long h = (unsigned long long)XXH64(bytes, len, 0);
    if (h != m.xxh64) {
        s = ait_fail(d, AIT_E_MODEL, "%s: the model changed since it was tuned (xxh64 %016llx, manifest %016llx)",
                     m.model, h, m.xxh64);
        goto out;
    }
    if ((s = ait_onnx_load_bytes(&a, m.model, bytes, len, &g, d)) != AIT_OK)
        goto out;
    for (int i = 0; i < m.plan.n; i++) {
        for (int k = 0; k < g->n_nodes && !m.plan.c[i].node; k++)
            if (XXH64(g->nodes[k].name, strlen(g->nodes[k].name), 0) == m.node_hash[i])
                m.plan.c[i].node = g->nodes[k].name;
        if (!m.plan.c[i].node) {
            s = ait_fail(d, AIT_E_PARSE, "%s: [knobs] node%d names no node of %s", path, i, m.model);
            goto out;
        }
    }
    for (int i = 0; i < m.calib.n; i++) {
        for (int k = 0; k < g->n_t && !m.calib.names[i]; k++)
            if (XXH64(g->t[k].name, strlen(g->t[k].name), 0) == m.calib_hash[i])
                m.calib.names[i] = g->t[k].name;
        if (!m.calib.names[i]) {
            s = ait_fail(d, AIT_E_PARSE, "%s: [calib] tensor%d names no tensor of %s", path, i, m.model);
            goto out;
        }
    }
    if (b->calibrated && !m.has_calib) {
        s = ait_fail(d, AIT_E_PARSE, "%s: backend %s needs the [calib] section the tuner wrote", path, b->name);
        goto out;
    }
    ait_tensor *bind = AIT_NEW(&a, ait_tensor, g->n_inputs + 1);
    for (int k = 0; k < g->n_inputs; k++) {
        bind[k].rank = 0;
        if (strcmp(m.shape[k], "scalar") != 0)
            for (char *p = m.shape[k]; *p && bind[k].rank < AIT_MAX_RANK; p += *p == 'x')
                bind[k].dims[bind[k].rank++] = strtoll(p, &p, 10);
    }
    ait_dyn_dims dyn = {.n = m.n_dims, .n_in = g->n_inputs, .of = AIT_NEW(&a, int, g->n_inputs * AIT_MAX_RANK + 1)};
    if ((s = manifest_dims(&m, g, &dyn, path, d)) != AIT_OK)
        goto out;
    ait_model_src src = {m.model, bytes, len, {AIT_LIMIT_TENSOR_DEFAULT, AIT_LIMIT_TOTAL_DEFAULT}, ait_fold_cache_new()};
    folds = src.folds;
    ait_config dflt;
    ait_config_defaults(&dflt); /* the manifest does not record the split: the default threshold */
    ait_target_graph tg = {&src, bind, m.max_batch, m.batched_in, m.batched_out, m.name, (size_t)dflt.weights_file_bytes,
                           &dyn, m.dims_verify_max > 0 ? m.dims_verify_max : dflt.dims_verify_max,
                           ait_target_threads(m.threads, &dyn), *m.deps ? m.deps : "none",
                           m.has_calib ? &m.calib : NULL};
    char *dir = dirname(ait_arena_strdup(&a, path));
    char *bn = ait_arena_printf(&a, " * command: %s\n * generator: aitune-gen %s\n * re-emitted from %s without tuning\n"
                                    " * backend: %s\n",
                                ait_esc_str(&a, AIT_ESC_C_COMMENT, o->cmdline), AIT_VERSION,
                                ait_esc_str(&a, AIT_ESC_C_COMMENT, path), b->name);
    ait_emitted e;
    if ((s = ait_emit_with_backend(&a, &tg, b, bn, &m.plan, NULL, &e, d)) != AIT_OK)
        goto out;
    char *source = with_include(&a, m.name, e.source.s);
    ait_sb pool = {0};
    pool_file(&pool, bn, m.name, tg.threads);
    ait_out_file files[4] = {
        {ait_arena_printf(&a, "%s.h", m.name), e.header.s, e.header.len},
        {ait_arena_printf(&a, "%s.c", m.name), source, strlen(source)},
        {ait_arena_printf(&a, "%s_pthreads.c", m.name), pool.s, pool.len},
        {ait_arena_printf(&a, "%s_weights.c", m.name), e.weights.s, e.weights.len},
    };
    s = ait_output_write(dir, files, compact_files(files, 4), d);
    ait_sb_free(&pool);
    if (s == AIT_OK)
        s = drop_stale(dir, m.name, &e, tg.threads, d);
    if (s == AIT_OK && o->log)
        fprintf(o->log, "re-emitted %s/%s.{c,h} from %s (backend %s), no tuning\n", dir, m.name, path, b->name);
    ait_emitted_free(&e);
out:
    ait_fold_cache_free(folds);
    ait_arena_free_all(&a);
    return s;
}
