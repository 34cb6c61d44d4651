#include "tests/onnx_builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/arena.h"

struct tb {
    ait_arena a;
    Onnx__ModelProto model;
    Onnx__GraphProto graph;
    Onnx__OperatorSetIdProto opset;
    Onnx__OperatorSetIdProto *opsets[1];
    Onnx__NodeProto **nodes;
    size_t cap_nodes;
    Onnx__TensorProto *inits[64];
    Onnx__ValueInfoProto *inputs[16], *outputs[16];
    uint8_t *packed;
};

tb *tb_new(int opset)
{
    tb *b = calloc(1, sizeof *b);
    onnx__model_proto__init(&b->model);
    onnx__graph_proto__init(&b->graph);
    onnx__operator_set_id_proto__init(&b->opset);
    b->opset.domain = "";
    b->opset.has_version = 1;
    b->opset.version = opset;
    b->opsets[0] = &b->opset;
    b->model.n_opset_import = 1;
    b->model.opset_import = b->opsets;
    b->model.has_ir_version = 1;
    b->model.ir_version = 8;
    b->model.graph = &b->graph;
    b->graph.name = "test";
    b->graph.node = b->nodes;
    b->graph.initializer = b->inits;
    b->graph.input = b->inputs;
    b->graph.output = b->outputs;
    return b;
}

Onnx__ModelProto *tb_model(tb *b)
{
    return &b->model;
}

void tb_free(tb *b)
{
    free(b->packed);
    ait_arena_free_all(&b->a);
    free(b);
}

static Onnx__ValueInfoProto *value_info(tb *b, const char *name, int dtype, int rank, const int64_t *dims,
                                        const char *const *sym)
{
    Onnx__ValueInfoProto *vi = AIT_NEW(&b->a, Onnx__ValueInfoProto, 1);
    onnx__value_info_proto__init(vi);
    vi->name = ait_arena_strdup(&b->a, name);
    if (dtype < 0)
        return vi;
    Onnx__TypeProto *tp = AIT_NEW(&b->a, Onnx__TypeProto, 1);
    onnx__type_proto__init(tp);
    Onnx__TypeProto__Tensor *tt = AIT_NEW(&b->a, Onnx__TypeProto__Tensor, 1);
    onnx__type_proto__tensor__init(tt);
    tt->has_elem_type = 1;
    tt->elem_type = dtype;
    Onnx__TensorShapeProto *sh = AIT_NEW(&b->a, Onnx__TensorShapeProto, 1);
    onnx__tensor_shape_proto__init(sh);
    sh->n_dim = (size_t)rank;
    sh->dim = AIT_NEW(&b->a, Onnx__TensorShapeProto__Dimension *, rank + 1);
    for (int i = 0; i < rank; i++) {
        Onnx__TensorShapeProto__Dimension *dm = AIT_NEW(&b->a, Onnx__TensorShapeProto__Dimension, 1);
        onnx__tensor_shape_proto__dimension__init(dm);
        if (dims[i] >= 0) {
            dm->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            dm->dim_value = dims[i];
        } else if (sym && sym[i]) {
            dm->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            dm->dim_param = ait_arena_strdup(&b->a, sym[i]);
        }
        sh->dim[i] = dm;
    }
    tt->shape = sh;
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    vi->type = tp;
    return vi;
}

void tb_input(tb *b, const char *name, int dtype, int rank, const int64_t *dims)
{
    b->inputs[b->graph.n_input++] = value_info(b, name, dtype, rank, dims, NULL);
}

void tb_input_sym(tb *b, const char *name, int dtype, int rank, const int64_t *dims, const char *const *sym)
{
    b->inputs[b->graph.n_input++] = value_info(b, name, dtype, rank, dims, sym);
}

void tb_output(tb *b, const char *name)
{
    b->outputs[b->graph.n_output++] = value_info(b, name, -1, 0, NULL, NULL);
}

void tb_init(tb *b, const char *name, int dtype, int rank, const int64_t *dims, const void *vals, int storage)
{
    Onnx__TensorProto *t = AIT_NEW(&b->a, Onnx__TensorProto, 1);
    onnx__tensor_proto__init(t);
    t->name = ait_arena_strdup(&b->a, name);
    t->has_data_type = 1;
    t->data_type = dtype;
    t->n_dims = (size_t)rank;
    t->dims = ait_arena_memdup(&b->a, dims, sizeof(int64_t) * (size_t)rank);
    size_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= (size_t)dims[i];
    size_t esz = dtype == 7 || dtype == 11 ? 8 : dtype == 1 || dtype == 6 ? 4 : 1;
    if (storage == 0) {
        t->has_raw_data = 1;
        t->raw_data.len = n * esz;
        t->raw_data.data = ait_arena_memdup(&b->a, vals, n * esz);
    } else if (dtype == 1) {
        t->n_float_data = n;
        t->float_data = ait_arena_memdup(&b->a, vals, n * 4);
    } else if (dtype == 7) {
        t->n_int64_data = n;
        t->int64_data = ait_arena_memdup(&b->a, vals, n * 8);
    } else { /* int32 storage of int32/int8/uint8/bool */
        t->n_int32_data = n;
        t->int32_data = AIT_NEW(&b->a, int32_t, n + 1);
        for (size_t i = 0; i < n; i++)
            t->int32_data[i] = esz == 4 ? ((const int32_t *)vals)[i] : ((const uint8_t *)vals)[i];
    }
    b->inits[b->graph.n_initializer++] = t;
}

static char **split(tb *b, const char *list, size_t *count)
{
    char **v = AIT_NEW(&b->a, char *, 32);
    *count = 0;
    if (!list)
        return v;
    const char *p = list;
    for (;;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        char *s = ait_arena_alloc(&b->a, len + 1);
        memcpy(s, p, len);
        v[(*count)++] = s;
        if (!c)
            break;
        p = c + 1;
    }
    return v;
}

Onnx__NodeProto *tb_node(tb *b, const char *op, const char *inputs, const char *outputs)
{
    Onnx__NodeProto *n = AIT_NEW(&b->a, Onnx__NodeProto, 1);
    onnx__node_proto__init(n);
    n->op_type = ait_arena_strdup(&b->a, op);
    n->name = ait_arena_printf(&b->a, "/%s_%zu", op, b->graph.n_node);
    n->input = split(b, inputs, &n->n_input);
    n->output = split(b, outputs, &n->n_output);
    n->attribute = AIT_NEW(&b->a, Onnx__AttributeProto *, 16);
    if (b->graph.n_node == b->cap_nodes) {
        b->cap_nodes = b->cap_nodes ? 2 * b->cap_nodes : 256;
        Onnx__NodeProto **bigger = AIT_NEW(&b->a, Onnx__NodeProto *, b->cap_nodes);
        if (b->graph.n_node)
            memcpy(bigger, b->nodes, sizeof *bigger * b->graph.n_node);
        b->nodes = bigger;
        b->graph.node = bigger;
    }
    b->nodes[b->graph.n_node++] = n;
    return n;
}

static Onnx__AttributeProto *attr(tb *b, Onnx__NodeProto *n, const char *name, int type)
{
    Onnx__AttributeProto *a = AIT_NEW(&b->a, Onnx__AttributeProto, 1);
    onnx__attribute_proto__init(a);
    a->name = ait_arena_strdup(&b->a, name);
    a->has_type = 1;
    a->type = type;
    n->attribute[n->n_attribute++] = a;
    return a;
}

void tb_attr_i(tb *b, Onnx__NodeProto *n, const char *name, int64_t v)
{
    Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    a->has_i = 1;
    a->i = v;
}

void tb_attr_f(tb *b, Onnx__NodeProto *n, const char *name, float v)
{
    Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    a->has_f = 1;
    a->f = v;
}

void tb_attr_s(tb *b, Onnx__NodeProto *n, const char *name, const char *v)
{
    Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
    a->has_s = 1;
    a->s.len = strlen(v);
    a->s.data = (uint8_t *)ait_arena_strdup(&b->a, v);
}

void tb_attr_ints(tb *b, Onnx__NodeProto *n, const char *name, int count, const int64_t *v)
{
    Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    a->n_ints = (size_t)count;
    a->ints = ait_arena_memdup(&b->a, v, sizeof(int64_t) * (size_t)count);
}

void tb_attr_floats(tb *b, Onnx__NodeProto *n, const char *name, int count, const float *v)
{
    Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS);
    a->n_floats = (size_t)count;
    a->floats = ait_arena_memdup(&b->a, v, sizeof(float) * (size_t)count);
}

const uint8_t *tb_pack(tb *b, size_t *len)
{
    free(b->packed);
    *len = onnx__model_proto__get_packed_size(&b->model);
    b->packed = malloc(*len + 1);
    onnx__model_proto__pack(&b->model, b->packed);
    return b->packed;
}

int tb_write(tb *b, const char *path)
{
    size_t len;
    const uint8_t *p = tb_pack(b, &len);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(p, 1, len, f);
    return fclose(f) == 0 && w == len ? 0 : -1;
}

void tb_truncate_raw(tb *b, const char *name, size_t len)
{
    for (size_t i = 0; i < b->graph.n_initializer; i++)
        if (strcmp(b->inits[i]->name, name) == 0)
            b->inits[i]->raw_data.len = len;
}

void tb_externalize(tb *b, const char *name, const char *location, const char *offset, const char *length)
{
    for (size_t i = 0; i < b->graph.n_initializer; i++) {
        Onnx__TensorProto *t = b->inits[i];
        if (strcmp(t->name, name) != 0)
            continue;
        const char *keys[3] = {"location", "offset", "length"}, *vals[3] = {location, offset, length};
        t->external_data = AIT_NEW(&b->a, Onnx__StringStringEntryProto *, 3);
        t->n_external_data = 0;
        for (int k = 0; k < 3; k++) {
            if (!vals[k])
                continue;
            Onnx__StringStringEntryProto *e = AIT_NEW(&b->a, Onnx__StringStringEntryProto, 1);
            onnx__string_string_entry_proto__init(e);
            e->key = ait_arena_strdup(&b->a, keys[k]);
            e->value = ait_arena_strdup(&b->a, vals[k]);
            t->external_data[t->n_external_data++] = e;
        }
        t->has_raw_data = 0;
        t->raw_data.len = 0;
        t->has_data_location = 1;
        t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    }
}
