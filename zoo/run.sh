#!/bin/sh
# make zoo: every model under ZOO_DIR (zoo/export.py's layout) tuned with the reference backend
# and with simd, the emitted C built and run on torch's input and compared with torch's output;
# the reference also against onnxruntime-node (torch's input, and a random one).  Prints a
# Markdown table and "N passed, N failed" (a model passes when both backends match torch and
# onnxruntime agrees; an unsupported op is listed by name and counted apart).
#   zoo/run.sh [ZOO_DIR] [model ...]      ZOO_TUNE_TIMEOUT (s, default 1800), ZOO_BUDGET_S (30),
#                                         ZOO_RTOL, ZOO_ATOL (tune.rtol, tune.atol: 1e-3),
#                                         ZOO_THREADS (target.threads of the simd runs: 1)
cd "$(dirname "$0")/.." || exit 2
TOP=$PWD
Z=${1:-build/zoo}; [ $# -gt 0 ] && shift
Z=$(cd "$Z" && pwd) || exit 2
GEN=$TOP/build/aitune-gen
W=$Z/work
mkdir -p "$W"
TIMEOUT=${ZOO_TUNE_TIMEOUT:-1800}
BUDGET=${ZOO_BUDGET_S:-30}
# deep fp32 nets (resnet50, fcn_resnet50, inception_v3) differ from the double-accumulating
# reference by more than the default rtol 1e-4 / atol 1e-5 at elements near 0, as torch itself
# does: candidates are validated at the zoo's tolerance, then judged against torch (within)
RTOL=${ZOO_RTOL:-1e-3}
ATOL=${ZOO_ATOL:-1e-3}
THREADS=${ZOO_THREADS:-1}
ORT=0; [ -d bench/node_modules/onnxruntime-node ] && ORT=1
# a model matches when max |got - expected| <= 1e-4 + 1e-3 max |expected|
within() { awk -v e="$1" -v m="$2" 'BEGIN { exit !(e != "inf" && e != "nan" && e + 0 <= 1e-4 + 1e-3 * m) }'; }
models=$*
[ -n "$models" ] || models=$(cd "$Z" && ls -d */ | tr -d / | grep -v '^work$')
pass=0; fail=0; unsup=0
table=$W/table.md
printf '| model | nodes | reference | simd | max err ref / simd (max abs out) | onnxruntime vs torch / vs ref on random | tune s ref / simd |\n|---|---:|---|---|---|---|---|\n' >"$table"
for m in $models; do
  d=$Z/$m
  [ -f "$d/meta.json" ] || continue
  dtype=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['inputs'][0]['dtype'])" "$d/meta.json")
  nodes=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['nodes'])" "$d/meta.json")
  ctype=float; [ "$dtype" = int64 ] && ctype=int64_t
  ok_all=1; unsupported=""; cells=""; errs=""; times=""
  for b in reference simd; do
    o=$W/$m.$b
    rm -rf "$o"; mkdir -p "$o"
    cat >"$o/config.ini" <<INI
[model]
path = $d/model.onnx
name = net
[samples]
path = $d
batch_sizes = 1
[tune]
strategy = one_backend
backends = $b
budget_s = $BUDGET
rtol = $RTOL
atol = $ATOL
cache_dir = $W/cache
[target]
threads = $([ $b = simd ] && echo $THREADS || echo 1)
[output]
dir = $o/out
INI
    t0=$(date +%s.%N)
    timeout "$TIMEOUT" "$GEN" "$o/config.ini" >"$o/log" 2>&1; rc=$?
    t1=$(date +%s.%N)
    times="$times$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }') / "
    if [ $rc -ne 0 ]; then
      op=$(sed -n "s/.*operator \([A-Za-z0-9_]*\).* is not supported.*/\1/p; s/.*unsupported operator '*\([A-Za-z0-9_]*\).*/\1/p" "$o/log" | head -1)
      if [ -n "$op" ]; then unsupported=$op; cells="$cells unsupported op $op |"
      else ok_all=0; cells="$cells FAIL: $(grep -v '^ ' "$o/log" | tail -1 | cut -c1-80 | tr '|' '/') |"; fi
      errs="$errs- / "
      continue
    fi
    flags="-O2"; [ $b = simd ] && flags="-O3 -march=native -ffp-contract=fast"
    if ! gcc -std=c99 -Wall -Wextra -Werror $flags -I"$o/out" -DMODEL_H='"net.h"' -DRUN_IO=net_run_io -DARENA=NET_ARENA_BYTES \
        -DIN_N=NET_INPUT0_ELEMS_PER_BATCH -DIN_T=$ctype -DOUT_N=NET_OUTPUT0_ELEMS_PER_BATCH \
        zoo/run_model.c "$o/out/net.c" $([ -f "$o/out/net_weights.c" ] && echo "$o/out/net_weights.c") \
        $([ -f "$o/out/net_pthreads.c" ] && echo "$o/out/net_pthreads.c -pthread") -lm -o "$o/run" >"$o/build.log" 2>&1; then
      ok_all=0; cells="$cells FAIL: emitted C does not build |"; errs="$errs- / "; continue
    fi
    r=$("$o/run" "$d/input_0.bin" "$d/output_0.bin" "$o/got.bin") || { ok_all=0; cells="$cells FAIL: run |"; errs="$errs- / "; continue; }
    e=${r% *}; mx=${r#* }
    errs="$errs$e / "
    if within "$e" "$mx"; then cells="$cells pass |"; else ok_all=0; cells="$cells FAIL: max err $e |"; fi
    if [ $b = reference ] && [ $ORT = 1 ]; then
      "$o/run" --random 1 "$o/rand_in.bin" "$o/rand_out.bin" >/dev/null 2>&1
      ot=$(node zoo/ort_check.js "$d/model.onnx" "$d/input_0.bin" "$dtype" "$d/output_0.bin" 2>&1)
      orr=$(node zoo/ort_check.js "$d/model.onnx" "$o/rand_in.bin" "$dtype" "$o/rand_out.bin" 2>&1)
      ort_cell="${ot% *} / ${orr% *}"
      for v in "$ot" "$orr"; do
        within "${v% *}" "${v#* }" 2>/dev/null || { ok_all=0; ort_cell="$ort_cell (MISMATCH: $v)"; }
      done
    fi
  done
  [ $ORT = 1 ] || ort_cell="not installed"
  [ -n "$unsupported" ] && ort_cell="-"
  printf '| %s | %s |%s %s(%s) | %s | %s |\n' "$m" "$nodes" "$cells" "${errs% / }" "${mx:-?}" "$ort_cell" "${times% / }" >>"$table"
  if [ -n "$unsupported" ] && [ $ok_all = 1 ]; then unsup=$((unsup + 1)); echo "unsupported $m ($unsupported)"
  elif [ $ok_all = 1 ]; then pass=$((pass + 1)); echo "ok    $m"
  else fail=$((fail + 1)); echo "FAIL  $m"; fi
  mx=""
done
echo
cat "$table"
echo
echo "$unsup refused for an unsupported op"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
