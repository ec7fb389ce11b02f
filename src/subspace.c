/* subspace.c — orthonormal bases and principal angles (subspace.h). */
#include "subspace.h"
#include "eigen_sym.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void aek_orthonormalize_rows(double *A, size_t k, size_t n)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < k; i++) {
            double *a = A + i * n, n0 = 0;
            for (size_t p = 0; p < n; p++)
                n0 += a[p] * a[p];
            n0 = sqrt(n0);
            for (size_t j = 0; j < i; j++) {
                const double *q = A + j * n;
                double d = 0;
                for (size_t p = 0; p < n; p++)
                    d += a[p] * q[p];
                for (size_t p = 0; p < n; p++)
                    a[p] -= d * q[p];
            }
            double nn = 0;
            for (size_t p = 0; p < n; p++)
                nn += a[p] * a[p];
            nn = sqrt(nn);
            /* A dependent row is left with rounding only: ≤ i projections of
             * n terms, each within (n + 2)u·‖a‖.  Normalised, that noise
             * would pass for a new direction, so below 2(i + 1)(n + 2)u·‖a‖
             * the row is dependent and becomes 0 (on the first pass; the
             * second sees the same residual of an already unit row). */
            int dependent = !(nn > 2.0 * (double)(i + 1) * (double)(n + 2) * 0x1p-53 * n0);
            for (size_t p = 0; p < n; p++)
                a[p] = dependent ? 0 : a[p] / nn;
        }
}

double aek_max_principal_angle_deg(const double *Q1, const double *Q2, size_t k, size_t n)
{
    double *R = malloc(k * n * sizeof(double)), *G = malloc(k * k * sizeof(double));
    double *w = malloc(k * sizeof(double));
    double s2 = NAN;
    if (R && G && w) {
        memcpy(R, Q2, k * n * sizeof(double));
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < k; j++) {
                double d = 0;
                for (size_t p = 0; p < n; p++)
                    d += Q2[i * n + p] * Q1[j * n + p];
                for (size_t p = 0; p < n; p++)
                    R[i * n + p] -= d * Q1[j * n + p];
            }
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j <= i; j++) {
                double d = 0;
                for (size_t p = 0; p < n; p++)
                    d += R[i * n + p] * R[j * n + p];
                G[i * k + j] = G[j * k + i] = d;
            }
        if (aek_eig_sym(k, G, k, w, NULL, 0) == AEK_OK)
            s2 = w[0] > 0 ? w[0] : 0;
    }
    free(R);
    free(G);
    free(w);
    double s = sqrt(s2);
    return asin(s > 1 ? 1 : s) * (180.0 / 3.14159265358979323846);
}
