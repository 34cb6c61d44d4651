#!/bin/sh
# Replays every fuzz corpus (fuzz/corpus/<harness>/*: seeds and the inputs of crashes found and
# fixed) through its libFuzzer harness under ASan/UBSan, with no allocation over 1 GiB (a small
# file that asks for more is a bug: fuzz_pb found one); each input is one test.
# Ends with "N passed, N failed".
cd "$(dirname "$0")/.." || exit 2
pass=0; fail=0
for h in onnx npy pb config manifest; do
  bin=build/fuzz/fuzz_$h
  for f in fuzz/corpus/$h/*; do
    [ -f "$f" ] || continue
    if ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 "$bin" -timeout=60 -rss_limit_mb=2048 -malloc_limit_mb=1024 "$f" >/tmp/aitune-replay.$$ 2>&1; then
      pass=$((pass + 1))
    else
      fail=$((fail + 1)); echo "FAIL  fuzz_$h $f"; grep -E 'ERROR|SUMMARY|runtime error' /tmp/aitune-replay.$$ | head -5
    fi
  done
  echo "fuzz_$h: corpus replayed"
done
rm -f /tmp/aitune-replay.$$
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
