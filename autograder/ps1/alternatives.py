"""Other correct answers to ps1: each must keep full marks."""
import numpy as np

from coursegrade import alternative, alternative_code
from autograder.ps1.reference import FRUIT_PRIOR, P_COLOUR_GIVEN_FRUIT, P_SHAPE_GIVEN_FRUIT

# ----------------------------------------------------------------------------- marginal

@alternative("marginal")
def marginal_moveaxis_loop(P, axis):
    # Bring the summed axis to the front and add its slices one by one.
    slices = np.moveaxis(np.asarray(P, dtype=float), axis, 0)
    total = np.zeros(slices.shape[1:])
    for piece in slices:
        total = total + piece
    return total


@alternative("marginal")
def marginal_torch_float32(P, axis):
    import torch
    return torch.as_tensor(P, dtype=torch.float32).sum(dim=axis).numpy()


# ----------------------------------------------------------------------------- conditional

@alternative("conditional")
def conditional_loops(P_AB):
    P_AB = np.asarray(P_AB, dtype=float)
    out = np.empty_like(P_AB)
    for a in range(P_AB.shape[0]):
        p_a = sum(P_AB[a, b] for b in range(P_AB.shape[1]))
        for b in range(P_AB.shape[1]):
            out[a, b] = P_AB[a, b] / p_a
    return out


@alternative("conditional")
def conditional_uses_marginal_float32(P_AB):
    P_A = marginal(np.asarray(P_AB, dtype=np.float32), 1)
    return P_AB.astype(np.float32) / P_A[:, None]


# ----------------------------------------------------------------------------- bayes_posterior

@alternative("bayes_posterior")
def bayes_posterior_log_space(prior, likelihood):
    # Work with logs, as one would for many data points; subtract the max before exp.
    with np.errstate(divide="ignore"):
        log_joint = np.log(prior) + np.log(likelihood)
    log_joint = log_joint - np.max(log_joint)
    weights = np.exp(log_joint)
    return weights / np.sum(weights)


@alternative("bayes_posterior")
def bayes_posterior_explicit_evidence(prior, likelihood):
    evidence = 0.0
    for p, l in zip(prior, likelihood):
        evidence += p * l
    return np.array([p * l / evidence for p, l in zip(prior, likelihood)])


@alternative("bayes_posterior")
def bayes_posterior_torch(prior, likelihood):
    import torch
    joint = torch.as_tensor(prior) * torch.as_tensor(likelihood)
    return (joint / joint.sum()).numpy()


# ----------------------------------------------------------------------------- expectation

@alternative("expectation")
def expectation_dot(values, probs):
    return np.dot(values, probs)


@alternative("expectation")
def expectation_fsum(values, probs):
    # Not float32: variance reuses expectation, and its tests include values near 1e8, where a
    # float32 mean is off by units.
    import math
    return math.fsum(v * p for v, p in zip(values, probs))


@alternative("expectation")
def expectation_torch(values, probs):
    import torch
    return (torch.as_tensor(values) * torch.as_tensor(probs)).sum().item()


# ----------------------------------------------------------------------------- variance

@alternative("variance")
def variance_shift_by_first_value(values, probs):
    # Var[X] = Var[X - c] for any constant c: shifting by one of the values keeps the digits, so
    # E[Y^2] - E[Y]^2 of the shifted Y = X - c is safe where it is not for X itself.
    shifted = np.asarray(values, dtype=float) - values[0]
    return expectation(shifted ** 2, probs) - expectation(shifted, probs) ** 2


@alternative("variance")
def variance_loop(values, probs):
    mean = sum(p * v for v, p in zip(values, probs))
    return sum(p * (v - mean) ** 2 for v, p in zip(values, probs))


@alternative("variance")
def variance_torch(values, probs):
    import torch
    v, p = torch.as_tensor(values), torch.as_tensor(probs)
    return (p * (v - (p * v).sum()) ** 2).sum().item()


# ----------------------------------------------------------------------------- bernoulli_log_likelihood

@alternative("bernoulli_log_likelihood")
def bernoulli_log_likelihood_where(theta, x):
    # Pick the probability of each observed outcome; log of 0 is -inf (silenced), never nan.
    x = np.asarray(x)
    with np.errstate(divide="ignore"):
        return np.sum(np.where(x == 1, np.log(theta), np.log1p(-theta)))


@alternative("bernoulli_log_likelihood")
def bernoulli_log_likelihood_loop(theta, x):
    import math
    total = 0.0
    for xi in x:
        p = theta if xi == 1 else 1 - theta
        if p == 0:
            return -math.inf
        total += math.log(theta) if xi == 1 else math.log1p(-theta)
    return total


@alternative("bernoulli_log_likelihood")
def bernoulli_log_likelihood_counts_xlogy(theta, x):
    # scipy's xlogy(0, 0) is 0, so the 0 * log 0 terms vanish; log1p keeps tiny theta exact.
    from scipy.special import xlog1py, xlogy
    h = float(np.sum(x))
    return xlogy(h, theta) + xlog1py(len(x) - h, -theta)


# ----------------------------------------------------------------------------- bernoulli_mle

@alternative("bernoulli_mle")
def bernoulli_mle_counts(x):
    heads = sum(1 for xi in x if xi == 1)
    return heads / len(x)


@alternative("bernoulli_mle")
def bernoulli_mle_torch(x):
    import torch
    return torch.as_tensor(x, dtype=torch.float64).mean().item()


# ----------------------------------------------------------------------------- mle_derivation

alternative_code("theta_mle", "theta_mle_sympy_solve", '''
h, n, theta = sp.symbols("h n theta", positive=True)
log_lik = h * sp.log(theta) + (n - h) * sp.log(1 - theta)
theta_mle = sp.solve(sp.Eq(sp.diff(log_lik, theta), 0), theta)[0]
''')
alternative_code("theta_mle", "theta_mle_integer_symbols", '''
h, n = sp.symbols("h n", integer=True, nonnegative=True)
theta_mle = sp.Rational(1, 1) * h * n ** -1
''')
alternative_code("theta_mle", "theta_mle_float_factor", '''
h, n = sp.symbols("h n")
theta_mle = 1.0 * h / n
''')


# ----------------------------------------------------------------------------- gaussian_mle

@alternative("gaussian_mle")
def gaussian_mle_numpy(x):
    return np.mean(x), np.var(x)


@alternative("gaussian_mle")
def gaussian_mle_loop(x):
    n = len(x)
    mu = sum(x) / n
    var = sum((xi - mu) ** 2 for xi in x) / n
    return mu, var


@alternative("gaussian_mle")
def gaussian_mle_torch(x):
    import torch
    t = torch.as_tensor(x, dtype=torch.float64)
    return t.mean().item(), t.var(unbiased=False).item()


# ----------------------------------------------------------------------------- map_bernoulli

@alternative("map_bernoulli")
def map_bernoulli_bisection(heads, n, mu0=0.5, sigma0=0.1):
    # The objective is concave on (0, 1): its derivative decreases, so bisect for its zero.
    # Stop at a width of 1e-12: some 53 halvings towards 1 (all heads, the maximum on the
    # boundary) round t to exactly 1.0, and 1 - t = 0 divides by zero.
    lo, hi = 0.0, 1.0
    while hi - lo > 1e-12:
        t = (lo + hi) / 2
        slope = heads / t - (n - heads) / (1 - t) - (t - mu0) / sigma0 ** 2
        if slope > 0:
            lo = t
        else:
            hi = t
    return (lo + hi) / 2


@alternative("map_bernoulli")
def map_bernoulli_newton_torch(heads, n, mu0=0.5, sigma0=0.1):
    # Newton's method on the derivative, with derivatives from autograd; damped to stay in (0, 1).
    import torch
    t = torch.tensor(min(max(mu0, 0.05), 0.95), dtype=torch.float64)
    for _ in range(100):
        t = t.detach().requires_grad_(True)
        objective = (heads * torch.log(t) + (n - heads) * torch.log1p(-t)
                     - (t - mu0) ** 2 / (2 * sigma0 ** 2))
        (grad,) = torch.autograd.grad(objective, t, create_graph=True)
        (hess,) = torch.autograd.grad(grad, t)
        step = (grad / hess).detach()
        new = t.detach() - step
        while not 0 < new < 1:  # keep the iterate inside the domain
            step = step / 2
            new = t.detach() - step
        if abs(new - t.detach()) < 1e-15:
            t = new
            break
        t = new
    return float(t)


@alternative("map_bernoulli")
def map_bernoulli_golden_section(heads, n, mu0=0.5, sigma0=0.1):
    # Golden-section search on the concave objective itself (no derivative needed).
    def objective(t):
        return heads * np.log(t) + (n - heads) * np.log1p(-t) - (t - mu0) ** 2 / (2 * sigma0 ** 2)
    ratio = (np.sqrt(5) - 1) / 2
    lo, hi = 1e-15, 1 - 1e-15
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = objective(a), objective(b)
    for _ in range(200):
        if fa < fb:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = objective(b)
        else:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = objective(a)
    return (lo + hi) / 2


# ----------------------------------------------------------------------------- fruit_posterior

@alternative("fruit_posterior")
def fruit_posterior_direct(shape, colour, prior=FRUIT_PRIOR, p_shape=P_SHAPE_GIVEN_FRUIT,
                           p_colour=P_COLOUR_GIVEN_FRUIT):
    joint = np.asarray(prior) * np.asarray(p_shape)[:, shape] * np.asarray(p_colour)[:, colour]
    return joint / joint.sum()


@alternative("fruit_posterior")
def fruit_posterior_sequential_update(shape, colour, prior=FRUIT_PRIOR, p_shape=P_SHAPE_GIVEN_FRUIT,
                                      p_colour=P_COLOUR_GIVEN_FRUIT):
    # Update on one feature at a time: yesterday's posterior is today's prior.
    after_shape = bayes_posterior(prior, p_shape[:, shape])
    return bayes_posterior(after_shape, p_colour[:, colour])


@alternative("fruit_posterior")
def fruit_posterior_log_space(shape, colour, prior=FRUIT_PRIOR, p_shape=P_SHAPE_GIVEN_FRUIT,
                              p_colour=P_COLOUR_GIVEN_FRUIT):
    log_joint = np.log(prior) + np.log(p_shape[:, shape]) + np.log(p_colour[:, colour])
    weights = np.exp(log_joint - log_joint.max())
    return weights / weights.sum()
