/* Running untrusted generated code: a child process with a time limit.  A
 * crash or hang in the child becomes a failed result, never a dead tuner. */
#ifndef AIT_SANDBOX_H
#define AIT_SANDBOX_H

#include "ir/status.h"

typedef struct {
    ait_status code;
    char msg[1024];
    double values[16];  /* numbers the child reports (errors, timings) */
} ait_sandbox_result;

typedef void (*ait_sandbox_fn)(void *ctx, ait_sandbox_result *r);

/* Runs fn(ctx, r) in a forked child; returns r->code.  Timeouts and signals
 * are reported as AIT_E_RUNTIME with the reason in r->msg. */
ait_status ait_sandbox_run(ait_sandbox_fn fn, void *ctx, double timeout_s, ait_sandbox_result *r);

#endif
