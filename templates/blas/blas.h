/* The blas backend's templates: Conv/Gemm/MatMul through cblas_sgemm. */
#ifndef AIT_BLAS_H
#define AIT_BLAS_H

#include "templates/template.h"

/* NULL where the node is not handled (the reference template then runs). */
const ait_template *ait_blas_template(const ait_graph *g, const ait_node *n);
const char *ait_blas_prelude(void);

#endif
