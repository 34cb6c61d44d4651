#!/bin/sh
# The footprint budgets ([target] flash_bytes, ram_bytes) and the latency_budget strategy, on the
# shared small_cnn with simd, tiled and reference.  Ends with "N passed, N failed".
cd "$(dirname "$0")/.." || exit 2
GEN=$PWD/build/aitune-gen
MODELS=$PWD/../shared/models
T=$(mktemp -d /tmp/aitune-budget.XXXXXX)
[ -n "$KEEP" ] || trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "ok    $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL  $1"; [ -f "$T/log" ] && tail -20 "$T/log"; }
check() { name=$1; shift; if "$@" >"$T/log" 2>&1; then ok "$name"; else bad "$name"; fi; }
cat > $T/cnn.ini <<INI
[model]
path = $MODELS/small_cnn.onnx
name = small_cnn
[samples]
path = $MODELS/small_cnn_testdata
[tune]
backends = simd, tiled, reference
budget_s = 30
cache_dir = $T/cache
[output]
dir = $T/out
INI
R=$T/out/small_cnn.report.md
# the report's footprint columns: "code + constants" of the winner and its arena
check "unconstrained run tunes" $GEN $T/cnn.ini
check "the report has code + constants and arena per candidate" sh -c "grep -q 'code + constants (bytes) | arena (bytes)' $R \
  && grep -Eq '^\| simd.* [0-9]+ \+ [0-9]+ \| [0-9]+ \|' $R"
arena=$(sed -n 's/^- arena: \([0-9]*\) bytes.*/\1/p' $R)
consts=$(sed -n 's/^- constants: \([0-9]*\) bytes/\1/p' $R)
echo "winner: arena $arena, constants $consts"

check "target.ram_bytes below every arena: every candidate refused, with the reason" sh -c "! $GEN --set target.ram_bytes=64 \
  --set output.dir=$T/out_ram $T/cnn.ini > $T/ram.log 2>&1 && grep -q 'over target.ram_bytes: arena' $T/ram.log \
  && test ! -e $T/out_ram/small_cnn.c"
check "target.flash_bytes below the constants: refused before the trial" sh -c "! $GEN --set target.flash_bytes=1K \
  --set output.dir=$T/out_flash $T/cnn.ini > $T/flash.log 2>&1 && grep -q 'over target.flash_bytes: [0-9]* bytes of constants' $T/flash.log"
# the winner's constants fit, its code does not; the smallest candidate (code + constants) wins
small=$(awk -F'|' '$2 ~ /^ (simd|tiled|reference)\(/ { split($9, p, "+"); t = p[1] + p[2]; if (!m || t < m) m = t } END { print m + 0 }' $R)
lim=$((consts + 64)); [ "$small" -gt "$lim" ] && lim=$small
echo "flash limit $lim (smallest candidate $small)"
check "target.flash_bytes counts the code too (after the trial)" sh -c "$GEN --set target.flash_bytes=$lim \
  --set output.dir=$T/out_code $T/cnn.ini > $T/code.log 2>&1 && \
  grep -q 'over target.flash_bytes: [0-9]* bytes of constants + [0-9]* of code = [0-9]* > $lim' $T/code.log"
check "the candidate chosen under target.flash_bytes fits it" awk -F'|' -v lim=$lim '
  /selected/ { split($9, p, "+"); found = 1; exit !(p[1] + p[2] <= lim) } END { if (!found) exit 1 }' \
  $T/out_code/small_cnn.report.md
check "generous budgets: tunes, the report states them" sh -c "$GEN --set target.flash_bytes=64M --set target.ram_bytes=64M \
  --set output.dir=$T/out_ok $T/cnn.ini >/dev/null && grep -q 'Budgets: target.flash_bytes 67108864' $T/out_ok/small_cnn.report.md"

check "latency_budget without a budget is refused" sh -c "! $GEN --set tune.strategy=latency_budget \
  --set output.dir=$T/out_nb $T/cnn.ini > $T/nb.log 2>&1 && grep -q 'latency_budget_ms > 0' $T/nb.log"
check "latency_budget: the smallest footprint within a generous budget" sh -c "$GEN --set tune.strategy=latency_budget \
  --set tune.latency_budget_ms=10000 --set output.dir=$T/out_lb $T/cnn.ini > $T/lb.log && \
  grep -q 'smallest footprint within 10000 ms' $T/out_lb/small_cnn.report.md"
# the winner's footprint is the least of the valid candidates' (code + constants + arena)
check "latency_budget: no valid candidate has a smaller footprint" sh -c "awk -F'|' '
  /^\| [a-z]+\(/ && \$3 ~ /ok|selected/ { split(\$9, p, \"+\"); f = p[1] + p[2] + \$10;
    if (\$3 ~ /selected/) w = f; else if (min == \"\" || f < min) min = f }
  END { exit !(w != \"\" && (min == \"\" || w <= min)) }' $T/out_lb/small_cnn.report.md"
check "latency_budget: a budget nothing meets is an error naming the fastest" sh -c "! $GEN --set tune.strategy=latency_budget \
  --set tune.latency_budget_ms=0.000001 --set output.dir=$T/out_none $T/cnn.ini > $T/none.log 2>&1 && \
  grep -q 'no candidate within tune.latency_budget_ms = 1e-06: the fastest' $T/none.log"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
