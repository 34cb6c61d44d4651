#!/bin/sh
# The weight formats int8w and fp16w through aitune-gen on the shared small_cnn: validated by
# [tune] quant_metric / quant_min, the metric in the report, constants smaller than simd's, the
# emitted C strict C99.  Ends with "N passed, N failed".
cd "$(dirname "$0")/.." || exit 2
case ${B:=build} in /*) ;; *) B=$PWD/$B ;; esac
GEN=$B/aitune-gen
MODELS=$PWD/../shared/models
T=$(mktemp -d /tmp/aitune-quant.XXXXXX)
trap 'rm -rf "$T"' EXIT
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
backends = simd, int8w, fp16w
budget_s = 2
cache_dir = $T/cache
[output]
dir = $T/out
INI
R=$T/out/small_cnn.report.md
check "simd, int8w and fp16w tune" $GEN $T/cnn.ini
check "each quantized candidate's cosine is in the report, at least quant_min" sh -c "
  grep -Eq '^\| int8w\(.*\| cosine 0\.99[0-9]* \|' $R && grep -Eq '^\| fp16w\(.*\| cosine (1\.0|0\.999)[0-9]* \|' $R &&
  grep -Eq '^\| simd\(.*\| rtol/atol \|' $R && grep -q 'quantized backends: cosine >= 0.99' $R"
check "int8w's constants at most 0.3x simd's, fp16w's at most 0.6x" sh -c "
  s=\$(awk -F'|' '\$2 ~ /^ simd\(/ { split(\$9, p, \"+\"); print p[2] + 0; exit }' $R)
  i=\$(awk -F'|' '\$2 ~ /^ int8w\(/ { split(\$9, p, \"+\"); print p[2] + 0; exit }' $R)
  h=\$(awk -F'|' '\$2 ~ /^ fp16w\(/ { split(\$9, p, \"+\"); print p[2] + 0; exit }' $R)
  echo simd \$s int8w \$i fp16w \$h; [ \$((i * 10)) -le \$((s * 3)) ] && [ \$((h * 10)) -le \$((s * 6)) ]"
check "a quant_min no int8 rounding meets: int8w refused with its cosine" sh -c "$GEN --set tune.quant_min=0.99999999 \
  --set tune.backends=int8w,simd --set output.dir=$T/out_strict $T/cnn.ini > $T/strict.log 2>&1 && \
  grep -q 'validation failed: cosine similarity 0\.99[0-9]* to the reference < quant_min 0.99999999' $T/strict.log && \
  grep -Eq '^\| simd\(.*selected' $T/out_strict/small_cnn.report.md"
check "only quantized candidates, none valid: the run fails" sh -c "! $GEN --set tune.quant_min=0.99999999 \
  --set tune.backends=int8w --set output.dir=$T/out_none $T/cnn.ini > $T/none.log 2>&1 && test ! -e $T/out_none/small_cnn.c"
check "quant_metric = top1: the agreement in the report" sh -c "$GEN --set tune.quant_metric=top1 --set tune.quant_min=1 \
  --set tune.backends=int8w --set output.dir=$T/out_top1 $T/cnn.ini > $T/top1.log 2>&1 && \
  grep -Eq '^\| int8w\(.*selected.*\| top-1 1\.000000 \|' $T/out_top1/small_cnn.report.md"
check "an unknown quant_metric is refused, naming the line" sh -c "! $GEN --set tune.quant_metric=mse $T/cnn.ini > $T/bad.log 2>&1 && \
  grep -q 'quant_metric' $T/bad.log"
check "the int8w winner's C is strict C99 (-std=c99 -pedantic -Werror) and declares int8 weights" sh -c "
  gcc -std=c99 -pedantic -Wall -Wextra -Werror -O2 -march=native -c $T/out_top1/small_cnn.c -o $T/q.o &&
  grep -q 'static const int8_t small_cnn_c' $T/out_top1/small_cnn.c"
# a QDQ model as torch 1.13 exports it (tests/export_qdq.py): QuantizeLinear / DequantizeLinear
# around float Conv and Gemm, run as the spec's float math.  onnxruntime's output is matched
# within fp32 rounding; torch's fbgemm kernels round one element of ten a quantum (0.00488) apart.
Q=$PWD/tests/data/qdq_cnn
cat > $T/qdq.ini <<INI
[model]
path = $Q/model.onnx
name = qdq
[tune]
backends = simd, tiled, reference
budget_s = 2
cache_dir = $T/cache
[output]
dir = $T/out_qdq
INI
check "a torch-exported QDQ model tunes" $GEN $T/qdq.ini
check "its emitted C matches onnxruntime's output (rtol 1e-4)" sh -c "gcc -std=c99 -pedantic -Wall -Wextra -Werror -O2 \
  -I$T/out_qdq -DMODEL_H='\"qdq.h\"' -DRUN=qdq_run -DIN_N=QDQ_INPUT0_ELEMS_PER_BATCH -DOUT_N=QDQ_OUTPUT0_ELEMS_PER_BATCH \
  tests/run_emitted.c $T/out_qdq/qdq.c -lm -o $T/run_qdq && $T/run_qdq $Q/input.f32 $Q/ort.f32"
check "and torch's within one output quantum, not closer" sh -c "gcc -std=c99 -O2 -DATOL=0.0049 -DRTOL=0 \
  -I$T/out_qdq -DMODEL_H='\"qdq.h\"' -DRUN=qdq_run -DIN_N=QDQ_INPUT0_ELEMS_PER_BATCH -DOUT_N=QDQ_OUTPUT0_ELEMS_PER_BATCH \
  tests/run_emitted.c $T/out_qdq/qdq.c -lm -o $T/run_qdq1 && $T/run_qdq1 $Q/input.f32 $Q/torch.f32 && \
  ! $T/run_qdq $Q/input.f32 $Q/torch.f32"
# int8: calibrated static quantization (integer Conv / Gemm kernels) on the shared small_cnn
D=$MODELS/small_cnn_testdata/test_data_set_0
cat > $T/i8.ini <<INI
[model]
path = $MODELS/small_cnn.onnx
name = small_cnn
[samples]
path = $MODELS/small_cnn_testdata
[tune]
backends = int8, simd
strategy = min_latency
budget_s = 2
cache_dir = $T/cache
[output]
dir = $T/out_i8
INI
R8=$T/out_i8/small_cnn.report.md
check "int8 tunes: calibrated (percentile), its cosine in the report at least quant_min" sh -c "$GEN $T/i8.ini > $T/i8.log 2>&1 &&
  grep -q '^calibration: 4 tensors on 1 recorded batches, percentile 99.99%' $T/i8.log &&
  grep -Eq '^\| int8\(.*\| cosine 0\.99[0-9]* \|' $R8 &&
  grep -q '^- int8 calibration: percentile 99.99% on the recorded batches; 4 ops run integer kernels' $R8"
check "int8's constants at most 0.3x simd's" sh -c "
  s=\$(awk -F'|' '\$2 ~ /^ simd\(/ { split(\$9, p, \"+\"); print p[2] + 0; exit }' $R8)
  i=\$(awk -F'|' '\$2 ~ /^ int8\(/ { split(\$9, p, \"+\"); print p[2] + 0; exit }' $R8)
  echo simd \$s int8 \$i; [ \$((i * 10)) -le \$((s * 3)) ]"
# the int8 winner's C, whatever won the min_latency race: re-tuned with int8 alone
check "int8 alone: its C is strict C99 and matches torch's outputs (cosine >= 0.99)" sh -c "
  $GEN --set tune.backends=int8 --set output.dir=$T/out_i8a $T/i8.ini > $T/i8a.log 2>&1 &&
  gcc -std=c99 -pedantic -Wall -Wextra -Werror -O2 -march=native -I$T/out_i8a -DMODEL_H='\"small_cnn.h\"' \
    -DRUN=small_cnn_run -DIN_N=SMALL_CNN_INPUT0_ELEMS_PER_BATCH -DOUT_N=SMALL_CNN_OUTPUT0_ELEMS_PER_BATCH -DCOSINE=0.99 \
    tests/run_emitted.c $T/out_i8a/small_cnn.c -lm -o $T/run_i8 && $T/run_i8 $D/input_0.f32 $D/output_0.f32"
check "the portable integer path (-march=x86-64-v3, no VNNI) matches torch too, and the native build" sh -c "
  gcc -std=c99 -pedantic -Wall -Wextra -Werror -O2 -march=x86-64-v3 -I$T/out_i8a -DMODEL_H='\"small_cnn.h\"' \
    -DRUN=small_cnn_run -DIN_N=SMALL_CNN_INPUT0_ELEMS_PER_BATCH -DOUT_N=SMALL_CNN_OUTPUT0_ELEMS_PER_BATCH \
    tests/run_emitted.c $T/out_i8a/small_cnn.c -lm -o $T/run_i8p && $T/run_i8 $D/input_0.f32 $T/native.f32 --write &&
  $T/run_i8p $D/input_0.f32 $T/native.f32 && ! grep -q dpbusd $T/run_i8p"
if grep -q avx512_vnni /proc/cpuinfo; then
  check "on this CPU (avx512_vnni) the native build's sums are vpdpbusd" sh -c "objdump -d $T/run_i8 | grep -q vpdpbusd"
fi
check "--load re-emits the int8 C byte for byte (the ranges are in the manifest)" sh -c "
  cp -r $T/out_i8a $T/out_i8l && rm $T/out_i8l/small_cnn.c && grep -q '^\[calib\]' $T/out_i8l/small_cnn.manifest.ini &&
  $GEN --load $T/out_i8l/small_cnn.manifest.ini > $T/load.log 2>&1 &&
  diff -I 'command:' -I 're-emitted' -I 'generator' -I 'config hash' -I 'graph spec' -I 'model:' -I 'backend:' \
    $T/out_i8a/small_cnn.c $T/out_i8l/small_cnn.c"
# int8 in 2 threads: the integer kernels split (quantizing pass, GEMM rows) and give the serial bits
d=$T/out_i8t
RUN_FLAGS="-I$d -DMODEL_H='\"small_cnn.h\"' -DRUN=small_cnn_run -DIN_N=SMALL_CNN_INPUT0_ELEMS_PER_BATCH -DOUT_N=SMALL_CNN_OUTPUT0_ELEMS_PER_BATCH"
check "int8 in 2 threads: its integer kernels split into tasks, the bits are the serial ones, clean under TSan" sh -c "
  $GEN --set tune.backends=int8 --set target.threads=2 --set output.dir=$d $T/i8.ini > $T/i8t.log 2>&1 &&
  awk '/int8: input scale/ { i = 1 } i && /if \(phase_ == 2\)/ { found = 1 } END { exit !found }' $d/small_cnn.c &&
  gcc -std=c99 -pedantic -Wall -Wextra -Werror -O2 -march=native -pthread $RUN_FLAGS tests/run_emitted.c $d/small_cnn.c \
    $d/small_cnn_pthreads.c -lm -o $d/run2 && $d/run2 $D/input_0.f32 $d/y2.f32 --write &&
  gcc -std=c99 -O1 -g -march=native -fsanitize=thread -pthread $RUN_FLAGS tests/run_emitted.c $d/small_cnn.c \
    $d/small_cnn_pthreads.c -lm -o $d/run_tsan && TSAN_OPTIONS=halt_on_error=1 $d/run_tsan $D/input_0.f32 $d/yt.f32 --write &&
  sed -i 's/^threads = 2/threads = 1/' $d/small_cnn.manifest.ini && $GEN --load $d/small_cnn.manifest.ini > $T/i8t1.log 2>&1 &&
  gcc -std=c99 -O2 -march=native $RUN_FLAGS tests/run_emitted.c $d/small_cnn.c -lm -o $d/run1 &&
  $d/run1 $D/input_0.f32 $d/y1.f32 --write && cmp $d/y1.f32 $d/y2.f32"
# int8's Gemm / MatMul panels: 64 columns, the last one only its columns' vectors wide (small_cnn's
# 10-class head over 64 inputs: 16 words x 16 columns, not 64 columns)
P=$PWD/tests/data/int8_panels
cat > $T/panels.ini <<INI
[model]
path = $P/model.onnx
name = panels
[samples]
path = $P/samples
[tune]
backends = int8
budget_s = 2
cache_dir = $T/cache
[output]
dir = $T/out_panels
INI
RUN_P="-I$T/out_panels -DMODEL_H='\"panels.h\"' -DRUN=panels_run -DIN_N=PANELS_INPUT0_ELEMS_PER_BATCH -DOUT_N=PANELS_OUTPUT0_ELEMS_PER_BATCH -DCOSINE=0.999"
check "int8 panels no wider than their columns: a 10-class head 16 columns, 100 and 70 columns 112 and 80; right on both integer paths" sh -c "
  grep -q 'classifier.1/Gemm#int8_w int32\[256\]' $T/out_i8a/small_cnn.c &&
  $GEN $T/panels.ini > $T/panels.log 2>&1 &&
  grep -q 'Gemm_0#int8_w int32\[1120\]' $T/out_panels/panels.c && grep -q 'MatMul_2#int8_w int32\[2000\]' $T/out_panels/panels.c &&
  gcc -std=c99 -O2 -march=native $RUN_P tests/run_emitted.c $T/out_panels/panels.c -lm -o $T/run_pn &&
  $T/run_pn $P/input.f32 $P/output.f32 &&
  gcc -std=c99 -O2 -march=x86-64-v3 $RUN_P tests/run_emitted.c $T/out_panels/panels.c -lm -o $T/run_pp &&
  $T/run_pp $P/input.f32 $P/output.f32"
check "calib_method = minmax: named in the log and the report" sh -c "$GEN --set tune.calib_method=minmax \
  --set tune.backends=int8 --set output.dir=$T/out_mm $T/i8.ini > $T/mm.log 2>&1 &&
  grep -q '^calibration: 4 tensors on 1 recorded batches, minmax' $T/mm.log &&
  grep -q '^- int8 calibration: minmax on' $T/out_mm/small_cnn.report.md"
check "an unknown calib_method is refused, naming the key" sh -c "! $GEN --set tune.calib_method=mse $T/i8.ini > $T/cm.log 2>&1 &&
  grep -q 'calib_method' $T/cm.log"
check "below quant_min int8 keeps its first ops in fp32 (1, then 2) before it gives up" sh -c "
  ! $GEN --set tune.quant_min=0.99999999 --set tune.backends=int8 --set output.dir=$T/out_isl $T/i8.ini > $T/isl.log 2>&1 &&
  grep -q 'int8: the first 1 of 4 integer ops in fp32, retrying' $T/isl.log &&
  grep -q 'int8: the first 2 of 4 integer ops in fp32, retrying' $T/isl.log && test ! -e $T/out_isl/small_cnn.c"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
