#include "ir/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ait_arena_block {
    ait_arena_block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

enum { BLOCK_MIN = 1 << 20 };

void *ait_arena_alloc(ait_arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    ait_arena_block *b = a->head;
    if (!b || b->cap - b->used < size) {
        size_t cap = size > BLOCK_MIN ? size : BLOCK_MIN;
        b = malloc(sizeof *b + cap);
        if (!b) {
            fprintf(stderr, "aitune-gen: out of memory (%zu bytes)\n", size);
            abort();
        }
        b->used = 0;
        b->cap = cap;
        /* A big one-off block goes behind the head so the head keeps its free space. */
        if (a->head && size > BLOCK_MIN) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = b->data + b->used;
    b->used += size;
    a->bytes += size;
    memset(p, 0, size);
    return p;
}

void *ait_arena_memdup(ait_arena *a, const void *p, size_t size)
{
    void *q = ait_arena_alloc(a, size ? size : 1);
    if (size)
        memcpy(q, p, size);
    return q;
}

char *ait_arena_strdup(ait_arena *a, const char *s)
{
    return ait_arena_memdup(a, s, strlen(s) + 1);
}

char *ait_arena_printf(ait_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = ait_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

void ait_arena_free_all(ait_arena *a)
{
    ait_arena_block *b = a->head;
    while (b) {
        ait_arena_block *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
    a->bytes = 0;
}
