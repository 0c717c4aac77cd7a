import numpy as np

from autograder.week1 import reference as ref
from coursegrade import assert_allclose, points, question

pytestmark = question("standardize")   # the grade_id of the public-checks cell


def _matrix(got, shape):
    got = np.asarray(got, dtype=float)
    assert got.shape == shape, f"shape {got.shape}, expected {shape}"
    return got


@points(1)
def test_matches_the_reference(student):
    "standardize(X) of a random (N, D) matrix, column by column."
    rng = np.random.default_rng(101)
    X = rng.normal(loc=[3.0, -2.0, 10.0], scale=[1.0, 5.0, 0.2], size=(17, 3))
    assert_allclose(_matrix(student.standardize(X), X.shape), ref.standardize(X), rtol=1e-7, atol=1e-10)


@points(1)
def test_columns_have_mean_zero_and_std_one(student):
    "Every column of the result has mean 0 and (population) standard deviation 1."
    rng = np.random.default_rng(102)
    X = rng.exponential(scale=4.0, size=(23, 5))
    got = _matrix(student.standardize(X), X.shape)
    assert_allclose(got.mean(axis=0), 0.0, atol=1e-10)
    assert_allclose(got.std(axis=0), 1.0, rtol=1e-9)


@points(1)
def test_large_offsets_keep_their_digits(student):
    "Data far from the origin (offsets of 1e6) is standardised as accurately as data near it."
    rng = np.random.default_rng(103)
    X = rng.normal(size=(11, 4))
    got = _matrix(student.standardize(X + 1e6), X.shape)
    assert_allclose(got, ref.standardize(X), rtol=1e-5, atol=1e-6)
