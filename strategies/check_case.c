#include "strategies/check_case.h"
#include "strategies/trial.h"

#include "gen/passes.h"
#include "strategies/backend.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen/compile.h"
#include "gen/emit_model.h"
#include "gen/kernel.h"
#include "ir/onnx.h"
#include "ir/ops.h"

enum { MAX_IO = 64, MAX_FREEZE = 8 };

int ait_values_close(double got, double want, double rtol, double atol)
{
    if (isnan(want) || isnan(got))
        return isnan(want) && isnan(got);
    if (isinf(want) || isinf(got))
        return got == want;
    return fabs(got - want) <= atol + rtol * fabs(want);
}

/* Reads <dir>/<kind>_K.pb for K = 0, 1, ... */
static ait_status read_tensors(ait_arena *a, const char *dir, const char *kind, ait_tensor *t, int *count,
                               ait_diag *d)
{
    *count = 0;
    for (int k = 0; k < MAX_IO; k++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s_%d.pb", dir, kind, k);
        if (access(path, R_OK) != 0)
            break;
        AIT_TRY(ait_onnx_load_tensor(a, path, &t[k], d));
        (*count)++;
    }
    return AIT_OK;
}

/* Loads the model and binds the case's inputs; inputs named in `frozen` become constants. */
/* onnx 1.12's suite stores bfloat16 test data as uint16 (numpy has no bfloat16): the same bits */
static void bf16_as_uint16(const ait_tensor *model, ait_tensor *data)
{
    if (model->dtype == AIT_DT_BFLOAT16 && data->dtype == AIT_DT_UINT16)
        data->dtype = AIT_DT_BFLOAT16;
}

static ait_status prepare(ait_arena *a, const char *model_path, const ait_tensor *ins, int n_in, char **frozen,
                          int n_frozen, ait_graph **out, ait_diag *d)
{
    ait_graph *g;
    AIT_TRY(ait_onnx_load(a, model_path, &g, d));
    if (g->n_inputs != n_in)
        return ait_fail(d, AIT_E_SHAPE, "%s: model has %d inputs, test data has %d", model_path, g->n_inputs, n_in);
    int ids[MAX_IO];
    for (int i = 0; i < n_in; i++)
        ids[i] = g->inputs[i];
    for (int i = 0; i < n_in; i++) {
        ait_tensor *t = &g->t[ids[i]];
        bf16_as_uint16(t, (ait_tensor *)&ins[i]);
        if (t->dtype != ins[i].dtype)
            return ait_fail(d, AIT_E_SHAPE, "%s: input '%s' is %s, test data is %s", model_path, t->name,
                            ait_dtype_get(t->dtype)->name, ait_dtype_get(ins[i].dtype)->name);
        AIT_TRY(ait_graph_bind_input(g, i, ins[i].rank, ins[i].dims, d));
    }
    for (int f = 0; f < n_frozen; f++)
        for (int i = 0; i < n_in; i++)
            if (strcmp(g->t[ids[i]].name, frozen[f]) == 0)
                ait_graph_freeze_input(g, ids[i], ins[i].data);
    *out = g;
    return AIT_OK;
}

ait_status ait_check_case(const char *model_path, const char *data_dir, const ait_check_opts *o,
                          ait_check_report *rep, ait_diag *d)
{
    memset(rep, 0, sizeof *rep);
    ait_arena a = {0};
    ait_tensor ins[MAX_IO], want[MAX_IO];
    int n_in, n_out;
    ait_graph *g = NULL;
    ait_status s = ait_onnx_load(&a, model_path, &g, d);
    for (int i = 0; s == AIT_OK && i < g->n_inputs; i++)
        if (!ait_dtype_storable(g->t[g->inputs[i]].dtype))
            s = ait_fail(d, AIT_E_UNSUPPORTED, "%s: input '%s' has data type %s, which is not supported", model_path,
                         g->t[g->inputs[i]].name, ait_dtype_get(g->t[g->inputs[i]].dtype)->name);
    if (s == AIT_OK)
        s = read_tensors(&a, data_dir, "input", ins, &n_in, d);
    if (s != AIT_OK) {
        ait_arena_free_all(&a);
        return s;
    }

    /* Resolve; a shape-deciding graph input is frozen to its sample value and we retry. */
    char *frozen[MAX_FREEZE];
    int n_frozen = 0;
    for (;;) {
        ait_diag rd = {0};
        s = prepare(&a, model_path, ins, n_in, frozen, n_frozen, &g, &rd);
        if (s == AIT_OK)
            s = ait_graph_resolve(g, &rd);
        if (s == AIT_E_NEEDS_CONST && g->t[rd.needs_tensor].is_input && n_frozen < MAX_FREEZE) {
            frozen[n_frozen++] = ait_arena_strdup(&a, g->t[rd.needs_tensor].name);
            continue;
        }
        if (s == AIT_E_NEEDS_CONST && n_frozen < n_in && n_in <= MAX_FREEZE) {
            /* the shape depends on an input through computation: fix them all */
            n_frozen = 0;
            for (int i = 0; i < g->n_inputs; i++)
                frozen[n_frozen++] = ait_arena_strdup(&a, g->t[g->inputs[i]].name);
            continue;
        }
        if (s != AIT_OK)
            ait_fail(d, s, "%s", rd.msg);
        break;
    }
    rep->frozen_inputs = n_frozen;
    if (s == AIT_OK) /* after resolve: models with non-tensor outputs fail there as unsupported */
        s = read_tensors(&a, data_dir, "output", want, &n_out, d);
    if (s == AIT_OK && g->n_outputs != n_out)
        s = ait_fail(d, AIT_E_SHAPE, "%s: model has %d outputs, test data has %d", model_path, g->n_outputs, n_out);
    for (int i = 0; s == AIT_OK && i < n_out; i++) {
        const ait_tensor *t = &g->t[g->outputs[i]];
        bf16_as_uint16(t, &want[i]);
        int same = t->rank == want[i].rank && t->dtype == want[i].dtype;
        for (int k = 0; same && k < t->rank; k++)
            same = t->dims[k] == want[i].dims[k];
        if (!same) {
            char x[160], y[160];
            s = ait_fail(d, AIT_E_SHAPE, "output '%s': inferred %s, expected %s", t->name,
                         ait_tensor_shape_str(t, x, sizeof x), ait_tensor_shape_str(&want[i], y, sizeof y));
        }
    }
    ait_emitted e = {0};
    ait_compiled *mod = NULL;
    const ait_compiler *cc = ait_compiler_find(o->compiler ? o->compiler : "tcc");
    if (s == AIT_OK && !cc)
        s = ait_fail(d, AIT_E_USAGE, "unknown compiler '%s'", o->compiler);
    const ait_backend *be = o->backend ? ait_backend_find(o->backend) : NULL;
    if (s == AIT_OK && o->backend && !be)
        s = ait_fail(d, AIT_E_USAGE, "unknown backend '%s'", o->backend);
    ait_emit_opts eo = {.name = "m"};
    if (s == AIT_OK && be) { /* as a candidate is built: passes, the backend's packing, its templates */
        ait_pass_stats ps;
        ait_graph_passes(g, &ps);
        char why[256] = "";
        if (be->applies && !be->applies(be, g, why, sizeof why))
            s = ait_fail(d, AIT_E_UNSUPPORTED, "backend %s: %s", be->name, why);
        if (be->prepare)
            be->prepare(be, g);
        eo.pick = ait_backend_pick;
        eo.pick_ctx = (void *)be;
        eo.prelude = be->prelude ? be->prelude(be) : NULL;
    }
    if (s == AIT_OK)
        s = ait_emit_model(g, &eo, &e, d);
    if (s == AIT_OK) {
        char *unit = ait_emitted_unit(&e);
        ait_compile_opts co = {.flags = o->gcc_flags};
        s = cc->build(unit, &co, &mod, d);
        free(unit);
    }
    if (s == AIT_OK) {
        int (*run)(void *, const void *const *, void *const *, int) =
            (int (*)(void *, const void *const *, void *const *, int))cc->sym(mod, "m_run_io");
        void *ws = aligned_alloc(64, (e.arena_bytes + 64) / 64 * 64);
        const void *in[MAX_IO];
        void *out[MAX_IO];
        for (int i = 0; i < g->n_inputs; i++)
            for (int k = 0; k < n_in; k++)
                if (strcmp(ins[k].name, g->t[g->inputs[i]].name) == 0 || (!*ins[k].name && k == i))
                    in[i] = ins[k].data;
        for (int i = 0; i < n_out; i++)
            out[i] = ait_arena_alloc(&a, ait_tensor_bytes(&want[i]) + 1);
        int rc = run(ws, in, out, 1);
        free(ws);
        if (rc != 0)
            s = ait_fail(d, AIT_E_RUNTIME, "m_run_io returned %d", rc);
        rep->cosine = 1;
        if (s == AIT_OK && be && be->quantized) {
            ait_record rec = {.batch = 1, .out = want};
            long long agree = 0, rows = 0;
            char why[400];
            double least = o->quant_min > 0 ? o->quant_min : 0.99;
            if (ait_quant_score(&rec, n_out, out, AIT_QUANT_COSINE, &rep->cosine, &agree, &rows, why, sizeof why) != 0)
                s = ait_fail(d, AIT_E_MISMATCH, "%s", why);
            else if (rep->cosine < least)
                s = ait_fail(d, AIT_E_MISMATCH, "cosine similarity %.6f to the expected outputs < %g", rep->cosine,
                             least);
        }
        for (int i = 0; s == AIT_OK && i < n_out; i++) {
            const ait_tensor *w = &want[i];
            int quantized = be && be->quantized; /* the cosine decided: errors for the report only */
            int fl = ait_dtype_get(w->dtype)->is_float;
            for (int64_t j = 0; j < ait_tensor_numel(w); j++) {
                double got = ait_dtype_load_f64(w->dtype, out[i], (size_t)j);
                double exp = ait_dtype_load_f64(w->dtype, w->data, (size_t)j);
                double err = fabs(got - exp);
                if (!quantized && (fl ? !ait_values_close(got, exp, o->rtol, o->atol)
                                  : ait_dtype_load_i64(w->dtype, out[i], (size_t)j) !=
                                        ait_dtype_load_i64(w->dtype, w->data, (size_t)j))) {
                    s = ait_fail(d, AIT_E_MISMATCH, "output '%s' element %lld: got %.9g, expected %.9g",
                                 g->t[g->outputs[i]].name, (long long)j, got, exp);
                    break;
                }
                if (err > rep->max_abs_err && !isnan(err))
                    rep->max_abs_err = err;
                if (exp != 0 && err / fabs(exp) > rep->max_rel_err && !isnan(err))
                    rep->max_rel_err = err / fabs(exp);
            }
        }
        cc->release(mod);
        rep->n_nodes = g->n_nodes;
        rep->n_kernels = e.n_kernels;
    }
    ait_emitted_free(&e);
    ait_arena_free_all(&a);
    return s;
}

static void normalize(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (; *s && k + 1 < n; s++)
        if (*s != '_')
            out[k++] = (char)tolower((unsigned char)*s);
    out[k] = 0;
}

const char *ait_case_op(ait_arena *a, const char *model_path, const char *case_name)
{
    ait_graph *g;
    ait_diag d = {0};
    if (ait_onnx_load(a, model_path, &g, &d) != AIT_OK || g->n_nodes == 0)
        return "(unreadable)";
    if (g->n_nodes == 1)
        return g->nodes[0].op_type;
    /* A function-expanded case: name it after the op in its test name. */
    char want[256], cand[128];
    normalize(strncmp(case_name, "test_", 5) == 0 ? case_name + 5 : case_name, want, sizeof want);
    const char *best = NULL;
    size_t best_len = 0;
    for (int i = 0; i < AIT_OP_COUNT; i++) {
        normalize(ait_ops[i].name, cand, sizeof cand);
        size_t l = strlen(cand);
        if (l > best_len && strncmp(want, cand, l) == 0) {
            best = ait_ops[i].name;
            best_len = l;
        }
    }
    int expanded = strstr(case_name, "_expanded") != NULL;
    if (!best)
        return expanded ? "other (expanded)" : g->nodes[0].op_type;
    return expanded ? ait_arena_printf(a, "%s (expanded)", best) : best;
}
