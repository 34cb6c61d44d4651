/* Reference: data movement (reshape family, Transpose, Concat, Split, Slice,
 * Pad, Gather, Expand). */
#include <inttypes.h>

#include "templates/emit_util.h"

static void emit_transpose(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_layout_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0), *y = ait_node_out(g, n, 0);
    int64_t xs[AIT_MAX_RANK], ps[AIT_MAX_RANK];
    ait_strides(x->rank, x->dims, xs);
    for (int k = 0; k < y->rank; k++)
        ps[k] = xs[p->perm[k]];
    ait_sb_puts(b, "long oi = 0;\n");
    ait_emit_loops(b, y->rank, y->dims, "i");
    ait_sb_puts(b, "y0[oi++] = x0[");
    ait_emit_offset(b, g->extents_vary, y->rank, ps, "i");
    ait_sb_puts(b, "];\n");
    ait_emit_close(b, y->rank);
    ait_sb_puts(b, "(void)oi;\n");
}

/* Concat and Split: blocks of `inner * len` elements along the axis, `outer` times. */
static void emit_layout_blocks(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_layout_params *p = n->params;
    int split = n->op == AIT_OP_SPLIT;
    const ait_tensor *whole = split ? ait_node_in(g, n, 0) : ait_node_out(g, n, 0);
    int64_t outer = ait_dims_prod(whole->dims, 0, (int)p->axis), pos = 0;
    int64_t inner = ait_dims_prod(whole->dims, (int)p->axis + 1, whole->rank);
    int64_t total = whole->dims[p->axis] * inner;
    int parts = split ? n->n_out : n->n_in;
    for (int i = 0; i < parts; i++) {
        const ait_tensor *t = split ? ait_node_out(g, n, i) : ait_node_in(g, n, i);
        int64_t chunk = split ? p->sizes[i] * inner : t->dims[p->axis] * inner;
        if (t && chunk && outer) {
            if (split)
                ait_sb_printf(b,
                              "for (long o = 0; o < %" PRId64 "; o++)\n"
                              "memcpy(y%d + o * %" PRId64 ", x0 + o * %" PRId64 " + %" PRId64 ", %" PRId64
                              " * sizeof *x0);\n",
                              outer, i, chunk, total, pos, chunk);
            else
                ait_sb_printf(b,
                              "for (long o = 0; o < %" PRId64 "; o++)\n"
                              "memcpy(y0 + o * %" PRId64 " + %" PRId64 ", x%d + o * %" PRId64 ", %" PRId64
                              " * sizeof *y0);\n",
                              outer, total, pos, i, chunk, chunk);
        }
        pos += chunk;
    }
}

static void emit_slice(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_layout_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0), *y = ait_node_out(g, n, 0);
    int64_t xs[AIT_MAX_RANK];
    ait_strides(x->rank, x->dims, xs);
    ait_sb_puts(b, "long oi = 0;\n");
    ait_emit_loops(b, y->rank, y->dims, "i");
    ait_sb_puts(b, "y0[oi++] = x0[0");
    for (int k = 0; k < y->rank; k++)
        ait_sb_printf(b, " + (%" PRId64 " + i%d * %" PRId64 ") * %" PRId64, p->start[k], k, p->step[k], xs[k]);
    ait_sb_puts(b, "];\n");
    ait_emit_close(b, y->rank);
    ait_sb_puts(b, "(void)oi;\n");
}

static void emit_pad(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_layout_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0), *y = ait_node_out(g, n, 0);
    int64_t xs[AIT_MAX_RANK];
    ait_strides(x->rank, x->dims, xs);
    ait_sb_printf(b, "const %s pv = ", ait_ctype(x));
    if (p->pad_value_input)
        ait_sb_puts(b, "x2[0]");
    else
        ait_emit_lit(b, x->dtype, p->pad_value);
    ait_sb_puts(b, ";\nlong oi = 0;\n(void)pv;\n");
    ait_emit_loops(b, y->rank, y->dims, "i");
    ait_sb_puts(b, "int inside = 1;\n");
    for (int k = 0; k < y->rank; k++) {
        int64_t dim = x->dims[k];
        ait_sb_printf(b, "long s%d = i%d - %" PRId64 ";\n", k, k, p->pad_lo[k]);
        if (p->pad_mode == 0)
            ait_sb_printf(b, "if (s%d < 0 || s%d >= %" PRId64 ") inside = 0;\n", k, k, dim);
        else if (p->pad_mode == 1)
            ait_sb_printf(b, "if (s%d < 0) s%d = -s%d; else if (s%d >= %" PRId64 ") s%d = %" PRId64 " - s%d;\n", k,
                          k, k, k, dim, k, 2 * (dim - 1), k);
        else
            ait_sb_printf(b, "if (s%d < 0) s%d = 0; else if (s%d >= %" PRId64 ") s%d = %" PRId64 ";\n", k, k, k,
                          dim, k, dim - 1);
    }
    ait_sb_puts(b, "y0[oi++] = inside ? x0[");
    ait_emit_offset(b, g->extents_vary, y->rank, xs, "s");
    ait_sb_puts(b, "] : pv;\n");
    ait_emit_close(b, y->rank);
    ait_sb_puts(b, "(void)oi;\n");
}

static void emit_gather(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_layout_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0), *ix = ait_node_in(g, n, 1);
    int64_t outer = ait_dims_prod(x->dims, 0, (int)p->axis), inner = ait_dims_prod(x->dims, (int)p->axis + 1, x->rank);
    int64_t dim = x->dims[p->axis], nidx = ait_tensor_numel(ix);
    ait_sb_printf(b, "for (long o = 0; o < %" PRId64 "; o++)\nfor (long j = 0; j < %" PRId64 "; j++) {\n", outer,
                  nidx);
    /* run-time indices out of range are clamped: defined behaviour, never a wild read */
    ait_sb_printf(b, "long k = (long)x1[j];\nif (k < 0) k += %" PRId64 ";\nif (k < 0) k = 0;\n"
                     "if (k > %" PRId64 ") k = %" PRId64 ";\n",
                  dim, dim - 1, dim - 1);
    ait_sb_printf(b, "memcpy(y0 + (o * %" PRId64 " + j) * %" PRId64 ", x0 + (o * %" PRId64 " + k) * %" PRId64
                     ", %" PRId64 " * sizeof *y0);\n}\n",
                  nidx, inner, dim, inner, inner);
}

static void emit_expand(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_tensor *x = ait_node_in(g, n, 0), *y = ait_node_out(g, n, 0);
    int64_t st[AIT_MAX_RANK];
    ait_bcast_strides(x->rank, x->dims, y->rank, y->dims, st);
    ait_sb_puts(b, "long oi = 0;\n");
    ait_emit_loops(b, y->rank, y->dims, "i");
    ait_sb_puts(b, "y0[oi++] = x0[");
    ait_emit_offset(b, g->extents_vary, y->rank, st, "i");
    ait_sb_puts(b, "];\n");
    ait_emit_close(b, y->rank);
    ait_sb_puts(b, "(void)oi;\n");
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    switch (n->op) {
    case AIT_OP_TRANSPOSE: emit_transpose(b, g, n); break;
    case AIT_OP_CONCAT: case AIT_OP_SPLIT: emit_layout_blocks(b, g, n); break;
    case AIT_OP_SLICE: emit_slice(b, g, n); break;
    case AIT_OP_PAD: case AIT_OP_CENTER_CROP_PAD: emit_pad(b, g, n); break; /* a crop is a negative pad */
    case AIT_OP_GATHER: emit_gather(b, g, n); break;
    case AIT_OP_EXPAND: emit_expand(b, g, n); break;
    default: /* Flatten, Reshape, Squeeze, Unsqueeze: same bytes, new shape */
        if (ait_tensor_bytes(ait_node_out(g, n, 0)))
            ait_sb_printf(b, "memcpy(y0, x0, %zu);\n", ait_tensor_bytes(ait_node_out(g, n, 0)));
        break;
    }
}

const ait_template ait_ref_layout = {.family = "layout", .emit = emit};
