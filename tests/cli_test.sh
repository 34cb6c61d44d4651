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
check "example log shows spec, trials and winner" sh -c "grep -q \"'batch0', 1, 28, 28\" $T/example.log && grep -q 'profiled - throughput' $T/example.log && grep -q 'selected simd' $T/example.log"
check "highest_throughput estimates each backend's own max batch, the reference's beside it" sh -c "grep -q 'max batch size estimate: [0-9]* (.* samples/s with simd(' $T/example.log && grep -q 'max batch size estimate: [0-9]* (.* samples/s with the reference)' $T/example.log && grep -q \"(its own max batch estimate; the reference's: [0-9]*)\" $T/out/small_cnn.report.md"
check "example writes the four files" test -s $T/out/small_cnn.c -a -s $T/out/small_cnn.h -a -s $T/out/small_cnn.report.md -a -s $T/out/small_cnn.manifest.ini
check "app builds with plain cc, strict" $CC_STRICT -I$T/out examples/app.c $T/out/small_cnn.c -lm -o $T/app
check "app output matches PyTorch" $T/app examples/digit.f32 examples/digit.expected.f32
check "emitted code needs only standard headers" sh -c "! grep -h '#include' $T/out/small_cnn.c $T/out/small_cnn.h | grep -v -e '<math.h>' -e '<stddef.h>' -e '<stdint.h>' -e '<string.h>' -e '\"small_cnn.h\"'"
check "emitted code has no malloc or stdio" sh -c "! grep -E 'malloc|printf|FILE' $T/out/small_cnn.c"
check "second run reuses the cache" sh -c "$GEN --set output.dir=$T/out --set tune.cache_dir=$T/cache examples/config.ini | grep -q 'reusing cached trial'"
check "--load re-emits" $GEN --load $T/out/small_cnn.manifest.ini
check "re-emitted code builds and matches" sh -c "$CC_STRICT -I$T/out examples/app.c $T/out/small_cnn.c -lm -o $T/app2 && $T/app2 examples/digit.f32 examples/digit.expected.f32"
# large constants in their own file past output.weights_file_bytes; a later run without the split removes it
W=$T/out_w
check "weights split into small_cnn_weights.c" sh -c "$GEN --set output.dir=$W --set tune.cache_dir=$T/cache --set output.weights_file_bytes=1K examples/config.ini && test -s $W/small_cnn_weights.c && grep -q 'extern const union small_cnn_c' $W/small_cnn.c && ! grep -q 'static const union' $W/small_cnn.c"
check "split files build strict and match" sh -c "$CC_STRICT -I$W examples/app.c $W/small_cnn.c $W/small_cnn_weights.c -lm -o $T/app_w && $T/app_w examples/digit.f32 examples/digit.expected.f32"
check "weights file needs only stdint.h" sh -c "! grep -h '#include' $W/small_cnn_weights.c | grep -v '<stdint.h>'"
check "a run without the split removes the stale weights file" sh -c "$GEN --set output.dir=$W --set tune.cache_dir=$T/cache examples/config.ini && test ! -e $W/small_cnn_weights.c && $CC_STRICT -I$W examples/app.c $W/small_cnn.c -lm -o $T/app_w2"
check "a run leaves nothing in TMPDIR (its build folder is removed at exit)" sh -c "mkdir -p $T/tmpdir &&
  TMPDIR=$T/tmpdir $GEN --set output.dir=$T/out_tmp --set tune.cache_dir=$T/cache_tmp examples/config.ini &&
  test -s $T/out_tmp/small_cnn.c && test -z \"\$(ls -A $T/tmpdir)\""
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

# a typed (int64 token ids) input through every backend and the contract's typed_run_io
/usr/bin/python3 tests/typed_model.py $T/typed
for b in reference simd tiled; do
  printf '[model]\npath = %s/typed/typed.onnx\nname = typed\n[samples]\npath = %s/typed/typed_testdata\n[tune]\nstrategy = one_backend\nbackends = %s\ncache_dir = %s/cache\n[output]\ndir = %s/out_typed_%s\n' \
    "$T" "$T" $b "$T" "$T" $b > $T/typed_$b.ini
  check "int64 ids: tunes with $b" $GEN $T/typed_$b.ini
  check "int64 ids ($b): typed_run_io built strict matches numpy" sh -c "$CC_STRICT -I$T/out_typed_$b -DMODEL_H='\"typed.h\"' -DIN_T=int64_t -DRUN_IO=typed_run_io \
      -DARENA=TYPED_ARENA_BYTES -DIN_N=TYPED_INPUT0_ELEMS_PER_BATCH -DOUT_N=TYPED_OUTPUT0_ELEMS_PER_BATCH tests/run_emitted.c \
      $T/out_typed_$b/typed.c -lm -o $T/run_typed_$b && $T/run_typed_$b $T/typed/ids.i64 $T/typed/expected.f32"
done

# dynamic axes: the torch-exported encoder (ids [1, 'seq']) tuned from samples of lengths 5 and 9
# over seq:1..16, then run through enc_run_dims at lengths it never saw against torch's outputs,
# and refused outside the range (tests/run_dims.c); with every backend, built strict
ENC=$PWD/tests/data/encoder_dyn
for b in reference simd tiled; do
  printf '[model]\npath = %s/encoder.onnx\nname = enc\n[samples]\npath = %s/samples\ndims = seq:1..16\n[tune]\nstrategy = one_backend\nbackends = %s\ncache_dir = %s/cache\n[output]\ndir = %s/out_enc_%s\n' \
    "$ENC" "$ENC" $b "$T" "$T" $b > $T/enc_$b.ini
  check "dynamic seq: tunes with $b" $GEN $T/enc_$b.ini
  check "dynamic seq ($b): enc_run_dims built strict matches torch at unseen lengths, refuses 0 and 17" sh -c "$CC_STRICT -march=native -I$T/out_enc_$b \
      -DMODEL_H='\"enc.h\"' -DP=enc -DU=ENC tests/run_dims.c $T/out_enc_$b/enc.c -lm -o $T/run_enc_$b && $T/run_enc_$b $ENC/lengths 1 2 3 7 12 16 | tee /dev/stderr | grep -q '^8 passed, 0 failed'"
done
check "dynamic seq: the header names the axis and its range" sh -c "grep -q 'define ENC_DIM0_NAME \"seq\"' $T/out_enc_reference/enc.h && grep -q 'define ENC_DIM0_MAX 16' $T/out_enc_reference/enc.h && grep -q 'ENC_OUTPUT0_ELEMS_AT(dims)' $T/out_enc_reference/enc.h"
check "dynamic seq: the report says how the range is served" sh -c "grep -q 'generic code with run-time extents, checked to equal the code specialized at each of the 16 values' $T/out_enc_reference/enc.report.md"
check "dynamic seq: the log's spec names the axis" sh -c "$GEN $T/enc_reference.ini | grep -q \"\\[1, 'seq'\\]\""
check "dynamic seq: an output's dynamic axis by its dim_param" sh -c "$GEN $T/enc_reference.ini | grep -q \"hidden .*\\[1, 'seq', 32\\]\""
check "dynamic seq: tcc builds and runs the generic code" sh -c "tcc -I$T/out_enc_reference -DMODEL_H='\"enc.h\"' -DP=enc -DU=ENC tests/run_dims.c $T/out_enc_reference/enc.c -lm -o $T/run_enc_tcc && $T/run_enc_tcc $ENC/lengths 2 7 16 | grep -q '^5 passed, 0 failed'"
cp $T/out_enc_reference/enc.c $T/enc_tuned.c
check "dynamic seq: --load re-emits the same code" sh -c "$GEN --load $T/out_enc_reference/enc.manifest.ini && diff $T/out_enc_reference/enc.c $T/enc_tuned.c | grep '^[<>]' | grep -v -e command: -e 'config hash' -e 'model:' -e 'graph spec' -e 'backend:' -e 're-emitted' | { ! grep -q .; }"
check "dynamic seq: a sample outside samples.dims is refused by input and axis" sh -c "$GEN --set samples.dims=seq:6..16 $T/enc_reference.ini 2>&1 | grep -q \"input 'ids' axis 1 ('seq') is 5, outside samples.dims seq:6..16\""
check "dynamic seq: samples.dims naming no axis is refused" sh -c "$GEN --set samples.dims=len:1..8 $T/enc_reference.ini 2>&1 | grep -q \"no input axis is named 'len' (dynamic axes: seq)\""
check "dynamic seq: a malformed samples.dims is refused" sh -c "$GEN --set samples.dims=seq:9..2 $T/enc_reference.ini 2>&1 | grep -q 'need 1 <= min <= max'"

# dynamic axes through strided Convs and pools (tests/export_strided.py): a time axis through
# Conv1d s2, MaxPool ceil_mode, Conv1d s3 and a nearest Upsample x2, and an image's h and w
# through Conv2d s2 and AvgPool ceil_mode; their extents are floors of the axes.  Every backend
# serves each range with one generic code, built strict, against torch at sizes never tuned on
for m in conv1d_dyn conv2d_dyn; do
  D=$PWD/tests/data/$m
  SIZES=$(ls $D/lengths | sed -n 's/^len\(.*\)\.in0\.bin$/\1/p' | tr '\n' ' ')
  AXES=$(sed -n 's/^dims = //p' $D/config.ini | tr ',' '\n' | wc -l)
  NCHECK=$(($(echo $SIZES | wc -w) + 2 * AXES))  # each size, and both sides of each axis's range
  for b in reference simd tiled; do
    check "$m: tunes with $b" $GEN $D/config.ini --set tune.strategy=one_backend --set tune.backends=$b \
        --set tune.cache_dir=$T/cache --set output.dir=$T/out_${m}_$b
    check "$m ($b): one generic code for the whole range" grep -q 'generic code with run-time extents, checked to equal the code specialized at each of the [0-9]* values (' $T/out_${m}_$b/net.report.md
    check "$m ($b): net_run_dims built strict matches torch at unseen sizes, refuses sizes outside" sh -c "$CC_STRICT -march=native -I$T/out_${m}_$b \
        -DMODEL_H='\"net.h\"' -DP=net -DU=NET -DIN_T=float tests/run_dims.c $T/out_${m}_$b/net.c -lm -o $T/run_${m}_$b && $T/run_${m}_$b $D/lengths $SIZES | tee /dev/stderr | grep -q '^$NCHECK passed, 0 failed'"
  done
  check "$m: tcc builds and runs the generic code" sh -c "tcc -I$T/out_${m}_reference -DMODEL_H='\"net.h\"' -DP=net -DU=NET -DIN_T=float tests/run_dims.c $T/out_${m}_reference/net.c -lm -o $T/run_${m}_tcc && $T/run_${m}_tcc $D/lengths $SIZES | grep -q '^$NCHECK passed, 0 failed'"
done
check "conv1d_dyn: the header gives an output's extent as a floor of the axis" grep -q 'NET_OUTPUT0_MAX_ELEMS_PER_BATCH 64  /\* \[1, 8, .*floor((time + [0-9]*) / [0-9]*)' $T/out_conv1d_dyn_reference/net.h
check "conv2d_dyn: both axes' floors in the output's size" grep -q 'NET_OUTPUT0_ELEMS_AT(dims) .*(dims)\[0\] + 1LL) / 4LL).*(dims)\[1\] + 1LL) / 4LL)' $T/out_conv2d_dyn_reference/net.h
# past tune.dims_verify_max the check samples the range (and the report says so); the sweep's
# lines are among the values checked
check "conv2d_dyn: a sampled check past dims_verify_max, still matching torch" sh -c "$GEN tests/data/conv2d_dyn/config.ini --set tune.dims_verify_max=60 \
    --set tune.cache_dir=$T/cache --set output.dir=$T/out_c2s && grep -q 'at 60 of the 400 values (tune.dims_verify_max)' $T/out_c2s/net.report.md && \
    $CC_STRICT -march=native -I$T/out_c2s -DMODEL_H='\"net.h\"' -DP=net -DU=NET -DIN_T=float tests/run_dims.c $T/out_c2s/net.c -lm -o $T/run_c2s && \
    $T/run_c2s tests/data/conv2d_dyn/lengths 5x5 24x24 13x7 | grep -q '^7 passed, 0 failed'"

# a linear Resize over a dynamic axis has tap tables that change with it: a small range gets code
# per value, a wide one is refused (never served by code that was not checked)
/usr/bin/python3 tests/linear_resize_model.py $T/lres
printf '[model]\npath = %s/lres/resize.onnx\nname = rs\n[samples]\npath = %s/lres/samples\ndims = time:4..12\n[tune]\ncache_dir = %s/cache\n[output]\ndir = %s/out_lres\n' \
  "$T" "$T" "$T" "$T" > $T/lres.ini
check "linear Resize over time:4..12: code of its own per value" sh -c "$GEN $T/lres.ini && grep -q 'code of its own at time=4; time=5; ' $T/out_lres/rs.report.md"
check "linear Resize over time:4..40: refused, past 16 values of their own" sh -c "! $GEN $T/lres.ini --set samples.dims=time:4..40 > $T/lres.log 2>&1 && grep -q 'does not hold at more than 16 values (at time=[0-9]*: its code differs in structure' $T/lres.log"

# Einsum products with a constant matrix run as MatMul (the simd GEMM), against numpy
/usr/bin/python3 tests/einsum_model.py $T/einsum
for b in reference simd; do
  printf '[model]\npath = %s/einsum/einsum.onnx\nname = es\n[samples]\npath = %s/einsum/einsum_testdata\n[tune]\nstrategy = one_backend\nbackends = %s\ncache_dir = %s/cache\n[output]\ndir = %s/out_es_%s\n' \
    "$T" "$T" $b "$T" "$T" $b > $T/es_$b.ini
  check "Einsum as MatMul ($b): both products rewritten, tuned" sh -c "$GEN $T/es_$b.ini > $T/es_$b.log && grep -q '2 Einsum as MatMul' $T/es_$b.log"
  check "Einsum as MatMul ($b): built strict, matches numpy" sh -c "$CC_STRICT -march=native -I$T/out_es_$b -DMODEL_H='\"es.h\"' -DRUN=es_run \
      -DIN_N=ES_INPUT0_ELEMS_PER_BATCH -DOUT_N=ES_OUTPUT0_ELEMS_PER_BATCH tests/run_emitted.c $T/out_es_$b/es.c -lm -o $T/run_es_$b && $T/run_es_$b $T/einsum/x.f32 $T/einsum/expected.f32"
done
check "Einsum as MatMul (simd): the kernels are simd's" sh -c "grep -c '\"Einsum\", \"Einsum_[02]\", \"simd\"' $T/out_es_simd/es.c | grep -q 2"

# recurrent ops on the simd and tiled kernels (packed W^T, R^T): the suite's RNN, GRU and LSTM
# cases with their weights as initializers, validated against the reference and the suite's output
NODE=/usr/share/libonnx-testdata/data/node
for c in lstm_defaults lstm_with_peepholes lstm_batchwise gru_defaults gru_with_initial_bias gru_seq_length \
         simple_rnn_defaults rnn_seq_length; do
  /usr/bin/python3 tests/freeze_weights.py $NODE/test_$c $T/rec_$c
  for b in simd tiled; do
    printf '[model]\npath = %s/rec_%s/model.onnx\nname = rec\n[samples]\npath = %s/rec_%s/testdata\n[tune]\nstrategy = one_backend\nbackends = %s\ncache_dir = %s/cache\n[output]\ndir = %s/out_rec_%s_%s\n' \
      "$T" $c "$T" $c $b "$T" "$T" $c $b > $T/rec_${c}_$b.ini
    check "$c ($b): tunes on the $b recurrent kernel, validated against the reference" sh -c "$GEN $T/rec_${c}_$b.ini && grep -q '\", \"$b\", ' $T/out_rec_${c}_$b/rec.c"
    check "$c ($b): built strict, output 0 matches the suite" sh -c "$CC_STRICT -march=native -I$T/out_rec_${c}_$b -DMODEL_H='\"rec.h\"' -DRUN=rec_run \
        -DIN_N=REC_INPUT0_ELEMS_PER_BATCH -DOUT_N=REC_OUTPUT0_ELEMS_PER_BATCH tests/run_emitted.c $T/out_rec_${c}_$b/rec.c -lm -o $T/run_rec && $T/run_rec $T/rec_$c/x.f32 $T/rec_$c/expected.f32"
  done
done

# several modules in one run: [model.<label>] sections, one out/, a prefix each
cat > $T/modules.ini <<INI
[model.mlp]
path = $MODELS/mlp.onnx
samples = $MODELS/mlp_testdata
[model.cnn]
path = $MODELS/small_cnn.onnx
name = small_cnn
samples = $MODELS/small_cnn_testdata
[samples]
batch_sizes = 1
[tune]
strategy = first_wins
backends = simd, reference
cache_dir = $T/cache
[output]
dir = $T/out_modules
INI
check "two modules tune in one run" sh -c "$GEN $T/modules.ini > $T/modules.log 2>&1 && grep -q '== module mlp (1 of 2)' $T/modules.log && grep -q '== module cnn (2 of 2)' $T/modules.log"
for m in mlp small_cnn; do
  UP=$(echo $m | tr a-z A-Z)
  check "module $m: its own files, built strict together with the other, matches" sh -c "test -s $T/out_modules/$m.report.md -a -s $T/out_modules/$m.manifest.ini && \
    $CC_STRICT -I$T/out_modules -DMODEL_H='\"$m.h\"' -DRUN=${m}_run -DIN_N=${UP}_INPUT0_ELEMS_PER_BATCH -DOUT_N=${UP}_OUTPUT0_ELEMS_PER_BATCH \
      tests/run_emitted.c $T/out_modules/mlp.c $T/out_modules/small_cnn.c -lm -o $T/run_mod_$m && \
    $T/run_mod_$m $MODELS/${m}_testdata/test_data_set_0/input_0.f32 $MODELS/${m}_testdata/test_data_set_0/output_0.f32"
done
printf '[model]\npath = m.onnx\n[model.a]\npath = a.onnx\n' > $T/mixed.ini
check "[model] and [model.<label>] do not mix" sh -c "$GEN $T/mixed.ini 2>&1 | grep -q 'mixed.ini:2: \[model\] and \[model.<label>\] sections do not mix'"
printf '[model.a]\npath = a.onnx\nname = x\n[model.b]\npath = b.onnx\nname = x\n' > $T/dup.ini
check "two modules with one name are refused" sh -c "$GEN $T/dup.ini 2>&1 | grep -q \"\[model.a\] and \[model.b\] are both named 'x'\""
printf '[model.a]\npath = a.onnx\nname = 9lives\n' > $T/badname.ini
check "a module name that is no C identifier is refused by line" sh -c "$GEN $T/badname.ini 2>&1 | grep -q \"badname.ini:3: \[model.a\]: name '9lives' is not a C identifier\""

# every fast backend alone (one_backend), each model's emitted code built strict and matched;
# blas links OpenBLAS and says so in the banner
run_model() { # name dir libs cc-and-flags...
  m=$1; d=$2; l=$3; shift 3
  UP=$(echo $m | tr a-z A-Z)
  "$@" -I$d -DMODEL_H="\"$m.h\"" -DRUN=${m}_run -DIN_N=${UP}_INPUT0_ELEMS_PER_BATCH \
      -DOUT_N=${UP}_OUTPUT0_ELEMS_PER_BATCH tests/run_emitted.c $d/$m.c $l -lm -o $d/run
}
for be in simd tiled blas; do
  set_deps=""; libs=""
  [ $be = blas ] && set_deps="--set target.deps=openblas" && libs="-lopenblas"
  for m in mlp small_cnn tiny_transformer tiny_transformer_opset17 mobilenet_v2; do
    d=$T/out_${be}_$m
    check "$m tunes with $be alone" $GEN --set tune.strategy=one_backend --set tune.backends=$be $set_deps \
        --set output.dir=$d $T/$m.ini
    check "$m ($be) builds strict with -march=native" run_model $m $d "$libs" $CC_STRICT -march=native
    check "$m ($be) matches its expected outputs" $d/run $MODELS/${m}_testdata/test_data_set_0/input_0.f32 \
        $MODELS/${m}_testdata/test_data_set_0/output_0.f32
  done
done
check "blas output states its dependency" grep -q 'DEPENDS ON: OpenBLAS' $T/out_blas_mlp/mlp.h
check "blas needs target.deps = openblas" sh -c "$GEN --set tune.strategy=one_backend --set tune.backends=blas \
    --set output.dir=$T/out_nodeps $T/mlp.ini 2>&1 | grep -q 'needs \[target\] deps = openblas'"
check "simd report lists per-op knobs and GFLOP/s" grep -q 'Per-op choices' $T/out_simd_small_cnn/small_cnn.report.md
check "simd manifest records the knobs" grep -q '^node0 = ' $T/out_simd_small_cnn/small_cnn.manifest.ini
check "--load re-emits the tuned knobs" sh -c "cp $T/out_simd_small_cnn/small_cnn.c $T/simd_before.c && \
    $GEN --load $T/out_simd_small_cnn/small_cnn.manifest.ini && \
    diff -I 'command:' -I 're-emitted' -I 'generator' -I 'config hash' -I 'graph spec' -I 'model:' -I 'backend:' \
    $T/simd_before.c $T/out_simd_small_cnn/small_cnn.c"
# threads: kernels split into tasks through small_cnn_parallel_for, out/<name>_pthreads.c defines
# it; the results are bitwise those of the same knobs in one thread (--load with threads = 1)
for m in small_cnn mobilenet_v2; do
  d=$T/out_thr_$m
  # no knob search (budget 0, a cache of its own): the backend's guesses, which split; a search may hold every kernel
  # of a small model to one task (the serial knob), which is right but checks no split
  check "$m tunes with simd in 2 threads" $GEN --set tune.strategy=one_backend --set tune.backends=simd \
      --set target.threads=2 --set tune.budget_s=0 --set tune.cache_dir=$T/cache_thr_$m --set output.dir=$d $T/$m.ini
  check "$m: the header and report say 2 threads, the pool is written" sh -c "grep -q '_THREADS 2' $d/$m.h && \
      grep -q 'threads: kernels split into 2 tasks' $d/$m.report.md && grep -q '^threads = 2' $d/$m.manifest.ini && \
      grep -q '${m}_parallel_for(int n_tasks' $d/${m}_pthreads.c && grep -q '_t_, &a_);' $d/$m.c"
  check "$m (2 threads) builds strict with the pool and matches" sh -c "\
      UP=\$(echo $m | tr a-z A-Z); $CC_STRICT -march=native -pthread -I$d -DMODEL_H='\"$m.h\"' -DRUN=${m}_run \
      -DIN_N=\${UP}_INPUT0_ELEMS_PER_BATCH -DOUT_N=\${UP}_OUTPUT0_ELEMS_PER_BATCH tests/run_emitted.c $d/$m.c \
      $d/${m}_pthreads.c -lm -o $d/run && $d/run $MODELS/${m}_testdata/test_data_set_0/input_0.f32 \
      $MODELS/${m}_testdata/test_data_set_0/output_0.f32 && \
      $d/run $MODELS/${m}_testdata/test_data_set_0/input_0.f32 $d/y2.f32 --write"
  check "$m: the same knobs in 1 thread give the same bits, with no pool left behind" sh -c "\
      sed -i 's/^threads = 2/threads = 1/' $d/$m.manifest.ini && $GEN --load $d/$m.manifest.ini && \
      test ! -e $d/${m}_pthreads.c && ! grep -q '_THREADS' $d/$m.h && UP=\$(echo $m | tr a-z A-Z) && \
      $CC_STRICT -march=native -I$d -DMODEL_H='\"$m.h\"' -DRUN=${m}_run -DIN_N=\${UP}_INPUT0_ELEMS_PER_BATCH \
      -DOUT_N=\${UP}_OUTPUT0_ELEMS_PER_BATCH tests/run_emitted.c $d/$m.c -lm -o $d/run1 && \
      $d/run1 $MODELS/${m}_testdata/test_data_set_0/input_0.f32 $d/y1.f32 --write && cmp $d/y1.f32 $d/y2.f32"
done
# the knob search with cold constants: measured apart from the hot search (its own cache key),
# said in the log and the report, the code as right as ever
d=$T/out_cold
check "small_cnn tunes with knob_weights = cold" sh -c "$GEN --set tune.strategy=one_backend --set tune.backends=simd \
    --set tune.knob_weights=cold --set output.dir=$d $T/small_cnn.ini > $T/cold.log 2>&1"
check "the cold search measured, and says so in the log and the report" sh -c "grep -q 'ok knob search: .* [1-9][0-9]* measured, .*weights cold)' $T/cold.log && \
    grep -q 'constants cold (.tune.knob_weights.)' $d/small_cnn.report.md"
check "small_cnn (cold knobs) matches" sh -c "$CC_STRICT -march=native -I$d -DMODEL_H='\"small_cnn.h\"' -DRUN=small_cnn_run \
    -DIN_N=SMALL_CNN_INPUT0_ELEMS_PER_BATCH -DOUT_N=SMALL_CNN_OUTPUT0_ELEMS_PER_BATCH tests/run_emitted.c $d/small_cnn.c -lm \
    -o $d/run && $d/run $MODELS/small_cnn_testdata/test_data_set_0/input_0.f32 $MODELS/small_cnn_testdata/test_data_set_0/output_0.f32"
check "tune.knob_weights other than hot or cold is refused" sh -c "! $GEN --set tune.knob_weights=warm $T/mlp.ini > $T/kw.log 2>&1 && grep -q 'knob_weights' $T/kw.log"
check "target.threads out of range is refused by line" sh -c "$GEN --set target.threads=65 $T/mlp.ini 2>&1 | grep -q 'threads'"
check "a manifest's threads out of range is refused" sh -c "sed 's/^threads = 1/threads = 0/' $T/out_thr_small_cnn/small_cnn.manifest.ini > $T/bad_thr.ini && ! $GEN --load $T/bad_thr.ini 2>$T/bad_thr.log && grep -q 'threads = 0 is not in' $T/bad_thr.log"

# tiled is plain C: libtcc validates it
for m in mlp small_cnn; do
  check "$m tunes with tiled under tcc" $GEN --set tune.strategy=one_backend --set tune.backends=tiled \
      --set tune.compiler=tcc --set output.dir=$T/out_tcc_$m $T/$m.ini
done

# the portable path on aarch64: arch = aarch64 (4-float vectors), cross-built, run under qemu
for be in simd tiled; do
  for m in mlp small_cnn tiny_transformer tiny_transformer_opset17 mobilenet_v2; do
      d=$T/a64_${be}_$m
      # knobs timed on this host say little about an aarch64 core: a 5 s search is enough to check the code
      check "$m tunes for aarch64 with $be" $GEN --set tune.strategy=one_backend --set tune.backends=$be \
          --set target.arch=aarch64 --set tune.budget_s=5 --set output.dir=$d $T/$m.ini
      check "$m ($be) cross-builds for aarch64" run_model $m $d "" aarch64-linux-gnu-gcc -std=c99 -O2 -pedantic -Wall \
          -Wextra -Werror -static
      check "$m ($be) matches under qemu-aarch64" qemu-aarch64 $d/run \
          $MODELS/${m}_testdata/test_data_set_0/input_0.f32 $MODELS/${m}_testdata/test_data_set_0/output_0.f32
    done
done

# simd kernels read and write only inside their buffers: small images (rows narrower than a
# vector, copied as whole vectors) read straight from the caller's input, under valgrind (on
# an x86-64-v3 build: valgrind 3.19 stops at AVX-512), matched against the reference
for h in 3 5 7; do
  m=edge$h; ed=$T/$m  # not d: run_model sets it
  mkdir -p $ed
  build/tests/edge_model $h $ed/$m.onnx $ed/in.f32
  printf '[model]\npath = %s.onnx\nname = %s\n[tune]\nstrategy = one_backend\nbackends = simd\ncache_dir = %s/cache\n[output]\ndir = %s\n' \
      $m $m $T $ed > $ed/simd.ini
  check "$m tunes with simd" $GEN $ed/simd.ini
  check "$m tunes with the reference" $GEN --set tune.backends=reference --set output.dir=$ed/ref $ed/simd.ini
  check "$m (reference) builds" run_model $m $ed/ref "" cc -std=c99 -O2
  check "$m (reference) writes the expected outputs" $ed/ref/run $ed/in.f32 $ed/want.f32 --write
  check "$m (simd) builds strict for x86-64-v3" run_model $m $ed "" $CC_STRICT -g -march=x86-64-v3
  check "$m (simd) matches the reference under valgrind" valgrind -q --error-exitcode=9 $ed/run $ed/in.f32 $ed/want.f32
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
