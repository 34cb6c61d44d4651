#!/bin/sh
# make bench: one run, single thread, medians of repeated runs; prints the
# tables and saves them as bench/results.md.
#   1. GEMM: aitune-c's tuned simd kernel vs OpenBLAS vs the measured FMA peak
#   2. the shared models at batch 1 and 8: emitted code vs onnxruntime-node
#      (one thread) vs aitune-c's reference backend; code size and arena
#   3. tuning time of each model (cold cache, then cached)
set -eu
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
GEN=$PWD/build/aitune-gen
MODELS=$PWD/../shared/models
W=$PWD/build/bench
OUT=bench/results.md
mkdir -p "$W"
rm -rf "$W/cache" "$W/cache-gemm"

if [ ! -d bench/node_modules/onnxruntime-node ]; then
  echo "bench: installing onnxruntime-node (npm, ONNXRUNTIME_NODE_INSTALL=skip)"
  (cd bench && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save --no-audit --no-fund >/dev/null)
fi
ORT_VERSION=$(node -p "require('./bench/node_modules/onnxruntime-node/package.json').version")

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

{
  echo "# aitune-c benchmark"
  echo
  echo "- machine: $(lscpu | sed -n 's/^Model name: *//p'), one core; $(gcc --version | head -1)"
  echo "- OpenBLAS: OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1; onnxruntime-node $ORT_VERSION, intraOpNumThreads=1"
  echo "- every time is the median of 15 timed samples after warm-up (5 when one call takes over 0.5 s); models:"
  echo "  aitune-c and onnxruntime alternate over three such runs, and the median run is reported"
  echo
  echo "## 1. GEMM (Y = A B, B constant), GFLOP/s"
  echo
} > "$OUT"
cat "$OUT"
build/bench/bench_gemm "$W/cache-gemm" | tee -a "$OUT"

{
  echo
  echo "## 2. Models: latency per call (ms) at batch 1 and 8"
  echo
  echo "aitune-c: the winner of highest_throughput over simd, tiled, reference (batch_sizes 1, 8), emitted C"
  echo "built with gcc -O3 -march=native. The models have a static batch of 1: onnxruntime runs a batch of 8 as 8"
  echo "calls, as the emitted code does inside one call. Size: \`size\` text+data of the compiled emitted C"
  echo "(weights included)."
  echo
  echo "| model | batch | aitune-c (ms) | onnxruntime (ms) | reference (ms) | aitune-c / onnxruntime | aitune-c / reference | winner | size (bytes) | arena (bytes) |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} > "$W/models.md"
{
  echo
  echo "## 3. Tuning time (s)"
  echo
  echo "| model | cold cache | cached re-run |"
  echo "|---|---|---|"
} > "$W/tuning.md"

for m in mlp small_cnn tiny_transformer mobilenet_v2; do
  d=$W/$m
  rm -rf "$d"
  mkdir -p "$d"
  cat > "$d/tune.ini" <<INI
[model]
path = $MODELS/$m.onnx
name = $m
[samples]
path = $MODELS/${m}_testdata
batch_sizes = 1, 8
[tune]
strategy = highest_throughput
backends = simd, tiled, reference
cache_dir = $W/cache
[output]
dir = $d/out
INI
  t0=$(now)
  "$GEN" --quiet "$d/tune.ini" > "$d/tune.log" 2>&1
  t1=$(now)
  "$GEN" --quiet "$d/tune.ini" > "$d/tune2.log" 2>&1
  t2=$(now)
  echo "| $m | $(elapsed "$t0" "$t1") | $(elapsed "$t1" "$t2") |" >> "$W/tuning.md"
  winner=$(sed -n 's/^backend = //p' "$d/out/$m.manifest.ini")
  # the reference backend's code for the same spec (its trial is cached)
  "$GEN" --quiet --set tune.strategy=one_backend --set tune.backends=reference --set output.dir="$d/ref" \
      "$d/tune.ini" > "$d/ref.log" 2>&1
  UP=$(echo $m | tr a-z A-Z)
  for v in out ref; do
    gcc -std=c99 -O3 -march=native -I"$d/$v" -DMODEL_H="\"$m.h\"" -DRUN=${m}_run \
        -DIN_N=${UP}_INPUT0_ELEMS_PER_BATCH -DOUT_N=${UP}_OUTPUT0_ELEMS_PER_BATCH \
        -I. -D_POSIX_C_SOURCE=199309L bench/time_model.c ir/clock.c "$d/$v/$m.c" -lm -o "$d/time_$v"
  done
  gcc -std=c99 -O3 -march=native -c "$d/out/$m.c" -I"$d/out" -o "$d/$m.o"
  size_bytes=$(size "$d/$m.o" | awk 'NR == 2 { print $1 + $2 }')
  arena=$(sed -n "s/^#define ${UP}_ARENA_BYTES \([0-9]*\).*/\1/p" "$d/out/$m.h")
  input=$MODELS/${m}_testdata/test_data_set_0/input_0.f32
  for b in 1 8; do
    # aitune-c and onnxruntime alternate over three rounds, each reported as its median: a
    # slow stretch of this shared host then moves both, not one ratio
    o=""; r=""
    for _ in 1 2 3; do
      o="$o $("$d/time_out" "$input" $b)"
      r="$r $(cd bench && node ort_bench.js "$MODELS/$m.onnx" "$input" $b)"
    done
    ours=$(median3 $o)
    ort=$(median3 $r)
    ref=$("$d/time_ref" "$input" $b)
    echo "| $m | $b | $ours | $ort | $ref | $(ratio "$ours" "$ort") | $(ratio "$ours" "$ref") | $winner | $size_bytes | $arena |" \
        >> "$W/models.md"
  done
  echo "bench: $m done"
done

ort_lib=$(find bench/node_modules/onnxruntime-node/bin -name 'libonnxruntime.so*' -type f | head -1)
{
  echo
  echo "For scale: onnxruntime's own library is $(stat -c %s "$ort_lib") bytes ($(basename "$ort_lib")), before any model."
} >> "$W/models.md"
cat "$W/models.md" "$W/tuning.md" | tee -a "$OUT"
echo
echo "saved $OUT"
