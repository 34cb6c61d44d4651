/* Code for a range of dynamic-axis values, from code specialized for single values.
 *
 * The templates write shape-specialized code: every extent is a literal.  Emitted at the values
 * of a sweep of the range (all of them, or lines through the max along each axis), a model's code
 * differs only in some integer literals; each is fitted as a polynomial of degree <= 2 in the
 * axes' values or in their floors after strides (a sequence length L gives 64*L, or 4*L*L for
 * attention scores; a stride-2 convolution's output (L + 1) / 2), and the literal becomes that
 * expression of `dim_`, read at run time.  The generic code is then checked against the code
 * specialized at every value of the range (tune.dims_verify_max bounds how many; beyond, a spread
 * sample): every token equal, every literal equal to its expression there.  A value where it is
 * not (a length of 1 that makes a broadcast disappear) gets its own specialized code, dispatched
 * by value.  So the generic code is, at every checked value, the same program as the code
 * specialized there.
 *
 * Buffers keep the offsets planned at every axis's max, and constants are byte blobs; a constant
 * that depends on the value (a slice of position embeddings) is kept at its largest, and must
 * begin with its value at every smaller one. */
#ifndef AIT_DYNAMIC_H
#define AIT_DYNAMIC_H

#include "gen/emit_model.h"

/* The graph to emit at one binding of the inputs (the candidate's import, passes and backend
 * preparation), in arena a. */
typedef ait_status (*ait_graph_at_fn)(void *ctx, ait_arena *a, const ait_tensor *bind, ait_graph **g, ait_diag *d);

/* Emits the model for every value of dd's axes: bind_max holds the input shapes at every axis's
 * max; base the options of the candidate's emission.  The strings and the graph at the max
 * live in a. */
ait_status ait_emit_dynamic(ait_arena *a, const ait_dyn_dims *dd, const ait_tensor *bind_max, int n_in,
                            int verify_max, ait_graph_at_fn at, void *ctx, const ait_emit_opts *base, ait_emitted *out,
                            ait_diag *d);

/* A literal's form: a polynomial of degree <= 2 per axis in u_j = floor((v_j + add_j) / div_j),
 * with rational coefficients (coef / den, truncating division).  div_j = 1 is the axis itself;
 * div_j > 1 is the extent after strided convolutions and pools over it (floor and ceil modes,
 * nested, all take this form).  Exposed for tests. */
typedef struct {
    int n;
    long long coef[27];   /* per monomial: exponents in base 3, axis 0 most significant */
    long long den;
    long long div[3], add[3];
} ait_poly;
/* Interpolates y at the grid of m[j] (1-3) points of pts[j] per axis, given in u (y row-major:
 * axis 0 slowest); the form's div/add are 1/0.  Returns 0, or -1 when the coefficients do not
 * fit 64 bits or two points of an axis are equal. */
int ait_poly_fit_m(int n, const int *m, const long long (*pts)[3], const long long *y, ait_poly *p);
/* The same with 3 points on every axis. */
int ait_poly_fit(int n, const long long (*pts)[3], const long long *y, ait_poly *p);
/* The simplest form in one axis (smallest div, then add) that gives y[i] at x[i] for all np
 * points (x ascending, >= 0); 0, or -1 when no div up to max_div does. */
int ait_form_fit_1d(int np, const long long *x, const long long *y, long long max_div, ait_poly *p);
/* The value of p at v with C's long long arithmetic and truncating division; -1 on overflow. */
int ait_poly_eval(const ait_poly *p, const long long *v, long long *out);
/* As C, in dim_[k] (cast to `cast`). */
void ait_poly_c(const ait_poly *p, const char *cast, char *buf, size_t n);

#endif
