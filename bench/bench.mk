# bench.mk — build and run aekit_bench; called by the top-level Makefile
# (`make bench`, `make bench-quick`), which builds $(BUILD)/libaekit.a and
# $(BUILD)/aekit first:
#
#   make -f bench/bench.mk BUILD=build [QUICK=1] run
#
# Outputs: reports/<cpu-slug>/bench.{json,md} (QUICK=1: bench-quick.{json,md},
# so a smoke test never overwrites a full report).
#
# Like the library, only peak_<isa>.c get ISA flags; everything else builds
# for the baseline target.

BUILD   ?= build
CC      ?= cc
CXX     ?= c++
PYTHON  ?= /usr/bin/python3
TARGET  := $(shell $(CC) -dumpmachine)
ARCH    := $(firstword $(subst -, ,$(TARGET)))

AVX2FLAGS   ?= -mavx2 -mfma
AVX512FLAGS ?= -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx2 -mfma
# The library's compile flags, for the report (the top-level Makefile passes
# its own; this default is what it uses unless told otherwise).
LIB_FLAGS   ?= -std=c11 -O2 -g -ffp-contract=off -fno-math-errno -pthread

BENCH_OPT ?= -O2 -g
BCFLAGS   = -std=c11 -Wall -Wextra -Wshadow -Wvla -Wformat=2 -ffp-contract=off \
            -fno-math-errno -pthread -MMD -MP $(BENCH_OPT)
BCXXFLAGS = -std=c++17 -Wall -Wextra -pthread -MMD -MP $(BENCH_OPT)

B    := $(BUILD)/bench
BIN  := $(B)/aekit_bench
LIB  := $(BUILD)/libaekit.a

C_SRC := bench/main.c bench/modes.c bench/peers.c bench/sgemm.c bench/peak.c bench/util.c \
         bench/peak_scalar.c bench/bandwidth.c bench/crosscore.c bench/fused.c bench/vmath.c bench/jacobian.c \
         bench/train.c bench/epoch.c bench/torch_peer.c bench/pca_race.c bench/pin.c bench/sysinfo.c
ifeq ($(ARCH),x86_64)
C_SRC += bench/peak_avx2.c bench/peak_avx512.c
endif
ifeq ($(ARCH),aarch64)
C_SRC += bench/peak_neon.c
endif
OBJ := $(C_SRC:bench/%.c=$(B)/%.o) $(B)/gbench_shim.o
# aekit_regress: the kernels under callgrind (bench/regress.py)
REGRESS := $(B)/aekit_regress
REGRESS_OBJ := $(B)/regress.o $(B)/util.o

$(B)/peak_avx2.o:   ISAFLAGS = $(AVX2FLAGS)
$(B)/peak_avx512.o: ISAFLAGS = $(AVX512FLAGS)

.PHONY: bin run regress

bin: $(BIN)

$(B)/%.o: bench/%.c
	@mkdir -p $(B)
	$(CC) $(BCFLAGS) $(ISAFLAGS) -c $< -o $@

$(B)/gbench_shim.o: bench/gbench_shim.cc
	@mkdir -p $(B)
	$(CXX) $(BCXXFLAGS) -c $< -o $@

$(LIB):
	@echo "bench.mk: $(LIB) is missing: run 'make BUILD=$(BUILD)' first" >&2; exit 1

$(BIN): $(OBJ) $(LIB)
	$(CXX) -pthread -o $@ $(OBJ) $(LIB) -lbenchmark -ldl -lm

$(REGRESS): $(REGRESS_OBJ) $(LIB)
	$(CC) -pthread -o $@ $(REGRESS_OBJ) $(LIB) -lm

# Instruction counts of the core kernels against bench/callgrind_baseline.json
# (UPDATE=1: write the baseline instead).
regress: $(REGRESS)
	@$(PYTHON) bench/regress.py $(if $(UPDATE),--update) $(REGRESS) bench/callgrind_baseline.json

# The command line that reproduces a report, as the report will quote it.
CMD := make $(if $(QUICK),bench-quick,bench)$(if $(filter-out build,$(BUILD)), BUILD=$(BUILD))
OUT := bench$(if $(QUICK),-quick)

run: $(BIN)
	@slug=$$(bash tools/cpu_slug.sh $(BUILD)/aekit) && dir=reports/$$slug && mkdir -p $$dir && \
	commit=$$(git rev-parse HEAD 2>/dev/null || echo unknown) && \
	dirty=$$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo yes || echo no) && \
	$(BIN) $(if $(QUICK),--quick) --out $$dir/$(OUT).json \
	    --python $(PYTHON) --torch-script bench/torch_ae.py \
	    --context "bench_command=$(CMD)" \
	    --context "git_commit=$$commit" --context "git_dirty=$$dirty" \
	    --context "lib_flags=$(strip $(LIB_FLAGS)) (ISA files: $(AVX2FLAGS) / $(AVX512FLAGS))" \
	    --context "bench_flags=$(strip $(BCFLAGS)); peak files: $(AVX2FLAGS) / $(AVX512FLAGS)" \
	    $(BENCH_ARGS) && \
	$(PYTHON) bench/report.py $$dir/$(OUT).json $$dir/$(OUT).md && \
	echo "bench: wrote $$dir/$(OUT).md"

-include $(OBJ:.o=.d) $(REGRESS_OBJ:.o=.d)
