import functools

import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps2 import reference as ref

pytestmark = question("cross_entropy_grad")


def _array(got, shape):
    got = np.asarray(got, dtype=float)
    assert got.shape == shape, f"shape {got.shape}, expected {shape}"
    return got


@points(2)
def test_matches_autograd(student):
    "cross_entropy_grad(logits, labels) is the gradient of the mean loss for a random batch (N, C)."
    rng = np.random.default_rng(291)
    logits = rng.normal(scale=2.0, size=(5, 4))
    labels = rng.integers(0, 4, size=5)
    got = _array(student.cross_entropy_grad(logits, labels), logits.shape)
    expected = cross_checked(ref.cross_entropy_grad(logits, labels),
                             lambda: ref.cross_entropy_grad_torch(logits, labels))
    assert_allclose(got, expected, rtol=1e-5, atol=1e-8)


@points(1)
def test_matches_numerical_gradient(student):
    "The gradient agrees with centred finite differences of the loss."
    logits, labels, numeric = _finite_differences()
    got = _array(student.cross_entropy_grad(logits, labels), logits.shape)
    assert_allclose(got, numeric, rtol=1e-4, atol=1e-7)


@functools.cache  # the same for every submission (the engine cannot memoise a lambda argument)
def _finite_differences():
    rng = np.random.default_rng(292)
    logits = rng.normal(scale=1.5, size=(3, 6))
    labels = np.array([5, 0, 2])
    return logits, labels, ref.numerical_gradient(lambda z: ref.cross_entropy_loss(z, labels), logits)


@points(1)
def test_rows_sum_to_zero(student):
    "Each row of the gradient sums to zero, and only the true class has a negative entry."
    rng = np.random.default_rng(293)
    logits = rng.normal(scale=2.0, size=(7, 5))
    labels = rng.integers(0, 5, size=7)
    got = _array(student.cross_entropy_grad(logits, labels), logits.shape)
    assert_allclose(got.sum(axis=1), 0.0, atol=1e-6)
    onehot = np.eye(5, dtype=bool)[labels]
    assert np.all(got[onehot] < 0) and np.all(got[~onehot] > 0), got


@points(1)
def test_stable_for_huge_logits(student):
    "The gradient stays finite and correct for logits as large as +-1e4."
    rng = np.random.default_rng(294)
    logits = rng.normal(size=(6, 3)) * 1e4
    logits[0] = [1e4, 1e4, 1e4]
    labels = rng.integers(0, 3, size=6)
    got = _array(student.cross_entropy_grad(logits, labels), logits.shape)
    assert np.all(np.isfinite(got)), got
    # Loose: float64 logits of 1e4 carry only about 1e-3 precision in float32.
    assert_allclose(got, ref.cross_entropy_grad(logits, labels), atol=2e-3 / 6)


@points(1)
def test_scales_with_batch_size(student):
    "Because the loss is a mean, repeating the batch twice halves each entry of the gradient."
    rng = np.random.default_rng(295)
    logits = rng.normal(scale=2.0, size=(4, 7))
    labels = rng.integers(0, 7, size=4)
    once = _array(student.cross_entropy_grad(logits, labels), logits.shape)
    twice = _array(student.cross_entropy_grad(np.vstack([logits, logits]), np.concatenate([labels, labels])),
                   (8, 7))
    assert_allclose(twice, np.vstack([once, once]) / 2, rtol=1e-6, atol=1e-10)
    assert_allclose(once, ref.cross_entropy_grad(logits, labels), rtol=1e-5, atol=1e-8)
