/*
 * sysinfo.h — what the report says about the system beyond the CPU: the
 * frequency governor and boost (when the kernel exposes them: a VM often
 * does not), the kernel, virtualisation, transparent huge pages, the load
 * when the bench started.  Each becomes a context key of the JSON.
 */
#ifndef AEKIT_BENCH_SYSINFO_H
#define AEKIT_BENCH_SYSINFO_H

void aeb_describe_system(void);

#endif
