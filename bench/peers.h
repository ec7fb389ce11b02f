/*
 * peers.h — OpenBLAS and BLIS as comparison points, each loaded with
 * dlopen(RTLD_LOCAL) (both export sgemm_/cblas_sgemm, so they must not share
 * a symbol scope) and each in its best configuration on the CPU at hand.
 *
 * Both libraries read their configuration from the environment when they
 * initialise, and neither can be re-initialised in one process, so the
 * candidate configurations are timed in child processes (this executable run
 * with --probe); the fastest is then set in this process's environment
 * before the library is loaded here.
 */
#ifndef AEKIT_BENCH_PEERS_H
#define AEKIT_BENCH_PEERS_H

#include "../src/aekit.h"
#include "../simd/kernels.h"

typedef enum { AEB_OPENBLAS = 0, AEB_BLIS = 1, AEB_NPEERS = 2 } aeb_peer_id;

/* Row-major C = alpha·op(A)·op(B) + beta·C through the peer's cblas_sgemm. */
typedef void (*aeb_peer_sgemm_fn)(aek_trans ta, aek_trans tb, int m, int n, int k, float alpha,
                                  const float *A, int lda, const float *B, int ldb, float beta,
                                  float *C, int ldc);

typedef struct {
    aeb_peer_id id;
    const char *name;     /* "OpenBLAS", "BLIS" */
    const char *key;      /* "openblas", "blis": benchmark names, JSON keys */
    int present;          /* loaded, configured and its results checked     */
    char status[384];     /* "ok", or why it is absent or rejected          */
    char path[256];       /* the library file actually loaded               */
    char version[160];
    char config[224];     /* the environment chosen                         */
    char kernel[64];      /* openblas_get_corename() / bli_arch_string()    */
    char probes[1024];    /* every configuration tried, with its GFLOP/s    */
    char check[256];      /* agreement with aek_sgemm                       */
    aeb_peer_sgemm_fn sgemm;
    void (*set_threads)(int n);
} aeb_peer;

/* Probe the configurations of both peers (quick: shorter probes), choose the
 * fastest of each, load it into this process and check its results against
 * aek_sgemm with kernel set ks (threads: thread count of the check).
 * Progress goes to stderr. */
void aeb_peers_setup(aeb_peer peers[AEB_NPEERS], int quick, const aek_kernel_set *ks, int threads);

/* Mark both peers absent with the given status (nothing is loaded). */
void aeb_peers_skip(aeb_peer peers[AEB_NPEERS], const char *status);

/* The child side of a probe: argv = {..., "--probe", name, [--list-archs],
 * [--quick]}.  Prints key/value lines on stdout; returns the exit status. */
int aeb_peer_probe_main(int argc, char **argv);

#endif
