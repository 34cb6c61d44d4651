#include "ir/escape.h"

#include <stdio.h>
#include <string.h>

/* Bytes kept as they are in each context, besides letters and digits; every other byte is
 * written with the context's escape (`?` never passes in C, so no trigraph can form). */
static const struct {
    const char *keep;
    const char *fmt; /* printf format of one escaped byte */
} ctx_table[AIT_ESC_COUNT] = {
    [AIT_ESC_C_COMMENT] = {" _-.,:;/#()[]{}<>=+@!&^~$'\"|%", "\\x%02X"},
    [AIT_ESC_C_STRING] = {" _-.,:;/#()[]{}<>=+@!&^~$'|%*", "\\%03o"},
    [AIT_ESC_MD] = {" _-.,:;/#(){}=+@!^~$'\"%?", "\\x%02X"},
    [AIT_ESC_INI] = {" _-.,:/()[]{}<>=+@!&^~$'\"|*?", "%%%02X"},
    [AIT_ESC_TEXT] = {" _-.,:;/#()[]{}<>=+@!&^~$'\"|%*?`\\", "\\x%02X"},
};

static int kept(ait_esc_ctx ctx, const unsigned char *p, const unsigned char *start)
{
    unsigned c = *p;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    if (!strchr(ctx_table[ctx].keep, (int)c) || !c)
        return 0;
    /* inih strips a value's surrounding spaces */
    return !(ctx == AIT_ESC_INI && c == ' ' && (p == start || !p[1]));
}

/* Appends one byte's rendering to out[8]; returns its length. */
static int render(ait_esc_ctx ctx, const unsigned char *p, const unsigned char *start, char *out)
{
    if (kept(ctx, p, start)) {
        out[0] = (char)*p;
        out[1] = 0;
        return 1;
    }
    return snprintf(out, 8, ctx_table[ctx].fmt, *p);
}

void ait_esc(ait_sb *b, ait_esc_ctx ctx, const char *s)
{
    const unsigned char *start = (const unsigned char *)(s ? s : "");
    char one[8];
    for (const unsigned char *p = start; *p; p++) {
        int n = render(ctx, p, start, one);
        ait_sb_putn(b, one, (size_t)n);
    }
}

const char *ait_esc_str(ait_arena *a, ait_esc_ctx ctx, const char *s)
{
    ait_sb b = {0};
    ait_esc(&b, ctx, s);
    const char *r = ait_arena_strdup(a, b.s ? b.s : "");
    ait_sb_free(&b);
    return r;
}

char *ait_esc_buf(char *dst, size_t n, ait_esc_ctx ctx, const char *s)
{
    const unsigned char *start = (const unsigned char *)(s ? s : "");
    size_t k = 0;
    char one[8];
    if (!n)
        return dst;
    for (const unsigned char *p = start; *p; p++) {
        int m = render(ctx, p, start, one);
        if (k + (size_t)m >= n)
            break;
        memcpy(dst + k, one, (size_t)m);
        k += (size_t)m;
    }
    dst[k] = 0;
    return dst;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int ait_unesc_ini(char *dst, size_t n, const char *s)
{
    size_t k = 0;
    for (const char *p = s; *p; p++) {
        int c = (unsigned char)*p;
        if (c == '%') {
            int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
            if (lo < 0)
                return -1;
            c = hi * 16 + lo;
            p += 2;
        }
        if (k + 1 >= n)
            return -1;
        dst[k++] = (char)c;
    }
    if (!n)
        return -1;
    dst[k] = 0;
    return 0;
}
