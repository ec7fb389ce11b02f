"""
ae_ref.py — an independent float64 NumPy witness of the aekit autoencoder:
forward pass, every loss term and every parameter gradient, for every variant
(any depth, sigmoid/tanh/linear/relu hidden units, sigmoid/linear/tanh output,
MSE or Bernoulli cross-entropy, tied weights, L2, denoising, KL sparsity,
k-sparse, contractive, CAE+H).

It is written from the formulas (src/model.h, ../shared/DESIGN.md §3), not
from the C code.  Gradients are derived by hand below; nothing here is
differentiated numerically.

The model (batch X: m×n₀, rows are samples; batch-mean convention)
------------------------------------------------------------------
  encoder   H₀ = X̃ (the encoder's input: X, or its corrupted copy),
            A_l = H_l W_lᵀ + b_l,  H_{l+1} = g_l(A_l),        l = 0..L−1
  k-sparse  code C = K ⊙ H_L, K the 0/1 mask of the k largest entries of each
            row of H_L (ties to the lower index; the witness only uses points
            without ties, see `margins`)
  decoder   Y_L = C,  Z_l = Y_{l+1} W*_lᵀ + c_l,  Y_l = f_l(Z_l),
            f_0 = output activation, f_l = g_{l−1};  tied: W*_l = W_lᵀ
  loss      MSE  R = (1/m) Σ_i ‖Y_0,i − x_i‖²
            BCE  R = (1/m) Σ_ij softplus(Z_0,ij) − x_ij Z_0,ij   (f_0 = σ)
            L2   λ Σ_l (‖W_l‖² + ‖W*_l‖²), summed over the distinct weight
                 matrices (tied: each W_l once — see the note at `l2`)
            KL   β Σ_j ρ log(ρ/ρ̂_j) + (1−ρ) log((1−ρ)/(1−ρ̂_j)),  ρ̂ = colmean C
            CAE  (λ_c/m) Σ_i ‖J(x̃_i)‖²_F,  J(x) = ∂code/∂x = diag(s)·W₀
            CAE+H (γ/(m·C)) Σ_i Σ_c ‖J(x̃_i) − J(x̃_ic)‖²_F, x̃_ic given
  with s = g'(A) the derivative of the code layer (k-sparse: K ⊙ g'(A), the
  Jacobian of the masked code, which is what is actually encoded).

Backward (hand-derived; δ denotes ∂loss/∂·)
-------------------------------------------
  MSE:  δY_0 = (2/m)(Y_0 − X),  δZ_0 = δY_0 ⊙ f_0'(Z_0)
  BCE:  ∂/∂z [softplus(z) − xz] = σ(z) − x,  so δZ_0 = (σ(Z_0) − X)/m
  decoder layer l (l = 0..L−1):  Z_l = Y_{l+1} W*_lᵀ + c_l gives
        δW*_l = δZ_lᵀ Y_{l+1},  δc_l = Σ_i δZ_l,i,  δY_{l+1} = δZ_l W*_l,
        δZ_{l+1} = δY_{l+1} ⊙ f'_{l+1}(Z_{l+1})   (l+1 < L)
  code:  δA_{L−1} = δC ⊙ s  (δC = δY_L; the mask zeroes dropped units)
         KL: ∂ρ̂_j/∂C_ij = 1/m, ∂KL/∂ρ̂_j = β(−ρ/ρ̂_j + (1−ρ)/(1−ρ̂_j)),
             so δA_ij += (β/m)(−ρ/ρ̂_j + (1−ρ)/(1−ρ̂_j)) s_ij
  encoder layer l (l = L−1..0):  δW_l = δA_lᵀ H_l,  δb_l = Σ_i δA_l,i,
         δH_l = δA_l W_l,  δA_{l−1} = δH_l ⊙ g'_{l−1}(A_{l−1})
  tied:  W*_l = W_lᵀ, so the total δW_l = (encoder δW_l) + (δW*_l)ᵀ
  L2:    δW += 2λW on every weight matrix
  Activation derivatives in terms of the output h = g(a) (all exact
  identities): sigmoid g' = h(1−h), g'' = g'(1−2h); tanh g' = 1−h²,
  g'' = −2h·g'; relu g' = [a>0], g'' = 0 (a.e.); linear g' = 1, g'' = 0.

Contractive penalty (one encoder layer, W = W₀: k×n, s = g'(A): m×k)
  J_i = diag(s_i) W, so ‖J_i‖²_F = Σ_j s_ij² Σ_q W_jq² = Σ_j s_ij² c_j with
  c_j = ‖W_j‖² (row j of W).  Ω = (λ/m) Σ_ij s_ij² c_j depends on W twice:
  through a_ij = Σ_q x̃_iq W_jq + b_j (inside s_ij) and through c_j.
    ∂Ω/∂a_ij = (λ/m)·2 s_ij s'_ij c_j,  s' = ds/da = g''(a)  → added to δA,
               which then flows into δW = δAᵀX̃ and δb like any other term;
    ∂Ω/∂W_jq |_c = (λ/m) Σ_i s_ij² · ∂c_j/∂W_jq = (λ/m) Σ_i s_ij² · 2 W_jq,
               i.e. δW_j += (2λ/m)(Σ_i s_ij²) W_j   (the direct term).
  k-sparse: s_ij = K_ij g'(a_ij) with K locally constant, so the same holds
  with s' = K ⊙ g''.

CAE+H (copies x̃_ic = x̃_i + σε_ic are given, constant w.r.t. the parameters)
  Ω_H = (γ/(mC)) Σ_c Σ_ij c_j d_ijc²,  d_ijc = s_ij − s̃_ijc,  s̃ = g'(Ã_c),
  Ã_c = X̃_c Wᵀ + b (k-sparse: s̃ = K̃_c ⊙ g'(Ã_c), K̃_c the copy's own mask).
    ∂/∂a_ij   = (γ/(mC)) Σ_c 2 c_j d_ijc s'_ij          → δA
    ∂/∂ã_ijc  = −(γ/(mC)) 2 c_j d_ijc s̃'_ijc =: δÃ_c,ij
                → δW += δÃ_cᵀ X̃_c,  δb += Σ_i δÃ_c,i   (the copy's own path)
    through c_j: δW_j += (2γ/(mC)) (Σ_c Σ_i d_ijc²) W_j.

Conventions where the math alone does not decide (aekit's, documented)
  - KL: ρ̂ is clamped to [1e-7, 1 − 1e-7]; test points keep every ρ̂ inside,
    except ρ̂_j = 0 exactly (unit j zero in every row: k-sparse-dropped or
    ReLU-dead), a constant KL(ρ‖1e-7) with zero gradient.
  - k-sparse ties go to the lower index (test points have no ties, except
    among exact ReLU zeros, where the choice changes nothing).
  - ReLU: g'(0) = 0; test points keep pre-activations away from 0 except
    exact zeros (e.g. a zero code row times a zero bias), which are exactly 0
    in float32 too.
  - L2 on tied weights counts W_l once (one parameter matrix per layer).

Error bounds (how far aekit's float32 evaluation may be from this float64)
-------------------------------------------------------------------------
Every quantity is a `T`: its float64 value .v and a first-order running error
bound .e (Wilkinson's running error analysis, Higham, "Accuracy and Stability
of Numerical Algorithms", §3.3) for a float32 evaluation of the same formula
in any order, from inputs that are exact (the weights, the batch, the
corrupted inputs are float32 and read by both sides):
  a ± b        e = e_a + e_b + u(|a| + |b|)
  Σ of n parts e = Σ e_i + γ_{n−1} Σ|t_i|  (gradient parts accumulated in any order)
  a · b        e = |a|e_b + e_a|b| + e_a e_b + u|ab|
  a / b        e = (e_a + |a/b| e_b)/(|b| − e_b) + u|a/b|
  A·B, K terms e = |A|E_B + E_A|B| + E_A E_B + γ_K |A||B|,  γ_K = Ku/(1−Ku)
               (any summation order, blocking, threading or FMA use)
  Σ of K terms e = Σ e + γ_K Σ|terms|  (u = 2⁻⁵³ where aekit sums in double)
  g(a)         e = (|g'(a)| + sup|g''|·e_a)·e_a + ε_act|g(a)|
               (ε_act = 1e-6 bounds aekit's vector exp/sigmoid/tanh/softplus,
               whose measured max relative error is 2.3e-7)
  a double value stored as float: + u|v|;  u = 2⁻²⁴.
The checks compare |aekit − ref| ≤ 2·e elementwise: the factor 2 covers the
neglected second-order terms (O(u²) relative, i.e. far below 1 %).
"""
import numpy as np

U = 2.0 ** -24      # float32 unit roundoff
UD = 2.0 ** -53     # float64 unit roundoff
EPS_ACT = 1e-6      # relative error bound of the vector math (exp/sigmoid/tanh/softplus)
SAFETY = 2.0        # second-order terms of the running error bound

ACTS = ("sigmoid", "tanh", "linear", "relu")


def gamma(k, u=U):
    return k * u / (1 - k * u)


class T:
    """A float64 value with a bound on the error of aekit's float32 value."""

    __array_priority__ = 1000

    def __init__(self, v, e=None):
        self.v = np.asarray(v, dtype=np.float64)
        self.e = np.zeros_like(self.v) if e is None else np.broadcast_to(
            np.asarray(e, dtype=np.float64), self.v.shape).copy()

    @property
    def T(self):
        return T(self.v.T, self.e.T)

    @property
    def shape(self):
        return self.v.shape

    def __getitem__(self, k):
        return T(self.v[k], self.e[k])

    def __neg__(self):
        return T(-self.v, self.e)

    def __add__(self, o):
        o = lift(o)
        return T(self.v + o.v, self.e + o.e + U * (np.abs(self.v) + np.abs(o.v)))

    __radd__ = __add__

    def __sub__(self, o):
        o = lift(o)
        return T(self.v - o.v, self.e + o.e + U * (np.abs(self.v) + np.abs(o.v)))

    def __rsub__(self, o):
        return lift(o) - self

    def __mul__(self, o):
        o = lift(o)
        v = self.v * o.v
        return T(v, np.abs(self.v) * o.e + self.e * np.abs(o.v) + self.e * o.e + U * np.abs(v))

    __rmul__ = __mul__

    def __truediv__(self, o):
        o = lift(o)
        v = self.v / o.v
        den = np.abs(o.v) - o.e
        if np.any(den <= 0):
            raise ArithmeticError("division by a quantity not bounded away from 0")
        return T(v, (self.e + np.abs(v) * o.e) / den + U * np.abs(v))

    def __matmul__(self, o):
        k = self.v.shape[-1]
        a, b = np.abs(self.v), np.abs(o.v)
        return T(self.v @ o.v, a @ o.e + self.e @ b + self.e @ o.e + gamma(k) * (a @ b))

    def sum(self, axis=None, acc=U):
        """Sum of the entries (along axis); acc = U: float accumulation, UD:
        aekit accumulates in double."""
        n = self.v.size if axis is None else self.v.shape[axis]
        return T(self.v.sum(axis=axis),
                 self.e.sum(axis=axis) + gamma(n, acc) * np.abs(self.v).sum(axis=axis))

    def masked(self, mask):
        """Product with an exact 0/1 mask (exact in any arithmetic)."""
        return T(self.v * mask, self.e * mask)

    def column(self):
        """A vector as a k×1 column (for row scaling)."""
        return T(self.v[:, None], self.e[:, None])

    def to_float(self):
        """A value computed in double and stored as float."""
        return T(self.v, self.e + U * np.abs(self.v))


def lift(x):
    """Exact constants and exact (float32) data: no error."""
    return x if isinstance(x, T) else T(x)


def accumulate(terms):
    """Σ of n terms added in any order (aekit accumulates gradient parts in
    its own order): e = Σ e_i + γ_{n−1} Σ|t_i|."""
    v = sum(t.v for t in terms)
    return T(v, sum(t.e for t in terms) + gamma(len(terms) - 1) * sum(np.abs(t.v) for t in terms))


def fconst(c):
    """A constant computed in double and rounded to float (e.g. 2/m)."""
    return T(c, 0.0 if np.float32(c) == c else U * abs(c))


# ---- activations -------------------------------------------------------------


def sigmoid(a):
    v = np.where(a.v >= 0, 1 / (1 + np.exp(-np.abs(a.v))),
                 np.exp(-np.abs(a.v)) / (1 + np.exp(-np.abs(a.v))))
    d1 = v * (1 - v)  # σ' ; |σ''| ≤ 1/(6√3) < 0.0963
    return T(v, (d1 + 0.0963 * a.e) * a.e + EPS_ACT * np.abs(v))


def tanh(a):
    v = np.tanh(a.v)
    d1 = 1 - v * v    # |tanh''| ≤ 4/(3√3) < 0.770
    return T(v, (d1 + 0.770 * a.e) * a.e + EPS_ACT * np.abs(v))


def softplus(a):
    v = np.logaddexp(0.0, a.v)
    d1 = sigmoid(T(a.v)).v  # softplus' = σ ; |softplus''| ≤ 1/4
    return T(v, (d1 + 0.25 * a.e) * a.e + EPS_ACT * np.abs(v))


class Margins:
    """Distances of the test point from the places where the math is not
    smooth (ReLU at 0, k-sparse selection boundaries, the KL clamp), each as
    (where, min distance / error bound, min distance).  A test point is valid
    when every ratio is large: aekit's float32 values then take the same
    branch as the exact ones."""

    def __init__(self):
        self.items = []

    def add(self, where, dist, err):
        dist = np.asarray(dist, dtype=np.float64)
        err = np.asarray(err, dtype=np.float64)
        if dist.size == 0:
            return
        # err = 0 means aekit's value is exact (every factor exact): then even
        # a value exactly at the kink takes the same branch on both sides
        ratio = np.where(err > 0, dist / np.maximum(err, 1e-300), np.where(dist >= 0, np.inf, 0.0))
        self.items.append((where, float(ratio.min()), float(dist.min())))

    def worst(self):
        if not self.items:
            return ("none", np.inf, np.inf)
        return min(self.items, key=lambda t: (t[1], t[2]))


def relu(a, margins, where):
    margins.add("relu " + where, np.abs(a.v), SAFETY * a.e)
    pos = a.v > 0
    return T(np.where(pos, a.v, 0.0), np.where(pos, a.e, 0.0))


def activate(name, a, margins, where):
    if name == "sigmoid":
        return sigmoid(a)
    if name == "tanh":
        return tanh(a)
    if name == "linear":
        return a
    if name == "relu":
        return relu(a, margins, where)
    raise ValueError("unknown activation " + name)


def derivs(name, h, mutate=()):
    """s = g'(a) and s' = g''(a), from h = g(a) (identities in the docstring)."""
    if name == "sigmoid":
        s = h * (1 - h)
        return s, s * (1 - 2 * h)
    if name == "tanh":
        s = 1 - h * h
        return s, (2 if "tanh-sp-sign" in mutate else -2) * h * s
    if name == "linear":
        return T(np.ones_like(h.v)), T(np.zeros_like(h.v))
    if name == "relu":
        if "relu-deriv" in mutate:
            return T(np.ones_like(h.v)), T(np.zeros_like(h.v))
        return T((h.v > 0).astype(np.float64)), T(np.zeros_like(h.v))
    raise ValueError("unknown activation " + name)


def topk_mask(h, k, margins, where, act):
    """0/1 mask of the k largest entries of each row of h.v (ties: lower
    index).  Records the gap between the k-th and (k+1)-th largest entries:
    the test point must keep them apart — except that exact zeros of a ReLU
    layer may tie among themselves, since a kept zero and a dropped zero give
    the same code (0) and the same gradient (g' = 0 there)."""
    m, w = h.v.shape
    mask = np.zeros((m, w))
    if k >= w:
        mask[:] = 1
        return mask
    for i in range(m):
        order = np.lexsort((np.arange(w), -h.v[i]))  # by value desc, then index asc
        mask[i, order[:k]] = 1
        a, b = order[k - 1], order[k]
        if act == "relu" and h.v[i, a] == 0 and h.v[i, b] == 0:
            continue
        margins.add("k-sparse gap " + where, h.v[i, a] - h.v[i, b],
                    SAFETY * (h.e[i, a] + h.e[i, b]))
    return mask


# ---- the model ---------------------------------------------------------------


class Result:
    def __init__(self):
        self.loss = {}    # part -> T (total, recon, l2, sparse, contractive, cae_h)
        self.grads = {}   # tensor name -> T
        self.margins = Margins()


def sumsq_double(W):
    """Σ w² of float32 weights accumulated in double, as aekit's L2 and
    ‖W_j‖²: each w² is exact in double (48 significant bits), the sum of N
    terms is within γ_N(2⁻⁵³) of exact."""
    v = (W.v * W.v).sum()
    return T(v, gamma(W.v.size, UD) * v)


def evaluate(cfg, params, X, Xt=None, copies=(), mutate=frozenset()):
    """Loss parts and gradients of one batch.

    cfg: the model's config.json (dict); params: tensor name -> array;
    X: the clean batch (m×n₀); Xt: the encoder input (corrupted batch) or
    None for X itself; copies: the CAE+H corrupted copies x̃_c (m×n₀ each);
    mutate: names of deliberate formula perturbations (self-test only)."""
    R = Result()
    mg = R.margins
    L = int(cfg["layers"])
    acts = list(cfg["activations"])
    out = cfg["output_activation"]
    bce = cfg["loss"] == "bce"
    tied = bool(cfg["tied"])
    lam = float(cfg["l2"])
    beta, rho = float(cfg["sparse_beta"]), float(cfg["sparse_rho"])
    k = int(cfg["ksparse_k"])
    lam_c = float(cfg["contractive"])
    gam = float(cfg["cae_h_gamma"])
    ncopies = int(cfg["cae_h_copies"]) if gam > 0 else 0
    if (lam_c > 0 or gam > 0) and L != 1:
        raise ValueError("the contractive penalties are defined for one encoder layer")
    if gam > 0 and len(copies) != ncopies:
        raise ValueError("CAE+H needs %d corrupted copies, got %d" % (ncopies, len(copies)))

    X = np.asarray(X, dtype=np.float64)
    m = X.shape[0]
    W = [T(params["W%d" % l]) for l in range(L)]
    b = [T(params["b%d" % l]) for l in range(L)]
    c = [T(params["c%d" % l]) for l in range(L)]
    Wd = [W[l].T if tied else T(params["Wd%d" % l]) for l in range(L)]  # W*_l: n_l × n_{l+1}

    # ---- forward ----
    H = [T(X if Xt is None or "noise-input" in mutate else Xt)]
    for l in range(L):
        A = H[l] @ W[l].T + b[l]
        H.append(activate(acts[l], A, mg, "encoder layer %d" % (l + 1)))
    Hcode = H[L]                       # g(A_{L−1}) before the k-sparse selection
    mask = None
    if k > 0:
        mask = topk_mask(Hcode, k, mg, "code", acts[L - 1])
        H[L] = Hcode.masked(mask)
    Y = [None] * (L + 1)
    Z = [None] * L
    Y[L] = H[L]
    for l in reversed(range(L)):
        Z[l] = Y[l + 1] @ Wd[l].T + c[l]
        f = acts[l - 1] if l > 0 else ("linear" if bce else out)  # BCE: Y_0 = logits
        Y[l] = activate(f, Z[l], mg, "decoder layer %d" % l)

    Xc = T(X)
    if bce:
        R.loss["recon"] = (softplus(Z[0]) - Xc * Z[0]).sum(acc=UD) / m
    else:
        D = Y[0] - Xc
        R.loss["recon"] = (D * D).sum(acc=UD) / m

    # L2: "λ on every weight matrix" (ae_config.h).  A tied layer has one
    # weight matrix W_l (its decoder is Wᵀ, not a parameter), counted once.
    l2 = T(0.0)
    if lam > 0:
        for l in range(L):
            l2 = l2 + sumsq_double(W[l])
            if not tied:
                l2 = l2 + sumsq_double(Wd[l])
        l2 = T(lam * l2.v, lam * l2.e + 2 * L * UD * lam * l2.v)
    R.loss["l2"] = l2

    R.loss["sparse"] = T(0.0)
    kl_col = None
    if beta > 0:
        rhohat = H[L].sum(axis=0) / m
        # aekit's convention: ρ̂ is clamped to [lo, hi] (KL(ρ‖0) = ∞ otherwise).
        # Inside, the clamp does nothing; the test point keeps every ρ̂ that
        # is not exactly 0 well inside.  ρ̂_j = 0 exactly (with a zero error
        # bound: unit j is a k-sparse-dropped or ReLU zero in every row)
        # sits in the flat part of the clamp: its KL term is the constant
        # KL(ρ‖lo) and its gradient 0 — and s_ij = 0 for all i there anyway.
        lo, hi = 1e-7, 1 - 1e-7
        exact0 = (rhohat.v == 0) & (rhohat.e == 0)
        mg.add("KL clamp", np.minimum(rhohat.v - lo, hi - rhohat.v)[~exact0],
               SAFETY * rhohat.e[~exact0])
        r, er = np.where(exact0, lo, rhohat.v), rhohat.e
        terms = rho * np.log(rho / r) + (1 - rho) * np.log((1 - rho) / (1 - r))
        dkl = np.where(exact0, 0.0, -rho / r + (1 - rho) / (1 - r))   # ∂/∂ρ̂ of one KL term
        d2kl = rho / r ** 2 + (1 - rho) / (1 - r) ** 2                 # its derivative
        R.loss["sparse"] = T(beta * terms.sum(),
                             beta * (np.abs(dkl) * er).sum() + 16 * UD * beta * np.abs(terms).sum())
        sign = -1 if "kl-sign" in mutate else 1
        # the column term (β/m)(−ρ/ρ̂ + (1−ρ)/(1−ρ̂)), computed in double, stored as float
        kl_col = T(sign * beta / m * dkl, beta / m * d2kl * er).to_float()

    # ---- backward: decoder ----
    grads = {}
    if bce:
        scale = fconst(2.0 / m) if "bce-scale" in mutate else fconst(1.0 / m)
        dZ = (sigmoid(Z[0]) - Xc) * scale
    else:
        s0, _ = derivs(out, Y[0], mutate)
        dZ = fconst(2.0 / m) * D * s0
    dec_W = [None] * L
    for l in range(L):
        G = dZ.T @ Y[l + 1]                  # ∂/∂W*_l  (n_l × n_{l+1})
        if tied:
            dec_W[l] = G.T
        else:
            grads["Wd%d" % l] = G
        grads["c%d" % l] = dZ.sum(axis=0)
        dY = dZ @ Wd[l]
        if l + 1 < L:
            s, _ = derivs(acts[l], Y[l + 1], mutate)
            dZ = dY * s

    # ---- the code layer ----
    s, sp = derivs(acts[L - 1], Hcode, mutate)
    if mask is not None and "ksparse-mask-grad" not in mutate:
        dY = dY.masked(mask)
        s, sp = s.masked(mask), sp.masked(mask)
    dA_terms = [dY * s]             # δA of the code layer, summed at the end
    if kl_col is not None:
        dA_terms.append(kl_col * s)

    W0 = W[0]
    extra_W0 = []   # direct terms of the contractive penalties, and the copies' paths
    extra_b0 = []
    R.loss["contractive"] = T(0.0)
    R.loss["cae_h"] = T(0.0)
    if lam_c > 0 or gam > 0:
        cj = T(np.array([sumsq_double(W0[j]).v for j in range(W0.shape[0])]),
               np.array([sumsq_double(W0[j]).e for j in range(W0.shape[0])])).to_float()
    if lam_c > 0:
        R.loss["contractive"] = (cj * s * s).sum(acc=UD) * (lam_c / m)
        coef = fconst(2 * lam_c / m)
        dA_terms.append(coef * cj * s * sp)
        if "contractive-direct" not in mutate:
            s2 = (s * s).sum(axis=0)
            extra_W0.append((coef * s2).column() * W0)
    if gam > 0:
        hcoef = fconst(2 * gam / (m * ncopies))
        pen = T(0.0)
        d2 = T(np.zeros(W0.shape[0]))
        for ci, xc in enumerate(copies):
            Xcp = T(np.asarray(xc, dtype=np.float64))
            Hc = activate(acts[0], Xcp @ W0.T + b[0], mg, "CAE+H copy %d" % ci)
            sc, scp = derivs(acts[0], Hc, mutate)
            if k > 0:
                mk = topk_mask(Hc, k, mg, "CAE+H copy %d" % ci, acts[0])
                sc, scp = sc.masked(mk), scp.masked(mk)
            d = s - sc
            pen = pen + (cj * d * d).sum(acc=UD)
            d2 = d2 + (d * d).sum(axis=0)
            cd = hcoef * cj * d
            dA_terms.append(cd * sp)
            if "cae_h-copy-path" not in mutate:
                dAc = -(cd * scp)
                extra_W0.append(dAc.T @ Xcp)
                extra_b0.append(dAc.sum(axis=0))
        R.loss["cae_h"] = pen * (gam / (m * ncopies))
        extra_W0.append((hcoef * d2).column() * W0)

    dA = accumulate(dA_terms)

    # ---- backward: encoder ----
    for l in reversed(range(L)):
        gW = [dA.T @ H[l]]
        if tied and "tied-dec" not in mutate:
            gW.append(dec_W[l])
        gb = [dA.sum(axis=0)]
        if l == 0:
            gW += extra_W0
            gb += extra_b0
        if lam > 0:
            gW.append(fconst(lam if "l2-factor" in mutate else 2 * lam) * W[l])
        grads["W%d" % l] = accumulate(gW)
        grads["b%d" % l] = accumulate(gb)
        if l > 0:
            dH = dA @ W[l]
            s, _ = derivs(acts[l - 1], H[l], mutate)
            dA = dH * s

    if lam > 0 and not tied:
        for l in range(L):
            grads["Wd%d" % l] = accumulate([grads["Wd%d" % l],
                                            fconst(lam if "l2-factor" in mutate else 2 * lam) * Wd[l]])

    parts = ("recon", "l2", "sparse", "contractive", "cae_h")
    tot = T(0.0)
    for p in parts:
        tot = T(tot.v + R.loss[p].v, tot.e + R.loss[p].e + UD * (abs(tot.v) + abs(R.loss[p].v)))
    R.loss["total"] = tot
    R.grads = grads
    return R


def compare(ref, got):
    """max |got − ref| / (SAFETY·e) elementwise; an entry with a zero bound
    must agree exactly.  Returns (figure, index of the worst entry)."""
    got = np.asarray(got, dtype=np.float64)
    if got.shape != ref.v.shape:
        raise ValueError("shape %s, expected %s" % (got.shape, ref.v.shape))
    diff = np.abs(got - ref.v)
    bound = SAFETY * ref.e
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(diff == 0, 0.0, np.where(bound > 0, diff / bound, np.inf))
    r = np.where(np.isnan(got), np.inf, r)
    idx = np.unravel_index(int(np.argmax(r)), r.shape) if r.size else ()
    return (float(r.max()) if r.size else 0.0), idx
