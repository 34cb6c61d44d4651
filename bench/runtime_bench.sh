#!/bin/sh
# make bench-runtime: libaitune on the shared models (build/bench/bench_runtime), one thread.
set -eu
cd "$(dirname "$0")/.."
M=$PWD/../shared/models
W=$PWD/build/bench/runtime
mkdir -p "$W"
echo "## libaitune: eager vs tuned calls, time to tuned, dispatch overhead"
echo
echo "JIT mode, tune_eager, min_samples 2, default backends (simd, tiled, reference), batch 1; eager is the"
echo "reference compiled by libtcc for the call's shape; 'first call to tuned' includes the eager calls and the"
echo "trials (cold trial cache); 'cached start' is ait_module_open to the end of the first call with"
echo "AITUNE_JIT_CACHE_DIR holding the first start's winner; medians of interleaved repetitions."
echo
args=""
for m in mlp small_cnn mobilenet_v2 tiny_transformer; do
  d=$M/${m}_testdata/test_data_set_0
  args="$args $M/$m.onnx:$d/input_0.f32:$d/input_0.shape:$d/output_0.f32"
done
cd "$W" && rm -rf .aitune-cache && "$OLDPWD/build/bench/bench_runtime" "$W" $args
echo
