import numpy as np
from coursegrade import assert_allclose, points, question
from autograder.ps2 import reference as ref

pytestmark = question("log_softmax")


def _array(got, shape):
    got = np.asarray(got, dtype=float)
    assert got.shape == shape, f"shape {got.shape}, expected {shape}"
    return got


@points(1)
def test_rows_of_a_matrix(student):
    "log_softmax(z) of an (N, C) matrix of logits, over the last axis."
    rng = np.random.default_rng(261)
    z = rng.normal(scale=3.0, size=(4, 9))
    assert_allclose(_array(student.log_softmax(z), z.shape), ref.log_softmax(z), rtol=1e-5, atol=1e-6)


@points(1)
def test_axis_argument(student):
    "log_softmax(z, axis) works along the requested axis of 2-D and 3-D arrays, and on 1-D vectors."
    rng = np.random.default_rng(262)
    z = rng.normal(scale=2.0, size=(7, 3))
    assert_allclose(_array(student.log_softmax(z, 0), z.shape), ref.log_softmax(z, 0),
                               rtol=1e-5, atol=1e-6)
    z = rng.normal(scale=2.0, size=(2, 5, 6))
    assert_allclose(_array(student.log_softmax(z, 1), z.shape), ref.log_softmax(z, 1),
                               rtol=1e-5, atol=1e-6)
    z = rng.normal(scale=2.0, size=8)
    assert_allclose(_array(student.log_softmax(z), z.shape), ref.log_softmax(z), rtol=1e-5, atol=1e-6)


@points(1)
def test_stable_for_huge_logits(student):
    "log_softmax stays finite and accurate for logits as large as +-1e4."
    rng = np.random.default_rng(263)
    z = rng.normal(size=(5, 6)) * 1e4
    z[0] = 1e4
    z[1] = -1e4
    got = _array(student.log_softmax(z), z.shape)
    assert np.all(np.isfinite(got)), got
    # Loose absolute tolerance: float64 logits of 1e4 carry only about 1e-3 precision in float32.
    assert_allclose(got, ref.log_softmax(z), rtol=1e-6, atol=2e-3)


@points(1)
def test_keeps_tiny_probabilities(student):
    "Log-probabilities stay finite and exact even where the probability itself underflows to zero."
    z = np.array([[0.0, -800.0, -1500.0, -20.0],
                  [3.0, 2.0, -900.0, 1.0],
                  [-1200.0, 0.5, 0.25, -700.0]])
    got = _array(student.log_softmax(z), z.shape)
    assert np.all(np.isfinite(got)), got
    assert_allclose(got, ref.log_softmax(z), rtol=1e-6, atol=1e-5)


@points(1)
def test_exponentials_sum_to_one(student):
    "exp(log_softmax(z)) sums to one and no entry is positive, also for rows shifted by a large constant."
    rng = np.random.default_rng(265)
    z = rng.normal(scale=2.0, size=(6, 5)) + rng.uniform(-900, 900, size=(6, 1))
    got = _array(student.log_softmax(z), z.shape)
    assert np.all(got <= 1e-6), got
    assert_allclose(np.exp(got).sum(axis=-1), 1.0, rtol=1e-5)
