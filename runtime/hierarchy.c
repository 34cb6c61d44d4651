/* The module hierarchy as the seeds print it (sub-modules are node-name scopes, as
 * `aitune-gen inspect` shows them), and graph breaks: ops whose output shapes depend on input
 * values, control flow, or ops no backend implements. */
#include "runtime/rt.h"

#include <string.h>

#include "gen/inspect.h"
#include "ir/escape.h"
#include "ir/ops.h"

/* The graph at the shapes of the first call (or the declared ones): NULL when it does not
 * resolve, with the reason in d. */
static ait_graph *resolved(ait_module *m, ait_arena *a, ait_diag *d)
{
    ait_tensor bind[AIT_RT_MAX_IO];
    const ait_graph *g = m->g;
    for (int k = 0; k < g->n_inputs; k++) {
        bind[k] = g->t[g->inputs[k]];
        if (m->n_shapes) {
            bind[k].rank = m->shapes[0].rank[k];
            memcpy(bind[k].dims, m->shapes[0].dims[k], sizeof bind[k].dims);
        }
        for (int ax = 0; ax < bind[k].rank; ax++)
            if (bind[k].dims[ax] < 0)
                bind[k].dims[ax] = 1;
    }
    ait_graph *r;
    return ait_model_prepare(a, &m->src, bind, &r, d) == AIT_OK ? r : NULL;
}

static int is_control_flow(const char *op)
{
    static const char *const flow[] = {"If", "Loop", "Scan", "NonZero", "Unique"};
    for (size_t i = 0; i < sizeof flow / sizeof flow[0]; i++)
        if (strcmp(op, flow[i]) == 0)
            return 1;
    return 0;
}

const char *ait_rt_find_graph_break(ait_module *m)
{
    if (m->break_checked)
        return m->graph_break[0] ? m->graph_break : NULL;
    m->break_checked = 1;
    const ait_graph *g = m->g;
    for (int k = 0; k < g->n_nodes; k++)
        if (is_control_flow(g->nodes[k].op_type)) {
            char nm[200], op[64];
            snprintf(m->graph_break, sizeof m->graph_break, "node '%s' (%s): control flow or a data-dependent shape",
                     ait_esc_buf(nm, sizeof nm, AIT_ESC_TEXT, g->nodes[k].name),
                     ait_esc_buf(op, sizeof op, AIT_ESC_TEXT, g->nodes[k].op_type));
            return m->graph_break;
        }
    ait_arena a = {0};
    ait_diag d = {0};
    if (!resolved(m, &a, &d) && (d.code == AIT_E_NEEDS_CONST || d.code == AIT_E_UNSUPPORTED))
        snprintf(m->graph_break, sizeof m->graph_break, "%.500s", d.msg);
    ait_arena_free_all(&a);
    return m->graph_break[0] ? m->graph_break : NULL;
}

static void print_scope(FILE *f, const ait_module *m, const ait_scope *s, int depth)
{
    char label[200], raw[200], p[32];
    snprintf(raw, sizeof raw, "%.*s", (int)s->name_len, s->name);
    ait_esc_buf(label, sizeof label, AIT_ESC_TEXT, depth ? raw : m->label);
    double v = s->params;
    ait_rt_count_str(v, p, sizeof p);
    ait_state st = m->state;
    if (depth) /* a scope inside a tuned module is detached; else it shares the module's state */
        st = m->state == AIT_STATE_TUNED ? AIT_STATE_DETACHED : m->state;
    char root[512];
    if (!depth) {
        ait_rt_describe(m, root, sizeof root);
        fprintf(f, "\xe2\x94\x9c\xe2\x94\x80 %s\n", root);
    } else {
        fprintf(f, "%*s\xe2\x94\x9c\xe2\x94\x80 %s \xf0\x9f\x93\x8a%s level=%d\xf0\x9f\xaa\x9c state=%s%s call_count=%lld\n",
                2 * depth, "", label, p, depth, ait_state_str(st), ait_rt_state_marker(st), m->calls);
    }
    if (depth >= m->cfg.jit_max_depth_level)
        return;
    for (const ait_scope *c = s->child; c; c = c->next)
        if (c->child || c->nodes > 1) /* a leaf of one node is the node, not a module */
            print_scope(f, m, c, depth + 1);
}

/* A module with a graph break: its segments under it, each a module of its own. */
static void print_chain(FILE *f, ait_module *m, int indent)
{
    char line[700];
    ait_module *kids[AIT_RT_MAX_SEGS + AIT_RT_MAX_VALUES];
    int n = 0;
    for (int i = 0; i < m->chain->n_seg; i++)
        kids[n++] = m->chain->seg[i].mod;
    for (int i = 0; i < m->chain->n_tails; i++)
        kids[n++] = m->chain->tails[i].mod;
    for (int i = 0; i < n; i++) {
        pthread_mutex_lock(&kids[i]->lock);
        ait_rt_describe(kids[i], line, sizeof line);
        fprintf(f, "%*s\xe2\x94\x9c\xe2\x94\x80 %s\n", indent, "", line);
        if (kids[i]->chain)
            print_chain(f, kids[i], indent + 2);
        pthread_mutex_unlock(&kids[i]->lock);
    }
}

void ait_module_print_hierarchy(const ait_module *cm, FILE *f)
{
    if (!cm || !f)
        return;
    ait_module *m = (ait_module *)cm; /* the lock, and the graph-break cache */
    pthread_mutex_lock(&m->lock);
    ait_arena a = {0};
    ait_diag d = {0};
    ait_graph *g = m->chain ? NULL : resolved(m, &a, &d); /* a chain shows its segments */
    fprintf(f, "JIT Tuning Hierarchy:\n");
    if (g)
        print_scope(f, m, ait_scope_tree(&a, g), 0);
    else {
        char root[512];
        ait_rt_describe(m, root, sizeof root);
        fprintf(f, "\xe2\x94\x9c\xe2\x94\x80 %s\n", root);
        if (m->chain)
            print_chain(f, m, 2);
    }
    ait_arena_free_all(&a);
    pthread_mutex_unlock(&m->lock);
}
