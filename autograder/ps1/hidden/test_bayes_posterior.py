import numpy as np

from coursegrade import assert_allclose, points, question
from autograder.ps1 import reference as ref

pytestmark = question("bayes_posterior")


@points(2)
def test_matches_bayes_rule(student):
    "bayes_posterior(prior, likelihood) is prior times likelihood divided by the evidence, for several hypotheses."
    rng = np.random.default_rng(301)
    for K in (6, 3, 11):
        prior = rng.dirichlet(np.ones(K))
        likelihood = rng.uniform(0.01, 1.0, size=K)
        got = np.asarray(student.bayes_posterior(prior, likelihood), dtype=float)
        assert got.shape == (K,), f"shape {got.shape}, expected {(K,)}"
        assert_allclose(got, ref.bayes_posterior(prior, likelihood), rtol=1e-6, atol=1e-12)


@points(1)
def test_distribution_proportional_to_prior_times_likelihood(student):
    "The posterior sums to one, is proportional to prior x likelihood, and a hypothesis with prior zero keeps posterior zero."
    rng = np.random.default_rng(302)
    prior = rng.dirichlet(np.ones(8))
    prior[2] = 0.0
    prior /= prior.sum()
    likelihood = rng.uniform(0.05, 0.9, size=8)
    got = np.asarray(student.bayes_posterior(prior, likelihood), dtype=float)
    assert got.shape == (8,)
    assert_allclose(got.sum(), 1.0, rtol=0, atol=1e-9)
    assert got[2] == 0.0
    ratio = got / (prior * likelihood + 1e-300)
    keep = prior > 0
    assert_allclose(ratio[keep], ratio[keep][0], rtol=1e-6)


@points(1)
def test_likelihood_scale_does_not_matter(student):
    "Scaling every likelihood by the same constant (even a tiny one, as with long data sets) leaves the posterior unchanged."
    rng = np.random.default_rng(303)
    prior = rng.dirichlet(np.ones(5))
    likelihood = rng.uniform(0.1, 1.0, size=5)
    want = ref.bayes_posterior(prior, likelihood)
    for scale in (1e-200, 3e5):
        got = np.asarray(student.bayes_posterior(prior, likelihood * scale), dtype=float)
        assert got.shape == (5,)
        assert_allclose(got, want, rtol=1e-6, atol=1e-12, err_msg=f"scale={scale}")
