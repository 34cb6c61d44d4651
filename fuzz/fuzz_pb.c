/* The ONNX TensorProto sample reader (test_data_set_N/input_K.pb). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz/fuzz_util.h"
#include "ir/onnx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ait_arena a = {0};
    ait_tensor t;
    ait_diag d = {0};
    ait_onnx_load_tensor(&a, ait_fuzz_file("input_0.pb", data, size), &t, &d);
    ait_arena_free_all(&a);
    return 0;
}
