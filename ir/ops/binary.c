/* Elementwise ops over several inputs with numpy broadcasting. */
#include "ir/ops/op_util.h"

ait_status ait_resolve_binary(ait_graph *g, ait_node *n, ait_diag *d)
{
    int variadic = n->op == AIT_OP_SUM || n->op == AIT_OP_MAX || n->op == AIT_OP_MIN;
    int arity = n->op == AIT_OP_WHERE ? 3 : 2;
    AIT_TRY(ait_check_inputs(g, n, variadic ? 1 : arity, variadic ? 64 : arity, d));
    for (int i = 0; i < n->n_in; i++)
        AIT_TRY(ait_need_input(g, n, i, d));
    int out_dtype;
    if (n->op == AIT_OP_WHERE) {
        if (ait_node_in(g, n, 0)->dtype != AIT_DT_BOOL)
            return AIT_NODE_FAIL(AIT_E_MODEL, "condition must be bool");
        AIT_TRY(ait_same_dtype(g, n, 1, 2, d));
        out_dtype = ait_node_in(g, n, 1)->dtype;
    } else {
        if (n->op != AIT_OP_POW) /* Pow alone allows a differently typed exponent */
            for (int i = 1; i < n->n_in; i++)
                AIT_TRY(ait_same_dtype(g, n, 0, i, d));
        int cmp = n->op == AIT_OP_LESS || n->op == AIT_OP_GREATER || n->op == AIT_OP_EQUAL;
        out_dtype = cmp ? AIT_DT_BOOL : ait_node_in(g, n, 0)->dtype;
        if (ait_node_in(g, n, 0)->dtype == AIT_DT_BOOL && n->op != AIT_OP_EQUAL)
            return AIT_NODE_FAIL(AIT_E_MODEL, "bool inputs are not allowed");
    }
    int rank;
    int64_t dims[AIT_MAX_RANK];
    AIT_TRY(ait_broadcast_shapes(g, n, n->n_in, &rank, dims, d));
    ait_set_out(g, n, 0, out_dtype, rank, dims);
    return AIT_OK;
}
