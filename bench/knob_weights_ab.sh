#!/bin/sh
# One zoo model tuned simd-only with [tune] knob_weights hot and cold, both builds timed
# interleaved five times (ms per run): does the cold ranking make the model faster?
#   bench/knob_weights_ab.sh MODEL   (a build/zoo model; work in build/bench/ab/MODEL)
cd "$(dirname "$0")/.." || exit 2
m=$1; d=build/zoo/$m; o=$PWD/build/bench/ab/$m; rm -rf $o; mkdir -p $o
for w in hot cold; do
cat > $o/$w.ini <<INI
[model]
path = $PWD/$d/model.onnx
name = net
[samples]
path = $PWD/$d
batch_sizes = 1
[tune]
strategy = highest_throughput
backends = simd
budget_s = 120
rtol = 1e-3
atol = 1e-3
cache_dir = $PWD/build/bench/ab/cache
knob_weights = $w
[output]
dir = $o/$w
INI
build/aitune-gen --quiet $o/$w.ini > $o/$w.log 2>&1 || { tail -3 $o/$w.log; exit 1; }
gcc -std=c99 -O3 -march=native -ffp-contract=fast -I$o/$w -DMODEL_H='"net.h"' -DRUN_IO=net_run_io \
  -DARENA=NET_ARENA_BYTES -DIN_T=float -DIN_N=NET_INPUT0_ELEMS_PER_BATCH -DOUT_N=NET_OUTPUT0_ELEMS_PER_BATCH \
  -I. -D_POSIX_C_SOURCE=199309L bench/time_model.c ir/clock.c $o/$w/net.c $([ -f $o/$w/net_weights.c ] && echo $o/$w/net_weights.c) -lm -o $o/t_$w
done
grep -h "knob search" $o/hot.log $o/cold.log
for i in 1 2 3 4 5; do echo "hot $($o/t_hot $d/input_0.bin 1) cold $($o/t_cold $d/input_0.bin 1)"; done
