#!/bin/sh
# Runs cmocka test binaries, then other suites after `--` that end with a
# line "N passed, N failed"; prints one total line of that form.  Exit status
# is nonzero if anything failed or any binary died.
passed=0; failed=0; status=0
log=$(mktemp); trap 'rm -f "$log"' EXIT
phase=cmocka
for t in "$@"; do
  if [ "$t" = "--" ]; then phase=suite; continue; fi
  echo "== $t"
  ASAN_OPTIONS=detect_leaks=0 "$t" >"$log" 2>&1; rc=$?
  cat "$log"
  if [ "$phase" = cmocka ]; then
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  else
    p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$log" | tail -1)
    f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$log" | tail -1)
  fi
  if [ -z "$p$f" ]; then echo "!! $t reported no results (exit $rc)"; failed=$((failed + 1)); status=1; continue; fi
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  [ $rc -ne 0 ] && status=1
done
echo
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && exit $status
exit 1
