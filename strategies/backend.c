#include "strategies/backend.h"

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

enum { MAX_BACKENDS = 32 };
static const ait_backend *registry[MAX_BACKENDS] = {&reference_backend};
static int n_registry = 1;

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
