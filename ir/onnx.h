/* ONNX import: ModelProto -> ait_graph, TensorProto files -> tensors.
 * The protobuf-c code is generated at build time from the system's
 * /usr/include/onnx/onnx.proto (libonnx-dev). */
#ifndef AIT_ONNX_H
#define AIT_ONNX_H

#include "ir/graph.h"

/* Loads and checks structure (names defined before use, data sizes, dtypes).
 * Shapes of run-time inputs are as declared; symbolic dims are -1 until bound. */
ait_status ait_onnx_load(ait_arena *a, const char *path, ait_graph **out, ait_diag *d);
ait_status ait_onnx_load_bytes(ait_arena *a, const char *path, const void *bytes, size_t len,
                               ait_graph **out, ait_diag *d);

/* The oldest and newest default-domain opsets read. Every supported op was checked against the spec up
 * to MAX. Opset 6 is read with what opset 7 changed refused (see check_opset6); before 6, Cast's `to`
 * was a string and many ops had `consumed_inputs`. */
enum { AIT_OPSET_MIN = 6, AIT_OPSET_MAX = 21 };

/* Reads a serialized TensorProto (.pb, as in ONNX test data) into *t
 * (name, dtype, shape, data). */

ait_status ait_onnx_load_tensor(ait_arena *a, const char *path, ait_tensor *t, ait_diag *d);

/* Reads a whole file into arena memory. */
ait_status ait_read_file(ait_arena *a, const char *path, void **bytes, size_t *len, ait_diag *d);

#endif
