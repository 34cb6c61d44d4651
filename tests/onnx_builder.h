/* Builds small ONNX models in memory for tests (protobuf-c structs, packed). */
#ifndef AIT_ONNX_BUILDER_H
#define AIT_ONNX_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "onnx.pb-c.h"

typedef struct tb tb;

tb *tb_new(int opset);
void tb_free(tb *b);
/* dims[k] < 0 with a non-NULL sym[k]: symbolic dimension */
void tb_input(tb *b, const char *name, int dtype, int rank, const int64_t *dims);
void tb_input_sym(tb *b, const char *name, int dtype, int rank, const int64_t *dims, const char *const *sym);
void tb_output(tb *b, const char *name);
/* storage: 0 raw_data, 1 typed field (float_data / int64_data / int32_data) */
void tb_init(tb *b, const char *name, int dtype, int rank, const int64_t *dims, const void *vals, int storage);
/* Shortens an initializer's raw_data to len bytes (bad-input tests). */
void tb_truncate_raw(tb *b, const char *name, size_t len);
/* Moves an initializer's data out of the model: external_data with these entries (NULL: left out). */
void tb_externalize(tb *b, const char *name, const char *location, const char *offset, const char *length);
/* inputs and outputs are comma-separated; an empty item is an omitted optional */
Onnx__NodeProto *tb_node(tb *b, const char *op, const char *inputs, const char *outputs);
void tb_attr_i(tb *b, Onnx__NodeProto *n, const char *name, int64_t v);
void tb_attr_f(tb *b, Onnx__NodeProto *n, const char *name, float v);
void tb_attr_s(tb *b, Onnx__NodeProto *n, const char *name, const char *v);
void tb_attr_ints(tb *b, Onnx__NodeProto *n, const char *name, int count, const int64_t *v);
void tb_attr_floats(tb *b, Onnx__NodeProto *n, const char *name, int count, const float *v);
/* The model itself, to set fields the helpers do not (producer, doc_string, graph name). */
Onnx__ModelProto *tb_model(tb *b);
/* Serialized model (owned by b). */
const uint8_t *tb_pack(tb *b, size_t *len);
/* Writes the model to path; returns 0 on success. */
int tb_write(tb *b, const char *path);

#endif
