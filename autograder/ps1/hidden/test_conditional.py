import numpy as np

from coursegrade import assert_allclose, points, question
from autograder.ps1 import reference as ref

pytestmark = question("conditional")


def joint(rng, shape):
    return rng.dirichlet(np.ones(int(np.prod(shape)))).reshape(shape)


@points(2)
def test_matches_definition(student):
    "conditional(P_AB) gives P(B | A) = P(A, B) / P(A), one row per value a, on non-square tables."
    rng = np.random.default_rng(201)
    for shape in ((5, 3), (2, 6)):
        P = joint(rng, shape)
        got = np.asarray(student.conditional(P), dtype=float)
        assert got.shape == shape, f"shape {got.shape}, expected {shape}"
        assert_allclose(got, ref.conditional(P), rtol=1e-5, atol=1e-8)


@points(1)
def test_rows_sum_to_one(student):
    "Each row of P(B | A) is a distribution over b: non-negative, summing to one."
    P = joint(np.random.default_rng(202), (7, 4))
    got = np.asarray(student.conditional(P), dtype=float)
    assert got.shape == P.shape
    assert np.all(got >= 0)
    assert_allclose(np.sum(got, axis=1), np.ones(7), rtol=0, atol=1e-6)
    # Distributions, and this table's rows: uniform rows are distributions too.
    assert_allclose(got, ref.conditional(P), rtol=1e-6, atol=1e-9)


@points(1)
def test_product_rule_recovers_the_joint(student):
    "Multiplying each row of P(B | A) by P(A = a) gives back the joint table (the product rule)."
    # A table with very unequal rows: a wrong normalisation cannot hide here.
    rng = np.random.default_rng(203)
    P = joint(rng, (4, 9)) * np.array([[50.0], [1.0], [0.02], [5.0]])
    P /= P.sum()
    got = np.asarray(student.conditional(P), dtype=float)
    assert got.shape == P.shape
    assert_allclose(got * P.sum(axis=1, keepdims=True), P, rtol=1e-5, atol=1e-10)
