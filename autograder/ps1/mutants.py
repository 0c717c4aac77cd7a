"""Known-wrong answers to ps1: the hidden suite must take points from every one of them."""
import numpy as np

from coursegrade import mutant, mutant_code
from autograder.ps1.reference import FRUIT_PRIOR, P_COLOUR_GIVEN_FRUIT, P_SHAPE_GIVEN_FRUIT

# ----------------------------------------------------------------------------- marginal

@mutant("marginal", hint="this behaves like keeping the variable on `axis` instead of summing "
                         "it out: `axis` is the variable that disappears")
def marginal_keeps_axis(P, axis):
    P = np.asarray(P, dtype=float)
    other = tuple(a for a in range(P.ndim) if a != axis % P.ndim)
    return np.sum(P, axis=other)


@mutant("marginal", hint="this behaves like averaging over the axis instead of summing: a "
                         "marginal adds up the probabilities of all the values it forgets")
def marginal_mean(P, axis):
    return np.mean(P, axis=axis)


@mutant("marginal", hint="this behaves like a marginal that keeps the summed axis with length "
                         "one (keepdims=True): return an array with that axis removed")
def marginal_keepdims(P, axis):
    return np.sum(P, axis=axis, keepdims=True)


# ----------------------------------------------------------------------------- conditional

@mutant("conditional", hint="this behaves like dividing by the column sums P(B = b): for "
                            "P(B | A) each row a is divided by P(A = a)")
def conditional_column_normalised(P_AB):
    return P_AB / np.sum(P_AB, axis=0, keepdims=True)


@mutant("conditional", hint="this behaves like returning P(A | B) laid out with rows b, the "
                            "other conditional")
def conditional_transposed(P_AB):
    return (P_AB / np.sum(P_AB, axis=0, keepdims=True)).T


@mutant("conditional", hint="this behaves like dividing by the total probability instead of "
                            "by P(A = a): that is still the joint, not a conditional")
def conditional_divides_by_total(P_AB):
    return P_AB / np.sum(P_AB)


# ----------------------------------------------------------------------------- bayes_posterior

@mutant("bayes_posterior", hint="this behaves like a posterior that is not normalised: divide "
                                "prior x likelihood by the evidence, their sum")
def bayes_posterior_unnormalised(prior, likelihood):
    return prior * likelihood


@mutant("bayes_posterior", hint="this behaves like ignoring the prior: the posterior weighs "
                                "each likelihood by its prior probability")
def bayes_posterior_ignores_prior(prior, likelihood):
    return likelihood / np.sum(likelihood)


@mutant("bayes_posterior", hint="this behaves like dividing by the sum of the likelihoods "
                                "instead of the evidence sum_k prior_k likelihood_k")
def bayes_posterior_wrong_evidence(prior, likelihood):
    return prior * likelihood / np.sum(likelihood)


# ----------------------------------------------------------------------------- expectation

@mutant("expectation", hint="this behaves like the plain average of the values: each value "
                            "must be weighted by its probability")
def expectation_unweighted(values, probs):
    return float(np.mean(values))


@mutant("expectation", hint="this behaves like dividing the weighted sum by the number of "
                            "values: the probabilities already sum to one")
def expectation_divided_by_count(values, probs):
    return float(np.sum(values * probs) / len(values))


# ----------------------------------------------------------------------------- variance

@mutant("variance", hint="this behaves like the unweighted variance of the values, ignoring "
                         "their probabilities")
def variance_unweighted(values, probs):
    return float(np.var(values))


@mutant("variance", hint="this behaves like returning the standard deviation: the variance "
                         "is its square")
def variance_returns_std(values, probs):
    mean = np.sum(values * probs)
    return float(np.sqrt(np.sum(probs * (values - mean) ** 2)))


@mutant("variance", hint="this behaves like E[X^2] without subtracting the squared mean")
def variance_not_centred(values, probs):
    return float(np.sum(probs * values ** 2))


@mutant("variance", hint="this behaves like E[X^2] - E[X]: the mean must be squared")
def variance_mean_not_squared(values, probs):
    return float(np.sum(probs * values ** 2) - np.sum(probs * values))


# ----------------------------------------------------------------------------- bernoulli_log_likelihood

@mutant("bernoulli_log_likelihood",
        hint="this behaves like computing 0 * log(0) at theta = 0 or 1, which is nan: only the "
             "outcomes that occurred may contribute a log term")
def bernoulli_log_likelihood_nan_at_edges(theta, x):
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum(x * np.log(theta) + (1 - x) * np.log(1 - theta)))


@mutant("bernoulli_log_likelihood",
        hint="this behaves like clipping theta away from 0 and 1: an impossible observation must "
             "give exactly -inf, not a large negative number")
def bernoulli_log_likelihood_clipped(theta, x):
    x = np.asarray(x, dtype=float)
    t = np.clip(theta, 1e-12, 1 - 1e-12)
    return float(np.sum(x * np.log(t) + (1 - x) * np.log(1 - t)))


@mutant("bernoulli_log_likelihood",
        hint="this behaves like the log of the product of probabilities: the product underflows "
             "to zero for long data sets; sum the logs instead")
def bernoulli_log_likelihood_log_of_product(theta, x):
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore"):
        return float(np.log(np.prod(np.where(x == 1, theta, 1 - theta))))


@mutant("bernoulli_log_likelihood",
        hint="this behaves like the mean log-probability per flip: the log-likelihood is the sum")
def bernoulli_log_likelihood_mean(theta, x):
    x = np.asarray(x, dtype=float)
    h, n = np.sum(x), x.size
    with np.errstate(divide="ignore", invalid="ignore"):
        total = (h * np.log(theta) if h > 0 else 0.0) + ((n - h) * np.log(1 - theta) if n > h else 0.0)
    return float(total / n)


@mutant("bernoulli_log_likelihood",
        hint="this behaves like swapping theta and 1 - theta: theta is the probability of a 1")
def bernoulli_log_likelihood_swapped(theta, x):
    x = np.asarray(x, dtype=float)
    h, n = np.sum(x), x.size
    with np.errstate(divide="ignore"):
        return float((h * np.log(1 - theta) if h > 0 else 0.0) + ((n - h) * np.log(theta) if n > h else 0.0))


# ----------------------------------------------------------------------------- bernoulli_mle

@mutant("bernoulli_mle", hint="this behaves like Laplace smoothing (h + 1) / (n + 2): that is a "
                              "Bayesian estimate, not the maximum-likelihood one")
def bernoulli_mle_laplace(x):
    return float((np.sum(x) + 1) / (len(x) + 2))


@mutant("bernoulli_mle", hint="this behaves like the fraction of zeros: theta is the "
                              "probability of a 1")
def bernoulli_mle_fraction_of_zeros(x):
    return float(1 - np.mean(x))


@mutant("bernoulli_mle", hint="this behaves like dividing by n + 1 instead of the number of flips")
def bernoulli_mle_n_plus_one(x):
    return float(np.sum(x) / (len(x) + 1))


# ----------------------------------------------------------------------------- mle_derivation

mutant_code("theta_mle", "theta_mle_tails",
            'h, n = sp.symbols("h n", positive=True)\ntheta_mle = (n - h) / n\n',
            hint="this behaves like the fraction of tails: theta is the probability of heads")
mutant_code("theta_mle", "theta_mle_n_plus_one",
            'h, n = sp.symbols("h n", positive=True)\ntheta_mle = h / (n + 1)\n',
            hint="this behaves like dividing by n + 1 instead of the number of flips n")
mutant_code("theta_mle", "theta_mle_laplace",
            'h, n = sp.symbols("h n", positive=True)\ntheta_mle = (h + 1) / (n + 2)\n',
            hint="this behaves like Laplace smoothing (h + 1) / (n + 2), not the maximum of the "
                 "likelihood")
mutant_code("theta_mle", "theta_mle_inverted",
            'h, n = sp.symbols("h n", positive=True)\ntheta_mle = n / h\n',
            hint="this behaves like the ratio upside down: a probability is at most one")


# ----------------------------------------------------------------------------- gaussian_mle

@mutant("gaussian_mle", hint="this behaves like dividing by n - 1 (the unbiased sample "
                             "variance): the maximum-likelihood variance divides by n")
def gaussian_mle_unbiased(x):
    x = np.asarray(x, dtype=float)
    return float(np.mean(x)), float(np.var(x, ddof=1))


@mutant("gaussian_mle", hint="this behaves like returning the standard deviation instead of "
                             "the variance")
def gaussian_mle_std(x):
    x = np.asarray(x, dtype=float)
    return float(np.mean(x)), float(np.std(x))


@mutant("gaussian_mle", hint="this behaves like the mean of x squared, without subtracting the "
                             "mean first")
def gaussian_mle_not_centred(x):
    x = np.asarray(x, dtype=float)
    return float(np.mean(x)), float(np.mean(x ** 2))


@mutant("gaussian_mle", hint="this behaves like the median as the estimate of mu: the "
                             "maximum-likelihood mu is the sample mean")
def gaussian_mle_median(x):
    x = np.asarray(x, dtype=float)
    return float(np.median(x)), float(np.var(x))


@mutant("gaussian_mle", hint="this behaves like returning (var, mu): the order is (mu, var)")
def gaussian_mle_swapped(x):
    x = np.asarray(x, dtype=float)
    return float(np.var(x)), float(np.mean(x))


# ----------------------------------------------------------------------------- map_bernoulli

@mutant("map_bernoulli", hint="this behaves like taking sigma0 as the variance of the prior: it "
                              "is the standard deviation, the variance is sigma0**2")
def map_bernoulli_sigma_as_variance(heads, n, mu0=0.5, sigma0=0.1):
    roots = np.roots([1.0, -(1.0 + mu0), mu0 - n * sigma0, heads * sigma0])
    real = roots[np.abs(roots.imag) < 1e-9].real
    return float(real[(real > 0) & (real < 1)][0])


@mutant("map_bernoulli", hint="this behaves like a log-prior without the 1/2 factor: "
                              "log N(t; mu0, sigma0^2) = -(t - mu0)^2 / (2 sigma0^2) + const")
def map_bernoulli_no_half(heads, n, mu0=0.5, sigma0=0.1):
    s2 = sigma0 ** 2 / 2  # -(t-mu0)^2/s2 has the derivative -2 (t-mu0)/sigma0^2
    roots = np.roots([1.0, -(1.0 + mu0), mu0 - n * s2, heads * s2])
    real = roots[np.abs(roots.imag) < 1e-9].real
    return float(real[(real > 0) & (real < 1)][0])


@mutant("map_bernoulli", hint="this behaves like ignoring the prior, which gives the MLE h / n")
def map_bernoulli_ignores_prior(heads, n, mu0=0.5, sigma0=0.1):
    return heads / n


@mutant("map_bernoulli", hint="this behaves like a grid search with step 0.01: the MAP is only "
                              "found to about 0.005; solve the stationarity condition instead")
def map_bernoulli_coarse_grid(heads, n, mu0=0.5, sigma0=0.1):
    t = np.linspace(0.01, 0.99, 99)
    objective = heads * np.log(t) + (n - heads) * np.log(1 - t) - (t - mu0) ** 2 / (2 * sigma0 ** 2)
    return float(t[np.argmax(objective)])


@mutant("map_bernoulli", hint="this behaves like always using mu0 = 0.5 and sigma0 = 0.1: use "
                              "the values passed as arguments")
def map_bernoulli_ignores_arguments(heads, n, mu0=0.5, sigma0=0.1):
    roots = np.roots([1.0, -1.5, 0.5 - n * 0.01, heads * 0.01])
    real = roots[np.abs(roots.imag) < 1e-9].real
    return float(real[(real > 0) & (real < 1)][0])


@mutant("map_bernoulli", hint="this behaves like adding the prior's penalty instead of "
                              "subtracting it: the prior pulls theta towards mu0")
def map_bernoulli_prior_sign(heads, n, mu0=0.5, sigma0=0.1):
    lo, hi = 1e-12, 1 - 1e-12
    for _ in range(200):
        t = (lo + hi) / 2
        slope = heads / t - (n - heads) / (1 - t) + (t - mu0) / sigma0 ** 2
        lo, hi = (t, hi) if slope > 0 else (lo, t)
    return (lo + hi) / 2


# ----------------------------------------------------------------------------- fruit_posterior

@mutant("fruit_posterior", hint="this behaves like ignoring the prior P(fruit): multiply it in "
                                "before normalising")
def fruit_posterior_ignores_prior(shape, colour, prior=FRUIT_PRIOR, p_shape=P_SHAPE_GIVEN_FRUIT,
                                  p_colour=P_COLOUR_GIVEN_FRUIT):
    likelihood = p_shape[:, shape] * p_colour[:, colour]
    return likelihood / np.sum(likelihood)


@mutant("fruit_posterior", hint="this behaves like using the colour only: both features' "
                                "class-conditional probabilities multiply into the likelihood")
def fruit_posterior_colour_only(shape, colour, prior=FRUIT_PRIOR, p_shape=P_SHAPE_GIVEN_FRUIT,
                                p_colour=P_COLOUR_GIVEN_FRUIT):
    return bayes_posterior(prior, p_colour[:, colour])


@mutant("fruit_posterior", hint="this behaves like adding the two features' probabilities: "
                                "under the naive-Bayes assumption they multiply")
def fruit_posterior_sums_features(shape, colour, prior=FRUIT_PRIOR, p_shape=P_SHAPE_GIVEN_FRUIT,
                                  p_colour=P_COLOUR_GIVEN_FRUIT):
    return bayes_posterior(prior, p_shape[:, shape] + p_colour[:, colour])


@mutant("fruit_posterior", hint="this behaves like reading the tables by row instead of by "
                                "column: row k is the fruit, column m the feature value")
def fruit_posterior_rows(shape, colour, prior=FRUIT_PRIOR, p_shape=P_SHAPE_GIVEN_FRUIT,
                         p_colour=P_COLOUR_GIVEN_FRUIT):
    return bayes_posterior(prior, p_shape[shape] * p_colour[colour])


@mutant("fruit_posterior", hint="this behaves like a posterior that is not normalised: divide "
                                "by the evidence P(shape, colour)")
def fruit_posterior_unnormalised(shape, colour, prior=FRUIT_PRIOR, p_shape=P_SHAPE_GIVEN_FRUIT,
                                 p_colour=P_COLOUR_GIVEN_FRUIT):
    return prior * p_shape[:, shape] * p_colour[:, colour]


# Inputs are never modified (docs/course.md): the engine compares each argument after the call.
@mutant("conditional", hint="this divides the joint table in place (P_AB /= ...): the table you "
                            "were given is changed; return a new table instead")
def conditional_normalises_in_place(P_AB):
    P_AB /= marginal(P_AB, 1)[:, None]
    return P_AB


@mutant("variance", hint="this centres the values in place (values -= mean): the array you were "
                         "given is changed; compute values - mean into a new array instead")
def variance_centres_in_place(values, probs):
    values -= expectation(values, probs)
    return float(np.sum(probs * values ** 2))


# The lessons' floating-point warnings: each of these is right on paper and loses points.
@mutant("variance", hint="this computes E[X^2] - E[X]^2: for values far from zero (1e8 + small "
                         "numbers) the two terms are huge and nearly equal, and their difference "
                         "loses every digit; subtract the mean first, then square")
def variance_second_moment(values, probs):
    return expectation(values ** 2, probs) - expectation(values, probs) ** 2


@mutant("bernoulli_log_likelihood",
        hint="this computes log(1 - theta) as np.log(1 - theta): for a tiny theta, 1 - theta is "
             "rounded and the log loses its digits (it is 0.0 below about 5e-17); use "
             "np.log1p(-theta)")
def bernoulli_log_likelihood_log_one_minus(theta, x):
    x = np.asarray(x, dtype=float)
    heads = float(np.sum(x))
    tails = x.size - heads
    total = 0.0
    if heads > 0:
        total += heads * np.log(theta) if theta > 0 else -np.inf
    if tails > 0:
        total += tails * np.log(1 - theta) if theta < 1 else -np.inf
    return float(total)


@mutant("map_bernoulli", hint="this only looks for the maximum strictly inside (0, 1): with no heads "
                              "(or only heads) in enough flips the derivative has no zero there and "
                              "the maximum over [0, 1] is the boundary, 0.0 (or 1.0)")
def map_bernoulli_interior_roots_only(heads, n, mu0=0.5, sigma0=0.1):
    s2 = sigma0 ** 2
    roots = np.roots([1.0, -(1.0 + mu0), mu0 - n * s2, heads * s2])
    real = roots[np.abs(roots.imag) < 1e-9].real
    candidates = real[(real > 0) & (real < 1)]
    J = (heads * np.log(candidates) + (n - heads) * np.log(1 - candidates)
         - (candidates - mu0) ** 2 / (2 * s2))
    return float(candidates[np.argmax(J)])  # no candidate: argmax of an empty array raises
