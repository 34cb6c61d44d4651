/* AOT compilation: gcc builds a shared object with a unique file name (dlopen
 * caches by path), which is dlopened and removed on release. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gen/compile.h"

extern char **environ;

struct ait_compiled {
    void *handle;
    long long code_bytes; /* its executable sections, read before a build's file goes */
};

/* dlopens so; a build's own file (keep 0) is removed at once, mapped as long as it is open, so
 * that a sandboxed child, which exits without releasing, leaves none behind. */
static ait_status open_so(const char *so, int keep, ait_compiled **out, ait_diag *d)
{
    ait_compiled *m = calloc(1, sizeof *m);
    if (!m) {
        if (!keep)
            unlink(so);
        return ait_fail(d, AIT_E_IO, "out of memory");
    }
    m->handle = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    m->code_bytes = m->handle ? ait_elf_code_bytes(so) : 0;
    if (!keep)
        unlink(so);
    if (!m->handle) {
        ait_fail(d, AIT_E_COMPILE, "dlopen %s: %s", so, dlerror());
        free(m);
        return AIT_E_COMPILE;
    }
    *out = m;
    return AIT_OK;
}

/* one folder per process, made once (modules may be built from several threads at once) with a
 * name no one can have made first (mkdtemp), removed at exit: a fixed /tmp/aitune-<pid> was
 * left behind by every run, thousands of them after a day's tests */
static char work_dir_path[256];
static pthread_once_t work_dir_once = PTHREAD_ONCE_INIT;
static pid_t work_dir_owner;

static void remove_work_dir(void)
{
    if (getpid() == work_dir_owner) /* not a forked trial's exit */
        rmdir(work_dir_path);       /* empty unless a build was cut short; then it stays */
}

static void make_work_dir(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(work_dir_path, sizeof work_dir_path, "%s/aitune-XXXXXX", t && *t ? t : "/tmp");
    if (mkdtemp(work_dir_path)) {
        work_dir_owner = getpid();
        atexit(remove_work_dir);
    }
}

const char *ait_gcc_work_dir(void)
{
    pthread_once(&work_dir_once, make_work_dir);
    return work_dir_path;
}

/* Starts argv with stderr into errfile; returns its pid, or -1. */
static pid_t start(char *const argv[], const char *errfile)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return rc != 0 ? -1 : pid;
}

/* The exit status of a started pid, or -1. */
static int finish(pid_t pid)
{
    int st;
    if (pid < 0)
        return -1;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs argv with stderr into errfile; returns the exit status or -1. */
static int run(char *const argv[], const char *errfile)
{
    return finish(start(argv, errfile));
}

/* Splits words on spaces into argv from *argc, at most max in all. */
static void add_words(char *buf, char **argv, int *argc, int max)
{
    char *save_ = NULL;
    for (char *tok = strtok_r(buf, " ", &save_); tok && *argc < max; tok = strtok_r(NULL, " ", &save_))
        argv[(*argc)++] = tok;
}

/* On failure (rc != 0) gcc's stderr in err_path, as one line, into msg; removes err_path.
 * Returns rc. */
static int gcc_result(int rc, const char *err_path, char *msg, size_t n)
{
    msg[0] = 0;
    if (rc != 0) {
        FILE *e = fopen(err_path, "r");
        if (e) {
            size_t k = fread(msg, 1, n - 1, e);
            msg[k] = 0;
            fclose(e);
        }
        for (char *p = msg; *p; p++)
            if (*p == '\n')
                *p = ' ';
    }
    unlink(err_path);
    return rc;
}

/* Runs gcc's argv with its stderr in err_path; on failure that stderr, as one line, into msg.
 * Returns the exit status (0: built). */
static int run_gcc(char *const argv[], const char *err_path, char *msg, size_t n)
{
    return gcc_result(run(argv, err_path), err_path, msg, n);
}

/* argv's head: gcc -std=c99 and o's flags (split on spaces in buf, at most 40 words in all);
 * returns argc. */
static int gcc_head(char **argv, char *buf, size_t n, const ait_compile_opts *o)
{
    int argc = 0;
    snprintf(buf, n, "%s", o && o->flags ? o->flags : "-O3 -march=native");
    argv[argc++] = "gcc";
    argv[argc++] = "-std=c99";
    add_words(buf, argv, &argc, 40);
    return argc;
}

static ait_status gcc_build(const char *src, const ait_compile_opts *o, ait_compiled **out, ait_diag *d)
{
    static unsigned counter; /* atomic: file names unique across threads too */
    char base[400], c_path[512], err_path[512];
    snprintf(base, sizeof base, "%s/m%u_%ld", ait_gcc_work_dir(), __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED),
             (long)getpid());
    char so[520];
    snprintf(c_path, sizeof c_path, "%s.c", base);
    snprintf(err_path, sizeof err_path, "%s.err", base);
    snprintf(so, sizeof so, "%s.so", base);
    FILE *f = fopen(c_path, "w");
    if (!f || fputs(src, f) < 0 || fclose(f) != 0) {
        if (f)
            unlink(c_path);
        return ait_fail(d, AIT_E_IO, "%s: cannot write: %s", c_path, strerror(errno));
    }
    char flags[512];
    char *argv[52];
    int argc = gcc_head(argv, flags, sizeof flags, o);
    argv[argc++] = "-shared";
    argv[argc++] = "-fPIC";
    argv[argc++] = "-o";
    argv[argc++] = so;
    argv[argc++] = c_path;
    char libs[256];
    snprintf(libs, sizeof libs, "%s", o && o->libs ? o->libs : "");
    add_words(libs, argv, &argc, 46);
    argv[argc++] = "-lm";
    argv[argc] = NULL;
    char msg[700];
    int rc = run_gcc(argv, err_path, msg, sizeof msg);
    if (rc != 0) {
        unlink(so);
        return ait_fail(d, AIT_E_COMPILE, "gcc (exit %d, source kept at %s): %s", rc, c_path, msg);
    }
    if (!getenv("AIT_KEEP_SOURCES"))
        unlink(c_path);
    return open_so(so, 0, out, d);
}

static void *gcc_sym(ait_compiled *m, const char *name)
{
    return dlsym(m->handle, name);
}

long long ait_gcc_code_bytes(const ait_compiled *m)
{
    return m->code_bytes;
}

static void gcc_release(ait_compiled *m)
{
    if (m) {
        dlclose(m->handle);
        free(m);
    }
}

enum { MAX_PARTS = 8 };

ait_status ait_gcc_build_parts(const char *const *srcs, int n, const ait_compile_opts *o, ait_compiled **out,
                               ait_diag *d)
{
    static unsigned counter;
    if (n < 1 || n > MAX_PARTS)
        return ait_fail(d, AIT_E_COMPILE, "gcc: %d parts (1 to %d)", n, MAX_PARTS);
    char base[400], c_path[MAX_PARTS][512], o_path[MAX_PARTS][512], err_path[MAX_PARTS][512];
    snprintf(base, sizeof base, "%s/p%u_%ld", ait_gcc_work_dir(), __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED),
             (long)getpid());
    pid_t pid[MAX_PARTS];
    int started = 0;
    ait_status s = AIT_OK;
    char msg[700] = "";
    for (int i = 0; i < n; i++) {
        snprintf(c_path[i], sizeof c_path[i], "%s_%d.c", base, i);
        snprintf(o_path[i], sizeof o_path[i], "%s_%d.o", base, i);
        snprintf(err_path[i], sizeof err_path[i], "%s_%d.err", base, i);
        FILE *f = fopen(c_path[i], "w");
        if (!f || fputs(srcs[i], f) < 0 || fclose(f) != 0) {
            s = ait_fail(d, AIT_E_IO, "%s: cannot write: %s", c_path[i], strerror(errno));
            break;
        }
        char flags[512];
        char *argv[52];
        int argc = gcc_head(argv, flags, sizeof flags, o);
        argv[argc++] = "-fPIC";
        argv[argc++] = "-c";
        argv[argc++] = "-o";
        argv[argc++] = o_path[i];
        argv[argc++] = c_path[i];
        argv[argc] = NULL;
        pid[started++] = start(argv, err_path[i]); /* every part at once: one gcc a core */
    }
    for (int i = 0; i < started; i++) {
        int rc = gcc_result(finish(pid[i]), err_path[i], msg, sizeof msg);
        if (rc != 0 && s == AIT_OK)
            s = ait_fail(d, AIT_E_COMPILE, "gcc (exit %d, source kept at %s): %s", rc, c_path[i], msg);
    }
    if (s == AIT_OK) { /* linked and opened as any build; its file removed once open */
        const char *objs[MAX_PARTS];
        char so[420];
        for (int i = 0; i < n; i++)
            objs[i] = o_path[i];
        snprintf(so, sizeof so, "%s.so", base);
        s = ait_gcc_build_files(objs, n, o ? o->flags : NULL, o ? o->libs : NULL, so, d);
        if (s == AIT_OK)
            s = open_so(so, 0, out, d);
        else
            unlink(so);
    }
    for (int i = 0; i < n; i++) {
        unlink(o_path[i]);
        if (s == AIT_OK && !getenv("AIT_KEEP_SOURCES"))
            unlink(c_path[i]);
    }
    return s;
}

ait_status ait_gcc_build_files(const char *const *files, int n, const char *flags, const char *libs, const char *so,
                               ait_diag *d)
{
    char fl[512], lb[256], err_path[600];
    snprintf(fl, sizeof fl, "%s", flags ? flags : "-O3");
    snprintf(lb, sizeof lb, "%s", libs ? libs : "");
    snprintf(err_path, sizeof err_path, "%s.err", so);
    char *argv[96];
    int argc = 0;
    argv[argc++] = "gcc";
    argv[argc++] = "-std=c99";
    add_words(fl, argv, &argc, 40);
    argv[argc++] = "-shared";
    argv[argc++] = "-fPIC";
    argv[argc++] = "-pthread";
    argv[argc++] = "-o";
    argv[argc++] = (char *)so;
    for (int i = 0; i < n && argc < 80; i++)
        argv[argc++] = (char *)files[i];
    add_words(lb, argv, &argc, 92);
    argv[argc++] = "-lm";
    argv[argc] = NULL;
    char msg[700];
    int rc = run_gcc(argv, err_path, msg, sizeof msg);
    if (rc != 0)
        return ait_fail(d, AIT_E_COMPILE, "gcc (exit %d) building %s: %s", rc, so, msg);
    return AIT_OK;
}

ait_status ait_gcc_open(const char *so, ait_compiled **out, ait_diag *d)
{
    return open_so(so, 1, out, d);
}

long long ait_elf_code_bytes(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    Elf64_Ehdr eh;
    long long total = 0;
    if (fread(&eh, sizeof eh, 1, f) == 1 && !memcmp(eh.e_ident, ELFMAG, SELFMAG) && eh.e_ident[EI_CLASS] == ELFCLASS64 &&
        eh.e_shentsize == sizeof(Elf64_Shdr) && eh.e_shnum < 4096) {
        for (int i = 0; i < eh.e_shnum; i++) {
            Elf64_Shdr sh;
            if (fseek(f, (long)(eh.e_shoff + (Elf64_Off)i * sizeof sh), SEEK_SET) != 0 || fread(&sh, sizeof sh, 1, f) != 1)
                break;
            if (sh.sh_flags & SHF_EXECINSTR)
                total += (long long)sh.sh_size;
        }
    }
    fclose(f);
    return total;
}

int ait_gcc_available(void)
{
    char *argv[] = {"gcc", "--version", NULL};
    return run(argv, "/dev/null") == 0;
}

const ait_compiler ait_compiler_gcc = {"gcc", gcc_build, gcc_sym, gcc_release};
