#include "gen/dynamic.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/escape.h"

enum {
    MAX_SPECIAL = 16,     /* values served by code of their own */
    MAX_GENERIC_DIMS = 3, /* a grid of 3^n anchors */
    MAX_FIT_VALUE = 1 << 20,
    MAX_DIV = 64,         /* the largest stride product a floor form divides by */
    FIT_LINE = 256,       /* values along each axis the forms are fitted on */
    FIT_RUN = 64,         /* of which a run at each end */
};

/* --- polynomials --------------------------------------------------------------- */

typedef __int128 i128;

static i128 abs128(i128 x) { return x < 0 ? -x : x; }

static i128 gcd128(i128 a, i128 b)
{
    a = abs128(a);
    b = abs128(b);
    while (b) {
        i128 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static int pow3(int n)
{
    int p = 1;
    while (n-- > 0)
        p *= 3;
    return p;
}

int ait_poly_fit_m(int n, const int *m, const long long (*pts)[3], const long long *y, ait_poly *p)
{
    /* per axis: the Lagrange basis polynomials' numerators (prod over the other points of
     * (x - p_k)), scaled to a common denominator L (lcm of their values at their own point) */
    i128 num[MAX_GENERIC_DIMS][3][3], mult[MAX_GENERIC_DIMS][3], den = 1;
    if (n > MAX_GENERIC_DIMS)
        return -1;
    memset(num, 0, sizeof num);
    int cells = 1;
    for (int j = 0; j < n; j++) {
        i128 dj[3], l = 1;
        if (m[j] < 1 || m[j] > 3)
            return -1;
        cells *= m[j];
        for (int i = 0; i < m[j]; i++) {
            i128 poly[3] = {1, 0, 0};
            dj[i] = 1;
            if (llabs(pts[j][i]) > MAX_FIT_VALUE)
                return -1;
            for (int k = 0; k < m[j]; k++) {
                if (k == i)
                    continue;
                if (pts[j][k] == pts[j][i])
                    return -1;
                /* poly *= (x - p_k) */
                for (int e = 2; e >= 0; e--)
                    poly[e] = (e ? poly[e - 1] : 0) - (i128)pts[j][k] * poly[e];
                dj[i] *= (i128)(pts[j][i] - pts[j][k]);
            }
            memcpy(num[j][i], poly, sizeof poly);
            l = l / gcd128(l, dj[i]) * abs128(dj[i]);
        }
        for (int i = 0; i < m[j]; i++)
            mult[j][i] = l / dj[i];
        den *= l;
    }
    int terms = pow3(n);
    i128 c[27] = {0};
    for (int idx = 0; idx < cells; idx++) {
        int sub[MAX_GENERIC_DIMS];
        for (int j = n - 1, r = idx; j >= 0; j--) {
            sub[j] = r % m[j];
            r /= m[j];
        }
        i128 w = y[idx];
        for (int j = 0; j < n; j++)
            if (__builtin_mul_overflow(w, mult[j][sub[j]], &w))
                return -1;
        for (int e = 0; e < terms; e++) {
            i128 term = w;
            for (int j = n - 1, r = e; j >= 0; j--, r /= 3)
                if (__builtin_mul_overflow(term, num[j][sub[j]][r % 3], &term))
                    return -1;
            if (__builtin_add_overflow(c[e], term, &c[e]))
                return -1;
        }
    }
    i128 g = den;
    for (int e = 0; e < terms; e++)
        g = gcd128(g, c[e]);
    memset(p, 0, sizeof *p);
    p->n = n;
    p->den = (long long)(den / g);
    for (int j = 0; j < n; j++)
        p->div[j] = 1;
    for (int e = 0; e < terms; e++) {
        i128 v = c[e] / g;
        if (abs128(v) > ((i128)1 << 62))
            return -1;
        p->coef[e] = (long long)v;
    }
    return den / g > ((i128)1 << 62) ? -1 : 0;
}

int ait_poly_fit(int n, const long long (*pts)[3], const long long *y, ait_poly *p)
{
    const int m[MAX_GENERIC_DIMS] = {3, 3, 3};
    return ait_poly_fit_m(n, m, pts, y, p);
}

static long long form_u(const ait_poly *p, int j, long long v)
{
    return p->div[j] > 1 ? (v + p->add[j]) / p->div[j] : v;
}

int ait_poly_eval(const ait_poly *p, const long long *v, long long *out)
{
    long long s = 0;
    for (int e = 0; e < pow3(p->n); e++) {
        long long t = p->coef[e];
        if (!t)
            continue;
        for (int j = p->n - 1, r = e; j >= 0; j--, r /= 3)
            for (int k = 0; k < r % 3; k++)
                if (__builtin_mul_overflow(t, form_u(p, j, v[j]), &t))
                    return -1;
        if (__builtin_add_overflow(s, t, &s))
            return -1;
    }
    *out = s / p->den;
    return 0;
}

/* Three (or fewer) anchors of distinct u among the ascending x, from `from` on: the first, the
 * last and the one nearest the middle of u's range. */
static int pick_distinct(const ait_poly *f, int np, const long long *x, int from, int *at)
{
    long long u0 = form_u(f, 0, x[from]), u2 = form_u(f, 0, x[np - 1]);
    at[0] = from;
    if (u0 == u2)
        return 1;
    int mid = -1;
    for (int i = from + 1; i < np - 1 && mid < 0; i++) {
        long long u = form_u(f, 0, x[i]);
        if (u != u0 && u != u2 && u >= u0 + (u2 - u0) / 2)
            mid = i;
    }
    if (mid < 0) {
        at[1] = np - 1;
        return 2;
    }
    at[1] = mid;
    at[2] = np - 1;
    return 3;
}

/* The simplest form through anchors from `from` on with the fewest misses (at most max_miss);
 * returns the misses, or -1. */
static int form_fit(int np, const long long *x, const long long *y, long long max_div, int max_miss, int from,
                    ait_poly *p)
{
    int best = -1;
    for (long long c = 1; c <= max_div && best != 0; c++)
        for (long long r = 0; r < c && best != 0; r++) {
            ait_poly f = {.n = 1, .div = {c}, .add = {r}};
            int at[3], m = pick_distinct(&f, np, x, from, at);
            long long pts[1][3], ys[3];
            for (int i = 0; i < m; i++) {
                pts[0][i] = form_u(&f, 0, x[at[i]]);
                ys[i] = y[at[i]];
            }
            if (ait_poly_fit_m(1, &m, (const long long(*)[3])pts, ys, &f) != 0)
                continue;
            f.div[0] = c;
            f.add[0] = r;
            int limit = best < 0 ? max_miss : best - 1, miss = 0;
            for (int i = 0; i < np && miss <= limit; i++) {
                long long got;
                miss += ait_poly_eval(&f, &x[i], &got) != 0 || got != y[i];
            }
            if (miss <= limit) {
                best = miss;
                *p = f;
            }
        }
    return best;
}

int ait_form_fit_1d(int np, const long long *x, const long long *y, long long max_div, ait_poly *p)
{
    return np >= 1 && form_fit(np, x, y, max_div, 0, 0, p) == 0 ? 0 : -1;
}

/* The largest |value| over the box [0, max] (a bound, for the expression's C type). */
static double poly_bound(const ait_poly *p, const long long *max)
{
    double s = 0;
    for (int e = 0; e < pow3(p->n); e++) {
        double t = (double)llabs(p->coef[e]);
        for (int j = p->n - 1, r = e; j >= 0; j--, r /= 3)
            for (int k = 0; k < r % 3; k++)
                t *= (double)form_u(p, j, max[j]);
        s += t;
    }
    return s / (double)p->den;
}

/* Terms over `var` names: C ("12LL * dim_[0] * dim_[0]"), or for people ("12 seq^2"). */
static void poly_terms(const ait_poly *p, const char *const *var, const char *suffix, char *buf, size_t n)
{
    int human = !*suffix;
    size_t k = 0;
    int any = 0;
    buf[0] = 0;
    for (int e = 0; e < pow3(p->n) && k < n; e++) {
        long long c = p->coef[e];
        if (!c)
            continue;
        k += (size_t)snprintf(buf + k, n - k, "%s", any ? (c < 0 ? " - " : " + ") : (c < 0 ? "-" : ""));
        int first = 1;
        if (!human || (c != 1 && c != -1) || e == 0) {
            k += (size_t)snprintf(buf + k, n - k, "%lld%s", c < 0 ? -c : c, suffix);
            first = 0;
        }
        for (int j = 0, r = e; j < p->n && k < n; j++) {
            int ex = r / pow3(p->n - 1 - j) % 3;
            if (human && ex)
                k += (size_t)snprintf(buf + k, n - k, "%s%s%s", first ? "" : " ", var[j], ex == 2 ? "^2" : "");
            for (int x = 0; x < ex && !human && k < n; x++)
                k += (size_t)snprintf(buf + k, n - k, " * %s", var[j]);
            first &= !ex;
        }
        any = 1;
    }
    if (!any)
        snprintf(buf, n, "0%s", suffix);
}

/* Each axis's variable: `name`, or its floor after strides. */
static void form_vars(const ait_poly *p, const char *const *name, int human, char (*var)[200], const char **vp)
{
    for (int j = 0; j < p->n; j++) {
        if (p->div[j] <= 1)
            snprintf(var[j], sizeof var[j], "%s", name[j]);
        else if (human && p->add[j])
            snprintf(var[j], sizeof var[j], "floor((%s + %lld) / %lld)", name[j], p->add[j], p->div[j]);
        else if (human)
            snprintf(var[j], sizeof var[j], "floor(%s / %lld)", name[j], p->div[j]);
        else
            snprintf(var[j], sizeof var[j], "((%s + %lldLL) / %lldLL)", name[j], p->add[j], p->div[j]);
        vp[j] = var[j];
    }
}

static const char *const dim_vars[MAX_GENERIC_DIMS] = {"dim_[0]", "dim_[1]", "dim_[2]"};

void ait_poly_c(const ait_poly *p, const char *cast, char *buf, size_t n)
{
    char t[1024], var[MAX_GENERIC_DIMS][200];
    const char *vp[MAX_GENERIC_DIMS];
    form_vars(p, dim_vars, 0, var, vp);
    poly_terms(p, vp, "LL", t, sizeof t);
    if (p->den == 1)
        snprintf(buf, n, "((%s)(%s))", cast, t);
    else
        snprintf(buf, n, "((%s)((%s) / %lldLL))", cast, t, p->den);
}

/* --- tokens ----------------------------------------------------------------------- */

typedef enum { TK_INT, TK_NUM, TK_IDENT, TK_STR, TK_COMMENT, TK_PUNCT } tk_kind;

typedef struct {
    int kind;
    size_t at, len;
    long long v;       /* TK_INT */
    char suffix[4];    /* TK_INT: u, l, ll, ul, ull (any case) */
} token;

typedef struct {
    char *text;
    size_t len;
    token *tk;
    int n;
} code;

static void code_free(code *c)
{
    free(c->text);
    free(c->tk);
    memset(c, 0, sizeof *c);
}

/* A decimal literal with an optional integer suffix (octal, hex and floating literals are
 * TK_NUM, compared as text). */
static int int_literal(const char *s, size_t n, token *t)
{
    size_t i = 0;
    while (i < n && isdigit((unsigned char)s[i]))
        i++;
    if (i == 0 || i > 18 || (s[0] == '0' && i > 1) || n - i > 3)
        return 0;
    for (size_t k = i; k < n; k++)
        if (!strchr("uUlL", s[k]))
            return 0;
    long long v = 0;
    for (size_t k = 0; k < i; k++)
        v = v * 10 + (s[k] - '0');
    t->v = v;
    memcpy(t->suffix, s + i, n - i);
    t->suffix[n - i] = 0;
    return 1;
}

static int tokenize(code *c)
{
    int cap = 1024;
    c->tk = malloc(sizeof *c->tk * (size_t)cap);
    c->n = 0;
    const char *s = c->text;
    size_t i = 0, n = c->len;
    while (i < n) {
        unsigned char ch = (unsigned char)s[i];
        if (isspace(ch)) {
            i++;
            continue;
        }
        if (c->n == cap) {
            cap *= 2;
            token *grown = realloc(c->tk, sizeof *c->tk * (size_t)cap);
            if (!grown)
                return -1;
            c->tk = grown;
        }
        token *t = &c->tk[c->n++];
        memset(t, 0, sizeof *t);
        t->at = i;
        size_t j = i + 1;
        if (ch == '/' && j < n && s[j] == '*') {
            const char *end = strstr(s + j + 1, "*/");
            j = end ? (size_t)(end - s) + 2 : n;
            t->kind = TK_COMMENT;
        } else if (ch == '"' || ch == '\'') {
            while (j < n && s[j] != (char)ch)
                j += s[j] == '\\' ? 2 : 1;
            j = j < n ? j + 1 : n;
            t->kind = TK_STR;
        } else if (isdigit(ch) || (ch == '.' && j < n && isdigit((unsigned char)s[j]))) {
            while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '.' || s[j] == '_' ||
                             ((s[j] == '+' || s[j] == '-') && strchr("eEpP", s[j - 1]))))
                j++;
            t->kind = int_literal(s + i, j - i, t) ? TK_INT : TK_NUM;
        } else if (isalpha(ch) || ch == '_') {
            while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '_'))
                j++;
            t->kind = TK_IDENT;
        } else {
            t->kind = TK_PUNCT;
        }
        t->len = j - i;
        i = j;
    }
    return 0;
}

/* Same program text up to integer literals (comments aside); returns the first token where
 * they differ, or -1. */
static int first_difference(const code *a, const code *b)
{
    int n = a->n < b->n ? a->n : b->n;
    for (int i = 0; i < n; i++) {
        const token *x = &a->tk[i], *y = &b->tk[i];
        if (x->kind != y->kind)
            return i;
        if (x->kind == TK_COMMENT)
            continue;
        if (x->kind == TK_INT ? strcmp(x->suffix, y->suffix) != 0
                              : x->len != y->len || memcmp(a->text + x->at, b->text + y->at, x->len) != 0)
            return i;
    }
    return a->n == b->n ? -1 : n;
}

/* --- variants ------------------------------------------------------------------- */

typedef struct {
    ait_arena *a;                /* where the result lives */
    const ait_dyn_dims *dd;
    const ait_tensor *bind_max;
    int n_in;
    ait_graph_at_fn at;
    void *ctx;
    const ait_emit_opts *base;
    const ait_plan *plan_max;
    /* every constant any value reads, at its largest */
    int n_consts, cap_consts;
    int *const_ids;
    ait_tensor *consts;
    size_t arena_bytes;
} dyn_run;

typedef struct {
    code c;
    long long *in_elems, *out_elems;
    long long (*out_dims)[AIT_MAX_RANK];
    int *out_rank;
} variant;

static void variant_free(variant *v)
{
    code_free(&v->c);
    free(v->in_elems);
    free(v->out_elems);
    free(v->out_dims);
    free(v->out_rank);
    memset(v, 0, sizeof *v);
}

static void bind_at(const dyn_run *r, const long long *v, ait_tensor *bind)
{
    for (int k = 0; k < r->n_in; k++) {
        bind[k] = r->bind_max[k];
        for (int ax = 0; ax < bind[k].rank; ax++)
            if (r->dd->of[k * AIT_MAX_RANK + ax] >= 0)
                bind[k].dims[ax] = v[r->dd->of[k * AIT_MAX_RANK + ax]];
    }
}

static void values_str(const ait_dyn_dims *dd, const long long *v, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = 0;
    for (int j = 0; j < dd->n && k < n; j++) {
        char name[160];
        k += (size_t)snprintf(buf + k, n - k, "%s%s=%lld", j ? ", " : "",
                              ait_esc_buf(name, sizeof name, AIT_ESC_TEXT, dd->dim[j].name), v[j]);
    }
}

/* Adds the constants graph g reads (ids) to the union, each kept at its largest; a value that
 * is not a prefix of the other is an error. */
static ait_status merge_consts(dyn_run *r, const ait_graph *g, const int *ids, int n, const long long *v, ait_diag *d)
{
    for (int i = 0; i < n; i++) {
        const ait_tensor *t = &g->t[ids[i]];
        int u = 0;
        while (u < r->n_consts && r->const_ids[u] != ids[i])
            u++;
        size_t bt = ait_tensor_bytes(t);
        if (u < r->n_consts) {
            ait_tensor *have = &r->consts[u];
            size_t bh = ait_tensor_bytes(have), common = bt < bh ? bt : bh;
            if (have->dtype != t->dtype || memcmp(have->data, t->data, common) != 0) {
                char at[256], name[256];
                values_str(r->dd, v, at, sizeof at);
                return ait_fail(d, AIT_E_UNSUPPORTED,
                                "dynamic axes: constant '%s' (tensor %d) at %s is not its value at the max cut short (only "
                                "constants that grow at their end, as a slice of position embeddings, can serve "
                                "every value)",
                                ait_esc_buf(name, sizeof name, AIT_ESC_TEXT, t->name ? t->name : "?"), ids[i], at);
            }
            if (bt <= bh)
                continue;
        } else {
            if (r->n_consts == r->cap_consts) {
                int cap = r->cap_consts ? 2 * r->cap_consts : 64;
                int *ids2 = AIT_NEW(r->a, int, cap);
                ait_tensor *ts2 = AIT_NEW(r->a, ait_tensor, cap);
                if (r->n_consts) {
                    memcpy(ids2, r->const_ids, sizeof *ids2 * (size_t)r->n_consts);
                    memcpy(ts2, r->consts, sizeof *ts2 * (size_t)r->n_consts);
                }
                r->const_ids = ids2;
                r->consts = ts2;
                r->cap_consts = cap;
            }
            r->const_ids[u] = ids[i];
            r->n_consts++;
        }
        r->consts[u] = *t;
        r->consts[u].name = ait_arena_strdup(r->a, t->name ? t->name : "");
        r->consts[u].data = ait_arena_alloc(r->a, bt + 1);
        memcpy(r->consts[u].data, t->data, bt);
        for (int k = 0; k < AIT_MAX_RANK; k++)
            r->consts[u].dim_param[k] = NULL;
    }
    return AIT_OK;
}

/* Emits the graph at values v in arena va: the code region, the tensors' sizes; the constants
 * are merged when `merge`. */
static ait_status emit_at(dyn_run *r, ait_arena *va, const long long *v, const ait_emit_dims_mode *mode, int merge,
                          variant *out, ait_graph **g_out, ait_emitted *e_out, ait_diag *d)
{
    memset(out, 0, sizeof *out);
    ait_tensor *bind = AIT_NEW(va, ait_tensor, r->n_in + 1);
    bind_at(r, v, bind);
    ait_graph *g;
    AIT_TRY(r->at(r->ctx, va, bind, &g, d));
    ait_emit_opts o = *r->base;
    o.dm = *mode;
    o.weights_file_bytes = 0;
    ait_emitted e;
    AIT_TRY(ait_emit_model(g, &o, &e, d));
    out->c.len = e.code_end - e.code_begin;
    out->c.text = malloc(out->c.len + 1);
    memcpy(out->c.text, e.source.s + e.code_begin, out->c.len);
    out->c.text[out->c.len] = 0;
    ait_status s = tokenize(&out->c) == 0 ? AIT_OK : ait_fail(d, AIT_E_IO, "out of memory");
    out->in_elems = calloc((size_t)g->n_inputs + 1, sizeof *out->in_elems);
    out->out_elems = calloc((size_t)g->n_outputs + 1, sizeof *out->out_elems);
    out->out_dims = calloc((size_t)g->n_outputs + 1, sizeof *out->out_dims);
    out->out_rank = calloc((size_t)g->n_outputs + 1, sizeof *out->out_rank);
    for (int i = 0; i < g->n_inputs; i++)
        out->in_elems[i] = ait_tensor_numel(&g->t[g->inputs[i]]);
    for (int i = 0; i < g->n_outputs; i++) {
        const ait_tensor *t = &g->t[g->outputs[i]];
        out->out_elems[i] = ait_tensor_numel(t);
        out->out_rank[i] = t->rank;
        for (int ax = 0; ax < t->rank; ax++)
            out->out_dims[i][ax] = t->dims[ax];
    }
    r->arena_bytes = e.arena_bytes > r->arena_bytes ? e.arena_bytes : r->arena_bytes;
    if (s == AIT_OK && merge)
        s = merge_consts(r, g, e.const_ids, e.n_consts, v, d);
    if (g_out)
        *g_out = g;
    if (e_out)
        *e_out = e;
    else
        ait_emitted_free(&e);
    return s;
}

/* --- the generic code ------------------------------------------------------------- */

/* The sweep: the code at values of the range, kept as its differences from the max's code. */
typedef struct {
    long long v[AIT_MAX_DIMS];
    int same;          /* the max's program up to integer literals */
    int diff_at;       /* else the max's first token that differs */
    int nd;
    int *di;           /* the tokens whose literal differs from the max's, ascending */
    long long *dv;
    long long *size;   /* the tensors' sizes: see size_index */
} point;

typedef struct {
    dyn_run *r;
    const ait_emit_dims_mode *mode;
    const code *top;
    int no, n_sizes;
    point *p;
    int n, cap;
} sweep;

/* Sizes after the top's tokens: inputs' and outputs' elements per item, then outputs' extents. */
static int size_index(const sweep *sw, int kind, int k, int ax)
{
    return kind == 0 ? k : kind == 1 ? sw->r->n_in + k : sw->r->n_in + sw->no + k * AIT_MAX_RANK + ax;
}

static void point_free(point *p)
{
    free(p->di);
    free(p->dv);
    free(p->size);
}

static void sweep_free(sweep *sw)
{
    for (int i = 0; i < sw->n; i++)
        point_free(&sw->p[i]);
    free(sw->p);
}

static int same_values(const ait_dyn_dims *dd, const long long *a, const long long *b)
{
    for (int j = 0; j < dd->n; j++)
        if (a[j] != b[j])
            return 0;
    return 1;
}

static point *sweep_find(const sweep *sw, const long long *v)
{
    for (int i = 0; i < sw->n; i++)
        if (same_values(sw->r->dd, sw->p[i].v, v))
            return &sw->p[i];
    return NULL;
}

/* Variant x at v, as a point: its literals against the max's, its sizes. */
static int point_of(const sweep *sw, const variant *x, const long long *v, point *pt)
{
    memset(pt, 0, sizeof *pt);
    memcpy(pt->v, v, sizeof pt->v);
    pt->size = calloc((size_t)sw->n_sizes + 1, sizeof *pt->size);
    if (!pt->size)
        return -1;
    for (int k = 0; k < sw->r->n_in; k++)
        pt->size[size_index(sw, 0, k, 0)] = x->in_elems[k];
    for (int k = 0; k < sw->no; k++) {
        pt->size[size_index(sw, 1, k, 0)] = x->out_elems[k];
        for (int ax = 0; ax < x->out_rank[k]; ax++)
            pt->size[size_index(sw, 2, k, ax)] = x->out_dims[k][ax];
    }
    pt->diff_at = first_difference(sw->top, &x->c);
    pt->same = pt->diff_at < 0;
    if (!pt->same)
        return 0;
    for (int i = 0; i < sw->top->n; i++)
        pt->nd += sw->top->tk[i].kind == TK_INT && x->c.tk[i].v != sw->top->tk[i].v;
    pt->di = malloc(sizeof *pt->di * (size_t)(pt->nd + 1));
    pt->dv = malloc(sizeof *pt->dv * (size_t)(pt->nd + 1));
    if (!pt->di || !pt->dv)
        return -1;
    for (int i = 0, k = 0; i < sw->top->n; i++)
        if (sw->top->tk[i].kind == TK_INT && x->c.tk[i].v != sw->top->tk[i].v) {
            pt->di[k] = i;
            pt->dv[k++] = x->c.tk[i].v;
        }
    return 0;
}

/* Emits at v (its constants merged) and returns its point, kept in the sweep when `keep`. */
static ait_status sweep_at(sweep *sw, const long long *v, int keep, point *tmp, point **out, ait_diag *d)
{
    point *have = sweep_find(sw, v);
    if (have) {
        *out = have;
        return AIT_OK;
    }
    ait_arena va = {0};
    variant x;
    ait_status s = emit_at(sw->r, &va, v, sw->mode, 1, &x, NULL, NULL, d);
    if (s == AIT_OK && point_of(sw, &x, v, tmp) != 0)
        s = ait_fail(d, AIT_E_IO, "out of memory");
    variant_free(&x);
    ait_arena_free_all(&va);
    if (s != AIT_OK)
        return s;
    if (!keep) {
        *out = tmp;
        return AIT_OK;
    }
    if (sw->n == sw->cap) {
        int cap = sw->cap ? 2 * sw->cap : 256;
        point *grown = realloc(sw->p, sizeof *grown * (size_t)cap);
        if (!grown)
            return ait_fail(d, AIT_E_IO, "out of memory");
        sw->p = grown;
        sw->cap = cap;
    }
    sw->p[sw->n] = *tmp;
    *out = &sw->p[sw->n++];
    return AIT_OK;
}

/* Quantity q at a point: a literal of the max's code (where the program is the same), or a size. */
static int point_value(const sweep *sw, const point *pt, int q, long long *y)
{
    if (q >= sw->top->n) {
        *y = pt->size[q - sw->top->n];
        return 1;
    }
    if (!pt->same)
        return 0;
    int lo = 0, hi = pt->nd;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (pt->di[mid] < q)
            lo = mid + 1;
        else
            hi = mid;
    }
    *y = lo < pt->nd && pt->di[lo] == q ? pt->dv[lo] : sw->top->tk[q].v;
    return 1;
}

/* Each axis through the max: every value, or past FIT_LINE values both ends' FIT_RUN and an even
 * spread between (runs as long as the largest stride product pin down a floor's offset). */
static ait_status sweep_lines(sweep *sw, ait_diag *d)
{
    const ait_dyn_dims *dd = sw->r->dd;
    for (int j = 0; j < dd->n; j++) {
        long long lo = dd->dim[j].min, hi = dd->dim[j].max, span = hi - lo + 1;
        for (long long i = 0; i < (span <= FIT_LINE ? span : FIT_LINE); i++) {
            long long v[AIT_MAX_DIMS];
            for (int k = 0; k < dd->n; k++)
                v[k] = dd->dim[k].max;
            if (span <= FIT_LINE || i < FIT_RUN)
                v[j] = lo + i;
            else if (i >= FIT_LINE - FIT_RUN)
                v[j] = hi - (FIT_LINE - 1 - i);
            else
                v[j] = lo + FIT_RUN + (i - FIT_RUN + 1) * (span - 2 * FIT_RUN) / (FIT_LINE - 2 * FIT_RUN + 1);
            point tmp, *pt;
            AIT_TRY(sweep_at(sw, v, 1, &tmp, &pt, d));
        }
    }
    return AIT_OK;
}

/* A form for quantity q: per axis the simplest along its line, then jointly on a grid of their
 * anchors (emitted where the sweep lacks them).  Returns 0, or -1 when none fits. */
static int fit_quantity(sweep *sw, int q, int max_miss, ait_poly *f, ait_status *s, ait_diag *d)
{
    const ait_dyn_dims *dd = sw->r->dd;
    int n = dd->n, ok = 1;
    long long *x = malloc(sizeof *x * (size_t)(sw->n + 1)), *y = malloc(sizeof *y * (size_t)(sw->n + 1));
    ait_poly axis[MAX_GENERIC_DIMS];
    /* per axis its line's values, ascending, and where anchors may start */
    long long *line[MAX_GENERIC_DIMS] = {0};
    int nline[MAX_GENERIC_DIMS] = {0}, from[MAX_GENERIC_DIMS] = {0};
    for (int j = 0; j < n && ok; j++) {
        int np = 0;
        for (int i = 0; i < sw->n; i++) {
            const point *pt = &sw->p[i];
            int on = 1;
            for (int k = 0; k < n; k++)
                on &= k == j || pt->v[k] == dd->dim[k].max;
            long long val;
            if (!on || !point_value(sw, pt, q, &val))
                continue;
            int at = np++;
            while (at > 0 && x[at - 1] > pt->v[j]) { /* ascending in the axis */
                x[at] = x[at - 1];
                y[at] = y[at - 1];
                at--;
            }
            x[at] = pt->v[j];
            y[at] = val;
        }
        /* anchors from 2 up where there are such values: an extent of 1 may fold an index */
        while (from[j] < np - 1 && x[from[j]] < 2)
            from[j]++;
        ok = np > 0 && form_fit(np, x, y, MAX_DIV, max_miss, from[j], &axis[j]) >= 0;
        line[j] = malloc(sizeof *line[j] * (size_t)(np + 1));
        ok = ok && line[j];
        if (ok)
            memcpy(line[j], x, sizeof *x * (size_t)np);
        nline[j] = np;
    }
    if (ok && n == 1)
        *f = axis[0];
    /* jointly, on the grid of the axes' anchors; where the code differs in structure at a
     * corner of it (extents of 1 on every axis), on anchors further up the lines */
    int joint = 0;
    for (int attempt = 0; ok && n > 1 && attempt < 3 && !joint; attempt++) {
        long long anchor[MAX_GENERIC_DIMS][3], u[MAX_GENERIC_DIMS][3], yg[27];
        int m[MAX_GENERIC_DIMS], cells = 1, have = 1;
        for (int j = 0; j < n; j++) {
            int at[3], start = from[j] + attempt * (nline[j] - from[j]) / 4;
            m[j] = pick_distinct(&axis[j], nline[j], line[j], start < nline[j] ? start : nline[j] - 1, at);
            for (int i = 0; i < m[j]; i++) {
                anchor[j][i] = line[j][at[i]];
                u[j][i] = form_u(&axis[j], 0, anchor[j][i]);
            }
            cells *= m[j];
        }
        for (int c = 0; c < cells && have; c++) {
            long long v[AIT_MAX_DIMS];
            for (int j = n - 1, rr = c; j >= 0; j--) {
                v[j] = anchor[j][rr % m[j]];
                rr /= m[j];
            }
            point tmp, *pt;
            *s = sweep_at(sw, v, 1, &tmp, &pt, d);
            ok = *s == AIT_OK;
            have = ok && point_value(sw, pt, q, &yg[c]);
        }
        joint = have && ait_poly_fit_m(n, m, (const long long(*)[3])u, yg, f) == 0;
        for (int j = 0; j < n && joint; j++) {
            f->div[j] = axis[j].div[0];
            f->add[j] = axis[j].add[0];
        }
    }
    ok = ok && (n == 1 || joint);
    for (int j = 0; j < n; j++)
        free(line[j]);
    free(x);
    free(y);
    return ok ? 0 : -1;
}

static const char *cast_for(const token *t, double bound)
{
    int u = strchr(t->suffix, 'u') || strchr(t->suffix, 'U'), l = 0;
    for (const char *p = t->suffix; *p; p++)
        l += *p == 'l' || *p == 'L';
    if (u)
        return l >= 2 || bound > 4294967295.0 ? "unsigned long long" : "unsigned long";
    return l >= 2 || bound > 2147483647.0 ? "long long" : "long";
}

/* Templates name extents in enums, which must be constant: one that now holds an extent read
 * at run time becomes `const long` variables (each also cast to void, as enumerators may go
 * unused); a static table of extents becomes an automatic one. */
static char *enums_to_consts(ait_arena *a, const char *text)
{
    ait_sb b = {0};
    const char *p = text, *e;
    while ((e = strstr(p, "enum { ")) != NULL) {
        const char *close = strstr(e, " };");
        const char *dyn = strstr(e, "dim_[");
        ait_sb_putn(&b, p, (size_t)(e - p));
        if (!close || !dyn || dyn > close) {
            ait_sb_puts(&b, "enum { ");
            p = e + 7;
            continue;
        }
        const char *body = e + 7;
        ait_sb_puts(&b, "const long ");
        ait_sb_putn(&b, body, (size_t)(close - body));
        ait_sb_puts(&b, ";");
        /* the names: the identifier before each top-level '=' */
        int depth = 0;
        for (const char *q = body; q < close; q++) {
            depth += *q == '(' ? 1 : *q == ')' ? -1 : 0;
            if (*q == '=' && depth == 0) {
                const char *n_end = q;
                while (n_end > body && n_end[-1] == ' ')
                    n_end--;
                const char *n_start = n_end;
                while (n_start > body && (isalnum((unsigned char)n_start[-1]) || n_start[-1] == '_'))
                    n_start--;
                ait_sb_printf(&b, "\n(void)%.*s;", (int)(n_end - n_start), n_start);
            }
        }
        p = close + 3;
    }
    ait_sb_puts(&b, p);
    /* tables too: a static table of run-time extents becomes an automatic one */
    ait_sb c = {0};
    p = b.s ? b.s : "";
    while ((e = strstr(p, "static const ")) != NULL) {
        const char *end = strstr(e, ";\n"), *dyn = strstr(e, "dim_[");
        ait_sb_putn(&c, p, (size_t)(e - p));
        p = dyn && end && dyn < end ? e + 7 : e + 13;
        if (p == e + 13)
            ait_sb_puts(&c, "static const ");
    }
    ait_sb_puts(&c, p);
    char *s = ait_arena_strdup(a, c.s ? c.s : "");
    ait_sb_free(&b);
    ait_sb_free(&c);
    return s;
}

/* The max's code with every fitted literal as its expression of dim_. */
static char *generic_text(ait_arena *a, const ait_dyn_dims *dd, const code *top, const ait_poly *form)
{
    long long maxv[MAX_GENERIC_DIMS];
    for (int j = 0; j < dd->n && j < MAX_GENERIC_DIMS; j++)
        maxv[j] = dd->dim[j].max;
    ait_sb out = {0};
    size_t prev = 0;
    for (int i = 0; i < top->n; i++) {
        const token *t = &top->tk[i];
        if (t->kind != TK_INT || form[i].n < 0)
            continue;
        char expr[1400];
        ait_poly_c(&form[i], cast_for(t, poly_bound(&form[i], maxv)), expr, sizeof expr);
        ait_sb_putn(&out, top->text + prev, t->at - prev);
        ait_sb_puts(&out, expr);
        prev = t->at + t->len;
    }
    ait_sb_putn(&out, top->text + prev, top->len - prev);
    char *text = enums_to_consts(a, out.s ? out.s : "");
    ait_sb_free(&out);
    return text;
}

/* Does the generic code, at the point's values, read as the code specialized there? */
static int generic_holds(const sweep *sw, const ait_poly *form, const point *pt, char *why, size_t nwhy)
{
    if (!pt->same) {
        const code *t = sw->top;
        int at = pt->diff_at < t->n ? pt->diff_at : t->n - 1;
        snprintf(why, nwhy, "its code differs in structure (near '%.40s')", at >= 0 ? t->text + t->tk[at].at : "");
        return 0;
    }
    for (int i = 0; i < sw->top->n; i++) {
        if (sw->top->tk[i].kind != TK_INT)
            continue;
        long long want, got = sw->top->tk[i].v;
        point_value(sw, pt, i, &want);
        if (form[i].n >= 0 && ait_poly_eval(&form[i], pt->v, &got) != 0)
            got = want + 1;
        if (got != want) {
            snprintf(why, nwhy, "a literal is %lld there, not %lld", want, got);
            return 0;
        }
    }
    return 1;
}

/* Do the size forms give the point's sizes? */
static int sizes_hold(const sweep *sw, const ait_poly *form, const point *pt)
{
    for (int k = 0; k < sw->n_sizes; k++) {
        long long got;
        if (ait_poly_eval(&form[sw->top->n + k], pt->v, &got) != 0 || got != pt->size[k])
            return 0;
    }
    return 1;
}

/* Mixed-radix counter over the box; returns 0 when it wraps around. */
static int next_value(const ait_dyn_dims *dd, long long *v)
{
    for (int j = dd->n - 1; j >= 0; j--) {
        if (v[j] < dd->dim[j].max) {
            v[j]++;
            return 1;
        }
        v[j] = dd->dim[j].min;
    }
    return 0;
}

/* The next value to check after v: the box in order (0 when it wraps around), or a spread
 * sample drawn with lcg. */
static int next_check(const ait_dyn_dims *dd, int exhaustive, unsigned long long *lcg, long long *v)
{
    if (exhaustive)
        return next_value(dd, v);
    for (int j = 0; j < dd->n; j++) {
        *lcg = *lcg * 6364136223846793005ull + 1442695040888963407ull;
        long long span = dd->dim[j].max - dd->dim[j].min + 1;
        v[j] = dd->dim[j].min + (long long)((*lcg >> 33) % (unsigned long long)span);
    }
    return 1;
}

static char *pretty_shape(ait_arena *a, const sweep *sw, const ait_poly *form, int rank, int k)
{
    ait_sb b = {0};
    const char *names[MAX_GENERIC_DIMS];
    for (int j = 0; j < sw->r->dd->n; j++)
        names[j] = sw->r->dd->dim[j].name;
    ait_sb_puts(&b, "[");
    for (int ax = 0; ax < rank; ax++) {
        char t[1024], var[MAX_GENERIC_DIMS][200];
        const char *vp[MAX_GENERIC_DIMS];
        const ait_poly *p = &form[sw->top->n + size_index(sw, 2, k, ax)];
        form_vars(p, names, 1, var, vp);
        poly_terms(p, vp, "", t, sizeof t);
        if (p->den != 1)
            ait_sb_printf(&b, "%s(%s) / %lld", ax ? ", " : "", t, p->den);
        else
            ait_sb_printf(&b, "%s%s", ax ? ", " : "", t);
    }
    ait_sb_puts(&b, "]");
    char *s = ait_arena_strdup(a, b.s);
    ait_sb_free(&b);
    return s;
}

/* Fits every quantity that varies over the sweep; sizes must fit, literals may not (then there
 * is no generic code, and why says which). */
static ait_status fit_all(sweep *sw, ait_poly *form, int *have_generic, char *why, size_t nwhy, ait_diag *d)
{
    const code *top = sw->top;
    int nq = top->n + sw->n_sizes;
    char *varies = calloc((size_t)nq + 1, 1);
    for (int i = 0; i < sw->n; i++) {
        const point *pt = &sw->p[i];
        for (int k = 0; k < pt->nd; k++)
            varies[pt->di[k]] = 1;
        for (int k = 0; k < sw->n_sizes; k++)
            varies[top->n + k] |= pt->size[k] != sw->p[0].size[k];
    }
    ait_status s = AIT_OK;
    *have_generic = 1;
    if (sw->r->dd->n > MAX_GENERIC_DIMS)
        s = ait_fail(d, AIT_E_UNSUPPORTED, "dynamic axes: more than %d dynamic axes", MAX_GENERIC_DIMS);
    for (int q = 0; q < nq && s == AIT_OK; q++) {
        int is_size = q >= top->n;
        form[q].n = -1;
        if (!varies[q]) {
            if (is_size) { /* a constant form, for the header's expressions */
                form[q] = (ait_poly){.n = sw->r->dd->n, .den = 1, .coef = {sw->p[0].size[q - top->n]}};
                for (int j = 0; j < MAX_GENERIC_DIMS; j++)
                    form[q].div[j] = 1;
            }
            continue;
        }
        if (!*have_generic && !is_size)
            continue;
        if (fit_quantity(sw, q, is_size ? 0 : MAX_SPECIAL, &form[q], &s, d) == 0 || s != AIT_OK)
            continue;
        form[q].n = -1;
        if (is_size) {
            s = ait_fail(d, AIT_E_UNSUPPORTED, "dynamic axes: the tensors' sizes are no polynomial of the axes' "
                                               "values or of their floors after strides");
        } else if (*have_generic) {
            *have_generic = 0;
            snprintf(why, nwhy, "a literal (near '%.40s') is no polynomial of the axes' values or of their floors",
                     top->text + top->tk[q > 3 ? q - 3 : 0].at);
        }
    }
    free(varies);
    return s;
}

ait_status ait_emit_dynamic(ait_arena *a, const ait_dyn_dims *dd, const ait_tensor *bind_max, int n_in,
                            int verify_max, ait_graph_at_fn at, void *ctx, const ait_emit_opts *base, ait_emitted *out,
                            ait_diag *d)
{
    dyn_run r = {.a = a, .dd = dd, .bind_max = bind_max, .n_in = n_in, .at = at, .ctx = ctx, .base = base};
    ait_status s = AIT_OK;
    long long vmax[AIT_MAX_DIMS], v[AIT_MAX_DIMS];
    for (int j = 0; j < AIT_MAX_DIMS; j++)
        vmax[j] = j < dd->n ? dd->dim[j].max : 0;
    /* the graph at the max: its buffer plan is every value's, and the final file is its */
    ait_emit_dims_mode fit_mode = {.dims_param = 1, .no_dedup = 1, .code_only = 1};
    variant top_v;
    ait_graph *g_max;
    ait_emitted e_max;
    AIT_TRY(emit_at(&r, a, vmax, &fit_mode, 1, &top_v, &g_max, &e_max, d));
    r.plan_max = &e_max.plan;
    fit_mode.fixed_plan = r.plan_max;
    int no = g_max->n_outputs;
    sweep sw = {.r = &r, .mode = &fit_mode, .top = &top_v.c, .no = no};
    sw.n_sizes = n_in + no + no * AIT_MAX_RANK;
    ait_poly *form = NULL;
    point tmp, *pt;
    char why[512] = "";
    int have_generic = 0;
    double total = 1;
    for (int j = 0; j < dd->n; j++)
        total *= (double)(dd->dim[j].max - dd->dim[j].min + 1);
    /* the max's own point first: the sizes' reference */
    sw.p = calloc(1, sizeof *sw.p);
    sw.cap = 1;
    if (!sw.p || point_of(&sw, &top_v, vmax, &sw.p[0]) != 0) {
        s = ait_fail(d, AIT_E_IO, "out of memory");
        goto out;
    }
    sw.n = 1;
    s = sweep_lines(&sw, d);
    form = calloc((size_t)(top_v.c.n + sw.n_sizes) + 1, sizeof *form);
    if (s == AIT_OK)
        s = fit_all(&sw, form, &have_generic, why, sizeof why, d);
    if (s != AIT_OK)
        goto out;

    int exhaustive = total <= verify_max || !have_generic;
    if (!have_generic && total > MAX_SPECIAL) {
        char name[160];
        s = ait_fail(d, AIT_E_UNSUPPORTED,
                     "dynamic axes: no code serves the whole range (%s), and its %.0f values are too many to "
                     "specialize each (at most %d); narrow samples.dims (axis '%s' is %lld..%lld)",
                     why, total, MAX_SPECIAL, ait_esc_buf(name, sizeof name, AIT_ESC_TEXT, dd->dim[0].name),
                     dd->dim[0].min, dd->dim[0].max);
        goto out;
    }
    long long special[MAX_SPECIAL][AIT_MAX_DIMS];
    char *special_code[MAX_SPECIAL];
    int n_special = 0, checked = 0, swept = sw.n;
    unsigned long long lcg = 0x9E3779B97F4A7C15ull;
    for (int j = 0; j < dd->n; j++)
        v[j] = dd->dim[j].min;
    /* the sweep's values first, then the range's others (or a spread sample of them) */
    for (int i = 0, more = 1; more && s == AIT_OK; i++) {
        int fresh = i >= swept;
        if (!fresh) {
            pt = &sw.p[i];
        } else {
            /* the sweep's values are checked already (the sweep holds only them here) */
            while (more && sweep_find(&sw, v))
                more = (exhaustive || checked < verify_max) && next_check(dd, exhaustive, &lcg, v);
            if (!more)
                break;
            s = sweep_at(&sw, v, 0, &tmp, &pt, d);
            if (s != AIT_OK)
                break;
        }
        char reason[256] = "no generic code";
        int holds = have_generic && generic_holds(&sw, form, pt, reason, sizeof reason);
        if (!sizes_hold(&sw, form, pt)) {
            char at_v[256];
            values_str(dd, pt->v, at_v, sizeof at_v);
            s = ait_fail(d, AIT_E_UNSUPPORTED, "dynamic axes: at %s a tensor's size is not the form in the axes' "
                                               "values that the other values give", at_v);
        }
        checked++;
        if (s == AIT_OK && !holds) {
            if (n_special == MAX_SPECIAL) {
                char at_v[256];
                values_str(dd, pt->v, at_v, sizeof at_v);
                s = ait_fail(d, AIT_E_UNSUPPORTED,
                             "dynamic axes: the generic code does not hold at more than %d values (at %s: %s); "
                             "narrow samples.dims",
                             MAX_SPECIAL, at_v, reason);
            } else {
                /* its own code, under its own function names */
                ait_emit_dims_mode own = {.dims_param = 1, .code_only = 1, .fixed_plan = r.plan_max,
                                          .fn_prefix = ait_arena_printf(a, "%s_x%d", base->name, n_special)};
                ait_arena va2 = {0};
                variant sv;
                s = emit_at(&r, &va2, pt->v, &own, 1, &sv, NULL, NULL, d);
                if (s == AIT_OK) {
                    special_code[n_special] = ait_arena_strdup(a, sv.c.text);
                    memcpy(special[n_special++], pt->v, sizeof pt->v);
                }
                variant_free(&sv);
                ait_arena_free_all(&va2);
            }
        }
        if (fresh) {
            point_free(&tmp);
            more = (exhaustive || checked < verify_max) && next_check(dd, exhaustive, &lcg, v);
        }
    }
    if (s != AIT_OK)
        goto out;

    /* the final file: the graph at the max, with the code for the range */
    ait_emit_dyn dy = {.dims = dd, .generic = have_generic ? generic_text(a, dd, &top_v.c, form) : NULL,
                       .n_special = n_special, .special = (const char *const *)special_code,
                       .special_dims = (const long long(*)[AIT_MAX_DIMS])special, .arena_bytes = r.arena_bytes,
                       .n_consts = r.n_consts, .const_ids = r.const_ids, .consts = r.consts};
    const char **in_e = AIT_NEW(a, const char *, n_in + 1), **out_e = AIT_NEW(a, const char *, no + 1),
               **out_shape = AIT_NEW(a, const char *, no + 1);
    for (int k = 0; k < n_in; k++) {
        char buf[1400];
        ait_poly_c(&form[top_v.c.n + size_index(&sw, 0, k, 0)], "long long", buf, sizeof buf);
        in_e[k] = ait_arena_strdup(a, buf);
    }
    for (int k = 0; k < no; k++) {
        char buf[1400];
        ait_poly_c(&form[top_v.c.n + size_index(&sw, 1, k, 0)], "long long", buf, sizeof buf);
        out_e[k] = ait_arena_strdup(a, buf);
        out_shape[k] = pretty_shape(a, &sw, form, top_v.out_rank[k], k);
    }
    dy.in_elems = in_e;
    dy.out_elems = out_e;
    dy.out_shape = out_shape;
    char names[256] = "";
    for (int j = 0, k = 0; j < dd->n && k < (int)sizeof names; j++)
        k += snprintf(names + k, sizeof names - (size_t)k, "%s%s %lld..%lld", j ? ", " : "", dd->dim[j].name,
                      dd->dim[j].min, dd->dim[j].max);
    char specials[600] = "";
    for (int i = 0, k = 0; i < n_special && k < (int)sizeof specials; i++) {
        char vs[200];
        values_str(dd, special[i], vs, sizeof vs);
        k += snprintf(specials + k, sizeof specials - (size_t)k, "%s%s", i ? "; " : "", vs);
    }
    char esc_names[600];
    ait_esc_buf(esc_names, sizeof esc_names, AIT_ESC_TEXT, names);
    dy.how = have_generic
                 ? ait_arena_printf(a, "%s: generic code with run-time extents, checked to equal the code specialized "
                                       "at %s%s%s",
                                    esc_names,
                                    exhaustive ? ait_arena_printf(a, "each of the %d values", checked)
                                               : ait_arena_printf(a, "%d of the %.0f values (tune.dims_verify_max)",
                                                                  checked, total),
                                    n_special ? "; code of its own at " : "", specials)
                 : ait_arena_printf(a, "%s: code specialized at each of the %d values", esc_names, n_special);
    ait_emit_opts fo = *base;
    memset(&fo.dm, 0, sizeof fo.dm);
    fo.dm.dyn = &dy;
    s = ait_emit_model(g_max, &fo, out, d);
    out->dyn_how = dy.how;
out:
    sweep_free(&sw);
    free(form);
    variant_free(&top_v);
    ait_emitted_free(&e_max);
    return s;
}
