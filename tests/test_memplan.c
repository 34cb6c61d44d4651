/* The lifetime-based memory planner: buffers alive at the same step never
 * overlap; buffers with disjoint lifetimes share memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "gen/memplan.h"

static void test_chain_reuses_memory(void **state)
{
    (void)state;
    ait_arena a = {0};
    ait_plan p = {.arena = &a};
    /* a chain: t_i is written at step i and read at step i+1 */
    for (int i = 0; i < 10; i++)
        ait_plan_add(&p, 1000, i, i + 1);
    ait_plan_solve(&p);
    assert_int_equal(ait_plan_sum(&p), 10 * 1024);
    assert_int_equal(p.high_water, 2 * 1024); /* two alive at once */
    ait_arena_free_all(&a);
}

static void test_random_lifetimes_never_overlap(void **state)
{
    (void)state;
    srand(99);
    for (int round = 0; round < 50; round++) {
        ait_arena a = {0};
        ait_plan p = {.arena = &a};
        int n = 5 + rand() % 60;
        for (int i = 0; i < n; i++) {
            int first = rand() % 40;
            ait_plan_add(&p, (size_t)(1 + rand() % 5000), first, first + rand() % 8);
        }
        ait_plan_solve(&p);
        for (int i = 0; i < n; i++) {
            const ait_plan_buf *x = &p.buf[i];
            assert_int_equal(x->offset % AIT_PLAN_ALIGN, 0);
            assert_true(x->offset + x->size <= p.high_water);
            for (int j = i + 1; j < n; j++) {
                const ait_plan_buf *y = &p.buf[j];
                int time = !(x->last < y->first || y->last < x->first);
                int space = x->offset < y->offset + y->size && y->offset < x->offset + x->size;
                assert_false(time && space);
            }
        }
        assert_true(p.high_water <= ait_plan_sum(&p));
        ait_arena_free_all(&a);
    }
}

static void assert_no_overlap(const ait_plan *p)
{
    for (int i = 0; i < p->n; i++) {
        const ait_plan_buf *x = &p->buf[i];
        assert_true(x->offset + x->size <= p->high_water);
        for (int j = i + 1; j < p->n; j++) {
            const ait_plan_buf *y = &p->buf[j];
            int time = !(x->last < y->first || y->last < x->first);
            int space = x->offset < y->offset + y->size && y->offset < x->offset + x->size;
            assert_false(time && space);
        }
    }
}

/* A 100,000-step chain plans in linear time and still shares (two buffers alive at once). */
static void test_long_chain_is_linear(void **state)
{
    (void)state;
    ait_arena a = {0};
    ait_plan p = {.arena = &a};
    for (int i = 0; i < 100000; i++)
        ait_plan_add(&p, 64, i, i + 1);
    ait_plan_solve(&p);
    assert_int_equal(p.high_water, 2 * 64);
    ait_arena_free_all(&a);
}

/* Every buffer alive at every step (a hostile many-way Concat): past the work bound the rest
 * are placed unshared, one after another; nothing overlaps either way. */
static void test_all_alive_past_the_work_bound(void **state)
{
    (void)state;
    ait_arena a = {0};
    ait_plan p = {.arena = &a};
    int n = 4000;
    for (int i = 0; i < n; i++)
        ait_plan_add(&p, (size_t)(64 + i % 7 * 64), i, n + 1);
    ait_plan_solve(&p);
    assert_no_overlap(&p);
    assert_int_equal(p.high_water, ait_plan_sum(&p)); /* all alive together: no sharing possible */
    ait_arena_free_all(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_reuses_memory),
        cmocka_unit_test(test_random_lifetimes_never_overlap),
        cmocka_unit_test(test_long_chain_is_linear),
        cmocka_unit_test(test_all_alive_past_the_work_bound),
    };
    return cmocka_run_group_tests_name("memplan", tests, NULL, NULL);
}
