import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps8 import reference as ref

pytestmark = question("lora_merge")


def _inputs(seed, d_in, d_out, r):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(d_in, d_out)) / np.sqrt(d_in), rng.normal(size=(d_in, r)) / np.sqrt(d_in),
            rng.normal(size=(r, d_out)) * 0.5)


def _run(student, W, A, B, alpha, r):
    got = np.asarray(student.lora_merge(W, A, B, alpha, r), dtype=float)
    assert got.shape == W.shape, f"shape {got.shape}, expected {W.shape}"
    return got


@points(2)
def test_values(student):
    "The merged weight for W (6, 5), rank 2, alpha 12, against the torch layers applied to the identity."
    W, A, B = _inputs(901, 6, 5, 2)
    expected = cross_checked(ref.lora_merge(W, A, B, 12, 2), lambda: ref.lora_forward_torch(np.eye(6), W, A, B, 12, 2))
    assert_allclose(_run(student, W, A, B, 12, 2), expected, rtol=1e-7, atol=1e-10)


@points(1)
def test_merged_equals_unmerged(student):
    "x @ merged equals the unmerged adapted layer for x (2, 3, 7): W (7, 4), rank 3, alpha 8."
    W, A, B = _inputs(902, 7, 4, 3)
    fresh = np.random.default_rng(9021)
    x = fresh.normal(size=(2, 3, 7))
    merged = _run(student, W, A, B, 8, 3)
    assert_allclose(x @ merged, ref.lora_forward(x, W, A, B, 8, 3), rtol=1e-7, atol=1e-10)


@points(1)
def test_low_rank_update(student):
    "B = 0 gives W back; otherwise the update (merged - W) is correct and has rank r = 2: W (8, 7)."
    W, A, B = _inputs(903, 8, 7, 2)
    assert_allclose(_run(student, W, A, np.zeros_like(B), 16, 2), W, rtol=1e-12, atol=1e-12)
    merged = _run(student, W, A, B, 16, 2)
    assert np.linalg.matrix_rank(merged - W, tol=1e-8) == 2
    assert_allclose(merged, ref.lora_merge(W, A, B, 16, 2), rtol=1e-7, atol=1e-10)


@points(1)
def test_scale_alpha_over_r(student):
    "alpha = r (scale 1) and alpha = r / 2 (scale 1/2), rank 4: W (9, 5)."
    W, A, B = _inputs(904, 9, 5, 4)
    assert_allclose(_run(student, W, A, B, 4, 4), W + A @ B, rtol=1e-7, atol=1e-10)
    assert_allclose(_run(student, W, A, B, 2, 4), ref.lora_merge(W, A, B, 2, 4), rtol=1e-7, atol=1e-10)
