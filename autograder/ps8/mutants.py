"""Known-wrong implementations of ps8's answers: each must lose points under the hidden suite.

Each is a realistic student mistake; its hint says, in the student's terms, what it behaves like.
A mutant's source replaces the student's definition of its target in an otherwise correct
notebook, so it may call the notebook's other functions (scaled_dot_product_attention,
causal_mask) but no helper of this module: helpers are nested inside each function.
"""
import math

import numpy as np
from coursegrade import mutant


# --- scaled_dot_product_attention --------------------------------------------------------------

@mutant("scaled_dot_product_attention", hint="this behaves like attention without the 1/sqrt(d_k) scale")
def sdpa_no_scale(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2)
    allowed = np.ones(scores.shape, bool) if mask is None else np.broadcast_to(mask, scores.shape)
    scores = np.where(allowed, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    w = np.where(allowed, np.exp(scores - np.where(np.isfinite(top), top, 0.0)), 0.0)
    s = w.sum(axis=-1, keepdims=True)
    return (w / np.where(s > 0, s, 1.0)) @ V


@mutant("scaled_dot_product_attention", hint="this behaves like dividing the scores by d_k instead of sqrt(d_k)")
def sdpa_scale_by_d_k(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / Q.shape[-1]
    allowed = np.ones(scores.shape, bool) if mask is None else np.broadcast_to(mask, scores.shape)
    scores = np.where(allowed, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    w = np.where(allowed, np.exp(scores - np.where(np.isfinite(top), top, 0.0)), 0.0)
    s = w.sum(axis=-1, keepdims=True)
    return (w / np.where(s > 0, s, 1.0)) @ V


@mutant("scaled_dot_product_attention", hint="this behaves like scaling by the size of the values (d_v) "
                                             "instead of the size of the queries and keys (d_k)")
def sdpa_scale_by_value_dim(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(V.shape[-1])
    allowed = np.ones(scores.shape, bool) if mask is None else np.broadcast_to(mask, scores.shape)
    scores = np.where(allowed, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    w = np.where(allowed, np.exp(scores - np.where(np.isfinite(top), top, 0.0)), 0.0)
    s = w.sum(axis=-1, keepdims=True)
    return (w / np.where(s > 0, s, 1.0)) @ V


@mutant("scaled_dot_product_attention", hint="this behaves like a softmax over the queries (axis -2) instead "
                                             "of over the keys: each key's weights sum to one, not each query's")
def sdpa_softmax_over_queries(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    allowed = np.ones(scores.shape, bool) if mask is None else np.broadcast_to(mask, scores.shape)
    scores = np.where(allowed, scores, -np.inf)
    top = scores.max(axis=-2, keepdims=True)
    w = np.where(allowed, np.exp(scores - np.where(np.isfinite(top), top, 0.0)), 0.0)
    s = w.sum(axis=-2, keepdims=True)
    return (w / np.where(s > 0, s, 1.0)) @ V


@mutant("scaled_dot_product_attention", hint="this behaves like zeroing the masked weights after the softmax: "
                                             "the remaining weights no longer sum to one")
def sdpa_mask_after_softmax(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    w = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w = w / w.sum(axis=-1, keepdims=True)
    if mask is not None:
        w = np.where(mask, w, 0.0)
    return w @ V


@mutant("scaled_dot_product_attention", hint="this behaves like reading the mask the other way round "
                                             "(True = blocked, as torch.nn.MultiheadAttention does)")
def sdpa_mask_inverted(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    allowed = np.ones(scores.shape, bool) if mask is None else ~np.broadcast_to(mask, scores.shape)
    scores = np.where(allowed, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    w = np.where(allowed, np.exp(scores - np.where(np.isfinite(top), top, 0.0)), 0.0)
    s = w.sum(axis=-1, keepdims=True)
    return (w / np.where(s > 0, s, 1.0)) @ V


@mutant("scaled_dot_product_attention", hint="this behaves like a softmax that does not subtract the row "
                                             "maximum: exp overflows for large scores (inf / inf = nan)")
def sdpa_no_max_shift(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    with np.errstate(over="ignore", invalid="ignore"):
        w = np.exp(scores)
        if mask is not None:
            w = np.where(mask, w, 0.0)
        s = w.sum(axis=-1, keepdims=True)
        return (w / np.where(s > 0, s, 1.0)) @ V


@mutant("scaled_dot_product_attention", hint="this behaves like filling masked scores with -1e9 instead of "
                                             "-inf: a query with every key masked gets uniform weights (the mean "
                                             "of the values) instead of a zero output")
def sdpa_large_negative_fill(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    w = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return (w / w.sum(axis=-1, keepdims=True)) @ V


@mutant("scaled_dot_product_attention", hint="this behaves like K.T on batched inputs: .T reverses all the "
                                             "axes, not just the last two")
def sdpa_transposes_all_axes(Q, K, V, mask=None):
    scores = Q @ K.T / np.sqrt(Q.shape[-1])
    allowed = np.ones(scores.shape, bool) if mask is None else np.broadcast_to(mask, scores.shape)
    scores = np.where(allowed, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    w = np.where(allowed, np.exp(scores - np.where(np.isfinite(top), top, 0.0)), 0.0)
    s = w.sum(axis=-1, keepdims=True)
    return (w / np.where(s > 0, s, 1.0)) @ V


# --- causal_mask --------------------------------------------------------------------------------

@mutant("causal_mask", hint="this behaves like a mask without the diagonal: a token may not attend itself "
                            "(and the first token attends nothing)")
def causal_mask_strict(T):
    return np.tril(np.ones((T, T), dtype=bool), k=-1)


@mutant("causal_mask", hint="this behaves like the upper triangle: each token attends the future, not the past")
def causal_mask_upper(T):
    return np.triu(np.ones((T, T), dtype=bool))


@mutant("causal_mask", hint="this behaves like True marking the blocked positions (the future) instead of "
                            "the allowed ones")
def causal_mask_inverted(T):
    return np.triu(np.ones((T, T), dtype=bool), k=1)


@mutant("causal_mask", hint="this behaves like no mask at all: every position is allowed")
def causal_mask_all_allowed(T):
    return np.ones((T, T), dtype=bool)


@mutant("causal_mask", hint="this behaves like the identity: each token attends only itself")
def causal_mask_diagonal_only(T):
    return np.eye(T, dtype=bool)


@mutant("causal_mask", hint="this behaves like letting each token also see the next one (off by one)")
def causal_mask_one_ahead(T):
    return np.tril(np.ones((T, T), dtype=bool), k=1)


@mutant("causal_mask", hint="this behaves like an additive float mask (0 where allowed, -inf where blocked): "
                            "the contract asks for a boolean mask, True = may attend")
def causal_mask_additive(T):
    return np.where(np.tril(np.ones((T, T), dtype=bool)), 0.0, -np.inf)


# --- multi_head_attention ------------------------------------------------------------------------

@mutant("multi_head_attention", hint="this behaves like reshaping to (B, T, head_dim, n_heads): head h gets the "
                                     "columns h, h + n_heads, ... instead of one block of head_dim columns")
def mha_heads_interleaved(x, Wq, Wk, Wv, Wo, n_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads

    def split(z):
        return z.reshape(B, T, dh, n_heads).transpose(0, 3, 1, 2)

    out = scaled_dot_product_attention(split(x @ Wq), split(x @ Wk), split(x @ Wv), causal_mask(T))
    return out.transpose(0, 2, 3, 1).reshape(B, T, n_heads * dh) @ Wo


@mutant("multi_head_attention", hint="this behaves like reshaping straight to (B, n_heads, T, head_dim) "
                                     "without moving the head axis: tokens and heads get mixed up")
def mha_reshape_without_transpose(x, Wq, Wk, Wv, Wo, n_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads

    def split(z):
        return z.reshape(B, n_heads, T, dh)

    out = scaled_dot_product_attention(split(x @ Wq), split(x @ Wk), split(x @ Wv), causal_mask(T))
    return out.reshape(B, T, n_heads * dh) @ Wo


@mutant("multi_head_attention", hint="this behaves like attention without the causal mask: tokens see the future")
def mha_not_causal(x, Wq, Wk, Wv, Wo, n_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads

    def split(z):
        return z.reshape(B, T, n_heads, dh).transpose(0, 2, 1, 3)

    out = scaled_dot_product_attention(split(x @ Wq), split(x @ Wk), split(x @ Wv))
    return out.transpose(0, 2, 1, 3).reshape(B, T, n_heads * dh) @ Wo


@mutant("multi_head_attention", hint="this behaves like scaling the scores by 1/sqrt(d_model) instead of "
                                     "1/sqrt(head_dim)")
def mha_scale_by_d_model(x, Wq, Wk, Wv, Wo, n_heads):
    B, T, d_model = x.shape
    dh = Wq.shape[1] // n_heads

    def split(z):
        return z.reshape(B, T, n_heads, dh).transpose(0, 2, 1, 3)

    q, k, v = split(x @ Wq), split(x @ Wk), split(x @ Wv)
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(d_model)
    scores = np.where(np.tril(np.ones((T, T), dtype=bool)), scores, -np.inf)
    w = np.exp(scores - scores.max(axis=-1, keepdims=True))
    out = (w / w.sum(axis=-1, keepdims=True)) @ v
    return out.transpose(0, 2, 1, 3).reshape(B, T, n_heads * dh) @ Wo


@mutant("multi_head_attention", hint="this behaves like forgetting the output projection Wo")
def mha_no_output_projection(x, Wq, Wk, Wv, Wo, n_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads

    def split(z):
        return z.reshape(B, T, n_heads, dh).transpose(0, 2, 1, 3)

    out = scaled_dot_product_attention(split(x @ Wq), split(x @ Wk), split(x @ Wv), causal_mask(T))
    return out.transpose(0, 2, 1, 3).reshape(B, T, n_heads * dh)


@mutant("multi_head_attention", hint="this behaves like merging the heads without moving the head axis back "
                                     "behind time: (B, n_heads, T, head_dim) reshaped straight to (B, T, ...)")
def mha_merge_without_transpose(x, Wq, Wk, Wv, Wo, n_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads

    def split(z):
        return z.reshape(B, T, n_heads, dh).transpose(0, 2, 1, 3)

    out = scaled_dot_product_attention(split(x @ Wq), split(x @ Wk), split(x @ Wv), causal_mask(T))
    return out.reshape(B, T, n_heads * dh) @ Wo


@mutant("multi_head_attention", hint="this behaves like computing the keys with Wq instead of Wk")
def mha_keys_from_wq(x, Wq, Wk, Wv, Wo, n_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads

    def split(z):
        return z.reshape(B, T, n_heads, dh).transpose(0, 2, 1, 3)

    out = scaled_dot_product_attention(split(x @ Wq), split(x @ Wq), split(x @ Wv), causal_mask(T))
    return out.transpose(0, 2, 1, 3).reshape(B, T, n_heads * dh) @ Wo


# --- grouped_query_attention ---------------------------------------------------------------------

@mutant("grouped_query_attention", hint="this behaves like np.tile on the KV heads: query head h reads KV head "
                                        "h % n_kv_heads instead of h // (n_heads // n_kv_heads)")
def gqa_tile(x, Wq, Wk, Wv, Wo, n_heads, n_kv_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads
    g = n_heads // n_kv_heads

    def split(z, n):
        return z.reshape(B, T, n, dh).transpose(0, 2, 1, 3)

    k = np.tile(split(x @ Wk, n_kv_heads), (1, g, 1, 1))
    v = np.tile(split(x @ Wv, n_kv_heads), (1, g, 1, 1))
    out = scaled_dot_product_attention(split(x @ Wq, n_heads), k, v, causal_mask(T))
    return out.transpose(0, 2, 1, 3).reshape(B, T, n_heads * dh) @ Wo


@mutant("grouped_query_attention", hint="this behaves like query head h reading KV head h // n_kv_heads "
                                        "(dividing by the number of KV heads instead of the group size)")
def gqa_divides_by_n_kv(x, Wq, Wk, Wv, Wo, n_heads, n_kv_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads

    def split(z, n):
        return z.reshape(B, T, n, dh).transpose(0, 2, 1, 3)

    which = np.arange(n_heads) // n_kv_heads
    k = split(x @ Wk, n_kv_heads)[:, which]
    v = split(x @ Wv, n_kv_heads)[:, which]
    out = scaled_dot_product_attention(split(x @ Wq, n_heads), k, v, causal_mask(T))
    return out.transpose(0, 2, 1, 3).reshape(B, T, n_heads * dh) @ Wo


@mutant("grouped_query_attention", hint="this behaves like GQA without the causal mask")
def gqa_not_causal(x, Wq, Wk, Wv, Wo, n_heads, n_kv_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads
    g = n_heads // n_kv_heads

    def split(z, n):
        return z.reshape(B, T, n, dh).transpose(0, 2, 1, 3)

    k = np.repeat(split(x @ Wk, n_kv_heads), g, axis=1)
    v = np.repeat(split(x @ Wv, n_kv_heads), g, axis=1)
    out = scaled_dot_product_attention(split(x @ Wq, n_heads), k, v)
    return out.transpose(0, 2, 1, 3).reshape(B, T, n_heads * dh) @ Wo


@mutant("grouped_query_attention", hint="this behaves like every query head reading the first KV head only")
def gqa_first_kv_head_only(x, Wq, Wk, Wv, Wo, n_heads, n_kv_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads

    def split(z, n):
        return z.reshape(B, T, n, dh).transpose(0, 2, 1, 3)

    k = split(x @ Wk, n_kv_heads)[:, :1]
    v = split(x @ Wv, n_kv_heads)[:, :1]
    out = scaled_dot_product_attention(split(x @ Wq, n_heads), k, v, causal_mask(T))
    return out.transpose(0, 2, 1, 3).reshape(B, T, n_heads * dh) @ Wo


@mutant("grouped_query_attention", hint="this behaves like averaging the KV heads into one (multi-query "
                                        "attention) instead of giving each group its own")
def gqa_mean_of_kv_heads(x, Wq, Wk, Wv, Wo, n_heads, n_kv_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads

    def split(z, n):
        return z.reshape(B, T, n, dh).transpose(0, 2, 1, 3)

    k = split(x @ Wk, n_kv_heads).mean(axis=1, keepdims=True)
    v = split(x @ Wv, n_kv_heads).mean(axis=1, keepdims=True)
    out = scaled_dot_product_attention(split(x @ Wq, n_heads), k, v, causal_mask(T))
    return out.transpose(0, 2, 1, 3).reshape(B, T, n_heads * dh) @ Wo


@mutant("grouped_query_attention", hint="this behaves like scaling by 1/sqrt of the whole key width "
                                        "(n_kv_heads * head_dim) instead of 1/sqrt(head_dim)")
def gqa_scale_by_key_width(x, Wq, Wk, Wv, Wo, n_heads, n_kv_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads
    g = n_heads // n_kv_heads

    def split(z, n):
        return z.reshape(B, T, n, dh).transpose(0, 2, 1, 3)

    q = split(x @ Wq, n_heads)
    k = np.repeat(split(x @ Wk, n_kv_heads), g, axis=1)
    v = np.repeat(split(x @ Wv, n_kv_heads), g, axis=1)
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(Wk.shape[1])
    scores = np.where(np.tril(np.ones((T, T), dtype=bool)), scores, -np.inf)
    w = np.exp(scores - scores.max(axis=-1, keepdims=True))
    out = (w / w.sum(axis=-1, keepdims=True)) @ v
    return out.transpose(0, 2, 1, 3).reshape(B, T, n_heads * dh) @ Wo


@mutant("grouped_query_attention", hint="this behaves like forgetting the 1/sqrt(head_dim) scale")
def gqa_no_scale(x, Wq, Wk, Wv, Wo, n_heads, n_kv_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads
    g = n_heads // n_kv_heads

    def split(z, n):
        return z.reshape(B, T, n, dh).transpose(0, 2, 1, 3)

    q = split(x @ Wq, n_heads)
    k = np.repeat(split(x @ Wk, n_kv_heads), g, axis=1)
    v = np.repeat(split(x @ Wv, n_kv_heads), g, axis=1)
    scores = q @ np.swapaxes(k, -1, -2)
    scores = np.where(np.tril(np.ones((T, T), dtype=bool)), scores, -np.inf)
    w = np.exp(scores - scores.max(axis=-1, keepdims=True))
    out = (w / w.sum(axis=-1, keepdims=True)) @ v
    return out.transpose(0, 2, 1, 3).reshape(B, T, n_heads * dh) @ Wo


# --- multi_head_latent_attention ----------------------------------------------------------------

@mutant("multi_head_latent_attention", hint="this behaves like the key and value up-projections swapped "
                                            "(keys from W_uv, values from W_uk)")
def mla_up_projections_swapped(x, Wq, W_dkv, W_uk, W_uv, Wo, n_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads
    c = x @ W_dkv

    def split(z):
        return z.reshape(B, T, n_heads, dh).transpose(0, 2, 1, 3)

    out = scaled_dot_product_attention(split(x @ Wq), split(c @ W_uv), split(c @ W_uk), causal_mask(T))
    return out.transpose(0, 2, 1, 3).reshape(B, T, n_heads * dh) @ Wo


@mutant("multi_head_latent_attention", hint="this behaves like using the key up-projection W_uk for the values too")
def mla_values_from_key_projection(x, Wq, W_dkv, W_uk, W_uv, Wo, n_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads
    c = x @ W_dkv

    def split(z):
        return z.reshape(B, T, n_heads, dh).transpose(0, 2, 1, 3)

    out = scaled_dot_product_attention(split(x @ Wq), split(c @ W_uk), split(c @ W_uk), causal_mask(T))
    return out.transpose(0, 2, 1, 3).reshape(B, T, n_heads * dh) @ Wo


@mutant("multi_head_latent_attention", hint="this behaves like scaling the scores by 1/sqrt(d_c), the latent "
                                            "size, instead of 1/sqrt(head_dim)")
def mla_scale_by_latent(x, Wq, W_dkv, W_uk, W_uv, Wo, n_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads
    c = x @ W_dkv

    def split(z):
        return z.reshape(B, T, n_heads, dh).transpose(0, 2, 1, 3)

    q, k, v = split(x @ Wq), split(c @ W_uk), split(c @ W_uv)
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(W_dkv.shape[1])
    scores = np.where(np.tril(np.ones((T, T), dtype=bool)), scores, -np.inf)
    w = np.exp(scores - scores.max(axis=-1, keepdims=True))
    out = (w / w.sum(axis=-1, keepdims=True)) @ v
    return out.transpose(0, 2, 1, 3).reshape(B, T, n_heads * dh) @ Wo


@mutant("multi_head_latent_attention", hint="this behaves like MLA without the causal mask")
def mla_not_causal(x, Wq, W_dkv, W_uk, W_uv, Wo, n_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads
    c = x @ W_dkv

    def split(z):
        return z.reshape(B, T, n_heads, dh).transpose(0, 2, 1, 3)

    out = scaled_dot_product_attention(split(x @ Wq), split(c @ W_uk), split(c @ W_uv))
    return out.transpose(0, 2, 1, 3).reshape(B, T, n_heads * dh) @ Wo


@mutant("multi_head_latent_attention", hint="this behaves like reshaping to (B, T, head_dim, n_heads): the heads "
                                            "get interleaved columns instead of blocks")
def mla_heads_interleaved(x, Wq, W_dkv, W_uk, W_uv, Wo, n_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads
    c = x @ W_dkv

    def split(z):
        return z.reshape(B, T, dh, n_heads).transpose(0, 3, 1, 2)

    out = scaled_dot_product_attention(split(x @ Wq), split(c @ W_uk), split(c @ W_uv), causal_mask(T))
    return out.transpose(0, 2, 3, 1).reshape(B, T, n_heads * dh) @ Wo


@mutant("multi_head_latent_attention", hint="this behaves like a softmax over the queries instead of the keys")
def mla_softmax_over_queries(x, Wq, W_dkv, W_uk, W_uv, Wo, n_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads
    c = x @ W_dkv

    def split(z):
        return z.reshape(B, T, n_heads, dh).transpose(0, 2, 1, 3)

    q, k, v = split(x @ Wq), split(c @ W_uk), split(c @ W_uv)
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(dh)
    scores = np.where(np.tril(np.ones((T, T), dtype=bool)), scores, -np.inf)
    w = np.exp(scores - scores.max(axis=-2, keepdims=True))
    out = (w / w.sum(axis=-2, keepdims=True)) @ v
    return out.transpose(0, 2, 1, 3).reshape(B, T, n_heads * dh) @ Wo


@mutant("multi_head_latent_attention", hint="this behaves like merging the heads without moving the head axis "
                                            "back behind time")
def mla_merge_without_transpose(x, Wq, W_dkv, W_uk, W_uv, Wo, n_heads):
    B, T, _ = x.shape
    dh = Wq.shape[1] // n_heads
    c = x @ W_dkv

    def split(z):
        return z.reshape(B, T, n_heads, dh).transpose(0, 2, 1, 3)

    out = scaled_dot_product_attention(split(x @ Wq), split(c @ W_uk), split(c @ W_uv), causal_mask(T))
    return out.reshape(B, T, n_heads * dh) @ Wo


# --- absorb_mla_weights --------------------------------------------------------------------------

@mutant("absorb_mla_weights", hint="this behaves like absorbing the whole matrices (Wq @ W_uk.T) instead of "
                                   "each head's blocks: every head gets the sum over all heads")
def absorb_whole_matrices(Wq, W_uk, W_uv, Wo, n_heads):
    return (np.stack([Wq @ W_uk.T] * n_heads), np.stack([W_uv @ Wo] * n_heads))


@mutant("absorb_mla_weights", hint="this behaves like absorbing the key up-projection W_uk into the output "
                                   "instead of the value up-projection W_uv")
def absorb_uk_into_output(Wq, W_uk, W_uv, Wo, n_heads):
    dh = Wq.shape[1] // n_heads
    blocks = [slice(h * dh, (h + 1) * dh) for h in range(n_heads)]
    return (np.stack([Wq[:, s] @ W_uk[:, s].T for s in blocks]),
            np.stack([W_uk[:, s] @ Wo[s, :] for s in blocks]))


@mutant("absorb_mla_weights", hint="this behaves like absorbing the value up-projection W_uv into the queries "
                                   "instead of the key up-projection W_uk")
def absorb_uv_into_query(Wq, W_uk, W_uv, Wo, n_heads):
    dh = Wq.shape[1] // n_heads
    blocks = [slice(h * dh, (h + 1) * dh) for h in range(n_heads)]
    return (np.stack([Wq[:, s] @ W_uv[:, s].T for s in blocks]),
            np.stack([W_uv[:, s] @ Wo[s, :] for s in blocks]))


@mutant("absorb_mla_weights", hint="this behaves like taking head h's columns as h, h + n_heads, ... instead "
                                   "of one block of head_dim consecutive columns")
def absorb_interleaved_heads(Wq, W_uk, W_uv, Wo, n_heads):
    blocks = [slice(h, None, n_heads) for h in range(n_heads)]
    return (np.stack([Wq[:, s] @ W_uk[:, s].T for s in blocks]),
            np.stack([W_uv[:, s] @ Wo[s, :] for s in blocks]))


@mutant("absorb_mla_weights", hint="this behaves like folding the 1/sqrt(head_dim) scale into Wq_absorbed: "
                                   "the contract keeps it in the attention")
def absorb_with_scale(Wq, W_uk, W_uv, Wo, n_heads):
    dh = Wq.shape[1] // n_heads
    blocks = [slice(h * dh, (h + 1) * dh) for h in range(n_heads)]
    return (np.stack([Wq[:, s] @ W_uk[:, s].T / np.sqrt(dh) for s in blocks]),
            np.stack([W_uv[:, s] @ Wo[s, :] for s in blocks]))


@mutant("absorb_mla_weights", hint="this behaves like Wo_absorbed laid out (n_heads, d_model, d_c), transposed")
def absorb_output_transposed(Wq, W_uk, W_uv, Wo, n_heads):
    dh = Wq.shape[1] // n_heads
    blocks = [slice(h * dh, (h + 1) * dh) for h in range(n_heads)]
    return (np.stack([Wq[:, s] @ W_uk[:, s].T for s in blocks]),
            np.stack([(W_uv[:, s] @ Wo[s, :]).T for s in blocks]))


@mutant("absorb_mla_weights", hint="this behaves like splitting the rows of Wo differently from the columns of "
                                   "W_uv (interleaved rows): a head's values meet another head's output rows")
def absorb_output_rows_interleaved(Wq, W_uk, W_uv, Wo, n_heads):
    dh = Wq.shape[1] // n_heads
    return (np.stack([Wq[:, h * dh:(h + 1) * dh] @ W_uk[:, h * dh:(h + 1) * dh].T for h in range(n_heads)]),
            np.stack([W_uv[:, h * dh:(h + 1) * dh] @ Wo[h::n_heads, :] for h in range(n_heads)]))


# --- mla_absorbed_attention ---------------------------------------------------------------------

@mutant("mla_absorbed_attention", hint="this behaves like scaling by 1/sqrt(d_c), the latent size: the scores "
                                       "are the same numbers as in MLA, so the scale stays 1/sqrt(head_dim)")
def absorbed_scale_by_latent(x, W_dkv, Wq_absorbed, Wo_absorbed, head_dim):
    T = x.shape[1]
    c = x @ W_dkv
    q = np.einsum("btd,hdc->bhtc", x, Wq_absorbed)
    s = np.einsum("bhtc,bsc->bhts", q, c) / np.sqrt(c.shape[-1])
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    w /= w.sum(axis=-1, keepdims=True)
    return np.einsum("bhtc,hcd->btd", np.einsum("bhts,bsc->bhtc", w, c), Wo_absorbed)


@mutant("mla_absorbed_attention", hint="this behaves like the absorbed attention without the causal mask")
def absorbed_not_causal(x, W_dkv, Wq_absorbed, Wo_absorbed, head_dim):
    c = x @ W_dkv
    q = np.einsum("btd,hdc->bhtc", x, Wq_absorbed)
    s = np.einsum("bhtc,bsc->bhts", q, c) / np.sqrt(head_dim)
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    w /= w.sum(axis=-1, keepdims=True)
    return np.einsum("bhtc,hcd->btd", np.einsum("bhts,bsc->bhtc", w, c), Wo_absorbed)


@mutant("mla_absorbed_attention", hint="this behaves like a softmax over the queries instead of the keys")
def absorbed_softmax_over_queries(x, W_dkv, Wq_absorbed, Wo_absorbed, head_dim):
    T = x.shape[1]
    c = x @ W_dkv
    q = np.einsum("btd,hdc->bhtc", x, Wq_absorbed)
    s = np.einsum("bhtc,bsc->bhts", q, c) / np.sqrt(head_dim)
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    w = np.exp(s - s.max(axis=-2, keepdims=True))
    w /= w.sum(axis=-2, keepdims=True)
    return np.einsum("bhtc,hcd->btd", np.einsum("bhts,bsc->bhtc", w, c), Wo_absorbed)


@mutant("mla_absorbed_attention", hint="this behaves like averaging the heads' outputs instead of summing them")
def absorbed_mean_over_heads(x, W_dkv, Wq_absorbed, Wo_absorbed, head_dim):
    T = x.shape[1]
    c = x @ W_dkv
    q = np.einsum("btd,hdc->bhtc", x, Wq_absorbed)
    s = np.einsum("bhtc,bsc->bhts", q, c) / np.sqrt(head_dim)
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    w /= w.sum(axis=-1, keepdims=True)
    return np.einsum("bhtc,hcd->btd", np.einsum("bhts,bsc->bhtc", w, c), Wo_absorbed) / len(Wq_absorbed)


@mutant("mla_absorbed_attention", hint="this behaves like dividing the scores by head_dim instead of sqrt(head_dim)")
def absorbed_scale_without_sqrt(x, W_dkv, Wq_absorbed, Wo_absorbed, head_dim):
    T = x.shape[1]
    c = x @ W_dkv
    q = np.einsum("btd,hdc->bhtc", x, Wq_absorbed)
    s = np.einsum("bhtc,bsc->bhts", q, c) / head_dim
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    w /= w.sum(axis=-1, keepdims=True)
    return np.einsum("bhtc,hcd->btd", np.einsum("bhts,bsc->bhtc", w, c), Wo_absorbed)


@mutant("mla_absorbed_attention", hint="this behaves like forgetting the 1/sqrt(head_dim) scale")
def absorbed_no_scale(x, W_dkv, Wq_absorbed, Wo_absorbed, head_dim):
    T = x.shape[1]
    c = x @ W_dkv
    q = np.einsum("btd,hdc->bhtc", x, Wq_absorbed)
    s = np.einsum("bhtc,bsc->bhts", q, c)
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    w /= w.sum(axis=-1, keepdims=True)
    return np.einsum("bhtc,hcd->btd", np.einsum("bhts,bsc->bhtc", w, c), Wo_absorbed)


@mutant("mla_absorbed_attention", hint="this behaves like a causal mask without the diagonal: a token may not "
                                       "attend its own latent")
def absorbed_mask_without_diagonal(x, W_dkv, Wq_absorbed, Wo_absorbed, head_dim):
    T = x.shape[1]
    c = x @ W_dkv
    q = np.einsum("btd,hdc->bhtc", x, Wq_absorbed)
    s = np.einsum("bhtc,bsc->bhts", q, c) / np.sqrt(head_dim)
    allowed = np.broadcast_to(np.tril(np.ones((T, T), dtype=bool), k=-1), s.shape)
    s = np.where(allowed, s, -np.inf)
    top = s.max(axis=-1, keepdims=True)
    w = np.where(allowed, np.exp(s - np.where(np.isfinite(top), top, 0.0)), 0.0)
    total = w.sum(axis=-1, keepdims=True)
    w = w / np.where(total > 0, total, 1.0)
    return np.einsum("bhtc,hcd->btd", np.einsum("bhts,bsc->bhtc", w, c), Wo_absorbed)


# --- kv_cache_bytes ------------------------------------------------------------------------------

@mutant("kv_cache_bytes", hint="this behaves like caching only the keys (no factor 2 for keys and values)")
def kv_bytes_keys_only(kind, n_heads, head_dim, n_kv_heads=None, d_latent=None, d_rope=0, bytes_per_value=2):
    values = {"mha": n_heads * head_dim, "gqa": (n_kv_heads or 0) * head_dim, "mqa": head_dim,
              "mla": (d_latent or 0) + d_rope}[kind]
    return values * bytes_per_value


@mutant("kv_cache_bytes", hint="this behaves like MQA caching a key and a value for every query head (no saving)")
def kv_bytes_mqa_all_heads(kind, n_heads, head_dim, n_kv_heads=None, d_latent=None, d_rope=0, bytes_per_value=2):
    values = {"mha": 2 * n_heads * head_dim, "gqa": 2 * (n_kv_heads or 0) * head_dim, "mqa": 2 * n_heads * head_dim,
              "mla": (d_latent or 0) + d_rope}[kind]
    return values * bytes_per_value


@mutant("kv_cache_bytes", hint="this behaves like GQA counting the group size (n_heads // n_kv_heads) instead of "
                               "the number of KV heads")
def kv_bytes_gqa_group_size(kind, n_heads, head_dim, n_kv_heads=None, d_latent=None, d_rope=0, bytes_per_value=2):
    values = {"mha": 2 * n_heads * head_dim, "gqa": 2 * (n_heads // (n_kv_heads or 1)) * head_dim,
              "mqa": 2 * head_dim, "mla": (d_latent or 0) + d_rope}[kind]
    return values * bytes_per_value


@mutant("kv_cache_bytes", hint="this behaves like MLA caching the latent twice (for keys and for values): one "
                               "latent serves both")
def kv_bytes_mla_doubled(kind, n_heads, head_dim, n_kv_heads=None, d_latent=None, d_rope=0, bytes_per_value=2):
    values = {"mha": 2 * n_heads * head_dim, "gqa": 2 * (n_kv_heads or 0) * head_dim, "mqa": 2 * head_dim,
              "mla": 2 * ((d_latent or 0) + d_rope)}[kind]
    return values * bytes_per_value


@mutant("kv_cache_bytes", hint="this behaves like MLA without the decoupled RoPE key (d_rope ignored)")
def kv_bytes_mla_ignores_rope(kind, n_heads, head_dim, n_kv_heads=None, d_latent=None, d_rope=0, bytes_per_value=2):
    values = {"mha": 2 * n_heads * head_dim, "gqa": 2 * (n_kv_heads or 0) * head_dim, "mqa": 2 * head_dim,
              "mla": d_latent or 0}[kind]
    return values * bytes_per_value


@mutant("kv_cache_bytes", hint="this behaves like caching MLA's RoPE key once per head: it is shared by all heads")
def kv_bytes_mla_rope_per_head(kind, n_heads, head_dim, n_kv_heads=None, d_latent=None, d_rope=0, bytes_per_value=2):
    values = {"mha": 2 * n_heads * head_dim, "gqa": 2 * (n_kv_heads or 0) * head_dim, "mqa": 2 * head_dim,
              "mla": (d_latent or 0) + n_heads * d_rope}[kind]
    return values * bytes_per_value


@mutant("kv_cache_bytes", hint="this behaves like counting cached numbers, not bytes (bytes_per_value ignored)")
def kv_bytes_counts_values(kind, n_heads, head_dim, n_kv_heads=None, d_latent=None, d_rope=0, bytes_per_value=2):
    return {"mha": 2 * n_heads * head_dim, "gqa": 2 * (n_kv_heads or 0) * head_dim, "mqa": 2 * head_dim,
            "mla": (d_latent or 0) + d_rope}[kind]


@mutant("kv_cache_bytes", hint="this behaves like counting bits (times 8) instead of bytes")
def kv_bytes_in_bits(kind, n_heads, head_dim, n_kv_heads=None, d_latent=None, d_rope=0, bytes_per_value=2):
    values = {"mha": 2 * n_heads * head_dim, "gqa": 2 * (n_kv_heads or 0) * head_dim, "mqa": 2 * head_dim,
              "mla": (d_latent or 0) + d_rope}[kind]
    return 8 * values * bytes_per_value


# --- rms_norm ----------------------------------------------------------------------------------

@mutant("rms_norm", hint="this behaves like LayerNorm: the mean is subtracted first, which RMSNorm does not do")
def rms_norm_subtracts_mean(x, weight, eps=1e-6):
    centred = x - x.mean(axis=-1, keepdims=True)
    return centred / np.sqrt(np.mean(centred ** 2, axis=-1, keepdims=True) + eps) * weight


@mutant("rms_norm", hint="this behaves like adding eps outside the square root: sqrt(mean(x^2)) + eps")
def rms_norm_eps_outside_sqrt(x, weight, eps=1e-6):
    return x / (np.sqrt(np.mean(x ** 2, axis=-1, keepdims=True)) + eps) * weight


@mutant("rms_norm", hint="this behaves like normalising over the first axis (across tokens) instead of the last "
                         "(across each token's features)")
def rms_norm_wrong_axis(x, weight, eps=1e-6):
    return x / np.sqrt(np.mean(x ** 2, axis=0, keepdims=True) + eps) * weight


@mutant("rms_norm", hint="this behaves like forgetting the gain (weight)")
def rms_norm_no_weight(x, weight, eps=1e-6):
    return x / np.sqrt(np.mean(x ** 2, axis=-1, keepdims=True) + eps)


@mutant("rms_norm", hint="this behaves like multiplying by (1 + weight), a convention some models use, instead of "
                         "weight")
def rms_norm_one_plus_weight(x, weight, eps=1e-6):
    return x / np.sqrt(np.mean(x ** 2, axis=-1, keepdims=True) + eps) * (1 + weight)


@mutant("rms_norm", hint="this behaves like dividing by the mean square instead of its square root")
def rms_norm_no_sqrt(x, weight, eps=1e-6):
    return x / (np.mean(x ** 2, axis=-1, keepdims=True) + eps) * weight


@mutant("rms_norm", hint="this behaves like dividing by the Euclidean norm (sum of squares) instead of the root "
                         "mean square")
def rms_norm_sum_not_mean(x, weight, eps=1e-6):
    return x / np.sqrt(np.sum(x ** 2, axis=-1, keepdims=True) + eps) * weight


@mutant("rms_norm", hint="this behaves like dividing by the standard deviation (np.std) instead of the root mean "
                         "square")
def rms_norm_divides_by_std(x, weight, eps=1e-6):
    return x / np.sqrt(np.var(x, axis=-1, keepdims=True) + eps) * weight


# --- rope ----------------------------------------------------------------------------------------

@mutant("rope", hint="this behaves like pairing coordinate i with i + d/2 (the half-split of GPT-NeoX and Hugging "
                     "Face) instead of the adjacent pairs (2i, 2i+1)")
def rope_half_split(x, positions, base=10000):
    d = x.shape[-1]
    angles = np.outer(positions, base ** (-np.arange(0, d, 2) / d))
    cos, sin = np.cos(angles), np.sin(angles)
    a, b = x[..., :d // 2], x[..., d // 2:]
    return np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)


@mutant("rope", hint="this behaves like rotating the other way (the sign of the sine terms flipped)")
def rope_rotates_backwards(x, positions, base=10000):
    d = x.shape[-1]
    angles = np.outer(positions, base ** (-np.arange(0, d, 2) / d))
    cos, sin = np.cos(angles), np.sin(angles)
    a, b = x[..., 0::2], x[..., 1::2]
    return np.stack([a * cos + b * sin, -a * sin + b * cos], axis=-1).reshape(x.shape)


@mutant("rope", hint="this behaves like the frequencies base^(-i/d) instead of base^(-2i/d)")
def rope_frequency_missing_two(x, positions, base=10000):
    d = x.shape[-1]
    angles = np.outer(positions, base ** (-np.arange(d // 2) / d))
    cos, sin = np.cos(angles), np.sin(angles)
    a, b = x[..., 0::2], x[..., 1::2]
    return np.stack([a * cos - b * sin, a * sin + b * cos], axis=-1).reshape(x.shape)


@mutant("rope", hint="this behaves like the frequencies in reverse order: the first pair turns slowest")
def rope_frequencies_reversed(x, positions, base=10000):
    d = x.shape[-1]
    angles = np.outer(positions, (base ** (-np.arange(0, d, 2) / d))[::-1])
    cos, sin = np.cos(angles), np.sin(angles)
    a, b = x[..., 0::2], x[..., 1::2]
    return np.stack([a * cos - b * sin, a * sin + b * cos], axis=-1).reshape(x.shape)


@mutant("rope", hint="this behaves like using the row index 0, 1, 2, ... instead of the given positions")
def rope_ignores_positions(x, positions, base=10000):
    d = x.shape[-1]
    angles = np.outer(np.arange(x.shape[-2]), base ** (-np.arange(0, d, 2) / d))
    cos, sin = np.cos(angles), np.sin(angles)
    a, b = x[..., 0::2], x[..., 1::2]
    return np.stack([a * cos - b * sin, a * sin + b * cos], axis=-1).reshape(x.shape)


@mutant("rope", hint="this behaves like a base of 10000 whatever the `base` argument says")
def rope_ignores_base(x, positions, base=10000):
    d = x.shape[-1]
    angles = np.outer(positions, 10000.0 ** (-np.arange(0, d, 2) / d))
    cos, sin = np.cos(angles), np.sin(angles)
    a, b = x[..., 0::2], x[..., 1::2]
    return np.stack([a * cos - b * sin, a * sin + b * cos], axis=-1).reshape(x.shape)


@mutant("rope", hint="this behaves like cos and sin swapped in the rotation")
def rope_sin_cos_swapped(x, positions, base=10000):
    d = x.shape[-1]
    angles = np.outer(positions, base ** (-np.arange(0, d, 2) / d))
    cos, sin = np.cos(angles), np.sin(angles)
    a, b = x[..., 0::2], x[..., 1::2]
    return np.stack([a * sin - b * cos, a * cos + b * sin], axis=-1).reshape(x.shape)


@mutant("rope", hint="this behaves like angles converted to degrees (times 180 / pi): np.cos and np.sin "
                     "take radians")
def rope_degrees(x, positions, base=10000):
    d = x.shape[-1]
    angles = np.degrees(np.outer(positions, base ** (-np.arange(0, d, 2) / d)))
    cos, sin = np.cos(angles), np.sin(angles)
    a, b = x[..., 0::2], x[..., 1::2]
    return np.stack([a * cos - b * sin, a * sin + b * cos], axis=-1).reshape(x.shape)


# --- lora_forward --------------------------------------------------------------------------------

@mutant("lora_forward", hint="this behaves like scaling the update by alpha instead of alpha / r")
def lora_forward_scale_alpha(x, W, A, B, alpha, r):
    return x @ W + alpha * ((x @ A) @ B)


@mutant("lora_forward", hint="this behaves like adding the update without the alpha / r scale")
def lora_forward_no_scale(x, W, A, B, alpha, r):
    return x @ W + (x @ A) @ B


@mutant("lora_forward", hint="this behaves like the scale r / alpha, upside down")
def lora_forward_scale_inverted(x, W, A, B, alpha, r):
    return x @ W + (r / alpha) * ((x @ A) @ B)


@mutant("lora_forward", hint="this behaves like the frozen layer alone: the adapter is ignored")
def lora_forward_ignores_adapter(x, W, A, B, alpha, r):
    return x @ W


@mutant("lora_forward", hint="this behaves like scaling the whole output, frozen layer included, by alpha / r")
def lora_forward_scales_everything(x, W, A, B, alpha, r):
    return (alpha / r) * (x @ W + (x @ A) @ B)


@mutant("lora_forward", hint="this behaves like the scale alpha / sqrt(r) (rank-stabilised LoRA) instead of alpha / r")
def lora_forward_sqrt_rank(x, W, A, B, alpha, r):
    return x @ W + (alpha / math.sqrt(r)) * ((x @ A) @ B)


@mutant("lora_forward", hint="this behaves like subtracting the update instead of adding it")
def lora_forward_subtracts(x, W, A, B, alpha, r):
    return x @ W - (alpha / r) * ((x @ A) @ B)


# --- lora_merge ----------------------------------------------------------------------------------

@mutant("lora_merge", hint="this behaves like scaling the update by alpha instead of alpha / r")
def lora_merge_scale_alpha(W, A, B, alpha, r):
    return W + alpha * (A @ B)


@mutant("lora_merge", hint="this behaves like merging without the alpha / r scale")
def lora_merge_no_scale(W, A, B, alpha, r):
    return W + A @ B


@mutant("lora_merge", hint="this behaves like returning the update alone, without W")
def lora_merge_update_only(W, A, B, alpha, r):
    return (alpha / r) * (A @ B)


@mutant("lora_merge", hint="this behaves like scaling W too: (alpha / r) * (W + A B)")
def lora_merge_scales_w(W, A, B, alpha, r):
    return (alpha / r) * (W + A @ B)


@mutant("lora_merge", hint="this behaves like the scale alpha / sqrt(r) instead of alpha / r")
def lora_merge_sqrt_rank(W, A, B, alpha, r):
    return W + (alpha / math.sqrt(r)) * (A @ B)


@mutant("lora_merge", hint="this behaves like subtracting the update (un-merging) instead of adding it")
def lora_merge_subtracts(W, A, B, alpha, r):
    return W - (alpha / r) * (A @ B)


@mutant("lora_merge", hint="this behaves like the scale r / alpha, upside down")
def lora_merge_scale_inverted(W, A, B, alpha, r):
    return W + (r / alpha) * (A @ B)


# --- dpo_loss ------------------------------------------------------------------------------------

@mutant("dpo_loss", hint="this behaves like the reference log-probabilities swapped between the chosen and the "
                         "rejected response")
def dpo_loss_reference_swapped(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    z = beta * ((policy_chosen_logps - ref_rejected_logps) - (policy_rejected_logps - ref_chosen_logps))
    return float(np.mean(np.logaddexp(0.0, -z)))


@mutant("dpo_loss", hint="this behaves like beta multiplying the log-sigmoid instead of the margin inside it")
def dpo_loss_beta_outside(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    m = (policy_chosen_logps - ref_chosen_logps) - (policy_rejected_logps - ref_rejected_logps)
    return float(beta * np.mean(np.logaddexp(0.0, -m)))


@mutant("dpo_loss", hint="this behaves like computing log(sigmoid(z)) directly: for large negative margins sigmoid "
                         "underflows to 0 and the loss becomes inf")
def dpo_loss_naive_log_sigmoid(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    z = beta * ((policy_chosen_logps - ref_chosen_logps) - (policy_rejected_logps - ref_rejected_logps))
    with np.errstate(over="ignore", divide="ignore"):
        return float(-np.mean(np.log(1.0 / (1.0 + np.exp(-z)))))


@mutant("dpo_loss", hint="this behaves like a sum over the pairs instead of a mean")
def dpo_loss_sum(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    z = beta * ((policy_chosen_logps - ref_chosen_logps) - (policy_rejected_logps - ref_rejected_logps))
    return float(np.sum(np.logaddexp(0.0, -z)))


@mutant("dpo_loss", hint="this behaves like chosen and rejected swapped: it rewards the rejected responses")
def dpo_loss_chosen_rejected_swapped(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
                                     ref_rejected_logps, beta):
    z = beta * ((policy_rejected_logps - ref_rejected_logps) - (policy_chosen_logps - ref_chosen_logps))
    return float(np.mean(np.logaddexp(0.0, -z)))


@mutant("dpo_loss", hint="this behaves like the mean log-sigmoid without the minus sign")
def dpo_loss_no_minus(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    z = beta * ((policy_chosen_logps - ref_chosen_logps) - (policy_rejected_logps - ref_rejected_logps))
    return float(-np.mean(np.logaddexp(0.0, -z)))


@mutant("dpo_loss", hint="this behaves like leaving out the reference model: the margin uses the policy alone")
def dpo_loss_no_reference(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    z = beta * (policy_chosen_logps - policy_rejected_logps)
    return float(np.mean(np.logaddexp(0.0, -z)))


@mutant("dpo_loss", hint="this behaves like dividing the log-probabilities (log pi / log pi_ref) instead of "
                         "subtracting them: the log of a ratio is a difference of logs")
def dpo_loss_ratio_of_logs(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    z = beta * (policy_chosen_logps / ref_chosen_logps - policy_rejected_logps / ref_rejected_logps)
    return float(np.mean(np.logaddexp(0.0, -z)))


@mutant("dpo_loss", hint="this behaves like forgetting beta")
def dpo_loss_no_beta(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    z = (policy_chosen_logps - ref_chosen_logps) - (policy_rejected_logps - ref_rejected_logps)
    return float(np.mean(np.logaddexp(0.0, -z)))


# --- dpo_loss_grad -------------------------------------------------------------------------------

@mutant("dpo_loss_grad", hint="this behaves like weighting each pair by sigmoid(z) instead of sigmoid(-z): pairs "
                              "already ranked right get the largest push")
def dpo_grad_sigmoid_of_z(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    z = beta * ((policy_chosen_logps - ref_chosen_logps) - (policy_rejected_logps - ref_rejected_logps))
    w = beta * np.exp(-np.logaddexp(0.0, -z)) / len(z)
    return -w, w


@mutant("dpo_loss_grad", hint="this behaves like the gradient of the sum, not the mean: the 1/N is missing")
def dpo_grad_no_mean(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    z = beta * ((policy_chosen_logps - ref_chosen_logps) - (policy_rejected_logps - ref_rejected_logps))
    w = beta * np.exp(-np.logaddexp(0.0, z))
    return -w, w


@mutant("dpo_loss_grad", hint="this behaves like the derivative with respect to z: the chain-rule factor beta is "
                              "missing")
def dpo_grad_no_beta(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    z = beta * ((policy_chosen_logps - ref_chosen_logps) - (policy_rejected_logps - ref_rejected_logps))
    w = np.exp(-np.logaddexp(0.0, z)) / len(z)
    return -w, w


@mutant("dpo_loss_grad", hint="this behaves like the gradient with the wrong sign (the direction of steepest ascent)")
def dpo_grad_sign_flipped(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    z = beta * ((policy_chosen_logps - ref_chosen_logps) - (policy_rejected_logps - ref_rejected_logps))
    w = beta * np.exp(-np.logaddexp(0.0, z)) / len(z)
    return w, -w


@mutant("dpo_loss_grad", hint="this behaves like giving the rejected responses the same gradient as the chosen ones")
def dpo_grad_same_sign(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    z = beta * ((policy_chosen_logps - ref_chosen_logps) - (policy_rejected_logps - ref_rejected_logps))
    w = beta * np.exp(-np.logaddexp(0.0, z)) / len(z)
    return -w, -w


@mutant("dpo_loss_grad", hint="this behaves like sigmoid(-z) computed as exp(-z) / (1 + exp(-z)): inf / inf = nan "
                              "for large negative margins")
def dpo_grad_unstable_sigmoid(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    z = beta * ((policy_chosen_logps - ref_chosen_logps) - (policy_rejected_logps - ref_rejected_logps))
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(-z)
        w = beta * (e / (1.0 + e)) / len(z)
    return -w, w


@mutant("dpo_loss_grad", hint="this behaves like the gradient of log pi(chosen) - log pi(rejected) without the "
                              "sigmoid(-z) weight: every pair is pushed equally, however well it is ranked")
def dpo_grad_unweighted(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    w = np.full(len(policy_chosen_logps), beta / len(policy_chosen_logps))
    return -w, w
