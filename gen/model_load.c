#include "gen/model_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/kernel.h"
#include "ir/onnx.h"

ait_status ait_bind_shape_arg(ait_graph *g, const char *arg, ait_diag *d)
{
    const char *eq = strchr(arg, '=');
    int idx = 0;
    if (eq) {
        idx = -1;
        for (int i = 0; i < g->n_inputs; i++)
            if (strlen(g->t[g->inputs[i]].name) == (size_t)(eq - arg) &&
                strncmp(g->t[g->inputs[i]].name, arg, (size_t)(eq - arg)) == 0)
                idx = i;
        if (idx < 0)
            return ait_fail(d, AIT_E_USAGE, "--shape %s: the model has no input named '%.*s'", arg, (int)(eq - arg),
                            arg);
        arg = eq + 1;
    }
    if (idx >= g->n_inputs)
        return ait_fail(d, AIT_E_USAGE, "--shape: the model has no inputs");
    int64_t dims[AIT_MAX_RANK];
    int rank = 0;
    for (const char *p = arg; *p;) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p || v < 0 || rank == AIT_MAX_RANK || (*end && *end != 'x'))
            return ait_fail(d, AIT_E_USAGE, "--shape %s: expected dimensions like 1x3x224x224", arg);
        dims[rank++] = v;
        p = *end ? end + 1 : end;
    }
    return ait_graph_bind_input(g, idx, rank, dims, d);
}

int ait_bind_symbolic_to_one(ait_graph *g, char *note, size_t n)
{
    int count = 0;
    size_t k = 0;
    note[0] = 0;
    for (int i = 0; i < g->n_inputs; i++) {
        ait_tensor *t = &g->t[g->inputs[i]];
        for (int j = 0; j < t->rank; j++)
            if (t->dims[j] < 0) {
                t->dims[j] = 1;
                count++;
                if (k < n)
                    k += (size_t)snprintf(note + k, n - k, "%s%s[%d]%s%s=1", k ? ", " : "", t->name, j,
                                          t->dim_param[j] ? " " : "", t->dim_param[j] ? t->dim_param[j] : "");
            }
    }
    return count;
}

ait_status ait_model_prepare(ait_arena *a, const ait_model_src *m, const ait_tensor *shapes, ait_graph **out,
                             ait_diag *d)
{
    ait_graph *g;
    AIT_TRY(ait_onnx_load_bytes(a, m->path, m->bytes, m->len, &g, d));
    g->limits = m->limits;
    g->fold_cache = m->folds;
    for (int i = 0; i < g->n_inputs; i++)
        AIT_TRY(ait_graph_bind_input(g, i, shapes[i].rank, shapes[i].dims, d));
    AIT_TRY(ait_graph_resolve(g, d));
    *out = g;
    return AIT_OK;
}
