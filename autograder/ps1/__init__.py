"""ps1 — Probability, likelihood, MLE and MAP"""

# Calls that would do a question's whole asked-for work in one line. Summing a table with
# np.sum, or np.mean / np.var for the Gaussian MLE, are the point of those lessons and allowed.
FORBIDDEN_CALLS = {
    "expectation": ["numpy.average"],                      # a weighted mean is the task
    "variance": ["numpy.cov"],                             # np.cov(v, aweights=p, bias=True)
    "bernoulli_log_likelihood": ["scipy.stats.bernoulli.logpmf",
                                 "torch.distributions.Bernoulli"],
    "map_bernoulli": ["scipy.optimize.minimize_scalar"],
}
