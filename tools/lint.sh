#!/usr/bin/env bash
# lint.sh — static analysis of the C sources with cppcheck; exits non-zero on
# any finding.  Run by .ci/run; by hand: bash tools/lint.sh (installs
# cppcheck through tools/deps.sh lint).
#
# Check set: cppcheck's error class (always on) plus --enable=warning,
# portability,performance.  `style` is left out: on this code base its
# findings were loop-condition false positives (knownConditionTrueFalse on
# loops cppcheck 2.10 does not follow), variable-scope and unused-member
# nits — noise that would teach people to ignore the linter.  A false
# positive of the enabled classes is suppressed where it occurs, with the
# reason:   /* cppcheck-suppress <id> ; <why> */
#
# Configurations: the x86-64 build (everything but simd/neon/) and the
# AArch64 build (simd/neon/ and the portable drivers), each with the
# compiler's own architecture macro, so #if branches are checked as built.
# Files: src/ simd/ cli/ fuzz/ verify/ (bench/ is C++ glue around Google
# Benchmark and is not included).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
bash tools/deps.sh lint >&2 || exit 2
common=(--std=c11 --platform=unix64 --inline-suppr --error-exitcode=1 -q -j2
        --enable=warning,portability,performance -D__GNUC__ -D__linux__
        --suppress=missingIncludeSystem)
x86=$(find src simd cli fuzz verify -name '*.c' ! -path 'simd/neon/*' | sort)
arm=$(find simd -name '*.c' ! -path 'simd/avx2/*' ! -path 'simd/avx512/*' | sort)
echo "cppcheck $(cppcheck --version | awk '{print $2}'): $(wc -w <<<"$x86") files (x86-64), $(wc -w <<<"$arm") files (AArch64)"
rc=0
# shellcheck disable=SC2086
cppcheck "${common[@]}" -D__x86_64__ -U__aarch64__ $x86 || rc=1
# shellcheck disable=SC2086
cppcheck "${common[@]}" -D__aarch64__ -U__x86_64__ $arm || rc=1
if [ $rc -eq 0 ]; then echo "cppcheck: no findings"; else echo "cppcheck: findings above" >&2; fi
exit $rc
