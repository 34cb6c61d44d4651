#include "ir/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reserve(ait_sb *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        fprintf(stderr, "aitune-gen: out of memory (text buffer of %zu bytes)\n", cap);
        abort();
    }
    b->s = s;
    b->cap = cap;
}

void ait_sb_putn(ait_sb *b, const char *s, size_t n)
{
    reserve(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void ait_sb_puts(ait_sb *b, const char *s)
{
    ait_sb_putn(b, s, strlen(s));
}

void ait_sb_printf(ait_sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void ait_sb_free(ait_sb *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}
