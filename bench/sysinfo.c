/* sysinfo.c — see sysinfo.h. */
#define _GNU_SOURCE
#include "sysinfo.h"
#include "gbench_shim.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* The first line of a file, without its newline; 0 if unreadable. */
static int read_line(const char *path, char *out, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int ok = fgets(out, (int)len, f) != NULL;
    fclose(f);
    if (ok)
        out[strcspn(out, "\n")] = '\0';
    return ok;
}

/* Per-CPU cpufreq files, summarised: "performance (all 2)" or a list. */
static void cpufreq(const char *file, const char *key)
{
    char v[128], first[128] = "", list[512] = "";
    int n = 0, same = 1;
    long ncpu = sysconf(_SC_NPROCESSORS_CONF);
    for (long c = 0; c < ncpu && c < 512; c++) {
        char path[128];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%ld/cpufreq/%s", c, file);
        if (!read_line(path, v, sizeof v))
            continue;
        if (!n)
            snprintf(first, sizeof first, "%s", v);
        same &= !strcmp(first, v);
        aeb_append(list, sizeof list, "%scpu%ld %s", n ? ", " : "", c, v);
        n++;
    }
    char out[600];
    if (!n)
        snprintf(out, sizeof out, "not exposed (no /sys/devices/system/cpu/cpu*/cpufreq: "
                 "typical of a VM; the host controls the clock)");
    else if (same)
        snprintf(out, sizeof out, "%s (all %d CPUs)", first, n);
    else
        snprintf(out, sizeof out, "%s", list);
    aeb_add_context(key, out);
}

void aeb_describe_system(void)
{
    char v[512];
    cpufreq("scaling_governor", "sys_governor");
    cpufreq("scaling_driver", "sys_cpufreq_driver");
    cpufreq("cpuinfo_max_freq", "sys_max_freq_khz");
    if (read_line("/sys/devices/system/cpu/cpufreq/boost", v, sizeof v))
        aeb_add_context("sys_boost", !strcmp(v, "1") ? "on" : !strcmp(v, "0") ? "off" : v);
    else if (read_line("/sys/devices/system/cpu/intel_pstate/no_turbo", v, sizeof v))
        aeb_add_context("sys_boost", !strcmp(v, "0") ? "on (intel_pstate)" : "off (intel_pstate)");
    else
        aeb_add_context("sys_boost", "not exposed");
    struct utsname u;
    if (uname(&u) == 0) {
        snprintf(v, sizeof v, "%s %s %s", u.sysname, u.release, u.machine);
        aeb_add_context("sys_kernel", v);
    }
    /* the "hypervisor" CPU flag: a virtual machine, whose vCPUs share the
     * host with other guests */
    FILE *f = fopen("/proc/cpuinfo", "r");
    int hv = 0;
    char line[4096];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "flags", 5)) {
            hv = strstr(line, " hypervisor") != NULL;
            break;
        }
    if (f)
        fclose(f);
    aeb_add_context("sys_virtual", hv ? "yes (hypervisor flag)" : "no hypervisor flag");
    if (read_line("/sys/kernel/mm/transparent_hugepage/enabled", v, sizeof v))
        aeb_add_context("sys_thp", v);
    if (read_line("/proc/loadavg", v, sizeof v))
        aeb_add_context("sys_loadavg_at_start", v);
}
