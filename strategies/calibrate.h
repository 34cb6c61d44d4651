/* Calibration for the int8 backend: the ranges of the tensors its integer kernels quantize,
 * measured on the recorded samples.  The reference graph after the graph passes (as every
 * candidate has it) is emitted with those tensors as extra outputs and run in the sandbox on
 * every recorded batch: [tune] calib_method = minmax keeps each tensor's least and greatest
 * value; percentile (the default) runs a second time to fill a histogram over that range and
 * keeps tune.calib_percentile % of the values inside, clipping the rest evenly from both ends. */
#ifndef AIT_CALIBRATE_H
#define AIT_CALIBRATE_H

#include <stdio.h>

#include "ir/calib.h"
#include "strategies/record.h"
#include "strategies/tuner.h"

ait_status ait_calibrate(ait_arena *a, const ait_config *c, const ait_target_graph *tg, const ait_recording *rec,
                         ait_calib **out, FILE *log, ait_diag *d);

#endif
