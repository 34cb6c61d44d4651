/* Saved artifacts: a tuned module's files (the C, the shared object, the manifest, the report),
 * the model, module.ini, and SHA256SUMS over all of them (`sha256sum -c SHA256SUMS` checks
 * them too).  Loading checks every sum and the model's hash before anything is dlopened. */
#define _GNU_SOURCE /* mkdtemp */
#include "runtime/rt.h"

#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ir/escape.h"

enum { MAX_FILES = 16 };

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    int ok = in && out;
    char buf[1 << 16];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    ok = ok && !ferror(in);
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

void ait_rt_remove_dir(const char *dir)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return;
    struct dirent *e;
    while ((e = readdir(dp))) {
        char p[2400];
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    }
    closedir(dp);
    rmdir(dir);
}

/* The files of the tuned code that an artifact carries. */
static int tuned_files(const ait_rt_tuned *t, char names[MAX_FILES][96])
{
    static const char *const suffix[] = {".h", ".c", "_weights.c", "_pthreads.c", ".report.md", ".manifest.ini",
                                         "_rt.c", ".so"};
    int n = 0;
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        char p[1300];
        struct stat st;
        snprintf(names[n], sizeof names[n], "%s%s", t->name, suffix[i]);
        snprintf(p, sizeof p, "%s/%s", t->dir, names[n]);
        if (stat(p, &st) == 0)
            n++;
    }
    return n;
}

/* Writes the artifact into a fresh folder beside dir, then puts it in place: a failed save
 * leaves no half-written artifact. */
int ait_rt_save_to(const ait_module *m, const char *dir)
{
    const ait_rt_tuned *t = m->tuned;
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", dir);
    if (strlen(dir) > 1000 || !mkdtemp(tmp))
        return ait_rt_fail(AIT_E_IO, "%s: cannot make a folder beside it: %s", dir, strerror(errno));
    char names[MAX_FILES][96];
    int n = tuned_files(t, names), rc = 0;
    char from[4096], to[4096];
    for (int i = 0; i < n && !rc; i++) {
        snprintf(from, sizeof from, "%s/%s", t->dir, names[i]);
        snprintf(to, sizeof to, "%s/%s", tmp, names[i]);
        if (copy_file(from, to))
            rc = ait_rt_fail(AIT_E_IO, "%s: cannot copy to %s", from, to);
    }
    snprintf(names[n++], sizeof names[0], "model.onnx");
    snprintf(to, sizeof to, "%s/model.onnx", tmp);
    FILE *mf = rc ? NULL : fopen(to, "wb");
    if (!rc && (!mf || fwrite(m->bytes, 1, m->len, mf) != m->len))
        rc = ait_rt_fail(AIT_E_IO, "%s: cannot write", to);
    if (mf && fclose(mf) != 0 && !rc)
        rc = ait_rt_fail(AIT_E_IO, "%s: cannot write", to);
    char model_hex[65] = "", label[600], info[2048];
    if (!rc && ait_sha256_file(to, model_hex))
        rc = ait_rt_fail(AIT_E_IO, "%s: cannot read back", to);
    snprintf(info, sizeof info,
             "; libaitune artifact: ait_module_load(<this folder>) runs it; SHA256SUMS covers every file\n"
             "[module]\nname = %s\nprefix = %s\nmodel_sha256 = %s\nbackend = %s\n",
             ait_esc_buf(label, sizeof label, AIT_ESC_INI, m->label), t->name, model_hex, t->backend);
    snprintf(names[n++], sizeof names[0], "module.ini");
    snprintf(to, sizeof to, "%s/module.ini", tmp);
    if (!rc && write_text(to, info))
        rc = ait_rt_fail(AIT_E_IO, "%s: cannot write", to);
    /* the sums, last */
    char sums[MAX_FILES * 200] = "";
    size_t k = 0;
    for (int i = 0; i < n && !rc; i++) {
        char hex[65];
        snprintf(from, sizeof from, "%s/%s", tmp, names[i]);
        if (ait_sha256_file(from, hex))
            rc = ait_rt_fail(AIT_E_IO, "%s: cannot read back", from);
        k += (size_t)snprintf(sums + k, sizeof sums - k, "%s  %s\n", hex, names[i]);
    }
    snprintf(to, sizeof to, "%s/SHA256SUMS", tmp);
    if (!rc && write_text(to, sums))
        rc = ait_rt_fail(AIT_E_IO, "%s: cannot write", to);
    if (!rc) {
        char old[2400];
        snprintf(old, sizeof old, "%s.old-%ld", dir, (long)getpid());
        int had = rename(dir, old) == 0;
        if (rename(tmp, dir) != 0) {
            rc = ait_rt_fail(AIT_E_IO, "%s: cannot put the artifact in place: %s", dir, strerror(errno));
            if (had)
                rename(old, dir);
        } else if (had) {
            ait_rt_remove_dir(old);
        }
    }
    if (rc)
        ait_rt_remove_dir(tmp);
    return rc;
}

int ait_module_save(const ait_module *cm, const char *dir)
{
    if (!cm || !dir || !*dir)
        return ait_rt_fail(AIT_E_ARG, "ait_module_save: %s is NULL", cm ? "dir" : "module");
    ait_module *m = (ait_module *)cm;
    pthread_mutex_lock(&m->lock);
    int rc = m->state != AIT_STATE_TUNED || !m->tuned
                 ? ait_rt_fail(AIT_E_STATE, "module '%s' is not tuned (state %s): nothing to save", m->label,
                               ait_state_str(m->state))
                 : ait_rt_save_to(m, dir);
    if (!rc)
        ait_rt_history(m, "Saved %s to %s", m->label, dir);
    pthread_mutex_unlock(&m->lock);
    return rc;
}

/* --- load ------------------------------------------------------------------------------ */

typedef struct {
    char name[600], prefix[64], model_sha256[65];
} module_ini;

static int on_module_ini(void *user, const char *section, const char *key, const char *value)
{
    module_ini *mi = user;
    if (strcmp(section, "module") != 0)
        return 1;
    if (!strcmp(key, "name"))
        return ait_unesc_ini(mi->name, sizeof mi->name, value) == 0;
    if (!strcmp(key, "prefix"))
        snprintf(mi->prefix, sizeof mi->prefix, "%s", value);
    else if (!strcmp(key, "model_sha256"))
        snprintf(mi->model_sha256, sizeof mi->model_sha256, "%s", value);
    return 1;
}

/* Every file SHA256SUMS names has its sum, names stay inside the folder, and the files an
 * artifact needs are among them. */
int ait_rt_check_sums(const char *dir)
{
    char path[1300];
    snprintf(path, sizeof path, "%s/SHA256SUMS", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return ait_rt_fail(AIT_E_INTEGRITY, "%s: no SHA256SUMS: not a libaitune artifact", dir);
    char line[512];
    int n = 0, have_ini = 0, have_model = 0, have_manifest = 0, rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        char hex[65], name[256], got[65];
        int used = -1;
        if (sscanf(line, "%64[0-9a-f]  %255[^\n]%n", hex, name, &used) != 2 || strlen(hex) != 64 ||
            strchr(name, '/') || name[0] == '.') {
            rc = ait_rt_fail(AIT_E_INTEGRITY, "%s: line %d is not '<sha256>  <file>'", path, n + 1);
            break;
        }
        snprintf(path, sizeof path, "%s/%s", dir, name);
        if (ait_sha256_file(path, got))
            rc = ait_rt_fail(AIT_E_INTEGRITY, "%s: listed in SHA256SUMS but missing", path);
        else if (strcmp(got, hex) != 0)
            rc = ait_rt_fail(AIT_E_INTEGRITY, "%s: SHA-256 %s does not match SHA256SUMS (%s): the artifact was changed",
                             path, got, hex);
        have_ini |= !strcmp(name, "module.ini");
        have_model |= !strcmp(name, "model.onnx");
        size_t l = strlen(name);
        have_manifest |= l > 13 && !strcmp(name + l - 13, ".manifest.ini");
        n++;
    }
    fclose(f);
    if (!rc && (!have_ini || !have_model || !have_manifest))
        rc = ait_rt_fail(AIT_E_INTEGRITY, "%s: SHA256SUMS lacks module.ini, model.onnx or the manifest", dir);
    return rc;
}

ait_module *ait_module_load(const char *dir)
{
    if (!dir) {
        ait_rt_fail(AIT_E_ARG, "ait_module_load: dir is NULL");
        return NULL;
    }
    if (strlen(dir) > 900) {
        ait_rt_fail(AIT_E_ARG, "ait_module_load: the folder name is longer than 900 bytes");
        return NULL;
    }
    if (ait_rt_check_sums(dir))
        return NULL;
    char path[1300], model[1300], hex[65];
    module_ini mi = {0};
    snprintf(path, sizeof path, "%s/module.ini", dir);
    if (ini_parse(path, on_module_ini, &mi) != 0 || !mi.prefix[0] || !mi.model_sha256[0]) {
        ait_rt_fail(AIT_E_PARSE, "%s: not a libaitune module.ini", path);
        return NULL;
    }
    snprintf(model, sizeof model, "%s/model.onnx", dir);
    if (ait_sha256_file(model, hex) || strcmp(hex, mi.model_sha256) != 0) {
        ait_rt_fail(AIT_E_INTEGRITY, "%s: the model's SHA-256 is not the one module.ini records", model);
        return NULL;
    }
    ait_config *c = malloc(sizeof *c);
    if (!c) {
        ait_rt_fail(AIT_E_IO, "out of memory");
        return NULL;
    }
    ait_config_defaults(c);
    ait_module *m = ait_rt_open(model, mi.name, c, 0);
    free(c);
    if (!m)
        return NULL;
    if (ait_rt_tuned_open(dir, mi.prefix, &m->tuned)) {
        ait_module_close(m);
        return NULL;
    }
    m->state = AIT_STATE_TUNED;
    ait_rt_history(m, "Loaded %s from %s (%s)", m->label, dir, m->tuned->backend);
    return m;
}
