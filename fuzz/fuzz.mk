# fuzz/fuzz.mk — the libFuzzer targets, built with clang; run by `make fuzz`.
#
#   make fuzz                              each target for FUZZ_SECONDS (60) in turn
#   make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS="csv model"
#   make -f fuzz/fuzz.mk targets           build only
#
# The library and the CLI are compiled again with clang under ASan + UBSan
# (every UB report is fatal) and libFuzzer's coverage instrumentation, into
# $(FUZZ_BUILD)/ (default build-fuzz/), ISA flags per directory as in the
# Makefile.  One binary per target: $(FUZZ_BUILD)/fuzz_<name>.  fuzz/run.sh
# runs them one at a time (the machine is shared), keeps the growing corpus
# in $(FUZZ_BUILD)/corpus/<name>/ (seeds: fuzz/corpus/<name>/, never
# written), crashes in $(FUZZ_BUILD)/artifacts/<name>/, and prints the
# executions of every target.  A crash found becomes a file under
# verify/regress/<name>/, replayed by verify/test_regress in `make verify`.

FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= idx npy csv model cli gzip

# Passed by the Makefile; the defaults let `make -f fuzz/fuzz.mk` stand alone.
WARN        ?= -Wall -Wextra -Wshadow -Wvla -Wformat=2
AVX2FLAGS   ?= -mavx2 -mfma
AVX512FLAGS ?= -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx2 -mfma
ARCH        := $(firstword $(subst -, ,$(shell $(FUZZ_CC) -dumpmachine)))
ifeq ($(ARCH),x86_64)
LIB_SRC     ?= simd/cpu.c simd/dispatch.c simd/threadpool.c simd/gemm.c simd/pack.c \
               $(wildcard simd/scalar/*.c simd/avx2/*.c simd/avx512/*.c src/*.c)
else
LIB_SRC     ?= simd/cpu.c simd/dispatch.c simd/threadpool.c simd/gemm.c simd/pack.c \
               $(wildcard simd/scalar/*.c simd/neon/*.c src/*.c)
endif
CLI_SRC     ?= $(wildcard cli/*.c)

SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FCFLAGS  = -std=c11 $(WARN) -g -O1 -ffp-contract=off -fno-math-errno -pthread -MMD -MP $(SAN)
COVERAGE = -fsanitize=fuzzer-no-link

OBJ      = $(FUZZ_BUILD)/obj
LIB_OBJ  = $(LIB_SRC:%.c=$(OBJ)/%.o)
# cli/aekit.c with its main renamed, so fuzz_cli can call the dispatch
CLI_OBJ  = $(patsubst %.c,$(OBJ)/%.o,$(filter-out cli/aekit.c,$(CLI_SRC))) $(OBJ)/cli/aekit_main.o
LIB      = $(FUZZ_BUILD)/libaekit.a
BINS     = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

.PHONY: targets run
.SECONDARY:
targets: $(BINS)

run: targets
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) bash fuzz/run.sh $(FUZZ_TARGETS)

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FCFLAGS) $(COVERAGE) $(ISAFLAGS) -c $< -o $@

$(OBJ)/cli/aekit_main.o: cli/aekit.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FCFLAGS) $(COVERAGE) -Dmain=aekit_main -c $< -o $@

$(OBJ)/fuzz/%.o: ISAFLAGS = -DAEK_LIBFUZZER
$(OBJ)/simd/avx2/%.o: ISAFLAGS = $(AVX2FLAGS)
$(OBJ)/simd/avx512/%.o: ISAFLAGS = $(AVX512FLAGS)

$(LIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

# Only the CLI target needs the CLI objects; linking them into all is harmless.
$(FUZZ_BUILD)/fuzz_%: $(OBJ)/fuzz/fuzz_%.o $(OBJ)/fuzz/fuzz_util.o $(CLI_OBJ) $(LIB)
	$(FUZZ_CC) -fsanitize=fuzzer $(SAN) -g -o $@ $< $(OBJ)/fuzz/fuzz_util.o $(CLI_OBJ) $(LIB) -lm -pthread

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(wildcard $(OBJ)/fuzz/*.d)
