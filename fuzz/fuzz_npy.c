/* The .npy sample reader. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz/fuzz_util.h"
#include "ir/samples.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ait_arena a = {0};
    ait_tensor t;
    ait_diag d = {0};
    ait_npy_load(&a, ait_fuzz_file("input_0.npy", data, size), &t, &d);
    ait_arena_free_all(&a);
    return 0;
}
