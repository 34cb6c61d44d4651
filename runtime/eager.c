/* The eager path: the reference backend compiled in-process with libtcc for exactly the shapes
 * of a call, cached per shape (the seeds' JIT backend recompiles on a new shape). */
#include "runtime/rt.h"

#include <stdlib.h>
#include <string.h>

#include "gen/emit_model.h"

/* An internal tensor per input, with the call's shapes (shape binding reads only those). */
static void bind_shapes(const ait_module *m, const ait_rt_tensor *in, int n_in, ait_tensor *bind)
{
    for (int k = 0; k < n_in; k++) {
        memset(&bind[k], 0, sizeof bind[k]);
        bind[k].name = m->g->t[m->g->inputs[k]].name;
        bind[k].dtype = in[k].dtype;
        bind[k].rank = in[k].rank;
        memcpy(bind[k].dims, in[k].dims, sizeof(int64_t) * (size_t)in[k].rank);
    }
}

static int same_shapes(const ait_rt_shape *sh, const ait_rt_tensor *in, int n_in)
{
    for (int k = 0; k < n_in; k++)
        if (sh->rank[k] != in[k].rank || memcmp(sh->dims[k], in[k].dims, sizeof(int64_t) * (size_t)in[k].rank))
            return 0;
    return 1;
}

static void eager_free(ait_rt_shape *sh)
{
    if (sh->eager)
        ait_compiler_tcc.release(sh->eager);
    free(sh->eager_ws);
    sh->eager = NULL;
    sh->eager_ws = NULL;
    sh->eager_run = NULL;
}

ait_rt_shape *ait_rt_shape_of(ait_module *m, const ait_rt_tensor *in, int n_in)
{
    for (int i = 0; i < m->n_shapes; i++)
        if (same_shapes(&m->shapes[i], in, n_in))
            return &m->shapes[i];
    if (!m->shapes && !(m->shapes = calloc(AIT_RT_MAX_SHAPES, sizeof *m->shapes))) {
        ait_rt_fail(AIT_E_IO, "out of memory");
        return NULL;
    }
    /* a new shape: its outputs from shape inference over the model bound to it */
    ait_arena a = {0};
    ait_tensor bind[AIT_RT_MAX_IO];
    bind_shapes(m, in, n_in, bind);
    ait_graph *g;
    ait_diag d = {0};
    if (ait_model_prepare(&a, &m->src, bind, &g, &d) != AIT_OK) {
        /* shapes that depend on a value computed at run time: a graph break, run as a chain */
        if (d.code != AIT_E_NEEDS_CONST || m->chain || ait_rt_chain_build(m, &d) != 0)
            ait_rt_fail_diag(&d);
        ait_arena_free_all(&a);
        return NULL;
    }
    int slot = m->n_shapes;
    if (slot == AIT_RT_MAX_SHAPES) { /* the least used shape gives way */
        slot = 0;
        for (int i = 1; i < m->n_shapes; i++)
            if (m->shapes[i].calls < m->shapes[slot].calls)
                slot = i;
        eager_free(&m->shapes[slot]);
    } else {
        m->n_shapes++;
    }
    ait_rt_shape *sh = &m->shapes[slot];
    memset(sh, 0, sizeof *sh);
    sh->tuned_fit = -1;
    sh->n_in = n_in;
    for (int k = 0; k < n_in; k++) {
        sh->rank[k] = in[k].rank;
        memcpy(sh->dims[k], in[k].dims, sizeof(int64_t) * (size_t)in[k].rank);
    }
    sh->n_out = g->n_outputs;
    for (int k = 0; k < g->n_outputs; k++) {
        const ait_tensor *t = &g->t[g->outputs[k]];
        sh->out_dtype[k] = t->dtype;
        sh->out_rank[k] = t->rank;
        memcpy(sh->out_dims[k], t->dims, sizeof(int64_t) * (size_t)t->rank);
        sh->out_bytes[k] = ait_tensor_bytes(t);
    }
    ait_arena_free_all(&a);
    return sh;
}

static int build_eager(ait_module *m, ait_rt_shape *sh)
{
    ait_arena a = {0};
    ait_tensor bind[AIT_RT_MAX_IO];
    ait_rt_tensor in[AIT_RT_MAX_IO];
    for (int k = 0; k < sh->n_in; k++) {
        in[k].dtype = m->g->t[m->g->inputs[k]].dtype;
        in[k].rank = sh->rank[k];
        memcpy(in[k].dims, sh->dims[k], sizeof in[k].dims);
    }
    bind_shapes(m, in, sh->n_in, bind);
    ait_graph *g;
    ait_diag d = {0};
    ait_emitted e = {0};
    int rc = 0;
    double t0 = ait_rt_now();
    ait_emit_opts eo = {.name = "eager"};
    if (ait_model_prepare(&a, &m->src, bind, &g, &d) != AIT_OK || ait_emit_model(g, &eo, &e, &d) != AIT_OK) {
        rc = ait_rt_fail_diag(&d);
    } else {
        char *unit = ait_emitted_unit(&e);
        ait_compile_opts co = {0};
        if (!unit)
            rc = ait_rt_fail(AIT_E_IO, "out of memory");
        else if (ait_compiler_tcc.build(unit, &co, &sh->eager, &d) != AIT_OK)
            rc = ait_rt_fail_diag(&d);
        free(unit);
    }
    if (!rc) {
        sh->eager_run = (ait_rt_run_io)ait_compiler_tcc.sym(sh->eager, "eager_run_io");
        sh->eager_ws = aligned_alloc(64, (e.arena_bytes + 64) / 64 * 64);
        if (!sh->eager_run || !sh->eager_ws) {
            rc = ait_rt_fail(AIT_E_COMPILE, "%s: the eager code lacks eager_run_io", m->label);
            eager_free(sh);
        } else {
            char shape[160] = "";
            size_t k = 0;
            for (int i = 0; i < sh->n_in && k < sizeof shape; i++)
                for (int ax = 0; ax < sh->rank[i] && k < sizeof shape; ax++)
                    k += (size_t)snprintf(shape + k, sizeof shape - k, "%s%lld", ax ? "x" : i ? ", " : "",
                                          (long long)sh->dims[i][ax]);
            ait_rt_history(m, "Eager code of %s for shapes %s (reference, libtcc) built in %.2fs", m->label, shape,
                           ait_rt_now() - t0);
        }
    }
    ait_emitted_free(&e);
    ait_arena_free_all(&a);
    return rc;
}

int ait_rt_run_eager(ait_module *m, ait_rt_shape *sh, const void *const *in, void *const *out)
{
    if (!sh->eager) {
        int rc = build_eager(m, sh);
        if (rc)
            return rc;
    }
    int rc = sh->eager_run(sh->eager_ws, in, out, 1);
    return rc ? ait_rt_fail(AIT_E_RUNTIME, "%s: the eager code returned %d", m->label, rc) : 0;
}

void ait_rt_shapes_free(ait_module *m)
{
    for (int i = 0; i < m->n_shapes; i++)
        eager_free(&m->shapes[i]);
    free(m->shapes);
    m->shapes = NULL;
    m->n_shapes = 0;
}
