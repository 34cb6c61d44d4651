#include "gen/dynamic.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/escape.h"

enum {
    MAX_SPECIAL = 16,   /* values served by code of their own */
    MAX_GENERIC_DIMS = 3, /* a grid of 3^n emissions */
    MAX_FIT_VALUE = 1 << 20,
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

int ait_poly_fit(int n, const long long (*pts)[3], const long long *y, ait_poly *p)
{
    /* per axis: the Lagrange basis polynomials' numerators (x-a)(x-b), scaled to a common
     * denominator L (lcm of (p_i-a)(p_i-b)) */
    i128 num[MAX_GENERIC_DIMS][3][3], mult[MAX_GENERIC_DIMS][3], den = 1;
    if (n > MAX_GENERIC_DIMS)
        return -1;
    for (int j = 0; j < n; j++) {
        i128 dj[3], l = 1;
        for (int i = 0; i < 3; i++) {
            long long a = pts[j][(i + 1) % 3], b = pts[j][(i + 2) % 3];
            if (pts[j][i] == a || pts[j][i] == b || llabs(pts[j][i]) > MAX_FIT_VALUE)
                return -1;
            num[j][i][0] = (i128)a * b;
            num[j][i][1] = -(i128)a - b;
            num[j][i][2] = 1;
            dj[i] = (i128)(pts[j][i] - a) * (pts[j][i] - b);
            l = l / gcd128(l, dj[i]) * abs128(dj[i]);
        }
        for (int i = 0; i < 3; i++)
            mult[j][i] = l / dj[i];
        den *= l;
    }
    int cells = pow3(n);
    i128 c[27] = {0};
    for (int idx = 0; idx < cells; idx++) {
        int sub[MAX_GENERIC_DIMS];
        for (int j = n - 1, r = idx; j >= 0; j--, r /= 3)
            sub[j] = r % 3;
        i128 w = y[idx];
        for (int j = 0; j < n; j++)
            if (__builtin_mul_overflow(w, mult[j][sub[j]], &w))
                return -1;
        for (int e = 0; e < cells; e++) {
            i128 term = w;
            for (int j = n - 1, r = e; j >= 0; j--, r /= 3)
                if (__builtin_mul_overflow(term, num[j][sub[j]][r % 3], &term))
                    return -1;
            if (__builtin_add_overflow(c[e], term, &c[e]))
                return -1;
        }
    }
    i128 g = den;
    for (int e = 0; e < cells; e++)
        g = gcd128(g, c[e]);
    p->n = n;
    p->den = (long long)(den / g);
    for (int e = 0; e < cells; e++) {
        i128 v = c[e] / g;
        if (abs128(v) > ((i128)1 << 62))
            return -1;
        p->coef[e] = (long long)v;
    }
    return den / g > ((i128)1 << 62) ? -1 : 0;
}

int ait_poly_eval(const ait_poly *p, const long long *v, long long *out)
{
    long long s = 0;
    for (int e = 0; e < pow3(p->n); e++) {
        long long t = p->coef[e];
        for (int j = p->n - 1, r = e; j >= 0; j--, r /= 3)
            for (int k = 0; k < r % 3; k++)
                if (__builtin_mul_overflow(t, v[j], &t))
                    return -1;
        if (__builtin_add_overflow(s, t, &s))
            return -1;
    }
    *out = s / p->den;
    return 0;
}

/* The largest |value| over the box [0, max] (a bound, for the expression's C type). */
static double poly_bound(const ait_poly *p, const long long *max)
{
    double s = 0;
    for (int e = 0; e < pow3(p->n); e++) {
        double t = (double)llabs(p->coef[e]);
        for (int j = p->n - 1, r = e; j >= 0; j--, r /= 3)
            for (int k = 0; k < r % 3; k++)
                t *= (double)max[j];
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

static const char *const dim_vars[MAX_GENERIC_DIMS] = {"dim_[0]", "dim_[1]", "dim_[2]"};

void ait_poly_c(const ait_poly *p, const char *cast, char *buf, size_t n)
{
    char t[1024];
    poly_terms(p, dim_vars, "LL", t, sizeof t);
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

typedef ait_poly axis_polys[AIT_MAX_RANK];

typedef struct {
    int n;                      /* axes with a generic form */
    long long pts[MAX_GENERIC_DIMS][3];
    char *text;                 /* the code with literals as expressions */
    ait_poly *in, *out;         /* per input / output: elements per item */
    axis_polys *out_axis;
    ait_poly *lit;              /* per token of the max's code: the literal's form (n = -1: constant) */
    const code *shape;          /* the max's code, the generic code's token layout */
} generic;

static const char *cast_for(const token *t, double bound)
{
    int u = strchr(t->suffix, 'u') || strchr(t->suffix, 'U'), l = 0;
    for (const char *p = t->suffix; *p; p++)
        l += *p == 'l' || *p == 'L';
    if (u)
        return l >= 2 || bound > 4294967295.0 ? "unsigned long long" : "unsigned long";
    return l >= 2 || bound > 2147483647.0 ? "long long" : "long";
}

static int fit_values(const generic *gn, const long long *y, ait_poly *p)
{
    return ait_poly_fit(gn->n, (const long long(*)[3])gn->pts, y, p);
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

/* From the grid's variants (row-major over the axes' 3 points each; cell `top` is at the max):
 * every literal that differs becomes its interpolating polynomial. */
static int build_generic(const dyn_run *r, const variant *grid, int cells, int top, generic *gn, char *why,
                         size_t nwhy)
{
    const code *base = &grid[top].c;
    for (int i = 0; i < cells; i++) {
        int at = first_difference(base, &grid[i].c);
        if (at >= 0) {
            const token *t = at < base->n ? &base->tk[at] : NULL;
            snprintf(why, nwhy, "the code differs in structure between values (near '%.40s')",
                     t ? base->text + t->at : "the end");
            return -1;
        }
    }
    long long *y = malloc(sizeof *y * (size_t)cells);
    long long maxv[MAX_GENERIC_DIMS];
    for (int j = 0; j < gn->n; j++)
        maxv[j] = r->dd->dim[j].max;
    gn->lit = calloc((size_t)base->n + 1, sizeof *gn->lit);
    ait_sb out = {0};
    size_t prev = 0;
    int bad = 0;
    for (int i = 0; i < base->n && !bad; i++) {
        const token *t = &base->tk[i];
        gn->lit[i].n = -1;
        if (t->kind != TK_INT)
            continue;
        int differ = 0;
        for (int c = 0; c < cells; c++) {
            y[c] = grid[c].c.tk[i].v;
            differ |= y[c] != t->v;
        }
        if (!differ)
            continue;
        if (fit_values(gn, y, &gn->lit[i]) != 0) {
            snprintf(why, nwhy, "a literal's values do not fit 64-bit coefficients");
            bad = 1;
            break;
        }
        char expr[1400];
        ait_poly_c(&gn->lit[i], cast_for(t, poly_bound(&gn->lit[i], maxv)), expr, sizeof expr);
        ait_sb_putn(&out, base->text + prev, t->at - prev);
        ait_sb_puts(&out, expr);
        prev = t->at + t->len;
    }
    ait_sb_putn(&out, base->text + prev, base->len - prev);
    gn->text = enums_to_consts(r->a, out.s ? out.s : "");
    ait_sb_free(&out);
    free(y);
    gn->shape = base;
    return bad ? -1 : 0;
}

/* The tensors' sizes, and the outputs' extents, as polynomials. */
static int fit_sizes(generic *gn, const variant *grid, int cells, int ni, int no)
{
    long long *y = malloc(sizeof *y * (size_t)cells);
    int bad = 0;
    for (int k = 0; k < ni && !bad; k++) {
        for (int c = 0; c < cells; c++)
            y[c] = grid[c].in_elems[k];
        bad = fit_values(gn, y, &gn->in[k]) != 0;
    }
    for (int k = 0; k < no && !bad; k++) {
        for (int c = 0; c < cells; c++)
            y[c] = grid[c].out_elems[k];
        bad = fit_values(gn, y, &gn->out[k]) != 0;
        for (int ax = 0; ax < grid[0].out_rank[k] && !bad; ax++) {
            for (int c = 0; c < cells; c++)
                y[c] = grid[c].out_dims[k][ax];
            bad = fit_values(gn, y, &gn->out_axis[k][ax]) != 0;
        }
    }
    free(y);
    return bad ? -1 : 0;
}

/* Does the generic code, at v, read as variant x? */
static int generic_holds(const generic *gn, const variant *x, const long long *v, char *why, size_t nwhy)
{
    int at = first_difference(gn->shape, &x->c);
    if (at >= 0) {
        snprintf(why, nwhy, "its code differs in structure");
        return 0;
    }
    for (int i = 0; i < gn->shape->n; i++) {
        const token *t = &gn->shape->tk[i];
        if (t->kind != TK_INT)
            continue;
        long long want = x->c.tk[i].v, got = t->v;
        if (gn->lit[i].n >= 0 && ait_poly_eval(&gn->lit[i], v, &got) != 0)
            got = want + 1;
        if (got != want) {
            snprintf(why, nwhy, "a literal is %lld there, not %lld", want, got);
            return 0;
        }
    }
    return 1;
}

/* Do the size polynomials give variant x's sizes at v? */
static int sizes_hold(const generic *gn, const variant *x, const long long *v, int ni, int no)
{
    long long got;
    for (int k = 0; k < ni; k++)
        if (ait_poly_eval(&gn->in[k], v, &got) != 0 || got != x->in_elems[k])
            return 0;
    for (int k = 0; k < no; k++) {
        if (ait_poly_eval(&gn->out[k], v, &got) != 0 || got != x->out_elems[k])
            return 0;
        for (int ax = 0; ax < x->out_rank[k]; ax++)
            if (ait_poly_eval(&gn->out_axis[k][ax], v, &got) != 0 || got != x->out_dims[k][ax])
                return 0;
    }
    return 1;
}

/* The axes' points: low (at least 2, so that no extent is 1 where a broadcast would fold),
 * middle and max; `shift` moves the inner ones, for another try. */
static int pick_points(const ait_dyn_dim *dim, int shift, long long *p)
{
    long long lo = dim->min < 2 ? 2 : dim->min, hi = dim->max;
    if (hi - lo + 1 < 3 + shift || hi > MAX_FIT_VALUE)
        return -1;
    p[0] = lo + shift;
    p[2] = hi;
    p[1] = p[0] + (hi - p[0]) / 2 + shift;
    if (p[1] <= p[0])
        p[1] = p[0] + 1;
    if (p[1] >= p[2])
        p[1] = p[2] - 1;
    return p[1] > p[0] ? 0 : -1;
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

static char *pretty_shape(ait_arena *a, const ait_dyn_dims *dd, const generic *gn, const variant *top, int k)
{
    ait_sb b = {0};
    const char *names[MAX_GENERIC_DIMS];
    for (int j = 0; j < gn->n; j++)
        names[j] = dd->dim[j].name;
    ait_sb_puts(&b, "[");
    for (int ax = 0; ax < top->out_rank[k]; ax++) {
        char t[512];
        const ait_poly *p = &gn->out_axis[k][ax];
        poly_terms(p, names, "", t, sizeof t);
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

ait_status ait_emit_dynamic(ait_arena *a, const ait_dyn_dims *dd, const ait_tensor *bind_max, int n_in,
                            int verify_max, ait_graph_at_fn at, void *ctx, const ait_emit_opts *base, ait_emitted *out,
                            ait_diag *d)
{
    dyn_run r = {.a = a, .dd = dd, .bind_max = bind_max, .n_in = n_in, .at = at, .ctx = ctx, .base = base};
    ait_status s = AIT_OK;
    long long vmax[AIT_MAX_DIMS], v[AIT_MAX_DIMS];
    for (int j = 0; j < dd->n; j++)
        vmax[j] = dd->dim[j].max;
    /* the graph at the max: its buffer plan is every value's, and the final file is its */
    ait_emit_dims_mode fit_mode = {.dims_param = 1, .no_dedup = 1, .code_only = 1};
    variant top_v;
    ait_graph *g_max;
    ait_emitted e_max;
    AIT_TRY(emit_at(&r, a, vmax, &fit_mode, 1, &top_v, &g_max, &e_max, d));
    r.plan_max = &e_max.plan;
    fit_mode.fixed_plan = r.plan_max;
    int no = g_max->n_outputs;

    /* the generic code, from a grid of 3 values per axis */
    generic gn = {0};
    gn.in = AIT_NEW(a, ait_poly, n_in + 1);
    gn.out = AIT_NEW(a, ait_poly, no + 1);
    gn.out_axis = AIT_NEW(a, axis_polys, no + 1);
    char why[512] = "";
    int have_generic = 0, have_sizes = 0;
    /* shift 0..2: the generic code's points; 3: points for the sizes alone (a range too small for
     * generic code: min, min+1, min+2 even if past its max, where the model allows it) */
    for (int shift = 0; shift < 4 && !have_generic && !(shift == 3 && have_sizes) && s == AIT_OK; shift++) {
        if (dd->n > MAX_GENERIC_DIMS) {
            snprintf(why, sizeof why, "more than %d dynamic axes", MAX_GENERIC_DIMS);
            break;
        }
        gn.n = dd->n;
        int ok = 1;
        for (int j = 0; j < dd->n && ok; j++) {
            if (shift < 3) {
                ok = pick_points(&dd->dim[j], shift, gn.pts[j]) == 0;
            } else {
                for (int i = 0; i < 3; i++)
                    gn.pts[j][i] = dd->dim[j].min + i;
            }
        }
        if (!ok) {
            if (!*why)
                snprintf(why, sizeof why, "a range has fewer than 3 values of 2 or more");
            shift = 2; /* on to the sizes' points */
            continue;
        }
        int cells = pow3(dd->n), top = -1;
        variant *grid = calloc((size_t)cells, sizeof *grid);
        for (int c = 0; c < cells && s == AIT_OK; c++) {
            int all_max = 1;
            for (int j = dd->n - 1, rr = c; j >= 0; j--, rr /= 3) {
                v[j] = gn.pts[j][rr % 3];
                all_max &= v[j] == vmax[j];
            }
            if (all_max)
                top = c;
            ait_arena va = {0};
            s = emit_at(&r, &va, v, &fit_mode, 0, &grid[c], NULL, NULL, d);
            ait_arena_free_all(&va);
        }
        if (s == AIT_OK && !have_sizes)
            have_sizes = fit_sizes(&gn, grid, cells, n_in, no) == 0;
        if (s == AIT_OK && shift < 3 && top >= 0) {
            why[0] = 0;
            if (build_generic(&r, grid, cells, top, &gn, why, sizeof why) == 0) {
                have_generic = 1;
                /* the layout the generic code was written on must outlive the grid */
                code *keep = AIT_NEW(a, code, 1);
                *keep = grid[top].c;
                grid[top].c = (code){0};
                gn.shape = keep;
            } else {
                free(gn.lit);
                gn.lit = NULL;
            }
        }
        for (int c = 0; c < cells; c++)
            variant_free(&grid[c]);
        free(grid);
    }
    if (s == AIT_OK && !have_sizes)
        s = ait_fail(d, AIT_E_UNSUPPORTED, "dynamic axes: the tensors' sizes could not be derived from the axes' "
                                           "values (%s)",
                     why);
    if (s != AIT_OK)
        goto out;

    /* the range, value by value (or a spread sample of it) */
    double total = 1;
    for (int j = 0; j < dd->n; j++)
        total *= (double)(dd->dim[j].max - dd->dim[j].min + 1);
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
    int n_special = 0, checked = 0;
    unsigned long long lcg = 0x9E3779B97F4A7C15ull;
    for (int j = 0; j < dd->n; j++)
        v[j] = dd->dim[j].min;
    for (int more = 1; more && s == AIT_OK;) {
        ait_arena va = {0};
        variant x;
        s = emit_at(&r, &va, v, &fit_mode, 1, &x, NULL, NULL, d);
        char reason[256] = "no generic code";
        int holds = s == AIT_OK && have_generic && generic_holds(&gn, &x, v, reason, sizeof reason);
        if (s == AIT_OK && !sizes_hold(&gn, &x, v, n_in, no)) {
            char at_v[256];
            values_str(dd, v, at_v, sizeof at_v);
            s = ait_fail(d, AIT_E_UNSUPPORTED, "dynamic axes: at %s a tensor's size is not the polynomial in the "
                                               "axes' values that the other values give", at_v);
        }
        variant_free(&x);
        ait_arena_free_all(&va);
        checked++;
        if (s == AIT_OK && !holds) {
            if (n_special == MAX_SPECIAL) {
                char at_v[256];
                values_str(dd, v, at_v, sizeof at_v);
                s = ait_fail(d, AIT_E_UNSUPPORTED,
                             "dynamic axes: the generic code does not hold at more than %d values (at %s: %s); "
                             "narrow samples.dims",
                             MAX_SPECIAL, at_v, reason);
                break;
            }
            /* its own code, under its own function names */
            ait_emit_dims_mode own = {.dims_param = 1, .code_only = 1, .fixed_plan = r.plan_max,
                                      .fn_prefix = ait_arena_printf(a, "%s_x%d", base->name, n_special)};
            ait_arena va2 = {0};
            variant sv;
            s = emit_at(&r, &va2, v, &own, 1, &sv, NULL, NULL, d);
            if (s == AIT_OK) {
                special_code[n_special] = ait_arena_strdup(a, sv.c.text);
                memcpy(special[n_special++], v, sizeof v);
            }
            variant_free(&sv);
            ait_arena_free_all(&va2);
        }
        if (exhaustive) {
            more = next_value(dd, v);
        } else { /* the max, then spread values */
            more = checked < verify_max;
            for (int j = 0; j < dd->n; j++) {
                lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
                long long span = dd->dim[j].max - dd->dim[j].min + 1;
                v[j] = checked == 1 ? dd->dim[j].max : dd->dim[j].min + (long long)((lcg >> 33) % (unsigned long long)span);
            }
        }
    }
    if (s != AIT_OK)
        goto out;

    /* the final file: the graph at the max, with the code for the range */
    ait_emit_dyn dy = {.dims = dd, .generic = have_generic ? gn.text : NULL, .n_special = n_special,
                       .special = (const char *const *)special_code,
                       .special_dims = (const long long(*)[AIT_MAX_DIMS])special, .arena_bytes = r.arena_bytes,
                       .n_consts = r.n_consts, .const_ids = r.const_ids, .consts = r.consts};
    const char **in_e = AIT_NEW(a, const char *, n_in + 1), **out_e = AIT_NEW(a, const char *, no + 1),
               **out_shape = AIT_NEW(a, const char *, no + 1);
    for (int k = 0; k < n_in; k++) {
        char buf[1400];
        ait_poly_c(&gn.in[k], "long long", buf, sizeof buf);
        in_e[k] = ait_arena_strdup(a, buf);
    }
    for (int k = 0; k < no; k++) {
        char buf[1400];
        ait_poly_c(&gn.out[k], "long long", buf, sizeof buf);
        out_e[k] = ait_arena_strdup(a, buf);
        out_shape[k] = pretty_shape(a, dd, &gn, &top_v, k);
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
    variant_free(&top_v);
    ait_emitted_free(&e_max);
    s = ait_emit_model(g_max, &fo, out, d);
    out->dyn_how = dy.how;
    free(gn.lit);
    return s;
out:
    variant_free(&top_v);
    ait_emitted_free(&e_max);
    free(gn.lit);
    return s;
}
