/* Growable text buffer for emitted C. */
#ifndef AIT_STRBUF_H
#define AIT_STRBUF_H

#include <stddef.h>

typedef struct {
    char *s;
    size_t len, cap;
} ait_sb;

void ait_sb_printf(ait_sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ait_sb_puts(ait_sb *b, const char *s);
void ait_sb_putn(ait_sb *b, const char *s, size_t n);
void ait_sb_free(ait_sb *b);

#endif
