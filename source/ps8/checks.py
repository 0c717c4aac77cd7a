"""Public checks for ps8 (attention and the building blocks of LLMs): quick hints, run in your
notebook with `check("<question>")`.

Your grade comes from a separate set of hidden tests; passing these checks is a good sign, not a
guarantee. Most checks use small examples you can verify by hand, or properties every correct
answer has (the first token of a causal layer can only attend itself, ...).
"""
import math

import numpy as np
from checking import Checks, expect

checks = Checks()


def _array(value, name, shape=None):
    """The student's result as a float array of `shape`, or a failed check saying what came back."""
    try:
        got = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        expect(False, f"{name} should be a numpy array of numbers; yours is {type(value).__name__}")
    if shape is not None:
        expect(got.shape == tuple(shape), f"{name} should have shape {tuple(shape)}; yours has shape {got.shape}")
    return got


def _number(value, name):
    got = _array(value, name)
    expect(got.size == 1, f"{name} should be one number; yours has shape {got.shape}")
    return float(got.reshape(()))


def _close(got, expected, rtol=1e-6, atol=1e-9):
    return np.shape(got) == np.shape(expected) and np.allclose(got, expected, rtol=rtol, atol=atol)


def _rng(seed):
    return np.random.default_rng(seed)


# --- scaled_dot_product_attention ------------------------------------------------------------

@checks.add("scaled_dot_product_attention", "with a single key, every query returns that key's value")
def _(scaled_dot_product_attention):
    rng = _rng(0)
    Q, K, V = rng.normal(size=(3, 4)), rng.normal(size=(1, 4)), rng.normal(size=(1, 2))
    got = _array(scaled_dot_product_attention(Q, K, V), "the output", (3, 2))
    expect(_close(got, np.repeat(V, 3, axis=0)),
           f"with one key the softmax weight is 1, so each output row should be V[0] = {V[0]}; "
           f"yours are {got.tolist()}. Is the softmax over the keys (the last axis of Q K^T)?")


@checks.add("scaled_dot_product_attention", "the 1/sqrt(d_k) scale, on a hand-computed example")
def _(scaled_dot_product_attention):
    # d_k = 4: q . k1 = 2, q . k2 = 0, so the scaled scores are 1 and 0.
    Q = np.array([[2.0, 0.0, 0.0, 0.0]])
    K = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])
    V = np.array([[1.0, 0.0, 5.0], [0.0, 1.0, 5.0]])
    w = math.e / (math.e + 1)
    got = _array(scaled_dot_product_attention(Q, K, V), "the output", (1, 3))
    hint = ""
    if _close(got, [[math.e ** 2 / (math.e ** 2 + 1), 1 / (math.e ** 2 + 1), 5.0]]):
        hint = " Yours matches unscaled scores (2 and 0): divide Q K^T by sqrt(d_k) = 2."
    expect(_close(got, [[w, 1 - w, 5.0]]),
           f"the scores are (2, 0) / sqrt(4) = (1, 0), so the weights are (e/(e+1), 1/(e+1)) and the output "
           f"[{w:.4f}, {1 - w:.4f}, 5]; yours is {np.round(got, 4).tolist()}.{hint}")


@checks.add("scaled_dot_product_attention", "masked keys get no weight; a fully masked query gives zeros")
def _(scaled_dot_product_attention):
    Q = np.zeros((3, 2))                      # equal scores: the allowed keys share the weight equally
    K = np.ones((3, 2))
    V = np.array([[1.0], [10.0], [100.0]])
    mask = np.array([[True, True, False], [False, False, True], [False, False, False]])
    got = _array(scaled_dot_product_attention(Q, K, V, mask), "the output", (3, 1))
    expect(_close(got[:2, 0], [5.5, 100.0]),
           f"query 0 may attend keys 0 and 1 only (equal scores: weights 1/2, 1/2, 0), so its output is "
           f"5.5; query 1 only key 2, so 100. Yours gives {got[:2, 0].tolist()}. Set the masked scores "
           "to -inf before the softmax (mask True = may attend), not after it.")
    expect(_close(got[2, 0], 0.0),
           f"query 2 may attend no key: the convention is a zero output; yours gives {got[2, 0]}. "
           "(A fill of -1e9 gives it uniform weights; -inf gives nan unless you handle that row.)")


@checks.add("scaled_dot_product_attention", "batches of heads, and scores of 1e4 stay finite")
def _(scaled_dot_product_attention):
    rng = _rng(1)
    Q, K, V = rng.normal(size=(2, 3, 5, 4)), rng.normal(size=(2, 3, 6, 4)), rng.normal(size=(2, 3, 6, 7))
    got = _array(scaled_dot_product_attention(Q, K, V), "the output for Q (2, 3, 5, 4), K (2, 3, 6, 4), V (2, 3, 6, 7)",
                 (2, 3, 5, 7))
    one = _array(scaled_dot_product_attention(Q[1, 2], K[1, 2], V[1, 2]), "the output of one (5, 4) slice", (5, 7))
    expect(_close(got[1, 2], one), "the leading dimensions should act as a batch: the result for batch 1, head 2 "
           "differs from attending that slice alone. Transpose only the last two axes of K "
           "(np.swapaxes(K, -1, -2)); K.T reverses all of them.")
    big = scaled_dot_product_attention(Q[0, 0] * 100, K[0, 0] * 100, V[0, 0])
    expect(np.all(np.isfinite(big)), "with scores in the thousands your output has inf or nan: subtract each "
           "row's largest score before np.exp")


# --- causal_mask ------------------------------------------------------------------------------

@checks.add("causal_mask", "causal_mask(3), by hand")
def _(causal_mask):
    got = np.asarray(causal_mask(3))
    want = np.array([[True, False, False], [True, True, False], [True, True, True]])
    expect(got.shape == (3, 3), f"causal_mask(3) should have shape (3, 3); yours has {got.shape}")
    expect(np.array_equal(got, want),
           f"causal_mask(3) should be True on and below the diagonal (query i may attend keys j <= i):\n"
           f"{want.astype(int)}\nyours is\n{got.astype(int) if got.dtype == bool else got}")


@checks.add("causal_mask", "boolean, the diagonal allowed, T rows")
def _(causal_mask):
    got = np.asarray(causal_mask(6))
    expect(got.shape == (6, 6), f"causal_mask(6) should have shape (6, 6); yours has {got.shape}")
    expect(got.dtype == bool or bool(np.all((got == 0) | (got == 1))),
           f"the mask should be boolean, True = may attend (an additive mask of 0 and -inf is the other "
           f"convention); yours has dtype {got.dtype} and values {np.unique(got)}")
    expect(bool(np.all(np.diag(got))), "every token may attend itself: the diagonal should be True")


# --- multi_head_attention ---------------------------------------------------------------------

def _mha_weights(rng, d_model, width_q, width_kv, d_out=None):
    d_out = d_model if d_out is None else d_out
    return (rng.normal(size=(d_model, width_q)) / 2, rng.normal(size=(d_model, width_kv)) / 2,
            rng.normal(size=(d_model, width_kv)) / 2, rng.normal(size=(width_q, d_out)) / 3)


@checks.add("multi_head_attention", "shape (B, T, d_model), also when n_heads * head_dim != d_model")
def _(multi_head_attention):
    rng = _rng(2)
    x = rng.normal(size=(2, 5, 6))
    Wq, Wk, Wv, Wo = _mha_weights(rng, 6, 8, 8)          # 2 heads of size 4
    _array(multi_head_attention(x, Wq, Wk, Wv, Wo, 2), "multi_head_attention(x (2, 5, 6), ..., n_heads=2)", (2, 5, 6))


@checks.add("multi_head_attention", "the first token can only attend itself")
def _(multi_head_attention):
    rng = _rng(3)
    x = rng.normal(size=(2, 4, 6))
    Wq, Wk, Wv, Wo = _mha_weights(rng, 6, 9, 9)          # 3 heads of size 3
    got = _array(multi_head_attention(x, Wq, Wk, Wv, Wo, 3), "the output", (2, 4, 6))
    want = x[:, 0] @ Wv @ Wo
    expect(_close(got[:, 0], want),
           "with a causal mask the first token's weights are 1 on itself, in every head, so its output is "
           "x[:, 0] @ Wv @ Wo; yours differs. Is the mask causal (True on and below the diagonal)?")


@checks.add("multi_head_attention", "changing a later token leaves earlier outputs unchanged")
def _(multi_head_attention):
    rng = _rng(4)
    x = rng.normal(size=(1, 5, 6))
    Wq, Wk, Wv, Wo = _mha_weights(rng, 6, 8, 8)
    changed = x.copy()
    changed[0, 3:] += rng.normal(size=(2, 6))
    a = _array(multi_head_attention(x, Wq, Wk, Wv, Wo, 4), "the output", (1, 5, 6))
    b = _array(multi_head_attention(changed, Wq, Wk, Wv, Wo, 4), "the output", (1, 5, 6))
    expect(_close(a[0, :3], b[0, :3]),
           "tokens 0-2 must not see tokens 3-4, but changing those changed their outputs: the attention "
           "is not causal, or the heads mix positions (reshape to (B, T, n_heads, head_dim), then move "
           "the head axis before time)")
    expect(not _close(a[0, 3:], b[0, 3:]), "changing tokens 3-4 should change their own outputs")


@checks.add("multi_head_attention", "head 1 is the second block of columns of Wq, Wk, Wv and of rows of Wo")
def _(multi_head_attention, scaled_dot_product_attention, causal_mask):
    rng = _rng(22)
    x = rng.normal(size=(2, 5, 7))
    Wq, Wk, Wv, Wo = _mha_weights(rng, 7, 6, 6)          # 2 heads of size 3
    Wo[:3] = 0.0                                         # only head 1 reaches the output
    got = _array(multi_head_attention(x, Wq, Wk, Wv, Wo, 2), "the output", (2, 5, 7))
    head_1 = scaled_dot_product_attention(x @ Wq[:, 3:], x @ Wk[:, 3:], x @ Wv[:, 3:], causal_mask(5))
    expect(_close(got, np.asarray(head_1, dtype=float) @ Wo[3:]),
           "with 2 heads of size 3, head 1 owns columns 3-5 of Wq, Wk, Wv and rows 3-5 of Wo; here the other rows "
           "of Wo are zero, so the output should be head 1's causal attention (computed with your "
           "scaled_dot_product_attention) times Wo[3:]. Yours differs. Reshape to (B, T, n_heads, head_dim), "
           "not (B, T, head_dim, n_heads), and undo the same steps before Wo; queries, keys and values come "
           "from Wq, Wk, Wv, and each head's scores are scaled by 1/sqrt(head_dim) (here 3).")


# --- grouped_query_attention ------------------------------------------------------------------

@checks.add("grouped_query_attention", "n_kv_heads = n_heads is ordinary multi-head attention")
def _(grouped_query_attention, multi_head_attention):
    rng = _rng(5)
    x = rng.normal(size=(2, 5, 7))
    Wq, Wk, Wv, Wo = _mha_weights(rng, 7, 12, 12)        # 4 heads of size 3
    gqa = _array(grouped_query_attention(x, Wq, Wk, Wv, Wo, 4, 4), "the output", (2, 5, 7))
    mha = _array(multi_head_attention(x, Wq, Wk, Wv, Wo, 4), "your multi_head_attention", (2, 5, 7))
    expect(_close(gqa, mha), "with as many KV heads as query heads, GQA should equal your multi_head_attention")


@checks.add("grouped_query_attention", "the first token: query heads 0, 1 read KV head 0, heads 2, 3 KV head 1")
def _(grouped_query_attention):
    rng = _rng(6)
    x = rng.normal(size=(2, 4, 7))
    Wq, Wk, Wv, Wo = _mha_weights(rng, 7, 4 * 3, 2 * 3)  # 4 query heads, 2 KV heads, head size 3
    got = _array(grouped_query_attention(x, Wq, Wk, Wv, Wo, 4, 2), "the output", (2, 4, 7))
    v0 = x[:, 0] @ Wv                                    # (B, 2 * 3): the first token's two value heads
    heads = np.concatenate([v0[:, :3], v0[:, :3], v0[:, 3:], v0[:, 3:]], axis=1)
    tiled = np.concatenate([v0, v0], axis=1)
    hint = (" Yours matches the order KV 0, 1, 0, 1 (np.tile): repeat each KV head in place "
            "(np.repeat along the head axis)." if _close(got[:, 0], tiled @ Wo) else "")
    expect(_close(got[:, 0], heads @ Wo),
           "the first token attends only itself, so head h outputs its KV head's value; with 4 query heads "
           "and 2 KV heads, heads 0 and 1 use KV head 0 and heads 2 and 3 use KV head 1 (h // 2). "
           f"Yours differs.{hint}")


@checks.add("grouped_query_attention", "multi-query attention (one KV head) has the right shape")
def _(grouped_query_attention):
    rng = _rng(7)
    x = rng.normal(size=(3, 4, 5))
    Wq, Wk, Wv, Wo = _mha_weights(rng, 5, 6 * 2, 2)      # 6 query heads of size 2, one KV head
    got = _array(grouped_query_attention(x, Wq, Wk, Wv, Wo, 6, 1), "the MQA output", (3, 4, 5))
    expect(_close(got[:, 0], np.tile(x[:, 0] @ Wv, 6) @ Wo), "with one KV head every query head reads it: the "
           "first token's output should be its value, repeated for the 6 heads, times Wo")


# --- multi-head latent attention ---------------------------------------------------------------

def _mla_weights(rng, d_model, n_heads, head_dim, d_c):
    width = n_heads * head_dim
    return (rng.normal(size=(d_model, width)) / 2, rng.normal(size=(d_model, d_c)) / 2,
            rng.normal(size=(d_c, width)) / 2, rng.normal(size=(d_c, width)) / 2,
            rng.normal(size=(width, d_model)) / 3)


@checks.add("multi_head_latent_attention", "MLA is MHA with factorised key and value projections")
def _(multi_head_latent_attention, multi_head_attention):
    rng = _rng(8)
    x = rng.normal(size=(2, 5, 7))
    Wq, W_dkv, W_uk, W_uv, Wo = _mla_weights(rng, 7, 3, 4, 5)
    got = _array(multi_head_latent_attention(x, Wq, W_dkv, W_uk, W_uv, Wo, 3), "the output", (2, 5, 7))
    mha = _array(multi_head_attention(x, Wq, W_dkv @ W_uk, W_dkv @ W_uv, Wo, 3), "your multi_head_attention", (2, 5, 7))
    expect(_close(got, mha),
           "keys are (x @ W_dkv) @ W_uk = x @ (W_dkv @ W_uk) and values likewise, so MLA should equal your "
           "multi_head_attention with Wk = W_dkv @ W_uk and Wv = W_dkv @ W_uv; yours differs. "
           "Keys come from W_uk, values from W_uv.")


@checks.add("multi_head_latent_attention", "the first token's output is its up-projected value, times Wo")
def _(multi_head_latent_attention):
    rng = _rng(9)
    x = rng.normal(size=(2, 4, 6))
    Wq, W_dkv, W_uk, W_uv, Wo = _mla_weights(rng, 6, 2, 5, 3)
    got = _array(multi_head_latent_attention(x, Wq, W_dkv, W_uk, W_uv, Wo, 2), "the output", (2, 4, 6))
    expect(_close(got[:, 0], x[:, 0] @ W_dkv @ W_uv @ Wo),
           "the first token attends only itself, so its output is x[:, 0] @ W_dkv @ W_uv @ Wo; yours differs")


@checks.add("absorb_mla_weights", "shapes (n_heads, d_model, d_c) and (n_heads, d_c, d_model)")
def _(absorb_mla_weights):
    rng = _rng(10)
    Wq, W_dkv, W_uk, W_uv, Wo = _mla_weights(rng, 7, 3, 4, 5)
    result = absorb_mla_weights(Wq, W_uk, W_uv, Wo, 3)
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           f"absorb_mla_weights should return a pair (Wq_absorbed, Wo_absorbed); yours returned {type(result).__name__}")
    _array(result[0], "Wq_absorbed", (3, 7, 5))
    _array(result[1], "Wo_absorbed", (3, 5, 7))


@checks.add("absorb_mla_weights", "head 1's blocks, by hand")
def _(absorb_mla_weights):
    rng = _rng(11)
    Wq, W_dkv, W_uk, W_uv, Wo = _mla_weights(rng, 6, 2, 3, 4)   # head 1 = columns (rows of Wo) 3, 4, 5
    Wq_abs, Wo_abs = absorb_mla_weights(Wq, W_uk, W_uv, Wo, 2)
    expect(_close(np.asarray(Wq_abs, dtype=float)[1], Wq[:, 3:6] @ W_uk[:, 3:6].T),
           "Wq_absorbed[1] should be Wq[:, 3:6] @ W_uk[:, 3:6].T (head 1 of size 3 owns columns 3-5): the "
           "product whose bilinear form gives head 1's scores against a latent")
    expect(_close(np.asarray(Wo_abs, dtype=float)[1], W_uv[:, 3:6] @ Wo[3:6, :]),
           "Wo_absorbed[1] should be W_uv[:, 3:6] @ Wo[3:6, :]: head 1's value up-projection followed by "
           "its rows of the output projection")


@checks.add("mla_absorbed_attention", "the absorbed form equals your training form")
def _(mla_absorbed_attention, multi_head_latent_attention, absorb_mla_weights):
    rng = _rng(12)
    x = rng.normal(size=(2, 5, 7))
    Wq, W_dkv, W_uk, W_uv, Wo = _mla_weights(rng, 7, 3, 4, 6)
    Wq_abs, Wo_abs = absorb_mla_weights(Wq, W_uk, W_uv, Wo, 3)
    got = _array(mla_absorbed_attention(x, W_dkv, Wq_abs, Wo_abs, 4), "the output", (2, 5, 7))
    want = _array(multi_head_latent_attention(x, Wq, W_dkv, W_uk, W_uv, Wo, 3), "your MLA", (2, 5, 7))
    expect(_close(got, want),
           "with the absorbed weights, attention on the latents should give exactly what your "
           "multi_head_latent_attention gives; yours differs. The scale is 1/sqrt(head_dim) (here 4), not "
           "1/sqrt(d_c): the scores are the same numbers as before.")


@checks.add("mla_absorbed_attention", "the first token: the sum over heads of its latent times Wo_absorbed[h]")
def _(mla_absorbed_attention):
    rng = _rng(13)
    x = rng.normal(size=(2, 3, 6))
    W_dkv = rng.normal(size=(6, 4))
    Wq_abs, Wo_abs = rng.normal(size=(2, 6, 4)), rng.normal(size=(2, 4, 6))
    got = _array(mla_absorbed_attention(x, W_dkv, Wq_abs, Wo_abs, 5), "the output", (2, 3, 6))
    c0 = x[:, 0] @ W_dkv
    expect(_close(got[:, 0], c0 @ Wo_abs[0] + c0 @ Wo_abs[1]),
           "the first token attends only its own latent c0 = x0 @ W_dkv, so its output is "
           "sum_h c0 @ Wo_absorbed[h]; yours differs (the heads are summed, not averaged)")


# --- kv_cache_bytes ---------------------------------------------------------------------------

@checks.add("kv_cache_bytes", "LLaMA-2-7B (MHA) and LLaMA-2-70B (GQA), bf16")
def _(kv_cache_bytes):
    got = _number(kv_cache_bytes("mha", 32, 128), "kv_cache_bytes('mha', 32, 128)")
    expect(got == 16384, f"MHA with 32 heads of 128 caches a key and a value per head: 2 * 32 * 128 numbers "
                         f"of 2 bytes = 16384 bytes per token and layer; yours gives {got}")
    got = _number(kv_cache_bytes("gqa", 64, 128, n_kv_heads=8), "kv_cache_bytes('gqa', 64, 128, n_kv_heads=8)")
    expect(got == 4096, f"GQA with 8 KV heads of 128 caches 2 * 8 * 128 numbers = 4096 bytes; yours gives {got}")


@checks.add("kv_cache_bytes", "MQA, and DeepSeek-V2's MLA")
def _(kv_cache_bytes):
    got = _number(kv_cache_bytes("mqa", 32, 128), "kv_cache_bytes('mqa', 32, 128)")
    expect(got == 512, f"MQA caches one key and one value head: 2 * 128 * 2 bytes = 512; yours gives {got}")
    got = _number(kv_cache_bytes("mla", 128, 128, d_latent=512, d_rope=64),
                  "kv_cache_bytes('mla', 128, 128, d_latent=512, d_rope=64)")
    expect(got == 1152, f"MLA caches one latent of 512 and one shared RoPE key of 64: 576 numbers = 1152 bytes "
                        f"in bf16 (the latent serves both keys and values: no factor 2); yours gives {got}")


@checks.add("kv_cache_bytes", "bytes_per_value sets the size of each number")
def _(kv_cache_bytes):
    got = _number(kv_cache_bytes("mha", 4, 16, bytes_per_value=4), "kv_cache_bytes('mha', 4, 16, bytes_per_value=4)")
    expect(got == 512, f"2 * 4 * 16 = 128 numbers of 4 bytes (fp32) are 512 bytes; yours gives {got}")


# --- rms_norm ---------------------------------------------------------------------------------

@checks.add("rms_norm", "a hand-computed row: x = [3, 4], eps = 0")
def _(rms_norm):
    got = _array(rms_norm(np.array([[3.0, 4.0]]), np.array([1.0, 2.0]), 0.0), "the output", (1, 2))
    rms = math.sqrt(12.5)
    expect(_close(got, [[3 / rms, 8 / rms]]),
           f"RMS([3, 4]) = sqrt((9 + 16) / 2) = {rms:.4f}, so with weight [1, 2] the output is "
           f"[{3 / rms:.4f}, {8 / rms:.4f}]; yours is {np.round(got, 4).tolist()}. (LayerNorm would subtract "
           "the mean 3.5 first: RMSNorm does not.)")


@checks.add("rms_norm", "each row is normalised over its features (the last axis)")
def _(rms_norm):
    rng = _rng(14)
    x = rng.normal(size=(2, 3, 5)) * 4 + 1
    got = _array(rms_norm(x, np.ones(5), 1e-12), "the output", (2, 3, 5))
    rms = np.sqrt(np.mean(got ** 2, axis=-1))
    expect(_close(rms, np.ones((2, 3)), rtol=1e-5),
           f"with weight 1, every token's features should have root-mean-square 1; yours are {np.round(rms, 3).tolist()}. "
           "Average the squares over axis -1.")


@checks.add("rms_norm", "eps goes inside the square root")
def _(rms_norm):
    got = _array(rms_norm(np.array([0.3, -0.4]), np.array([1.0, 1.0]), 0.875), "the output", (2,))
    expect(_close(got, [0.3, -0.4]),
           "mean(x^2) = 0.125, plus eps = 0.875 gives 1, whose square root is 1: the output should be x itself; "
           f"yours is {got.tolist()}")


# --- rope -------------------------------------------------------------------------------------

@checks.add("rope", "position 0 changes nothing, position 1 turns the first pair by one radian")
def _(rope):
    x = np.array([[1.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
    got = _array(rope(x, np.array([0, 1])), "rope(x, [0, 1])", (2, 4))
    expect(_close(got[0], x[0]), f"at position 0 every angle is 0: the row should be unchanged; yours is {got[0].tolist()}")
    want = [math.cos(1), math.sin(1), 0.0, 0.0]
    half = [math.cos(1), 0.0, math.sin(1), 0.0]
    hint = (" Yours rotates coordinates 0 and 2 together (the half-split pairing): here the pairs are "
            "adjacent, (0, 1) and (2, 3)." if _close(got[1], half) else "")
    expect(_close(got[1], want),
           f"at position 1 the first pair (x0, x1) = (1, 0) turns by theta_0 = 1 radian to (cos 1, sin 1) = "
           f"({want[0]:.4f}, {want[1]:.4f}); yours gives {np.round(got[1], 4).tolist()}.{hint}")


@checks.add("rope", "the second pair turns by base^(-2/d) per position")
def _(rope):
    x = np.array([[0.0, 0.0, 1.0, 0.0]])
    got = _array(rope(x, np.array([3]), base=100), "rope(x, [3], base=100)", (1, 4))
    angle = 3 * 100 ** (-2 / 4)
    expect(_close(got[0], [0.0, 0.0, math.cos(angle), math.sin(angle)]),
           f"with d = 4 and base 100, pair 1 turns by 100^(-2*1/4) = 0.1 radian per position: 0.3 at position 3, "
           f"so (1, 0) becomes ({math.cos(angle):.4f}, {math.sin(angle):.4f}); yours gives {np.round(got[0], 4).tolist()}")


@checks.add("rope", "rotations keep lengths; scores depend on the offset only")
def _(rope):
    rng = _rng(15)
    q, k = rng.normal(size=(2, 1, 8))
    pq = _array(rope(q, np.array([7])), "rope(q, [7])", (1, 8))
    expect(_close(np.linalg.norm(pq), np.linalg.norm(q)), "a rotation keeps the length of the vector; yours changes it")
    s1 = float(np.sum(pq * np.asarray(rope(k, np.array([2])))))
    s2 = float(np.sum(np.asarray(rope(q, np.array([25]))) * np.asarray(rope(k, np.array([20])))))
    expect(_close(s1, s2), f"q at 7 with k at 2 and q at 25 with k at 20 have the same offset, so the same score; "
                           f"yours gives {s1:.6f} and {s2:.6f}")


# --- lora -------------------------------------------------------------------------------------

@checks.add("lora_forward", "B = 0 leaves the frozen layer unchanged")
def _(lora_forward):
    rng = _rng(16)
    x, W, A = rng.normal(size=(3, 5)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    got = _array(lora_forward(x, W, A, np.zeros((2, 4)), 16, 2), "the output", (3, 4))
    expect(_close(got, x @ W), "with B = 0 (LoRA's initialisation) the output should be x @ W exactly")


@checks.add("lora_forward", "a hand-computed example: the scale is alpha / r")
def _(lora_forward):
    x = np.array([[1.0, 2.0]])
    W = np.array([[1.0, 0.0], [0.0, 1.0]])
    A = np.array([[1.0], [1.0]])            # x @ A = 3
    B = np.array([[1.0, -1.0]])
    got = _array(lora_forward(x, W, A, B, 4, 1), "lora_forward(x, W, A, B, alpha=4, r=1)", (1, 2))
    expect(_close(got, [[13.0, -10.0]]), f"x @ W = [1, 2], x @ A @ B = [3, -3], scaled by alpha / r = 4: "
                                         f"[13, -10]; yours gives {got.tolist()}")
    A2 = np.array([[1.0, 0.0], [1.0, 0.0]])
    B2 = np.array([[1.0, -1.0], [5.0, 5.0]])
    got = _array(lora_forward(x, W, A2, B2, 4, 2), "lora_forward(x, W, A, B, alpha=4, r=2)", (1, 2))
    expect(_close(got, [[7.0, -4.0]]), "with r = 2 the scale is alpha / r = 2: x @ A @ B = [3, -3], so the output "
                                       f"is [1 + 6, 2 - 6] = [7, -4]; yours gives {got.tolist()}")


@checks.add("lora_forward", "batches of tokens: x (B, T, d_in)")
def _(lora_forward):
    rng = _rng(17)
    x, W, A, B = rng.normal(size=(2, 3, 5)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2)), rng.normal(size=(2, 4))
    got = _array(lora_forward(x, W, A, B, 8, 2), "the output", (2, 3, 4))
    one = _array(lora_forward(x[1], W, A, B, 8, 2), "the output for x[1]", (3, 4))
    expect(_close(got[1], one), "each token should be mapped on its own: the result for x[1] alone differs")


@checks.add("lora_merge", "x @ lora_merge(...) equals your lora_forward(x, ...)")
def _(lora_merge, lora_forward):
    rng = _rng(18)
    x, W, A, B = rng.normal(size=(4, 6)), rng.normal(size=(6, 5)), rng.normal(size=(6, 3)), rng.normal(size=(3, 5))
    merged = _array(lora_merge(W, A, B, 12, 3), "the merged weight", (6, 5))
    expect(_close(x @ merged, np.asarray(lora_forward(x, W, A, B, 12, 3), dtype=float)),
           "the merged weight should give exactly the adapted layer's outputs: W + (alpha / r) * A @ B")


@checks.add("lora_merge", "B = 0 gives W back; the update has rank r")
def _(lora_merge):
    rng = _rng(19)
    W, A, B = rng.normal(size=(7, 6)), rng.normal(size=(7, 2)), rng.normal(size=(2, 6))
    expect(_close(_array(lora_merge(W, A, np.zeros((2, 6)), 16, 2), "the merged weight", (7, 6)), W),
           "with B = 0 the merged weight should be W itself")
    delta = _array(lora_merge(W, A, B, 16, 2), "the merged weight", (7, 6)) - W
    rank = np.linalg.matrix_rank(delta)
    expect(rank == 2, f"the update A @ B (times alpha / r) has rank 2 here; yours has rank {rank}")


# --- dpo --------------------------------------------------------------------------------------

@checks.add("dpo_loss", "a policy equal to the reference has loss log 2")
def _(dpo_loss):
    rng = _rng(20)
    chosen, rejected = -rng.uniform(20, 80, size=5), -rng.uniform(20, 80, size=5)
    got = _number(dpo_loss(chosen, rejected, chosen, rejected, 0.1), "dpo_loss")
    expect(_close(got, math.log(2)), f"when the policy's log-probabilities equal the reference's, every margin z is "
                                     f"0 and -log sigmoid(0) = log 2 = {math.log(2):.6f}; yours gives {got}")


@checks.add("dpo_loss", "one pair, by hand")
def _(dpo_loss):
    got = _number(dpo_loss(np.array([-10.0]), np.array([-14.0]), np.array([-12.0]), np.array([-12.0]), 0.5),
                  "dpo_loss")
    want = math.log1p(math.exp(-2.0))
    expect(_close(got, want), f"the log-ratios are -10 - (-12) = 2 (chosen) and -14 - (-12) = -2 (rejected); with "
                              f"beta = 0.5, z = 0.5 * (2 - (-2)) = 2 and the loss is log(1 + e^-2) = {want:.6f}; "
                              f"yours gives {got}")


@checks.add("dpo_loss", "finite for huge margins")
def _(dpo_loss):
    got = _number(dpo_loss(np.array([-5000.0, -10.0]), np.array([-10.0, -5000.0]), np.array([-10.0, -10.0]),
                           np.array([-10.0, -10.0]), 2.0), "dpo_loss")
    expect(np.isfinite(got), "with margins of -1e4 and +1e4 your loss is not finite: compute -log sigmoid(z) as "
                             "log(1 + e^-z) = max(-z, 0) + log1p(exp(-|z|)), never log(sigmoid(z))")
    expect(_close(got, 4990.0, rtol=1e-9), f"the pair with z = -9980 costs about 9980 and the other about 0: the "
                                           f"mean is 4990; yours gives {got}")


@checks.add("dpo_loss_grad", "signs and size at the start (policy = reference)")
def _(dpo_loss_grad):
    rng = _rng(21)
    chosen, rejected = -rng.uniform(20, 80, size=4), -rng.uniform(20, 80, size=4)
    result = dpo_loss_grad(chosen, rejected, chosen, rejected, 0.2)
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           "dpo_loss_grad should return a pair (grad_chosen, grad_rejected)")
    g_c, g_r = _array(result[0], "grad_chosen", (4,)), _array(result[1], "grad_rejected", (4,))
    expect(_close(g_c, np.full(4, -0.2 * 0.5 / 4)),
           f"at z = 0, sigmoid(-z) = 1/2, so each entry of grad_chosen is -beta * 1/2 / N = -0.025 (negative: "
           f"descending the loss raises the chosen log-probability); yours is {g_c.tolist()}")
    expect(_close(g_r, -g_c), "grad_rejected should be the opposite of grad_chosen")


@checks.add("dpo_loss_grad", "pairs ranked the wrong way get the larger push; huge margins stay finite")
def _(dpo_loss_grad):
    zeros = np.zeros(2)
    g_c, g_r = dpo_loss_grad(np.array([3.0, -3.0]), zeros, zeros, zeros, 1.0)
    g_c = _array(g_c, "grad_chosen", (2,))
    expect(abs(g_c[1]) > abs(g_c[0]), "pair 1 (z = -3, ranked wrong) should get a larger gradient than pair 0 "
                                      f"(z = 3): the weight is sigmoid(-z); yours gives {g_c.tolist()}")
    g_c, g_r = dpo_loss_grad(np.array([1e4, -1e4]), zeros, zeros, zeros, 1.0)
    expect(np.all(np.isfinite(np.asarray(g_c, dtype=float))) and np.all(np.isfinite(np.asarray(g_r, dtype=float))),
           "with margins of +-1e4 your gradient has inf or nan: compute sigmoid(-z) stably, "
           "e.g. np.exp(-np.logaddexp(0, z))")


check = checks.run
