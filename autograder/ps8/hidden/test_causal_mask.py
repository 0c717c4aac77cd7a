import numpy as np
from coursegrade import assert_allclose, points, question
from autograder.ps8 import reference as ref

pytestmark = question("causal_mask")


def _mask(got, T):
    got = np.asarray(got)
    assert got.shape == (T, T), f"shape {got.shape}, expected {(T, T)}"
    values = got.astype(float)
    assert np.all((values == 0) | (values == 1)), "not a 0/1 (boolean) mask"
    return values.astype(bool)


@points(2)
def test_lower_triangle_with_diagonal(student):
    "causal_mask(T) for several T is True exactly on and below the diagonal."
    for T in (1, 2, 5, 8):
        got = _mask(student.causal_mask(T), T)
        assert np.array_equal(got, ref.causal_mask(T)), (T, got)


@points(1)
def test_gives_causal_attention(student):
    "Used as the mask of attention, causal_mask(7) lets each token see itself and the tokens before it."
    rng = np.random.default_rng(811)
    Q, K, V = rng.normal(size=(3, 7, 4)), rng.normal(size=(3, 7, 4)), rng.normal(size=(3, 7, 5))
    got = _mask(student.causal_mask(7), 7)
    expected = ref.scaled_dot_product_attention(Q, K, V, ref.causal_mask(7))
    assert_allclose(ref.scaled_dot_product_attention(Q, K, V, got), expected, rtol=1e-12, atol=1e-12)
