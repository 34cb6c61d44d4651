/* Text tables: box-drawn for logs (as the seeds print them) and Markdown for reports. */
#ifndef AIT_TABLE_H
#define AIT_TABLE_H

#include <stdio.h>

/* cells is rows x ncol, row-major; the header is separate. */
void ait_table_box(FILE *f, int ncol, const char *const *header, const char *const *cells, int nrows);
void ait_table_md(FILE *f, int ncol, const char *const *header, const char *const *cells, int nrows);

#endif
