/* NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (inference: the loss of given
 * scores and labels), with weights, ignore_index and every reduction. */
#include <inttypes.h>
#include <string.h>

#include "ir/ops/op_util.h"

ait_status ait_resolve_loss(ait_graph *g, ait_node *n, ait_diag *d)
{
    AIT_TRY(ait_check_inputs(g, n, 2, 3, d));
    AIT_TRY(ait_need_input(g, n, 0, d));
    AIT_TRY(ait_need_input(g, n, 1, d));
    AIT_TRY(ait_need_float(g, n, 0, d));
    AIT_TRY(ait_same_dtype(g, n, 0, 2, d));
    ait_tensor *x = ait_node_in(g, n, 0), *t = ait_node_in(g, n, 1), *w = ait_node_in(g, n, 2);
    if (t->dtype != AIT_DT_INT64 && t->dtype != AIT_DT_INT32)
        return AIT_NODE_FAIL(AIT_E_MODEL, "target '%s' must be int32 or int64", t->name);
    if (x->rank < 2 || t->rank != x->rank - 1 || t->dims[0] != x->dims[0] ||
        memcmp(t->dims + 1, x->dims + 2, sizeof(int64_t) * (size_t)(x->rank - 2)) != 0)
        return AIT_NODE_FAIL(AIT_E_SHAPE, "target must have the input's shape without axis 1 (N, d1, ...)");
    if (w && (w->rank != 1 || w->dims[0] != x->dims[1]))
        return AIT_NODE_FAIL(AIT_E_SHAPE, "weight must have shape [%" PRId64 "]", x->dims[1]);
    ait_loss_params *p = AIT_NEW(g->arena, ait_loss_params, 1);
    n->params = p;
    const char *red = ait_attr_str(n, "reduction", "mean");
    p->reduction = strcmp(red, "none") == 0 ? 0 : strcmp(red, "sum") == 0 ? 1 : strcmp(red, "mean") == 0 ? 2 : -1;
    if (p->reduction < 0)
        return AIT_NODE_FAIL(AIT_E_MODEL, "reduction = '%s' (expected none, sum or mean)", red);
    p->has_ignore = ait_attr_find(n, "ignore_index") != NULL;
    p->ignore_index = ait_attr_int(n, "ignore_index", 0);
    p->n = x->dims[0];
    p->c = x->dims[1];
    p->inner = ait_dims_prod(x->dims, 2, x->rank);
    if (p->reduction == 0)
        ait_set_out(g, n, 0, x->dtype, t->rank, t->dims);
    else
        ait_set_out(g, n, 0, x->dtype, 0, NULL);
    if (n->op == AIT_OP_SOFTMAX_CROSS_ENTROPY_LOSS)
        ait_set_out(g, n, 1, x->dtype, x->rank, x->dims); /* log_prob */
    return ait_check_attrs(g, n, d);
}
