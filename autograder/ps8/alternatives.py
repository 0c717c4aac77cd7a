"""Other correct implementations of ps8's answers: each must keep full marks.

They differ from the solution in formula (sums over heads, complex numbers, merged weights),
library (torch's elementary tensor operations) or control flow (explicit loops). None uses a call
listed in FORBIDDEN_CALLS. Like the mutants, each is self-contained or calls only the notebook's
own functions.
"""
import numpy as np
from coursegrade import alternative


# --- scaled_dot_product_attention --------------------------------------------------------------

@alternative("scaled_dot_product_attention")
def sdpa_loops(Q, K, V, mask=None):
    import math
    Q, K, V = np.asarray(Q, dtype=float), np.asarray(K, dtype=float), np.asarray(V, dtype=float)
    lead = Q.shape[:-2]
    T_q, d_k = Q.shape[-2:]
    T_k = K.shape[-2]
    allowed = np.broadcast_to(np.ones((T_q, T_k), bool) if mask is None else np.asarray(mask, bool), lead + (T_q, T_k))
    out = np.zeros(lead + (T_q, V.shape[-1]))
    for idx in np.ndindex(*lead):
        for i in range(T_q):
            keys = [j for j in range(T_k) if allowed[idx + (i, j)]]
            if not keys:
                continue
            scores = [float(np.dot(Q[idx + (i,)], K[idx + (j,)])) / math.sqrt(d_k) for j in keys]
            top = max(scores)
            weights = [math.exp(s - top) for s in scores]
            total = sum(weights)
            for w, j in zip(weights, keys):
                out[idx + (i,)] += (w / total) * V[idx + (j,)]
    return out


@alternative("scaled_dot_product_attention")
def sdpa_torch_ops(Q, K, V, mask=None):
    import torch
    q, k, v = (torch.as_tensor(np.asarray(a, dtype=float)) for a in (Q, K, V))
    scores = q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5
    if mask is not None:
        allowed = torch.as_tensor(np.asarray(mask, dtype=bool)).expand(scores.shape)
        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = torch.nan_to_num(torch.softmax(scores, dim=-1), nan=0.0)   # fully masked rows: 0/0
    return (weights @ v).numpy()


@alternative("scaled_dot_product_attention")
def sdpa_einsum_logsumexp(Q, K, V, mask=None):
    scores = np.einsum("...qd,...kd->...qk", Q, K) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    top = np.max(scores, axis=-1, keepdims=True)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        log_total = safe + np.log(np.sum(np.exp(scores - safe), axis=-1, keepdims=True))
    weights = np.where(np.isfinite(log_total), np.exp(scores - np.where(np.isfinite(log_total), log_total, 0.0)), 0.0)
    return np.einsum("...qk,...kv->...qv", weights, V)


# --- causal_mask --------------------------------------------------------------------------------

@alternative("causal_mask")
def causal_mask_compare_indices(T):
    index = np.arange(T)
    return index[None, :] <= index[:, None]


@alternative("causal_mask")
def causal_mask_loops(T):
    mask = np.zeros((T, T), dtype=bool)
    for i in range(T):
        for j in range(i + 1):
            mask[i, j] = True
    return mask


@alternative("causal_mask")
def causal_mask_tri_floats(T):
    return np.tri(T)          # 0/1 floats, the same pattern


# --- multi_head_attention ------------------------------------------------------------------------

@alternative("multi_head_attention")
def mha_sum_over_heads(x, Wq, Wk, Wv, Wo, n_heads):
    T = x.shape[1]
    dh = Wq.shape[1] // n_heads
    out = np.zeros((x.shape[0], T, Wo.shape[1]))
    for h in range(n_heads):
        cols = slice(h * dh, (h + 1) * dh)
        head = scaled_dot_product_attention(x @ Wq[:, cols], x @ Wk[:, cols], x @ Wv[:, cols], causal_mask(T))
        out += head @ Wo[cols, :]
    return out


@alternative("multi_head_attention")
def mha_einsum(x, Wq, Wk, Wv, Wo, n_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads
    q, k, v = (np.einsum("btd,dhe->bhte", x, W.reshape(W.shape[0], n_heads, dh)) for W in (Wq, Wk, Wv))
    scores = np.einsum("bhte,bhse->bhts", q, k) / np.sqrt(dh)
    scores = np.where(np.tril(np.ones((T, T), dtype=bool)), scores, -np.inf)
    w = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w /= w.sum(axis=-1, keepdims=True)
    heads = np.einsum("bhts,bhse->bhte", w, v)
    return np.einsum("bhte,hed->btd", heads, Wo.reshape(n_heads, dh, Wo.shape[1]))


@alternative("multi_head_attention")
def mha_torch_ops(x, Wq, Wk, Wv, Wo, n_heads):
    import torch
    xt = torch.as_tensor(np.asarray(x, dtype=float))
    B, T, _ = xt.shape
    dh = Wq.shape[1] // n_heads

    def heads(W):
        return (xt @ torch.as_tensor(W)).view(B, T, n_heads, dh).transpose(1, 2)

    q, k, v = heads(Wq), heads(Wk), heads(Wv)
    scores = (q @ k.transpose(-1, -2)) / dh ** 0.5
    scores = scores.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    out = torch.softmax(scores, dim=-1) @ v
    return (out.transpose(1, 2).reshape(B, T, n_heads * dh) @ torch.as_tensor(Wo)).numpy()


# --- grouped_query_attention ---------------------------------------------------------------------

@alternative("grouped_query_attention")
def gqa_loop_over_query_heads(x, Wq, Wk, Wv, Wo, n_heads, n_kv_heads):
    T = x.shape[1]
    dh = Wq.shape[1] // n_heads
    group = n_heads // n_kv_heads
    out = 0.0
    for h in range(n_heads):
        q_cols = slice(h * dh, (h + 1) * dh)
        j = h // group
        kv_cols = slice(j * dh, (j + 1) * dh)
        head = scaled_dot_product_attention(x @ Wq[:, q_cols], x @ Wk[:, kv_cols], x @ Wv[:, kv_cols], causal_mask(T))
        out = out + head @ Wo[q_cols, :]
    return out


@alternative("grouped_query_attention")
def gqa_grouped_queries(x, Wq, Wk, Wv, Wo, n_heads, n_kv_heads):
    # No copy of the KV heads: queries reshaped to (B, n_kv, group, T, dh) broadcast against (B, n_kv, 1, T, dh).
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads
    group = n_heads // n_kv_heads
    q = (x @ Wq).reshape(B, T, n_kv_heads, group, dh).transpose(0, 2, 3, 1, 4)
    k = (x @ Wk).reshape(B, T, n_kv_heads, dh).transpose(0, 2, 1, 3)[:, :, None]
    v = (x @ Wv).reshape(B, T, n_kv_heads, dh).transpose(0, 2, 1, 3)[:, :, None]
    out = scaled_dot_product_attention(q, np.broadcast_to(k, q.shape), np.broadcast_to(v, q.shape), causal_mask(T))
    return out.transpose(0, 3, 1, 2, 4).reshape(B, T, n_heads * dh) @ Wo


@alternative("grouped_query_attention")
def gqa_torch_repeat_interleave(x, Wq, Wk, Wv, Wo, n_heads, n_kv_heads):
    import torch
    xt = torch.as_tensor(np.asarray(x, dtype=float))
    B, T, _ = xt.shape
    dh = Wq.shape[1] // n_heads

    def heads(W, n):
        return (xt @ torch.as_tensor(W)).view(B, T, n, dh).transpose(1, 2)

    q = heads(Wq, n_heads)
    k = heads(Wk, n_kv_heads).repeat_interleave(n_heads // n_kv_heads, dim=1)
    v = heads(Wv, n_kv_heads).repeat_interleave(n_heads // n_kv_heads, dim=1)
    scores = (q @ k.transpose(-1, -2)) / dh ** 0.5
    scores = scores.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    out = torch.softmax(scores, dim=-1) @ v
    return (out.transpose(1, 2).reshape(B, T, n_heads * dh) @ torch.as_tensor(Wo)).numpy()


# --- multi_head_latent_attention ----------------------------------------------------------------

@alternative("multi_head_latent_attention")
def mla_as_factorised_mha(x, Wq, W_dkv, W_uk, W_uv, Wo, n_heads):
    return multi_head_attention(x, Wq, W_dkv @ W_uk, W_dkv @ W_uv, Wo, n_heads)


@alternative("multi_head_latent_attention")
def mla_absorbed_inline(x, Wq, W_dkv, W_uk, W_uv, Wo, n_heads):
    T = x.shape[1]
    dh = Wq.shape[1] // n_heads
    c = x @ W_dkv
    out = 0.0
    for h in range(n_heads):
        cols = slice(h * dh, (h + 1) * dh)
        latent_queries = x @ (Wq[:, cols] @ W_uk[:, cols].T)
        scores = latent_queries @ np.swapaxes(c, -1, -2) / np.sqrt(dh)
        scores = np.where(np.tril(np.ones((T, T), dtype=bool)), scores, -np.inf)
        w = np.exp(scores - scores.max(axis=-1, keepdims=True))
        w /= w.sum(axis=-1, keepdims=True)
        out = out + (w @ c) @ (W_uv[:, cols] @ Wo[cols, :])
    return out


@alternative("multi_head_latent_attention")
def mla_torch_ops(x, Wq, W_dkv, W_uk, W_uv, Wo, n_heads):
    import torch
    xt = torch.as_tensor(np.asarray(x, dtype=float))
    B, T, _ = xt.shape
    dh = Wq.shape[1] // n_heads
    c = xt @ torch.as_tensor(W_dkv)

    def heads(z):
        return z.view(B, T, n_heads, dh).transpose(1, 2)

    q = heads(xt @ torch.as_tensor(Wq))
    k, v = heads(c @ torch.as_tensor(W_uk)), heads(c @ torch.as_tensor(W_uv))
    scores = (q @ k.transpose(-1, -2)) / dh ** 0.5
    scores = scores.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    out = torch.softmax(scores, dim=-1) @ v
    return (out.transpose(1, 2).reshape(B, T, n_heads * dh) @ torch.as_tensor(Wo)).numpy()


# --- absorb_mla_weights --------------------------------------------------------------------------

@alternative("absorb_mla_weights")
def absorb_einsum(Wq, W_uk, W_uv, Wo, n_heads):
    dh = Wq.shape[1] // n_heads
    q = Wq.reshape(Wq.shape[0], n_heads, dh)
    uk = W_uk.reshape(W_uk.shape[0], n_heads, dh)
    uv = W_uv.reshape(W_uv.shape[0], n_heads, dh)
    o = Wo.reshape(n_heads, dh, Wo.shape[1])
    return np.einsum("dhe,che->hdc", q, uk), np.einsum("che,hem->hcm", uv, o)


@alternative("absorb_mla_weights")
def absorb_torch(Wq, W_uk, W_uv, Wo, n_heads):
    import torch
    q, uk, uv, o = (torch.as_tensor(np.asarray(a, dtype=float)) for a in (Wq, W_uk, W_uv, Wo))
    dh = q.shape[1] // n_heads
    q_h = q.view(q.shape[0], n_heads, dh).permute(1, 0, 2)      # (H, d_model, dh)
    uk_h = uk.view(uk.shape[0], n_heads, dh).permute(1, 0, 2)   # (H, d_c, dh)
    uv_h = uv.view(uv.shape[0], n_heads, dh).permute(1, 0, 2)
    o_h = o.view(n_heads, dh, o.shape[1])
    return torch.bmm(q_h, uk_h.transpose(1, 2)).numpy(), torch.bmm(uv_h, o_h).numpy()


# --- mla_absorbed_attention ---------------------------------------------------------------------

@alternative("mla_absorbed_attention")
def absorbed_loop_over_heads(x, W_dkv, Wq_absorbed, Wo_absorbed, head_dim):
    # MQA in latent space: the latents are both the keys and the values of every head. The
    # notebook's attention divides by sqrt(d_c); rescaling the queries turns that into sqrt(head_dim).
    T = x.shape[1]
    c = x @ W_dkv
    rescale = np.sqrt(c.shape[-1] / head_dim)
    out = 0.0
    for Wq_h, Wo_h in zip(Wq_absorbed, Wo_absorbed):
        out = out + scaled_dot_product_attention(rescale * (x @ Wq_h), c, c, causal_mask(T)) @ Wo_h
    return out


@alternative("mla_absorbed_attention")
def absorbed_values_projected_first(x, W_dkv, Wq_absorbed, Wo_absorbed, head_dim):
    # Linear in the values: sum_j a_tj (c_j Wo_h) = (sum_j a_tj c_j) Wo_h.
    T = x.shape[1]
    c = x @ W_dkv
    q = np.einsum("btd,hdc->bhtc", x, Wq_absorbed)
    projected = np.einsum("bsc,hcd->bhsd", c, Wo_absorbed)
    scores = np.einsum("bhtc,bsc->bhts", q, c) / np.sqrt(head_dim)
    scores = np.where(np.tril(np.ones((T, T), dtype=bool)), scores, -np.inf)
    w = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w /= w.sum(axis=-1, keepdims=True)
    return np.einsum("bhts,bhsd->btd", w, projected)


@alternative("mla_absorbed_attention")
def absorbed_torch_ops(x, W_dkv, Wq_absorbed, Wo_absorbed, head_dim):
    import torch
    xt = torch.as_tensor(np.asarray(x, dtype=float))
    T = xt.shape[1]
    c = xt @ torch.as_tensor(W_dkv)
    q = torch.einsum("btd,hdc->bhtc", xt, torch.as_tensor(Wq_absorbed))
    scores = q @ c.transpose(-1, -2)[:, None] / head_dim ** 0.5
    scores = scores.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    mixed = torch.softmax(scores, dim=-1) @ c[:, None]
    return torch.einsum("bhtc,hcd->btd", mixed, torch.as_tensor(Wo_absorbed)).numpy()


# --- kv_cache_bytes ------------------------------------------------------------------------------

@alternative("kv_cache_bytes")
def kv_bytes_cached_vectors(kind, n_heads, head_dim, n_kv_heads=None, d_latent=None, d_rope=0, bytes_per_value=2):
    if kind == "mla":
        return (d_latent + d_rope) * bytes_per_value
    kv_heads = {"mha": n_heads, "gqa": n_kv_heads, "mqa": 1}[kind]
    keys_and_values = 2
    return keys_and_values * kv_heads * head_dim * bytes_per_value


@alternative("kv_cache_bytes")
def kv_bytes_table(kind, n_heads, head_dim, n_kv_heads=None, d_latent=None, d_rope=0, bytes_per_value=2):
    formulas = {
        "mha": lambda: 2 * n_heads * head_dim,
        "gqa": lambda: 2 * n_kv_heads * head_dim,
        "mqa": lambda: 2 * head_dim,
        "mla": lambda: d_latent + d_rope,
    }
    return int(np.int64(formulas[kind]()) * np.int64(bytes_per_value))


# --- rms_norm ----------------------------------------------------------------------------------

@alternative("rms_norm")
def rms_norm_from_the_norm(x, weight, eps=1e-6):
    d = x.shape[-1]
    rms = np.sqrt(np.linalg.norm(x, axis=-1, keepdims=True) ** 2 / d + eps)
    return x / rms * weight


@alternative("rms_norm")
def rms_norm_torch_rsqrt(x, weight, eps=1e-6):
    import torch
    t = torch.as_tensor(np.asarray(x, dtype=float))
    return (t * torch.rsqrt(t.pow(2).mean(-1, keepdim=True) + eps) * torch.as_tensor(weight)).numpy()


@alternative("rms_norm")
def rms_norm_rows_loop(x, weight, eps=1e-6):
    import math
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    for idx in np.ndindex(*x.shape[:-1]):
        row = x[idx]
        rms = math.sqrt(sum(v * v for v in row) / len(row) + eps)
        out[idx] = [v / rms * g for v, g in zip(row, weight)]
    return out


# --- rope ----------------------------------------------------------------------------------------

@alternative("rope")
def rope_complex(x, positions, base=10000):
    d = x.shape[-1]
    theta = 1.0 / (float(base) ** (np.arange(0, d, 2) / d))
    z = x[..., 0::2] + 1j * x[..., 1::2]
    z = z * np.exp(1j * np.asarray(positions, dtype=float)[:, None] * theta)
    return np.stack([z.real, z.imag], axis=-1).reshape(x.shape)


@alternative("rope")
def rope_rotation_matrices(x, positions, base=10000):
    import math
    d = x.shape[-1]
    out = np.array(x, dtype=float)
    for t, m in enumerate(positions):
        for i in range(d // 2):
            angle = float(m) * math.exp(-math.log(base) * 2 * i / d)
            R = np.array([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]])
            out[..., t, 2 * i:2 * i + 2] = x[..., t, 2 * i:2 * i + 2] @ R   # row vector times R
    return out


@alternative("rope")
def rope_torch(x, positions, base=10000):
    import torch
    t = torch.as_tensor(np.asarray(x, dtype=float))
    d = t.shape[-1]
    inv_freq = torch.pow(torch.tensor(float(base), dtype=torch.float64), -torch.arange(0, d, 2, dtype=torch.float64) / d)
    angles = torch.as_tensor(np.asarray(positions, dtype=float))[:, None] * inv_freq
    cos = torch.repeat_interleave(torch.cos(angles), 2, dim=-1)
    sin = torch.repeat_interleave(torch.sin(angles), 2, dim=-1)
    pairs = t.view(*t.shape[:-1], d // 2, 2)
    rotated_half = torch.stack([-pairs[..., 1], pairs[..., 0]], dim=-1).view(t.shape)   # (-x1, x0) per pair
    return (t * cos + rotated_half * sin).numpy()


# --- lora_forward --------------------------------------------------------------------------------

@alternative("lora_forward")
def lora_forward_merged(x, W, A, B, alpha, r):
    return x @ (W + (alpha / r) * (A @ B))


@alternative("lora_forward")
def lora_forward_einsum(x, W, A, B, alpha, r):
    down = np.einsum("...i,ir->...r", x, A)
    return np.einsum("...i,io->...o", x, W) + alpha / r * np.einsum("...r,ro->...o", down, B)


@alternative("lora_forward")
def lora_forward_torch(x, W, A, B, alpha, r):
    import torch
    xt = torch.as_tensor(np.asarray(x, dtype=float))
    Wt, At, Bt = (torch.as_tensor(np.asarray(a, dtype=float)) for a in (W, A, B))
    return (xt @ Wt + (xt @ At @ Bt).mul(alpha / r)).numpy()


# --- lora_merge ----------------------------------------------------------------------------------

@alternative("lora_merge")
def lora_merge_rank_one_sum(W, A, B, alpha, r):
    merged = np.array(W, dtype=float)
    for k in range(A.shape[1]):
        merged = merged + (alpha / r) * np.outer(A[:, k], B[k])
    return merged


@alternative("lora_merge")
def lora_merge_torch(W, A, B, alpha, r):
    import torch
    Wt, At, Bt = (torch.as_tensor(np.asarray(a, dtype=float)) for a in (W, A, B))
    return torch.addmm(Wt, At, Bt, alpha=alpha / r).numpy()


# --- dpo_loss ------------------------------------------------------------------------------------

@alternative("dpo_loss")
def dpo_loss_softplus(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    z = beta * ((policy_chosen_logps - policy_rejected_logps) - (ref_chosen_logps - ref_rejected_logps))
    return float(np.mean(np.maximum(-z, 0.0) + np.log1p(np.exp(-np.abs(z)))))


@alternative("dpo_loss")
def dpo_loss_torch_logsigmoid(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    import torch
    pc, pr, rc, rr = (torch.as_tensor(np.asarray(a, dtype=float)) for a in
                      (policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps))
    return float(-torch.nn.functional.logsigmoid(beta * ((pc - rc) - (pr - rr))).mean())


@alternative("dpo_loss")
def dpo_loss_loop(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    import math
    total = 0.0
    pairs = list(zip(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps))
    for pc, pr, rc, rr in pairs:
        z = beta * ((pc - rc) - (pr - rr))
        total += -z + math.log1p(math.exp(z)) if z < 0 else math.log1p(math.exp(-z))
    return total / len(pairs)


# --- dpo_loss_grad -------------------------------------------------------------------------------

@alternative("dpo_loss_grad")
def dpo_grad_piecewise_sigmoid(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    z = beta * ((policy_chosen_logps - ref_chosen_logps) - (policy_rejected_logps - ref_rejected_logps))
    e = np.exp(-np.abs(z))
    sigmoid_minus_z = np.where(z >= 0, e / (1 + e), 1 / (1 + e))
    g = beta * sigmoid_minus_z / z.size
    return -g, g


@alternative("dpo_loss_grad")
def dpo_grad_tanh(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    z = beta * ((policy_chosen_logps - ref_chosen_logps) - (policy_rejected_logps - ref_rejected_logps))
    g = beta * 0.5 * (1.0 - np.tanh(z / 2)) / len(z)
    return -g, g


@alternative("dpo_loss_grad")
def dpo_grad_torch_sigmoid(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    import torch
    pc, pr, rc, rr = (torch.as_tensor(np.asarray(a, dtype=float)) for a in
                      (policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps))
    z = beta * ((pc - rc) - (pr - rr))
    g = (beta * torch.sigmoid(-z) / z.numel()).numpy()
    return -g, g
