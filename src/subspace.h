/*
 * subspace.h — comparing subspaces: orthonormal bases and principal angles
 * (the linear-AE ≡ PCA proofs, the experiments and the benchmarks use them).
 */
#ifndef AEKIT_SUBSPACE_H
#define AEKIT_SUBSPACE_H

#include <stddef.h>

/* The k rows of A (k×n, double) made orthonormal in place: modified
 * Gram–Schmidt applied twice ("twice is enough", Giraud et al. 2005).  A row
 * dependent on the earlier ones becomes 0: one whose part outside their span
 * is below 2(i + 1)(n + 2)·2⁻⁵³ of its norm (row i, 0-based), the rounding a
 * dependent row is left with. */
void aek_orthonormalize_rows(double *A, size_t k, size_t n);

/* The largest principal angle, in degrees, between the row spaces of Q1 and
 * Q2 (k×n each, orthonormal rows): sin θ_max = ‖Q2 − (Q2Q1ᵀ)Q1‖₂, from the
 * largest eigenvalue of RRᵀ — accurate for small angles, unlike acos of the
 * singular values of Q1Q2ᵀ.  NaN if the eigen-solver fails. */
double aek_max_principal_angle_deg(const double *Q1, const double *Q2, size_t k, size_t n);

#endif
