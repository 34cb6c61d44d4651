#include "ir/spec.h"

#include <inttypes.h>
#include <string.h>

#include "ir/escape.h"
#include "ir/table.h"

void ait_spec_classify(ait_tensor_spec *ts, int n, const int *batch, const int64_t *const *dims)
{
    int batches_differ = 0;
    for (int i = 1; i < n; i++)
        batches_differ |= batch[i] != batch[0];
    for (int k = 0; k < ts->rank; k++) {
        int64_t lo = dims[0][k], hi = dims[0][k];
        int same = 1, scales = batches_differ;
        for (int i = 0; i < n; i++) {
            int64_t v = dims[i][k];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            same &= v == dims[0][k];
            scales &= v % batch[i] == 0 && v / batch[i] == dims[0][k] / batch[0];
        }
        ts->min[k] = lo;
        ts->max[k] = hi;
        ts->scale[k] = scales ? dims[0][k] / batch[0] : 0;
        ts->kind[k] = same ? AIT_AXIS_STATIC : scales ? AIT_AXIS_BATCH : AIT_AXIS_DYNAMIC;
    }
}

void ait_spec_shape_str(const ait_tensor_spec *ts, char *buf, size_t n)
{
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < ts->rank && k < n; i++) {
        const char *sep = i ? ", " : "";
        if (ts->kind[i] == AIT_AXIS_BATCH)
            k += (size_t)snprintf(buf + k, n - k, "%s'batch%d'", sep, i);
        else if (ts->kind[i] == AIT_AXIS_DYNAMIC && ts->dim_name[i])
            k += (size_t)snprintf(buf + k, n - k, "%s'%s'", sep, ts->dim_name[i]);
        else if (ts->kind[i] == AIT_AXIS_DYNAMIC)
            k += (size_t)snprintf(buf + k, n - k, "%s'dim%d'", sep, i);
        else
            k += (size_t)snprintf(buf + k, n - k, "%s%" PRId64, sep, ts->min[i]);
    }
    if (k < n)
        snprintf(buf + k, n - k, "]");
}

void ait_spec_bound_str(const ait_tensor_spec *ts, int use_max, char *buf, size_t n)
{
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < ts->rank && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%" PRId64, i ? ", " : "", use_max ? ts->max[i] : ts->min[i]);
    if (k < n)
        snprintf(buf + k, n - k, "]");
}

static void print_side(FILE *f, const char *title, const ait_tensor_spec *ts, int count, int markdown)
{
    enum { NC = 6 };
    static const char *const header[NC] = {"Locator", "Name", "Shape", "Min Shape", "Max Shape", "Dtype"};
    char cells[16][NC][160];
    const char *ptr[16 * NC];
    int rows = count < 16 ? count : 16;
    for (int r = 0; r < rows; r++) {
        snprintf(cells[r][0], sizeof cells[r][0], "[%d]", r);
        ait_esc_buf(cells[r][1], sizeof cells[r][1], markdown ? AIT_ESC_MD : AIT_ESC_TEXT, ts[r].name);
        char shape[160]; /* a dynamic axis's name comes from the model */
        ait_spec_shape_str(&ts[r], shape, sizeof shape);
        ait_esc_buf(cells[r][2], sizeof cells[r][2], markdown ? AIT_ESC_MD : AIT_ESC_TEXT, shape);
        ait_spec_bound_str(&ts[r], 0, cells[r][3], sizeof cells[r][3]);
        ait_spec_bound_str(&ts[r], 1, cells[r][4], sizeof cells[r][4]);
        snprintf(cells[r][5], sizeof cells[r][5], "%s", ait_dtype_get(ts[r].dtype)->name);
        for (int c = 0; c < NC; c++)
            ptr[r * NC + c] = cells[r][c];
    }
    fprintf(f, markdown ? "\n%s:\n\n" : "%s:\n", title);
    if (markdown)
        ait_table_md(f, NC, header, ptr, rows);
    else
        ait_table_box(f, NC, header, ptr, rows);
}

void ait_spec_print(FILE *f, const ait_graph_spec *s, int markdown)
{
    print_side(f, "input_spec", s->in, s->n_in, markdown);
    print_side(f, "output_spec", s->out, s->n_out, markdown);
}

void ait_spec_text(const ait_graph_spec *s, char *buf, size_t n)
{
    size_t k = 0;
    for (int side = 0; side < 2; side++) {
        const ait_tensor_spec *ts = side ? s->out : s->in;
        for (int i = 0; i < (side ? s->n_out : s->n_in) && k < n; i++) {
            char sh[200], lo[200], hi[200];
            ait_spec_shape_str(&ts[i], sh, sizeof sh);
            ait_spec_bound_str(&ts[i], 0, lo, sizeof lo);
            ait_spec_bound_str(&ts[i], 1, hi, sizeof hi);
            k += (size_t)snprintf(buf + k, n - k, "%s%d %s %s %s %s %s\n", side ? "output" : "input", i,
                                  ts[i].name, sh, lo, hi, ait_dtype_get(ts[i].dtype)->name);
        }
    }
}
