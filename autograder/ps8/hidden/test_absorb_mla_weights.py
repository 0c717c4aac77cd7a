import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps8 import reference as ref

pytestmark = question("absorb_mla_weights")


def _absorbed(student, Wq, W_uk, W_uv, Wo, n_heads):
    result = student.absorb_mla_weights(Wq, W_uk, W_uv, Wo, n_heads)
    assert isinstance(result, (tuple, list)) and len(result) == 2, type(result)
    d_model, d_latent = Wq.shape[0], W_uk.shape[0]
    Wq_abs, Wo_abs = (np.asarray(a, dtype=float) for a in result)
    assert Wq_abs.shape == (n_heads, d_model, d_latent), Wq_abs.shape
    assert Wo_abs.shape == (n_heads, d_latent, d_model), Wo_abs.shape
    return Wq_abs, Wo_abs


@points(2)
def test_values(student):
    "Both stacks of absorbed weights, for d_model=10, 3 heads of 4 and a latent of 5."
    _, Wq, _, W_uk, W_uv, Wo = ref.mla_inputs(851, B=1, T=1, d_model=10, n_heads=3, head_dim=4, d_latent=5)
    expected = cross_checked(ref.absorb_mla_weights(Wq, W_uk, W_uv, Wo, 3),
                             lambda: ref.absorb_mla_weights_loops(Wq, W_uk, W_uv, Wo, 3))
    Wq_abs, Wo_abs = _absorbed(student, Wq, W_uk, W_uv, Wo, 3)
    assert_allclose(Wq_abs, expected[0], rtol=1e-9, atol=1e-12)
    assert_allclose(Wo_abs, expected[1], rtol=1e-9, atol=1e-12)


@points(1)
def test_bilinear_identities(student):
    "For every head, u @ Wq_absorbed[h] @ c is the score of the query u @ Wq_h against the key c @ W_uk_h, and c @ Wo_absorbed[h] is (c @ W_uv_h) @ Wo_h."
    rng = np.random.default_rng(852)
    _, Wq, _, W_uk, W_uv, Wo = ref.mla_inputs(852, B=1, T=1, d_model=9, n_heads=4, head_dim=2, d_latent=6)
    Wq_abs, Wo_abs = _absorbed(student, Wq, W_uk, W_uv, Wo, 4)
    u, c = rng.normal(size=9), rng.normal(size=6)
    for h in range(4):
        cols = slice(2 * h, 2 * h + 2)
        assert_allclose(u @ Wq_abs[h] @ c, (u @ Wq[:, cols]) @ (c @ W_uk[:, cols]), rtol=1e-9, atol=1e-12)
        assert_allclose(c @ Wo_abs[h], (c @ W_uv[:, cols]) @ Wo[cols], rtol=1e-9, atol=1e-12)


@points(1)
def test_absorbed_attention_equals_mla(student):
    "Your absorbed weights, used by attention on the latents, reproduce MLA: B=2, T=5, d_model=7, 3 heads of 4, latent 6."
    x, Wq, W_dkv, W_uk, W_uv, Wo = ref.mla_inputs(853, B=2, T=5, d_model=7, n_heads=3, head_dim=4, d_latent=6)
    Wq_abs, Wo_abs = _absorbed(student, Wq, W_uk, W_uv, Wo, 3)
    assert_allclose(ref.mla_absorbed_attention(x, W_dkv, Wq_abs, Wo_abs, 4),
                    ref.multi_head_latent_attention(x, Wq, W_dkv, W_uk, W_uv, Wo, 3), rtol=1e-6, atol=1e-9)
