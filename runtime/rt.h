/* libaitune's inside: one module, its shapes, its eager and tuned code.
 *
 * The public descriptor (aitune.h's ait_tensor) is spelled ait_rt_tensor here: the pipeline's
 * own ait_tensor (ir/graph.h) is a graph tensor.  Same struct, other name: C links by symbol,
 * so the functions keep the contract's signatures. */
#ifndef AIT_RT_H
#define AIT_RT_H

#define ait_tensor ait_rt_tensor
#include "runtime/aitune.h"
#undef ait_tensor

#include <pthread.h>

#include "gen/compile.h"
#include "gen/config.h"
#include "gen/model_load.h"
#include "ir/graph.h"
#include "ir/samples.h"

typedef int (*ait_rt_run_io)(void *ws, const void *const *in, void *const *out, int batch);
typedef int (*ait_rt_run_dims)(void *ws, const void *const *in, void *const *out, int batch, const int *dims);

enum { AIT_RT_MAX_IO = 64, AIT_RT_MAX_SHAPES = 64, AIT_RT_MAX_RECORDED = 256, AIT_RT_HISTORY = 512 };

/* One set of input shapes seen in a call: the output shapes the model gives them, and (once
 * a call needed it) the reference compiled for exactly these shapes with libtcc. */
typedef struct {
    int n_in;
    int rank[AIT_RT_MAX_IO];
    int64_t dims[AIT_RT_MAX_IO][AIT_MAX_RANK];
    int n_out;
    int out_dtype[AIT_RT_MAX_IO], out_rank[AIT_RT_MAX_IO];
    int64_t out_dims[AIT_RT_MAX_IO][AIT_MAX_RANK];
    size_t out_bytes[AIT_RT_MAX_IO];
    ait_compiled *eager;
    ait_rt_run_io eager_run;
    void *eager_ws;
    int tuned_fit;              /* -1 not asked yet, 0 outside the tuned spec, 1 inside */
    int batch;                  /* tuned call: the batch argument */
    int dimv[8];                /* tuned call with dynamic axes: their values */
    long long calls;
    int logged_outside;         /* "outside every tuned spec" said once */
} ait_rt_shape;

/* The tuned code of a module: a shared object built from the files aitune-gen writes, with
 * what its manifest says it accepts. */
typedef struct {
    char dir[1024];             /* the files: <name>.{c,h,report.md,manifest.ini}, <name>.so */
    char name[64];
    ait_compiled *so;
    ait_rt_run_io run;
    ait_rt_run_dims run_dims;   /* NULL: no dynamic axes */
    void *ws;
    size_t arena;
    char backend[64];
    int max_batch;
    int n_in, n_out;
    int rank[AIT_RT_MAX_IO];
    int64_t dims[AIT_RT_MAX_IO][AIT_MAX_RANK];   /* one item's shape; dynamic axes at their max */
    int batched_in[AIT_RT_MAX_IO];
    int n_dims;
    long long dim_lo[8], dim_hi[8];
    int dim_of[AIT_RT_MAX_IO][AIT_MAX_RANK];     /* input axis -> dynamic axis, -1 none */
    int loaded_with_tcc;
    int owned;                  /* dir is the module's own temporary folder: removed with it */
} ait_rt_tuned;

/* A graph break's chain (segment.c): the static part before the break node, and the rest
 * specialized per value of the tensor the break needs. */
enum { AIT_RT_MAX_VALUES = 16 };
typedef struct {
    ait_module *mod;
    void *value;
    size_t len;
    int rank;
    int64_t dims[AIT_MAX_RANK];
    char **in, **out;
    int n_in, n_out;
    long long uses;
} ait_rt_tail;

/* A static segment: a run of nodes as a module of its own; a scope's when split by scopes. */
enum { AIT_RT_MAX_SEGS = 64 };
typedef struct {
    ait_module *mod;
    char **in, **out;
    int n_in, n_out;
} ait_rt_seg;

typedef struct {
    ait_rt_seg seg[AIT_RT_MAX_SEGS]; /* in node order */
    int n_seg;
    int break_at;               /* -1: no break (split by scopes); else the tail's first node */
    char value_name[256];
    ait_rt_tail tails[AIT_RT_MAX_VALUES];
    int n_tails;
} ait_rt_chain;

struct ait_module {
    pthread_mutex_t lock;       /* calls are serialized: one module runs one call at a time */
    char label[256];            /* as the app named it */
    char cname[64];             /* C identifier for the emitted symbols */
    char model_path[1024];
    ait_config cfg;
    ait_arena arena;            /* the model and its graph: lives as long as the module */
    void *bytes;
    size_t len;
    ait_model_src src;
    ait_graph *g;               /* imported, not bound: declared inputs and outputs */
    double params;
    ait_state state;
    int jit;                    /* AITUNE_JIT=1 at open */
    int log_info;               /* AITUNE_JIT_LOG=info */
    int gcc;                    /* gcc runs here: the tuned code is gcc-built */
    ait_rt_shape *shapes;
    int n_shapes;
    /* recording: copies of the calls' inputs */
    ait_arena rec_arena;
    ait_sample *rec;
    int n_rec;
    size_t rec_bytes;
    ait_rt_tuned *tuned;        /* NULL: none */
    ait_rt_tuned *pending;      /* tuned in the background, swapped in at the next call */
    pthread_t tuner;
    int tuning;                 /* a background tuning runs */
    int tuner_joinable;
    char pending_error[1024];   /* why the background tuning failed (state EAGER at next call) */
    int pending_failed;
    long long calls, tuned_calls;
    char *history[AIT_RT_HISTORY];
    int n_history;
    double opened_at;
    void *out_buf[AIT_RT_MAX_IO];
    size_t out_cap[AIT_RT_MAX_IO];
    char graph_break[512];      /* first data-dependent op found ("" none) */
    int break_checked;
    int dry_run_done;           /* jit.dry_run: what would be tuned was logged */
    ait_rt_chain *chain;        /* a graph break: runs as segments (NULL: one piece) */
    char seg_dir[1024];         /* the segments' models */
    int n_seg_files;
    int depth;                  /* 0: a module the app opened; segments one deeper */
    int scope_level;            /* node-name components its nodes share (its scope's level) */
};

/* this thread's last failure; returns -code */
int ait_rt_fail(ait_status code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ait_rt_fail_diag(const ait_diag *d);
void ait_rt_history(ait_module *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "classifier 📊11.7K level=0🪜 state=tuned🎯 (simd) call_count=4" */
void ait_rt_describe(const ait_module *m, char *buf, size_t n);
double ait_rt_now(void);
size_t ait_rt_bytes(const ait_rt_tensor *t); /* dense bytes of a descriptor's shape */
const char *ait_rt_state_marker(ait_state s); /* the seeds' ⏳ 🔴 🎯 ⚠️ 🚫 ☑️ */
/* 11.7M, 9.4K, 128: as the seeds print parameter counts */
void ait_rt_count_str(double v, char *buf, size_t n);
/* A finished tuning's result taken: the tuned code swapped in (said in the history when it ran in
 * the background), or a failure (state EAGER, the scopes one level down tuned instead, in the
 * background when background); 1 when a failure's scopes tuned. */
int ait_rt_take_pending(ait_module *m, int background);

/* module.c: opens the model with a parsed config (artifact.c loads through it) */
ait_module *ait_rt_open(const char *onnx_path, const char *name, const ait_config *c, int jit);

/* eager.c */
ait_rt_shape *ait_rt_shape_of(ait_module *m, const ait_rt_tensor *in, int n_in);
int ait_rt_run_eager(ait_module *m, ait_rt_shape *sh, const void *const *in, void *const *out);
void ait_rt_shapes_free(ait_module *m);

/* tune.c */
int ait_rt_record(ait_module *m, const ait_rt_tensor *in, int n_in);
void ait_rt_recording_free(ait_module *m);
int ait_rt_tune(ait_module *m, int dry_run, int background);
/* after the module's own tuning failed: its scopes one level down as modules, fed the recorded
 * calls and tuned (0: some tuned; negative: none, or no scopes to split into) */
int ait_rt_tune_children(ait_module *m, int background);
/* the tuned code accepts these shapes: sets sh->tuned_fit, batch, dimv */
int ait_rt_fits(const ait_rt_tuned *t, ait_rt_shape *sh);
int ait_rt_run_tuned(ait_rt_tuned *t, const ait_rt_shape *sh, const void *const *in, void *const *out);
/* opens the tuned code in dir (its manifest and <name>.so; with no .so, compiled with libtcc) */
int ait_rt_tuned_open(const char *dir, const char *name, ait_rt_tuned **out);
void ait_rt_tuned_free(ait_rt_tuned *t);

/* jit.c: [jit] and AITUNE_JIT_* applied to c; the JIT cache */
int ait_rt_jit_config(ait_config *c);
int ait_rt_cache_lookup(ait_module *m);
void ait_rt_cache_store(ait_module *m);

/* artifact.c: the artifact of m's tuned code written to dir (replacing what is there); the sums
 * of an artifact checked */
int ait_rt_save_to(const ait_module *m, const char *dir);
int ait_rt_check_sums(const char *dir);
void ait_rt_remove_dir(const char *dir); /* a folder of files, and the folder */

/* segment.c: the chain built from a failed resolve (why names the tensor whose value decides
 * shapes); a call through it, into final (the segments' buffers) */
int ait_rt_chain_build(ait_module *m, const ait_diag *why);
/* the module's tuning failed: its nodes as one static segment per scope one level down (0 when
 * it has fewer than two, or is at jit.max_depth_level) */
int ait_rt_chain_scopes(ait_module *m);
int ait_rt_chain_run(ait_module *m, const ait_rt_tensor *inputs, ait_rt_tensor *final);
void ait_rt_chain_free(ait_rt_chain *ch);
void ait_rt_tail_free(ait_rt_tail *t);

/* hierarchy.c */
const char *ait_rt_find_graph_break(ait_module *m);

/* sha256.c */
void ait_sha256(const void *data, size_t len, unsigned char out[32]);
int ait_sha256_file(const char *path, char hex[65]);

#endif
