/*
 * cpu.c — CPU feature and cache detection (x86-64 via CPUID/XGETBV, aarch64
 * via the auxiliary vector).  Built for the baseline target: it only asks,
 * it never executes the instructions it asks about.
 */
#define _GNU_SOURCE
#include "cpu.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <cpuid.h>
#elif defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif
#endif

static aek_cpu_info g_cpu;
static pthread_once_t g_cpu_once = PTHREAD_ONCE_INIT;

static void trim(char *s)
{
    size_t n = strlen(s), i = 0;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t'))
        s[--n] = '\0';
    while (s[i] == ' ' || s[i] == '\t')
        i++;
    if (i > 0)
        memmove(s, s + i, n - i + 1);
}

int aek_cpu_list_count(const char *list)
{
    int n = 0;
    const char *p = list;
    while (*p && *p != '\n') {
        char *end;
        long lo = strtol(p, &end, 10), hi = lo;
        if (end == p || lo < 0)
            return 0;
        p = end;
        if (*p == '-') {
            hi = strtol(p + 1, &end, 10);
            if (end == p + 1)
                return 0;
            p = end;
        }
        if (hi < lo || hi - lo >= 65536 || (*p && *p != ',' && *p != '\n'))
            return 0;
        n += (int)(hi - lo + 1);
        if (*p == ',')
            p++;
    }
    return n;
}

/* How many CPUs share cpu0's cache index<idx>; 0 if unknown. */
static int cpus_in_list(int idx)
{
    char path[128], buf[512];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/shared_cpu_list", idx);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int n = fgets(buf, sizeof buf, f) ? aek_cpu_list_count(buf) : 0;
    fclose(f);
    return n;
}

/* Cache sizes from sysfs (Linux), the fallback on either architecture. */
static void caches_from_sysfs(aek_cpu_info *c)
{
    for (int idx = 0; idx < 8; idx++) {
        char path[128], buf[64];
        unsigned level = 0;
        size_t size = 0;
        char type[32] = "";
        FILE *f;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", idx);
        if (!(f = fopen(path, "r")))
            break;
        if (fscanf(f, "%u", &level) != 1)
            level = 0;
        fclose(f);
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", idx);
        if ((f = fopen(path, "r"))) {
            if (!fgets(type, sizeof type, f))
                type[0] = '\0';
            fclose(f);
        }
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", idx);
        if ((f = fopen(path, "r"))) {
            if (fgets(buf, sizeof buf, f)) {
                char unit = 'B';
                unsigned long v = 0;
                if (sscanf(buf, "%lu%c", &v, &unit) >= 1)
                    size = v * (unit == 'K' ? 1024ul : unit == 'M' ? 1048576ul : 1ul);
            }
            fclose(f);
        }
        if (strncmp(type, "Instruction", 11) == 0)
            continue;
        if (level == 1 && !c->l1d) c->l1d = size;
        if (level == 2 && !c->l2) c->l2 = size;
        if (level == 3 && !c->l3) c->l3 = size;
        if (level == 3 && !c->l3_sharing)
            c->l3_sharing = cpus_in_list(idx);
    }
}

#if defined(__x86_64__)
static unsigned long long xgetbv0(void)
{
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

/* Deterministic cache parameters: leaf 4 (Intel) or 0x8000001D (AMD). */
static void caches_from_leaf(aek_cpu_info *c, unsigned leaf)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned a, b, cc, d;
        __cpuid_count(leaf, i, a, b, cc, d);
        unsigned type = a & 31, level = (a >> 5) & 7;
        if (type == 0)
            break;
        if (type == 2) /* instruction cache */
            continue;
        size_t size = (size_t)(((b >> 22) & 0x3ff) + 1) * (((b >> 12) & 0x3ff) + 1) *
                      ((b & 0xfff) + 1) * (cc + 1);
        if (level == 1 && !c->l1d) c->l1d = size;
        if (level == 2 && !c->l2) c->l2 = size;
        if (level == 3 && !c->l3) c->l3 = size;
        /* EAX[25:14]: logical processors sharing it, minus one (on Intel
         * an upper bound: the IDs reserved, a power of two) */
        if (level == 3 && !c->l3_sharing) c->l3_sharing = (int)((a >> 14) & 0xfff) + 1;
    }
}

static void detect_x86(aek_cpu_info *c)
{
    unsigned a, b, cc, d, max_leaf, max_ext;
    strcpy(c->arch, "x86_64");
    __cpuid(0, max_leaf, b, cc, d);
    memcpy(c->vendor, &b, 4);
    memcpy(c->vendor + 4, &d, 4);
    memcpy(c->vendor + 8, &cc, 4);
    c->vendor[12] = '\0';

    __cpuid(1, a, b, cc, d);
    c->stepping = a & 15;
    c->family = (a >> 8) & 15;
    c->model_id = (a >> 4) & 15;
    if (c->family == 15)
        c->family += (a >> 20) & 0xff;
    if (c->family >= 6)
        c->model_id |= ((a >> 16) & 15) << 4;
    c->sse2 = (d >> 26) & 1;
    int osxsave = (cc >> 27) & 1;
    c->avx = (cc >> 28) & 1;
    c->fma = (cc >> 12) & 1;
    if (osxsave) {
        unsigned long long xcr0 = xgetbv0();
        c->os_ymm = (xcr0 & 0x6) == 0x6;              /* SSE + AVX state   */
        c->os_zmm = c->os_ymm && (xcr0 & 0xe0) == 0xe0; /* opmask, ZMM_Hi256, Hi16_ZMM */
    }
    if (max_leaf >= 7) {
        __cpuid_count(7, 0, a, b, cc, d);
        c->avx2 = (b >> 5) & 1;
        c->avx512f = (b >> 16) & 1;
        c->avx512dq = (b >> 17) & 1;
        c->avx512bw = (b >> 30) & 1;
        c->avx512vl = (b >> 31) & 1;
    }

    __cpuid(0x80000000, max_ext, b, cc, d);
    if (max_ext >= 0x80000004) {
        unsigned r[12];
        for (unsigned i = 0; i < 3; i++)
            __cpuid(0x80000002 + i, r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3]);
        memcpy(c->model, r, 48);
        c->model[48] = '\0';
        trim(c->model);
    }

    if (strcmp(c->vendor, "AuthenticAMD") == 0 && max_ext >= 0x8000001D)
        caches_from_leaf(c, 0x8000001D);
    else if (max_leaf >= 4)
        caches_from_leaf(c, 4);
    /* AMD legacy leaves: L1d in 0x80000005 ECX[31:24] KB, L2 in 0x80000006
     * ECX[31:16] KB, L3 in EDX[31:18] × 512 KB. */
    if (strcmp(c->vendor, "AuthenticAMD") == 0 && max_ext >= 0x80000006) {
        __cpuid(0x80000005, a, b, cc, d);
        if (!c->l1d) c->l1d = (size_t)(cc >> 24) * 1024;
        __cpuid(0x80000006, a, b, cc, d);
        if (!c->l2) c->l2 = (size_t)(cc >> 16) * 1024;
        if (!c->l3) c->l3 = (size_t)(d >> 18) * 512 * 1024;
    }
}
#endif

#if defined(__aarch64__)
static void detect_arm(aek_cpu_info *c)
{
    strcpy(c->arch, "aarch64");
    strcpy(c->vendor, "arm");
    c->asimd = (getauxval(AT_HWCAP) & HWCAP_ASIMD) != 0;
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[256];
        unsigned impl = 0, part = 0;
        while (fgets(line, sizeof line, f)) {
            if (sscanf(line, "CPU implementer : %x", &impl) == 1) continue;
            if (sscanf(line, "CPU part : %x", &part) == 1) continue;
            if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
                snprintf(c->model, sizeof c->model, "%s", strchr(line, ':') + 1);
                trim(c->model);
            }
        }
        fclose(f);
        if (!c->model[0] && (impl || part))
            snprintf(c->model, sizeof c->model, "ARM implementer 0x%02x part 0x%03x", impl, part);
    }
}
#endif

static void detect(void)
{
    aek_cpu_info *c = &g_cpu;
    memset(c, 0, sizeof *c);
#if defined(__x86_64__)
    detect_x86(c);
#elif defined(__aarch64__)
    detect_arm(c);
#else
    strcpy(c->arch, "other");
#endif
    if (!c->model[0])
        strcpy(c->model, "unknown");
    caches_from_sysfs(c);
    /* Hypervisors sometimes report nonsense; keep only plausible sizes. */
    if (c->l1d < 4096 || c->l1d > (1u << 20)) c->l1d = 0;
    if (c->l2 < 65536 || c->l2 > ((size_t)64 << 20)) c->l2 = 0;
    if (c->l3 > ((size_t)256 << 20)) c->l3 = 0; /* no CCX has more */
    if (!c->l3) c->l3_sharing = 0;
    c->caches_detected = c->l1d && c->l2;
    if (!c->l1d) c->l1d = 32 * 1024;
    if (!c->l2) c->l2 = 512 * 1024;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    c->online_cpus = n > 0 ? (int)n : 1;
}

const aek_cpu_info *aek_cpu(void)
{
    pthread_once(&g_cpu_once, detect);
    return &g_cpu;
}

void aek_cpu_caches_str(const aek_cpu_info *c, char *buf, size_t len)
{
    char l3[64] = "unknown";
    if (c->l3 && c->l3_sharing > 0)
        snprintf(l3, sizeof l3, "%zu KiB (shared by %d CPUs)", c->l3 >> 10, c->l3_sharing);
    else if (c->l3)
        snprintf(l3, sizeof l3, "%zu KiB", c->l3 >> 10);
    snprintf(buf, len, "L1d %zu KiB, L2 %zu KiB, L3 %s%s", c->l1d >> 10, c->l2 >> 10, l3,
             c->caches_detected ? "" : " (L1/L2 not detected: defaults)");
}

void aek_cpu_features_str(const aek_cpu_info *c, char *buf, size_t len)
{
    buf[0] = '\0';
    struct { int on; const char *name; } f[] = {
        {c->sse2, "sse2"}, {c->avx, "avx"}, {c->fma, "fma"}, {c->avx2, "avx2"},
        {c->avx512f, "avx512f"}, {c->avx512bw, "avx512bw"}, {c->avx512dq, "avx512dq"},
        {c->avx512vl, "avx512vl"}, {c->os_ymm, "os:ymm"}, {c->os_zmm, "os:zmm"},
        {c->asimd, "asimd"},
    };
    size_t used = 0;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (!f[i].on)
            continue;
        int w = snprintf(buf + used, len - used, "%s%s", used ? " " : "", f[i].name);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
}
