/* out/<name>_pthreads.c: the POSIX-threads pool that defines <name>_parallel_for for code
 * emitted with [target] threads = N (DESIGN.md, "Threads in the emitted code"). */
#ifndef AIT_THREADS_H
#define AIT_THREADS_H

#include "ir/strbuf.h"

/* Appends the pool's C (C99 and POSIX threads; GCC's atomics where the compiler has them) for
 * model prefix `name` and `threads` threads, the caller's included. */
void ait_emit_thread_pool(ait_sb *b, const char *name, int threads);

#endif
