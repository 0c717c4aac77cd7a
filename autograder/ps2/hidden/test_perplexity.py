import numpy as np
from coursegrade import assert_allclose, number, points, question
from autograder.ps2 import reference as ref

pytestmark = question("perplexity")


def _sequence_log_probs(rng, length, vocab):
    """Natural log-probabilities a random model gives to the tokens of a random sequence."""
    probs = rng.dirichlet(np.ones(vocab), size=length)
    tokens = rng.integers(0, vocab, size=length)
    return np.log(probs[np.arange(length), tokens])


@points(1)
def test_random_model(student):
    "perplexity of the log-probabilities a random model gives to a random sequence of tokens."
    rng = np.random.default_rng(311)
    lp = _sequence_log_probs(rng, 13, 11)
    assert_allclose(number(student.perplexity(lp)), ref.perplexity(lp), rtol=1e-6)


@points(1)
def test_uniform_model(student):
    "A model that spreads its probability evenly over V tokens has perplexity V: V effective choices."
    for vocab, length in [(37, 6), (2, 9), (1000, 4)]:
        lp = np.full(length, -np.log(vocab))
        assert_allclose(number(student.perplexity(lp)), ref.perplexity(lp), rtol=1e-6)


@points(1)
def test_independent_of_sequence_length(student):
    "Perplexity is per token: a sequence repeated four times has the same perplexity."
    rng = np.random.default_rng(313)
    lp = _sequence_log_probs(rng, 7, 5)
    once = number(student.perplexity(lp))
    assert_allclose(number(student.perplexity(np.tile(lp, 4))), once, rtol=1e-6)
    assert_allclose(once, ref.perplexity(lp), rtol=1e-6)


@points(1)
def test_text_of_realistic_length(student):
    "A text of thousands of tokens: the product of its token probabilities underflows to 0, so perplexity must be computed from the mean log-probability."
    rng = np.random.default_rng(314)
    for length, vocab in ((4000, 60), (1500, 7)):
        lp = _sequence_log_probs(rng, length, vocab)
        got = number(student.perplexity(lp))
        assert np.isfinite(got), f"{length} tokens: perplexity {got}"
        assert_allclose(got, ref.perplexity(lp), rtol=1e-6, err_msg=f"{length} tokens")
