import numpy as np

from coursegrade import assert_allclose, points, question
from autograder.ps1 import reference as ref

pytestmark = question("marginal")


def joint(rng, shape):
    """A random joint table with every entry positive (a Dirichlet draw)."""
    return rng.dirichlet(np.ones(int(np.prod(shape)))).reshape(shape)


@points(2)
def test_two_variable_table_both_axes(student):
    "marginal(P, axis) sums a non-square joint table P(A, B) over the given axis, for axis 0 and axis 1."
    P = joint(np.random.default_rng(101), (4, 7))
    for axis in (0, 1):
        got = np.asarray(student.marginal(P, axis), dtype=float)
        want = ref.marginal(P, axis)
        assert got.shape == want.shape, f"axis={axis}: shape {got.shape}, expected {want.shape}"
        assert_allclose(got, want, rtol=1e-6, atol=1e-9, err_msg=f"axis={axis}")


@points(1)
def test_three_variable_table_and_negative_axis(student):
    "marginal works on a joint table of three variables, with a positive or a negative axis."
    P = joint(np.random.default_rng(102), (3, 5, 2))
    for axis in (1, -1, 0):
        got = np.asarray(student.marginal(P, axis), dtype=float)
        want = ref.marginal(P, axis)
        assert got.shape == want.shape, f"axis={axis}: shape {got.shape}, expected {want.shape}"
        assert_allclose(got, want, rtol=1e-6, atol=1e-9, err_msg=f"axis={axis}")


@points(1)
def test_marginal_is_a_distribution(student):
    "The marginal of a joint distribution is itself a distribution: non-negative, summing to one."
    rng = np.random.default_rng(103)
    for shape, axis in (((6, 3), 1), ((2, 9), 0), ((5, 4), 0)):
        P = joint(rng, shape)
        got = np.asarray(student.marginal(P, axis), dtype=float)
        assert got.shape == (shape[1 - axis],), f"shape {got.shape} for a {shape} table, axis={axis}"
        assert np.all(got >= 0)
        assert_allclose(np.sum(got), 1.0, rtol=0, atol=1e-6)
        # A distribution, and this table's: a uniform answer is a distribution too.
        assert_allclose(got, ref.marginal(P, axis), rtol=1e-6, atol=1e-9)
