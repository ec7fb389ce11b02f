/*
 * elementwise_scalar_body.h — the scalar element-wise kernels, written once
 * over REAL and instantiated twice: float (the portable reference set,
 * elementwise_scalar.c) and double (elementwise_scalar_f64.c).  The includer
 * defines REAL, NAME(x) (the symbol name), ARGS_HBWD, ARGS_CAEH, ARGS_ADAM,
 * ACT(x, a), SQRT(x), SOFTPLUS(x) and SIGMOID(x).  Contracts: simd/kernels.h.
 */

/* s = g'(a) and s' = ds/da from the stored activation h. */
static inline void NAME(deriv)(aek_act act, REAL h, REAL *s, REAL *sp)
{
    switch (act) {
    case AEK_ACT_SIGMOID: *s = h * (1 - h); *sp = *s * (1 - 2 * h); break;
    case AEK_ACT_TANH: *s = 1 - h * h; *sp = -2 * h * *s; break;
    case AEK_ACT_RELU: *s = h > 0 ? 1 : 0; *sp = 0; break;
    default: *s = 1; *sp = 0; break;
    }
}

void NAME(act_rows)(size_t n, aek_act act, const REAL *bias, const REAL *x, REAL *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = ACT(bias ? x[i] + bias[i] : x[i], act);
}

double NAME(loss_mse)(size_t n, const REAL *xhat, const REAL *x, aek_act f, REAL scale, REAL *dz)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        REAL d = xhat[i] - x[i], s, sp;
        sum += (double)d * d;
        if (dz) {
            NAME(deriv)(f, xhat[i], &s, &sp);
            dz[i] = scale * d * s;
        }
    }
    return sum;
}

double NAME(loss_bce)(size_t n, const REAL *z, const REAL *x, REAL scale, REAL *xhat, REAL *dz)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        REAL zi = z[i], xi = x[i];
        sum += (double)(SOFTPLUS(zi) - xi * zi);
        REAL p = SIGMOID(zi);
        if (xhat)
            xhat[i] = p;
        if (dz)
            dz[i] = scale * (p - xi);
    }
    return sum;
}

void NAME(colsum)(size_t rows, size_t cols, const REAL *x, REAL *out)
{
    for (size_t j = 0; j < cols; j++)
        out[j] = 0;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            out[j] += x[i * cols + j];
}

double NAME(hidden_bwd)(const ARGS_HBWD *a)
{
    double pen = 0;
    if (a->s2)
        for (size_t j = 0; j < a->cols; j++)
            a->s2[j] = 0;
    for (size_t i = 0; i < a->rows; i++) {
        const REAL *h = a->h + i * a->cols, *dh = a->dh + i * a->cols;
        REAL *da = a->da + i * a->cols;
        for (size_t j = 0; j < a->cols; j++) {
            REAL s, sp;
            NAME(deriv)(a->act, h[j], &s, &sp);
            REAL g = dh[j];
            if (a->col_add)
                g += a->col_add[j];
            REAL v = g * s;
            if (a->c) {
                v += a->coef * a->c[j] * s * sp;
                pen += (double)(a->c[j] * s * s);
            }
            if (a->s2)
                a->s2[j] += s * s;
            da[j] = v;
        }
    }
    return pen;
}

double NAME(cae_h)(const ARGS_CAEH *a)
{
    double pen = 0;
    for (size_t i = 0; i < a->rows; i++) {
        const REAL *h = a->h + i * a->cols, *hc = a->hc + i * a->cols;
        REAL *da = a->da + i * a->cols, *dac = a->dac + i * a->cols;
        for (size_t j = 0; j < a->cols; j++) {
            REAL s, sp, sc, scp;
            NAME(deriv)(a->act, h[j], &s, &sp);
            NAME(deriv)(a->act, hc[j], &sc, &scp);
            REAL d = s - sc, cd = a->coef * a->c[j] * d;
            da[j] += cd * sp;
            dac[j] = -cd * scp;
            pen += (double)(a->c[j] * d * d);
            if (a->d2)
                a->d2[j] += d * d;
        }
    }
    return pen;
}

void NAME(row_sumsq)(size_t rows, size_t cols, const REAL *x, REAL *out)
{
    for (size_t j = 0; j < rows; j++) {
        const REAL *r = x + j * cols;
        double s = 0;
        for (size_t i = 0; i < cols; i++)
            s += (double)r[i] * r[i];
        out[j] = (REAL)s;
    }
}

void NAME(axpy)(size_t n, REAL alpha, const REAL *x, REAL *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] += alpha * x[i];
}

void NAME(sgd)(size_t n, REAL *w, const REAL *g, REAL *v, REAL lr, REAL mu)
{
    for (size_t i = 0; i < n; i++) {
        v[i] = mu * v[i] + g[i];
        w[i] -= lr * v[i];
    }
}

void NAME(adam)(size_t n, REAL *w, const REAL *g, REAL *m, REAL *v, const ARGS_ADAM *s)
{
    for (size_t i = 0; i < n; i++) {
        m[i] = s->b1 * m[i] + (1 - s->b1) * g[i];
        v[i] = s->b2 * v[i] + (1 - s->b2) * g[i] * g[i];
        w[i] -= s->lr_t * m[i] / (SQRT(v[i]) + s->eps_t);
    }
}
