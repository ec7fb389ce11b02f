/*
 * cpu.h — what the CPU can execute and how big its caches are.
 * Filled once by aek_cpu_detect(); the kernel-set choice and the cache
 * blocking are derived from it.
 */
#ifndef AEKIT_SIMD_CPU_H
#define AEKIT_SIMD_CPU_H

#include <stddef.h>

typedef struct {
    char arch[16];        /* "x86_64", "aarch64", ...                       */
    char model[80];       /* brand string, or "unknown"                    */
    char vendor[16];
    unsigned family, model_id, stepping;
    /* x86: instruction-set bits from CPUID, and whether the OS saves the
     * register state (XGETBV): AVX needs YMM, AVX-512 needs ZMM + opmask. */
    int sse2, avx, fma, avx2, avx512f, avx512bw, avx512dq, avx512vl;
    int os_ymm, os_zmm;
    /* aarch64 */
    int asimd;
    /* caches in bytes (0 if unknown; then defaults are used and flagged) */
    size_t l1d, l2, l3;
    int l3_sharing;       /* logical CPUs sharing that L3 (0 if unknown)    */
    int caches_detected;  /* 1: from CPUID/sysfs, 0: defaults               */
    int online_cpus;
} aek_cpu_info;

/* Detected once; the returned pointer stays valid. */
const aek_cpu_info *aek_cpu(void);

/* "L1d 32 KiB, L2 1024 KiB, L3 32768 KiB (shared by 16 CPUs)", with a
 * note when L1/L2 were not detected. */
void aek_cpu_caches_str(const aek_cpu_info *c, char *buf, size_t len);

/* The number of CPUs in a Linux CPU list ("0-7,64-71" → 16); 0 if it is
 * empty or malformed. */
int aek_cpu_list_count(const char *list);

/* A space-separated list of the features relevant to aekit. */
void aek_cpu_features_str(const aek_cpu_info *c, char *buf, size_t len);

#endif
