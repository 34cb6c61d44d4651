# aitune-c. `make deps` once, then `make`, `make check`. Quiet unless V=1.
CC      := gcc
CFLAGS  := -std=c11 -O2 -g -fPIC -Wall -Wextra -Werror -D_XOPEN_SOURCE=700 -I. -Ibuild/proto
LDLIBS  := -ltcc -ldl -lpthread -lprotobuf-c -linih -lxxhash -lm
B       := build
Q       := $(if $(V),,@)

DEB_PKGS := tcc libtcc-dev libopenblas-dev libxxhash-dev libinih-dev libcmocka-dev \
            libprotobuf-c-dev protobuf-c-compiler libonnx-dev libonnx-testdata \
            gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user valgrind clang libclang-rt-14-dev \
            python3-numpy python3-onnx
ONNX_PROTO := /usr/include/onnx/onnx.proto

LIB_SRC := $(wildcard ir/*.c ir/ops/*.c templates/*.c templates/*/*.c gen/*.c strategies/*.c runtime/*.c)
LIB_SRC := $(filter-out gen/main.c,$(LIB_SRC))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o) $(B)/obj/proto/onnx.pb-c.o
TEST_SRC := $(wildcard tests/test_*.c)
TESTS    := $(TEST_SRC:tests/%.c=$(B)/tests/%) $(B)/tests/test_import_asan $(B)/tests/test_runtime_tsan
TEST_HELPERS := $(B)/obj/tests/onnx_builder.o
# the import path also runs under AddressSanitizer + UBSan
ASAN    := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASAN_OBJ := $(LIB_OBJ:$(B)/obj/%=$(B)/asan/%)
# libFuzzer harnesses (clang, ASan + UBSan) over the library built the same way; `make check`
# replays every corpus, `make fuzz FUZZ_S=N` fuzzes each harness N seconds (new inputs go to
# build/fuzz/work_<name>, crashes to build/fuzz/crash_<name>-*)
FUZZ_CC   := clang
FUZZ_SAN  := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -D_XOPEN_SOURCE=700 -I. -I$(B)/proto $(FUZZ_SAN)
FUZZ_OBJ  := $(LIB_SRC:%.c=$(B)/fuzzobj/%.o) $(B)/fuzzobj/proto/onnx.pb-c.o
FUZZERS   := onnx npy pb config manifest
FUZZ_BINS := $(FUZZERS:%=$(B)/fuzz/fuzz_%)
FUZZ_S    ?= 60

.PHONY: all deps zoo-deps check conformance bench bench-zoo bench-model bench-runtime bench-quant firmware-check firmware-deps zoo fuzz fuzz-build clean
.SECONDARY:
all: $(B)/aitune-gen $(B)/libaitune.so

deps:
	$(Q)missing=$$(for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	else echo "deps: all present"; fi

# protobuf-c code generated from the system's schema (never copied into the repo)
$(B)/proto/onnx.pb-c.c $(B)/proto/onnx.pb-c.h: $(ONNX_PROTO)
	@mkdir -p $(B)/proto
	$(Q)protoc-c --c_out=$(B)/proto -I$(dir $(ONNX_PROTO)) $(ONNX_PROTO)

$(B)/obj/proto/onnx.pb-c.o: $(B)/proto/onnx.pb-c.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC    $<")
	$(Q)$(CC) -O2 -g -fPIC -I$(B)/proto -c $< -o $@

$(B)/obj/%.o: %.c $(B)/proto/onnx.pb-c.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC    $<")
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(B)/libaitune.a: $(LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

# Debian's libtcc is a static archive without -fPIC: the app links it (-ltcc), and the shared
# library finds tcc_* in the executable
$(B)/libaitune.so: $(LIB_OBJ)
	@$(if $(Q),echo "  LD    $@")
	$(Q)$(CC) -shared -o $@ $^ $(filter-out -ltcc,$(LDLIBS))

$(B)/aitune-gen: $(B)/obj/gen/main.o $(B)/libaitune.a
	@$(if $(Q),echo "  LD    $@")
	$(Q)$(CC) -o $@ $^ $(LDLIBS)

$(B)/tests/%: $(B)/obj/tests/%.o $(TEST_HELPERS) $(B)/libaitune.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD    $@")
	$(Q)$(CC) -o $@ $^ -lcmocka $(LDLIBS)

$(B)/asan/proto/onnx.pb-c.o: $(B)/proto/onnx.pb-c.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -O1 -g $(ASAN) -I$(B)/proto -c $< -o $@

$(B)/asan/%.o: %.c $(B)/proto/onnx.pb-c.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC    $< (asan)")
	$(Q)$(CC) $(CFLAGS) -O1 $(ASAN) -MMD -MP -c $< -o $@

$(B)/tests/test_import_asan: $(B)/asan/tests/test_import.o $(B)/asan/tests/onnx_builder.o $(ASAN_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD    $@")
	$(Q)$(CC) $(ASAN) -o $@ $^ -lcmocka $(LDLIBS)

# libaitune's threads (serialized calls, the deferred tuner) under ThreadSanitizer
TSAN    := -fsanitize=thread -fno-omit-frame-pointer
TSAN_OBJ := $(LIB_OBJ:$(B)/obj/%=$(B)/tsan/%)

$(B)/tsan/proto/onnx.pb-c.o: $(B)/proto/onnx.pb-c.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -O1 -g $(TSAN) -I$(B)/proto -c $< -o $@

$(B)/tsan/%.o: %.c $(B)/proto/onnx.pb-c.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC    $< (tsan)")
	$(Q)$(CC) $(CFLAGS) -O1 $(TSAN) -MMD -MP -c $< -o $@

$(B)/tests/test_runtime_tsan: $(B)/tsan/tests/test_runtime.o $(B)/tsan/tests/onnx_builder.o $(TSAN_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD    $@")
	$(Q)$(CC) $(TSAN) -o $@ $^ -lcmocka $(LDLIBS)

$(B)/conformance: $(B)/obj/tests/conformance.o $(B)/libaitune.a
	$(Q)$(CC) -o $@ $^ $(LDLIBS)

check: $(B)/aitune-gen $(B)/libaitune.so $(TESTS) $(B)/conformance $(B)/tests/edge_model $(FUZZ_BINS)
	$(Q)CHECK_FIRST="tests/cli_test.sh $(B)/tests/test_passes $(B)/tests/test_threads tests/strict_conformance.sh" tests/run_tests.sh $(TESTS) -- $(B)/conformance tests/spec_conformance.sh tests/backend_conformance.sh tests/strict_conformance.sh tests/cli_test.sh tests/budget_test.sh tests/quant_test.sh tests/jit_app_test.sh tests/fuzz_replay.sh


$(B)/fuzzobj/proto/onnx.pb-c.o: $(B)/proto/onnx.pb-c.c
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -I$(B)/proto -c $< -o $@

$(B)/fuzzobj/%.o: %.c $(B)/proto/onnx.pb-c.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC    $< (fuzz)")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(B)/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_util.h $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD    $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	$(Q)for f in $(FUZZERS); do mkdir -p $(B)/fuzz/work_$$f; \
	  echo "== fuzz_$$f for $(FUZZ_S) s"; \
	  ASAN_OPTIONS=detect_leaks=0 $(B)/fuzz/fuzz_$$f -max_total_time=$(FUZZ_S) -timeout=20 -rss_limit_mb=4096 \
	    -artifact_prefix=$(B)/fuzz/crash_$$f- -print_final_stats=1 $(B)/fuzz/work_$$f fuzz/corpus/$$f \
	    2>&1 | grep -E '^#[0-9]+.*(DONE|INITED)|stat::number_of_executed_units|SUMMARY|ERROR' ; done

# GEMM vs OpenBLAS vs peak, models vs onnxruntime (npm, offline-safe install) vs reference
$(B)/bench/bench_gemm: bench/bench_gemm.c $(TEST_HELPERS) $(B)/libaitune.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -O3 -march=native -ffp-contract=fast -o $@ $^ -lopenblas $(LDLIBS)

$(B)/bench/bench_runtime: bench/bench_runtime.c $(B)/libaitune.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# libaitune: eager vs tuned, time to tuned (cold and cached), dispatch overhead
bench-runtime: $(B)/bench/bench_runtime
	$(Q)bench/runtime_bench.sh

# int8w and fp16w against fp32 simd on the shared models
bench-quant: $(B)/aitune-gen
	$(Q)bench/weight_formats_bench.sh

bench: $(B)/aitune-gen $(B)/bench/bench_gemm $(B)/bench/bench_runtime zoo-deps
	$(Q)bench/run.sh
	$(Q)bench/runtime_bench.sh | tee -a bench/results.md
	$(Q)bench/weight_formats_bench.sh | tee -a bench/results.md
	$(Q)/usr/bin/python3 zoo/export.py $(B)/zoo $(ZOO_MODELS) >/dev/null
	$(Q)bench/zoo_bench.sh $(B)/zoo $(ZOO_MODELS) | tee -a bench/results.md

# one model, kernel by kernel against onnxruntime's profiler: make bench-model MODEL=efficientnet_b0
bench-model: $(B)/aitune-gen zoo-deps
	$(Q)[ -d "$(MODEL)" ] || /usr/bin/python3 zoo/export.py $(B)/zoo $(MODEL) >/dev/null
	$(Q)bench/model_bench.sh $(MODEL)

# the zoo part of make bench alone (ZOO_MODELS="resnet18 ..." narrows it)
bench-zoo: $(B)/aitune-gen zoo-deps
	$(Q)/usr/bin/python3 zoo/export.py $(B)/zoo $(ZOO_MODELS) >/dev/null
	$(Q)bench/zoo_bench.sh $(B)/zoo $(ZOO_MODELS)

# the shared small models' emitted C on a Cortex-M4F under qemu (mps2-an386), per backend
FIRMWARE_PKGS := gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
firmware-deps:
	$(Q)missing=$$(for p in $(FIRMWARE_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; fi

firmware-check: $(B)/aitune-gen firmware-deps
	$(Q)tests/firmware_check.sh

# the model zoo: torchvision families and hand-made models exported with Debian's torch (build/zoo,
# never in git), each tuned with reference and simd and checked against torch and onnxruntime
# node and npm by command: a machine's own Node.js (not Debian's package) conflicts with Debian's npm
ZOO_PKGS := python3-numpy python3-onnx python3-torch python3-torchvision
zoo-deps:
	$(Q)missing=$$(for p in $(ZOO_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done; \
	  command -v npm >/dev/null || echo nodejs npm); \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; fi
	$(Q)[ -d bench/node_modules/onnxruntime-node ] || (cd bench && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save \
	  --no-audit --no-fund >/dev/null)

zoo: $(B)/aitune-gen zoo-deps
	$(Q)/usr/bin/python3 zoo/export.py $(B)/zoo $(ZOO_MODELS)
	$(Q)zoo/run.sh $(B)/zoo $(ZOO_MODELS)

conformance: $(B)/conformance
	$(Q)$(B)/conformance /usr/share/libonnx-testdata/data/node
	$(Q)B=$(B) tests/spec_conformance.sh
	$(Q)B=$(B) FULL=1 tests/backend_conformance.sh

clean:
	rm -rf $(B)

-include $(shell find $(B)/obj $(B)/asan $(B)/tsan $(B)/fuzzobj -name '*.d' 2>/dev/null)
