#!/bin/sh
# Runs cmocka test binaries, then other suites after `--` that end with a
# line "N passed, N failed"; prints one total line of that form.  Exit status
# is nonzero if anything failed or any binary died.  CHECK_JOBS (default: the
# number of cores, at most 2) suites run at once; their outputs are printed in
# order, each whole, headed by its wall time in seconds; those named in
# CHECK_FIRST start before the rest.
passed=0; failed=0; status=0
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
jobs=${CHECK_JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$jobs" -gt 2 ] && jobs=2
# the list: "<index> <phase> <command>", one per line
i=0; phase=cmocka
for t in "$@"; do
  if [ "$t" = "--" ]; then phase=suite; continue; fi
  i=$((i + 1))
  printf '%s %s %s\n' "$i" "$phase" "$t"
done > "$dir/list"
# each suite: its output to <index>.log, its exit status to <index>.rc
# the longest suites (CHECK_FIRST, from the Makefile) start first, so the two queues end together
: > "$dir/launch"
for f in $CHECK_FIRST; do awk -v f="$f" '$3 == f' "$dir/list" >> "$dir/launch"; done
grep -v -x -F -f "$dir/launch" "$dir/list" >> "$dir/launch"
xargs -P "$jobs" -L 1 sh -c 's=$(date +%s); ASAN_OPTIONS=detect_leaks=0 "$3" > "$0/$1.log" 2>&1; echo $? > "$0/$1.rc"; echo $(($(date +%s) - s)) > "$0/$1.s"' "$dir" \
  < "$dir/launch" 2>/dev/null || true
while read -r n phase t; do
  echo "== $t ($(cat "$dir/$n.s" 2>/dev/null || echo ?) s)"
  log="$dir/$n.log"
  cat "$log"
  rc=$(cat "$dir/$n.rc" 2>/dev/null || echo 1)
  if [ "$phase" = cmocka ]; then
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  else
    p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$log" | tail -1)
    f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$log" | tail -1)
  fi
  if [ -z "$p$f" ]; then echo "!! $t reported no results (exit $rc)"; failed=$((failed + 1)); status=1; continue; fi
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  [ "$rc" -ne 0 ] && status=1
done < "$dir/list"
echo
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && exit $status
exit 1
