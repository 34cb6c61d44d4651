#include "gen/inspect.h"

#include <string.h>

#include "ir/escape.h"
#include "gen/kernel.h"
#include "ir/ops.h"

typedef ait_scope scope;

static scope *child_of(ait_arena *a, scope *s, const char *name, size_t len)
{
    scope **p = &s->child;
    for (; *p; p = &(*p)->next)
        if ((*p)->name_len == len && strncmp((*p)->name, name, len) == 0)
            return *p;
    *p = AIT_NEW(a, scope, 1);
    (*p)->name = name;
    (*p)->name_len = len;
    return *p;
}

static void print_scope(FILE *f, const scope *s, int depth, int max_depth)
{
    char label[96], name[96], raw[96];
    int ind = depth * 2;
    snprintf(raw, sizeof raw, "%.*s", (int)s->name_len, s->name);
    snprintf(label, sizeof label, "%*s%s", ind, "", ait_esc_buf(name, sizeof name, AIT_ESC_TEXT, raw));
    fprintf(f, "%-48s %6d %11.0f %10.3f  ", label, s->nodes, s->params, s->flops / 1e6);
    int shown = 0, used[AIT_OP_COUNT] = {0}; /* ops by count, largest first, at most 4 */
    for (; shown < 4; shown++) {
        int best = -1;
        for (int k = 0; k < AIT_OP_COUNT; k++)
            if (s->op_count[k] && !used[k] && (best < 0 || s->op_count[k] > s->op_count[best]))
                best = k;
        if (best < 0)
            break;
        used[best] = 1;
        fprintf(f, "%s%s x%d", shown ? ", " : "", ait_ops[best].name, s->op_count[best]);
    }
    fputc('\n', f);
    if (depth >= max_depth)
        return;
    for (const scope *c = s->child; c; c = c->next)
        if (c->child || c->nodes > 1) /* leaves that are one node are the node itself: not a module */
            print_scope(f, c, depth + 1, max_depth);
}

ait_scope *ait_scope_tree(ait_arena *a, const ait_graph *g)
{
    scope *root = AIT_NEW(a, scope, 1);
    root->name = "(model)";
    root->name_len = 7;
    int *seen_param = AIT_NEW(a, int, g->n_t + 1); /* last scope path index that counted each weight */
    for (int k = 0; k < g->n_nodes; k++) {
        const ait_node *n = &g->nodes[k];
        if (n->folded)
            continue; /* shape arithmetic and constants are not part of the computation */
        double flops = ait_node_flops(g, n), params = 0;
        for (int i = 0; i < n->n_in; i++) {
            const ait_tensor *t = ait_node_in(g, n, i);
            if (t && t->data && !seen_param[n->in[i]]++)
                params += (double)ait_tensor_numel(t);
        }
        /* walk the scope path: every '/'-separated component but the last (the node's own name) */
        scope *s = root;
        const char *p = n->name;
        for (;;) {
            s->nodes++;
            s->params += params;
            s->flops += flops;
            if (n->op >= 0 && n->op < AIT_OP_COUNT)
                s->op_count[n->op]++;
            while (*p == '/')
                p++;
            const char *slash = strchr(p, '/');
            if (!slash)
                break;
            s = child_of(a, s, p, (size_t)(slash - p));
            p = slash;
        }
    }
    return root;
}

void ait_inspect_print(FILE *f, const ait_graph *g, int max_depth)
{
    ait_arena a = {0};
    scope *root = ait_scope_tree(&a, g);
    fprintf(f, "%-48s %6s %11s %10s  %s\n", "scope", "nodes", "params", "MFLOP", "ops");
    print_scope(f, root, 0, max_depth);
    ait_arena_free_all(&a);
}
