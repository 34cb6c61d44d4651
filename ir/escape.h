/* Escaping of untrusted text (names, paths and strings from a model, a sample file or a config)
 * for each context it reaches.  One function per context, all driven by one table:
 *
 *   AIT_ESC_C_COMMENT  inside a C block comment: never closes it, no trigraph, no line splice,
 *                      no newline; bytes outside a safe set become \xHH
 *   AIT_ESC_C_STRING   inside a C string literal: exact (the compiled string equals the input),
 *                      bytes outside a safe set become 3-digit octal escapes (\ooo)
 *   AIT_ESC_MD         a Markdown table cell or inline text: no |, `, <, >, &, *, _, [, ],
 *                      backslash, newline; those and non-ASCII bytes become \xHH
 *   AIT_ESC_INI        an INI value (inih): no ; # or newline, no leading/trailing space;
 *                      reversible with ait_unesc_ini (%HH)
 *   AIT_ESC_TEXT       a log or error line on a terminal: printable ASCII, others \xHH
 *
 * C identifiers are never made from such text: the emitter generates them. */
#ifndef AIT_ESCAPE_H
#define AIT_ESCAPE_H

#include <stddef.h>

#include "ir/arena.h"
#include "ir/strbuf.h"

typedef enum { AIT_ESC_C_COMMENT, AIT_ESC_C_STRING, AIT_ESC_MD, AIT_ESC_INI, AIT_ESC_TEXT, AIT_ESC_COUNT } ait_esc_ctx;

void ait_esc(ait_sb *b, ait_esc_ctx ctx, const char *s);
/* Escaped copy in the arena. */
const char *ait_esc_str(ait_arena *a, ait_esc_ctx ctx, const char *s);
/* Into dst[n], NUL-terminated, cut before an escape that would not fit; returns dst. */
char *ait_esc_buf(char *dst, size_t n, ait_esc_ctx ctx, const char *s);
/* Decodes an AIT_ESC_INI value into dst[n]; -1 if malformed or too long. */
int ait_unesc_ini(char *dst, size_t n, const char *s);

#endif
