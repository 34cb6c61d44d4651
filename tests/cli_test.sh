#!/bin/sh
# End-to-end tests of the aitune-gen command line, in a temporary dir:
# the bundled example (tune, build examples/app.c, run, cache reuse), the five
# shared models (tune with the reference backend, compile the emitted code with
# plain `cc -std=c99 -O2`, match the recorded outputs), and bad input.
# Ends with "N passed, N failed".
cd "$(dirname "$0")/.." || exit 2
GEN=$PWD/build/aitune-gen
MODELS=$PWD/../shared/models
T=$(mktemp -d /tmp/aitune-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "ok    $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL  $1"; [ -f "$T/log" ] && tail -20 "$T/log"; }
check() { name=$1; shift; if "$@" >"$T/log" 2>&1; then ok "$name"; else bad "$name"; fi; }
CC_STRICT="cc -std=c99 -O2 -pedantic -Wall -Wextra -Werror"

# the README's first command, into a temp out dir
check "example tunes" $GEN --set output.dir=$T/out --set tune.cache_dir=$T/cache examples/config.ini
cp $T/log $T/example.log
check "example log shows spec, trials and winner" sh -c "grep -q \"'batch0', 1, 28, 28\" $T/example.log && grep -q 'profiled - throughput' $T/example.log && grep -q 'selected reference' $T/example.log"
check "example writes the four files" test -s $T/out/small_cnn.c -a -s $T/out/small_cnn.h -a -s $T/out/small_cnn.report.md -a -s $T/out/small_cnn.manifest.ini
check "app builds with plain cc, strict" $CC_STRICT -I$T/out examples/app.c $T/out/small_cnn.c -lm -o $T/app
check "app output matches PyTorch" $T/app examples/digit.f32 examples/digit.expected.f32
check "emitted code needs only standard headers" sh -c "! grep -h '#include' $T/out/small_cnn.c $T/out/small_cnn.h | grep -v -e '<math.h>' -e '<stddef.h>' -e '<stdint.h>' -e '<string.h>' -e '\"small_cnn.h\"'"
check "emitted code has no malloc or stdio" sh -c "! grep -E 'malloc|printf|FILE' $T/out/small_cnn.c"
check "second run reuses the cache" sh -c "$GEN --set output.dir=$T/out --set tune.cache_dir=$T/cache examples/config.ini | grep -q 'reusing cached trial'"
check "--load re-emits" $GEN --load $T/out/small_cnn.manifest.ini
check "re-emitted code builds and matches" sh -c "$CC_STRICT -I$T/out examples/app.c $T/out/small_cnn.c -lm -o $T/app2 && $T/app2 examples/digit.f32 examples/digit.expected.f32"
check "inspect prints the hierarchy" sh -c "$GEN inspect $MODELS/mobilenet_v2.onnx --depth 1 | grep -q 'features'"

# the five shared models, each tuned with the reference backend and run standalone
for m in mlp small_cnn tiny_transformer tiny_transformer_opset17 mobilenet_v2; do
  cat > $T/$m.ini <<INI
[model]
path = $MODELS/$m.onnx
name = $m
[samples]
path = $MODELS/${m}_testdata
batch_sizes = 1
[tune]
strategy = first_wins
backends = reference
cache_dir = $T/cache
[output]
dir = $T/out_$m
INI
  UP=$(echo $m | tr a-z A-Z)
  check "$m tunes" $GEN $T/$m.ini
  check "$m builds with cc -std=c99 -O2" cc -std=c99 -O2 -I$T/out_$m -DMODEL_H="\"$m.h\"" -DRUN=${m}_run \
      -DIN_N=${UP}_INPUT0_ELEMS_PER_BATCH -DOUT_N=${UP}_OUTPUT0_ELEMS_PER_BATCH tests/run_emitted.c $T/out_$m/$m.c -lm -o $T/run_$m
  check "$m matches its expected outputs" $T/run_$m $MODELS/${m}_testdata/test_data_set_0/input_0.f32 $MODELS/${m}_testdata/test_data_set_0/output_0.f32
done

# bad input: one clear error, exit 1, previous out/ untouched
sum() { cat $T/out/small_cnn.* | cksum; }
before=$(sum)
printf '[tune]\nrtol = 1e-4\nspeed = max\n' > $T/bad.ini
check "unknown key names file, line and key" sh -c "! $GEN $T/bad.ini 2>$T/err; grep -q 'bad.ini:3: \[tune\] speed: unknown key' $T/err"
check "bad value exits 1" sh -c "$GEN --set tune.rtol=abc examples/config.ini 2>$T/err; [ \$? -eq 1 ] && grep -q 'tune.rtol=abc: not a number' $T/err"
check "missing config exits 1" sh -c "$GEN $T/nope.ini 2>$T/err; [ \$? -eq 1 ] && grep -q 'nope.ini: cannot open' $T/err"
check "missing model exits 1" sh -c "$GEN --set output.dir=$T/out --set model.path=missing.onnx examples/config.ini 2>$T/err; [ \$? -eq 1 ] && grep -q 'missing.onnx: cannot open' $T/err"
head -c 5000 examples/small_cnn.onnx > $T/trunc.onnx
check "truncated model exits 1" sh -c "$GEN --set output.dir=$T/out --set model.path=$T/trunc.onnx examples/config.ini 2>$T/err; [ \$? -eq 1 ] && grep -q 'trunc.onnx' $T/err"
check "unwritable out dir exits 1" sh -c "$GEN --set output.dir=/dev/null/x examples/config.ini 2>$T/err; [ \$? -eq 1 ] && grep -q '/dev/null/x' $T/err"
check "failed runs left out/ untouched" test "$before" = "$(sum)"
check "usage error exits 2" sh -c "$GEN --bogus 2>/dev/null; [ \$? -eq 2 ]"

echo
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
