#include "gen/memplan.h"

#include <stdlib.h>
#include <string.h>

int ait_plan_add(ait_plan *p, size_t size, int first, int last)
{
    if (p->n == p->cap) {
        int cap = p->cap ? p->cap * 2 : 64;
        ait_plan_buf *b = AIT_NEW(p->arena, ait_plan_buf, cap);
        if (p->n)
            memcpy(b, p->buf, sizeof *b * (size_t)p->n);
        p->buf = b;
        p->cap = cap;
    }
    ait_plan_buf *b = &p->buf[p->n];
    b->size = (size + AIT_PLAN_ALIGN - 1) / AIT_PLAN_ALIGN * AIT_PLAN_ALIGN;
    b->first = first;
    b->last = last;
    return p->n++;
}

static const ait_plan_buf *sort_base;

static int by_size_desc(const void *a, const void *b)
{
    const ait_plan_buf *x = &sort_base[*(const int *)a], *y = &sort_base[*(const int *)b];
    if (x->size != y->size)
        return x->size < y->size ? 1 : -1;
    return *(const int *)a - *(const int *)b; /* stable: plans are byte-identical run to run */
}

void ait_plan_solve(ait_plan *p)
{
    int *order = AIT_NEW(p->arena, int, p->n + 1);
    int *placed = AIT_NEW(p->arena, int, p->n + 1);
    for (int i = 0; i < p->n; i++)
        order[i] = i;
    sort_base = p->buf;
    qsort(order, (size_t)p->n, sizeof *order, by_size_desc);
    int np = 0;
    p->high_water = 0;
    for (int k = 0; k < p->n; k++) {
        ait_plan_buf *b = &p->buf[order[k]];
        size_t off = 0;
        /* raise `off` past every time-overlapping placed buffer it collides with, until stable */
        for (int moved = 1; moved;) {
            moved = 0;
            for (int j = 0; j < np; j++) {
                const ait_plan_buf *o = &p->buf[placed[j]];
                if (o->last < b->first || o->first > b->last)
                    continue;
                if (off < o->offset + o->size && o->offset < off + b->size) {
                    off = o->offset + o->size;
                    moved = 1;
                }
            }
        }
        b->offset = off;
        placed[np++] = order[k];
        if (off + b->size > p->high_water)
            p->high_water = off + b->size;
    }
}

size_t ait_plan_offset(const ait_plan *p, int id)
{
    return p->buf[id].offset;
}

size_t ait_plan_sum(const ait_plan *p)
{
    size_t s = 0;
    for (int i = 0; i < p->n; i++)
        s += p->buf[i].size;
    return s;
}
