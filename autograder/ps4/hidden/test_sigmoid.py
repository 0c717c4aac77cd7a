import numpy as np
from coursegrade import assert_allclose, cross_checked, number, points, question
from autograder.ps4 import reference as ref

pytestmark = question("sigmoid")


def _array(got, shape):
    got = np.asarray(got, dtype=float)
    assert got.shape == shape, f"shape {got.shape}, expected {shape}"
    return got


@points(2)
def test_values_and_symmetry(student):
    "sigmoid works elementwise on a 2-D array of moderate logits, keeps its shape, satisfies sigmoid(-z) = 1 - sigmoid(z), and accepts a plain number."
    rng = np.random.default_rng(4501)
    z = rng.normal(scale=3.0, size=(4, 7))
    got = _array(student.sigmoid(z), z.shape)
    expected = cross_checked(ref.sigmoid(z), lambda: ref.sigmoid_torch(z))
    assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    assert_allclose(_array(student.sigmoid(-z), z.shape), 1.0 - expected, rtol=1e-11, atol=1e-15)
    assert_allclose(number(student.sigmoid(0.75)), ref.sigmoid(0.75), rtol=1e-12)


@points(2)
def test_extreme_logits(student):
    "For logits as large as +-1e4 sigmoid gives no nan or inf: exactly 1 far right, exactly 0 far left, 0.5 at 0."
    z = np.array([[-1e4, -800.0, -760.0, 0.0], [760.0, 800.0, 1e4, 37.5]])
    got = _array(student.sigmoid(z), z.shape)
    assert np.all(np.isfinite(got)), f"not finite: {got}"
    assert np.array_equal(got[0, :3], [0.0, 0.0, 0.0]), f"far-left values {got[0, :3]}"
    assert got[0, 3] == 0.5, f"sigmoid(0) = {got[0, 3]}"
    assert np.array_equal(got[1, :3], [1.0, 1.0, 1.0]), f"far-right values {got[1, :3]}"
    assert_allclose(got[1, 3], ref.sigmoid(37.5), rtol=1e-15)


@points(1)
def test_tiny_probabilities_keep_their_precision(student):
    "For very negative logits (down to -700) the tiny probabilities exp(z) / (1 + exp(z)) keep full relative precision instead of being rounded to 0."
    rng = np.random.default_rng(4502)
    z = -rng.uniform(30.0, 700.0, size=(3, 5))
    got = _array(student.sigmoid(z), z.shape)
    assert_allclose(got, cross_checked(ref.sigmoid(z), lambda: ref.sigmoid_torch(z)), rtol=1e-10, atol=0)
