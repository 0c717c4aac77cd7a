import numpy as np
from coursegrade import assert_allclose, number, points, question
from autograder.ps2 import reference as ref

pytestmark = question("kl_divergence")


@points(1)
def test_random_distributions(student):
    "kl_divergence(p, q) of two random distributions, in nats."
    rng = np.random.default_rng(221)
    p, q = rng.dirichlet(np.ones(8)), rng.dirichlet(np.ones(8))
    assert_allclose(number(student.kl_divergence(p, q)), ref.kl_divergence(p, q), rtol=1e-6)


@points(1)
def test_not_symmetric(student):
    "KL(P || Q) and KL(Q || P) are different numbers: the order of the arguments matters."
    rng = np.random.default_rng(222)
    p, q = rng.dirichlet(np.ones(5) * 0.5), rng.dirichlet(np.ones(5) * 2)
    assert_allclose(number(student.kl_divergence(p, q)), ref.kl_divergence(p, q), rtol=1e-6)
    assert_allclose(number(student.kl_divergence(q, p)), ref.kl_divergence(q, p), rtol=1e-6)


@points(1)
def test_outcomes_impossible_under_p_count_zero(student):
    "Outcomes with p = 0 add nothing, also where q = 0 too: the result is a finite number, not nan."
    rng = np.random.default_rng(223)
    p, q = rng.dirichlet(np.ones(9)), rng.dirichlet(np.ones(9))
    p[[0, 3, 7]] = 0.0
    q[[3, 7]] = 0.0
    p, q = p / p.sum(), q / q.sum()
    got = number(student.kl_divergence(p, q))
    assert np.isfinite(got), got
    assert_allclose(got, ref.kl_divergence(p, q), rtol=1e-6)


@points(1)
def test_infinite_where_q_rules_out_a_possible_outcome(student):
    "KL(P || Q) is infinite when Q gives probability zero to an outcome that P makes possible, and finite when P rules that outcome out too."
    rng = np.random.default_rng(224)
    p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
    q[2] = 0.0
    q /= q.sum()
    assert number(student.kl_divergence(p, q)) == np.inf
    # Only there: where P gives that outcome probability zero too, the value is finite.
    p[2] = 0.0
    p /= p.sum()
    assert_allclose(number(student.kl_divergence(p, q)), ref.kl_divergence(p, q), rtol=1e-6, atol=1e-9)


@points(1)
def test_zero_for_equal_and_positive_otherwise(student):
    "KL(P || P) is zero, and KL(P || Q) is positive when the distributions differ (Gibbs' inequality)."
    rng = np.random.default_rng(225)
    p = rng.dirichlet(np.ones(7))
    assert_allclose(number(student.kl_divergence(p, p)), 0.0, atol=1e-6)
    for _ in range(3):
        p, q = rng.dirichlet(np.ones(4)), rng.dirichlet(np.ones(4))
        got = number(student.kl_divergence(p, q))
        assert got > 0, got
        assert_allclose(got, ref.kl_divergence(p, q), rtol=1e-6)
