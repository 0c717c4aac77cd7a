import numpy as np
from coursegrade import assert_allclose, cross_checked, number, points, question
from autograder.ps4 import reference as ref

pytestmark = question("logistic_fit")


def _data(seed, N, D, w_true, b_true):
    """Labels drawn from the logistic model itself: not separable, so the MLE is finite."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, D)) + rng.normal(scale=0.5, size=D)
    y = (rng.uniform(size=N) < ref.sigmoid(X @ np.asarray(w_true) + b_true)).astype(float)
    return X, y


def _fit(student, X, y, lr, steps):
    got = student.logistic_fit(X, y, lr, steps)
    assert isinstance(got, (tuple, list)) and len(got) == 2, "not (w, b)"
    w, b = np.asarray(got[0], dtype=float), number(got[1])
    assert w.shape == (X.shape[1],), f"w has shape {w.shape}, expected ({X.shape[1]},)"
    return w, b


@points(2)
def test_few_steps_of_gradient_descent_from_zero(student):
    "After a few steps, (w, b) is exactly where full-batch gradient descent on the mean log-loss from w = 0, b = 0 arrives (w and b updated together)."
    X, y = _data(4701, N=15, D=4, w_true=[1.0, -2.0, 0.5, 1.5], b_true=0.7)
    for lr, steps in ((0.3, 1), (0.8, 6)):
        w, b = _fit(student, X, y, lr, steps)
        w_ref, b_ref = ref.logistic_fit(X, y, lr, steps)
        assert_allclose(w, w_ref, rtol=1e-9, atol=1e-12, err_msg=f"w after {steps} steps")
        assert_allclose(b, b_ref, rtol=1e-9, atol=1e-12, err_msg=f"b after {steps} steps")


@points(2)
def test_converges_to_the_maximum_likelihood_estimate(student):
    "With enough steps on non-separable data, logistic_fit reaches the maximum-likelihood (w, b): the gradient of the log-loss vanishes there."
    X, y = _data(4702, N=60, D=2, w_true=[1.5, -2.0], b_true=0.8)
    w, b = _fit(student, X, y, 2.0, 400)
    w_mle, b_mle = cross_checked(ref.logistic_mle(X, y), lambda: ref.logistic_mle_torch(X, y), rtol=1e-6)
    assert_allclose(w, w_mle, rtol=0, atol=1e-6, err_msg="w")
    assert_allclose(b, b_mle, rtol=0, atol=1e-6, err_msg="b")


@points(1)
def test_learns_the_intercept(student):
    "When most labels are 1 and the features carry little information, the fitted intercept is close to the log-odds of the label frequency."
    rng = np.random.default_rng(4703)
    N, D = 80, 3
    X = rng.normal(size=(N, D)) * 0.05
    y = (rng.uniform(size=N) < 0.8).astype(float)
    w, b = _fit(student, X, y, 1.5, 300)
    w_ref, b_ref = ref.logistic_fit(X, y, 1.5, 300)
    assert_allclose(b, b_ref, rtol=1e-8, atol=1e-10, err_msg="b")
    assert_allclose(w, w_ref, rtol=1e-7, atol=1e-8, err_msg="w")
    frequency = y.mean()
    assert abs(b - np.log(frequency / (1 - frequency))) < 0.15, f"b = {b}, label frequency {frequency}"
