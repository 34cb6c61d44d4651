#!/bin/sh
# make bench (part 4) and make bench-zoo: every zoo model (zoo/export.py's layout under ZOO_DIR) at
# batch 1, tuned by highest_throughput over simd, tiled, reference, its emitted C (gcc -O3
# -march=native) against onnxruntime-node, with one thread and with two ([target] threads = 2,
# tuned again at that count, against intraOpNumThreads 2), interleaved over three rounds (each the
# median of 15 samples; the median round reported).  Prints a Markdown table with per-model ratios
# and their geometric means, and saves it as build/bench/zoo.md.
#   bench/zoo_bench.sh [ZOO_DIR] [model ...]
# ZOO_BUDGET_S: the knob budget (default 60); ZOO_CACHE: the tuning cache (default ZOO_DIR/work/cache;
# a fresh directory measures a first tune).
cd "$(dirname "$0")/.." || exit 2
TOP=$PWD
Z=${1:-build/zoo}; [ $# -gt 0 ] && shift
Z=$(cd "$Z" && pwd) || exit 2
GEN=$TOP/build/aitune-gen
W=$TOP/build/bench/zoo
OUT=$TOP/build/bench/zoo.md
mkdir -p "$W"
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else printf "-" }'; }
models=$*
[ -n "$models" ] || models=$(cd "$Z" && ls -d */ | tr -d / | grep -v '^work$')
{
  echo "| model | winner | aitune-c 1 thread (ms) | onnxruntime 1 thread (ms) | ratio 1T | aitune-c 2 threads (ms) | onnxruntime 2 threads (ms) | ratio 2T |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
} > "$W/table.md"
r1s=""; r2s=""
for m in $models; do
  d=$Z/$m
  [ -f "$d/meta.json" ] || continue
  dtype=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['inputs'][0]['dtype'])" "$d/meta.json")
  ctype=float; ort_t=float32; [ "$dtype" = int64 ] && ctype=int64_t && ort_t=int64
  o=$W/$m
  rm -rf "$o"; mkdir -p "$o"
  for th in 1 2; do
  cat > "$o/config$th.ini" <<INI
[model]
path = $d/model.onnx
name = net
[samples]
path = $d
batch_sizes = 1
[tune]
strategy = highest_throughput
backends = simd, tiled, reference
budget_s = ${ZOO_BUDGET_S:-60}
rtol = ${ZOO_RTOL:-1e-3}
atol = ${ZOO_ATOL:-1e-3}
cache_dir = ${ZOO_CACHE:-$Z/work/cache}
[target]
threads = $th
[output]
dir = $o/out$th
INI
  done
  if ! "$GEN" --quiet "$o/config1.ini" > "$o/tune.log" 2>&1 || ! "$GEN" --quiet "$o/config2.ini" >> "$o/tune.log" 2>&1; then
    echo "| $m | not tuned: $(grep -v '^ ' "$o/tune.log" | tail -1 | cut -c1-60 | tr '|' '/') | | | | | | |" >> "$W/table.md"
    continue
  fi
  winner=$(sed -n 's/^backend = //p' "$o/out1/net.manifest.ini")
  built=1
  for th in 1 2; do
    gcc -std=c99 -O3 -march=native -ffp-contract=fast -I"$o/out$th" -DMODEL_H='"net.h"' -DRUN_IO=net_run_io \
        -DARENA=NET_ARENA_BYTES -DIN_T=$ctype -DIN_N=NET_INPUT0_ELEMS_PER_BATCH -DOUT_N=NET_OUTPUT0_ELEMS_PER_BATCH \
        -I. -D_POSIX_C_SOURCE=199309L bench/time_model.c ir/clock.c "$o/out$th/net.c" \
        $([ -f "$o/out$th/net_weights.c" ] && echo "$o/out$th/net_weights.c") \
        $([ -f "$o/out$th/net_pthreads.c" ] && echo "$o/out$th/net_pthreads.c -pthread") -lm -o "$o/time$th" || built=0
  done
  [ $built = 1 ] || continue
  a=""; a2=""; b=""; c=""
  for _ in 1 2 3; do
    a="$a $("$o/time1" "$d/input_0.bin" 1)"
    a2="$a2 $("$o/time2" "$d/input_0.bin" 1)"
    b="$b $(cd bench && node ort_bench.js "$d/model.onnx" "$d/input_0.bin" 1 1 $ort_t)"
    c="$c $(cd bench && node ort_bench.js "$d/model.onnx" "$d/input_0.bin" 1 2 $ort_t)"
  done
  ours=$(median3 $a); ours2=$(median3 $a2); ort1=$(median3 $b); ort2=$(median3 $c)
  q1=$(ratio "$ours" "$ort1"); q2=$(ratio "$ours2" "$ort2")
  r1s="$r1s $q1"; r2s="$r2s $q2"
  echo "| $m | $winner | $ours | $ort1 | $q1 | $ours2 | $ort2 | $q2 |" >> "$W/table.md"
  echo "bench-zoo: $m $ours / $ours2 ms, onnxruntime $ort1 / $ort2 ms" >&2
done
geo() { echo "$@" | tr ' ' '\n' | awk '$1 > 0 { s += log($1); n++ } END { if (n) printf "%.2f", exp(s / n); else printf "-" }'; }
{
  echo
  echo "## 4. The zoo at batch 1: aitune-c against onnxruntime"
  echo
  echo "aitune-c: highest_throughput over simd, tiled, reference; emitted C built with gcc -O3 -march=native, in"
  echo "one thread and in two ([target] threads = 2, its pool). onnxruntime-node with intraOpNumThreads 1 and 2."
  echo "Ratio: aitune-c's latency over onnxruntime's at the same thread count (below 1: aitune-c is faster)."
  echo
  cat "$W/table.md"
  echo
  echo "Geometric mean of the ratios: $(geo $r1s) in one thread, $(geo $r2s) in two."
} > "$OUT"
cat "$OUT"
