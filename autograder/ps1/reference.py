"""Trusted reference implementations for ps1 (probability, likelihood, MLE and MAP).

Signatures follow COURSE.md exactly. These never run in the student's sandbox.
"""
import numpy as np

# The fruit example of the notebook: the same tables as its locked `fruit_tables` cell.
FRUITS = ["apple", "orange"]
SHAPES = ["round", "irregular"]
COLOURS = ["red", "green", "orange"]
FRUIT_PRIOR = np.array([0.6, 0.4])
P_SHAPE_GIVEN_FRUIT = np.array([[0.6, 0.4],           # apple:  round, irregular
                                [0.9, 0.1]])          # orange
P_COLOUR_GIVEN_FRUIT = np.array([[0.55, 0.35, 0.10],  # apple:  red, green, orange
                                 [0.05, 0.15, 0.80]])  # orange


def marginal(P, axis):
    """Sum the joint table `P` over `axis` (that variable is marginalised out)."""
    return np.sum(np.asarray(P, dtype=float), axis=axis)


def conditional(P_AB):
    """P(B | A) from the joint P(A, B): each row a divided by P(A = a)."""
    P_AB = np.asarray(P_AB, dtype=float)
    return P_AB / np.sum(P_AB, axis=1, keepdims=True)


def bayes_posterior(prior, likelihood):
    """Posterior over K hypotheses: prior * likelihood divided by the evidence."""
    unnormalised = np.asarray(prior, dtype=float) * np.asarray(likelihood, dtype=float)
    return unnormalised / np.sum(unnormalised)


def expectation(values, probs):
    return float(np.sum(np.asarray(values, dtype=float) * np.asarray(probs, dtype=float)))


def variance(values, probs):
    values = np.asarray(values, dtype=float)
    probs = np.asarray(probs, dtype=float)
    mean = np.sum(values * probs)
    return float(np.sum(probs * (values - mean) ** 2))


def bernoulli_log_likelihood(theta, x):
    """sum_i log p(x_i | theta), exact at theta in {0, 1}: -inf where impossible, never nan."""
    x = np.asarray(x, dtype=float)
    heads = float(np.sum(x))
    tails = x.size - heads
    total = 0.0
    # Only the outcomes that occurred contribute, so 0 * log 0 never appears.
    if heads > 0:
        total += heads * np.log(theta) if theta > 0 else -np.inf
    if tails > 0:
        total += tails * np.log1p(-theta) if theta < 1 else -np.inf
    return float(total)


def bernoulli_mle(x):
    return float(np.mean(np.asarray(x, dtype=float)))


def theta_mle_expression(h, n):
    """The closed-form Bernoulli MLE, for SymPy symbols (or numbers) h and n."""
    return h / n


def gaussian_mle(x):
    x = np.asarray(x, dtype=float)
    mu = np.mean(x)
    return float(mu), float(np.mean((x - mu) ** 2))


def map_objective(t, heads, n, mu0=0.5, sigma0=0.1):
    """Log-likelihood plus log-prior (up to a constant) of theta = t."""
    return (heads * np.log(t) + (n - heads) * np.log1p(-t)
            - (t - mu0) ** 2 / (2 * sigma0 ** 2))


def map_bernoulli(heads, n, mu0=0.5, sigma0=0.1):
    """MAP of theta under the prior N(mu0, sigma0**2), sigma0 the standard deviation.

    Setting the derivative h/t - (n-h)/(1-t) - (t-mu0)/sigma0**2 to zero and multiplying by
    t (1-t) sigma0**2 gives the cubic
        t**3 - (1 + mu0) t**2 + (mu0 - n sigma0**2) t + h sigma0**2 = 0.
    The objective is strictly concave on (0, 1), so exactly one root lies there; among the real
    roots in (0, 1) (numerically) we keep the one with the largest objective.
    """
    s2 = sigma0 ** 2
    roots = np.roots([1.0, -(1.0 + mu0), mu0 - n * s2, heads * s2])
    real = roots[np.abs(roots.imag) <= 1e-9 * np.maximum(1.0, np.abs(roots))].real
    inside = real[(real > 0) & (real < 1)]
    if inside.size == 0:  # the maximum sits on the boundary (only with heads in {0, n})
        return 0.0 if heads == 0 else 1.0
    with np.errstate(divide="ignore"):
        values = map_objective(inside, heads, n, mu0, sigma0)
    t = float(inside[np.argmax(values)])
    # One Newton step on the derivative polishes the root to full double precision.
    d1 = heads / t - (n - heads) / (1 - t) - (t - mu0) / s2
    d2 = -heads / t ** 2 - (n - heads) / (1 - t) ** 2 - 1 / s2
    polished = t - d1 / d2
    return float(polished) if 0 < polished < 1 else t


def fruit_posterior(shape, colour, prior=FRUIT_PRIOR, p_shape=P_SHAPE_GIVEN_FRUIT,
                    p_colour=P_COLOUR_GIVEN_FRUIT):
    """P(fruit | shape, colour) under naive Bayes: prior times both class-conditionals."""
    likelihood = np.asarray(p_shape, dtype=float)[:, shape] * np.asarray(p_colour, dtype=float)[:, colour]
    return bayes_posterior(prior, likelihood)
