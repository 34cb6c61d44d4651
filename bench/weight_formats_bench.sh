#!/bin/sh
# make bench-quant (and part of make bench): the weight formats int8w and fp16w, and calibrated
# int8, against the fp32 simd winner on the shared models, batch 1, one thread: latency, constants, arena and the
# cosine similarity to the reference (strategy min_latency: every candidate profiled at batch 1).
set -eu
cd "$(dirname "$0")/.."
M=$PWD/../shared/models
case ${B:=build} in /*) ;; *) B=$PWD/$B ;; esac
W=$B/bench/weight_formats
mkdir -p "$W"
echo "## Weight formats and int8: int8w, fp16w and int8 against fp32 simd"
echo
echo "Shared models, batch 1, one thread, gcc -O3 -march=native, [tune] strategy = min_latency over simd, int8w,"
echo "fp16w, int8 (each trial's median latency); constants are the emitted weights in bytes; cosine is the least over the"
echo "recorded samples against the reference backend's fp32 outputs."
echo
echo "| model | backend | latency (ms) | vs simd | constants (bytes) | vs simd | arena (bytes) | accuracy |"
echo "|---|---|---|---|---|---|---|---|"
for m in mlp small_cnn tiny_transformer mobilenet_v2; do
  cat > "$W/$m.ini" <<INI
[model]
path = $M/$m.onnx
name = $m
[samples]
path = $M/${m}_testdata
[tune]
strategy = min_latency
backends = simd, int8w, fp16w, int8
budget_s = 20
cache_dir = $W/cache
[output]
dir = $W/out_$m
INI
  $B/aitune-gen "$W/$m.ini" > "$W/$m.log" 2>&1 || { echo "| $m | tuning failed: see $W/$m.log |"; continue; }
  awk -F'|' -v m="$m" '
    function trim(s) { gsub(/^ +| +$/, "", s); return s }
    $2 ~ /^ (simd|int8w|fp16w|int8)\(/ && $3 !~ /batch estimate/ {
      b = trim($2); sub(/\(.*/, "", b); split($9, p, "+");
      lat[b] = trim($8) + 0; con[b] = p[2] + 0; are[b] = trim($10); acc[b] = trim($11); seen[++n] = b }
    END {
      for (i = 1; i <= n; i++) { b = seen[i]; if (done[b]++) continue;
        printf "| %s | %s | %.3f | %.2f | %d | %.2f | %s | %s |\n", m, b, lat[b], lat[b] / lat["simd"], con[b],
               con[b] / con["simd"], are[b], acc[b] } }' "$W/out_$m/$m.report.md"
done
echo
