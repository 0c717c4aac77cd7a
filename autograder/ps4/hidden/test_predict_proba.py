import numpy as np
from coursegrade import assert_allclose, points, question
from autograder.ps4 import reference as ref

pytestmark = question("predict_proba")


def _proba(student, w, b, X):
    got = np.asarray(student.predict_proba(w, b, X), dtype=float)
    assert got.shape == (X.shape[0],), f"shape {got.shape}, expected ({X.shape[0]},)"
    return got


@points(2)
def test_probabilities_of_class_one(student):
    "predict_proba(w, b, X) gives P(y = 1 | x) = sigmoid(x @ w + b) for every row of X, one probability per sample."
    rng = np.random.default_rng(4801)
    N, D = 13, 5
    X = rng.normal(size=(N, D))
    w, b = rng.normal(size=D), -0.9
    got = _proba(student, w, b, X)
    assert_allclose(got, ref.predict_proba(w, b, X), rtol=1e-12, atol=1e-15)


@points(1)
def test_intercept_and_complement(student):
    "The intercept shifts every logit, and negating w and b gives the complementary probabilities 1 - p."
    rng = np.random.default_rng(4802)
    N, D = 9, 2
    X = rng.normal(size=(N, D))
    w, b = rng.normal(size=D) * 0.3, 2.75
    got = _proba(student, w, b, X)
    assert_allclose(got, ref.predict_proba(w, b, X), rtol=1e-12, atol=1e-15)
    assert_allclose(_proba(student, -w, -b, X), 1.0 - got, rtol=1e-10, atol=1e-15)


@points(1)
def test_large_logits(student):
    "For logits from tens to thousands the probabilities keep full precision: exactly 0 or 1 where they round to it, tiny values not rounded to 0, never nan."
    rng = np.random.default_rng(4803)
    N, D = 11, 3
    X = rng.normal(size=(N, D))
    w, b = np.array([900.0, -1200.0, 600.0]), 40.0
    got = _proba(student, w, b, X)
    assert not np.any(np.isnan(got)), f"nan in {got}"
    assert_allclose(got, ref.predict_proba(w, b, X), rtol=1e-12, atol=1e-300)
