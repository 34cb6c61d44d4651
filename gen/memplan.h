/* Static memory planning from buffer lifetimes.
 *
 * Every intermediate tensor is a buffer alive from the step that writes it to
 * the last step that reads it (inclusive).  Buffers are placed largest first,
 * each at the lowest aligned offset that does not overlap, in both time and
 * address, any buffer already placed (the greedy scheme of TFLM's
 * GreedyMemoryPlanner; placed buffers are indexed by step, so a buffer is checked only against
 * those alive with it).  Two tensors alive at the same step never share bytes,
 * so a kernel's inputs and outputs are always distinct. */
#ifndef AIT_MEMPLAN_H
#define AIT_MEMPLAN_H

#include <stddef.h>

#include "ir/arena.h"

enum { AIT_PLAN_ALIGN = 64 };

typedef struct {
    size_t size, offset;
    int first, last;
} ait_plan_buf;

typedef struct {
    ait_plan_buf *buf;
    int n, cap;
    size_t high_water;
    ait_arena *arena;
} ait_plan;

int ait_plan_add(ait_plan *p, size_t size, int first, int last); /* returns buffer id */
void ait_plan_solve(ait_plan *p);
size_t ait_plan_offset(const ait_plan *p, int id);
size_t ait_plan_sum(const ait_plan *p); /* bytes without any sharing, for reports */

#endif
