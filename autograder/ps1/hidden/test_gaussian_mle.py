import numpy as np

from coursegrade import assert_allclose, points, question
from autograder.ps1 import reference as ref

pytestmark = question("gaussian_mle")


def as_number(got):
    """A returned number as a float (Python floats, numpy scalars and size-one arrays)."""
    got = np.asarray(got, dtype=float)
    assert got.size == 1, f"expected a single number, got shape {got.shape}"
    return float(got.reshape(()))


def as_pair(got):
    """The returned (mu, var) as two floats (a tuple, a list or an array of two numbers)."""
    if isinstance(got, np.ndarray):
        got = list(got.reshape(-1))
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"expected a pair (mu, var), got {got!r}"
    return as_number(got[0]), as_number(got[1])


@points(2)
def test_matches_maximum_likelihood_estimates(student):
    "gaussian_mle(x) returns the maximum-likelihood (mu, var) of a Gaussian for random samples of different sizes."
    rng = np.random.default_rng(901)
    for n, loc, scale in ((53, 170.0, 8.0), (11, -2.0, 0.5)):
        x = rng.normal(loc, scale, size=n)
        mu, var = as_pair(student.gaussian_mle(x))
        want_mu, want_var = ref.gaussian_mle(x)
        assert_allclose(mu, want_mu, rtol=1e-7, atol=1e-9, err_msg=f"mu, n={n}")
        assert_allclose(var, want_var, rtol=1e-6, atol=1e-12, err_msg=f"var, n={n}")


@points(1)
def test_small_sample_variance(student):
    "For a sample of three values the variance estimate is the maximum-likelihood one (which divides by the sample size)."
    x = np.array([1.5, 4.0, -0.5])
    mu, var = as_pair(student.gaussian_mle(x))
    want_mu, want_var = ref.gaussian_mle(x)
    assert_allclose(mu, want_mu, rtol=1e-9)
    assert_allclose(var, want_var, rtol=1e-9)


@points(1)
def test_shift_and_scale(student):
    "Shifting the sample shifts mu and leaves var unchanged; scaling by a multiplies mu by a and var by a^2."
    rng = np.random.default_rng(903)
    x = rng.standard_t(df=4, size=29)  # heavy tails: mean and median differ
    mu, var = ref.gaussian_mle(x)
    mu_shift, var_shift = as_pair(student.gaussian_mle(x + 500.0))
    mu_scale, var_scale = as_pair(student.gaussian_mle(-4.0 * x))
    assert_allclose(mu_shift, mu + 500.0, rtol=1e-9)
    assert_allclose(var_shift, var, rtol=1e-6)
    assert_allclose(mu_scale, -4.0 * mu, rtol=1e-7, atol=1e-9)
    assert_allclose(var_scale, 16.0 * var, rtol=1e-6)
