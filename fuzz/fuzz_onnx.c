/* ONNX bytes to a resolved graph: import, binding symbolic dims, shape inference and constant
 * folding (which compiles and runs reference kernels with libtcc), under small size limits so
 * that a hostile shape is refused rather than allocated. */
#include <stddef.h>
#include <stdint.h>

#include "gen/kernel.h"
#include "gen/model_load.h"
#include "ir/onnx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ait_arena a = {0};
    ait_graph *g;
    ait_diag d = {0};
    if (ait_onnx_load_bytes(&a, "fuzz.onnx", data, size, &g, &d) == AIT_OK) {
        g->limits = (ait_limits){16 << 20, 64 << 20};
        char note[256];
        ait_bind_symbolic_to_one(g, note, sizeof note);
        ait_graph_resolve(g, &d);
    }
    ait_arena_free_all(&a);
    return 0;
}
