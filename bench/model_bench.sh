#!/bin/sh
# make bench-model MODEL=...: where one model's time goes, kernel by kernel, against
# onnxruntime's profiler (enableProfiling), so that each loss is found by measurement.  THREADS=N
# (default 1) tunes with [target] threads = N and profiles onnxruntime with intraOpNumThreads N.
# MODEL is a zoo model's name (build/zoo/<name>, from make zoo or make bench-zoo) or a dir in its
# layout (model.onnx, input_0.bin, test_data_set_0/, meta.json).  Prints per-op totals and the
# heaviest kernels, each beside onnxruntime's time for the same nodes.
#   bench/model_bench.sh MODEL [reps]
cd "$(dirname "$0")/.." || exit 2
TOP=$PWD
M=$1; REPS=${2:-20}; TH=${THREADS:-1}
case $TH in [1-9]|[1-9][0-9]) ;; *) echo "model_bench: THREADS=$TH is not 1..99" >&2; exit 2 ;; esac
[ -n "$M" ] || { echo "usage: model_bench.sh MODEL [reps]" >&2; exit 2; }
if [ -d "$M" ]; then D=$(cd "$M" && pwd); else D=$TOP/build/zoo/$M; fi
[ -f "$D/model.onnx" ] && [ -f "$D/input_0.bin" ] || { echo "model_bench: $D has no model.onnx and input_0.bin" >&2; exit 2; }
name=$(basename "$D")
W=$TOP/build/bench/model/$name
rm -rf "$W"; mkdir -p "$W"
dtype=float32
[ -f "$D/meta.json" ] && dtype=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['inputs'][0]['dtype'])" "$D/meta.json")
[ "$dtype" = float32 ] || [ "$dtype" = int64 ] || dtype=float32
ctype=float; [ "$dtype" = int64 ] && ctype=int64_t
cat > "$W/config.ini" <<INI
[model]
path = $D/model.onnx
name = net
[samples]
path = $D
batch_sizes = 1
[tune]
strategy = highest_throughput
backends = simd, tiled, reference
rtol = 1e-3
atol = 1e-3
cache_dir = $TOP/build/zoo/work/cache
[target]
threads = $TH
[output]
dir = $W/out
INI
"$TOP/build/aitune-gen" --quiet "$W/config.ini" > "$W/tune.log" 2>&1 || { tail -3 "$W/tune.log"; exit 1; }
# every kernel call of the graph functions, timed
sed 's/^\(net_k[0-9]*(.*)\);$/PROF_CALL(\1);/' "$W/out/net.c" > "$W/out/net_prof.c"
gcc -std=c99 -O3 -march=native -ffp-contract=fast -I"$W/out" -I. -DIN_T=$ctype -D_POSIX_C_SOURCE=199309L \
    bench/profile_model.c ir/clock.c $([ -f "$W/out/net_weights.c" ] && echo "$W/out/net_weights.c") \
    $([ -f "$W/out/net_pthreads.c" ] && echo "$W/out/net_pthreads.c -pthread") -lm -o "$W/profile" || exit 1
"$W/profile" "$D/input_0.bin" "$REPS" > "$W/ours.txt" || exit 1
(cd bench && node ort_profile.js "$D/model.onnx" "$D/input_0.bin" $dtype "$REPS" "$TH") > "$W/ort.txt" 2> "$W/ort.log" || { cat "$W/ort.log"; exit 1; }
/usr/bin/python3 - "$W/ours.txt" "$W/ort.txt" "$name" "$(sed -n 's/^backend = //p' "$W/out/net.manifest.ini")" "$D/model.onnx" "$TH" <<'PY'
import sys
from collections import defaultdict
import onnx
ours = [l.split(" ", 4) for l in open(sys.argv[1]).read().splitlines()]
mine = {r[4] for r in ours}
# onnxruntime names a node it rewrote (NCHWc layout, fusions) after its output tensor: back to
# the producing node, and up its chain of one-input nodes to the one our kernel is named after
producer = {}
for n in onnx.load(sys.argv[5], load_external_data=False).graph.node:
    for o in n.output:
        producer[o] = n
def ours_for(name):
    if name in mine:
        return name
    t = name[:-len("_nchwc")] if name.endswith("_nchwc") else name
    n = producer.get(t)
    for _ in range(6):
        if n is None:
            return None
        if n.name in mine:
            return n.name
        n = producer.get(n.input[0]) if n.input else None
    return None
ort = defaultdict(lambda: [0.0, ""])
ort_op = defaultdict(float)
for l in open(sys.argv[2]).read().splitlines():
    ms, op, node = l.split(" ", 2)
    ort_op[op] += float(ms)
    k = ours_for(node) or node
    ort[k][0] += float(ms)
    ort[k][1] = (ort[k][1] + "+" if ort[k][1] else "") + op
tot_o = sum(float(r[1]) for r in ours)
tot_r = sum(ort_op.values())
th = int(sys.argv[6])
print(f"# {sys.argv[3]}: where the time goes (winner {sys.argv[4]}, batch 1, "
      + ("one thread" if th == 1 else f"{th} threads") + ")\n")
print(f"kernels: aitune-c {tot_o:.3f} ms in {len(ours)} kernels; onnxruntime {tot_r:.3f} ms in {len(ort)} nodes "
      "(onnxruntime fuses nodes of its own: its ops and ours are named as each runs them)\n")
by_op = defaultdict(lambda: [0.0, 0])
for r in ours:
    by_op[r[2]][0] += float(r[1])
    by_op[r[2]][1] += 1
print("| op (aitune-c) | kernels | aitune-c ms | share |")
print("|---|---:|---:|---:|")
for op, (ms, n) in sorted(by_op.items(), key=lambda kv: -kv[1][0]):
    print(f"| {op} | {n} | {ms:.3f} | {100 * ms / tot_o:.0f}% |")
print("\n| op (onnxruntime) | ms | share |")
print("|---|---:|---:|")
for op, ms in sorted(ort_op.items(), key=lambda kv: -kv[1]):
    print(f"| {op} | {ms:.3f} | {100 * ms / tot_r:.0f}% |")
print("\nheaviest aitune-c kernels, beside onnxruntime's nodes for the same part of the graph:\n")
print("| # | op | backend | node | aitune-c ms | onnxruntime ms (op) |")
print("|---:|---|---|---|---:|---|")
for r in sorted(ours, key=lambda r: -float(r[1]))[:25]:
    o = ort.get(r[4])
    print(f"| {r[0]} | {r[2]} | {r[3]} | {r[4]} | {float(r[1]):.4f} | " + (f"{o[0]:.4f} ({o[1]})" if o else "- (fused into another)") + " |")
PY
