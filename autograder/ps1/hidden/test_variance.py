import numpy as np

from coursegrade import assert_allclose, points, question
from autograder.ps1 import reference as ref

pytestmark = question("variance")


def as_number(got):
    """A returned number as a float (Python floats, numpy scalars and size-one arrays)."""
    got = np.asarray(got, dtype=float)
    assert got.size == 1, f"expected a single number, got shape {got.shape}"
    return float(got.reshape(()))


@points(1)
def test_matches_definition(student):
    "variance(values, probs) is E[(X - E[X])^2] under the given non-uniform probabilities."
    rng = np.random.default_rng(501)
    for K in (9, 5):
        values = rng.normal(1.0, 4.0, size=K)
        probs = rng.dirichlet(np.full(K, 0.8))
        got = as_number(student.variance(values, probs))
        assert_allclose(got, ref.variance(values, probs), rtol=1e-6, atol=1e-9)


@points(1)
def test_shift_and_scale(student):
    "Var[aX + b] = a^2 Var[X]: adding a constant changes nothing, scaling multiplies by the square."
    rng = np.random.default_rng(502)
    values = rng.uniform(-3, 3, size=8)
    probs = rng.dirichlet(np.ones(8))
    want = ref.variance(values, probs)
    shifted = as_number(student.variance(values + 100.0, probs))
    scaled = as_number(student.variance(-3.0 * values, probs))
    assert_allclose(shifted, want, rtol=1e-6, atol=1e-9)
    assert_allclose(scaled, 9.0 * want, rtol=1e-6, atol=1e-9)


@points(1)
def test_point_mass_and_two_point_distribution(student):
    "A point mass has variance zero; a two-point distribution has the variance of its definition."
    values = np.array([-4.0, 2.5, 7.0, 11.0])
    probs = np.array([0.0, 0.0, 1.0, 0.0])
    got = as_number(student.variance(values, probs))
    assert_allclose(got, 0.0, atol=1e-9)
    probs = np.array([0.25, 0.0, 0.0, 0.75])
    got = as_number(student.variance(values, probs))
    assert_allclose(got, ref.variance(values, probs), rtol=1e-6, atol=1e-9)


@points(1)
def test_values_far_from_zero(student):
    "Values far from zero (1e8 plus a spread of order one): centre before squaring, since E[X^2] - E[X]^2 loses every digit there."
    values = 1e8 + np.array([0.0, 1.0])
    got = as_number(student.variance(values, np.array([0.5, 0.5])))
    assert_allclose(got, 0.25, rtol=1e-6)
    rng = np.random.default_rng(504)
    for offset in (1e8, -3e9):
        values = offset + rng.uniform(0, 2, size=7)
        probs = rng.dirichlet(np.ones(7))
        got = as_number(student.variance(values, probs))
        assert_allclose(got, ref.variance(values, probs), rtol=1e-6, err_msg=f"offset {offset}")
