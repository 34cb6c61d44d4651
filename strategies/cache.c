#include "strategies/cache.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

void ait_cache_path(const char *dir, unsigned long long key, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%016llx.trial", dir, key);
}

static int mkdirs(const char *dir)
{
    char p[1024];
    snprintf(p, sizeof p, "%s", dir);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            mkdir(p, 0755);
            *s = '/';
        }
    return mkdir(p, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

static int format(const ait_trial_result *r, unsigned long long key, char *buf, size_t n)
{
    char msg[sizeof r->msg];
    snprintf(msg, sizeof msg, "%s", r->msg);
    for (char *c = msg; *c; c++)
        if (*c == '\n')
            *c = ' ';
    return snprintf(buf, n,
                    "aitune-trial 1\nkey=%016llx\nstatus=%d\nmsg=%s\nmax_abs_err=%.17g\nmax_rel_err=%.17g\n"
                    "latency_s=%.17g\nprofile_batch=%d\nthroughput=%.17g\nbuild_s=%.17g\nvalidate_s=%.17g\n"
                    "profile_s=%.17g\ncode_bytes=%lld\nquant_score=%.17g\n",
                    key, (int)r->status, msg, r->max_abs_err, r->max_rel_err, r->latency_s, r->profile_batch,
                    r->throughput, r->build_s, r->validate_s, r->profile_s, r->code_bytes, r->quant_score);
}

/* Writes parts (in order) to path through a temporary file and a rename: readers never
 * see half an entry. */
static int write_atomic(const char *dir, const char *path, const void *const *parts, const size_t *lens, int n)
{
    if (mkdirs(dir) != 0)
        return -1;
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return -1;
    int ok = 1;
    for (int i = 0; i < n; i++)
        ok &= fwrite(parts[i], 1, lens[i], f) == lens[i];
    if (fclose(f) != 0 || !ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

int ait_cache_put(const char *dir, unsigned long long key, const ait_trial_result *r)
{
    char body[2048], path[1100];
    int n = format(r, key, body, sizeof body);
    if (n < 0 || (size_t)n >= sizeof body - 40)
        return -1;
    n += snprintf(body + n, sizeof body - (size_t)n, "checksum=%016llx\n",
                  (unsigned long long)XXH64(body, (size_t)n, 0));
    ait_cache_path(dir, key, path, sizeof path);
    const void *parts[1] = {body};
    size_t lens[1] = {(size_t)n};
    return write_atomic(dir, path, parts, lens, 1);
}

static void blob_path(const char *dir, unsigned long long key, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%016llx.blob", dir, key);
}

int ait_cache_put_blob(const char *dir, unsigned long long key, const void *data, size_t len)
{
    char path[1100];
    blob_path(dir, key, path, sizeof path);
    unsigned long long sum = (unsigned long long)XXH64(data, len, key);
    const void *parts[2] = {data, &sum};
    size_t lens[2] = {len, sizeof sum};
    return write_atomic(dir, path, parts, lens, 2);
}

ait_cache_lookup ait_cache_get_blob(const char *dir, unsigned long long key, void *data, size_t len)
{
    char path[1100];
    blob_path(dir, key, path, sizeof path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return AIT_CACHE_MISS;
    unsigned long long sum = 0;
    char extra;
    int ok = fread(data, 1, len, f) == len && fread(&sum, sizeof sum, 1, f) == 1 && fread(&extra, 1, 1, f) == 0;
    fclose(f);
    return ok && sum == (unsigned long long)XXH64(data, len, key) ? AIT_CACHE_HIT : AIT_CACHE_CORRUPT;
}

ait_cache_lookup ait_cache_get(const char *dir, unsigned long long key, ait_trial_result *r)
{
    char path[1100], body[2048];
    ait_cache_path(dir, key, path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f)
        return AIT_CACHE_MISS;
    size_t n = fread(body, 1, sizeof body - 1, f);
    fclose(f);
    body[n] = 0;
    char *sum = strstr(body, "checksum=");
    if (!sum)
        return AIT_CACHE_CORRUPT;
    unsigned long long want = strtoull(sum + 9, NULL, 16);
    if (want != (unsigned long long)XXH64(body, (size_t)(sum - body), 0))
        return AIT_CACHE_CORRUPT;
    memset(r, 0, sizeof *r);
    unsigned long long k = 0;
    int status = 0;
    char *msg = strstr(body, "\nmsg="), *eol = msg ? strchr(msg + 1, '\n') : NULL;
    if (!msg || !eol ||
        sscanf(body, "aitune-trial 1\nkey=%llx\nstatus=%d\n", &k, &status) != 2 || k != key ||
        sscanf(eol + 1,
               "max_abs_err=%lf\nmax_rel_err=%lf\nlatency_s=%lf\nprofile_batch=%d\nthroughput=%lf\nbuild_s=%lf\n"
               "validate_s=%lf\nprofile_s=%lf\n",
               &r->max_abs_err, &r->max_rel_err, &r->latency_s, &r->profile_batch, &r->throughput, &r->build_s,
               &r->validate_s, &r->profile_s) != 8)
        return AIT_CACHE_CORRUPT;
    size_t ml = (size_t)(eol - (msg + 5));
    if (ml >= sizeof r->msg)
        ml = sizeof r->msg - 1;
    memcpy(r->msg, msg + 5, ml);
    r->msg[ml] = 0;
    const char *cb = strstr(eol, "\ncode_bytes="); /* entries from before it have none: unknown */
    r->code_bytes = cb ? strtoll(cb + 12, NULL, 10) : 0;
    const char *qs = strstr(eol, "\nquant_score=");
    r->quant_score = qs ? strtod(qs + 13, NULL) : 0;
    r->status = (ait_status)status;
    r->cached = 1;
    return AIT_CACHE_HIT;
}
