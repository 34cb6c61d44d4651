/* Bump allocator: the generator allocates everything of one run from one
 * arena and frees it once at exit.  Allocation failure aborts: the generator
 * cannot do anything useful without memory. */
#ifndef AIT_ARENA_H
#define AIT_ARENA_H

#include <stddef.h>

typedef struct ait_arena_block ait_arena_block;
typedef struct {
    ait_arena_block *head;
    size_t bytes;          /* total handed out, for reports */
} ait_arena;

void *ait_arena_alloc(ait_arena *a, size_t size);          /* zeroed, 16-byte aligned */
void *ait_arena_memdup(ait_arena *a, const void *p, size_t size);
char *ait_arena_strdup(ait_arena *a, const char *s);
char *ait_arena_printf(ait_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ait_arena_free_all(ait_arena *a);

#define AIT_NEW(a, T, n) ((T *)ait_arena_alloc((a), sizeof(T) * (size_t)(n)))

#endif
