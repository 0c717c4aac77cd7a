import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps8 import reference as ref

pytestmark = question("multi_head_latent_attention")


def _run(student, inputs, n_heads):
    x = inputs[0]
    got = np.asarray(student.multi_head_latent_attention(*inputs, n_heads), dtype=float)
    assert got.shape == x.shape, f"shape {got.shape}, expected {x.shape}"
    return got


@points(2)
def test_matches_torch(student):
    "MLA against torch's causal attention on up-projected keys and values: B=2, T=6, d_model=10, 3 heads of 4, latent 5."
    inputs = ref.mla_inputs(841, B=2, T=6, d_model=10, n_heads=3, head_dim=4, d_latent=5)
    expected = cross_checked(ref.multi_head_latent_attention(*inputs, 3),
                             lambda: ref.multi_head_latent_attention_torch(*inputs, 3))
    assert_allclose(_run(student, inputs, 3), expected, rtol=1e-6, atol=1e-9)


@points(1)
def test_is_mha_with_factorised_projections(student):
    "With a latent of size 2, MLA equals MHA whose key and value projections are W_dkv @ W_uk and W_dkv @ W_uv."
    x, Wq, W_dkv, W_uk, W_uv, Wo = ref.mla_inputs(842, B=3, T=5, d_model=8, n_heads=4, head_dim=6, d_latent=2)
    expected = cross_checked(ref.multi_head_attention(x, Wq, W_dkv @ W_uk, W_dkv @ W_uv, Wo, 4),
                             lambda: ref.multi_head_latent_attention_torch(x, Wq, W_dkv, W_uk, W_uv, Wo, 4))
    assert_allclose(_run(student, (x, Wq, W_dkv, W_uk, W_uv, Wo), 4), expected, rtol=1e-6, atol=1e-9)


@points(1)
def test_causal(student):
    "Changing the tokens from position 5 on leaves the outputs at positions 0-4 unchanged; both results are correct."
    x, *weights = ref.mla_inputs(843, B=1, T=7, d_model=6, n_heads=2, head_dim=5, d_latent=3)
    changed = x.copy()
    fresh = np.random.default_rng(8431)
    changed[:, 5:] = fresh.normal(size=(1, 2, 6))
    a = _run(student, (x, *weights), 2)
    b = _run(student, (changed, *weights), 2)
    assert_allclose(a[:, :5], b[:, :5], rtol=1e-9, atol=1e-12)
    assert_allclose(a, ref.multi_head_latent_attention(x, *weights, 2), rtol=1e-6, atol=1e-9)
    assert_allclose(b, ref.multi_head_latent_attention(changed, *weights, 2), rtol=1e-6, atol=1e-9)


@points(1)
def test_latent_wider_than_a_head(student):
    "A latent wider than a head: B=2, T=4, d_model=9, 3 heads of 5, latent 7."
    inputs = ref.mla_inputs(844, B=2, T=4, d_model=9, n_heads=3, head_dim=5, d_latent=7)
    expected = cross_checked(ref.multi_head_latent_attention(*inputs, 3),
                             lambda: ref.multi_head_latent_attention_torch(*inputs, 3))
    assert_allclose(_run(student, inputs, 3), expected, rtol=1e-6, atol=1e-9)
