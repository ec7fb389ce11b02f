#!/usr/bin/env bash
# run_kernels.sh — the kernel tests of a build, possibly under an emulator or
# a sanitizer: verify/run.sh restricted to TESTS (default: test_gemm
# test_vmath), no steps and no report.  Used by `make verify-aarch64`
# (BUILD=build-aarch64, RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu") and
# `make verify-tsan`.
export TESTS=${TESTS:-"test_gemm test_vmath"}
exec bash "$(dirname "$0")/run.sh"
