#include "gen/output.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ait_status ait_output_check_dir(const char *dir, ait_diag *d)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (mkdir(dir, 0755) != 0)
            return ait_fail(d, AIT_E_IO, "%s: cannot create output dir: %s", dir, strerror(errno));
    } else if (!S_ISDIR(st.st_mode)) {
        return ait_fail(d, AIT_E_IO, "%s: output dir is not a directory", dir);
    }
    char probe[1200];
    snprintf(probe, sizeof probe, "%s/.aitune-probe.%ld", dir, (long)getpid());
    FILE *f = fopen(probe, "w");
    if (!f)
        return ait_fail(d, AIT_E_IO, "%s: output dir is not writable: %s", dir, strerror(errno));
    fclose(f);
    unlink(probe);
    return AIT_OK;
}

ait_status ait_output_write(const char *dir, const ait_out_file *files, int n, ait_diag *d)
{
    AIT_TRY(ait_output_check_dir(dir, d));
    char tmp[16][1200];
    int written = 0;
    ait_status s = AIT_OK;
    for (int i = 0; i < n && i < 16; i++) {
        snprintf(tmp[i], sizeof tmp[i], "%s/.%s.tmp.%ld", dir, files[i].name, (long)getpid());
        FILE *f = fopen(tmp[i], "wb");
        if (!f) {
            s = ait_fail(d, AIT_E_IO, "%s: cannot write: %s", tmp[i], strerror(errno));
            break;
        }
        written++;
        int ok = fwrite(files[i].text, 1, files[i].len, f) == files[i].len;
        if (fclose(f) != 0 || !ok) {
            s = ait_fail(d, AIT_E_IO, "%s/%s: write failed (disk full?)", dir, files[i].name);
            break;
        }
    }
    if (s != AIT_OK) {
        for (int i = 0; i < written; i++)
            unlink(tmp[i]);
        return s;
    }
    for (int i = 0; i < n; i++) {
        char final[1200];
        snprintf(final, sizeof final, "%s/%s", dir, files[i].name);
        if (rename(tmp[i], final) != 0) {
            s = ait_fail(d, AIT_E_IO, "%s: cannot rename into place: %s", final, strerror(errno));
            for (int j = i; j < n; j++)
                unlink(tmp[j]);
            return s;
        }
    }
    return AIT_OK;
}
