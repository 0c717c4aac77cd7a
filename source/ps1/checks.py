"""Public checks for ps1. Run them from the notebook with `check("<question>")`.

They use small examples you can work out by hand. Passing them is a good sign, not the grade:
the grade comes from more thorough hidden tests.
"""
import math

import numpy as np
import sympy as sp
from checking import Checks, expect

checks = Checks()

# The weather table of the lesson: rows sun, rain; columns nothing, umbrella, hat.
WEATHER = np.array([[0.30, 0.05, 0.25],
                    [0.10, 0.28, 0.02]])


def _number(value, what):
    """`value` as a float, or a failed check that says what came back instead."""
    array = np.asarray(value, dtype=float)
    expect(array.shape == (), f"{what} should be a single number; yours has shape {array.shape}")
    return float(array)


# ----------------------------------------------------------------------------- marginal

@checks.add("marginal", "summing out B (axis 1) of the weather table gives P(A) = [0.6, 0.4]")
def _(marginal):
    got = np.asarray(marginal(WEATHER, 1), dtype=float)
    expect(got.shape == (2,), f"P(A) has one entry per row (sun, rain), shape (2,); yours has shape "
                              f"{got.shape}. Did you sum over the other axis?")
    expect(np.allclose(got, [0.6, 0.4]), f"P(sun) = 0.30 + 0.05 + 0.25 = 0.6 and P(rain) = 0.4; "
                                         f"yours gives {got}")


@checks.add("marginal", "summing out A (axis 0) gives P(B) = [0.4, 0.33, 0.27]")
def _(marginal):
    got = np.asarray(marginal(WEATHER, 0), dtype=float)
    expect(got.shape == (3,), f"P(B) has one entry per column, shape (3,); yours has shape {got.shape}")
    expect(np.allclose(got, [0.40, 0.33, 0.27]),
           f"P(umbrella) = 0.05 + 0.28 = 0.33 and so on; yours gives {got}")


@checks.add("marginal", "a table of three variables loses exactly the summed axis and still sums to one")
def _(marginal):
    P = np.arange(1.0, 25.0).reshape(2, 3, 4)
    P /= P.sum()
    got = np.asarray(marginal(P, -1), dtype=float)
    expect(got.shape == (2, 3), f"summing axis -1 of a (2, 3, 4) table should leave shape (2, 3); "
                                f"yours has shape {got.shape}")
    expect(np.isclose(got.sum(), 1.0), f"a marginal is a distribution and sums to one; yours sums "
                                       f"to {got.sum():.4f} (did you average instead of sum?)")


# ----------------------------------------------------------------------------- conditional

@checks.add("conditional", "P(umbrella | rain) = 0.28 / 0.4 = 0.7")
def _(conditional):
    got = np.asarray(conditional(WEATHER), dtype=float)
    expect(got.shape == (2, 3), f"the result has the shape of the joint table, (2, 3); yours has "
                                f"shape {got.shape}")
    expect(np.isclose(got[1, 1], 0.7), f"row 'rain' is divided by P(rain) = 0.4, so entry [1, 1] "
                                       f"is 0.7; yours is {got[1, 1]:.4f}")


@checks.add("conditional", "every row is a distribution over b: it sums to one")
def _(conditional):
    got = np.asarray(conditional(WEATHER), dtype=float)
    expect(np.allclose(got.sum(axis=1), 1.0),
           f"each row a of P(B | A) sums to one; your rows sum to {got.sum(axis=1)}. Divide each "
           f"row by its own total P(A = a), not by the column totals.")


@checks.add("conditional", "conditional times P(A) gives back the joint (product rule)")
def _(conditional):
    P = np.array([[0.1, 0.3], [0.2, 0.4]])
    got = np.asarray(conditional(P), dtype=float)
    expect(got.shape == (2, 2), f"expected shape (2, 2); yours has shape {got.shape}")
    rebuilt = got * P.sum(axis=1, keepdims=True)
    expect(np.allclose(rebuilt, P), f"P(B | A) * P(A) should equal P(A, B) = {P.tolist()}; "
                                    f"yours gives {rebuilt.round(4).tolist()}")


# ----------------------------------------------------------------------------- bayes_posterior

@checks.add("bayes_posterior", "the disease test: P(ill | positive) is about 0.154")
def _(bayes_posterior):
    got = np.asarray(bayes_posterior(np.array([0.01, 0.99]), np.array([0.90, 0.05])), dtype=float)
    expect(got.shape == (2,), f"one posterior probability per hypothesis, shape (2,); yours has "
                              f"shape {got.shape}")
    expect(np.allclose(got, [0.009 / 0.0585, 0.0495 / 0.0585]),
           f"prior x likelihood is [0.009, 0.0495], the evidence is their sum 0.0585, so the "
           f"posterior is [0.1538, 0.8462]; yours is {got.round(4)}")


@checks.add("bayes_posterior", "the posterior sums to one")
def _(bayes_posterior):
    got = np.asarray(bayes_posterior(np.array([0.2, 0.5, 0.3]), np.array([0.7, 0.1, 0.4])), dtype=float)
    expect(np.isclose(got.sum(), 1.0), f"the posterior is a distribution; yours sums to "
                                       f"{got.sum():.4f}. Did you divide by the evidence?")


@checks.add("bayes_posterior", "equal likelihoods leave the prior unchanged")
def _(bayes_posterior):
    prior = np.array([0.5, 0.3, 0.2])
    got = np.asarray(bayes_posterior(prior, np.array([0.25, 0.25, 0.25])), dtype=float)
    expect(np.allclose(got, prior), f"data that every hypothesis explains equally well teach "
                                    f"nothing: the posterior should be the prior {prior}; yours "
                                    f"is {got.round(4)}")


# ----------------------------------------------------------------------------- expectation

@checks.add("expectation", "a fair die has expectation 3.5")
def _(expectation):
    got = _number(expectation(np.arange(1.0, 7.0), np.full(6, 1 / 6)), "expectation(...)")
    expect(np.isclose(got, 3.5), f"(1 + 2 + ... + 6) / 6 = 3.5; yours gives {got}")


@checks.add("expectation", "values 10 and 20 with probabilities 0.9 and 0.1 have expectation 11")
def _(expectation):
    got = _number(expectation(np.array([10.0, 20.0]), np.array([0.9, 0.1])), "expectation(...)")
    expect(np.isclose(got, 11.0), f"0.9 * 10 + 0.1 * 20 = 11; yours gives {got}. Each value "
                                  f"counts as much as its probability, not equally.")


# ----------------------------------------------------------------------------- variance

@checks.add("variance", "a fair die has variance 35/12")
def _(variance):
    got = _number(variance(np.arange(1.0, 7.0), np.full(6, 1 / 6)), "variance(...)")
    expect(np.isclose(got, 35 / 12), f"the fair die's variance is 35/12 = {35 / 12:.4f}; yours "
                                     f"gives {got:.4f}")


@checks.add("variance", "values 10 and 20 with probabilities 0.9 and 0.1 have variance 9")
def _(variance):
    got = _number(variance(np.array([10.0, 20.0]), np.array([0.9, 0.1])), "variance(...)")
    hint = " (that is the standard deviation, not its square)" if np.isclose(got, 3.0) else ""
    expect(np.isclose(got, 9.0), f"the mean is 11, so the variance is 0.9 * 1^2 + 0.1 * 9^2 = 9; "
                                 f"yours gives {got}{hint}")


@checks.add("variance", "a value that is certain has variance zero")
def _(variance):
    got = _number(variance(np.array([3.0, 8.0, -1.0]), np.array([0.0, 1.0, 0.0])), "variance(...)")
    expect(np.isclose(got, 0.0), f"X = 8 for sure, so it never deviates from its mean; yours "
                                 f"gives {got}")


@checks.add("variance", "values far from zero: 1e9 and 1e9 + 2, equally likely, have variance 1")
def _(variance):
    got = _number(variance(np.array([1e9, 1e9 + 2.0]), np.array([0.5, 0.5])), "variance(...)")
    expect(np.isclose(got, 1.0, rtol=1e-9),
           f"the mean is 1e9 + 1 and both values deviate from it by 1, so the variance is 1; yours "
           f"gives {got}. E[X^2] - E[X]^2 subtracts two numbers near 1e18, where float64 numbers are "
           f"128 apart: subtract the mean first, then square the small deviations.")


# ----------------------------------------------------------------------------- bernoulli_log_likelihood

@checks.add("bernoulli_log_likelihood", "three heads and one tail at theta = 0.7")
def _(bernoulli_log_likelihood):
    got = _number(bernoulli_log_likelihood(0.7, np.array([1, 0, 1, 1])), "the log-likelihood")
    want = 3 * math.log(0.7) + math.log(0.3)
    expect(np.isclose(got, want), f"3 log(0.7) + log(0.3) = {want:.4f}; yours gives {got:.4f}")


@checks.add("bernoulli_log_likelihood", "a head is impossible at theta = 0: exactly -inf, not nan")
def _(bernoulli_log_likelihood):
    got = _number(bernoulli_log_likelihood(0.0, np.array([0, 1, 0])), "the log-likelihood")
    expect(not np.isnan(got), "got nan: somewhere 0 * log(0) was computed; let only the outcomes "
                              "that occurred contribute a log term")
    expect(got == -np.inf, f"the data contain a head, which has probability 0 at theta = 0, so "
                           f"the log-likelihood is -inf; yours gives {got}")


@checks.add("bernoulli_log_likelihood", "all heads at theta = 1 are certain: exactly 0, not nan")
def _(bernoulli_log_likelihood):
    got = _number(bernoulli_log_likelihood(1.0, np.array([1, 1, 1])), "the log-likelihood")
    expect(not np.isnan(got), "got nan: the tails term computes 0 * log(0) although no tail was "
                              "observed")
    expect(got == 0.0, f"every flip had probability 1, and log(1) = 0; yours gives {got}")


@checks.add("bernoulli_log_likelihood", "ten tails at a tiny theta = 1e-14: 10 log(1 - 1e-14), about -1e-13")
def _(bernoulli_log_likelihood):
    got = _number(bernoulli_log_likelihood(1e-14, np.zeros(10, dtype=int)), "the log-likelihood")
    want = 10 * math.log1p(-1e-14)
    expect(math.isclose(got, want, rel_tol=1e-9),
           f"10 log(1 - 1e-14) = {want:.10g}; yours gives {got:.10g}. 1 - 1e-14 is rounded to a "
           f"float64 (neighbours near 1 are 1.1e-16 apart), which spoils np.log(1 - theta) for a "
           f"tiny theta: np.log1p(-theta) computes it accurately.")


@checks.add("bernoulli_log_likelihood", "3000 flips: the log-likelihood stays finite")
def _(bernoulli_log_likelihood):
    got = _number(bernoulli_log_likelihood(0.5, np.tile([1, 0], 1500)), "the log-likelihood")
    want = 3000 * math.log(0.5)
    expect(np.isfinite(got), f"got {got}: did you multiply 3000 probabilities (the product "
                             f"underflows to 0) before taking the log? Sum the logs instead.")
    expect(np.isclose(got, want), f"3000 log(0.5) = {want:.2f}; yours gives {got:.2f}")


# ----------------------------------------------------------------------------- bernoulli_mle

@checks.add("bernoulli_mle", "7 heads in 10 flips give 0.7")
def _(bernoulli_mle):
    got = _number(bernoulli_mle(np.array([1, 0, 1, 1, 0, 1, 1, 0, 1, 1])), "bernoulli_mle(x)")
    expect(np.isclose(got, 0.7), f"the MLE for 7 heads in 10 flips is 0.7; yours gives {got}")


@checks.add("bernoulli_mle", "the estimate is the theta with the highest log-likelihood")
def _(bernoulli_mle):
    x = np.array([0, 0, 1, 0, 1, 0, 0, 0])
    got = _number(bernoulli_mle(x), "bernoulli_mle(x)")
    grid = np.linspace(0.005, 0.995, 199)
    best = grid[np.argmax(2 * np.log(grid) + 6 * np.log(1 - grid))]   # 2 heads, 6 tails
    expect(abs(got - best) < 0.006, f"on a grid, the log-likelihood of {x.tolist()} peaks near "
                                    f"theta = {best:.3f}; your estimate is {got:.4f}")


# ----------------------------------------------------------------------------- mle_derivation

def _expression(theta_mle):
    """theta_mle as a SymPy expression, or a failed check that says what it is instead."""
    expect(not isinstance(theta_mle, (list, tuple)), "theta_mle is a list: sp.solve returns a "
                                                     "list of solutions; assign one of them")
    expect(isinstance(theta_mle, sp.Expr), f"theta_mle should be a SymPy expression built from "
                                           f"the symbols h and n; yours is a "
                                           f"{type(theta_mle).__name__}")
    return theta_mle


@checks.add("mle_derivation", "theta_mle is a SymPy expression in h and n")
def _(theta_mle):
    names = sorted(s.name for s in _expression(theta_mle).free_symbols)
    expect(set(names) <= {"h", "n"}, f"theta_mle may only contain h and n; yours contains {names}")


@checks.add("mle_derivation", "with h = 7 and n = 10, theta_mle is 0.7")
def _(theta_mle):
    by_name = {s.name: s for s in _expression(theta_mle).free_symbols}
    value = theta_mle.subs({by_name[k]: v for k, v in (("h", 7), ("n", 10)) if k in by_name})
    expect(value.is_number, f"after putting in h = 7 and n = 10 something symbolic is left: {value}")
    expect(np.isclose(complex(value), 0.7), f"7 heads in 10 flips give the MLE 0.7; yours gives "
                                            f"{value}")


# ----------------------------------------------------------------------------- gaussian_mle

def _pair(value):
    expect(isinstance(value, (tuple, list)) and len(value) == 2,
           f"gaussian_mle should return a pair (mu, var); yours returned {type(value).__name__}")
    return _number(value[0], "mu"), _number(value[1], "var")


@checks.add("gaussian_mle", "[2, 4, 4, 4, 5, 5, 7, 9] has mu = 5 and var = 4")
def _(gaussian_mle):
    mu, var = _pair(gaussian_mle(np.array([2.0, 4, 4, 4, 5, 5, 7, 9])))
    expect(np.isclose(mu, 5.0), f"the mean is 40 / 8 = 5; your mu is {mu}")
    hint = {32 / 7: " (that divides by n - 1; the MLE divides by n)",
            2.0: " (that is the standard deviation; return its square)"}
    extra = next((text for value, text in hint.items() if np.isclose(var, value)), "")
    expect(np.isclose(var, 4.0), f"the squared deviations sum to 32 and n = 8, so var = 4; yours "
                                 f"is {var:.4f}{extra}")


@checks.add("gaussian_mle", "a sample of one repeated value has var = 0")
def _(gaussian_mle):
    mu, var = _pair(gaussian_mle(np.full(5, 3.25)))
    expect(np.isclose(mu, 3.25) and np.isclose(var, 0.0),
           f"for [3.25] * 5, mu = 3.25 and var = 0; yours gives ({mu}, {var})")


# ----------------------------------------------------------------------------- map_bernoulli

@checks.add("map_bernoulli", "7 heads in 10 flips with the default prior give 0.557691...")
def _(map_bernoulli):
    got = _number(map_bernoulli(7, 10), "map_bernoulli(7, 10)")
    hints = [(0.7, "that is the MLE: the prior is missing"),
             (0.56, "is this a grid search? It must be accurate to 1e-6")]
    extra = next((f" ({text})" for value, text in hints if abs(got - value) < 1e-9), "")
    expect(abs(got - 0.5576914710) < 1e-6, f"the MAP for 7 of 10 with mu0 = 0.5, sigma0 = 0.1 is "
                                           f"0.557691...; yours gives {got:.6f}{extra}")


@checks.add("map_bernoulli", "the MAP lies between the MLE and the prior mean")
def _(map_bernoulli):
    got = _number(map_bernoulli(2, 10, mu0=0.6, sigma0=0.2), "map_bernoulli(2, 10, 0.6, 0.2)")
    expect(0.2 < got < 0.6, f"with 2 heads in 10 the MLE is 0.2, the prior mean is 0.6, and the "
                            f"MAP is a compromise strictly between them; yours gives {got:.6f}")


@checks.add("map_bernoulli", "at its MAP the derivative of the objective is zero")
def _(map_bernoulli):
    h, n, mu0, sigma0 = 30, 50, 0.4, 0.05
    t = _number(map_bernoulli(h, n, mu0, sigma0), "map_bernoulli(30, 50, 0.4, 0.05)")
    expect(0 < t < 1, f"the MAP must lie in (0, 1); yours gives {t}")
    slope = h / t - (n - h) / (1 - t) - (t - mu0) / sigma0 ** 2
    expect(abs(slope) < 1e-3, f"J'(theta) = h/theta - (n-h)/(1-theta) - (theta-mu0)/sigma0^2 "
                              f"should be 0 at the maximum; at your {t:.6f} it is {slope:.4g}. Check "
                              f"the prior's term: sigma0 is the standard deviation, so the "
                              f"prior's variance is sigma0**2.")


@checks.add("map_bernoulli", "no heads in 100 flips: the maximum is on the boundary, exactly 0")
def _(map_bernoulli):
    got = _number(map_bernoulli(0, 100), "map_bernoulli(0, 100)")
    expect(abs(got) < 1e-6,
           f"with h = 0, J'(0) = mu0 / sigma0**2 - n = 50 - 100 < 0 and J' decreases, so J decreases "
           f"on all of [0, 1] and its maximum is at theta = 0; yours gives {got}. When the cubic has "
           f"no root in (0, 1), the answer is the boundary.")


# ----------------------------------------------------------------------------- fruit_posterior

@checks.add("fruit_posterior", "a round red fruit is an apple with probability 0.198 / 0.216")
def _(fruit_posterior):
    got = np.asarray(fruit_posterior(0, 0), dtype=float)   # round, red
    expect(got.shape == (2,), f"one probability per fruit, shape (2,); yours has shape {got.shape}")
    expect(np.allclose(got, [0.198 / 0.216, 0.018 / 0.216]),
           f"apple: 0.6 * 0.6 * 0.55 = 0.198, orange: 0.4 * 0.9 * 0.05 = 0.018, normalised "
           f"[0.9167, 0.0833]; yours is {got.round(4)}")


@checks.add("fruit_posterior", "works with tables passed as arguments and sums to one")
def _(fruit_posterior):
    prior = np.array([0.2, 0.3, 0.5])
    p_shape = np.array([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]])   # shape says nothing here
    p_colour = np.array([[0.1, 0.9], [0.5, 0.5], [0.9, 0.1]])
    got = np.asarray(fruit_posterior(1, 0, prior, p_shape, p_colour), dtype=float)
    want = prior * p_colour[:, 0] / np.sum(prior * p_colour[:, 0])
    expect(got.shape == (3,), f"three classes give three probabilities; yours has shape {got.shape}")
    expect(np.isclose(got.sum(), 1.0), f"the posterior sums to one; yours sums to {got.sum():.4f}")
    expect(np.allclose(got, want), f"with an uninformative shape the posterior is prior x "
                                   f"P(colour | class), normalised: {want.round(4)}; yours is "
                                   f"{got.round(4)}")


check = checks.run
