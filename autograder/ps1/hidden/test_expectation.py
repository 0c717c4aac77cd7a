import numpy as np

from coursegrade import assert_allclose, points, question
from autograder.ps1 import reference as ref

pytestmark = question("expectation")


def as_number(got):
    """A returned number as a float (Python floats, numpy scalars and size-one arrays)."""
    got = np.asarray(got, dtype=float)
    assert got.size == 1, f"expected a single number, got shape {got.shape}"
    return float(got.reshape(()))


@points(1)
def test_probability_weighted_average(student):
    "expectation(values, probs) is the probability-weighted sum of the values, for non-uniform probabilities."
    rng = np.random.default_rng(401)
    for K in (7, 4):
        values = rng.normal(3.0, 5.0, size=K)
        probs = rng.dirichlet(np.full(K, 0.7))
        got = as_number(student.expectation(values, probs))
        assert_allclose(got, ref.expectation(values, probs), rtol=1e-6, atol=1e-9)


@points(1)
def test_point_mass_and_linearity(student):
    "A distribution with all its mass on one value has that value as expectation, and E[aX + b] = a E[X] + b."
    rng = np.random.default_rng(402)
    values = rng.uniform(-10, 10, size=6)
    probs = np.zeros(6)
    probs[4] = 1.0
    got = as_number(student.expectation(values, probs))
    assert_allclose(got, values[4], rtol=1e-6)

    probs = rng.dirichlet(np.ones(6))
    base = as_number(student.expectation(values, probs))
    moved = as_number(student.expectation(-2.5 * values + 40.0, probs))
    assert_allclose(moved, -2.5 * base + 40.0, rtol=1e-6, atol=1e-8)
    assert_allclose(base, ref.expectation(values, probs), rtol=1e-6, atol=1e-9)
