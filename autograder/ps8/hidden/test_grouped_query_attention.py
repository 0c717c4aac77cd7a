import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps8 import reference as ref

pytestmark = question("grouped_query_attention")


def _run(student, inputs, n_heads, n_kv_heads):
    x = inputs[0]
    got = np.asarray(student.grouped_query_attention(*inputs, n_heads, n_kv_heads), dtype=float)
    assert got.shape == x.shape, f"shape {got.shape}, expected {x.shape}"
    return got


def _expected(inputs, n_heads, n_kv_heads):
    return cross_checked(ref.grouped_query_attention(*inputs, n_heads, n_kv_heads),
                         lambda: ref.grouped_query_attention_torch(*inputs, n_heads, n_kv_heads))


@points(2)
def test_groups_of_three(student):
    "6 query heads sharing 2 KV heads (groups of 3), as torch's enable_gqa: B=3, T=5, d_model=7, head_dim=4."
    inputs = ref.attention_inputs(831, B=3, T=5, d_model=7, n_heads=6, head_dim=4, n_kv_heads=2)
    assert_allclose(_run(student, inputs, 6, 2), _expected(inputs, 6, 2), rtol=1e-6, atol=1e-9)


@points(1)
def test_groups_of_two(student):
    "6 query heads sharing 3 KV heads (groups of 2): B=2, T=4, d_model=9, head_dim=5."
    inputs = ref.attention_inputs(832, B=2, T=4, d_model=9, n_heads=6, head_dim=5, n_kv_heads=3)
    assert_allclose(_run(student, inputs, 6, 3), _expected(inputs, 6, 3), rtol=1e-6, atol=1e-9)


@points(1)
def test_multi_query(student):
    "n_kv_heads = 1 (multi-query attention): B=2, T=6, d_model=5, 4 query heads of 3."
    inputs = ref.attention_inputs(833, B=2, T=6, d_model=5, n_heads=4, head_dim=3, n_kv_heads=1)
    assert_allclose(_run(student, inputs, 4, 1), _expected(inputs, 4, 1), rtol=1e-6, atol=1e-9)


@points(1)
def test_as_many_kv_heads_as_query_heads_is_mha(student):
    "n_kv_heads = n_heads is multi-head attention: B=2, T=3, d_model=7, 4 heads of 5."
    inputs = ref.attention_inputs(834, B=2, T=3, d_model=7, n_heads=4, head_dim=5)
    expected = cross_checked(ref.multi_head_attention(*inputs, 4), lambda: ref.multi_head_attention_torch(*inputs, 4))
    assert_allclose(_run(student, inputs, 4, 4), expected, rtol=1e-6, atol=1e-9)


@points(1)
def test_causal(student):
    "Changing the tokens from position 4 on leaves the outputs at positions 0-3 unchanged; both results are correct."
    x, Wq, Wk, Wv, Wo = ref.attention_inputs(835, B=1, T=7, d_model=8, n_heads=4, head_dim=3, n_kv_heads=2)
    changed = x.copy()
    fresh = np.random.default_rng(8351)
    changed[:, 4:] = fresh.normal(size=(1, 3, 8))
    a = _run(student, (x, Wq, Wk, Wv, Wo), 4, 2)
    b = _run(student, (changed, Wq, Wk, Wv, Wo), 4, 2)
    assert_allclose(a[:, :4], b[:, :4], rtol=1e-9, atol=1e-12)
    assert_allclose(a, ref.grouped_query_attention(x, Wq, Wk, Wv, Wo, 4, 2), rtol=1e-6, atol=1e-9)
    assert_allclose(b, ref.grouped_query_attention(changed, Wq, Wk, Wv, Wo, 4, 2), rtol=1e-6, atol=1e-9)
