import numpy as np

from coursegrade import assert_allclose, points, question
from autograder.ps1 import reference as ref

pytestmark = question("map_bernoulli")

TOL = 1e-6  # the MAP is a root of a cubic: a 0.01-step grid search is not enough


def as_number(got):
    """A returned number as a float (Python floats, numpy scalars and size-one arrays)."""
    got = np.asarray(got, dtype=float)
    assert got.size == 1, f"expected a single number, got shape {got.shape}"
    return float(got.reshape(()))


@points(2)
def test_coin_example_with_default_prior(student):
    "The coin example of the lesson: 7 of 10 and 700 of 1000 heads with the default prior (mean 0.5, standard deviation 0.1)."
    for heads, n in ((7, 10), (700, 1000)):
        got = as_number(student.map_bernoulli(heads, n))
        assert_allclose(got, ref.map_bernoulli(heads, n), rtol=0, atol=TOL,
                                   err_msg=f"{heads} of {n}")


@points(2)
def test_other_priors_and_data(student):
    "map_bernoulli maximises log-likelihood plus log-prior for random counts and random prior means and standard deviations."
    rng = np.random.default_rng(1002)
    for _ in range(6):
        n = int(rng.integers(5, 400))
        heads = int(rng.integers(1, n))
        mu0 = float(rng.uniform(0.15, 0.85))
        sigma0 = float(rng.uniform(0.03, 0.4))
        got = as_number(student.map_bernoulli(heads, n, mu0, sigma0))
        assert_allclose(got, ref.map_bernoulli(heads, n, mu0, sigma0), rtol=0, atol=TOL,
                                   err_msg=f"{heads} of {n}, mu0={mu0}, sigma0={sigma0}")


@points(1)
def test_very_wide_and_very_narrow_priors_and_much_data(student):
    "A very wide prior lets the data decide, a very narrow one pins theta near its mean, and a million flips overwhelm the prior."
    cases = [(13, 40, 0.5, 50.0), (13, 40, 0.62, 0.002), (3, 1000, 0.5, 0.1),
             (612_345, 1_000_000, 0.2, 0.05)]
    for heads, n, mu0, sigma0 in cases:
        got = as_number(student.map_bernoulli(heads, n, mu0=mu0, sigma0=sigma0))
        assert_allclose(got, ref.map_bernoulli(heads, n, mu0, sigma0), rtol=0, atol=TOL,
                                   err_msg=f"{heads} of {n}, mu0={mu0}, sigma0={sigma0}")


@points(1)
def test_all_heads_or_all_tails(student):
    "With all heads or all tails in a few flips, the prior keeps the MAP strictly inside (0, 1)."
    for heads, n in ((0, 10), (10, 10), (0, 4)):
        got = as_number(student.map_bernoulli(heads, n))
        assert 0.0 < got < 1.0, f"{heads} of {n}: {got}"
        assert_allclose(got, ref.map_bernoulli(heads, n), rtol=0, atol=TOL,
                                   err_msg=f"{heads} of {n}")


@points(1)
def test_maximum_on_the_boundary(student):
    "With no heads (or only heads) in enough flips, the derivative has no zero in (0, 1): the maximum over [0, 1] is exactly 0 (or 1)."
    # heads = 0 puts the maximum at 0 once n >= mu0 / sigma0**2; heads = n at 1 once n >= (1 - mu0) / sigma0**2.
    cases = [(0, 80, 0.5, 0.1), (200, 200, 0.5, 0.1), (0, 50, 0.1, 0.05), (40, 40, 0.7, 0.1),
             (0, 30, 0.1, 0.05), (25, 25, 0.7, 0.1)]  # the last two stay inside (0, 1)
    for heads, n, mu0, sigma0 in cases:
        got = as_number(student.map_bernoulli(heads, n, mu0, sigma0))
        assert_allclose(got, ref.map_bernoulli(heads, n, mu0, sigma0), rtol=0, atol=TOL,
                        err_msg=f"{heads} of {n}, mu0={mu0}, sigma0={sigma0}")
