/* simd: MaxPool and AveragePool over 2-D planes through the sliding-window
 * kernel of window.c.  MaxPool pads with -inf and propagates NaN as the
 * reference does; AveragePool is taken when every window has the same
 * divisor (no padding and no ceil_mode overhang, and with dynamic axes no
 * ceil_mode or auto_pad SAME at all), other cases stay with the reference. */
#include "templates/emit_util.h"
#include "templates/simd/simd.h"

static int window_of(const ait_graph *g, const ait_node *n, ait_simd_window *w)
{
    const ait_pool_params *p = n->params;
    int max = n->op == AIT_OP_MAX_POOL;
    if ((!max && n->op != AIT_OP_AVERAGE_POOL) || ait_node_in(g, n, 0)->dtype != AIT_DT_FLOAT || p->spatial != 2 ||
        p->stride[1] > 2 || p->stride[2] > 2 || (n->n_out > 1 && n->out[1] >= 0))
        return 0; /* MaxPool's Indices output stays with the reference */
    *w = (ait_simd_window){.kind = max ? AIT_WIN_MAX : AIT_WIN_AVG, .c = p->n * p->c, .ih = p->in[1],
                           .iw = p->in[2], .oh = p->out[1], .ow = p->out[2], .kh = p->k[1], .kw = p->k[2],
                           .sh = p->stride[1], .sw = p->stride[2], .dh = p->dil[1], .dw = p->dil[2],
                           .pt = p->pad_lo[1], .pl = p->pad_lo[2], .scale = 1.0f / (float)(p->k[1] * p->k[2]),
                           .vl = ait_simd_base(g)->vl};
    if (max)
        return 1;
    /* with extents that vary, a window's divisor must not change with them */
    if (g->extents_vary && p->size_dependent)
        return 0;
    int unpadded = p->pad_lo[1] == 0 && p->pad_lo[2] == 0 && p->pad_hi[1] == 0 && p->pad_hi[2] == 0;
    int inside = (p->out[1] - 1) * p->stride[1] + (p->k[1] - 1) * p->dil[1] < p->in[1] &&
                 (p->out[2] - 1) * p->stride[2] + (p->k[2] - 1) * p->dil[2] < p->in[2];
    return unpadded && inside;
}

static int applies(const ait_graph *g, const ait_node *n)
{
    ait_simd_window w;
    return window_of(g, n, &w);
}

static void emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    ait_simd_window w;
    window_of(g, n, &w);
    ait_simd_emit_window(b, g, n, &w);
}

static size_t scratch(const ait_graph *g, const ait_node *n)
{
    ait_simd_window w;
    return window_of(g, n, &w) ? ait_simd_window_scratch(g, n, &w) : 0;
}

static int phases(const ait_graph *g, const ait_node *n)
{
    ait_simd_window w;
    return window_of(g, n, &w) ? ait_simd_window_phases(g, n, &w) : 0;
}

const ait_template ait_simd_pool = {
    .family = "pool", .applies = applies, .emit = emit, .scratch_bytes = scratch, .phases = phases};

/* GlobalAveragePool: each plane summed in four vector accumulators (then single vectors, then
 * the scalar tail), in float; squeeze-excitation blocks run one per block. */
static int gap_applies(const ait_graph *g, const ait_node *n)
{
    return n->op == AIT_OP_GLOBAL_AVERAGE_POOL && ait_node_in(g, n, 0)->dtype == AIT_DT_FLOAT;
}

/* Split into tasks: whole planes a task, where there is enough to read. */
static int gap_phases(const ait_graph *g, const ait_node *n)
{
    const ait_pool_params *p = n->params;
    int T = ait_split(g, n);
    return T && p->n * p->c >= T && (double)ait_tensor_numel(ait_node_in(g, n, 0)) >= 2e5;
}

static void gap_emit(ait_sb *b, const ait_graph *g, const ait_node *n)
{
    const ait_pool_params *p = n->params;
    long long plane = 1;
    for (int i = 0; i < 3; i++)
        plane *= p->in[i];
    int vl = ait_simd_base(g)->vl, split = gap_phases(g, n);
    if (split) {
        ait_emit_phase(b, 0);
        ait_emit_task_part(b, g, "c", p->n * p->c, 1);
        ait_sb_puts(b, "for (long c = c_lo; c < c_hi; c++) {\n");
    } else {
        ait_sb_printf(b, "for (long c = 0; c < %lld; c++) {\n", (long long)(p->n * p->c));
    }
    ait_sb_printf(b, "const float *const xc = x0 + c * %lld;\n"
                     "ait_vf a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};\nlong i = 0;\n"
                     "for (; i + %d <= %lld; i += %d) {\na0 += AIT_LD(xc + i);\na1 += AIT_LD(xc + i + %d);\n"
                     "a2 += AIT_LD(xc + i + %d);\na3 += AIT_LD(xc + i + %d);\n}\n"
                     "for (; i + %d <= %lld; i += %d)\na0 += AIT_LD(xc + i);\na0 = (a0 + a1) + (a2 + a3);\n",
                  plane, 4 * vl, plane, 4 * vl, vl, 2 * vl, 3 * vl, vl, plane, vl);
    if (vl > 1)
        ait_sb_printf(b, "float s = 0;\nfor (int l = 0; l < %d; l++)\ns += a0[l];\n", vl);
    else
        ait_sb_puts(b, "float s = a0;\n");
    ait_sb_printf(b, "for (; i < %lld; i++)\ns += xc[i];\ny0[c] = s / %lld;\n}\n", plane, plane);
    if (split)
        ait_sb_puts(b, "}\n");
}

const ait_template ait_simd_gap = {.family = "pool", .applies = gap_applies, .emit = gap_emit, .phases = gap_phases};
