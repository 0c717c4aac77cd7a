import numpy as np

from coursegrade import assert_allclose, points, question
from autograder.ps1 import reference as ref

pytestmark = question("bernoulli_mle")


def as_number(got):
    """A returned number as a float (Python floats, numpy scalars and size-one arrays)."""
    got = np.asarray(got, dtype=float)
    assert got.size == 1, f"expected a single number, got shape {got.shape}"
    return float(got.reshape(()))


@points(1)
def test_matches_closed_form(student):
    "bernoulli_mle(x) is the maximum-likelihood estimate of theta for random 0/1 sequences of different lengths."
    rng = np.random.default_rng(701)
    for n, p in ((23, 0.3), (100, 0.75), (7, 0.5)):
        x = (rng.random(n) < p).astype(np.int64)
        got = as_number(student.bernoulli_mle(x))
        assert_allclose(got, ref.bernoulli_mle(x), rtol=1e-9)


@points(1)
def test_all_heads_all_tails_single_flip(student):
    "The estimate for all heads, all tails and a single flip is the value that makes the data most likely."
    for x in (np.ones(8), np.zeros(5), np.array([1]), np.array([0, 1, 1])):
        got = as_number(student.bernoulli_mle(x.astype(np.int64)))
        assert_allclose(got, ref.bernoulli_mle(x), rtol=1e-9, atol=1e-12, err_msg=str(x))
