/* In-process compilation with libtcc.  Unknown symbols (libm) resolve from
 * the host process, which links -lm. */
#include <libtcc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gen/compile.h"

struct ait_compiled {
    TCCState *s;
};

/* libtcc 0.9.27 keeps its compiler state in globals: one compilation at a time per process.  A
 * fork (trials run in child processes) waits for a compilation on another thread to end, so the
 * child gets libtcc's globals whole and the lock free. */
static pthread_mutex_t tcc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void lock_tcc(void)
{
    pthread_mutex_lock(&tcc_lock);
}

static void unlock_tcc(void)
{
    pthread_mutex_unlock(&tcc_lock);
}

static void register_atfork(void)
{
    pthread_atfork(lock_tcc, unlock_tcc, unlock_tcc);
}

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

static ait_status tcc_build(const char *src, const ait_compile_opts *o, ait_compiled **out, ait_diag *d)
{
    (void)o;
    tcc_errors err = {{0}, 0};
    pthread_once(&atfork_once, register_atfork);
    pthread_mutex_lock(&tcc_lock);
    TCCState *s = tcc_new();
    if (!s) {
        pthread_mutex_unlock(&tcc_lock);
        return ait_fail(d, AIT_E_COMPILE, "tcc: cannot create a compiler state");
    }
    tcc_set_error_func(s, &err, collect_error);
    tcc_set_output_type(s, TCC_OUTPUT_MEMORY);
    int failed = tcc_compile_string(s, src) < 0 || tcc_relocate(s, TCC_RELOCATE_AUTO) < 0;
    if (failed)
        tcc_delete(s);
    pthread_mutex_unlock(&tcc_lock);
    if (failed)
        return ait_fail(d, AIT_E_COMPILE, "tcc: %s", err.buf);
    ait_compiled *m = malloc(sizeof *m);
    if (!m) {
        tcc_delete(s);
        return ait_fail(d, AIT_E_COMPILE, "tcc: out of memory");
    }
    m->s = s;
    *out = m;
    return AIT_OK;
}

static void *tcc_sym(ait_compiled *m, const char *name)
{
    return tcc_get_symbol(m->s, name);
}

static void tcc_release(ait_compiled *m)
{
    if (m) {
        pthread_mutex_lock(&tcc_lock);
        tcc_delete(m->s);
        pthread_mutex_unlock(&tcc_lock);
        free(m);
    }
}

const ait_compiler ait_compiler_tcc = {"tcc", tcc_build, tcc_sym, tcc_release};
