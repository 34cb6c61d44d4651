/* Reference: ops driven by index tensors or positions (see ir/ops/index.c).
 * A run-time index out of range is clamped by a gather and skipped by a
 * scatter: defined behaviour, never a wild read or write. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "templates/emit_util.h"

/* `long k = <expr>;` normalized against dim: negative counts from the end; then clamped to
 * [0, dim) (gathers) or, when out of range, `skip` runs (scatters). */
static void emit_index(ait_sb *b, const char *expr, int64_t dim, const char *skip)
{
    ait_sb_printf(b, "long k = (long)(%s);\nif (k < 0) k += %" PRId64 ";\n", expr, dim);
    if (skip)
        ait_sb_printf(b, "if (k < 0 || k >= %" PRId64 ") %s\n", dim, skip);
    else
        ait_sb_printf(b, "if (k < 0) k = 0;\nif (k > %" PRId64 ") k = %" PRId64 ";\n", dim - 1, dim - 1);
}

/* `dst = dst <reduction> src;` for the Scatter ops. */
static void emit_scatter_store(ait_sb *b, int reduction, const char *dst, const char *src)
{
    switch (reduction) {
    case 1: ait_sb_printf(b, "%s += %s;\n", dst, src); break;
    case 2: ait_sb_printf(b, "%s *= %s;\n", dst, src); break;
    case 3: ait_sb_printf(b, "if (%s > %s) %s = %s;\n", src, dst, dst, src); break;
    case 4: ait_sb_printf(b, "if (%s < %s) %s = %s;\n", src, dst, dst, src); break;
    default: ait_sb_printf(b, "%s = %s;\n", dst, src); break;
    }
}

static void emit_copy_input(ait_sb *b, const ait_tensor *x)
{
    if (ait_tensor_bytes(x))
        ait_sb_printf(b, "memcpy(y0, x0, %zu);\n", ait_tensor_bytes(x));
}

/* GatherElements / ScatterElements: loops over the indices; the data offset uses the index
 * value on the axis and the loop position elsewhere. */
static void emit_elements(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_index_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0), *ix = ait_node_in(g, n, 1);
    int scatter = n->op == AIT_OP_SCATTER_ELEMENTS || n->op == AIT_OP_SCATTER;
    int64_t xs[AIT_MAX_RANK], is[AIT_MAX_RANK];
    ait_strides(x->rank, x->dims, xs);
    ait_strides(ix->rank, ix->dims, is);
    if (scatter)
        emit_copy_input(b, x);
    if (!ait_tensor_numel(ix))
        return;
    ait_emit_loops(b, ix->rank, ix->dims, "i");
    ait_sb_puts(b, "const long ii = ");
    ait_emit_offset(b, g->extents_vary, ix->rank, is, "i");
    ait_sb_puts(b, ";\n");
    emit_index(b, "x1[ii]", x->dims[p->axis], scatter ? "continue;" : NULL);
    ait_sb_puts(b, "const long xi = k");
    if (xs[p->axis] != 1)
        ait_sb_printf(b, " * %" PRId64, xs[p->axis]);
    for (int k = 0; k < x->rank; k++)
        if (k != p->axis && xs[k])
            ait_sb_printf(b, " + i%d * %" PRId64, k, xs[k]);
    ait_sb_puts(b, ";\n");
    if (scatter)
        emit_scatter_store(b, p->reduction, "y0[xi]", "x2[ii]");
    else
        ait_sb_puts(b, "y0[ii] = x0[xi];\n");
    ait_emit_close(b, ix->rank);
}

/* GatherND / ScatterND: each index tuple (the indices' last axis) picks a slice of data. */
static void emit_nd(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_index_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0), *ix = ait_node_in(g, n, 1);
    int scatter = n->op == AIT_OP_SCATTER_ND, bd = p->batch_dims;
    int q = (int)ix->dims[ix->rank - 1];
    int64_t batches = ait_dims_prod(ix->dims, 0, bd), tuples = ait_dims_prod(ix->dims, bd, ix->rank - 1);
    int64_t slice = ait_dims_prod(x->dims, bd + q, x->rank), batch_size = ait_dims_prod(x->dims, bd, x->rank);
    int64_t xs[AIT_MAX_RANK];
    ait_strides(x->rank, x->dims, xs);
    if (scatter)
        emit_copy_input(b, x);
    if (!batches || !tuples || !slice)
        return;
    ait_emit_table(b, "dim", x->dims + bd, q);
    ait_emit_table(b, "stride", xs + bd, q);
    ait_sb_printf(b, "for (long bi = 0; bi < %" PRId64 "; bi++)\nfor (long j = 0; j < %" PRId64 "; j++) {\n",
                  batches, tuples);
    ait_sb_printf(b, "const long t = bi * %" PRId64 " + j;\nlong off = bi * %" PRId64 ";\nint inside = 1;\n", tuples,
                  batch_size);
    ait_sb_printf(b, "for (int a = 0; a < %d; a++) {\nlong k = (long)x1[t * %d + a];\nif (k < 0) k += dim[a];\n", q,
                  q);
    if (scatter)
        ait_sb_puts(b, "if (k < 0 || k >= dim[a]) inside = 0;\n");
    else
        ait_sb_puts(b, "if (k < 0) k = 0;\nif (k >= dim[a]) k = dim[a] - 1;\n");
    ait_sb_puts(b, "off += k * stride[a];\n}\n");
    if (scatter) {
        char src[64];
        snprintf(src, sizeof src, "x2[t * %" PRId64 " + e]", slice);
        ait_sb_printf(b, "if (!inside) continue;\nfor (long e = 0; e < %" PRId64 "; e++) {\n", slice);
        emit_scatter_store(b, p->reduction, "y0[off + e]", src);
        ait_sb_puts(b, "}\n");
    } else {
        ait_sb_printf(b, "(void)inside;\nmemcpy(y0 + t * %" PRId64 ", x0 + off, %" PRId64 " * sizeof *y0);\n", slice,
                      slice);
    }
    ait_sb_puts(b, "}\n");
}

static void emit_one_hot(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_index_params *p = n->params;
    const ait_tensor *ix = ait_node_in(g, n, 0);
    int64_t outer = ait_dims_prod(ix->dims, 0, (int)p->axis), inner = ait_dims_prod(ix->dims, (int)p->axis, ix->rank);
    ait_sb_printf(b,
                  "for (long o = 0; o < %" PRId64 "; o++)\nfor (long c = 0; c < %" PRId64 "; c++)\n"
                  "for (long i = 0; i < %" PRId64 "; i++) {\n",
                  outer, p->k, inner);
    if (ait_dtype_get(ix->dtype)->is_float) /* float indices are data: NaN or huge ones match no class */
        ait_sb_printf(b, "const double kv = x0[o * %" PRId64 " + i];\nlong k = kv > -1e15 && kv < 1e15 ? (long)kv : %" PRId64
                         ";\nif (k < 0) k += %" PRId64 ";\n",
                      inner, p->k, p->k);
    else
        ait_sb_printf(b, "long k = (long)x0[o * %" PRId64 " + i];\nif (k < 0) k += %" PRId64 ";\n", inner, p->k);
    ait_sb_printf(b, "y0[(o * %" PRId64 " + c) * %" PRId64 " + i] = k == c ? x2[1] : x2[0];\n}\n", p->k, inner);
}

/* TopK: insertion into the k outputs, so ties keep the lower index first, as the spec asks. */
static void emit_topk(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_index_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0);
    int64_t outer = ait_dims_prod(x->dims, 0, (int)p->axis), len = x->dims[p->axis];
    int64_t inner = ait_dims_prod(x->dims, (int)p->axis + 1, x->rank), k = p->k;
    if (!k || !outer || !inner)
        return;
    const char *better = p->largest ? ">" : "<";
    ait_sb_printf(b, "for (long o = 0; o < %" PRId64 "; o++)\nfor (long in = 0; in < %" PRId64 "; in++) {\n", outer,
                  inner);
    ait_sb_printf(b, "%s *v = y0 + o * %" PRId64 " + in;\nint64_t *at = y1 + o * %" PRId64 " + in;\n", ait_ctype(x),
                  k * inner, k * inner);
    ait_sb_puts(b, "long cnt = 0;\n");
    ait_sb_printf(b, "for (long j = 0; j < %" PRId64 "; j++) {\n", len);
    ait_sb_printf(b, "const %s e = x0[(o * %" PRId64 " + j) * %" PRId64 " + in];\n", ait_ctype(x), len, inner);
    ait_sb_printf(b, "long pos = cnt;\nwhile (pos > 0 && e %s v[(pos - 1) * %" PRId64 "]) pos--;\n", better, inner);
    ait_sb_printf(b, "if (pos >= %" PRId64 ") continue;\n", k);
    ait_sb_printf(b, "for (long t = cnt < %" PRId64 " ? cnt : %" PRId64 "; t > pos; t--) {\n", k, k - 1);
    ait_sb_printf(b, "v[t * %" PRId64 "] = v[(t - 1) * %" PRId64 "];\nat[t * %" PRId64 "] = at[(t - 1) * %" PRId64
                     "];\n}\n",
                  inner, inner, inner, inner);
    ait_sb_printf(b, "v[pos * %" PRId64 "] = e;\nat[pos * %" PRId64 "] = j;\nif (cnt < %" PRId64 ") cnt++;\n}\n}\n",
                  inner, inner, k);
}

/* Trilu and EyeLike: a test of column - row against k over the last two axes. */
static void emit_trilu(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_index_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0), *y = ait_node_out(g, n, 0);
    int64_t rows = x->dims[x->rank - 2], cols = x->dims[x->rank - 1], outer = ait_dims_prod(x->dims, 0, x->rank - 2);
    if (n->op == AIT_OP_EYE_LIKE)
        ait_sb_printf(b, "const long long kk = %" PRId64 "LL;\n", p->k);
    else
        ait_sb_printf(b, "const long long kk = %s;\n", p->k_input ? "(long long)x1[0]" : "0");
    ait_sb_printf(b,
                  "for (long o = 0; o < %" PRId64 "; o++)\nfor (long r = 0; r < %" PRId64 "; r++)\n"
                  "for (long c = 0; c < %" PRId64 "; c++) {\n",
                  outer, rows, cols);
    ait_sb_printf(b, "const long i = (o * %" PRId64 " + r) * %" PRId64 " + c;\n", rows, cols);
    if (n->op == AIT_OP_EYE_LIKE)
        ait_sb_printf(b, "y0[i] = (%s)(c - r == kk);\n", ait_ctype(y));
    else
        ait_sb_printf(b, "y0[i] = (long long)c - r %s kk ? x0[i] : 0;\n", p->upper ? ">=" : "<=");
    ait_sb_puts(b, "}\n");
}

static void emit_cumsum(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_index_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0);
    int64_t outer = ait_dims_prod(x->dims, 0, (int)p->axis), len = x->dims[p->axis];
    int64_t inner = ait_dims_prod(x->dims, (int)p->axis + 1, x->rank);
    int fl = ait_dtype_get(x->dtype)->is_float;
    ait_sb_printf(b, "for (long o = 0; o < %" PRId64 "; o++)\nfor (long in = 0; in < %" PRId64 "; in++) {\n", outer,
                  inner);
    ait_sb_printf(b, "%s acc = 0;\nfor (long jj = 0; jj < %" PRId64 "; jj++) {\n", fl ? "double" : ait_ctype(x), len);
    if (p->reverse)
        ait_sb_printf(b, "const long j = %" PRId64 " - jj;\n", len - 1);
    else
        ait_sb_puts(b, "const long j = jj;\n");
    ait_sb_printf(b, "const long i = (o * %" PRId64 " + j) * %" PRId64 " + in;\n", len, inner);
    if (p->exclusive)
        ait_sb_printf(b, "y0[i] = (%s)acc;\nacc += x0[i];\n}\n}\n", ait_ctype(x));
    else
        ait_sb_printf(b, "acc += x0[i];\ny0[i] = (%s)acc;\n}\n}\n", ait_ctype(x));
}

static void emit_tile(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_tensor *x = ait_node_in(g, n, 0), *y = ait_node_out(g, n, 0);
    int64_t xs[AIT_MAX_RANK];
    ait_strides(x->rank, x->dims, xs);
    if (!ait_tensor_numel(y))
        return;
    ait_sb_puts(b, "long oi = 0;\n");
    ait_emit_loops(b, y->rank, y->dims, "i");
    ait_sb_puts(b, "y0[oi++] = x0[0");
    for (int k = 0; k < x->rank; k++)
        if (x->dims[k] > 1)
            ait_sb_printf(b, " + i%d %% %" PRId64 " * %" PRId64, k, x->dims[k], xs[k]);
    ait_sb_puts(b, "];\n");
    ait_emit_close(b, y->rank);
    ait_sb_puts(b, "(void)oi;\n");
}

/* DepthToSpace / SpaceToDepth: loops over (n, c, h, bh, w, bw) of the spatial side. */
static void emit_depth_space(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_index_params *p = n->params;
    int d2s = n->op == AIT_OP_DEPTH_TO_SPACE;
    const ait_tensor *deep = d2s ? ait_node_in(g, n, 0) : ait_node_out(g, n, 0);
    const ait_tensor *wide = d2s ? ait_node_out(g, n, 0) : ait_node_in(g, n, 0);
    int64_t bs = p->k, c = wide->dims[1], h = deep->dims[2], w = deep->dims[3];
    ait_sb_printf(b,
                  "for (long n = 0; n < %" PRId64 "; n++)\nfor (long c = 0; c < %" PRId64 "; c++)\n"
                  "for (long h = 0; h < %" PRId64 "; h++)\nfor (long bh = 0; bh < %" PRId64 "; bh++)\n"
                  "for (long w = 0; w < %" PRId64 "; w++)\nfor (long bw = 0; bw < %" PRId64 "; bw++) {\n",
                  wide->dims[0], c, h, bs, w, bs);
    if (p->crd)
        ait_sb_printf(b, "const long dc = (c * %" PRId64 " + bh) * %" PRId64 " + bw;\n", bs, bs);
    else
        ait_sb_printf(b, "const long dc = (bh * %" PRId64 " + bw) * %" PRId64 " + c;\n", bs, c);
    ait_sb_printf(b, "const long di = ((n * %" PRId64 " + dc) * %" PRId64 " + h) * %" PRId64 " + w;\n", c * bs * bs, h,
                  w);
    ait_sb_printf(b, "const long wi = ((n * %" PRId64 " + c) * %" PRId64 " + h * %" PRId64 " + bh) * %" PRId64
                     " + w * %" PRId64 " + bw;\n",
                  c, h * bs, bs, w * bs, bs);
    ait_sb_puts(b, d2s ? "y0[wi] = x0[di];\n}\n" : "y0[di] = x0[wi];\n}\n");
}

/* ReverseSequence: along the time axis, the first len[b] steps of each batch item reversed. */
static void emit_reverse_sequence(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_index_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0);
    int64_t xs[AIT_MAX_RANK];
    ait_strides(x->rank, x->dims, xs);
    int ta = (int)p->axis, ba = p->batch_dims;
    if (!ait_tensor_numel(x))
        return;
    ait_emit_loops(b, x->rank, x->dims, "i");
    ait_sb_printf(b, "long len = (long)x1[i%d];\nif (len < 0) len = 0;\nif (len > %" PRId64 ") len = %" PRId64 ";\n", ba,
                  x->dims[ta], x->dims[ta]);
    ait_sb_printf(b, "const long t = i%d < len ? len - 1 - i%d : i%d;\ny0[", ta, ta, ta);
    ait_emit_offset(b, g->extents_vary, x->rank, xs, "i");
    ait_sb_puts(b, "] = x0[");
    for (int k = 0; k < x->rank; k++) {
        ait_sb_puts(b, k ? " + " : "");
        if (k == ta)
            ait_sb_printf(b, "t * %" PRId64, xs[k]);
        else
            ait_sb_printf(b, "i%d * %" PRId64, k, xs[k]);
    }
    ait_sb_puts(b, "];\n");
    ait_emit_close(b, x->rank);
}

/* Compress: the kept positions (a constant condition) along the axis, or of the flat input. */
static void emit_compress(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_index_params *p = n->params;
    const ait_tensor *x = ait_node_in(g, n, 0), *y = ait_node_out(g, n, 0);
    int flat = p->axis < 0;
    int64_t outer = flat ? 1 : ait_dims_prod(x->dims, 0, (int)p->axis), dim = flat ? ait_tensor_numel(x) : x->dims[p->axis];
    int64_t inner = flat ? 1 : ait_dims_prod(x->dims, (int)p->axis + 1, x->rank), kept = p->k;
    if (!ait_tensor_numel(y))
        return;
    ait_emit_table(b, "keep", p->positions, kept);
    ait_sb_printf(b, "for (long o = 0; o < %" PRId64 "; o++)\nfor (long j = 0; j < %" PRId64 "; j++)\n", outer, kept);
    ait_sb_printf(b, "memcpy(y0 + (o * %" PRId64 " + j) * %" PRId64 ", x0 + (o * %" PRId64 " + keep[j]) * %" PRId64
                     ", %" PRId64 " * sizeof *y0);\n",
                  kept, inner, dim, inner, inner);
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    switch (n->op) {
    case AIT_OP_GATHER_ELEMENTS: case AIT_OP_SCATTER_ELEMENTS: case AIT_OP_SCATTER: emit_elements(b, g, n); break;
    case AIT_OP_REVERSE_SEQUENCE: emit_reverse_sequence(b, g, n); break;
    case AIT_OP_COMPRESS: emit_compress(b, g, n); break;
    case AIT_OP_GATHER_ND: case AIT_OP_SCATTER_ND: emit_nd(b, g, n); break;
    case AIT_OP_ONE_HOT: emit_one_hot(b, g, n); break;
    case AIT_OP_TOP_K: emit_topk(b, g, n); break;
    case AIT_OP_TRILU: case AIT_OP_EYE_LIKE: emit_trilu(b, g, n); break;
    case AIT_OP_CUM_SUM: emit_cumsum(b, g, n); break;
    case AIT_OP_TILE: emit_tile(b, g, n); break;
    default: emit_depth_space(b, g, n); break;
    }
}

const ait_template ait_ref_index = {.family = "index", .emit = emit};
