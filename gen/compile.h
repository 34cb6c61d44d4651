/* Compiling generated C and finding its symbols.
 *
 * Two compilers behind one table: `tcc` compiles in-process with libtcc (fast
 * to build, slow code: validation only) and `gcc` builds a uniquely named
 * shared object and dlopens it (timed, the AOT path). */
#ifndef AIT_COMPILE_H
#define AIT_COMPILE_H

#include "ir/status.h"

typedef struct ait_compiled ait_compiled;

typedef struct {
    const char *flags;   /* extra compiler flags (gcc), e.g. "-O3 -march=native" */
    const char *libs;    /* (optional) link flags after the source, e.g. "-lopenblas" */
} ait_compile_opts;

typedef struct {
    const char *name;
    ait_status (*build)(const char *src, const ait_compile_opts *o, ait_compiled **m, ait_diag *d);
    void *(*sym)(ait_compiled *m, const char *name);
    void (*release)(ait_compiled *m);
} ait_compiler;

const ait_compiler *ait_compiler_find(const char *name); /* NULL if unknown */
extern const ait_compiler ait_compiler_tcc, ait_compiler_gcc;
/* The folder gcc builds go to, made on first use ($TMPDIR/aitune-XXXXXX) and removed when this
 * process exits (not a forked child). */
const char *ait_gcc_work_dir(void);
/* Bytes of machine code in what a gcc build (or ait_gcc_open) loaded: its executable sections. */
long long ait_gcc_code_bytes(const ait_compiled *m);
/* gcc compiles the n sources (C99) at once, a process each, and links them into one shared
 * object, dlopened as a build is: a unit split in parts builds in the time of its largest part
 * on as many cores.  At most 8 parts. */
ait_status ait_gcc_build_parts(const char *const *srcs, int n, const ait_compile_opts *o, ait_compiled **m,
                               ait_diag *d);
/* gcc builds the files (C99, -shared -fPIC -pthread, then libs and -lm) into the shared object so. */
ait_status ait_gcc_build_files(const char *const *files, int n, const char *flags, const char *libs, const char *so,
                               ait_diag *d);
/* dlopens a shared object that stays where it is (release does not remove it); its symbols
 * through ait_compiler_gcc.sym. */
ait_status ait_gcc_open(const char *so, ait_compiled **m, ait_diag *d);
/* Bytes of machine code in an ELF64 object: its executable sections (0 when unreadable). */
long long ait_elf_code_bytes(const char *path);
/* gcc runs on this machine. */
int ait_gcc_available(void);

#endif
