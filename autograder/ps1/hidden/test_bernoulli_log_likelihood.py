import numpy as np

from coursegrade import assert_allclose, points, question
from autograder.ps1 import reference as ref

pytestmark = question("bernoulli_log_likelihood")


def as_number(got):
    """A returned number as a float (Python floats, numpy scalars and size-one arrays)."""
    got = np.asarray(got, dtype=float)
    assert got.size == 1, f"expected a single number, got shape {got.shape}"
    return float(got.reshape(()))


@points(2)
def test_matches_sum_of_log_probabilities(student):
    "bernoulli_log_likelihood(theta, x) is the sum over flips of log p(x_i | theta), for several theta and data sets (integer or float 0/1 arrays)."
    rng = np.random.default_rng(601)
    for n, theta in ((37, 0.31), (12, 0.88), (1, 0.4), (60, 0.05)):
        x = (rng.random(n) < rng.uniform(0.2, 0.8)).astype(np.int64)
        for data in (x, x.astype(float)):
            got = as_number(student.bernoulli_log_likelihood(theta, data))
            assert_allclose(got, ref.bernoulli_log_likelihood(theta, x), rtol=1e-6,
                                       err_msg=f"n={n}, theta={theta}, dtype={data.dtype}")


@points(2)
def test_exact_at_theta_zero_and_one(student):
    "At theta = 0 or 1 the answer is exact: minus infinity when an observed outcome is impossible, zero when the data are certain, never nan."
    ones = np.ones(6, dtype=np.int64)
    zeros = np.zeros(9, dtype=np.int64)
    mixed = np.array([0, 1, 1, 0, 1, 0, 0], dtype=np.int64)
    cases = [(0.0, zeros, 0.0), (1.0, ones, 0.0),
             (0.0, mixed, -np.inf), (1.0, mixed, -np.inf),
             (0.0, ones, -np.inf), (1.0, zeros, -np.inf)]
    for theta, x, want in cases:
        got = as_number(student.bernoulli_log_likelihood(theta, x))
        assert not np.isnan(got), f"nan for theta={theta}, x={x}"
        assert got == want, f"theta={theta}, x={x}: got {got}, expected {want}"


@points(1)
def test_long_sequence_stays_finite(student):
    "For thousands of flips the log-likelihood stays finite and exact, although the likelihood itself underflows to zero."
    rng = np.random.default_rng(603)
    x = (rng.random(4000) < 0.3).astype(np.int64)
    for theta in (0.3, 0.9, 1e-4):
        got = as_number(student.bernoulli_log_likelihood(theta, x))
        assert_allclose(got, ref.bernoulli_log_likelihood(theta, x), rtol=1e-6,
                                   err_msg=f"theta={theta}")


@points(1)
def test_tiny_theta(student):
    "For a tiny theta (1e-12, 1e-20) log(1 - theta) keeps its digits (np.log1p): all tails, and a mix of heads and tails."
    tails = np.zeros(50, dtype=np.int64)
    mixed = np.array([0] * 40 + [1] * 3, dtype=np.int64)
    for theta in (1e-12, 1e-20):
        for x in (tails, mixed):
            got = as_number(student.bernoulli_log_likelihood(theta, x))
            assert_allclose(got, ref.bernoulli_log_likelihood(theta, x), rtol=1e-9,
                            err_msg=f"theta={theta}, {int(np.sum(x))} heads in {x.size}")
