/* A backend: a family of op templates behind one vtable.  Strategies only
 * see this interface, so new backends (simd, tiled, blas) plug in by adding a
 * row to the registry.
 *
 *   const ait_backend *b = ait_backend_find("reference");
 *   const ait_template *t = b->template_for(b, graph, node);  // NULL: not applicable
 */
#ifndef AIT_BACKEND_H
#define AIT_BACKEND_H

#include "templates/template.h"

typedef struct {
    const char *name;        /* e.g. "tile_m" */
    const char *value;       /* current setting, as text */
} ait_knob;

typedef struct ait_backend ait_backend;
struct ait_backend {
    const char *name;        /* config name: [tune] backends = ... */
    const char *description; /* one line, for logs */
    const char *key_extra;   /* what distinguishes builds beyond name and knobs (version) */
    /* (optional) whole-graph check before building: false means "not applicable" with a reason */
    int (*applies)(const ait_backend *b, const ait_graph *g, char *why, size_t n);
    /* Template for one node; NULL falls back to the reference template for that node. */
    const ait_template *(*template_for)(const ait_backend *b, const ait_graph *g, const ait_node *n);
    const ait_knob *knobs;   /* (optional) tunable settings */
    int n_knobs;
    const char *libs;        /* (optional) link flags this backend's code needs, e.g. "-lopenblas" */
    const char *needs;       /* (optional) the dependency, stated in the emitted banners */
    /* (optional) rewrites the candidate's own graph before emission (e.g. adds packed weights) */
    void (*prepare)(const ait_backend *b, ait_graph *g);
    /* (optional) helpers emitted once after the includes of a file using this backend */
    const char *(*prelude)(const ait_backend *b);
    /* (optional) the knob search: the per-node settings worth measuring (into knobs[], the
     * default first; returns how many, 0 or 1 meaning nothing to search), and prepare for
     * one node, which the search runs on each variant (n->knobs set) */
    int (*variants)(const ait_backend *b, const ait_graph *g, const ait_node *n, int (*knobs)[AIT_MAX_KNOBS],
                    int max);
    void (*prepare_node)(const ait_backend *b, ait_graph *g, ait_node *n);
    /* (optional) the index among variants()'s settings of the one to expect fastest: the search
     * measures it as the default and keeps it where the budget runs out before the node */
    int (*guess)(const ait_backend *b, const ait_graph *g, const ait_node *n, int (*knobs)[AIT_MAX_KNOBS], int count);
    /* its results differ from fp32 by design (weights or activations quantized): validated by
     * [tune] quant_metric / quant_min instead of rtol / atol */
    int quantized;
    /* quantizes activations with ranges measured on the recorded samples (ait_graph.calib; the
     * pipeline calibrates when such a backend is a candidate); not applicable without them */
    int calibrated;
};

/* The built-in backends, in a registry table. */
const ait_backend *ait_backend_find(const char *name);
int ait_backend_count(void);
const ait_backend *ait_backend_at(int i);
/* Adds a backend at run time (tests inject faulty ones); returns 0 on success. */
int ait_backend_register(const ait_backend *b);

/* The backend named so for [target] arch (the simd vector width follows it; native asks this
 * CPU); ait_backend_find is ait_backend_for(name, "native"). NULL if unknown. */
const ait_backend *ait_backend_for(const char *name, const char *arch);
/* [target] deps: a backend that needs a library (blas) is allowed only when deps names it;
 * 0 with the reason in why otherwise. */
int ait_backend_allowed(const ait_backend *b, const char *deps, char *why, size_t n);

/* The emitter's `pick` for backend ctx (an ait_backend): its template for the node when it has
 * one that applies, else NULL (the reference's). */
const ait_template *ait_backend_pick(void *ctx, const ait_graph *g, const ait_node *n, const char **backend);

/* "reference(knob=value,...)" */
void ait_backend_describe(const ait_backend *b, char *buf, size_t n);

#endif
