/* Checks generated code against an ONNX test case (model.onnx +
 * test_data_set_N/{input,output}_K.pb): generate with the reference backend (or another),
 * compile, run, compare within rtol/atol. */
#ifndef AIT_CHECK_CASE_H
#define AIT_CHECK_CASE_H

#include "ir/graph.h"

typedef struct {
    const char *compiler;   /* "tcc" or "gcc" */
    double rtol, atol;
    const char *gcc_flags;  /* NULL: -O3 -march=native */
    const char *backend;    /* NULL: the reference; else a registered backend, after the graph passes */
    double quant_min;       /* a quantized backend (int8w, fp16w): outputs need a cosine similarity to the
                             * expected ones at least this, instead of rtol/atol (0: 0.99) */
} ait_check_opts;

typedef struct {
    double max_abs_err;     /* largest |got - expected| over all outputs */
    double max_rel_err;     /* largest |got - expected| / |expected| (where expected != 0) */
    int n_nodes, n_kernels;
    int frozen_inputs;      /* inputs turned into constants because they decide shapes */
    double cosine;          /* quantized backends: the least cosine similarity of an output (else 1) */
} ait_check_report;

/* |got - want| <= atol + rtol * |want|; NaN matches NaN, infinities match exactly. */
int ait_values_close(double got, double want, double rtol, double atol);

ait_status ait_check_case(const char *model_path, const char *data_dir, const ait_check_opts *o,
                          ait_check_report *rep, ait_diag *d);

/* The op a conformance case is about, for tables (read from the model). */
const char *ait_case_op(ait_arena *a, const char *model_path, const char *case_name);

#endif
