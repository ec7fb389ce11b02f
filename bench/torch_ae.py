#!/usr/bin/python3
"""torch_ae.py — the PyTorch side of aekit_bench's training comparison.

aekit_bench starts this once as a child process and talks to it over
stdin/stdout, one request per line (JSON), one reply per request:
`key value` lines ending with a line holding only `.`.  Timing happens here
(time.perf_counter around the work only), so the pipe costs nothing.

Requests:
  {"op": "info"}                       torch version, threads, BLAS, settings
  {"op": "load", "path": "x.npy", "name": "default"}
                                       a data set (float32 rows), kept under
                                       its name ("default" when none is given)
  {"op": "run", "variant": {...}, "threads": n, "batch": B, "steps": S,
   "seed": s, "epoch": 0|1, "foreach": null|true, "data": "default",
   "opt": "adam"|"sgd", "sgd_lr": lr}
                                       1 + S steps on the first batch (the
                                       first untimed; none when S = 0), then
                                       one epoch (shuffled) unless epoch is 0;
                                       replies step_s, epoch_s, loss (mean
                                       over the epoch).  opt: Adam with the
                                       variant's settings (the default) or
                                       plain SGD (momentum 0) with sgd_lr
  {"op": "jacobian_route", "variant": {...}, "threads": n, "batch": B,
   "data": "default", "sgd_lr": lr, "batches": k, "max_s": s, "seed": s}
                                       the contractive penalty through
                                       PyTorch's generic per-sample Jacobian
                                       (jacobian_route below): seconds per
                                       SGD step on a batch, and the same step
                                       with the analytic penalty
  {"op": "quit"}

The variant object carries the model exactly as aekit's aek_config has it
(sizes, act, out_act, loss, tied, l2, noise, noise_level, sparse_rho,
sparse_beta, ksparse_k, contractive, cae_h_gamma, cae_h_sigma,
cae_h_copies) and the optimizer (Adam lr, betas, eps), so both sides train
the same objective (src/model.h) with the same update (PyTorch's Adam is
the update aekit implements).  Penalties are written with torch ops and
differentiated by autograd — which is how a PyTorch user would write them.

Best configuration: the parent sets OMP_WAIT_POLICY=PASSIVE and the
OpenBLAS variables it chose for its own OpenBLAS peer before starting this
process (torch's GEMMs go through libblas.so.3 = OpenBLAS on Debian); here
torch.set_num_threads(n) and openblas_set_num_threads(n) make both thread
pools use n threads.
"""
import ctypes
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

ACTS = {"identity": lambda a: a, "linear": lambda a: a, "sigmoid": torch.sigmoid,
        "tanh": torch.tanh, "relu": torch.relu}


def blas_library():
    """Path and handle of the BLAS torch loaded (libblas/libopenblas)."""
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if ".so" in line}
    for p in sorted(paths):
        base = os.path.basename(p)
        if base.startswith(("libopenblas", "libblas", "libblis", "libmkl_rt")):
            try:
                return p, ctypes.CDLL(p)
            except OSError:
                pass
    return None, None


BLAS_PATH, BLAS = blas_library()


def blas_call(name, *args, restype=ctypes.c_int):
    fn = getattr(BLAS, name, None) if BLAS is not None else None
    if fn is None:
        return None
    fn.restype = restype
    return fn(*args)


def set_threads(n):
    torch.set_num_threads(n)
    blas_call("openblas_set_num_threads", ctypes.c_int(n), restype=None)


class AE:
    """The autoencoder of src/model.h, as plain tensors with autograd."""

    def __init__(self, v, seed):
        self.v = v
        self.sizes = v["sizes"]
        self.L = len(self.sizes) - 1
        g = torch.Generator().manual_seed(seed)
        self.W, self.b, self.Wd, self.c = [], [], [], []
        for l in range(self.L):
            n_in, n_out = self.sizes[l], self.sizes[l + 1]
            lim = math.sqrt(6.0 / (n_in + n_out))  # Glorot uniform, as aekit
            self.W.append((torch.rand(n_out, n_in, generator=g) * 2 - 1).mul_(lim))
            self.b.append(torch.zeros(n_out))
            if not v["tied"]:
                self.Wd.append((torch.rand(n_in, n_out, generator=g) * 2 - 1).mul_(lim))
            self.c.append(torch.zeros(n_in))
        self.params = self.W + self.b + self.Wd + self.c
        for p in self.params:
            p.requires_grad_(True)

    def corrupt(self, x):
        v = self.v
        if v["noise"] == "mask" and v["noise_level"] > 0:
            return x * (torch.rand_like(x) >= v["noise_level"])
        if v["noise"] == "gauss" and v["noise_level"] > 0:
            return x + v["noise_level"] * torch.randn_like(x)
        return x

    def encode(self, xt):
        v, h = self.v, xt
        for l in range(self.L):
            h = ACTS[v["act"][l]](F.linear(h, self.W[l], self.b[l]))
        k = v["ksparse_k"]
        if k:
            # keep the k largest of each row; only they pass gradient
            idx = h.topk(k, dim=1).indices
            h = h * torch.zeros_like(h).scatter_(1, idx, 1.0)
        return h

    def decode(self, h):
        v, y = self.v, h
        for l in range(self.L - 1, -1, -1):
            Wd = self.W[l].t() if v["tied"] else self.Wd[l]
            z = F.linear(y, Wd, self.c[l])
            if l == 0:
                return z if v["loss"] == "bce" else ACTS[v["out_act"]](z)
            y = ACTS[v["act"][l - 1]](z)
        return y

    @staticmethod
    def slope(act, h):
        """g'(a) from h = g(a), as aekit computes it."""
        if act == "sigmoid":
            return h * (1 - h)
        if act == "tanh":
            return 1 - h * h
        if act == "relu":
            return (h > 0).to(h.dtype)
        return torch.ones_like(h)

    def loss(self, x, contractive=True):
        """The batch's total loss; contractive=False leaves out the
        contractive term (jacobian_route adds it its own way)."""
        v, m = self.v, x.shape[0]
        xt = self.corrupt(x)
        h = self.encode(xt)
        z = self.decode(h)
        if v["loss"] == "bce":
            total = F.binary_cross_entropy_with_logits(z, x, reduction="sum") / m
        else:
            total = (z - x).pow(2).sum() / m
        if v["l2"] > 0:
            total = total + v["l2"] * sum(w.pow(2).sum() for w in self.W + self.Wd)
        if v["sparse_beta"] > 0:
            rho = v["sparse_rho"]
            r = h.mean(0).clamp(1e-7, 1 - 1e-7)
            kl = rho * torch.log(rho / r) + (1 - rho) * torch.log((1 - rho) / (1 - r))
            total = total + v["sparse_beta"] * kl.sum()
        if v["contractive"] > 0 or v["cae_h_gamma"] > 0:
            # J_i = diag(s_i)·W, so ‖J_i‖²_F = Σ_j s_ij² ‖W_j‖² (one layer)
            cj = self.W[0].pow(2).sum(1)
            s = self.slope(v["act"][0], h)
            if v["contractive"] > 0 and contractive:
                total = total + v["contractive"] / m * (s.pow(2) * cj).sum()
            if v["cae_h_gamma"] > 0:
                copies = v["cae_h_copies"]
                pen = 0
                for _ in range(copies):
                    xc = xt + v["cae_h_sigma"] * torch.randn_like(xt)
                    hc = ACTS[v["act"][0]](F.linear(xc, self.W[0], self.b[0]))
                    pen = pen + ((s - self.slope(v["act"][0], hc)).pow(2) * cj).sum()
                total = total + v["cae_h_gamma"] / (m * copies) * pen
        return total


def make_opt(req, params):
    """Adam with the variant's settings, or plain SGD (momentum 0)."""
    # foreach: None is torch's own choice (the per-tensor loop on CPU);
    # True is its multi-tensor path — the parent times both, picks one
    if req.get("opt", "adam") == "sgd":
        return torch.optim.SGD(params, lr=req["sgd_lr"], momentum=0, foreach=req.get("foreach"))
    o = req["variant"]["adam"]
    return torch.optim.Adam(params, lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"],
                            foreach=req.get("foreach"))


def train_step(model, opt, xb, loss_fn=None):
    """One optimizer step on the batch xb; returns the loss."""
    opt.zero_grad(set_to_none=True)
    loss = (loss_fn or model.loss)(xb)
    loss.backward()
    opt.step()
    return loss


def run(req, data):
    v = req["variant"]
    set_threads(req["threads"])
    B, S = req["batch"], req["steps"]
    model = opt = None

    def fresh():
        """A new model and optimizer (untimed): the steps and the epoch each
        start from the initial weights, as on aekit's side."""
        nonlocal model, opt
        torch.manual_seed(req["seed"])
        model = AE(v, req["seed"])
        opt = make_opt(req, model.params)

    def step(xb):
        return train_step(model, opt, xb)

    out = {}
    if S > 0:
        fresh()
        # one untimed step first: it allocates Adam's state (aekit's side
        # also takes one untimed step)
        xb = data[:B].contiguous()
        step(xb)
        t0 = time.perf_counter()
        for _ in range(S):
            step(xb)
        out["step_s"] = (time.perf_counter() - t0) / S
    if req.get("epoch", 1):
        fresh()
        n = data.shape[0]
        g = torch.Generator().manual_seed(req["seed"])
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=g)
        total = 0.0
        for r0 in range(0, n, B):
            idx = perm[r0:r0 + B]
            loss = step(data.index_select(0, idx))
            total += loss.item() * idx.numel()
        out["epoch_s"] = time.perf_counter() - t0
        out["loss"] = total / n
    return out


def jacobian_route(req, data):
    """The contractive penalty λ/m·Σ_i ‖J_i‖²_F the generic way: J_i =
    torch.autograd.functional.jacobian(encoder, x_i, create_graph=True) for
    every sample, summed, backward through it, SGD step.  Against it, the
    same step with the analytic penalty (AE.loss: J_i = diag(s_i)·W).

    One sample's Jacobian step is timed first with vectorize=False and
    vectorize=True (the faster one that works is used).  If `batches` full
    batches would take more than max_s seconds, each timed batch computes
    the penalty of its first n samples only and the time of the full batch
    is extrapolated: t_analytic + (t_measured − t_analytic)·B/n (the
    reconstruction part is the same in both; the per-sample part scales
    with the samples).  The reply says so (samples_timed < batch,
    extrapolated 1)."""
    v = req["variant"]
    if not v["contractive"] > 0 or v.get("cae_h_gamma", 0) > 0:
        raise RuntimeError("jacobian_route needs the contractive variant")
    set_threads(req["threads"])
    B, k, max_s = req["batch"], max(1, req.get("batches", 1)), req.get("max_s", 20.0)
    lam = v["contractive"]
    torch.manual_seed(req["seed"])
    model = AE(v, req["seed"])
    opt = torch.optim.SGD(model.params, lr=req["sgd_lr"], momentum=0)

    def jac_penalty(xt, n, vec):
        total = 0
        for i in range(n):
            J = torch.autograd.functional.jacobian(model.encode, xt[i], create_graph=True,
                                                   vectorize=vec)
            total = total + J.pow(2).sum()
        return total

    def jac_step(xb, n, vec):
        def jac_loss(xb):
            xt = model.corrupt(xb)
            return model.loss(xb, contractive=False) + lam / xb.shape[0] * jac_penalty(xt, n, vec)
        return train_step(model, opt, xb, jac_loss)


    x0 = data[:B].contiguous()
    out = {}
    # the two routes compute the same penalty (a check, untimed)
    with torch.no_grad():
        h = model.encode(x0[:4])
        s = AE.slope(v["act"][0], h)
        ana = float((s.pow(2) * model.W[0].pow(2).sum(1)).sum())
    jp = float(jac_penalty(x0, 4, False).detach())
    out["penalty_rel_diff"] = abs(jp - ana) / abs(ana)
    # one sample's Jacobian step, each way (second of two calls)
    per = {}
    for vec in (False, True):
        try:
            for _ in range(2):
                t0 = time.perf_counter()
                jac_step(x0[:1], 1, vec)
                dt = time.perf_counter() - t0
            per[vec] = dt
            out[f"sample_s_vectorize_{vec}"] = dt
        except Exception as e:  # noqa: BLE001 — reported, the other way is used
            out[f"sample_s_vectorize_{vec}"] = f"failed ({type(e).__name__}: {e})"[:200]
    if not per:
        raise RuntimeError("torch.autograd.functional.jacobian failed both ways")
    vec = min(per, key=per.get)
    out["vectorize"] = vec
    # per sample inside a batch: one sample's step, or a 4-sample step / 4,
    # whichever is slower (the backward through many Jacobians costs more
    # per sample than through one)
    t0 = time.perf_counter()
    jac_step(x0[:4], 4, vec)
    est = max(per[vec], (time.perf_counter() - t0) / 4)
    n = max(1, min(B, int(max_s / (k * est))))
    # the analytic step on the same batch (after a warm-up step)
    train_step(model, opt, x0)
    reps = 10
    t0 = time.perf_counter()
    for _ in range(reps):
        train_step(model, opt, x0)
    t_ana = (time.perf_counter() - t0) / reps
    ts = []
    for b in range(k):
        if sum(ts) > max_s:  # the estimate was low: fewer batches
            break
        xb = data[b * B:(b + 1) * B].contiguous()
        t0 = time.perf_counter()
        loss = jac_step(xb, n, vec)
        ts.append(time.perf_counter() - t0)
    t_meas = sum(ts) / len(ts)
    t_batch = t_meas if n == B else t_ana + (t_meas - t_ana) * B / n
    out.update({"jac_batch_s": t_batch, "jac_measured_s": t_meas, "analytic_batch_s": t_ana,
                "samples_timed": n, "batch": B, "batches": len(ts), "extrapolated": int(n < B),
                "loss": float(loss.detach())})
    return out


def info():
    cfg = torch.__config__.show()
    cap = next((l.split(":", 1)[1].strip() for l in cfg.splitlines()
                if "CPU capability usage" in l), "?")
    core = blas_call("openblas_get_corename", restype=ctypes.c_char_p)
    conf = blas_call("openblas_get_config", restype=ctypes.c_char_p)
    env = {k: os.environ.get(k, "(unset)") for k in
           ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
            "OPENBLAS_NUM_THREADS", "OPENBLAS_THREAD_TIMEOUT", "ATEN_CPU_CAPABILITY")}
    return {
        "version": torch.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "cpu_capability": cap,
        "interop_threads": torch.get_num_interop_threads(),
        "default_threads": DEFAULT_THREADS,
        "blas": BLAS_PATH or "none found",
        "openblas_core": core.decode() if core else "n/a",
        "openblas_config": conf.decode() if conf else "n/a",
        "env": " ".join(f"{k}={v}" for k, v in env.items()),
        "parallel_info": " / ".join(l.strip() for l in torch.__config__.parallel_info().splitlines()
                                    if l.strip()),
    }


def reply(d):
    for k, v in d.items():
        sys.stdout.write(f"{k} {str(v).replace(chr(10), ' ')}\n")
    sys.stdout.write(".\n")
    sys.stdout.flush()


DEFAULT_THREADS = torch.get_num_threads()


def main():
    sets = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            op = req.get("op")
            if op == "quit":
                break
            if op == "info":
                reply(info())
            elif op == "load":
                data = torch.from_numpy(np.load(req["path"]).astype(np.float32, copy=False))
                data = data.reshape(data.shape[0], -1).contiguous()
                sets[req.get("name", "default")] = data
                reply({"rows": data.shape[0], "cols": data.shape[1]})
            elif op in ("run", "jacobian_route"):
                name = req.get("data", "default")
                if name not in sets:
                    raise RuntimeError(f"no data set {name!r} loaded")
                reply((run if op == "run" else jacobian_route)(req, sets[name]))
            else:
                raise RuntimeError(f"unknown op {op!r}")
        except Exception as e:  # reported to the parent, which marks the run
            reply({"error": f"{type(e).__name__}: {e}"})


if __name__ == "__main__":
    main()
