/* Gemm and MatMul (numpy semantics: 1-D promotion, broadcast batch dims); Det. */
#include <inttypes.h>

#include "ir/ops/op_util.h"

ait_status ait_resolve_gemm(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 2, 3, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    AIT_TRY(ait_need_input(g, n, 1, d));
    AIT_TRY(ait_need_float(g, n, 0, d));
    AIT_TRY(ait_same_dtype(g, n, 0, 1, d));
    AIT_TRY(ait_same_dtype(g, n, 0, 2, d));
    ait_tensor *a = ait_node_in(g, n, 0), *b = ait_node_in(g, n, 1), *c = ait_node_in(g, n, 2);
    if (a->rank != 2 || b->rank != 2)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "A and B must be 2-D (ranks %d and %d)", a->rank, b->rank);
    ait_matmul_params *p = AIT_NEW(g->arena, ait_matmul_params, 1);
    n->params = p;
    p->alpha = ait_attr_float(n, "alpha", 1.0f);
    p->beta = ait_attr_float(n, "beta", 1.0f);
    p->batch = 1;
    p->trans_a = ait_attr_int(n, "transA", 0) != 0;
    p->trans_b = ait_attr_int(n, "transB", 0) != 0;
    p->m = a->dims[p->trans_a ? 1 : 0];
    p->k = a->dims[p->trans_a ? 0 : 1];
    p->n = b->dims[p->trans_b ? 0 : 1];
    int64_t kb = b->dims[p->trans_b ? 1 : 0];
    if (kb != p->k)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "inner dimensions differ: A gives K = %" PRId64 ", B gives %" PRId64, p->k,
                             kb);
    int64_t out[2] = {p->m, p->n};
    if (c) {
        if (c->rank > 2)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "C must have rank <= 2, has %d", c->rank);
        int64_t st[2];
        ait_bcast_strides(c->rank, c->dims, 2, out, st);
        for (int k = 0; k < c->rank; k++) {
            int64_t cd = c->dims[k], od = out[2 - c->rank + k];
            if (cd != od && cd != 1)
                return AIT_NODE_FAIL(AIT_E_SHAPE, "C does not broadcast to (%" PRId64 ", %" PRId64 ")", p->m, p->n);
        }
        p->c_stride_m = st[0];
        p->c_stride_n = st[1];
    }
    ait_set_out(g, n, 0, a->dtype, 2, out);
    return ait_check_attrs(g, n, d);
}

ait_status ait_resolve_matmul(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 2, 2, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    AIT_TRY(ait_need_input(g, n, 1, d));
    AIT_TRY(ait_same_dtype(g, n, 0, 1, d));
    ait_tensor *a = ait_node_in(g, n, 0);
    if (ait_dtype_get(a->dtype)->size == 1 || a->dtype == AIT_DT_BOOL)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "%s inputs are not supported", ait_dtype_get(a->dtype)->name);
    int rank;
    int64_t od[AIT_MAX_RANK];
    AIT_TRY(ait_matmul_geometry(g, n, 0, 1, &rank, od, d));
    ait_set_out(g, n, 0, a->dtype, rank, od);
    return AIT_OK;
}

ait_status ait_matmul_geometry(ait_graph *g, ait_node *n, int ia, int ib, int *out_rank, int64_t *od, ait_diag *d)
{
    ait_tensor *a = ait_node_in(g, n, ia), *b = ait_node_in(g, n, ib);
    if (a->rank < 1 || b->rank < 1)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "inputs must have rank >= 1");
    /* Promote 1-D operands, remember to drop the added axis. */
    int64_t ad[AIT_MAX_RANK + 1], bd[AIT_MAX_RANK + 1];
    int ar = a->rank, br = b->rank;
    for (int i = 0; i < ar; i++)
        ad[i] = a->dims[i];
    for (int i = 0; i < br; i++)
        bd[i] = b->dims[i];
    int drop_m = ar == 1, drop_n = br == 1;
    if (drop_m) {
        ad[1] = ad[0];
        ad[0] = 1;
        ar = 2;
    }
    if (drop_n) {
        bd[1] = 1;
        br = 2;
    }
    ait_matmul_params *p = AIT_NEW(g->arena, ait_matmul_params, 1);
    n->params = p;
    p->m = ad[ar - 2];
    p->k = ad[ar - 1];
    p->n = bd[br - 1];
    p->alpha = 1.0f;
    if (bd[br - 2] != p->k)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "inner dimensions differ: %" PRId64 " vs %" PRId64, p->k, bd[br - 2]);
    int abr = ar - 2, bbr = br - 2, obr = abr > bbr ? abr : bbr;
    if (obr + 2 > AIT_MAX_RANK)
        return AIT_NODE_FAIL(AIT_E_UNSUPPORTED, "rank too large");
    for (int i = 0; i < obr; i++) {
        int xa = i - (obr - abr), xb = i - (obr - bbr);
        int64_t x = xa >= 0 ? ad[xa] : 1, y = xb >= 0 ? bd[xb] : 1;
        if (x != y && x != 1 && y != 1)
            return AIT_NODE_FAIL(AIT_E_SHAPE, "batch dimensions %" PRId64 " and %" PRId64 " do not broadcast", x, y);
        od[i] = x > y ? x : y;
    }
    int64_t as[AIT_MAX_RANK], bs[AIT_MAX_RANK];
    ait_bcast_strides(abr, ad, obr, od, as);
    ait_bcast_strides(bbr, bd, obr, od, bs);
    p->batch = 1;
    for (int i = 0; i < obr; i++)
        p->batch *= od[i];
    p->a_off = AIT_NEW(g->arena, int64_t, p->batch);
    p->b_off = AIT_NEW(g->arena, int64_t, p->batch);
    for (int64_t bi = 0; bi < p->batch; bi++) {
        int64_t r = bi, ao = 0, bo = 0;
        for (int i = obr - 1; i >= 0; i--) {
            int64_t idx = r % od[i];
            r /= od[i];
            ao += idx * as[i];
            bo += idx * bs[i];
        }
        p->a_off[bi] = ao * p->m * p->k;
        p->b_off[bi] = bo * p->k * p->n;
    }
    int r = obr;
    if (!drop_m)
        od[r++] = p->m;
    if (!drop_n)
        od[r++] = p->n;
    *out_rank = r;
    return AIT_OK;
}

/* Det: [*, M, M] -> [*]. */
ait_status ait_resolve_det(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 1, 1, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    AIT_TRY(ait_need_float(g, n, 0, d));
    ait_tensor *x = ait_node_in(g, n, 0);
    if (x->rank < 2 || x->dims[x->rank - 1] != x->dims[x->rank - 2])
        return AIT_NODE_FAIL(AIT_E_SHAPE, "input must be [*, M, M]");
    ait_matmul_params *p = AIT_NEW(g->arena, ait_matmul_params, 1);
    n->params = p;
    p->m = p->n = p->k = x->dims[x->rank - 1];
    p->batch = 1;
    for (int i = 0; i < x->rank - 2; i++)
        p->batch *= x->dims[i];
    ait_set_out(g, n, 0, x->dtype, x->rank - 2, x->dims);
    return ait_check_attrs(g, n, d);
}
