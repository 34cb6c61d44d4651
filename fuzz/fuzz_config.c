/* config.ini, and one --set override taken from its first line. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/fuzz_util.h"
#include "gen/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ait_config c;
    ait_diag d = {0};
    ait_config_load(&c, ait_fuzz_file("config.ini", data, size), &d);
    char set[256];
    size_t n = size < sizeof set - 1 ? size : sizeof set - 1;
    memcpy(set, data, n);
    set[n] = 0;
    set[strcspn(set, "\n")] = 0;
    ait_config_defaults(&c);
    ait_diag d2 = {0};
    ait_config_set(&c, set, &d2);
    return 0;
}
