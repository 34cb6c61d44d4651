#define _GNU_SOURCE /* qsort_r */
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

/* comparators over indices into the plan's buffers (qsort_r: no state outside the call) */
static int by_size_desc(const void *a, const void *b, void *bufs)
{
    const ait_plan_buf *base = bufs, *x = &base[*(const int *)a], *y = &base[*(const int *)b];
    if (x->size != y->size)
        return x->size < y->size ? 1 : -1;
    return *(const int *)a - *(const int *)b; /* stable: plans are byte-identical run to run */
}

static int by_offset(const void *a, const void *b, void *bufs)
{
    const ait_plan_buf *base = bufs, *x = &base[*(const int *)a], *y = &base[*(const int *)b];
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Work bounds: a graph past them (a hostile 100,000-way Concat keeps every buffer alive at
 * once) gets its remaining buffers placed one after another, unshared: correct, and linear. */
enum { PLAN_MAX_ENTRIES = 8 << 20, PLAN_MAX_WORK = 200 << 20 };

void ait_plan_solve(ait_plan *p)
{
    int *order = AIT_NEW(p->arena, int, p->n + 1);
    int steps = 0;
    for (int i = 0; i < p->n; i++) {
        order[i] = i;
        steps = p->buf[i].last + 1 > steps ? p->buf[i].last + 1 : steps;
    }
    qsort_r(order, (size_t)p->n, sizeof *order, by_size_desc, p->buf);
    /* placed buffers by step: each step's list holds the placed buffers alive at it */
    int *head = AIT_NEW(p->arena, int, steps + 1), *stamp = AIT_NEW(p->arena, int, p->n + 1);
    int *cand = AIT_NEW(p->arena, int, p->n + 1);
    int *e_buf = NULL, *e_next = NULL, n_e = 0, cap_e = 0;
    for (int t = 0; t <= steps; t++)
        head[t] = -1;
    for (int i = 0; i <= p->n; i++)
        stamp[i] = -1;
    long long work = 0;
    p->high_water = 0;
    for (int k = 0; k < p->n; k++) {
        ait_plan_buf *b = &p->buf[order[k]];
        long long span = (long long)b->last - b->first + 1;
        if (work > PLAN_MAX_WORK || n_e + span > PLAN_MAX_ENTRIES) {
            b->offset = p->high_water; /* past everything placed */
            p->high_water += b->size;
            continue;
        }
        /* the placed buffers alive at some step of b's lifetime, lowest offset first */
        int nc = 0;
        for (int t = b->first; t <= b->last; t++)
            for (int e = head[t]; e >= 0; e = e_next[e], work++)
                if (stamp[e_buf[e]] != k) {
                    stamp[e_buf[e]] = k;
                    cand[nc++] = e_buf[e];
                }
        qsort_r(cand, (size_t)nc, sizeof *cand, by_offset, p->buf);
        /* the lowest offset where b fits between them */
        size_t off = 0;
        for (int j = 0; j < nc; j++) {
            const ait_plan_buf *o = &p->buf[cand[j]];
            if (o->offset >= off + b->size)
                break;
            if (o->offset + o->size > off)
                off = o->offset + o->size;
        }
        b->offset = off;
        if (off + b->size > p->high_water)
            p->high_water = off + b->size;
        if (n_e + span > cap_e) {
            int cap = cap_e ? cap_e : 1024;
            while (cap < n_e + span)
                cap *= 2;
            int *nb = AIT_NEW(p->arena, int, cap), *nn = AIT_NEW(p->arena, int, cap);
            if (n_e) {
                memcpy(nb, e_buf, sizeof(int) * (size_t)n_e);
                memcpy(nn, e_next, sizeof(int) * (size_t)n_e);
            }
            e_buf = nb;
            e_next = nn;
            cap_e = cap;
        }
        for (int t = b->first; t <= b->last; t++) {
            e_buf[n_e] = order[k];
            e_next[n_e] = head[t];
            head[t] = n_e++;
        }
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
