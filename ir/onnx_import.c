#include "ir/onnx.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "onnx.pb-c.h"

enum { MAX_ELEMS = 1 << 30 }; /* bound on one tensor, so sizes never overflow */

ait_status ait_read_file(ait_arena *a, const char *path, void **bytes, size_t *len, ait_diag *d)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ait_fail(d, AIT_E_IO, "%s: cannot open: %s", path, strerror(errno));
    /* a directory opens too, and "seeks" to LONG_MAX (found by fuzz_manifest) */
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return ait_fail(d, AIT_E_IO, "%s: not a regular file", path);
    }
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return ait_fail(d, AIT_E_IO, "%s: cannot seek: %s", path, strerror(errno));
    }
    long n = ftell(f);
    rewind(f);
    if (n < 0) {
        fclose(f);
        return ait_fail(d, AIT_E_IO, "%s: cannot read size", path);
    }
    void *p = ait_arena_alloc(a, (size_t)n + 1);
    size_t got = fread(p, 1, (size_t)n, f);
    fclose(f);
    if (got != (size_t)n)
        return ait_fail(d, AIT_E_IO, "%s: short read (%zu of %ld bytes)", path, got, n);
    *bytes = p;
    *len = (size_t)n;
    return AIT_OK;
}

/* Copies `count` values of width `from` into dense elements of width dst_size. */
static void widen_copy(void *dst, size_t dst_size, const void *src, size_t src_size, size_t count,
                       int src_unsigned)
{
    for (size_t i = 0; i < count; i++) {
        uint64_t v;
        if (src_size == 4)
            v = src_unsigned ? (uint64_t)((const uint32_t *)src)[i] : (uint64_t)(int64_t)((const int32_t *)src)[i];
        else
            v = ((const uint64_t *)src)[i];
        memcpy((char *)dst + i * dst_size, &v, dst_size); /* little-endian: low bytes first */
    }
}

/* A tensor stored outside the model (how models over 2 GB are saved): `location` relative to the
 * model's folder (an absolute path or a ".." component is refused: the model is data, not a
 * licence to read the machine's files), `offset` and `length` checked against the file before
 * anything is allocated. */
static ait_status read_external(ait_arena *a, const Onnx__TensorProto *p, const char *file, const char *name,
                                size_t bytes, void **out, ait_diag *d)
{
    const char *loc = NULL;
    long long offset = 0, length = -1;
    for (size_t i = 0; i < p->n_external_data; i++) {
        const char *k = p->external_data[i]->key, *v = p->external_data[i]->value;
        if (!k || !v)
            continue;
        char *end;
        if (strcmp(k, "location") == 0)
            loc = v;
        else if (strcmp(k, "offset") == 0 && ((offset = strtoll(v, &end, 10)) < 0 || *end))
            return ait_fail(d, AIT_E_MODEL, "%s: tensor '%s': external offset '%s' is not valid", file, name, v);
        else if (strcmp(k, "length") == 0 && ((length = strtoll(v, &end, 10)) < 0 || *end))
            return ait_fail(d, AIT_E_MODEL, "%s: tensor '%s': external length '%s' is not valid", file, name, v);
    }
    if (!loc || !*loc)
        return ait_fail(d, AIT_E_MODEL, "%s: tensor '%s': external data without a location", file, name);
    int escapes = loc[0] == '/' || strcmp(loc, "..") == 0 || strncmp(loc, "../", 3) == 0 || strstr(loc, "/../") ||
                  (strlen(loc) >= 3 && strcmp(loc + strlen(loc) - 3, "/..") == 0);
    if (escapes)
        return ait_fail(d, AIT_E_MODEL, "%s: tensor '%s': external location '%s' leaves the model's folder", file, name,
                        loc);
    if (length >= 0 && (unsigned long long)length != bytes)
        return ait_fail(d, AIT_E_MODEL, "%s: tensor '%s': external length %lld, shape needs %zu", file, name, length,
                        bytes);
    const char *slash = strrchr(file, '/');
    char *path = ait_arena_printf(a, "%.*s%s", slash ? (int)(slash - file + 1) : 0, file, loc);
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f)
        return ait_fail(d, AIT_E_IO, "%s: tensor '%s': cannot open %s: %s", file, name, path, strerror(errno));
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || (unsigned long long)offset > (unsigned long long)st.st_size ||
        (unsigned long long)st.st_size - (unsigned long long)offset < bytes) {
        fclose(f);
        return ait_fail(d, AIT_E_MODEL, "%s: tensor '%s': %s holds no %zu bytes at offset %lld", file, name, path, bytes,
                        offset);
    }
    *out = ait_arena_alloc(a, bytes ? bytes : 1);
    size_t got = fseeko(f, (off_t)offset, SEEK_SET) == 0 ? fread(*out, 1, bytes, f) : 0;
    fclose(f);
    if (got != bytes)
        return ait_fail(d, AIT_E_IO, "%s: tensor '%s': short read of %s", file, name, path);
    return AIT_OK;
}

static ait_status decode_tensor(ait_arena *a, const Onnx__TensorProto *p, const char *file, const char *what,
                                ait_tensor *t, ait_diag *d)
{
    const char *name = p->name && *p->name ? p->name : what;
    if (p->n_dims > AIT_MAX_RANK)
        return ait_fail(d, AIT_E_UNSUPPORTED, "%s: tensor '%s': rank %zu exceeds %d", file, name, p->n_dims,
                        AIT_MAX_RANK);
    int64_t numel = 1;
    for (size_t i = 0; i < p->n_dims; i++) {
        if (p->dims[i] < 0 || (p->dims[i] > 0 && numel > MAX_ELEMS / p->dims[i]))
            return ait_fail(d, AIT_E_MODEL, "%s: tensor '%s': bad dimension %" PRId64, file, name, p->dims[i]);
        numel *= p->dims[i];
        t->dims[i] = p->dims[i];
    }
    t->rank = (int)p->n_dims;
    t->dtype = p->data_type;
    const ait_dtype_info *dt = ait_dtype_get(t->dtype);
    if (!dt->size || t->dtype == AIT_DT_STRING)
        return ait_fail(d, AIT_E_UNSUPPORTED, "%s: tensor '%s': data type %d is not supported", file, name,
                        p->data_type);
    size_t bytes = (size_t)numel * dt->size;
    if (p->has_data_location && p->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return read_external(a, p, file, name, bytes, &t->data, d);
    /* the stored values are counted before the shape sizes an allocation: a 64-byte file whose
     * dims claim 3 GB must not get 3 GB (found by fuzz_pb) */
    if (p->has_raw_data) {
        if (p->raw_data.len != bytes)
            return ait_fail(d, AIT_E_MODEL, "%s: tensor '%s': raw_data has %zu bytes, shape needs %zu", file, name,
                            p->raw_data.len, bytes);
        t->data = ait_arena_alloc(a, bytes ? bytes : 1);
        if (bytes)
            memcpy(t->data, p->raw_data.data, bytes);
        return AIT_OK;
    }
    size_t have;
    const void *src;
    switch (t->dtype) {
    case AIT_DT_FLOAT: have = p->n_float_data; src = p->float_data; break;
    case AIT_DT_DOUBLE: have = p->n_double_data; src = p->double_data; break;
    case AIT_DT_INT64: have = p->n_int64_data; src = p->int64_data; break;
    case AIT_DT_UINT32: case AIT_DT_UINT64: have = p->n_uint64_data; src = p->uint64_data; break;
    default: have = p->n_int32_data; src = p->int32_data; break; /* int32, int16, int8, uint16, uint8, bool, float16 */
    }
    if (have != (size_t)numel)
        return ait_fail(d, AIT_E_MODEL, "%s: tensor '%s': %zu values stored, shape needs %" PRId64, file, name, have,
                        numel);
    t->data = ait_arena_alloc(a, bytes ? bytes : 1);
    if (!numel)
        return AIT_OK;
    if (t->dtype == AIT_DT_FLOAT || t->dtype == AIT_DT_DOUBLE || t->dtype == AIT_DT_INT64)
        memcpy(t->data, src, bytes);
    else if (t->dtype == AIT_DT_UINT32 || t->dtype == AIT_DT_UINT64)
        widen_copy(t->data, dt->size, src, 8, have, 1);
    else
        widen_copy(t->data, dt->size, src, 4, have, 0);
    return AIT_OK;
}

ait_status ait_onnx_load_tensor(ait_arena *a, const char *path, ait_tensor *t, ait_diag *d)
{
    void *bytes;
    size_t len;
    AIT_TRY(ait_read_file(a, path, &bytes, &len, d));
    Onnx__TensorProto *p = onnx__tensor_proto__unpack(NULL, len, bytes);
    if (!p)
        return ait_fail(d, AIT_E_PARSE, "%s: not a serialized ONNX TensorProto", path);
    memset(t, 0, sizeof *t);
    t->producer = -1;
    ait_status s = decode_tensor(a, p, path, path, t, d);
    t->name = ait_arena_strdup(a, p->name ? p->name : "");
    onnx__tensor_proto__free_unpacked(p, NULL);
    return s;
}

static ait_status import_value_info(ait_graph *g, const Onnx__ValueInfoProto *vi, int id, ait_diag *d)
{
    ait_tensor *t = &g->t[id];
    const Onnx__TypeProto *tp = vi->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
        return ait_fail(d, AIT_E_UNSUPPORTED, "%s: input '%s' is not a tensor", g->path, t->name);
    t->dtype = tp->tensor_type->elem_type;
    const Onnx__TensorShapeProto *sh = tp->tensor_type->shape;
    if (!sh)
        return AIT_OK; /* rank unknown: bound from samples */
    if (sh->n_dim > AIT_MAX_RANK)
        return ait_fail(d, AIT_E_UNSUPPORTED, "%s: input '%s': rank %zu exceeds %d", g->path, t->name, sh->n_dim,
                        AIT_MAX_RANK);
    t->rank = (int)sh->n_dim;
    for (size_t i = 0; i < sh->n_dim; i++) {
        const Onnx__TensorShapeProto__Dimension *dm = sh->dim[i];
        t->dims[i] = -1;
        if (dm->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && dm->dim_value >= 0)
            t->dims[i] = dm->dim_value;
        else if (dm->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM)
            t->dim_param[i] = ait_arena_strdup(g->arena, dm->dim_param);
    }
    return AIT_OK;
}

/* What opset 7 changed: the binary ops' `broadcast` (by `axis`, not as numpy), and Dropout and
 * BatchNormalization, which train unless `is_test` says otherwise. */
static ait_status check_opset6(const ait_graph *g, const ait_node *n, ait_diag *d)
{
    int needs_is_test = strcmp(n->op_type, "Dropout") == 0 || strcmp(n->op_type, "BatchNormalization") == 0;
    int is_test = 0;
    for (int i = 0; i < n->n_attr; i++) {
        if (strcmp(n->attr[i].name, "broadcast") == 0 && n->attr[i].i)
            return ait_fail(d, AIT_E_UNSUPPORTED, "%s: node %s: opset %d's broadcast attribute is not supported",
                            g->path, n->name, g->opset);
        is_test |= strcmp(n->attr[i].name, "is_test") == 0 && n->attr[i].i;
    }
    if (needs_is_test && !is_test)
        return ait_fail(d, AIT_E_UNSUPPORTED, "%s: node %s: opset %d %s in training mode (is_test = 0)", g->path,
                        n->name, g->opset, n->op_type);
    return AIT_OK;
}

static ait_status import_attr(ait_graph *g, ait_node *n, const Onnx__AttributeProto *p, ait_attr *at, ait_diag *d)
{
    at->name = ait_arena_strdup(g->arena, p->name ? p->name : "");
    at->type = p->type;
    at->tensor = -1;
    if (p->ref_attr_name && *p->ref_attr_name)
        return ait_fail(d, AIT_E_UNSUPPORTED, "%s: node %s: attribute references are only valid in functions",
                        g->path, n->name);
    switch (p->type) {
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT: at->f = p->f; break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT: at->i = p->i; break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING: {
        char *s = ait_arena_alloc(g->arena, p->s.len + 1);
        if (p->s.len)
            memcpy(s, p->s.data, p->s.len);
        at->s = s;
        break;
    }
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
        at->n = (int)p->n_floats;
        at->floats = ait_arena_memdup(g->arena, p->floats, p->n_floats * sizeof(float));
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
        at->n = (int)p->n_ints;
        at->ints = ait_arena_memdup(g->arena, p->ints, p->n_ints * sizeof(int64_t));
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR: {
        if (!p->t)
            return ait_fail(d, AIT_E_MODEL, "%s: node %s: attribute '%s' has no tensor", g->path, n->name, at->name);
        char *tname = ait_arena_printf(g->arena, "%s#%s", n->name, at->name);
        int id = ait_graph_find(g, tname) < 0 ? ait_graph_add_tensor(g, tname) : -1;
        if (id < 0)
            return ait_fail(d, AIT_E_MODEL, "%s: node %s: duplicate node name", g->path, n->name);
        AIT_TRY(decode_tensor(g->arena, p->t, g->path, tname, &g->t[id], d));
        at->tensor = id;
        break;
    }
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS:
        at->n = (int)p->n_strings;
        at->strs = AIT_NEW(g->arena, const char *, p->n_strings + 1);
        for (size_t k = 0; k < p->n_strings; k++) {
            char *s = ait_arena_alloc(g->arena, p->strings[k].len + 1);
            if (p->strings[k].len)
                memcpy(s, p->strings[k].data, p->strings[k].len);
            at->strs[k] = s;
        }
        break;
    default: break; /* graphs, sparse: ops that need them are unsupported */
    }
    return AIT_OK;
}

static ait_status import_graph(ait_graph *g, const Onnx__ModelProto *m, ait_diag *d)
{
    const Onnx__GraphProto *gp = m->graph;
    if (!gp)
        return ait_fail(d, AIT_E_PARSE, "%s: model has no graph", g->path);
    g->opset = -1;
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const char *dom = m->opset_import[i]->domain;
        if (!dom || !*dom || strcmp(dom, "ai.onnx") == 0)
            g->opset = (int)m->opset_import[i]->version;
    }
    if (g->opset < 0)
        return ait_fail(d, AIT_E_UNSUPPORTED, "%s: model imports no default-domain (ai.onnx) opset", g->path);
    if (g->opset < AIT_OPSET_MIN)
        return ait_fail(d, AIT_E_UNSUPPORTED, "%s: opset %d is too old (aitune-c reads opset %d and later)", g->path,
                        g->opset, AIT_OPSET_MIN);
    if (g->opset > AIT_OPSET_MAX) /* later versions may change an op's meaning: refuse, not guess */
        return ait_fail(d, AIT_E_UNSUPPORTED, "%s: opset %d is newer than aitune-c knows (%d and earlier)", g->path,
                        g->opset, AIT_OPSET_MAX);

    for (size_t i = 0; i < gp->n_initializer; i++) {
        const Onnx__TensorProto *tp = gp->initializer[i];
        if (!tp->name || !*tp->name)
            return ait_fail(d, AIT_E_MODEL, "%s: initializer %zu has no name", g->path, i);
        if (ait_graph_find(g, tp->name) >= 0)
            return ait_fail(d, AIT_E_MODEL, "%s: initializer '%s' defined twice", g->path, tp->name);
        int id = ait_graph_add_tensor(g, tp->name);
        AIT_TRY(decode_tensor(g->arena, tp, g->path, tp->name, &g->t[id], d));
    }
    g->inputs = AIT_NEW(g->arena, int, gp->n_input + 1);
    for (size_t i = 0; i < gp->n_input; i++) {
        const char *name = gp->input[i]->name;
        if (!name || !*name)
            return ait_fail(d, AIT_E_MODEL, "%s: graph input %zu has no name", g->path, i);
        if (ait_graph_find(g, name) >= 0)
            continue; /* IR < 4 lists initializers as inputs: the initializer wins */
        int id = ait_graph_add_tensor(g, name);
        AIT_TRY(import_value_info(g, gp->input[i], id, d));
        g->t[id].is_input = 1;
        g->inputs[g->n_inputs++] = id;
    }

    g->nodes = AIT_NEW(g->arena, ait_node, gp->n_node + 1);
    for (size_t k = 0; k < gp->n_node; k++) {
        const Onnx__NodeProto *np = gp->node[k];
        ait_node *n = &g->nodes[g->n_nodes];
        n->op = -1;
        n->op_type = ait_arena_strdup(g->arena, np->op_type ? np->op_type : "");
        n->domain = ait_arena_strdup(g->arena, np->domain ? np->domain : "");
        n->name = np->name && *np->name ? ait_arena_strdup(g->arena, np->name)
                                        : ait_arena_printf(g->arena, "%s_%zu", n->op_type, k);
        n->n_attr = (int)np->n_attribute;
        n->attr = AIT_NEW(g->arena, ait_attr, np->n_attribute + 1);
        for (size_t i = 0; i < np->n_attribute; i++) {
            AIT_TRY(import_attr(g, n, np->attribute[i], &n->attr[i], d));
        }
        if (g->opset < 7)
            AIT_TRY(check_opset6(g, n, d));
        n->n_in = (int)np->n_input;
        n->in = AIT_NEW(g->arena, int, np->n_input + 1);
        for (size_t i = 0; i < np->n_input; i++) {
            const char *name = np->input[i];
            n->in[i] = -1;
            if (!*name)
                continue;
            n->in[i] = ait_graph_find(g, name);
            if (n->in[i] < 0)
                return ait_fail(d, AIT_E_MODEL,
                                "%s: node %s: input '%s' is not a graph input, an initializer or an earlier node's "
                                "output",
                                g->path, n->name, name);
        }
        n->n_out = (int)np->n_output;
        n->out = AIT_NEW(g->arena, int, np->n_output + 1);
        for (size_t i = 0; i < np->n_output; i++) {
            const char *name = np->output[i];
            n->out[i] = -1;
            if (!*name)
                continue;
            if (ait_graph_find(g, name) >= 0)
                return ait_fail(d, AIT_E_MODEL, "%s: node %s: output '%s' is already defined", g->path, n->name,
                                name);
            n->out[i] = ait_graph_add_tensor(g, name);
            g->t[n->out[i]].producer = g->n_nodes;
        }
        g->n_nodes++;
    }

    g->outputs = AIT_NEW(g->arena, int, gp->n_output + 1);
    for (size_t i = 0; i < gp->n_output; i++) {
        const char *name = gp->output[i]->name;
        int id = name ? ait_graph_find(g, name) : -1;
        if (id < 0)
            return ait_fail(d, AIT_E_MODEL, "%s: graph output '%s' is not produced by any node", g->path,
                            name ? name : "");
        g->t[id].is_output = 1;
        g->outputs[g->n_outputs++] = id;
        /* the declared axes' names only (shapes come from resolve): the spec names a dynamic
         * output axis by them */
        const Onnx__TypeProto *tp = gp->output[i]->type;
        const Onnx__TensorShapeProto *sh = tp && tp->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE &&
                                                   tp->tensor_type ? tp->tensor_type->shape : NULL;
        for (size_t k = 0; sh && k < sh->n_dim && k < AIT_MAX_RANK; k++)
            if (sh->dim[k]->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && sh->dim[k]->dim_param)
                g->t[id].dim_param[k] = ait_arena_strdup(g->arena, sh->dim[k]->dim_param);
    }
    if (!g->n_outputs)
        return ait_fail(d, AIT_E_MODEL, "%s: graph has no outputs", g->path);
    return AIT_OK;
}

ait_status ait_onnx_load_bytes(ait_arena *a, const char *path, const void *bytes, size_t len, ait_graph **out,
                               ait_diag *d)
{
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, bytes);
    if (!m)
        return ait_fail(d, AIT_E_PARSE, "%s: not an ONNX model (protobuf decoding failed)", path);
    ait_graph *g = ait_graph_new(a, path);
    ait_status s = import_graph(g, m, d);
    onnx__model_proto__free_unpacked(m, NULL);
    if (s == AIT_OK)
        *out = g;
    return s;
}

ait_status ait_onnx_load(ait_arena *a, const char *path, ait_graph **out, ait_diag *d)
{
    void *bytes;
    size_t len;
    AIT_TRY(ait_read_file(a, path, &bytes, &len, d));
    return ait_onnx_load_bytes(a, path, bytes, len, out, d);
}
