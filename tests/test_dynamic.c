/* The interpolation behind dynamic axes (gen/dynamic.c): exact on integer polynomials of degree
 * <= 2 per axis, C text as the emitted code reads it, refusals on overflow; and why every value
 * is checked: a literal that is no polynomial (a tile count) fits its three points and is wrong
 * between them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gen/dynamic.h"

static long long at1(const ait_poly *p, long long x)
{
    long long v = -12345;
    assert_int_equal(ait_poly_eval(p, &x, &v), 0);
    return v;
}

static void test_linear_and_quadratic(void **state)
{
    (void)state;
    const long long pts[1][3] = {{2, 9, 16}};
    ait_poly p;
    long long lin[3] = {64 * 2, 64 * 9, 64 * 16};
    assert_int_equal(ait_poly_fit(1, pts, lin, &p), 0);
    for (long long x = 1; x <= 512; x++)
        assert_int_equal(at1(&p, x), 64 * x);
    char buf[256];
    ait_poly_c(&p, "long", buf, sizeof buf);
    assert_string_equal(buf, "((long)(64LL * dim_[0]))");
    long long quad[3];
    for (int i = 0; i < 3; i++)
        quad[i] = 4 * pts[0][i] * pts[0][i] - 3 * pts[0][i] + 7;
    assert_int_equal(ait_poly_fit(1, pts, quad, &p), 0);
    for (long long x = 1; x <= 512; x++)
        assert_int_equal(at1(&p, x), 4 * x * x - 3 * x + 7);
    ait_poly_c(&p, "long long", buf, sizeof buf);
    assert_string_equal(buf, "((long long)(7LL - 3LL * dim_[0] + 4LL * dim_[0] * dim_[0]))");
}

static void test_rational_coefficients(void **state)
{
    (void)state;
    /* L(L+1)/2, the elements of a triangle: integer-valued, with a denominator */
    const long long pts[1][3] = {{3, 10, 17}};
    long long y[3];
    for (int i = 0; i < 3; i++)
        y[i] = pts[0][i] * (pts[0][i] + 1) / 2;
    ait_poly p;
    assert_int_equal(ait_poly_fit(1, pts, y, &p), 0);
    assert_int_equal(p.den, 2);
    for (long long x = 1; x <= 1000; x++)
        assert_int_equal(at1(&p, x), x * (x + 1) / 2);
    char buf[256];
    ait_poly_c(&p, "long", buf, sizeof buf);
    assert_string_equal(buf, "((long)((1LL * dim_[0] + 1LL * dim_[0] * dim_[0]) / 2LL))");
}

static void test_two_axes(void **state)
{
    (void)state;
    /* attention scores of two lengths: 12 * a * b + a */
    const long long pts[2][3] = {{2, 5, 8}, {3, 7, 11}};
    long long y[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            y[i * 3 + j] = 12 * pts[0][i] * pts[1][j] + pts[0][i];
    ait_poly p;
    assert_int_equal(ait_poly_fit(2, pts, y, &p), 0);
    for (long long a = 1; a <= 40; a++)
        for (long long b = 1; b <= 40; b++) {
            long long v[2] = {a, b}, got;
            assert_int_equal(ait_poly_eval(&p, v, &got), 0);
            assert_int_equal(got, 12 * a * b + a);
        }
}

static void test_refusals(void **state)
{
    (void)state;
    ait_poly p;
    const long long same[1][3] = {{4, 4, 9}}; /* two equal points */
    long long y[3] = {1, 1, 2};
    assert_int_equal(ait_poly_fit(1, same, y, &p), -1);
    const long long pts[1][3] = {{2, 9, 16}};
    long long huge[3] = {INT64_MAX / 2, 1, INT64_MAX / 3};
    assert_int_equal(ait_poly_fit(1, pts, huge, &p), -1);
    long long ok[3] = {2, 9, 16}, v = INT64_MAX / 2, out;
    assert_int_equal(ait_poly_fit(1, pts, ok, &p), 0);
    assert_int_equal(ait_poly_eval(&p, &v, &out), 0); /* x itself: no overflow */
    long long sq[3] = {4, 81, 256};
    assert_int_equal(ait_poly_fit(1, pts, sq, &p), 0);
    assert_int_equal(ait_poly_eval(&p, &v, &out), -1); /* x^2 overflows */
}

static void test_non_polynomial_fits_only_its_points(void **state)
{
    (void)state;
    /* ceil(L / 8) tiles: exact at 2, 9, 16, wrong at 5 and 13 -- what the check at every value
     * of the range catches */
    const long long pts[1][3] = {{2, 9, 16}};
    long long y[3] = {1, 2, 2};
    ait_poly p;
    assert_int_equal(ait_poly_fit(1, pts, y, &p), 0);
    assert_int_equal(at1(&p, 2), 1);
    assert_int_equal(at1(&p, 9), 2);
    assert_int_equal(at1(&p, 16), 2);
    int wrong = 0;
    for (long long x = 1; x <= 16; x++)
        wrong += at1(&p, x) != (x + 7) / 8;
    assert_true(wrong > 0);
}

/* The extents after strided convolutions and pools: floors of the axis, found from all the
 * values of the range; the wrong 3-point polynomial above is not what the fit picks. */
static void test_floor_forms(void **state)
{
    (void)state;
    long long x[100], y[100];
    ait_poly p;
    char buf[256];
    for (int i = 0; i < 100; i++) {
        x[i] = i + 1;
        y[i] = (x[i] + 7) / 8; /* ceil(L / 8) tiles */
    }
    assert_int_equal(ait_form_fit_1d(100, x, y, 64, &p), 0);
    /* nested floors compose: floor((floor((L + 3) / 4) + 1) / 2) is as good, and simpler */
    ait_poly_c(&p, "long", buf, sizeof buf);
    assert_string_equal(buf, "((long)((1LL + 1LL * ((dim_[0] + 3LL) / 4LL)) / 2LL))");
    for (long long v = 1; v <= 1000; v++)
        assert_int_equal(at1(&p, v), (v + 7) / 8);
    /* two stride-2 stages (k3 p1, then k3 s2 ceil): 8 channels of a plane of (L + 1) / 4 squared */
    for (int i = 0; i < 100; i++) {
        x[i] = i + 5;
        long long a = (x[i] - 1) / 2 + 1, b = (a - 3 + 1) / 2 + 1;
        y[i] = 8 * b * b;
    }
    assert_int_equal(ait_form_fit_1d(100, x, y, 64, &p), 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(at1(&p, x[i]), y[i]);
    assert_true(p.div[0] > 1);
    /* a plain polynomial keeps the axis itself */
    for (int i = 0; i < 100; i++)
        y[i] = 3 * x[i] * x[i] + 1;
    assert_int_equal(ait_form_fit_1d(100, x, y, 64, &p), 0);
    assert_int_equal(p.div[0], 1);
    /* no floor of the axis gives L mod 7 */
    for (int i = 0; i < 100; i++)
        y[i] = x[i] % 7;
    assert_int_equal(ait_form_fit_1d(100, x, y, 64, &p), -1);
}

/* Fewer points than 3 on an axis: the degree drops (a range of two values). */
static void test_fewer_points(void **state)
{
    (void)state;
    const long long pts[2][3] = {{4, 9, 0}, {2, 5, 7}};
    const int m[2] = {2, 3};
    long long y[6];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            y[i * 3 + j] = 5 * pts[0][i] * pts[1][j] * pts[1][j] - pts[0][i] + 2;
    ait_poly p;
    assert_int_equal(ait_poly_fit_m(2, m, pts, y, &p), 0);
    for (long long a = 1; a <= 30; a++)
        for (long long b = 1; b <= 30; b++) {
            long long v[2] = {a, b}, got;
            assert_int_equal(ait_poly_eval(&p, v, &got), 0);
            assert_int_equal(got, 5 * a * b * b - a + 2);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_and_quadratic),
        cmocka_unit_test(test_rational_coefficients),
        cmocka_unit_test(test_two_axes),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_non_polynomial_fits_only_its_points),
        cmocka_unit_test(test_floor_forms),
        cmocka_unit_test(test_fewer_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
