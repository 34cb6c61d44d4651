/* Shared by the libFuzzer harnesses: the readers under test take paths, so each input is
 * written to a file of its own in a per-process temp dir first. */
#ifndef AIT_FUZZ_UTIL_H
#define AIT_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Path of a file holding exactly data[size], named `name` in the harness's temp dir. */
static inline const char *ait_fuzz_file(const char *name, const uint8_t *data, size_t size)
{
    static char dir[64], path[160];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/aitune-fuzz-%ld", (long)getpid());
        mkdir(dir, 0700);
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size) {
        perror(path);
        abort();
    }
    fclose(f);
    return path;
}

#endif
