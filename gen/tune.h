/* aitune-gen's main job: config -> samples -> recording -> graph spec ->
 * strategy over backends -> out/<name>.{c,h,report.md,manifest.ini}. */
#ifndef AIT_TUNE_H
#define AIT_TUNE_H

#include <stdio.h>

#include "gen/config.h"

typedef struct {
    const char *cmdline;   /* for banners and the report */
    FILE *log;             /* progress and tables; NULL: quiet */
} ait_tune_opts;

ait_status ait_tune_config(const ait_config *c, const ait_tune_opts *o, ait_diag *d);

/* Re-emits out/<name>.{c,h} from a manifest without tuning. */
ait_status ait_tune_load_manifest(const char *manifest, const ait_tune_opts *o, ait_diag *d);

#endif
