import numpy as np
from coursegrade import assert_allclose, points, question
from autograder.ps2 import reference as ref

pytestmark = question("softmax")


def _array(got, shape):
    got = np.asarray(got, dtype=float)
    assert got.shape == shape, f"shape {got.shape}, expected {shape}"
    return got


@points(1)
def test_rows_of_a_matrix(student):
    "softmax(z) of an (N, C) matrix of logits, over the last axis."
    rng = np.random.default_rng(251)
    z = rng.normal(scale=3.0, size=(5, 7))
    assert_allclose(_array(student.softmax(z), z.shape), ref.softmax(z), rtol=1e-5, atol=1e-10)


@points(1)
def test_axis_argument(student):
    "softmax(z, axis) normalises along the requested axis of 2-D and 3-D arrays."
    rng = np.random.default_rng(252)
    z = rng.normal(scale=2.0, size=(6, 4))
    assert_allclose(_array(student.softmax(z, 0), z.shape), ref.softmax(z, 0), rtol=1e-5, atol=1e-10)
    z = rng.normal(scale=2.0, size=(3, 5, 4))
    assert_allclose(_array(student.softmax(z, 1), z.shape), ref.softmax(z, 1), rtol=1e-5, atol=1e-10)


@points(1)
def test_single_vector(student):
    "softmax of a 1-D vector of logits."
    rng = np.random.default_rng(253)
    z = rng.normal(scale=4.0, size=9)
    assert_allclose(_array(student.softmax(z), z.shape), ref.softmax(z), rtol=1e-5, atol=1e-10)


@points(1)
def test_stable_for_huge_logits(student):
    "softmax stays finite and each row sums to one for logits as large as +-1e4."
    rng = np.random.default_rng(254)
    z = rng.normal(size=(6, 5)) * 1e4
    z[0] = 1e4            # all equal and huge
    z[1] = -1e4           # all equal and hugely negative
    z[2] = [1e4, 1e4 - 3.0, -1e4, 0.0, 1e4 - 1.0]
    got = _array(student.softmax(z), z.shape)
    assert np.all(np.isfinite(got)), got
    assert_allclose(got.sum(axis=-1), 1.0, rtol=1e-6)
    # Loose: float64 logits of 1e4 carry only about 1e-3 absolute precision in float32.
    assert_allclose(got, ref.softmax(z), atol=2e-3)


@points(1)
def test_shift_invariance(student):
    "Adding a constant to every logit of a row (here up to +-800) does not change its softmax."
    rng = np.random.default_rng(255)
    z = rng.normal(scale=2.0, size=(4, 6))
    shifted = z + rng.uniform(-800, 800, size=(4, 1))
    got = _array(student.softmax(shifted), z.shape)
    assert_allclose(got, ref.softmax(z), rtol=1e-3, atol=1e-8)
