"""Trusted reference implementations for ps2 (information theory and cross-entropy).

Conventions (COURSE.md): natural logarithms unless a `base` argument says otherwise,
`0 * log 0 = 0`, losses are means over samples, labels are ints in `[0, C)`.
"""
import numpy as np
import sympy as sp


def _log(x, base):
    """log of x in the given base; log(0) = -inf without a warning."""
    with np.errstate(divide="ignore"):
        return np.log(x) / np.log(base)


def self_information(p, base=2):
    """-log_base(p); inf at p = 0."""
    return -_log(np.asarray(p, dtype=float), base)


def entropy(p, base=2):
    """H(P) = -sum_i p_i log p_i, with 0 log 0 = 0."""
    p = np.asarray(p, dtype=float)
    nz = p > 0
    return float(-np.sum(p[nz] * np.log(p[nz])) / np.log(base))


def cross_entropy_pq(p, q):
    """H(P, Q) = -sum_i p_i log q_i in nats; terms with p_i = 0 count 0; inf where q_i = 0 < p_i."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    nz = p > 0
    if np.any(q[nz] == 0):
        return np.inf
    return float(-np.sum(p[nz] * np.log(q[nz])))


def kl_divergence(p, q):
    """KL(P || Q) = sum_i p_i log(p_i / q_i) in nats; inf where q_i = 0 < p_i."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    nz = p > 0
    if np.any(q[nz] == 0):
        return np.inf
    return float(np.sum(p[nz] * (np.log(p[nz]) - np.log(q[nz]))))


def decompose_cross_entropy(p, q, base=2):
    """(H(P), KL(P || Q), H(P, Q)), all in units of `base`."""
    scale = np.log(base)
    return entropy(p, base), kl_divergence(p, q) / scale, cross_entropy_pq(p, q) / scale


def logsumexp(z, axis=-1, keepdims=False):
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    return z - logsumexp(z, axis=axis, keepdims=True)


def softmax(z, axis=-1):
    return np.exp(log_softmax(z, axis=axis))


def cross_entropy_loss(logits, labels):
    """Mean over samples of -log softmax(logits)[i, labels[i]]."""
    logits = np.asarray(logits, dtype=float)
    labels = np.asarray(labels, dtype=int)
    n = logits.shape[0]
    return float(-np.mean(log_softmax(logits, axis=1)[np.arange(n), labels]))


def cross_entropy_grad(logits, labels):
    """Gradient of the mean loss w.r.t. the logits: (softmax - onehot) / N."""
    logits = np.asarray(logits, dtype=float)
    labels = np.asarray(labels, dtype=int)
    n = logits.shape[0]
    grad = softmax(logits, axis=1)
    grad[np.arange(n), labels] -= 1.0
    return grad / n


def cross_entropy_loss_torch(logits, labels):
    """Oracle: torch's own cross-entropy (float64)."""
    import torch
    return float(torch.nn.functional.cross_entropy(
        torch.as_tensor(np.asarray(logits, dtype=float)), torch.as_tensor(np.asarray(labels, dtype=np.int64))))


def cross_entropy_grad_torch(logits, labels):
    """Oracle: d(mean cross-entropy)/d(logits) by torch.autograd (float64)."""
    import torch
    z = torch.tensor(np.asarray(logits, dtype=float), requires_grad=True)
    torch.nn.functional.cross_entropy(z, torch.as_tensor(np.asarray(labels, dtype=np.int64))).backward()
    return z.grad.numpy()


def numerical_gradient(f, x, h=1e-5):
    """Centred differences of the scalar function f at x (float64)."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        up = f(x)
        x[idx] = old - h
        down = f(x)
        x[idx] = old
        grad[idx] = (up - down) / (2 * h)
    return grad


# The derive question: one sample with C = 3 logits z0, z1, z2 and true class 0.
Z = sp.symbols("z0 z1 z2", real=True)
DERIVE_NAMES = ("dL_dz0", "dL_dz1", "dL_dz2")
DERIVE_SYMBOLS = {str(z): {"real": True} for z in Z}
DERIVE_TRUE_CLASS = 0


def derive_loss():
    """L(z) = -log softmax(z)_0 as a SymPy expression."""
    return -sp.log(sp.exp(Z[0]) / sum(sp.exp(z) for z in Z))


def dL_dz():
    """[dL/dz0, dL/dz1, dL/dz2] = softmax(z) - onehot(0), as SymPy expressions."""
    total = sum(sp.exp(z) for z in Z)
    return [sp.exp(z) / total - (1 if k == DERIVE_TRUE_CLASS else 0) for k, z in enumerate(Z)]


def binary_cross_entropy_with_logits(z, y):
    """Mean over samples of softplus(z) - y z = max(z, 0) - y z + log1p(exp(-|z|))."""
    z, y = np.asarray(z, dtype=float), np.asarray(y, dtype=float)
    return float(np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))))


def binary_cross_entropy_with_logits_torch(z, y):
    import torch
    return float(torch.nn.functional.binary_cross_entropy_with_logits(
        torch.as_tensor(np.asarray(z, dtype=float)), torch.as_tensor(np.asarray(y, dtype=float))))


def perplexity(token_log_probs):
    """exp of the mean negative log-probability (natural logs)."""
    return float(np.exp(-np.mean(np.asarray(token_log_probs, dtype=float))))
