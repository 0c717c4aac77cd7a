import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps8 import reference as ref

pytestmark = question("scaled_dot_product_attention")


def _array(got, shape):
    got = np.asarray(got, dtype=float)
    assert got.shape == shape, f"shape {got.shape}, expected {shape}"
    return got


def _expected(Q, K, V, mask=None):
    return cross_checked(ref.scaled_dot_product_attention(Q, K, V, mask),
                         lambda: ref.scaled_dot_product_attention_torch(Q, K, V, mask))


def _random_mask(rng, shape, keep=0.6):
    """A boolean mask that is not causal, with at least one allowed key per query."""
    mask = rng.random(shape) < keep
    mask[~mask.any(axis=-1), -1] = True
    return mask


@points(2)
def test_matches_torch_without_mask(student):
    "Q (T_q, d_k), K (T_k, d_k), V (T_k, d_v) with T_q, T_k, d_k and d_v all different, no mask."
    rng = np.random.default_rng(801)
    Q, K, V = rng.normal(size=(5, 3)) * 1.5, rng.normal(size=(7, 3)) * 1.5, rng.normal(size=(7, 4))
    got = _array(student.scaled_dot_product_attention(Q, K, V), (5, 4))
    assert_allclose(got, _expected(Q, K, V), rtol=1e-6, atol=1e-9)


@points(1)
def test_batched_heads_with_a_mask(student):
    "Q (B, H, T_q, d_k) with a non-causal boolean mask of shape (T_q, T_k), and one of shape (B, 1, T_q, T_k)."
    rng = np.random.default_rng(802)
    Q, K, V = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(2, 3, 6, 5)), rng.normal(size=(2, 3, 6, 7))
    mask = _random_mask(rng, (4, 6))
    got = _array(student.scaled_dot_product_attention(Q, K, V, mask), (2, 3, 4, 7))
    assert_allclose(got, _expected(Q, K, V, mask), rtol=1e-6, atol=1e-9)
    mask = rng.random((2, 1, 4, 6)) < 0.6
    mask[..., 5] = True
    got = _array(student.scaled_dot_product_attention(Q, K, V, mask), (2, 3, 4, 7))
    assert_allclose(got, _expected(Q, K, V, mask), rtol=1e-6, atol=1e-9)


@points(1)
def test_masked_keys_have_no_influence(student):
    "Changing the keys and values of masked positions changes nothing; the result is correct."
    rng = np.random.default_rng(803)
    Q, K, V = rng.normal(size=(5, 3)) * 1.5, rng.normal(size=(8, 3)) * 1.5, rng.normal(size=(8, 2))
    mask = rng.random((5, 8)) < 0.7
    mask[:, [2, 5]] = False                 # keys 2 and 5 are hidden from every query
    mask[:, 0] = True
    got = _array(student.scaled_dot_product_attention(Q, K, V, mask), (5, 2))
    assert_allclose(got, _expected(Q, K, V, mask), rtol=1e-6, atol=1e-9)
    K2, V2 = K.copy(), V.copy()
    K2[[2, 5]] = rng.normal(size=(2, 3)) * 5
    V2[[2, 5]] = rng.normal(size=(2, 2)) * 5
    again = _array(student.scaled_dot_product_attention(Q, K2, V2, mask), (5, 2))
    assert_allclose(again, got, rtol=1e-9, atol=1e-12)


@points(1)
def test_fully_masked_rows_give_zeros(student):
    "A query that may attend no key gets a zero output; the other queries are unaffected."
    rng = np.random.default_rng(804)
    Q, K, V = rng.normal(size=(6, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 3)) + 2.0
    mask = rng.random((6, 5)) < 0.6
    mask[:, 3] = True
    mask[[1, 4]] = False
    got = _array(student.scaled_dot_product_attention(Q, K, V, mask), (6, 3))
    assert np.all(np.isfinite(got)), got
    assert_allclose(got[[1, 4]], 0.0, atol=1e-12)
    assert_allclose(got, _expected(Q, K, V, mask), rtol=1e-6, atol=1e-9)


@points(1)
def test_stable_for_huge_scores(student):
    "Scores of the order of 1e3 to 1e4, with and without a mask, give finite, correct outputs."
    rng = np.random.default_rng(805)
    Q, K, V = rng.normal(size=(4, 6)) * 50, rng.normal(size=(7, 6)) * 50, rng.normal(size=(7, 5))
    got = _array(student.scaled_dot_product_attention(Q, K, V), (4, 5))
    assert np.all(np.isfinite(got)), got
    assert_allclose(got, _expected(Q, K, V), rtol=1e-6, atol=1e-9)
    mask = np.tril(np.ones((4, 7), dtype=bool), k=2)
    got = _array(student.scaled_dot_product_attention(Q, K, V, mask), (4, 5))
    assert np.all(np.isfinite(got)), got
    assert_allclose(got, _expected(Q, K, V, mask), rtol=1e-6, atol=1e-9)


@points(1)
def test_leading_dimension_is_a_batch(student):
    "3-D inputs (B, T, d): each batch element attends on its own, here with a causal mask."
    rng = np.random.default_rng(806)
    Q, K, V = rng.normal(size=(3, 6, 4)), rng.normal(size=(3, 6, 4)), rng.normal(size=(3, 6, 5))
    mask = np.tril(np.ones((6, 6), dtype=bool))
    got = _array(student.scaled_dot_product_attention(Q, K, V, mask), (3, 6, 5))
    assert_allclose(got, _expected(Q, K, V, mask), rtol=1e-6, atol=1e-9)
    one = _array(student.scaled_dot_product_attention(Q[2], K[2], V[2], mask), (6, 5))
    assert_allclose(got[2], one, rtol=1e-9, atol=1e-12)
