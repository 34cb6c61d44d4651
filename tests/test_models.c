/* End to end: the shared PyTorch-exported models generate with the reference
 * backend, compile with gcc under -std=c99 -pedantic -Wall -Wextra -Werror,
 * and match their recorded outputs (rtol 1e-4, atol 1e-5).  The small ones
 * also go through libtcc, which must give the same numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "strategies/check_case.h"

#define MODELS "../shared/models/"
#define STRICT "-O2 -march=native -pedantic -Wall -Wextra -Werror"

static void check(const char *name, const char *compiler)
{
    char model[256], data[256];
    snprintf(model, sizeof model, MODELS "%s.onnx", name);
    snprintf(data, sizeof data, MODELS "%s_testdata/test_data_set_0", name);
    ait_check_opts o = {compiler, 1e-4, 1e-5, STRICT, NULL, 0};
    ait_check_report r;
    ait_diag d = {0};
    ait_status s = ait_check_case(model, data, &o, &r, &d);
    if (s != AIT_OK)
        fail_msg("%s (%s): %s", name, compiler, d.msg);
    print_message("%-26s %s: max abs err %.3g, max rel err %.3g, %d kernels\n", name, compiler, r.max_abs_err,
                  r.max_rel_err, r.n_kernels);
}

/* A weight format (int8w, fp16w) on a shared model: the emitted code under the strict flags, the
 * outputs within cosine `least` of torch's; returns the cosine. */
static double check_quantized(const char *name, const char *backend, double least)
{
    char model[256], data[256];
    snprintf(model, sizeof model, MODELS "%s.onnx", name);
    snprintf(data, sizeof data, MODELS "%s_testdata/test_data_set_0", name);
    ait_check_opts o = {"gcc", 0, 0, STRICT, backend, least};
    ait_check_report r;
    ait_diag d = {0};
    if (ait_check_case(model, data, &o, &r, &d) != AIT_OK)
        fail_msg("%s (%s): %s", name, backend, d.msg);
    print_message("%-26s %s: cosine %.6f, max abs err %.3g\n", name, backend, r.cosine, r.max_abs_err);
    return r.cosine;
}

/* Every shared model in each weight format.  fp16 keeps 11 bits of each weight: within 1e-4 of
 * torch's outputs in cosine; int8 per channel within 1e-4 on the small models.  mobilenet_v2
 * (random weights, 52 layers deep) measures 0.9900 with int8 weights (clipping each channel's
 * range for the least squared error did not raise it): held to 0.985. */
static void test_weight_formats(void **s)
{
    (void)s;
    static const char *const models[] = {"mlp", "small_cnn", "tiny_transformer", "mobilenet_v2"};
    static const double int8_least[] = {0.9999, 0.9999, 0.9999, 0.985};
    for (int i = 0; i < 4; i++) {
        check_quantized(models[i], "int8w", int8_least[i]);
        check_quantized(models[i], "fp16w", 0.9999);
    }
}

/* The criterion can fail: a bound no int8 rounding meets refuses the candidate. */
static void test_weight_format_criterion_fails(void **s)
{
    (void)s;
    ait_check_opts o = {"gcc", 0, 0, STRICT, "int8w", 0.9999999999};
    ait_check_report r;
    ait_diag d = {0};
    assert_int_equal(ait_check_case(MODELS "small_cnn.onnx", MODELS "small_cnn_testdata/test_data_set_0", &o, &r, &d),
                     AIT_E_MISMATCH);
    assert_non_null(strstr(d.msg, "cosine similarity"));
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
        cmocka_unit_test(test_weight_formats),
        cmocka_unit_test(test_weight_format_criterion_fails),
    };
    return cmocka_run_group_tests_name("models", tests, NULL, NULL);
}
