#!/bin/sh
# The ONNX node suite through the other backends' kernels, built as a candidate is (graph
# passes, packed weights, the backend's templates): tiled with libtcc on every case; simd with
# gcc on the ops it has kernels for (the whole suite with FULL=1, as make conformance runs it).
# Ends with "N passed, N failed".
B=${B:-build}
SUITE=${SUITE:-/usr/share/libonnx-testdata/data/node}
log=$(mktemp); trap 'rm -f "$log"' EXIT
passed=0; failed=0
run() {
  "$@" >"$log" 2>&1
  grep -E '^FAIL' "$log"
  p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$log" | tail -1)
  f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$log" | tail -1)
  [ -n "$p" ] || { echo "no results from: $*"; f=1; p=0; }
  echo "$* : $p passed, $f failed"
  passed=$((passed + p)); failed=$((failed + f))
}
echo "tiled (tcc), every case"
run env AIT_CONF_BACKEND=tiled "$B/conformance" "$SUITE"
if [ -n "$FULL" ]; then
  run env AIT_CONF_BACKEND=simd AIT_CONF_CC=gcc "$B/conformance" "$SUITE"
else
  for op in lstm gru rnn simple_rnn matmul gemm einsum conv maxpool averagepool resize upsample softmax; do  # (the suite's globalaveragepool cases are unreadable here: test_passes covers it)
    run env AIT_CONF_BACKEND=simd AIT_CONF_CC=gcc "$B/conformance" "$SUITE" "test_$op"
  done
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
