#include "ir/status.h"

#include <assert.h>
#include <stdio.h>

#include "ir/escape.h"

static const char *const status_names[] = {
    [AIT_OK] = "ok",
    [AIT_E_IO] = "i/o error",
    [AIT_E_PARSE] = "parse error",
    [AIT_E_MODEL] = "invalid model",
    [AIT_E_UNSUPPORTED] = "unsupported",
    [AIT_E_SHAPE] = "shape error",
    [AIT_E_NEEDS_CONST] = "input must be constant",
    [AIT_E_COMPILE] = "compile error",
    [AIT_E_RUNTIME] = "runtime error",
    [AIT_E_MISMATCH] = "mismatch",
    [AIT_E_CONFIG] = "config error",
    [AIT_E_USAGE] = "usage error",
    [AIT_E_ARG] = "bad argument",
    [AIT_E_STATE] = "wrong module state",
    [AIT_E_INTEGRITY] = "integrity check failed",
    [AIT_E_BUSY] = "module busy",
};
static_assert(sizeof status_names / sizeof status_names[0] == AIT_E_COUNT, "status_names covers every code");

const char *ait_status_str(ait_status s)
{
    return (unsigned)s < AIT_E_COUNT ? status_names[s] : "unknown status";
}

ait_status ait_fail(ait_diag *d, ait_status code, const char *fmt, ...)
{
    if (d && d->code == AIT_OK) {
        va_list ap;
        va_start(ap, fmt);
        char raw[sizeof d->msg];
        vsnprintf(raw, sizeof raw, fmt, ap);
        va_end(ap);
        /* one printable line, whatever names from a model or a file it quotes */
        ait_esc_buf(d->msg, sizeof d->msg, AIT_ESC_TEXT, raw);
        d->code = code;
    }
    return code;
}
