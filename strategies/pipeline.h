/* The pipeline both front ends call (aitune-gen's gen/main.c and libaitune's runtime/):
 * config -> samples -> recording -> graph spec -> strategy over backends ->
 * <out>/<name>.{c,h,report.md,manifest.ini}.  It keeps no state between calls, so two
 * modules may be tuned in one process at once. */
#ifndef AIT_PIPELINE_H
#define AIT_PIPELINE_H

#include <stdio.h>

#include "gen/config.h"

#include "ir/samples.h"

typedef struct {
    const char *cmdline;   /* for banners and the report */
    FILE *log;             /* progress and tables; NULL: quiet */
    /* (optional) the samples to record, in place of [samples] path: the runtime's recorded
     * calls, each checked against the model as loaded samples are */
    const ait_sample *samples;
    int n_samples;
} ait_tune_opts;

ait_status ait_tune_config(const ait_config *c, const ait_tune_opts *o, ait_diag *d);

/* Re-emits out/<name>.{c,h} from a manifest without tuning. */
ait_status ait_tune_load_manifest(const char *manifest, const ait_tune_opts *o, ait_diag *d);

#endif
