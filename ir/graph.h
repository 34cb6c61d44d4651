/* The IR: a topologically ordered list of nodes over a table of tensors.
 *
 * Shapes are concrete: aitune-c specializes code for one graph spec, so every
 * tensor has known dims once ait_graph_resolve() has run.  A tensor with
 * `data` set is a constant whose value is known at generation time
 * (initializers, Constant nodes and everything folded from them).
 *
 *   ait_graph *g;
 *   ait_diag d = {0};
 *   if (ait_onnx_load(&arena, "model.onnx", NULL, &g, &d) != AIT_OK) puts(d.msg);
 */
#ifndef AIT_GRAPH_H
#define AIT_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "ir/arena.h"
#include "ir/dtype.h"
#include "ir/status.h"

#define AIT_MAX_RANK 8

typedef struct {
    const char *name;
    int dtype;                      /* ait_dtype */
    int rank;                       /* -1 until known */
    int64_t dims[AIT_MAX_RANK];
    const char *dim_param[AIT_MAX_RANK]; /* symbolic names from the model, or NULL */
    void *data;                     /* constant value, dense row-major; NULL if computed at run time */
    int producer;                   /* node index, or -1 */
    int is_input;                   /* a graph input fed at run time */
    int is_output;                  /* a graph output */
} ait_tensor;

typedef enum {
    AIT_ATTR_UNDEFINED = 0,
    AIT_ATTR_FLOAT = 1,
    AIT_ATTR_INT = 2,
    AIT_ATTR_STRING = 3,
    AIT_ATTR_TENSOR = 4,
    AIT_ATTR_GRAPH = 5,
    AIT_ATTR_FLOATS = 6,
    AIT_ATTR_INTS = 7,
    AIT_ATTR_STRINGS = 8,
    AIT_ATTR_TENSORS = 9,
    AIT_ATTR_GRAPHS = 10,
} ait_attr_type;

typedef struct {
    const char *name;
    int type;          /* ait_attr_type */
    float f;
    int64_t i;
    const char *s;     /* NUL-terminated */
    int n;             /* element count of floats/ints/strs */
    float *floats;
    int64_t *ints;
    const char **strs; /* NUL-terminated each */
    int tensor;        /* tensor id for AIT_ATTR_TENSOR, else -1 */
} ait_attr;

/* Work fused into a producing node, applied in order to each output element. */
typedef enum {
    AIT_EPI_RELU, AIT_EPI_CLIP, AIT_EPI_LEAKY_RELU, AIT_EPI_HARD_SWISH, AIT_EPI_SIGMOID,
    AIT_EPI_ADD,           /* + input `input` of the node, same shape as the output */
    AIT_EPI_SILU,          /* v * sigmoid(v): Mul(t, Sigmoid(t)), as torch exports SiLU */
    AIT_EPI_HARD_SIGMOID,  /* max(0, min(1, a v + b)) */
    AIT_EPI_X_HARD_SIGMOID, /* v * max(0, min(1, a v + b)): Mul(t, HardSigmoid(t)), torch's Hardswish */
} ait_epi_kind;

typedef struct {
    int kind;              /* ait_epi_kind */
    float a, b;            /* Clip min/max, LeakyRelu alpha, HardSigmoid alpha/beta */
    int input;             /* AIT_EPI_ADD: index into the node's inputs */
} ait_epi_step;

/* knobs[AIT_KNOB_SERIAL] = 1: the node's kernel runs as one task in code with threads (the knob
 * search measured its split slower: too little work for the hand-off); the other knobs are the
 * backend's (simd: mr, nv, order, block) */
enum { AIT_MAX_EPI = 4, AIT_MAX_KNOBS = 5, AIT_KNOB_SERIAL = 4 };

typedef struct {
    const char *name;      /* ONNX node name, or a made-up "<op>_<index>" */
    const char *op_type;
    const char *domain;
    int op;                /* ait_op, or -1 if not supported */
    int n_in, n_out, n_attr;
    int *in;               /* tensor ids; -1 for an omitted optional input */
    int *out;
    ait_attr *attr;
    void *params;          /* op-specific, filled by the op's resolve */
    int folded;            /* outputs computed at generation time: no kernel */
    int removed;           /* merged into another node by a graph pass: no kernel */
    int pack_in;           /* index into in[] of weights a backend packed for this node (0: none) */
    int pack_scale;        /* index into in[] of the packed weights' per-channel scales (int8; 0: none) */
    unsigned unread_in;    /* bit i: the kernel never reads input i (packed): passed as NULL, not emitted */
    int n_epi;             /* fused epilogue steps (graph passes) */
    ait_epi_step epi[AIT_MAX_EPI];
    int knobs[AIT_MAX_KNOBS]; /* template settings the knob search chose for this node (0: default) */
    const char *bad_attr;  /* set by a getter that found the attribute with the wrong type */
} ait_node;

/* Bounds on what a model may make the generator allocate: every tensor's bytes, and all
 * tensors' bytes together (constants, inputs, intermediates, unshared), checked as shapes are
 * inferred, before anything of that size is allocated (config: tune.max_tensor_bytes,
 * tune.max_total_bytes). */
typedef struct {
    uint64_t max_tensor_bytes;
    uint64_t max_total_bytes;
} ait_limits;

#define AIT_LIMIT_TENSOR_DEFAULT (2ull << 30)
#define AIT_LIMIT_TOTAL_DEFAULT (8ull << 30)

typedef struct {
    ait_arena *arena;
    const char *path;      /* model file, for messages */
    ait_limits limits;
    int opset;             /* default-domain opset */
    ait_tensor *t;
    int n_t, cap_t;
    ait_node *nodes;
    int n_nodes;
    int *inputs, n_inputs;   /* run-time inputs, in model order */
    int *outputs, n_outputs;
    struct ait_name_map *names;
    /* Emitted for a range of dynamic-axis values (gen/dynamic.c): templates keep the structure of
     * their code the same at every extent (a row tail as a loop, not a tile of its own size). */
    int extents_vary;
    /* Threads (DESIGN.md, "Threads in the emitted code"): kernels whose template has phases split
     * their work into this many tasks, run through the function named par_for (<name>_parallel_for);
     * 0 or 1: every kernel serial. */
    int tasks;
    const char *par_for;
    /* (optional) results of constant folding kept across the graphs of one run (gen/kernel.h) */
    struct ait_fold_cache *fold_cache;
    /* (optional) the settings of the backend emitting this graph, read by its templates (the tile
     * backends: an ait_simd_cfg); set by the backend's prepare, so that two graphs of one process
     * may be emitted for different flavours at once */
    const void *backend_cfg;
    /* (optional) activation ranges measured on the recorded samples (ir/calib.h): the int8
     * backend quantizes the inputs of its integer kernels with them */
    const struct ait_calib *calib;
} ait_graph;

ait_graph *ait_graph_new(ait_arena *a, const char *path);
/* Appends tensor to n's inputs at index >= min_slot (skipped slots are absent, -1), so an
 * extra input never lands in an optional slot of the op (Conv's bias, Gemm's C); returns
 * its index. */
int ait_node_append_input(ait_graph *g, ait_node *n, int tensor, int min_slot);
int ait_graph_find(const ait_graph *g, const char *name);        /* -1 if absent */
int ait_graph_add_tensor(ait_graph *g, const char *name);        /* returns id; name must be new */

/* Element count and bytes; INT64_MAX / SIZE_MAX when the product overflows (a model's dims
 * are data: the limits check then refuses the tensor). */
int64_t ait_tensor_numel(const ait_tensor *t);
/* Elements of the float constants the graph starts from (its parameters). */
double ait_graph_param_count(const ait_graph *g);
size_t ait_tensor_bytes(const ait_tensor *t);
/* Fails naming the tensor and the config key when t is over g's tensor limit, or when
 * *total + its bytes is over the total limit; adds its bytes to *total. */
ait_status ait_tensor_check_limits(const ait_graph *g, const ait_tensor *t, const char *what, uint64_t *total,
                                   ait_diag *d);
void ait_tensor_set_shape(ait_tensor *t, int rank, const int64_t *dims);
/* "float32[1,3,224,224]" into buf */
const char *ait_tensor_shape_str(const ait_tensor *t, char *buf, size_t n);

/* Row-major element strides. */
/* dims[from] * ... * dims[to - 1]; 1 when empty (the outer or inner extent around an axis) */
int64_t ait_dims_prod(const int64_t *dims, int from, int to);
void ait_strides(int rank, const int64_t *dims, int64_t *strides);
/* Element strides of an input of shape (rank, dims) read as the broadcast shape (orank, odims):
 * 0 on broadcast axes. */
void ait_bcast_strides(int rank, const int64_t *dims, int orank, const int64_t *odims, int64_t *strides);

/* Node input/output as tensor, or NULL if absent / out of range. */
ait_tensor *ait_node_in(const ait_graph *g, const ait_node *n, int i);
ait_tensor *ait_node_out(const ait_graph *g, const ait_node *n, int i);

/* Getters return dflt when the attribute is absent; one present with another
 * type sets n->bad_attr, which the resolve driver reports as a model error. */
const ait_attr *ait_attr_find(const ait_node *n, const char *name);
int64_t ait_attr_int(ait_node *n, const char *name, int64_t dflt);
float ait_attr_float(ait_node *n, const char *name, float dflt);
const char *ait_attr_str(ait_node *n, const char *name, const char *dflt);
/* ints attribute: returns count (-1 if absent) and sets *v */
int ait_attr_ints(ait_node *n, const char *name, const int64_t **v);
int ait_attr_floats(ait_node *n, const char *name, const float **v);
int ait_attr_strs(ait_node *n, const char *name, const char *const **v);

#endif
