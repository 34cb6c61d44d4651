#include "strategies/backend.h"

#include "ir/calib.h"
#include "templates/blas/blas.h"
#include "templates/int8/int8.h"
#include "templates/simd/simd.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const ait_template *reference_template(const ait_backend *b, const ait_graph *g, const ait_node *n)
{
    (void)b;
    (void)g;
    return ait_reference_template(n->op);
}

static const ait_backend reference_backend = {
    .name = "reference",
    .description = "plain C99 loops, shape-specialized: the numerical baseline",
    .key_extra = "reference-1",
    .template_for = reference_template,
};

/* simd and tiled share the templates of templates/simd/; each instance is one flavour (vector
 * width and tile defaults), which its prepare hands to the graph's templates through
 * g->backend_cfg. The instances are filled once (pthread_once) and read-only afterwards. */
typedef struct {
    ait_backend b;
    ait_simd_cfg cfg;
    ait_knob knobs[3];
    char text[3][8];
    char prelude[12288];
    int int8; /* the int8 backend: integer kernels where calibrated (templates/int8), simd elsewhere */
} tile_backend;

static const tile_backend *tile_of(const ait_backend *b)
{
    return (const tile_backend *)b;
}

/* the graph's flavour is the backend's: its templates read it through g->backend_cfg */
static void tile_bind(const ait_backend *b, const ait_graph *g)
{
    ((ait_graph *)g)->backend_cfg = &tile_of(b)->cfg;
}

/* int8: a node its integer kernels serve (calibrated), which the knob search leaves alone */
static int int8_node(const ait_backend *b, const ait_graph *g, const ait_node *n)
{
    float lo, hi;
    return tile_of(b)->int8 && ait_int8_handles(g, n) && ait_calib_range(g->calib, ait_node_in(g, n, 0)->name, &lo, &hi);
}

static const ait_template *tile_template(const ait_backend *b, const ait_graph *g, const ait_node *n)
{
    tile_bind(b, g);
    const ait_template *t = tile_of(b)->int8 ? ait_int8_template(g, n) : NULL;
    return t ? t : ait_simd_template(g, n);
}

static void tile_prepare(const ait_backend *b, ait_graph *g)
{
    tile_bind(b, g);
    if (tile_of(b)->int8)
        ait_int8_prepare_graph(g);
    ait_simd_prepare_graph(g);
}

static int int8_applies(const ait_backend *b, const ait_graph *g, char *why, size_t n)
{
    (void)b;
    if (g->calib && !g->extents_vary)
        return 1;
    snprintf(why, n, "%s", g->extents_vary ? "the int8 backend needs static shapes (no dynamic axes)"
                                           : "the int8 backend needs activation ranges calibrated on recorded samples");
    return 0;
}

static const char *tile_prelude(const ait_backend *b)
{
    return tile_of(b)->prelude;
}

static int tile_variants(const ait_backend *b, const ait_graph *g, const ait_node *n, int (*knobs)[AIT_MAX_KNOBS],
                         int max)
{
    tile_bind(b, g);
    return int8_node(b, g, n) ? 0 : ait_simd_variants(g, n, knobs, max);
}

static int tile_guess(const ait_backend *b, const ait_graph *g, const ait_node *n, int (*knobs)[AIT_MAX_KNOBS],
                      int count)
{
    (void)b;
    (void)g;
    return ait_simd_variant_guess(n, knobs, count);
}

static void tile_prepare_node(const ait_backend *b, ait_graph *g, ait_node *n)
{
    tile_bind(b, g);
    if (!int8_node(b, g, n))
        ait_simd_prepare_node(g, n);
}

#define TILE_BACKEND(NAME, DESCRIPTION, KEY)                                                                           \
    {                                                                                                                  \
        .b = {.name = NAME,                                                                                            \
              .description = DESCRIPTION,                                                                              \
              .key_extra = KEY,                                                                                        \
              .template_for = tile_template,                                                                           \
              .n_knobs = 3,                                                                                            \
              .prepare = tile_prepare,                                                                                 \
              .prelude = tile_prelude,                                                                                 \
              .variants = tile_variants,                                                                               \
              .guess = tile_guess,                                                                                     \
              .prepare_node = tile_prepare_node},                                                                      \
    }

#define SIMD_DESCRIPTION "GCC vector extensions, packed weights, register-blocked GEMM tiles, depthwise kernel"
#define INT8W_DESCRIPTION                                                                                              \
    "simd with Conv/Gemm/MatMul weights stored int8, a symmetric scale per output channel, dequantized in the kernel " \
    "(fp32 activations); validated by [tune] quant_metric"
#define FP16W_DESCRIPTION                                                                                              \
    "simd with Conv/Gemm/MatMul weights stored fp16, widened to fp32 in the kernel (F16C where present); validated "   \
    "by [tune] quant_metric"
#define INT8_DESCRIPTION                                                                                               \
    "static int8 quantization calibrated on the recorded samples: Conv/Gemm/MatMul as integer GEMMs (uint8 "          \
    "activations per tensor, int8 weights per channel, int32 sums, AVX-512 VNNI where present), simd elsewhere; "      \
    "validated by [tune] quant_metric"
/* simd at 16, 8 and 4 floats per vector (AVX-512, AVX2, SSE / NEON), then tiled (scalar), then
 * the weight formats int8w and fp16w, and int8, at each vector width */
enum { N_TILES = 13 };
static tile_backend tile_backends[N_TILES] = {
    TILE_BACKEND("simd", SIMD_DESCRIPTION, "simd-3"),
    TILE_BACKEND("simd", SIMD_DESCRIPTION, "simd-3"),
    TILE_BACKEND("simd", SIMD_DESCRIPTION, "simd-3"),
    TILE_BACKEND("tiled", "scalar C99 register tiles on packed weights, cache-blocked (no vector extensions)",
                 "tiled-2"),
    TILE_BACKEND("int8w", INT8W_DESCRIPTION, "int8w-1"),
    TILE_BACKEND("int8w", INT8W_DESCRIPTION, "int8w-1"),
    TILE_BACKEND("int8w", INT8W_DESCRIPTION, "int8w-1"),
    TILE_BACKEND("fp16w", FP16W_DESCRIPTION, "fp16w-1"),
    TILE_BACKEND("fp16w", FP16W_DESCRIPTION, "fp16w-1"),
    TILE_BACKEND("fp16w", FP16W_DESCRIPTION, "fp16w-1"),
    TILE_BACKEND("int8", INT8_DESCRIPTION, "int8-1"),
    TILE_BACKEND("int8", INT8_DESCRIPTION, "int8-1"),
    TILE_BACKEND("int8", INT8_DESCRIPTION, "int8-1"),
};
static const int tile_vl[N_TILES] = {16, 8, 4, 1, 16, 8, 4, 16, 8, 4, 16, 8, 4};
static const int tile_wfmt[N_TILES] = {AIT_WF_F32,  AIT_WF_F32,  AIT_WF_F32, AIT_WF_F32, AIT_WF_INT8,
                                       AIT_WF_INT8, AIT_WF_INT8, AIT_WF_F16, AIT_WF_F16, AIT_WF_F16,
                                       AIT_WF_F32,  AIT_WF_F32,  AIT_WF_F32};
enum { FIRST_INT8 = 10 };
static pthread_once_t tiles_once = PTHREAD_ONCE_INIT;

static void init_tiles(void)
{
    for (int t = 0; t < N_TILES; t++) {
        tile_backend *tb = &tile_backends[t];
        tb->cfg = ait_simd_default_cfg(tile_vl[t]);
        tb->cfg.wfmt = tile_wfmt[t];
        tb->b.quantized = tile_wfmt[t] != AIT_WF_F32;
        const char *names[3] = {"vl", "mr", "nv"};
        int vals[3] = {tb->cfg.vl, tb->cfg.mr, tb->cfg.nv};
        for (int i = 0; i < 3; i++) {
            snprintf(tb->text[i], sizeof tb->text[i], "%d", vals[i]);
            tb->knobs[i].name = names[i];
            tb->knobs[i].value = tb->text[i];
        }
        tb->b.knobs = tb->knobs;
        ait_simd_prelude(&tb->cfg, tb->prelude, sizeof tb->prelude);
        if (t >= FIRST_INT8) {
            tb->int8 = 1;
            tb->b.quantized = tb->b.calibrated = 1;
            tb->b.applies = int8_applies;
            size_t used = strlen(tb->prelude);
            ait_int8_prelude(tb->cfg.vl, tb->prelude + used, sizeof tb->prelude - used);
        }
    }
}

/* The vector width of [target] arch: native asks this CPU; cross targets get 4 (SSE, NEON). */
static int arch_vl(const char *arch)
{
    if (arch && strcmp(arch, "native") == 0) {
#if defined(__x86_64__)
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") ? 16 : __builtin_cpu_supports("avx2") ? 8 : 4;
#else
        return 4;
#endif
    }
    return arch && strcmp(arch, "x86-64-v3") == 0 ? 8 : 4;
}

/* The instance of a vector backend (simd, int8w, fp16w: first at 16 floats, then 8, then 4)
 * for arch; NULL if name is none of them. */
static const ait_backend *vector_for(const char *name, const char *arch)
{
    static const char *const vector_names[] = {"simd", "int8w", "fp16w", "int8"};
    static const int first[] = {0, 4, 7, FIRST_INT8};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, vector_names[i]) == 0) {
            int vl = arch_vl(arch);
            return &tile_backends[first[i] + (vl == 16 ? 0 : vl == 8 ? 1 : 2)].b;
        }
    return NULL;
}

int ait_backend_allowed(const ait_backend *b, const char *deps, char *why, size_t n)
{
    if (!b->needs || (deps && strcmp(deps, "openblas") == 0))
        return 1;
    snprintf(why, n, "the %s backend needs [target] deps = openblas (the emitted code then links OpenBLAS)", b->name);
    return 0;
}

static const ait_template *blas_template(const ait_backend *b, const ait_graph *g, const ait_node *n)
{
    (void)b;
    return ait_blas_template(g, n);
}

static const char *blas_prelude(const ait_backend *b)
{
    (void)b;
    return ait_blas_prelude();
}

static const ait_backend blas_backend = {
    .name = "blas",
    .description = "im2col + cblas_sgemm (OpenBLAS) for Conv, Gemm, MatMul; needs [target] deps = openblas",
    .key_extra = "blas-1",
    .template_for = blas_template,
    .prelude = blas_prelude,
    .libs = "-lopenblas",
    .needs = "OpenBLAS (#include <cblas.h>; link with -lopenblas)",
};

enum { MAX_BACKENDS = 32 };
/* the vector backends' rows are their native instances; ait_backend_for gives another arch's */
static const ait_backend *registry[MAX_BACKENDS] = {
    &reference_backend,  &tile_backends[0].b, &tile_backends[3].b,         &blas_backend,
    &tile_backends[4].b, &tile_backends[7].b, &tile_backends[FIRST_INT8].b};
static int n_registry = 7;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

static void ensure_tiles(void)
{
    pthread_once(&tiles_once, init_tiles);
}

const ait_backend *ait_backend_for(const char *name, const char *arch)
{
    ensure_tiles();
    const ait_backend *v = vector_for(name, arch);
    if (v)
        return v;
    pthread_mutex_lock(&registry_lock);
    const ait_backend *b = NULL;
    for (int i = 0; i < n_registry && !b; i++)
        if (strcmp(registry[i]->name, name) == 0)
            b = registry[i];
    pthread_mutex_unlock(&registry_lock);
    return b;
}

const ait_backend *ait_backend_find(const char *name)
{
    return ait_backend_for(name, "native");
}

int ait_backend_count(void)
{
    return n_registry;
}

const ait_backend *ait_backend_at(int i)
{
    static const char *const native[] = {[1] = "simd", [4] = "int8w", [5] = "fp16w", [6] = "int8"};
    if (i >= 0 && i < 7 && native[i])
        return ait_backend_find(native[i]);
    ensure_tiles();
    pthread_mutex_lock(&registry_lock);
    const ait_backend *b = i >= 0 && i < n_registry ? registry[i] : NULL;
    pthread_mutex_unlock(&registry_lock);
    return b;
}

int ait_backend_register(const ait_backend *b)
{
    if (ait_backend_find(b->name))
        return -1;
    pthread_mutex_lock(&registry_lock);
    int ok = n_registry < MAX_BACKENDS;
    if (ok)
        registry[n_registry++] = b;
    pthread_mutex_unlock(&registry_lock);
    return ok ? 0 : -1;
}

void ait_backend_describe(const ait_backend *b, char *buf, size_t n)
{
    size_t k = (size_t)snprintf(buf, n, "%s(", b->name);
    for (int i = 0; i < b->n_knobs && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%s=%s", i ? "," : "", b->knobs[i].name, b->knobs[i].value);
    if (k < n)
        snprintf(buf + k, n - k, ")");
}

const ait_template *ait_backend_pick(void *ctx, const ait_graph *g, const ait_node *n, const char **backend)
{
    const ait_backend *b = ctx;
    const ait_template *t = b->template_for(b, g, n);
    if (t && (!t->applies || t->applies(g, n))) {
        *backend = b->name;
        return t;
    }
    return NULL; /* reference fallback */
}
