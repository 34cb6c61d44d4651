#!/bin/sh
# Every conformance case (Debian's suite, then tests/spec_cases.py's) emitted and built with
# gcc -std=c99 -pedantic -Wall -Wextra -Werror, the flags the emitted contract promises, and run:
# tcc, which `make conformance` uses, accepts what gcc warns about (an unused variable, a
# maybe-uninitialized array). Ends with "N passed, N failed".
B=${B:-build}
FLAGS="-O1 -std=c99 -pedantic -Wall -Wextra -Werror"
# cases of its own: spec_conformance.sh regenerates $B/spec_cases, maybe at the same time (make check
# runs two suites at once)
rm -rf "$B/spec_cases_strict"
/usr/bin/python3 tests/spec_cases.py "$B/spec_cases_strict" >/dev/null || exit 1
p=0; f=0; rc=0
for root in /usr/share/libonnx-testdata/data/node "$B/spec_cases_strict"; do
  out=$(AIT_CONF_CC=gcc AIT_CONF_FLAGS="$FLAGS" "$B/conformance" "$root") || rc=1
  printf '%s\n' "$out" | grep '^FAIL'
  line=$(printf '%s\n' "$out" | tail -1)
  p=$((p + $(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')))
  f=$((f + $(echo "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')))
done
echo "strict gcc build of every conformance case"
echo "$p passed, $f failed"
exit $rc
