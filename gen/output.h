/* Writing a set of output files atomically: every file is written to a
 * temporary name in the target dir first and renamed only when all were
 * written, so a failed run leaves a previous out/ untouched. */
#ifndef AIT_OUTPUT_H
#define AIT_OUTPUT_H

#include <stddef.h>

#include "ir/status.h"

typedef struct {
    const char *name;      /* file name inside dir */
    const char *text;
    size_t len;
} ait_out_file;

/* Creates dir if missing; fails early when it cannot be written. */
ait_status ait_output_check_dir(const char *dir, ait_diag *d);
ait_status ait_output_write(const char *dir, const ait_out_file *files, int n, ait_diag *d);

#endif
