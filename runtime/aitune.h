/* libaitune: ONNX models tuned in-process (DESIGN.md, "The runtime API").
 *
 *   ait_module *m = ait_module_open("model.onnx", "classifier", NULL);
 *   ait_tensor in = {AIT_DTYPE_FLOAT, 4, {1, 3, 32, 32}, pixels, 0}, out = {0};
 *   ait_module_run(m, &in, 1, &out, 1);        // eager: the reference, compiled for this shape
 *   ait_module_enable_recording(m, 0);          // calls are now recorded
 *   ...                                         // a few calls
 *   ait_module_tune(m, 0);                      // the configured strategy; the winner swapped in
 *   ait_module_save(m, "artifact/");            // code, shared object, report, SHA-256 sums
 *
 * With AITUNE_JIT=1 in the environment an unchanged app gets its modules tuned: the first
 * [jit] min_samples calls record, then the module tunes and the winner is swapped in.
 * Link: cc app.c -Iruntime -Lbuild -laitune -ltcc -ldl -lpthread -lprotobuf-c -linih -lxxhash -lm
 * (README.md gives the line for the shared library too). */
#ifndef AITUNE_H
#define AITUNE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aitune_rt.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { AIT_STATE_INIT, AIT_STATE_PASSTHROUGH, AIT_STATE_RECORDING, AIT_STATE_TUNED,
               AIT_STATE_EAGER, AIT_STATE_SKIPPED, AIT_STATE_DETACHED } ait_state;

typedef struct {
    int dtype;          /* ONNX TensorProto.DataType: 1 float32, 6 int32, 7 int64, ... */
    int rank;
    int64_t dims[8];
    void *data;         /* inputs: the caller's; outputs: NULL = the module's buffer, valid
                           until the next call on that module; else the caller's */
    size_t capacity;    /* outputs with data != NULL: bytes available there */
} ait_tensor;
typedef struct ait_module ait_module;

/* onnx_path may also be a folder ait_module_save wrote: then this is ait_module_load(onnx_path).
 * config_ini: aitune-gen's INI format (NULL: defaults; [model] and [samples] are not read: the
 * model is onnx_path and the samples are the recorded calls); a [jit] section holds jit_config. */
ait_module *ait_module_open(const char *onnx_path, const char *name, const char *config_ini);
int  ait_module_run(ait_module *m, const ait_tensor *inputs, int n_inputs,
                    ait_tensor *outputs, int n_outputs);   /* fills outputs' dtype/rank/dims */
int  ait_module_enable_recording(ait_module *m, int force);
int  ait_module_enable_passthrough(ait_module *m, int force);
int  ait_module_tune(ait_module *m, int dry_run);
ait_state ait_module_state(const ait_module *m);
int  ait_module_save(const ait_module *m, const char *dir);
ait_module *ait_module_load(const char *dir);
void ait_module_print_hierarchy(const ait_module *m, FILE *f);
void ait_module_print_history(const ait_module *m, FILE *f);
void ait_module_close(ait_module *m);
const char *ait_last_error(void);   /* text of this thread's last failure */

/* Additions to the contract (documented in README.md): */
const char *ait_state_str(ait_state s);            /* "init", "passthrough", ... */
/* Calls served so far, and of those by tuned code. */
long long ait_module_call_count(const ait_module *m);
long long ait_module_tuned_calls(const ait_module *m);
/* In JIT mode with tune_deferred: waits until a background tuning has ended (0 at once when
 * none runs); the winner is swapped in at the next call. */
int  ait_module_wait_tuning(ait_module *m);

#ifdef __cplusplus
}
#endif

#endif
