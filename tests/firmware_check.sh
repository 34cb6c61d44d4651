#!/bin/sh
# make firmware-check: the emitted C of the shared small models, per backend (fp32: reference,
# tiled, simd; weights int8 / fp16: int8w, fp16w; int8 calibrated: int8, its portable integer
# kernels), tuned on the host for [target] arch = cortex-m,
# cross-built with arm-none-eabi-gcc for a Cortex-M4F (-mfloat-abi=hard) and run under
# qemu-system-arm -M mps2-an386 against the model's expected outputs (semihosting carries the
# result line and the exit status).  Prints text/data/bss of each model's object and ends with
# "N passed, N failed".
cd "$(dirname "$0")/.." || exit 2
case ${B:=build} in /*) ;; *) B=$PWD/$B ;; esac
GEN=$B/aitune-gen
MODELS=$PWD/../shared/models
T=${FIRMWARE_DIR:-$(mktemp -d /tmp/aitune-firmware.XXXXXX)}
[ -n "${FIRMWARE_DIR:-}" ] || trap 'rm -rf "$T"' EXIT
mkdir -p "$T"
CF="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -O2 -std=c99 -ffunction-sections -fdata-sections"
pass=0; fail=0
rows=""
# raw little-endian float32 -> a C array of its bits
embed() { echo "const unsigned int $1[] = {"; od -An -v -tx4 "$2" | sed 's/ *\([0-9a-f]\{8\}\)/0x\1u,/g'; echo "};"; }
for m in mlp small_cnn; do
  D=$MODELS/${m}_testdata/test_data_set_0
  { embed fw_input $D/input_0.f32; embed fw_expected $D/output_0.f32; } > $T/${m}_data.c
  UP=$(echo $m | tr a-z A-Z)
  for b in reference tiled simd int8w fp16w int8; do
    O=$T/out_${m}_$b
    cat > $T/$m.$b.ini <<INI
[model]
path = $MODELS/$m.onnx
name = $m
[samples]
path = $MODELS/${m}_testdata
[tune]
backends = $b
budget_s = 5
cache_dir = $T/cache
[target]
arch = cortex-m
[output]
dir = $O
INI
    quant=""
    case $b in int8w) quant="-DQUANT_MIN=0.999" ;; int8) quant="-DQUANT_MIN=0.99" ;; fp16w) quant="-DQUANT_MIN=0.99999" ;; esac
    if $GEN $T/$m.$b.ini > $T/$m.$b.log 2>&1 &&
       arm-none-eabi-gcc $CF -pedantic -Wall -Wextra -Werror -c $O/$m.c -o $T/$m.$b.o >> $T/$m.$b.log 2>&1 &&
       arm-none-eabi-gcc $CF -Wall -Wextra -Werror -I$O -DMODEL_H="\"$m.h\"" -DRUN=${m}_run \
         -DIN_N=${UP}_INPUT0_ELEMS_PER_BATCH -DOUT_N=${UP}_OUTPUT0_ELEMS_PER_BATCH -DNAME="\"$m\"" -DBACKEND="\"$b\"" \
         $quant firmware/check_main.c firmware/startup.c $T/${m}_data.c $T/$m.$b.o -T firmware/mps2_an386.ld \
         -nostartfiles --specs=nano.specs --specs=nosys.specs -u _printf_float -Wl,--gc-sections -lm \
         -o $T/$m.$b.elf >> $T/$m.$b.log 2>&1 &&
       timeout 300 qemu-system-arm -M mps2-an386 -nographic -monitor none -semihosting-config enable=on,target=native \
         -kernel $T/$m.$b.elf > $T/$m.$b.run 2>&1 && grep -q ": ok," $T/$m.$b.run; then
      pass=$((pass + 1)); echo "ok    $(cat $T/$m.$b.run)"
    else
      fail=$((fail + 1)); echo "FAIL  $m $b"; tail -5 $T/$m.$b.log; cat $T/$m.$b.run 2>/dev/null
    fi
    sz=$(arm-none-eabi-size $T/$m.$b.o 2>/dev/null | awk 'NR == 2 { printf "| %s | %s | %s |", $1, $2, $3 }')
    rows="$rows| $m | $b $sz\n"
  done
done
# the harness must be able to fail: a bound no int8 rounding meets
if arm-none-eabi-gcc $CF -I$T/out_mlp_int8w -DMODEL_H='"mlp.h"' -DRUN=mlp_run -DIN_N=MLP_INPUT0_ELEMS_PER_BATCH \
     -DOUT_N=MLP_OUTPUT0_ELEMS_PER_BATCH -DNAME='"mlp"' -DBACKEND='"int8w"' -DQUANT_MIN=1.5 firmware/check_main.c \
     firmware/startup.c $T/mlp_data.c $T/mlp.int8w.o -T firmware/mps2_an386.ld -nostartfiles --specs=nano.specs \
     --specs=nosys.specs -u _printf_float -Wl,--gc-sections -lm -o $T/neg.elf > $T/neg.log 2>&1 &&
   ! timeout 300 qemu-system-arm -M mps2-an386 -nographic -monitor none -semihosting-config enable=on,target=native \
     -kernel $T/neg.elf > $T/neg.run 2>&1 && grep -q "FAIL" $T/neg.run; then
  pass=$((pass + 1)); echo "ok    a result below its bound fails under qemu (exit status through semihosting)"
else
  fail=$((fail + 1)); echo "FAIL  the negative check"; cat $T/neg.log $T/neg.run 2>/dev/null
fi
echo
echo "Footprint of each model's emitted C on the Cortex-M4F (arm-none-eabi-gcc -O2; weights in text as const):"
echo
echo "| model | backend | text | data | bss |"
echo "|---|---|---|---|---|"
printf "$rows"
echo
echo "onnx2c's published figure (its README): 8,276 B of text for its sine example on an STM32F411."
echo "[target] arch = cortex-m trials are timed on the host (gcc -O3, portable C): the ranking is the host's."
echo
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
