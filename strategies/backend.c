#include "strategies/backend.h"

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

static const ait_template *simd_template(const ait_backend *b, const ait_graph *g, const ait_node *n)
{
    (void)b;
    return ait_simd_template(g, n);
}

static void simd_prepare(const ait_backend *b, ait_graph *g)
{
    (void)b;
    ait_simd_prepare_graph(g);
}

static const char *simd_prelude(const ait_backend *b)
{
    (void)b;
    return ait_simd_prelude();
}

static ait_knob simd_knobs[3];
static char simd_knob_text[3][8];

static const ait_backend simd_backend = {
    .name = "simd",
    .description = "GCC vector extensions, packed weights, register-blocked GEMM tiles, depthwise kernel",
    .key_extra = "simd-1",
    .template_for = simd_template,
    .knobs = simd_knobs,
    .n_knobs = 3,
    .prepare = simd_prepare,
    .prelude = simd_prelude,
};

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
    ait_simd_set_vl(vl);
    const ait_simd_cfg *c = ait_simd_config();
    const char *names[3] = {"vl", "mr", "nv"};
    int vals[3] = {c->vl, c->mr, c->nv};
    for (int i = 0; i < 3; i++) {
        snprintf(simd_knob_text[i], sizeof simd_knob_text[i], "%d", vals[i]);
        simd_knobs[i].name = names[i];
        simd_knobs[i].value = simd_knob_text[i];
    }
}

enum { MAX_BACKENDS = 32 };
static const ait_backend *registry[MAX_BACKENDS] = {&reference_backend, &simd_backend};
static int n_registry = 2;

const ait_backend *ait_backend_find(const char *name)
{
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
