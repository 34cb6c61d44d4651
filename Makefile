# aitune-c. `make deps` once, then `make`, `make check`. Quiet unless V=1.
CC      := gcc
CFLAGS  := -std=c11 -O2 -g -Wall -Wextra -Werror -D_XOPEN_SOURCE=700 -I. -Ibuild/proto
LDLIBS  := -ltcc -ldl -lpthread -lprotobuf-c -linih -lxxhash -lm
B       := build
Q       := $(if $(V),,@)

DEB_PKGS := tcc libtcc-dev libopenblas-dev libxxhash-dev libinih-dev libcmocka-dev \
            libprotobuf-c-dev protobuf-c-compiler libonnx-dev libonnx-testdata \
            gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user valgrind
ONNX_PROTO := /usr/include/onnx/onnx.proto

LIB_SRC := $(wildcard ir/*.c ir/ops/*.c templates/*.c templates/*/*.c gen/*.c strategies/*.c)
LIB_SRC := $(filter-out gen/main.c,$(LIB_SRC))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o) $(B)/obj/proto/onnx.pb-c.o
TEST_SRC := $(wildcard tests/test_*.c)
TESTS    := $(TEST_SRC:tests/%.c=$(B)/tests/%) $(B)/tests/test_import_asan
TEST_HELPERS := $(B)/obj/tests/onnx_builder.o
# the import path also runs under AddressSanitizer + UBSan
ASAN    := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASAN_OBJ := $(LIB_OBJ:$(B)/obj/%=$(B)/asan/%)

.PHONY: all deps zoo-deps check conformance bench zoo clean
.SECONDARY:
all: $(B)/aitune-gen

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

$(B)/conformance: $(B)/obj/tests/conformance.o $(B)/libaitune.a
	$(Q)$(CC) -o $@ $^ $(LDLIBS)

check: $(B)/aitune-gen $(TESTS) $(B)/conformance $(B)/tests/edge_model
	$(Q)tests/run_tests.sh $(TESTS) -- $(B)/conformance tests/cli_test.sh

# GEMM vs OpenBLAS vs peak, models vs onnxruntime (npm, offline-safe install) vs reference
$(B)/bench/bench_gemm: bench/bench_gemm.c $(TEST_HELPERS) $(B)/libaitune.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -O3 -march=native -ffp-contract=fast -o $@ $^ -lopenblas $(LDLIBS)

bench: $(B)/aitune-gen $(B)/bench/bench_gemm
	$(Q)bench/run.sh

# the model zoo: torchvision families and hand-made models exported with Debian's torch (build/zoo,
# never in git), each tuned with reference and simd and checked against torch and onnxruntime
ZOO_PKGS := python3-numpy python3-onnx python3-torch python3-torchvision nodejs npm
zoo-deps:
	$(Q)missing=$$(for p in $(ZOO_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; fi
	$(Q)[ -d bench/node_modules/onnxruntime-node ] || (cd bench && ONNXRUNTIME_NODE_INSTALL=skip npm install \
	  --no-audit --no-fund onnxruntime-node >/dev/null)

zoo: $(B)/aitune-gen zoo-deps
	$(Q)/usr/bin/python3 zoo/export.py $(B)/zoo $(ZOO_MODELS)
	$(Q)zoo/run.sh $(B)/zoo $(ZOO_MODELS)

conformance: $(B)/conformance
	$(Q)$(B)/conformance /usr/share/libonnx-testdata/data/node

clean:
	rm -rf $(B)

-include $(shell find $(B)/obj $(B)/asan -name '*.d' 2>/dev/null)
