import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps8 import reference as ref

pytestmark = question("multi_head_attention")


def _array(got, shape):
    got = np.asarray(got, dtype=float)
    assert got.shape == shape, f"shape {got.shape}, expected {shape}"
    return got


def _run(student, inputs, n_heads):
    x = inputs[0]
    return _array(student.multi_head_attention(*inputs, n_heads), x.shape)


@points(2)
def test_matches_torch_multihead_attention(student):
    "Equals torch.nn.MultiheadAttention (no biases, causal mask, weights copied): B=2, T=7, d_model=12, 4 heads of 3."
    inputs = ref.attention_inputs(821, B=2, T=7, d_model=12, n_heads=4, head_dim=3)
    expected = cross_checked(ref.multi_head_attention(*inputs, 4),
                             lambda: ref.multi_head_attention_torch_module(*inputs, 4))
    assert_allclose(_run(student, inputs, 4), expected, rtol=1e-6, atol=1e-9)


@points(2)
def test_heads_narrower_than_the_model(student):
    "n_heads * head_dim differs from d_model: B=3, T=5, d_model=7, 2 heads of 4."
    inputs = ref.attention_inputs(822, B=3, T=5, d_model=7, n_heads=2, head_dim=4)
    expected = cross_checked(ref.multi_head_attention(*inputs, 2),
                             lambda: ref.multi_head_attention_torch(*inputs, 2))
    assert_allclose(_run(student, inputs, 2), expected, rtol=1e-6, atol=1e-9)


@points(1)
def test_causal(student):
    "Changing the tokens from position 3 on leaves the outputs at positions 0-2 unchanged; both results are correct."
    x, Wq, Wk, Wv, Wo = ref.attention_inputs(823, B=2, T=6, d_model=10, n_heads=5, head_dim=3)
    changed = x.copy()
    fresh = np.random.default_rng(8231)
    changed[:, 3:] = fresh.normal(size=(2, 3, 10))
    a = _run(student, (x, Wq, Wk, Wv, Wo), 5)
    b = _run(student, (changed, Wq, Wk, Wv, Wo), 5)
    assert_allclose(a[:, :3], b[:, :3], rtol=1e-9, atol=1e-12)
    assert_allclose(a, ref.multi_head_attention(x, Wq, Wk, Wv, Wo, 5), rtol=1e-6, atol=1e-9)
    assert_allclose(b, ref.multi_head_attention(changed, Wq, Wk, Wv, Wo, 5), rtol=1e-6, atol=1e-9)


@points(1)
def test_heads_are_column_blocks(student):
    "Reordering the heads (the same blocks of columns of Wq, Wk, Wv and rows of Wo) does not change the output."
    x, Wq, Wk, Wv, Wo = ref.attention_inputs(824, B=1, T=5, d_model=9, n_heads=3, head_dim=4)
    order = np.concatenate([np.arange(h * 4, (h + 1) * 4) for h in (2, 0, 1)])
    got = _run(student, (x, Wq, Wk, Wv, Wo), 3)
    permuted = _run(student, (x, Wq[:, order], Wk[:, order], Wv[:, order], Wo[order]), 3)
    assert_allclose(permuted, got, rtol=1e-9, atol=1e-12)
    assert_allclose(got, ref.multi_head_attention(x, Wq, Wk, Wv, Wo, 3), rtol=1e-6, atol=1e-9)


@points(1)
def test_stable_for_large_activations(student):
    "Inputs 30 times larger (scores in the thousands) give finite, correct outputs."
    inputs = ref.attention_inputs(825, B=2, T=4, d_model=6, n_heads=3, head_dim=5, scale=30.0)
    got = _run(student, inputs, 3)
    assert np.all(np.isfinite(got)), got
    assert_allclose(got, ref.multi_head_attention(*inputs, 3), rtol=1e-6, atol=1e-9)
