#include "ir/table.h"

#include <string.h>

enum { MAX_COL = 16 };

/* Display width of UTF-8 text (box characters count once). */
static int width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void rule(FILE *f, int ncol, const int *w, const char *l, const char *m, const char *r, const char *fill)
{
    fputs(l, f);
    for (int c = 0; c < ncol; c++) {
        for (int k = 0; k < w[c] + 2; k++)
            fputs(fill, f);
        fputs(c + 1 < ncol ? m : r, f);
    }
    fputc('\n', f);
}

static void row(FILE *f, int ncol, const int *w, const char *const *cells, const char *sep)
{
    fputs(sep, f);
    for (int c = 0; c < ncol; c++)
        fprintf(f, " %s%*s %s", cells[c], w[c] - width(cells[c]), "", sep);
    fputc('\n', f);
}

void ait_table_box(FILE *f, int ncol, const char *const *header, const char *const *cells, int nrows)
{
    int w[MAX_COL];
    for (int c = 0; c < ncol; c++) {
        w[c] = width(header[c]);
        for (int r = 0; r < nrows; r++)
            if (width(cells[r * ncol + c]) > w[c])
                w[c] = width(cells[r * ncol + c]);
    }
    rule(f, ncol, w, "╒", "╤", "╕", "═");
    row(f, ncol, w, header, "│");
    rule(f, ncol, w, "╞", "╪", "╡", "═");
    for (int r = 0; r < nrows; r++)
        row(f, ncol, w, cells + r * ncol, "│");
    rule(f, ncol, w, "╘", "╧", "╛", "═");
}

void ait_table_md(FILE *f, int ncol, const char *const *header, const char *const *cells, int nrows)
{
    fputc('|', f);
    for (int c = 0; c < ncol; c++)
        fprintf(f, " %s |", header[c]);
    fputs("\n|", f);
    for (int c = 0; c < ncol; c++)
        fputs("---|", f);
    fputc('\n', f);
    for (int r = 0; r < nrows; r++) {
        fputc('|', f);
        for (int c = 0; c < ncol; c++)
            fprintf(f, " %s |", cells[r * ncol + c]);
        fputc('\n', f);
    }
}
