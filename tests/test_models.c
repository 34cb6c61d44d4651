/* End to end: the shared PyTorch-exported models generate with the reference
 * backend, compile with gcc under -std=c99 -pedantic -Wall -Wextra -Werror,
 * and match their recorded outputs (rtol 1e-4, atol 1e-5).  The small ones
 * also go through libtcc, which must give the same numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "strategies/check_case.h"

#define MODELS "../shared/models/"
#define STRICT "-O2 -march=native -pedantic -Wall -Wextra -Werror"

static void check(const char *name, const char *compiler)
{
    char model[256], data[256];
    snprintf(model, sizeof model, MODELS "%s.onnx", name);
    snprintf(data, sizeof data, MODELS "%s_testdata/test_data_set_0", name);
    ait_check_opts o = {compiler, 1e-4, 1e-5, STRICT, NULL};
    ait_check_report r;
    ait_diag d = {0};
    ait_status s = ait_check_case(model, data, &o, &r, &d);
    if (s != AIT_OK)
        fail_msg("%s (%s): %s", name, compiler, d.msg);
    print_message("%-26s %s: max abs err %.3g, max rel err %.3g, %d kernels\n", name, compiler, r.max_abs_err,
                  r.max_rel_err, r.n_kernels);
}

static void test_mlp(void **s) { (void)s; check("mlp", "gcc"); check("mlp", "tcc"); }
static void test_small_cnn(void **s) { (void)s; check("small_cnn", "gcc"); check("small_cnn", "tcc"); }
static void test_tiny_transformer(void **s) { (void)s; check("tiny_transformer", "gcc"); check("tiny_transformer", "tcc"); }
static void test_tiny_transformer_opset17(void **s) { (void)s; check("tiny_transformer_opset17", "gcc"); }
static void test_mobilenet_v2(void **s) { (void)s; check("mobilenet_v2", "gcc"); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mlp),
        cmocka_unit_test(test_small_cnn),
        cmocka_unit_test(test_tiny_transformer),
        cmocka_unit_test(test_tiny_transformer_opset17),
        cmocka_unit_test(test_mobilenet_v2),
    };
    return cmocka_run_group_tests_name("models", tests, NULL, NULL);
}
