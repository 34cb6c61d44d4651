/* The manifest `aitune-gen --load` reads.  A manifest that names a model that exists goes on
 * to re-emit its code into the harness's temp dir. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz/fuzz_util.h"
#include "strategies/pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ait_diag d = {0};
    ait_tune_opts o = {.cmdline = "fuzz", .log = NULL};
    ait_tune_load_manifest(ait_fuzz_file("m.manifest.ini", data, size), &o, &d);
    return 0;
}
