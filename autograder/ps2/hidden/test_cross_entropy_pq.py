import numpy as np
from coursegrade import assert_allclose, number, points, question
from autograder.ps2 import reference as ref

pytestmark = question("cross_entropy_pq")


@points(1)
def test_random_distributions(student):
    "cross_entropy_pq(p, q) of two random distributions, in nats, in both orders."
    rng = np.random.default_rng(231)
    p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6) * 0.6)
    assert_allclose(number(student.cross_entropy_pq(p, q)), ref.cross_entropy_pq(p, q), rtol=1e-6)
    assert_allclose(number(student.cross_entropy_pq(q, p)), ref.cross_entropy_pq(q, p), rtol=1e-6)


@points(1)
def test_outcomes_impossible_under_p_count_zero(student):
    "Outcomes with p = 0 add nothing, also where q = 0 too: the result is a finite number, not nan."
    rng = np.random.default_rng(232)
    p, q = rng.dirichlet(np.ones(8)), rng.dirichlet(np.ones(8))
    p[[1, 2, 6]] = 0.0
    q[[2, 6]] = 0.0
    p, q = p / p.sum(), q / q.sum()
    got = number(student.cross_entropy_pq(p, q))
    assert np.isfinite(got), got
    assert_allclose(got, ref.cross_entropy_pq(p, q), rtol=1e-6)


@points(1)
def test_infinite_where_q_rules_out_a_possible_outcome(student):
    "H(P, Q) is infinite when Q gives probability zero to an outcome that P makes possible, and finite when P rules that outcome out too."
    rng = np.random.default_rng(233)
    p, q = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
    q[4] = 0.0
    q /= q.sum()
    assert number(student.cross_entropy_pq(p, q)) == np.inf
    # Only there: where P gives that outcome probability zero too, the value is finite.
    p[4] = 0.0
    p /= p.sum()
    assert_allclose(number(student.cross_entropy_pq(p, q)), ref.cross_entropy_pq(p, q), rtol=1e-6, atol=1e-9)


@points(1)
def test_never_below_the_entropy(student):
    "H(P, P) is the entropy of P in nats, and H(P, Q) is never smaller than it."
    rng = np.random.default_rng(234)
    p = rng.dirichlet(np.ones(7))
    h = ref.entropy(p, np.e)
    assert_allclose(number(student.cross_entropy_pq(p, p)), h, rtol=1e-6)
    for _ in range(3):
        q = rng.dirichlet(np.ones(7))
        got = number(student.cross_entropy_pq(p, q))
        assert got >= h - 1e-12, (got, h)
