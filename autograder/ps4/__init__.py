"""ps4 — Linear and logistic regression, gradient descent"""

# Library calls that do the asked-for work of a question (docs/course.md): the grader reports them
# when they appear in that question's answer cell. Keys are the grade_ids of the public-checks
# cells. The engine matches the last name component (`lstsq` matches np.linalg.lstsq and
# scipy.linalg.lstsq), unless the student defined that name.
# linear_fit may use np.linalg.svd, np.linalg.eigh, np.linalg.qr, np.linalg.solve; not a solver
# that returns the least-squares or minimum-norm solution itself.
_LEAST_SQUARES = ["numpy.linalg.lstsq", "numpy.linalg.pinv", "scipy.linalg.lstsq", "scipy.linalg.pinv",
                  "scipy.linalg.pinvh", "scipy.sparse.linalg.lsqr", "scipy.sparse.linalg.lsmr",
                  "torch.linalg.lstsq", "torch.linalg.pinv", "numpy.polyfit", "scipy.stats.linregress",
                  "sklearn.linear_model.LinearRegression"]
# Autograd does the whole work of a gradient. Only `.backward` is listed: the last name of
# `torch.autograd.grad` is `grad`, which students also use for their own variables.
_AUTOGRAD = ["torch.Tensor.backward"]
_OPTIMISERS = ["torch.optim.SGD", "torch.optim.LBFGS", "torch.optim.Adam", "scipy.optimize.minimize"]
_SIGMOID = ["scipy.special.expit", "torch.sigmoid", "torch.special.expit"]

FORBIDDEN_CALLS = {
    "linear_fit": _LEAST_SQUARES,
    "mse_loss_and_grad": ["torch.nn.functional.mse_loss", "torch.nn.MSELoss"] + _AUTOGRAD,
    "gradient_descent": _OPTIMISERS,
    "minibatch_sgd": _OPTIMISERS + ["torch.utils.data.DataLoader"],
    "sigmoid": _SIGMOID,
    "bernoulli_nll": ["sympy.diff", "sympy.Derivative"],
    "logistic_loss_and_grad": ["torch.nn.functional.binary_cross_entropy_with_logits",
                               "torch.nn.functional.binary_cross_entropy", "torch.nn.BCEWithLogitsLoss",
                               "torch.nn.BCELoss", "torch.nn.functional.logsigmoid",
                               "scipy.special.log_expit"] + _AUTOGRAD,
    "logistic_fit": _OPTIMISERS + _AUTOGRAD + ["sklearn.linear_model.LogisticRegression"],
}
