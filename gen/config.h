/* config.ini (inih): every key of DESIGN.md with its default, plus
 * `--set section.key=value` overrides.  Unknown keys and bad values are
 * errors naming the file, line and key.  Model and sample paths are relative
 * to the config file's folder; output and cache dirs to the working dir. */
#ifndef AIT_CONFIG_H
#define AIT_CONFIG_H

#include <stddef.h>

#include "ir/spec.h"
#include "ir/status.h"

enum { AIT_MAX_BATCH_SIZES = 16, AIT_MAX_BACKENDS = 8, AIT_PATH = 1024, AIT_MAX_MODULES = 16 };

/* One [model.<label>] section: a module tuned in the same run, into the same out/, with its own
 * prefix. Its keys (path, name, samples, batch_sizes, dims) are kept as written, with their lines, and
 * checked when the module's own config is made (ait_config_module). */
enum { AIT_MODULE_PATH, AIT_MODULE_NAME, AIT_MODULE_SAMPLES, AIT_MODULE_BATCH_SIZES, AIT_MODULE_DIMS, AIT_MODULE_KEYS };
typedef struct {
    char label[64];
    char value[AIT_MODULE_KEYS][AIT_PATH];
    int line[AIT_MODULE_KEYS];      /* 0: not set */
} ait_module_cfg;

typedef struct {
    char path[AIT_PATH];            /* the config file */
    /* [model] */
    char model_path[AIT_PATH];
    char name[64];
    /* [samples] */
    char samples_path[AIT_PATH];    /* empty: random inputs */
    int batch_sizes[AIT_MAX_BATCH_SIZES], n_batch_sizes;
    int max_batches_per_size;
    ait_dyn_dim dims[AIT_MAX_DIMS];  /* samples.dims: ranges of dynamic axes, by name */
    int n_dims;
    int dims_line;                   /* its line (0: default or --set), for later errors */
    /* [tune] */
    char strategy[32];
    char backends[AIT_MAX_BACKENDS][32];
    int n_backends;
    char compiler[8];
    double rtol, atol;
    char cache_dir[AIT_PATH];
    int correctness_check;
    double trial_timeout_s;
    double budget_s;             /* per-op knob search, per backend */
    char knob_weights[8];        /* hot | cold: the knob search's constants in cache or not */
    char quant_metric[8];        /* cosine | top1: how quantized backends (int8w, fp16w) are validated */
    double quant_min;            /* the metric's least value on every recorded batch (top1: over all) */
    char calib_method[16];       /* int8: activation ranges from minmax or percentile (ir/calib.h) */
    double calib_percentile;     /* percentile: the share (%) of each tensor's values kept in range */
    double latency_budget_ms;    /* strategy latency_budget: the smallest footprint within this latency */
    int dims_verify_max;         /* dynamic axes: the generic code is checked at this many values */
    unsigned long long max_tensor_bytes; /* no tensor of the model may be larger */
    unsigned long long max_total_bytes;  /* nor all of them together */
    /* [target] */
    char arch[16];
    char deps[16];
    int threads;                     /* kernels split into this many tasks (DESIGN.md, threads) */
    unsigned long long flash_bytes;  /* 0: no limit; else code + constants of a candidate at most this */
    unsigned long long ram_bytes;    /* 0: no limit; else its arena at most this */
    /* [output] */
    char out_dir[AIT_PATH];
    unsigned long long weights_file_bytes; /* large constants this big in all go to <name>_weights.c (0: never) */
    int backends_line;              /* line of tune.backends (0: default or --set), for later errors */
    /* [jit] (libaitune's JIT mode; the seeds' jit_config): also AITUNE_JIT_<KEY> variables */
    int jit_min_samples;             /* calls recorded before a module tunes */
    int jit_batch_axis_required;     /* no batch axis found across the calls: not tuned */
    int jit_max_depth_level;         /* scopes below this depth are not tuned on their own */
    unsigned long long jit_min_parameters; /* smaller modules are skipped */
    int jit_detect_graph_breaks;     /* look for data-dependent ops before tuning */
    char jit_skip_modules[512];      /* comma-separated scope names or op types not tuned */
    int jit_dry_run;                 /* log what would be tuned, tune nothing */
    char jit_backends[256];          /* empty: tune.backends */
    char jit_strategy[32];           /* empty: tune.strategy */
    char jit_cache_dir[AIT_PATH];    /* persistent winners across starts (empty: none) */
    char jit_mode[16];               /* tune_deferred (background thread) | tune_eager (inline) */
    ait_module_cfg modules[AIT_MAX_MODULES]; /* [model.<label>] sections, in file order */
    int n_modules;
    int model_line;                 /* first line of a plain [model] key (0: none) */
} ait_config;

void ait_config_defaults(ait_config *c);
/* The config of module i: c with its model path, name (default: the label), samples path and
 * batch sizes (default: [samples]'s), no modules. Errors name the config file and line. */
ait_status ait_config_module(const ait_config *c, int i, ait_config *out, ait_diag *d);
ait_status ait_config_load(ait_config *c, const char *path, ait_diag *d);
/* "section.key=value" */
ait_status ait_config_set(ait_config *c, const char *assignment, ait_diag *d);
/* Canonical text of every key (for hashing and the manifest). */
void ait_config_canonical(const ait_config *c, char *buf, size_t n);

#endif
