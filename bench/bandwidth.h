/*
 * bandwidth.h — the machine's memory bandwidth, measured (STREAM-like):
 *
 *   copy   c[i] = a[i]           8 bytes per element counted
 *   triad  a[i] = b[i] + s·c[i]  12 bytes per element counted
 *
 * counted as STREAM counts them (each array read or written once), with
 * stores that bypass the cache where the target has them (x86-64), so no
 * write-allocate read of the destination is made and the bytes counted are
 * the bytes moved: the figure is the memory's streaming rate, the roof a
 * kernel that streams its operands runs under.  Arrays of
 * `elements` floats each, far larger than the last-level cache; each thread
 * first-touches and then streams its own contiguous slice, so the pages sit
 * where that thread runs.  bw/<kind>/t<threads>.
 */
#ifndef AEKIT_BENCH_BANDWIDTH_H
#define AEKIT_BENCH_BANDWIDTH_H

#include <stddef.h>

#include "gbench_shim.h"

void aeb_register_bandwidth(size_t elements, int threads, const aeb_opts *o);

#endif
