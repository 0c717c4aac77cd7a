"""Trusted reference implementations for ps8 (attention and the building blocks of LLMs).

Plain numpy, written to be read top to bottom. The conventions are those of docs/course.md's
ps8 section: row vectors (`x @ W`, weights `(d_in, d_out)`), activations `(B, T, d_model)`,
head-major column blocks, boolean masks with True = may attend, a fully masked query row gives
a zero output, the self-attention functions are causal, RoPE rotates adjacent pairs
(2i, 2i+1), LoRA's A is `(d_in, r)` and B `(r, d_out)` with scale alpha / r.

The functions ending in `_torch` are independent oracles (torch's own attention, nn.MultiheadAttention,
rms_norm, complex rotations, autograd): where the course is validated, every reference answer a
hidden test uses is checked against them (`cross_checked`). Grading uses the numpy reference.
"""
import numpy as np


# --- attention ----------------------------------------------------------------------------

def scaled_dot_product_attention(Q, K, V, mask=None):
    """softmax(Q K^T / sqrt(d_k)) V over the keys, restricted to `mask` (True = may attend).

    A row with no allowed key gets zero weights, hence a zero output."""
    Q, K, V = (np.asarray(a, dtype=float) for a in (Q, K, V))
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is None:
        allowed = np.ones(scores.shape, dtype=bool)
    else:
        allowed = np.broadcast_to(np.asarray(mask, dtype=bool), scores.shape)
    scores = np.where(allowed, scores, -np.inf)
    top = np.max(scores, axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)            # a fully masked row: any finite shift
    weights = np.where(allowed, np.exp(scores - top), 0.0)
    total = np.sum(weights, axis=-1, keepdims=True)
    weights = weights / np.where(total > 0, total, 1.0)
    return weights @ V


def attention_weights(Q, K, mask=None):
    """The softmax weights alone, shape (..., T_q, T_k): attention with V = identity."""
    K = np.asarray(K, dtype=float)
    eye = np.broadcast_to(np.eye(K.shape[-2]), K.shape[:-1] + (K.shape[-2],))
    return scaled_dot_product_attention(Q, K, eye, mask)


def causal_mask(T):
    """(T, T) boolean: query i may attend key j when j <= i."""
    return np.tril(np.ones((T, T), dtype=bool))


def split_heads(z, n_heads):
    """(B, T, n_heads * head_dim) -> (B, n_heads, T, head_dim), head-major column blocks."""
    B, T, width = z.shape
    return z.reshape(B, T, n_heads, width // n_heads).transpose(0, 2, 1, 3)


def merge_heads(z):
    """(B, n_heads, T, head_dim) -> (B, T, n_heads * head_dim)."""
    B, H, T, dh = z.shape
    return z.transpose(0, 2, 1, 3).reshape(B, T, H * dh)


def multi_head_attention(x, Wq, Wk, Wv, Wo, n_heads):
    """Causal multi-head self-attention, x (B, T, d_model) -> (B, T, d_model)."""
    x = np.asarray(x, dtype=float)
    q, k, v = (split_heads(x @ np.asarray(W, dtype=float), n_heads) for W in (Wq, Wk, Wv))
    heads = scaled_dot_product_attention(q, k, v, causal_mask(x.shape[1]))
    return merge_heads(heads) @ np.asarray(Wo, dtype=float)


def grouped_query_attention(x, Wq, Wk, Wv, Wo, n_heads, n_kv_heads):
    """Causal GQA: query head h reads KV head h // (n_heads // n_kv_heads)."""
    x = np.asarray(x, dtype=float)
    q = split_heads(x @ np.asarray(Wq, dtype=float), n_heads)
    k = split_heads(x @ np.asarray(Wk, dtype=float), n_kv_heads)
    v = split_heads(x @ np.asarray(Wv, dtype=float), n_kv_heads)
    group = n_heads // n_kv_heads
    k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
    heads = scaled_dot_product_attention(q, k, v, causal_mask(x.shape[1]))
    return merge_heads(heads) @ np.asarray(Wo, dtype=float)


def kv_cache_bytes(kind, n_heads, head_dim, n_kv_heads=None, d_latent=None, d_rope=0,
                   bytes_per_value=2):
    """Bytes of KV cache per token and per layer."""
    values = {"mha": lambda: 2 * n_heads * head_dim,
              "mqa": lambda: 2 * head_dim,
              "gqa": lambda: 2 * n_kv_heads * head_dim,
              "mla": lambda: d_latent + d_rope}[kind]()
    return int(values * bytes_per_value)


# --- multi-head latent attention ----------------------------------------------------------

def multi_head_latent_attention(x, Wq, W_dkv, W_uk, W_uv, Wo, n_heads):
    """MLA without decoupled RoPE: keys and values are up-projected from one latent c."""
    x = np.asarray(x, dtype=float)
    c = x @ np.asarray(W_dkv, dtype=float)                       # (B, T, d_latent): the cache
    q = split_heads(x @ np.asarray(Wq, dtype=float), n_heads)
    k = split_heads(c @ np.asarray(W_uk, dtype=float), n_heads)
    v = split_heads(c @ np.asarray(W_uv, dtype=float), n_heads)
    heads = scaled_dot_product_attention(q, k, v, causal_mask(x.shape[1]))
    return merge_heads(heads) @ np.asarray(Wo, dtype=float)


def _column_blocks(W, n_heads):
    """(rows, n_heads * dh) -> (n_heads, rows, dh)."""
    W = np.asarray(W, dtype=float)
    rows, width = W.shape
    return W.reshape(rows, n_heads, width // n_heads).transpose(1, 0, 2)


def absorb_mla_weights(Wq, W_uk, W_uv, Wo, n_heads):
    """(Wq_absorbed (H, d_model, d_latent), Wo_absorbed (H, d_latent, d_model))."""
    Wq_h, W_uk_h, W_uv_h = (_column_blocks(W, n_heads) for W in (Wq, W_uk, W_uv))
    Wo = np.asarray(Wo, dtype=float)
    Wo_h = Wo.reshape(n_heads, Wo.shape[0] // n_heads, Wo.shape[1])  # row blocks (H, dh, d_model)
    return Wq_h @ np.swapaxes(W_uk_h, 1, 2), W_uv_h @ Wo_h


def mla_absorbed_attention(x, W_dkv, Wq_absorbed, Wo_absorbed, head_dim):
    """MLA at inference: attention of per-head latent queries over the cached latents."""
    x = np.asarray(x, dtype=float)
    c = x @ np.asarray(W_dkv, dtype=float)                               # (B, T, d_latent)
    q = np.einsum("btd,hdc->bhtc", x, np.asarray(Wq_absorbed, dtype=float))
    scores = q @ np.swapaxes(c, -1, -2)[:, None] / np.sqrt(head_dim)      # (B, H, T, T)
    T = x.shape[1]
    scores = np.where(causal_mask(T), scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    mixed = weights @ c[:, None]                                         # (B, H, T, d_latent)
    return np.einsum("bhtc,hcd->btd", mixed, np.asarray(Wo_absorbed, dtype=float))


# --- LLaMA's building blocks --------------------------------------------------------------

def rms_norm(x, weight, eps=1e-6):
    """x / sqrt(mean(x^2) + eps) * weight over the last axis."""
    x = np.asarray(x, dtype=float)
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * np.asarray(weight, dtype=float)


def rope_angles(positions, d, base=10000):
    """(T, d/2) angles positions[t] * base^(-2i/d)."""
    inv_freq = float(base) ** (-np.arange(0, d, 2) / d)
    return np.asarray(positions, dtype=float)[:, None] * inv_freq[None, :]


def rope(x, positions, base=10000):
    """Rotate the adjacent pairs (x[2i], x[2i+1]) of each row t by positions[t] * base^(-2i/d)."""
    x = np.asarray(x, dtype=float)
    angles = rope_angles(positions, x.shape[-1], base)
    cos, sin = np.cos(angles), np.sin(angles)
    even, odd = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = even * cos - odd * sin
    out[..., 1::2] = even * sin + odd * cos
    return out


# --- LoRA ---------------------------------------------------------------------------------

def lora_forward(x, W, A, B, alpha, r):
    """x W + (alpha / r) x A B, without forming A B."""
    x = np.asarray(x, dtype=float)
    return x @ np.asarray(W, dtype=float) + (alpha / r) * ((x @ np.asarray(A, dtype=float)) @ np.asarray(B, dtype=float))


def lora_merge(W, A, B, alpha, r):
    """W + (alpha / r) A B: one matrix, no extra cost at inference."""
    return np.asarray(W, dtype=float) + (alpha / r) * (np.asarray(A, dtype=float) @ np.asarray(B, dtype=float))


# --- DPO ----------------------------------------------------------------------------------

def dpo_margin(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    """z = beta * (log-ratio of the chosen response - log-ratio of the rejected one), (N,)."""
    pc, pr, rc, rr = (np.asarray(a, dtype=float) for a in
                      (policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps))
    return beta * ((pc - rc) - (pr - rr))


def softplus(z):
    """log(1 + e^z), stable for any z."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def sigmoid(z):
    """1 / (1 + e^-z), stable for any z."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def dpo_loss(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    """mean over pairs of -log sigmoid(z) = softplus(-z)."""
    z = dpo_margin(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta)
    return float(np.mean(softplus(-z)))


def dpo_loss_grad(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    """(dL/d policy_chosen_logps, dL/d policy_rejected_logps) = (-, +) beta sigmoid(-z) / N."""
    z = dpo_margin(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta)
    weight = beta * sigmoid(-z) / z.shape[0]
    return -weight, weight


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


# --- oracles (torch; run where the course is validated, never while grading) --------------

def _t(a):
    import torch
    return torch.as_tensor(np.asarray(a, dtype=float))


def scaled_dot_product_attention_torch(Q, K, V, mask=None):
    """torch's own attention; its nan rows (every key masked) set to the contract's zeros."""
    import torch
    mask_t = None if mask is None else torch.as_tensor(np.asarray(mask, dtype=bool))
    out = torch.nn.functional.scaled_dot_product_attention(_t(Q), _t(K), _t(V), attn_mask=mask_t).numpy()
    if mask is not None:
        scores_shape = np.broadcast_shapes(np.shape(Q)[:-1] + (np.shape(K)[-2],), np.shape(mask))
        empty = ~np.broadcast_to(np.asarray(mask, dtype=bool), scores_shape).any(axis=-1)
        out = np.where(empty[..., None], 0.0, out)
    return out


def multi_head_attention_torch_module(x, Wq, Wk, Wv, Wo, n_heads):
    """nn.MultiheadAttention (no biases, batch first) with the weights copied and a causal mask.

    Needs n_heads * head_dim == d_model (the module's own constraint)."""
    import torch
    x = np.asarray(x, dtype=float)
    d_model, T = x.shape[2], x.shape[1]
    module = torch.nn.MultiheadAttention(d_model, n_heads, bias=False, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        module.in_proj_weight.copy_(torch.cat([_t(Wq).T, _t(Wk).T, _t(Wv).T], dim=0))
        module.out_proj.weight.copy_(_t(Wo).T)
    blocked = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)   # True = may NOT attend
    out, _ = module(_t(x), _t(x), _t(x), attn_mask=blocked, need_weights=False)
    return out.detach().numpy()


def grouped_query_attention_torch(x, Wq, Wk, Wv, Wo, n_heads, n_kv_heads):
    """torch's attention with is_causal and enable_gqa (repeat-interleave of the KV heads)."""
    import torch
    xt = _t(x)
    B, T, _ = xt.shape

    def heads(W, n):
        z = xt @ _t(W)
        return z.view(B, T, n, z.shape[-1] // n).transpose(1, 2)

    out = torch.nn.functional.scaled_dot_product_attention(
        heads(Wq, n_heads), heads(Wk, n_kv_heads), heads(Wv, n_kv_heads), is_causal=True,
        enable_gqa=n_kv_heads != n_heads)
    return (out.transpose(1, 2).reshape(B, T, -1) @ _t(Wo)).numpy()


def multi_head_attention_torch(x, Wq, Wk, Wv, Wo, n_heads):
    return grouped_query_attention_torch(x, Wq, Wk, Wv, Wo, n_heads, n_heads)


def multi_head_latent_attention_torch(x, Wq, W_dkv, W_uk, W_uv, Wo, n_heads):
    """MLA as torch's causal attention on keys and values up-projected from the latent."""
    import torch
    xt = _t(x)
    B, T, _ = xt.shape
    c = xt @ _t(W_dkv)

    def heads(z):
        return z.view(B, T, n_heads, z.shape[-1] // n_heads).transpose(1, 2)

    out = torch.nn.functional.scaled_dot_product_attention(
        heads(xt @ _t(Wq)), heads(c @ _t(W_uk)), heads(c @ _t(W_uv)), is_causal=True)
    return (out.transpose(1, 2).reshape(B, T, -1) @ _t(Wo)).numpy()


def absorb_mla_weights_loops(Wq, W_uk, W_uv, Wo, n_heads):
    """The absorbed weights head by head, with explicit slices (an oracle for the reshapes)."""
    dh = np.shape(Wq)[1] // n_heads
    Wq, W_uk, W_uv, Wo = (np.asarray(a, dtype=float) for a in (Wq, W_uk, W_uv, Wo))
    blocks = [slice(h * dh, (h + 1) * dh) for h in range(n_heads)]
    return (np.stack([Wq[:, s] @ W_uk[:, s].T for s in blocks]),
            np.stack([W_uv[:, s] @ Wo[s, :] for s in blocks]))


def mla_absorbed_attention_torch(x, W_dkv, Wq_absorbed, Wo_absorbed, head_dim):
    """MQA in latent space: every query head attends one shared key = value head, the latent c,
    with torch's causal attention and scale 1 / sqrt(head_dim)."""
    import torch
    xt = _t(x)
    c = (xt @ _t(W_dkv))[:, None]                                         # (B, 1, T, d_latent)
    q = torch.einsum("btd,hdc->bhtc", xt, _t(Wq_absorbed))
    out = torch.nn.functional.scaled_dot_product_attention(
        q, c, c, is_causal=True, scale=1.0 / np.sqrt(head_dim), enable_gqa=True)
    return torch.einsum("bhtc,hcd->btd", out, _t(Wo_absorbed)).numpy()


def rms_norm_torch(x, weight, eps=1e-6):
    import torch
    x = _t(x)
    return torch.nn.functional.rms_norm(x, (x.shape[-1],), _t(weight), eps).numpy()


def rope_torch(x, positions, base=10000):
    """LLaMA's reference formulation: adjacent pairs as complex numbers times exp(i angle)."""
    import torch
    x = _t(x)
    d = x.shape[-1]
    freqs = 1.0 / (float(base) ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    angles = torch.outer(_t(positions), freqs)
    rotation = torch.polar(torch.ones_like(angles), angles)
    pairs = torch.view_as_complex(x.reshape(*x.shape[:-1], d // 2, 2).contiguous())
    return torch.view_as_real(pairs * rotation).reshape(x.shape).numpy()


def lora_forward_torch(x, W, A, B, alpha, r):
    """Two nn.Linear layers in parallel, as PEFT builds them (weights transposed)."""
    import torch
    base = torch.nn.Linear(*np.shape(W), bias=False, dtype=torch.float64)
    down = torch.nn.Linear(*np.shape(A), bias=False, dtype=torch.float64)
    up = torch.nn.Linear(*np.shape(B), bias=False, dtype=torch.float64)
    with torch.no_grad():
        base.weight.copy_(_t(W).T)
        down.weight.copy_(_t(A).T)
        up.weight.copy_(_t(B).T)
        xt = _t(x)
        return (base(xt) + up(down(xt)) * (alpha / r)).numpy()


def dpo_loss_torch(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    import torch
    z = beta * ((_t(policy_chosen_logps) - _t(ref_chosen_logps))
                - (_t(policy_rejected_logps) - _t(ref_rejected_logps)))
    return float(-torch.nn.functional.logsigmoid(z).mean())


def dpo_loss_grad_torch(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    """torch.autograd of the loss with respect to the policy's log-probabilities."""
    import torch
    pc = _t(policy_chosen_logps).clone().requires_grad_(True)
    pr = _t(policy_rejected_logps).clone().requires_grad_(True)
    z = beta * ((pc - _t(ref_chosen_logps)) - (pr - _t(ref_rejected_logps)))
    (-torch.nn.functional.logsigmoid(z).mean()).backward()
    return pc.grad.numpy(), pr.grad.numpy()


# --- inputs the hidden tests share ----------------------------------------------------------

def attention_inputs(seed, B, T, d_model, n_heads, head_dim, n_kv_heads=None, scale=1.0):
    """(x, Wq, Wk, Wv, Wo) for causal self-attention, with scores of order one (times `scale`)."""
    rng = np.random.default_rng(seed)
    n_kv_heads = n_heads if n_kv_heads is None else n_kv_heads
    x = rng.normal(size=(B, T, d_model)) * scale
    Wq = rng.normal(size=(d_model, n_heads * head_dim)) * (1.5 / np.sqrt(d_model))
    Wk = rng.normal(size=(d_model, n_kv_heads * head_dim)) * (1.5 / np.sqrt(d_model))
    Wv = rng.normal(size=(d_model, n_kv_heads * head_dim)) / np.sqrt(d_model)
    Wo = rng.normal(size=(n_heads * head_dim, d_model)) / np.sqrt(n_heads * head_dim)
    return x, Wq, Wk, Wv, Wo


def mla_inputs(seed, B, T, d_model, n_heads, head_dim, d_latent):
    """(x, Wq, W_dkv, W_uk, W_uv, Wo) for multi-head latent attention."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(B, T, d_model))
    Wq = rng.normal(size=(d_model, n_heads * head_dim)) * (1.5 / np.sqrt(d_model))
    W_dkv = rng.normal(size=(d_model, d_latent)) / np.sqrt(d_model)
    W_uk = rng.normal(size=(d_latent, n_heads * head_dim)) * (1.5 / np.sqrt(d_latent))
    W_uv = rng.normal(size=(d_latent, n_heads * head_dim)) / np.sqrt(d_latent)
    Wo = rng.normal(size=(n_heads * head_dim, d_model)) / np.sqrt(n_heads * head_dim)
    return x, Wq, W_dkv, W_uk, W_uv, Wo
