#!/usr/bin/python3
"""fit_vmath.py — fit the vector-math polynomials and write their float32
coefficients to simd/scalar/vmath_coeffs.h (shared by every kernel set).

    /usr/bin/python3 tools/fit_vmath.py            # print the header
    /usr/bin/python3 tools/fit_vmath.py --write    # regenerate the header

Each polynomial minimises the maximum *relative* error of the final function
(not of the polynomial) on its interval, by the Remez exchange on a dense
grid.  The coefficients are then rounded to float32 one at a time, lowest
degree first, refitting the higher ones after each rounding so they absorb the
rounding error.  The error printed is that of the float32 coefficients
evaluated exactly (in double); the float evaluation adds its own rounding,
which verify/test_vmath.c measures end to end.
"""
import sys

import numpy as np

LN2 = np.log(2.0)


def remez(basis, target, weight, grid, iters=60):
    """Weighted minimax: min_c max |weight·(target − Σ c_k basis_k)| on grid."""
    phi = np.stack([b(grid) for b in basis], axis=1)
    f, w = target(grid), weight(grid)
    m = phi.shape[1]
    # start from Chebyshev-like points of the grid
    ref = np.unique(np.linspace(0, len(grid) - 1, m + 1).round().astype(int))
    best = None
    for _ in range(iters):
        sgn = (-1.0) ** np.arange(m + 1)
        A = np.hstack([phi[ref], (sgn / w[ref])[:, None]])
        sol = np.linalg.solve(A, f[ref])
        c = sol[:m]
        e = w * (f - phi @ c)
        emax = np.max(np.abs(e))
        if best is None or emax < best[1]:
            best = (c, emax)
        # new reference: the extremum of each run of equal sign, then the
        # m+1 consecutive runs that contain the global maximum
        s = np.sign(e)
        s[s == 0] = 1
        cuts = np.flatnonzero(np.diff(s)) + 1
        runs = np.split(np.arange(len(e)), cuts)
        ext = np.array([r[np.argmax(np.abs(e[r]))] for r in runs])
        if len(ext) < m + 1:
            break
        g = int(np.argmax(np.abs(e[ext])))
        # of the windows holding the global maximum, the one whose smallest
        # reference error is largest
        cand = range(0, len(ext) - m)
        lo = max(cand, key=lambda k: (k <= g < k + m + 1, np.min(np.abs(e[ext[k:k + m + 1]]))))
        new = ext[lo:lo + m + 1]
        if np.array_equal(new, ref):
            break
        ref = new
    return best


def fit_rounded(basis, target, weight, grid):
    """Remez fit, then round coefficients to float32 lowest-first, refitting
    the rest after each rounding."""
    fixed = []
    for k in range(len(basis)):
        def tgt(x, fixed=tuple(fixed)):
            return target(x) - sum(c * basis[i](x) for i, c in enumerate(fixed))
        c, _ = remez(basis[k:], tgt, weight, grid)
        fixed.append(float(np.float32(c[0])))
    phi = np.stack([b(grid) for b in basis], axis=1)
    err = np.max(np.abs(weight(grid) * (target(grid) - phi @ np.array(fixed))))
    return fixed, err


def chebgrid(lo, hi, n=40000):
    t = np.cos(np.pi * (np.arange(n) + 0.5) / n)[::-1]
    return lo + (hi - lo) * (t + 1) / 2


def fit_exp(deg, R):
    """e^r ≈ 1 + r·(c1 + c2 r + … ), |r| ≤ R: relative error of e^r."""
    g = chebgrid(-R, R)
    g = g[g != 0]
    basis = [lambda r, k=k: r ** k for k in range(deg)]
    # 1 + r q(r) = e^r  ⇔  q = (e^r − 1)/r, relative error weight |r|/e^r
    return fit_rounded(basis, lambda r: np.expm1(r) / r, lambda r: np.abs(r) / np.exp(r), g)


def fit_tanh(deg, T):
    """tanh x ≈ x + x·u·P(u), u = x², 0 < x ≤ T: relative error of tanh."""
    g = chebgrid(1e-6, T * T)
    gt = lambda u: np.tanh(np.sqrt(u)) / np.sqrt(u)
    basis = [lambda u, k=k: u ** k for k in range(deg)]
    return fit_rounded(basis, lambda u: (gt(u) - 1) / u, lambda u: u / gt(u), g)


def fit_log1p(deg):
    """log1p(t) ≈ w + w·v·Q(v), w = 2t/(2+t), v = w², t ∈ (0, 1]: relative
    error of log1p.  log1p t = 2·atanh(w/2)."""
    vmax = (2.0 / 3.0) ** 2
    g = chebgrid(1e-6, vmax)
    h = lambda v: 2 * np.arctanh(np.sqrt(v) / 2) / np.sqrt(v)
    basis = [lambda v, k=k: v ** k for k in range(deg)]
    return fit_rounded(basis, lambda v: (h(v) - 1) / v, lambda v: v / h(v), g)


# Interval choices (the C code depends on them; keep in sync):
EXP_R = 0.3466     # ≥ ln2/2 = 0.346574 plus the rounding of n = round(x·log2e)
EXP_DEG = 6        # e^r = 1 + r·q(r), q of degree 5: p of degree 6
TANH_T = 0.625     # polynomial below, 1 − 2/(e^{2|x|}+1) at and above
TANH_DEG = 5       # P(u) of degree 4: odd polynomial of degree 11
LOG1P_DEG = 4      # Q(v) of degree 3: odd polynomial of degree 9 in w


def fmt_c(c):
    """A float32 value as a C hex float literal."""
    m, e = float(np.float32(c)).hex().split("p")
    return "%sp%sf" % (m.rstrip("0").rstrip("."), e)


def fmt(name, cs):
    return "\n".join("#define %s%d %s /* %.9e */" % (name, i, fmt_c(c), c) for i, c in enumerate(cs))


def main():
    ce, ee = fit_exp(EXP_DEG, EXP_R)
    # Cody–Waite split of ln2: LN2_HI has 15 significant bits, so n·LN2_HI is
    # exact for |n| ≤ 2^9 (we need |n| ≤ 150) and x − n·LN2_HI is exact too
    # (Sterbenz); LN2_LO carries the rest to float precision.
    ln2_hi = float.fromhex("0x1.62e4p-1")
    ln2_lo = float(np.float32(LN2 - ln2_hi))
    assert (int(ln2_hi * 2**24) & (2**9 - 1)) == 0
    ct, et = fit_tanh(TANH_DEG, TANH_T)
    cl, el = fit_log1p(LOG1P_DEG)
    out = f"""/*
 * vmath_coeffs.h — polynomial coefficients of the vector math, shared by every
 * kernel set.  GENERATED by tools/fit_vmath.py (Remez, relative error,
 * float32 coefficients refitted lowest degree first); do not edit by hand.
 * Errors below are of the float32 coefficients evaluated exactly; the float
 * evaluation adds rounding, measured end to end by verify/test_vmath.c.
 */
#ifndef AEKIT_VMATH_COEFFS_H
#define AEKIT_VMATH_COEFFS_H

/* Range reduction of e^x: x = n·ln2 + r with n = round(x·log2e); n is read
 * from the low mantissa bits of x·log2e + 1.5·2^23 (exact for |n| < 2^22).
 * x is clamped to [XMIN, XMAX] first: e^-104 < 2^-150 rounds to 0 and
 * e^89 > FLT_MAX overflows, so every clamped result is still right and
 * n stays in [-150, 128] (2^n then splits into two normal factors). */
#define AEK_LOG2E {fmt_c(1 / LN2)}
#define AEK_LN2_HI 0x1.62e4p-1f
#define AEK_LN2_LO {fmt_c(ln2_lo)}
#define AEK_EXP_MAGIC 0x1.8p+23f
#define AEK_EXP_XMIN -104.0f
#define AEK_EXP_XMAX 89.0f

/* e^r ≈ 1 + r·(E0 + E1 r + … + E{EXP_DEG - 1} r^{EXP_DEG - 1}) on |r| ≤ {EXP_R}
 * (ln2/2 plus the slack of n = round(x·log2e)); max rel. error {ee:.2e}. */
{fmt("AEK_EXP_C", ce)}
#define AEK_EXP_R {EXP_R}f

/* tanh x ≈ x + x·u·(T0 + T1 u + … + T{TANH_DEG - 1} u^{TANH_DEG - 1}), u = x², |x| < {TANH_T};
 * max rel. error {et:.2e}. */
{fmt("AEK_TANH_C", ct)}
#define AEK_TANH_SMALL {TANH_T}f
/* tanh|x| rounds to 1 for |x| > 13·ln2/2 ≈ 9.01; clamping at 10 keeps e^{{2|x|}} finite. */
#define AEK_TANH_SAT 10.0f

/* log1p t ≈ w + w·v·(L0 + L1 v + … + L{LOG1P_DEG - 1} v^{LOG1P_DEG - 1}), w = 2t/(2+t), v = w²,
 * t ∈ [0, 1] (v ≤ 4/9); log1p t = 2·atanh(w/2); max rel. error {el:.2e}. */
{fmt("AEK_LOG1P_C", cl)}

#endif
"""
    if "--write" in sys.argv:
        with open("simd/scalar/vmath_coeffs.h", "w") as fh:
            fh.write(out)
    sys.stdout.write(out)
    # the alternatives that were weighed (degree vs error), for the record
    print("/* trade-offs:", file=sys.stderr)
    for d in (5, 6, 7):
        print("   exp   deg %d: %.2e" % (d, fit_exp(d, EXP_R)[1]), file=sys.stderr)
    for d in (4, 5, 6):
        print("   tanh  P deg %d, T %.3f: %.2e" % (d - 1, TANH_T, fit_tanh(d, TANH_T)[1]), file=sys.stderr)
    for d in (4, 5, 6):
        print("   log1p Q deg %d: %.2e" % (d - 1, fit_log1p(d)[1]), file=sys.stderr)
    print("*/", file=sys.stderr)


if __name__ == "__main__":
    main()
