import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps8 import reference as ref

pytestmark = question("mla_absorbed_attention")


def _run(student, x, W_dkv, Wq_abs, Wo_abs, head_dim):
    got = np.asarray(student.mla_absorbed_attention(x, W_dkv, Wq_abs, Wo_abs, head_dim), dtype=float)
    assert got.shape == x.shape, f"shape {got.shape}, expected {x.shape}"
    return got


def _general(seed, B, T, d_model, n_heads, d_latent):
    """Absorbed weights that are not products of smaller ones (full rank)."""
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(B, T, d_model)), rng.normal(size=(d_model, d_latent)) / np.sqrt(d_model),
            rng.normal(size=(n_heads, d_model, d_latent)) * 0.6, rng.normal(size=(n_heads, d_latent, d_model)) * 0.4)


@points(2)
def test_equals_mla(student):
    "With weights absorbed from MLA's, attention on the latents equals MLA: B=2, T=6, d_model=10, 3 heads of 4, latent 5."
    x, Wq, W_dkv, W_uk, W_uv, Wo = ref.mla_inputs(861, B=2, T=6, d_model=10, n_heads=3, head_dim=4, d_latent=5)
    Wq_abs, Wo_abs = ref.absorb_mla_weights(Wq, W_uk, W_uv, Wo, 3)
    expected = cross_checked(ref.multi_head_latent_attention(x, Wq, W_dkv, W_uk, W_uv, Wo, 3),
                             lambda: ref.mla_absorbed_attention_torch(x, W_dkv, Wq_abs, Wo_abs, 4))
    assert_allclose(_run(student, x, W_dkv, Wq_abs, Wo_abs, 4), expected, rtol=1e-6, atol=1e-9)


@points(1)
def test_general_absorbed_weights(student):
    "Random absorbed weights (not products): B=3, T=5, d_model=8, 2 heads, latent 6, head_dim 7."
    x, W_dkv, Wq_abs, Wo_abs = _general(862, B=3, T=5, d_model=8, n_heads=2, d_latent=6)
    expected = cross_checked(ref.mla_absorbed_attention(x, W_dkv, Wq_abs, Wo_abs, 7),
                             lambda: ref.mla_absorbed_attention_torch(x, W_dkv, Wq_abs, Wo_abs, 7))
    assert_allclose(_run(student, x, W_dkv, Wq_abs, Wo_abs, 7), expected, rtol=1e-6, atol=1e-9)


@points(1)
def test_scale_uses_head_dim(student):
    "The same weights with head_dim 2 and head_dim 9 give the two different, correct outputs."
    x, W_dkv, Wq_abs, Wo_abs = _general(863, B=2, T=4, d_model=7, n_heads=3, d_latent=5)
    for head_dim in (2, 9):
        expected = cross_checked(ref.mla_absorbed_attention(x, W_dkv, Wq_abs, Wo_abs, head_dim),
                                 lambda: ref.mla_absorbed_attention_torch(x, W_dkv, Wq_abs, Wo_abs, head_dim))
        assert_allclose(_run(student, x, W_dkv, Wq_abs, Wo_abs, head_dim), expected, rtol=1e-6, atol=1e-9)


@points(1)
def test_causal(student):
    "Changing the tokens from position 4 on leaves the outputs at positions 0-3 unchanged; both results are correct."
    x, W_dkv, Wq_abs, Wo_abs = _general(864, B=1, T=7, d_model=6, n_heads=4, d_latent=3)
    changed = x.copy()
    fresh = np.random.default_rng(8641)
    changed[:, 4:] = fresh.normal(size=(1, 3, 6))
    a = _run(student, x, W_dkv, Wq_abs, Wo_abs, 5)
    b = _run(student, changed, W_dkv, Wq_abs, Wo_abs, 5)
    assert_allclose(a[:, :4], b[:, :4], rtol=1e-9, atol=1e-12)
    assert_allclose(a, ref.mla_absorbed_attention(x, W_dkv, Wq_abs, Wo_abs, 5), rtol=1e-6, atol=1e-9)
    assert_allclose(b, ref.mla_absorbed_attention(changed, W_dkv, Wq_abs, Wo_abs, 5), rtol=1e-6, atol=1e-9)
