"""Other correct implementations of ps2's answers: each must keep full marks.

They differ from the solution in formula, library (torch elementary ops), control flow (explicit
loops) or precision (float32 where the tolerances allow it). None uses a call listed in
FORBIDDEN_CALLS for its question.
"""
import numpy as np
from coursegrade import alternative, alternative_code


# --- self_information -------------------------------------------------------------------------

@alternative("self_information")
def self_information_math_loop(p, base=2):
    import math
    arr = np.asarray(p, dtype=float)
    out = np.empty(arr.shape)
    for idx in np.ndindex(arr.shape):
        out[idx] = math.inf if arr[idx] == 0 else -math.log(arr[idx], base)
    return out


@alternative("self_information")
def self_information_torch(p, base=2):
    import torch
    t = torch.as_tensor(np.asarray(p, dtype=float))
    return (-torch.log(t) / torch.log(torch.tensor(float(base), dtype=torch.float64))).numpy()


@alternative("self_information")
def self_information_log2(p, base=2):
    # log_b p = log2 p / log2 b
    with np.errstate(divide="ignore"):
        return -np.log2(p) / np.log2(base)


# --- entropy ----------------------------------------------------------------------------------

@alternative("entropy")
def entropy_where(p, base=2):
    p = np.asarray(p, dtype=float)
    safe = np.where(p > 0, p, 1.0)        # log(1) = 0, so zeros contribute nothing
    return -np.sum(p * np.log(safe)) / np.log(base)


@alternative("entropy")
def entropy_nansum(p, base=2):
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.nansum(p * np.log(p)) / np.log(base)


@alternative("entropy")
def entropy_from_self_information(p, base=2):
    # expected surprise, with a Python loop over the outcomes
    total = 0.0
    for pi in np.asarray(p, dtype=float):
        if pi > 0:
            total += pi * self_information(pi, base)
    return total


@alternative("entropy")
def entropy_float32(p, base=2):
    p = np.asarray(p, dtype=np.float32)
    nz = p > 0
    return float(-np.sum(p[nz] * np.log(p[nz])) / np.float32(np.log(base)))


# --- kl_divergence ----------------------------------------------------------------------------

@alternative("kl_divergence")
def kl_divergence_loop(p, q):
    import math
    total = 0.0
    for pi, qi in zip(p, q):
        if pi == 0:
            continue
        if qi == 0:
            return math.inf
        total += pi * (math.log(pi) - math.log(qi))
    return total


@alternative("kl_divergence")
def kl_divergence_from_cross_entropy(p, q):
    # KL(P || Q) = H(P, Q) - H(P), both in nats
    return cross_entropy_pq(p, q) - entropy(p, np.e)


@alternative("kl_divergence")
def kl_divergence_torch_where(p, q):
    import torch
    p = torch.as_tensor(np.asarray(p, dtype=float))
    q = torch.as_tensor(np.asarray(q, dtype=float))
    if bool(torch.any((q == 0) & (p > 0))):
        return float("inf")
    terms = torch.where(p > 0, p * (torch.log(p) - torch.log(q)), torch.zeros_like(p))
    return float(terms.sum())


# --- cross_entropy_pq -------------------------------------------------------------------------

@alternative("cross_entropy_pq")
def cross_entropy_pq_loop(p, q):
    import math
    total = 0.0
    for pi, qi in zip(p, q):
        if pi > 0:
            total -= pi * (math.log(qi) if qi > 0 else -math.inf)
    return total


@alternative("cross_entropy_pq")
def cross_entropy_pq_from_kl(p, q):
    # H(P, Q) = H(P) + KL(P || Q), in nats
    return entropy(p, np.e) + kl_divergence(p, q)


@alternative("cross_entropy_pq")
def cross_entropy_pq_where(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    with np.errstate(divide="ignore"):
        log_q = np.log(q)
    return -np.sum(np.where(p > 0, p * log_q, 0.0))


# --- decompose_cross_entropy ------------------------------------------------------------------

@alternative("decompose_cross_entropy")
def decompose_via_identity(p, q, base=2):
    # compute two terms and get the third from the identity
    h = entropy(p, base)
    ce = cross_entropy_pq(p, q) / np.log(base)
    return (h, ce - h, ce)


@alternative("decompose_cross_entropy")
def decompose_from_scratch_log2(p, q, base=2):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    nz = p > 0
    h = -np.sum(p[nz] * np.log2(p[nz])) / np.log2(base)
    if np.any(q[nz] == 0):
        return [h, np.inf, np.inf]
    ce = -np.sum(p[nz] * np.log2(q[nz])) / np.log2(base)
    kl = np.sum(p[nz] * np.log2(p[nz] / q[nz])) / np.log2(base)
    return [h, kl, ce]


# --- softmax ----------------------------------------------------------------------------------

@alternative("softmax")
def softmax_torch_ops(z, axis=-1):
    import torch
    t = torch.as_tensor(np.asarray(z, dtype=float))
    e = torch.exp(t - t.amax(dim=axis, keepdim=True))
    return (e / e.sum(dim=axis, keepdim=True)).numpy()


@alternative("softmax")
def softmax_float32(z, axis=-1):
    z = np.asarray(z, dtype=np.float32)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@alternative("softmax")
def softmax_loop_over_vectors(z, axis=-1):
    import math
    z = np.moveaxis(np.asarray(z, dtype=float), axis, -1)
    out = np.empty_like(z)
    for idx in np.ndindex(z.shape[:-1]):
        row = z[idx]
        m = max(row)
        e = [math.exp(v - m) for v in row]
        s = sum(e)
        out[idx] = [v / s for v in e]
    return np.moveaxis(out, -1, axis)


@alternative("softmax")
def softmax_exp_of_log_softmax(z, axis=-1):
    return np.exp(log_softmax(z, axis))


# --- log_softmax ------------------------------------------------------------------------------

@alternative("log_softmax")
def log_softmax_torch_ops(z, axis=-1):
    import torch
    t = torch.as_tensor(np.asarray(z, dtype=float))
    m = t.amax(dim=axis, keepdim=True)
    return (t - m - torch.log(torch.exp(t - m).sum(dim=axis, keepdim=True))).numpy()


@alternative("log_softmax")
def log_softmax_float32(z, axis=-1):
    z = np.asarray(z, dtype=np.float32)
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


@alternative("log_softmax")
def log_softmax_loop_with_log1p(z, axis=-1):
    # LSE = m + log1p(sum of the other exp(z_j - m)), written with an explicit loop
    import math
    z = np.moveaxis(np.asarray(z, dtype=float), axis, -1)
    out = np.empty_like(z)
    for idx in np.ndindex(z.shape[:-1]):
        row = list(z[idx])
        k = row.index(max(row))
        m = row[k]
        rest = sum(math.exp(v - m) for j, v in enumerate(row) if j != k)
        lse = m + math.log1p(rest)
        out[idx] = [v - lse for v in row]
    return np.moveaxis(out, -1, axis)


# --- cross_entropy_loss -----------------------------------------------------------------------

@alternative("cross_entropy_loss")
def cross_entropy_loss_onehot(logits, labels):
    z = np.asarray(logits, dtype=float)
    m = z.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
    onehot = np.eye(z.shape[1])[labels]
    return np.mean(lse - np.sum(onehot * z, axis=1))


@alternative("cross_entropy_loss")
def cross_entropy_loss_torch_ops(logits, labels):
    import torch
    z = torch.as_tensor(np.asarray(logits, dtype=float))
    y = torch.as_tensor(np.asarray(labels, dtype=np.int64))
    m = z.amax(dim=1, keepdim=True)
    log_probs = z - m - torch.log(torch.exp(z - m).sum(dim=1, keepdim=True))
    return float(-log_probs.gather(1, y[:, None]).mean())


@alternative("cross_entropy_loss")
def cross_entropy_loss_float32_loop(logits, labels):
    z = np.asarray(logits, dtype=np.float32)
    total = np.float32(0.0)
    for row, label in zip(z, labels):
        m = row.max()
        total += m + np.log(np.exp(row - m).sum()) - row[label]
    return total / np.float32(len(z))


# --- dL_dz ------------------------------------------------------------------------------------

alternative_code("dL_dz0", "dL_dz_shifted_form", """
dL_dz0 = -(sp.exp(z1 - z0) + sp.exp(z2 - z0)) / (1 + sp.exp(z1 - z0) + sp.exp(z2 - z0))
dL_dz1 = 1 / (sp.exp(z0 - z1) + 1 + sp.exp(z2 - z1))
dL_dz2 = 1 / (sp.exp(z0 - z2) + sp.exp(z1 - z2) + 1)
""")
alternative_code("dL_dz0", "dL_dz_softmax_helper", """
S = sp.exp(z0) + sp.exp(z1) + sp.exp(z2)
p = [sp.exp(z) / S for z in (z0, z1, z2)]
dL_dz0, dL_dz1, dL_dz2 = p[0] - 1, p[1], p[2]
""")
alternative_code("dL_dz0", "dL_dz_exp_of_log_softmax", """
lse = sp.log(sp.exp(z0) + sp.exp(z1) + sp.exp(z2))
dL_dz0 = sp.exp(z0 - lse) - 1
dL_dz1 = sp.exp(z1 - lse)
dL_dz2 = sp.exp(z2 - lse)
""")
# One answer per name: the other classes' derivatives written on their own, replacing only them.
alternative_code("dL_dz1", "dL_dz1_shifted", """
dL_dz1 = 1 / (sp.exp(z0 - z1) + 1 + sp.exp(z2 - z1))
""")
alternative_code("dL_dz2", "dL_dz2_one_minus_others", """
dL_dz2 = 1 - (sp.exp(z0) + sp.exp(z1)) / (sp.exp(z0) + sp.exp(z1) + sp.exp(z2))
""")
alternative_code("dL_dz0", "dL_dz_floats", """
dL_dz0 = 1.0 * sp.exp(z0) / (sp.exp(z0) + sp.exp(z1) + sp.exp(z2)) - 1.0
dL_dz1 = sp.exp(z1) * (sp.exp(z0) + sp.exp(z1) + sp.exp(z2)) ** -1
dL_dz2 = 1 - (sp.exp(z0) + sp.exp(z1)) / (sp.exp(z0) + sp.exp(z1) + sp.exp(z2))
""")


# --- cross_entropy_grad -----------------------------------------------------------------------

@alternative("cross_entropy_grad")
def cross_entropy_grad_eye(logits, labels):
    z = np.asarray(logits, dtype=float)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return (p - np.eye(z.shape[1])[labels]) / z.shape[0]


@alternative("cross_entropy_grad")
def cross_entropy_grad_loop_float32(logits, labels):
    z = np.asarray(logits, dtype=np.float32)
    n = z.shape[0]
    grad = np.empty_like(z)
    for i in range(n):
        e = np.exp(z[i] - z[i].max())
        grad[i] = e / e.sum()
        grad[i, labels[i]] -= 1
    return grad / n


@alternative("cross_entropy_grad")
def cross_entropy_grad_torch_ops(logits, labels):
    import torch
    z = torch.as_tensor(np.asarray(logits, dtype=float))
    y = torch.as_tensor(np.asarray(labels, dtype=np.int64))
    e = torch.exp(z - z.amax(dim=1, keepdim=True))
    p = e / e.sum(dim=1, keepdim=True)
    p[torch.arange(z.shape[0]), y] -= 1.0
    return (p / z.shape[0]).numpy()


# --- binary_cross_entropy_with_logits ---------------------------------------------------------

@alternative("binary_cross_entropy_with_logits")
def bce_logaddexp(z, y):
    # softplus(z) = log(e^0 + e^z)
    z, y = np.asarray(z, dtype=float), np.asarray(y, dtype=float)
    return np.mean(np.logaddexp(0.0, z) - y * z)


@alternative("binary_cross_entropy_with_logits")
def bce_branch_per_sample(z, y):
    # y softplus(-z) + (1 - y) softplus(z), each softplus computed stably in a loop
    import math

    def softplus(x):
        return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))

    total = 0.0
    for zi, yi in zip(z, y):
        total += yi * softplus(-zi) + (1 - yi) * softplus(zi)
    return total / len(z)


@alternative("binary_cross_entropy_with_logits")
def bce_torch_ops_float32(z, y):
    import torch
    z = torch.as_tensor(np.asarray(z, dtype=np.float32))
    y = torch.as_tensor(np.asarray(y, dtype=np.float32))
    loss = torch.clamp(z, min=0) - y * z + torch.log1p(torch.exp(-torch.abs(z)))
    return loss.mean().item()


# --- perplexity -------------------------------------------------------------------------------

@alternative("perplexity")
def perplexity_geometric_mean(token_log_probs):
    # the inverse of the geometric mean of the token probabilities, computed in log space
    lp = np.asarray(token_log_probs, dtype=float)
    return 1.0 / np.exp(np.sum(lp) / lp.size)


@alternative("perplexity")
def perplexity_bits(token_log_probs):
    # the same number through bits per token: 2 ** (cross-entropy in bits)
    import math
    bits = -sum(token_log_probs) / math.log(2) / len(token_log_probs)
    return 2.0 ** bits


@alternative("perplexity")
def perplexity_torch(token_log_probs):
    import torch
    return torch.exp(-torch.as_tensor(np.asarray(token_log_probs, dtype=float)).mean()).item()
