/* Einsum: explicit and implicit output, repeated labels (diagonals), ellipsis with
 * broadcasting. The equation is parsed once into labels: each input gets a stride per
 * label, and the emitter loops over the output's labels, then the summed ones. */
#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include "ir/ops/op_util.h"

enum { ELL = -2 }; /* "..." in a term */

/* Labels of one term: letters as 0..51, "..." as ELL. */
static int parse_term(const char *s, size_t len, int *out, int max, int *ell_seen)
{
    int k = 0;
    *ell_seen = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == ' ')
            continue;
        if (k >= max)
            return -1;
        if (c == '.') {
            if (*ell_seen || i + 2 >= len || s[i + 1] != '.' || s[i + 2] != '.')
                return -1;
            *ell_seen = 1;
            out[k++] = ELL;
            i += 2;
        } else if (isalpha((unsigned char)c)) {
            out[k++] = isupper((unsigned char)c) ? c - 'A' : 26 + c - 'a';
        } else {
            return -1;
        }
    }
    return k;
}

ait_status ait_resolve_einsum(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, AIT_EINSUM_MAX_IN, d));
    for (int i = 0; i < n->n_in; i++) {
        AIT_TRY(ait_need_input(g, n, i, d));
        AIT_TRY(ait_same_dtype(g, n, 0, i, d));
    }
    if (ait_node_in(g, n, 0)->dtype == AIT_DT_BOOL)
        return AIT_NODE_FAIL(AIT_E_MODEL, "bool inputs are not allowed");
    const char *eq = ait_attr_str(n, "equation", NULL);
    if (!eq)
        return AIT_NODE_FAIL(AIT_E_MODEL, "attribute 'equation' is required");
    const char *arrow = strstr(eq, "->");
    size_t lhs_len = arrow ? (size_t)(arrow - eq) : strlen(eq);
    ait_einsum_params *p = AIT_NEW(g->arena, ait_einsum_params, 1);
    n->params = p;
    /* labels 0..51 are letters; 52.. the ellipsis' axes, right-aligned */
    int count[AIT_EINSUM_LABELS] = {0}, ell_rank = 0;
    int terms[AIT_EINSUM_MAX_IN][AIT_MAX_RANK], term_len[AIT_EINSUM_MAX_IN], term_ell[AIT_EINSUM_MAX_IN];
    const char *t = eq;
    for (int i = 0; i < n->n_in; i++) {
        const char *end = memchr(t, ',', lhs_len - (size_t)(t - eq));
        if (!end)
            end = eq + lhs_len;
        if ((i < n->n_in - 1) != (end < eq + lhs_len))
            return AIT_NODE_FAIL(AIT_E_MODEL, "equation '%s' has a different number of terms than the %d inputs", eq,
                                 n->n_in);
        term_len[i] = parse_term(t, (size_t)(end - t), terms[i], AIT_MAX_RANK, &term_ell[i]);
        if (term_len[i] < 0)
            return AIT_NODE_FAIL(AIT_E_MODEL, "equation '%s': term %d is not valid", eq, i);
        const ait_tensor *x = ait_node_in(g, n, i);
        int letters = term_len[i] - term_ell[i];
        if (term_ell[i] ? x->rank < letters : x->rank != letters)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "equation term %d has %d labels for input '%s' of rank %d", i, letters,
                                 x->name, x->rank);
        if (term_ell[i] && x->rank - letters > ell_rank)
            ell_rank = x->rank - letters;
        t = end + 1;
    }
    /* every label's extent; letters must agree, ellipsis axes broadcast */
    int64_t size[AIT_EINSUM_LABELS];
    for (int l = 0; l < AIT_EINSUM_LABELS; l++)
        size[l] = -1;
    for (int i = 0; i < n->n_in; i++) {
        const ait_tensor *x = ait_node_in(g, n, i);
        int ax = 0, er = x->rank - (term_len[i] - term_ell[i]);
        for (int k = 0; k < term_len[i]; k++) {
            int nl = terms[i][k] == ELL ? er : 1;
            for (int e = 0; e < nl; e++, ax++) {
                int l = terms[i][k] == ELL ? 52 + ell_rank - er + e : terms[i][k];
                int64_t dim = x->dims[ax];
                if (terms[i][k] != ELL)
                    count[l]++;
                if (size[l] < 0 || size[l] == 1)
                    size[l] = dim;
                else if (dim != size[l] && !(terms[i][k] == ELL && dim == 1))
                    return AIT_NODE_FAIL(AIT_E_SHAPE, "equation '%s': label %d has extents %" PRId64 " and %" PRId64,
                                         eq, l, size[l], dim);
            }
        }
    }
    for (int i = 0; i < n->n_in; i++) { /* strides: a repeated label adds up (a diagonal) */
        const ait_tensor *x = ait_node_in(g, n, i);
        int64_t st[AIT_MAX_RANK];
        ait_strides(x->rank, x->dims, st);
        int ax = 0, er = x->rank - (term_len[i] - term_ell[i]);
        for (int k = 0; k < term_len[i]; k++) {
            int nl = terms[i][k] == ELL ? er : 1;
            for (int e = 0; e < nl; e++, ax++) {
                int l = terms[i][k] == ELL ? 52 + ell_rank - er + e : terms[i][k];
                if (x->dims[ax] != 1 || size[l] == 1)
                    p->stride[i][l] += st[ax];
            }
        }
    }
    /* the output's labels: as written, or "..." then the letters seen once, in order */
    int out[AIT_EINSUM_LABELS], n_out = 0, in_out[AIT_EINSUM_LABELS] = {0};
    if (arrow) {
        int ell;
        int len = parse_term(arrow + 2, strlen(arrow + 2), out, AIT_MAX_RANK, &ell);
        if (len < 0)
            return AIT_NODE_FAIL(AIT_E_MODEL, "equation '%s': the output term is not valid", eq);
        int tmp[AIT_EINSUM_LABELS];
        for (int k = 0; k < len; k++) {
            if (out[k] == ELL) {
                for (int e = 0; e < ell_rank && n_out < AIT_MAX_RANK; e++)
                    tmp[n_out++] = 52 + e;
                continue;
            }
            if (size[out[k]] < 0)
                return AIT_NODE_FAIL(AIT_E_MODEL, "equation '%s': an output label is in no input", eq);
            if (in_out[out[k]])
                return AIT_NODE_FAIL(AIT_E_MODEL, "equation '%s': an output label repeats", eq);
            if (n_out >= AIT_MAX_RANK)
                return AIT_NODE_FAIL(AIT_E_SHAPE, "the output's rank is over %d", AIT_MAX_RANK);
            in_out[out[k]] = 1;
            tmp[n_out++] = out[k];
        }
        memcpy(out, tmp, sizeof(int) * (size_t)n_out);
        if (!ell)
            for (int e = 0; e < ell_rank; e++)
                if (size[52 + e] != 1)
                    return AIT_NODE_FAIL(AIT_E_MODEL, "equation '%s' drops the ellipsis' axes", eq);
    } else {
        for (int e = 0; e < ell_rank; e++)
            out[n_out++] = 52 + e;
        for (int l = 0; l < 52; l++)
            if (count[l] == 1 && n_out < AIT_MAX_RANK)
                out[n_out++] = l;
    }
    for (int k = 0; k < n_out; k++)
        in_out[out[k]] = 1;
    int64_t od[AIT_MAX_RANK];
    p->n_loops = 0;
    for (int k = 0; k < n_out; k++) {
        od[k] = size[out[k]];
        p->loop_label[p->n_loops] = out[k];
        p->loop_size[p->n_loops++] = od[k];
    }
    p->n_out_loops = p->n_loops;
    for (int l = 0; l < 52 + ell_rank; l++)
        if (size[l] >= 0 && !in_out[l]) {
            p->loop_label[p->n_loops] = l;
            p->loop_size[p->n_loops++] = size[l];
        }
    ait_set_out(g, n, 0, ait_node_in(g, n, 0)->dtype, n_out, od);
    return ait_check_attrs(g, n, d);
}
