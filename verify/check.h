/*
 * check.h — the verify report protocol.  Every proof prints one line
 *
 *   CHECK <tab> name <tab> figure <tab> bound <tab> PASS|FAIL|SKIP <tab> note
 *
 * which verify/run.sh collects into the table, reports/<cpu>/verify.md and
 * the final "N passed, M failed" line.  A test binary's exit status is
 * non-zero iff one of its checks failed.
 */
#ifndef AEKIT_VERIFY_CHECK_H
#define AEKIT_VERIFY_CHECK_H

#include <stddef.h>

/* Records a check that passes when figure <= bound (and is not NaN).
 * Returns 1 on pass. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
int chk_le(const char *name, double figure, double bound, const char *note_fmt, ...);

/* Records a check with an explicit verdict; figure/bound are printed as given
 * (use bound = NAN when there is none). */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
int chk_verdict(const char *name, double figure, double bound, int pass, const char *note_fmt, ...);

/* A combination that was not run, with the reason (counted as a skip). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void chk_skip(const char *name, const char *reason_fmt, ...);

/* Prints the per-binary summary; returns the exit status (0 iff no failure). */
/* The kernel set `isa` (an aek_isa) when this CPU and binary execute it;
 * otherwise a SKIP line named after it, and NULL. */
struct aek_kernel_set;
const struct aek_kernel_set *chk_kernel_set(int isa);

int chk_finish(void);

/* Deterministic test data: splitmix64-based uniform in [lo, hi). */
typedef struct { unsigned long long s; } chk_rng;
double chk_uniform(chk_rng *r, double lo, double hi);
unsigned long long chk_next(chk_rng *r);

#endif
