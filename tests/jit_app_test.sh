#!/bin/sh
# examples/jit_app.c, unchanged, built against runtime/aitune.h and build/libaitune.so with the
# README's line: plain (eager), with AITUNE_JIT=1 (ends tuned, every output right, tuned calls
# at least 5x faster than eager ones), from the JIT cache (tuned with no trial), from a saved
# artifact, and in the default deferred mode.  Ends with "N passed, N failed".
cd "$(dirname "$0")/.." || exit 2
T=$(mktemp -d /tmp/aitune-jit.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "ok    $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL  $1"; [ -f "$T/log" ] && tail -20 "$T/log"; }
check() { name=$1; shift; if "$@" >"$T/log" 2>&1; then ok "$name"; else bad "$name"; fi; }
has()  { grep -q "$1" "$T/$2"; }
APP=$T/jit_app
RUN="$APP examples/small_cnn.onnx examples/digit.f32 examples/digit.expected.f32"
# run from $T so that the trial cache (.aitune-cache) lands there
ABS=$PWD

check "jit_app builds with the README's line" \
  cc -std=c11 -O2 -Wall -Wextra -Werror -Iruntime examples/jit_app.c -Lbuild -laitune -ltcc \
     -Wl,-rpath,$PWD/build -o $APP
cd "$T" || exit 2
RUN="$APP $ABS/examples/small_cnn.onnx $ABS/examples/digit.f32 $ABS/examples/digit.expected.f32"

check "plain: every call eager and right" sh -c "$RUN 10 > plain.out"
cp $T/log $T/plain.log
check "plain: state init, no tuned call" sh -c "grep -q 'state: init' plain.out && grep -q '0 by tuned code' plain.out \
  && grep -q 'every call matches' plain.out"

check "AITUNE_JIT=1 (tune_eager): ends tuned, every call right" sh -c "AITUNE_JIT=1 AITUNE_JIT_MODE=tune_eager \
  AITUNE_JIT_CACHE_DIR=$T/jitcache JIT_APP_PRINT=1 $RUN 50 > jit.out"
check "AITUNE_JIT=1: state tuned, 48 tuned calls, matches" sh -c "grep -q 'state: tuned' jit.out && \
  grep -q '48 by tuned code' jit.out && grep -q 'every call matches' jit.out"
check "AITUNE_JIT=1: the seeds' hierarchy and history" sh -c "grep -q '^├─ small_cnn .*level=0.*state=tuned🎯 (simd) call_count=50' jit.out \
  && grep -q 'state=detached☑️' jit.out && grep -q \"'New top module: small_cnn\" jit.out && grep -q \"'Tuning small_cnn took\" jit.out"
eager=$(sed -n 's/^eager call: \([0-9.]*\) ms.*/\1/p' plain.out)
tuned=$(sed -n 's/^tuned call: \([0-9.]*\) ms.*/\1/p' jit.out)
echo "eager call $eager ms, tuned call $tuned ms"
check "tuned calls at least 5x faster than eager ones ($eager ms / $tuned ms)" \
  awk -v e="$eager" -v t="$tuned" 'BEGIN { exit !(t > 0 && e / t >= 5) }'

check "second start: tuned from the JIT cache" sh -c "AITUNE_JIT=1 AITUNE_JIT_CACHE_DIR=$T/jitcache JIT_APP_PRINT=1 \
  $RUN 20 > cached.out && grep -q '20 by tuned code' cached.out && grep -q 'from the JIT cache' cached.out \
  && grep -q 'every call matches' cached.out"
check "second start: no trial" sh -c "! grep -q 'Tuning small_cnn took' cached.out"

entry=$(ls -d $T/jitcache/jit-* | head -1)
check "a saved artifact (the cache entry) checks with sha256sum -c" sh -c "cd $entry && sha256sum -c --quiet SHA256SUMS"
check "run from the saved artifact, no JIT" sh -c "$APP $entry $ABS/examples/digit.f32 $ABS/examples/digit.expected.f32 10 \
  > artifact.out && grep -q '10 by tuned code' artifact.out && grep -q 'every call matches' artifact.out"
check "a tampered artifact is refused, naming the file" sh -c "cp -r $entry tampered && printf x >> tampered/small_cnn.so \
  && ! $APP $T/tampered $ABS/examples/digit.f32 2> refused.err; grep -q 'small_cnn.so.*SHA256SUMS' refused.err"

check "AITUNE_JIT=1 (tune_deferred, the default): tuned in the background, swapped in" sh -c "AITUNE_JIT=1 JIT_APP_PRINT=1 \
  $RUN 3000 > deferred.out && grep -q 'state: tuned' deferred.out && grep -q 'Swapped in' deferred.out \
  && grep -q 'every call matches' deferred.out"
check "AITUNE_JIT_LOG=info logs as aitune-gen" sh -c "AITUNE_JIT=1 AITUNE_JIT_MODE=tune_eager AITUNE_JIT_LOG=info \
  $RUN 3 2> info.err >/dev/null && grep -q 'Strategy highest_throughput finished' info.err"
check "a bad AITUNE_JIT_ value is refused by name" sh -c "AITUNE_JIT=1 AITUNE_JIT_MIN_SAMPLES=zero $RUN 3 2>&1 | \
  grep -q 'AITUNE_JIT_MIN_SAMPLES'"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
