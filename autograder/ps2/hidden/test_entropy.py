import numpy as np
from coursegrade import assert_allclose, number, points, question
from autograder.ps2 import reference as ref

pytestmark = question("entropy")


@points(1)
def test_random_distribution_in_bits(student):
    "entropy(p) of a random distribution, in bits (the default base)."
    rng = np.random.default_rng(211)
    p = rng.dirichlet(np.ones(7))
    assert_allclose(number(student.entropy(p)), ref.entropy(p), rtol=1e-6)


@points(1)
def test_other_bases(student):
    "entropy(p, base) uses the given base: nats for base e, base 10, base 5."
    rng = np.random.default_rng(212)
    p = rng.dirichlet(np.ones(5) * 0.7)
    for base in [np.e, 10.0, 5.0]:
        assert_allclose(number(student.entropy(p, base)), ref.entropy(p, base), rtol=1e-6,
                                   err_msg=f"base={base}")


@points(1)
def test_zero_probabilities_contribute_nothing(student):
    "Outcomes of probability zero add nothing to the entropy (0 log 0 = 0): no nan."
    rng = np.random.default_rng(213)
    p = rng.dirichlet(np.ones(9))
    p[[1, 4, 8]] = 0.0
    p /= p.sum()
    got = number(student.entropy(p))
    assert np.isfinite(got), got
    assert_allclose(got, ref.entropy(p), rtol=1e-6)


@points(1)
def test_uniform_and_certain_distributions(student):
    "A uniform distribution has the largest entropy; a certain outcome has none."
    uniform = np.full(6, 1 / 6)
    assert_allclose(number(student.entropy(uniform)), ref.entropy(uniform), rtol=1e-6)
    certain = np.array([0.0, 0.0, 1.0, 0.0])
    assert_allclose(number(student.entropy(certain)), 0.0, atol=1e-12)


@points(1)
def test_tiny_probabilities_and_order(student):
    "Entropy does not depend on the order of the outcomes, also with very small probabilities."
    rng = np.random.default_rng(214)
    p = rng.dirichlet(np.ones(8))
    p[[0, 5]] = [1e-12, 3e-9]
    p /= p.sum()
    got = number(student.entropy(p))
    assert_allclose(got, ref.entropy(p), rtol=1e-6)
    shuffled = p[rng.permutation(p.size)]
    assert_allclose(number(student.entropy(shuffled)), got, rtol=1e-9)
