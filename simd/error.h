/*
 * error.h — the library's error tier: set a thread-local message, return a
 * status.  Kernels assert; library functions return aek_status with the
 * message in aek_last_error(); the command line prints it and exits non-zero.
 */
#ifndef AEKIT_SIMD_ERROR_H
#define AEKIT_SIMD_ERROR_H

#include "../src/aekit.h"

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
aek_status aek_error(aek_status s, const char *fmt, ...);

#endif
