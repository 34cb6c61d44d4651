/* The JIT mode's settings ([jit] and AITUNE_JIT_<KEY>) and its persistent cache: a second start
 * of an app reuses the winners of the first, with no trial. */
#include "runtime/rt.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

static const char *const jit_keys[] = {"min_samples", "batch_axis_required", "max_depth_level", "min_parameters",
                                       "detect_graph_breaks", "skip_modules", "dry_run", "backends",
                                       "strategy", "cache_dir", "mode"};

int ait_rt_jit_config(ait_config *c)
{
    for (size_t i = 0; i < sizeof jit_keys / sizeof jit_keys[0]; i++) {
        char var[64], set[1200];
        size_t k = (size_t)snprintf(var, sizeof var, "AITUNE_JIT_");
        for (const char *p = jit_keys[i]; *p && k + 1 < sizeof var; p++)
            var[k++] = (char)toupper((unsigned char)*p);
        var[k] = 0;
        const char *v = getenv(var);
        if (!v)
            continue;
        ait_diag d = {0};
        snprintf(set, sizeof set, "jit.%s=%s", jit_keys[i], v);
        if (ait_config_set(c, set, &d) != AIT_OK)
            return ait_rt_fail(AIT_E_CONFIG, "%s: %s", var, d.msg);
    }
    return 0;
}

/* The entry of this model tuned with this config on this kind of machine: like the trial
 * cache, the key covers every byte that shapes the winner. */
static int cache_entry(const ait_module *m, char *dir, size_t n)
{
    if (!m->cfg.jit_cache_dir[0])
        return 0;
    char canon[8192];
    ait_config_canonical(&m->cfg, canon, sizeof canon);
    XXH64_state_t *h = XXH64_createState();
    XXH64_reset(h, 0);
    XXH64_update(h, "jit-1", 5);
    XXH64_update(h, m->bytes, m->len);
    XXH64_update(h, canon, strlen(canon));
    XXH64_update(h, m->cfg.jit_backends, strlen(m->cfg.jit_backends));
    XXH64_update(h, m->cfg.jit_strategy, strlen(m->cfg.jit_strategy));
    XXH64_update(h, &m->gcc, sizeof m->gcc);
#if defined(__x86_64__)
    __builtin_cpu_init();
    int cpu[3] = {__builtin_cpu_supports("avx512f"), __builtin_cpu_supports("avx2"), __builtin_cpu_supports("fma")};
    XXH64_update(h, cpu, sizeof cpu);
#endif
    unsigned long long key = XXH64_digest(h);
    XXH64_freeState(h);
    snprintf(dir, n, "%s/jit-%016llx", m->cfg.jit_cache_dir, key);
    return 1;
}

int ait_rt_cache_lookup(ait_module *m)
{
    char dir[1200];
    struct stat st;
    if (!cache_entry(m, dir, sizeof dir) || stat(dir, &st) != 0)
        return -1;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s", m->cname);
    if (ait_rt_check_sums(dir) || ait_rt_tuned_open(dir, prefix, &m->tuned)) {
        ait_rt_history(m, "JIT cache entry %s not used: %s", dir, ait_last_error());
        return -1;
    }
    ait_rt_history(m, "Tuned %s from the JIT cache %s (%s), no trial", m->label, dir, m->tuned->backend);
    return 0;
}

void ait_rt_cache_store(ait_module *m)
{
    char dir[1200];
    if (!m->tuned && !m->pending)
        return;
    if (!cache_entry(m, dir, sizeof dir))
        return;
    mkdir(m->cfg.jit_cache_dir, 0755);
    ait_rt_tuned *keep = m->tuned;
    ait_state st = m->state;
    if (!m->tuned) { /* a background tuning's result, not yet swapped in */
        m->tuned = m->pending;
        m->state = AIT_STATE_TUNED;
    }
    int rc = ait_rt_save_to(m, dir);
    m->tuned = keep;
    m->state = st;
    ait_rt_history(m, rc ? "JIT cache: cannot store %s: %s" : "JIT cache: stored %s in %s", m->label,
                   rc ? ait_last_error() : dir);
}
