/* Trial results cached under [tune] cache_dir, one small text file per key
 * (an xxhash of the model bytes, graph spec, recorded data, backend key and
 * knobs, the generated source, compiler and flags).  Each file ends with a
 * checksum line; an entry that fails it is reported and rebuilt. */
#ifndef AIT_CACHE_H
#define AIT_CACHE_H

#include "strategies/trial.h"

typedef enum { AIT_CACHE_MISS, AIT_CACHE_HIT, AIT_CACHE_CORRUPT } ait_cache_lookup;

ait_cache_lookup ait_cache_get(const char *dir, unsigned long long key, ait_trial_result *r);
/* Best effort: a cache that cannot be written only costs time. Returns 0 on success. */
int ait_cache_put(const char *dir, unsigned long long key, const ait_trial_result *r);
void ait_cache_path(const char *dir, unsigned long long key, char *buf, size_t n);

/* Binary entries (recorded reference outputs): `<key>.blob`, the bytes then their xxh64.
 * A hit fills exactly len bytes; a wrong size or checksum is CORRUPT. */
int ait_cache_put_blob(const char *dir, unsigned long long key, const void *data, size_t len);
ait_cache_lookup ait_cache_get_blob(const char *dir, unsigned long long key, void *data, size_t len);

#endif
