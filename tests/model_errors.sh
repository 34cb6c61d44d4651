#!/bin/sh
# Prints the max abs error of every shared model's emitted code against the PyTorch expected
# outputs (test_data_set_0), per backend: each tuned alone (one_backend), built with
# cc -O3 -march=native, run by tests/run_emitted.c.  Run after `make`; about 3 minutes.
cd "$(dirname "$0")/.." || exit 2
MODELS=$PWD/../shared/models
T=$(mktemp -d /tmp/aitune-err.XXXXXX)
trap 'rm -rf "$T"' EXIT
status=0
for m in mlp small_cnn tiny_transformer tiny_transformer_opset17 mobilenet_v2; do
  UP=$(echo $m | tr a-z A-Z)
  for be in reference simd tiled; do
    d=$T/${m}_$be
    printf '[model]\npath = %s/%s.onnx\nname = %s\n[samples]\npath = %s/%s_testdata\n[tune]\nstrategy = one_backend\nbackends = %s\ncache_dir = %s/cache\n[output]\ndir = %s\n' \
      "$MODELS" $m $m "$MODELS" $m $be "$T" "$d" > "$d.ini"
    if ! build/aitune-gen --quiet "$d.ini" > "$T/log" 2>&1; then
      echo "$m $be: tuning failed"; status=1; continue
    fi
    cc -std=c99 -O3 -march=native -I"$d" -DMODEL_H="\"$m.h\"" -DRUN=${m}_run -DIN_N=${UP}_INPUT0_ELEMS_PER_BATCH \
      -DOUT_N=${UP}_OUTPUT0_ELEMS_PER_BATCH tests/run_emitted.c "$d/$m.c" -lm -o "$d/run" || { status=1; continue; }
    out=$("$d/run" "$MODELS/${m}_testdata/test_data_set_0/input_0.f32" "$MODELS/${m}_testdata/test_data_set_0/output_0.f32") || status=1
    echo "$m $be: $out"
  done
done
exit $status
