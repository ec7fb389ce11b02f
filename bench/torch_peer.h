/*
 * torch_peer.h — PyTorch as a peer for whole-model training: a persistent
 * child process running bench/torch_ae.py (protocol in that file), started
 * once with its best configuration, so that every request costs only the
 * work it times (importing torch takes seconds).
 *
 * Configuration: OMP_WAIT_POLICY=PASSIVE (torch's OpenMP threads and
 * OpenBLAS's threads otherwise spin against each other), the OpenBLAS
 * variables this process holds (set by the OpenBLAS peer's choice, which
 * torch's GEMMs inherit through libblas.so.3), and ATEN_CPU_CAPABILITY
 * chosen by timing candidates in child processes, as for the BLAS peers.
 */
#ifndef AEKIT_BENCH_TORCH_PEER_H
#define AEKIT_BENCH_TORCH_PEER_H

#include <stdio.h>
#include <sys/types.h>

typedef struct {
    int present;
    char status[384];     /* "ok", or why it is absent                       */
    char version[64];
    char config[512];     /* environment and settings in force               */
    char probes[512];     /* candidate configurations and their step times   */
    char info[1536];      /* blas, threads, parallel_info, ... (one line)     */
    char log[4096];       /* the child's stderr (a file in the scratch dir)  */
    char foreach[8];      /* Adam's foreach argument chosen: "null" or "true" */
    pid_t pid;
    FILE *to, *from;
} aeb_torch;

/* A reply: up to 16 key/value pairs. */
typedef struct {
    int n;
    char key[16][32];
    char val[16][1024];
} aeb_reply;

/* Choose the configuration and start the child; on any failure
 * t->present = 0 and t->status says why.  python: the interpreter, script:
 * torch_ae.py, scratch: a directory for the log, data: the .npy to load.
 * probe: a "run" request (1 thread, steps only) with a %s where the
 * "foreach" value goes, timed in each candidate configuration; NULL: no
 * probing (quick mode), torch's defaults. */
void aeb_torch_setup(aeb_torch *t, const char *python, const char *script, const char *scratch,
                     const char *data, const char *probe);

/* Send one request line (JSON) and read the reply; returns 0 on success
 * (a reply without "error"), -1 if the child is gone (then present = 0). */
int aeb_torch_call(aeb_torch *t, const char *request, aeb_reply *r);

/* The value of key in r, or NULL. */
const char *aeb_reply_get(const aeb_reply *r, const char *key);

void aeb_torch_stop(aeb_torch *t);

#endif
