/* In-process compilation with libtcc.  Unknown symbols (libm) resolve from
 * the host process, which links -lm. */
#include <libtcc.h>
#include <stdlib.h>
#include <string.h>

#include "gen/compile.h"

struct ait_module {
    TCCState *s;
};

typedef struct {
    char buf[900];
    size_t len;
} tcc_errors;

static void collect_error(void *opaque, const char *msg)
{
    tcc_errors *e = opaque;
    size_t n = strlen(msg);
    if (e->len + n + 2 < sizeof e->buf) {
        memcpy(e->buf + e->len, msg, n);
        e->len += n;
        e->buf[e->len++] = ';';
        e->buf[e->len] = 0;
    }
}

static ait_status tcc_build(const char *src, const ait_compile_opts *o, ait_module **out, ait_diag *d)
{
    (void)o;
    tcc_errors err = {{0}, 0};
    TCCState *s = tcc_new();
    if (!s)
        return ait_fail(d, AIT_E_COMPILE, "tcc: cannot create a compiler state");
    tcc_set_error_func(s, &err, collect_error);
    tcc_set_output_type(s, TCC_OUTPUT_MEMORY);
    if (tcc_compile_string(s, src) < 0 || tcc_relocate(s, TCC_RELOCATE_AUTO) < 0) {
        tcc_delete(s);
        return ait_fail(d, AIT_E_COMPILE, "tcc: %s", err.buf);
    }
    ait_module *m = malloc(sizeof *m);
    if (!m) {
        tcc_delete(s);
        return ait_fail(d, AIT_E_COMPILE, "tcc: out of memory");
    }
    m->s = s;
    *out = m;
    return AIT_OK;
}

static void *tcc_sym(ait_module *m, const char *name)
{
    return tcc_get_symbol(m->s, name);
}

static void tcc_release(ait_module *m)
{
    if (m) {
        tcc_delete(m->s);
        free(m);
    }
}

const ait_compiler ait_compiler_tcc = {"tcc", tcc_build, tcc_sym, tcc_release};
