/* Status codes and diagnostics shared by every aitune-c module.
 *
 * A function that can fail returns ait_status and, on failure, fills an
 * ait_diag with one user-facing line that names the file, node or config line
 * at fault.  "Not applicable" is never a status: templates answer false. */
#ifndef AIT_STATUS_H
#define AIT_STATUS_H

#include <stdarg.h>

#include "runtime/aitune_rt.h" /* the codes: the emitted code and apps see them too */

const char *ait_status_str(ait_status s);

typedef struct {
    ait_status code;
    char msg[1024];     /* one line, no trailing newline */
    int needs_tensor;   /* with AIT_E_NEEDS_CONST: the tensor id that must be constant */
} ait_diag;

/* Records the first failure (later ones keep the original cause) and returns code. */
ait_status ait_fail(ait_diag *d, ait_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Propagate a failure to the caller. */
#define AIT_TRY(expr) do { ait_status ait_try_s_ = (expr); if (ait_try_s_ != AIT_OK) return ait_try_s_; } while (0)

#endif
