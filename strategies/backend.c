#include "strategies/backend.h"

#include "templates/blas/blas.h"
#include "templates/simd/simd.h"

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

/* simd and tiled share the templates of templates/simd/; each selects its flavour
 * (vector width and tile defaults) before the templates run. */
typedef struct {
    ait_backend b;
    ait_simd_cfg cfg;
    ait_knob knobs[3];
    char text[3][8];
} tile_backend;

static const ait_simd_cfg *tile_cfg(const ait_backend *b)
{
    const ait_simd_cfg *c = &((const tile_backend *)b)->cfg;
    ait_simd_use(c);
    return c;
}

static const ait_template *tile_template(const ait_backend *b, const ait_graph *g, const ait_node *n)
{
    tile_cfg(b);
    return ait_simd_template(g, n);
}

static void tile_prepare(const ait_backend *b, ait_graph *g)
{
    tile_cfg(b);
    ait_simd_prepare_graph(g);
}

static const char *tile_prelude(const ait_backend *b)
{
    tile_cfg(b);
    return ait_simd_prelude();
}

static int tile_variants(const ait_backend *b, const ait_graph *g, const ait_node *n, int (*knobs)[AIT_MAX_KNOBS],
                         int max)
{
    tile_cfg(b);
    return ait_simd_variants(g, n, knobs, max);
}

static void tile_prepare_node(const ait_backend *b, ait_graph *g, ait_node *n)
{
    tile_cfg(b);
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
              .prepare_node = tile_prepare_node},                                                                      \
    }

static tile_backend simd_backend =
    TILE_BACKEND("simd", "GCC vector extensions, packed weights, register-blocked GEMM tiles, depthwise kernel", "simd-3");
static tile_backend tiled_backend =
    TILE_BACKEND("tiled", "scalar C99 register tiles on packed weights, cache-blocked (no vector extensions)", "tiled-2");

static void set_tile_cfg(tile_backend *tb, int vl)
{
    tb->cfg = ait_simd_default_cfg(vl);
    const char *names[3] = {"vl", "mr", "nv"};
    int vals[3] = {tb->cfg.vl, tb->cfg.mr, tb->cfg.nv};
    for (int i = 0; i < 3; i++) {
        snprintf(tb->text[i], sizeof tb->text[i], "%d", vals[i]);
        tb->knobs[i].name = names[i];
        tb->knobs[i].value = tb->text[i];
    }
    tb->b.knobs = tb->knobs;
}

void ait_backend_set_arch(const char *arch)
{
    int vl = 4;
    if (arch && strcmp(arch, "native") == 0) {
#if defined(__x86_64__)
        __builtin_cpu_init();
        vl = __builtin_cpu_supports("avx512f") ? 16 : __builtin_cpu_supports("avx2") ? 8 : 4;
#endif
    } else if (arch && strcmp(arch, "x86-64-v3") == 0) {
        vl = 8;
    }
    set_tile_cfg(&simd_backend, vl);
    set_tile_cfg(&tiled_backend, 1);
}

static const char *allowed_deps = "none";

void ait_backend_set_deps(const char *deps)
{
    allowed_deps = deps ? deps : "none";
}

static int blas_applies(const ait_backend *b, const ait_graph *g, char *why, size_t n)
{
    (void)b;
    (void)g;
    if (strcmp(allowed_deps, "openblas") == 0)
        return 1;
    snprintf(why, n, "the blas backend needs [target] deps = openblas (the emitted code then links OpenBLAS)");
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
    .applies = blas_applies,
    .template_for = blas_template,
    .prelude = blas_prelude,
    .libs = "-lopenblas",
    .needs = "OpenBLAS (#include <cblas.h>; link with -lopenblas)",
};

enum { MAX_BACKENDS = 32 };
static const ait_backend *registry[MAX_BACKENDS] = {&reference_backend, &simd_backend.b, &tiled_backend.b, &blas_backend};
static int n_registry = 4;

/* the tile backends' knobs exist once an arch is set; native until then */
static void ensure_arch(void)
{
    if (!simd_backend.cfg.vl)
        ait_backend_set_arch("native");
}

const ait_backend *ait_backend_find(const char *name)
{
    ensure_arch();
    for (int i = 0; i < n_registry; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

int ait_backend_count(void)
{
    return n_registry;
}

const ait_backend *ait_backend_at(int i)
{
    ensure_arch();
    return i >= 0 && i < n_registry ? registry[i] : NULL;
}

int ait_backend_register(const ait_backend *b)
{
    if (n_registry == MAX_BACKENDS || ait_backend_find(b->name))
        return -1;
    registry[n_registry++] = b;
    return 0;
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
