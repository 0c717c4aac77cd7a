import numpy as np
from coursegrade import assert_allclose, cross_checked, number, points, question
from autograder.ps2 import reference as ref

pytestmark = question("binary_cross_entropy_with_logits")


@points(2)
def test_matches_reference(student):
    "binary_cross_entropy_with_logits(z, y) on random logits and 0/1 labels."
    rng = np.random.default_rng(301)
    z = rng.normal(scale=3.0, size=9)
    y = rng.integers(0, 2, size=9).astype(float)
    got = number(student.binary_cross_entropy_with_logits(z, y))
    expected = cross_checked(ref.binary_cross_entropy_with_logits(z, y),
                             lambda: ref.binary_cross_entropy_with_logits_torch(z, y))
    assert_allclose(got, expected, rtol=1e-6)


@points(1)
def test_stable_for_huge_logits(student):
    "The loss stays finite and exact for logits up to +-1e4, predicted right or wrong."
    z = np.array([1e4, -1e4, 1e4, -1e4, 800.0, -800.0, 40.0, -35.0])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0])
    got = number(student.binary_cross_entropy_with_logits(z, y))
    assert np.isfinite(got), got
    assert_allclose(got, ref.binary_cross_entropy_with_logits(z, y), rtol=1e-6)


@points(1)
def test_mean_over_samples(student):
    "The loss is a mean over samples: repeating the batch three times does not change it."
    rng = np.random.default_rng(303)
    z = rng.normal(scale=2.0, size=5)
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    once = number(student.binary_cross_entropy_with_logits(z, y))
    thrice = number(student.binary_cross_entropy_with_logits(np.tile(z, 3), np.tile(y, 3)))
    assert_allclose(thrice, once, rtol=1e-6)
    assert_allclose(once, ref.binary_cross_entropy_with_logits(z, y), rtol=1e-6)


@points(1)
def test_label_symmetry(student):
    "Flipping both the sign of the logits and the labels gives the same loss."
    rng = np.random.default_rng(304)
    z = rng.normal(scale=4.0, size=7)
    y = rng.integers(0, 2, size=7).astype(float)
    y[:2] = [0.0, 1.0]
    a = number(student.binary_cross_entropy_with_logits(z, y))
    b = number(student.binary_cross_entropy_with_logits(-z, 1.0 - y))
    assert_allclose(a, b, rtol=1e-6)
    assert_allclose(a, ref.binary_cross_entropy_with_logits(z, y), rtol=1e-6)
