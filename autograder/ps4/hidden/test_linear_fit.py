import numpy as np
from coursegrade import assert_allclose, cross_checked, number, points, question
from autograder.ps4 import reference as ref

pytestmark = question("linear_fit")

# The contract (docs/course.md): among all minimisers of ||X w + b - y||^2 the one with the
# smallest ||w||, the intercept free; full-rank X here has a condition number of at most about
# 1e4 after centring, so the normal equations (condition number squared, 1e8) stay accurate
# enough for the tolerances below, and rank-deficient X is exactly rank-deficient.


def _fit(student, X, y):
    got = student.linear_fit(X, y)
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"returned {type(got).__name__}, not (w, b)"
    w, b = np.asarray(got[0], dtype=float), number(got[1])
    assert w.shape == (X.shape[1],), f"w has shape {w.shape}, expected ({X.shape[1]},)"
    return w, b


def _assert_fit_close(got, expected, X, rtol=1e-7):
    (w, b), (w_ref, b_ref) = got, expected
    w_scale = max(1.0, np.max(np.abs(w_ref)))
    assert_allclose(w, w_ref, rtol=0, atol=rtol * w_scale, err_msg="w")
    # b = mean(y) - mean(X) @ w inherits the error of w through the column means
    b_scale = max(1.0, abs(b_ref)) + np.linalg.norm(X.mean(axis=0)) * np.linalg.norm(w_ref)
    assert_allclose(b, b_ref, rtol=0, atol=rtol * b_scale, err_msg="b")


def _assert_least_squares(got, X, y):
    """The residual is orthogonal to every column of X and to the column of ones."""
    w, b = got
    r = X @ w + b - y
    scale = np.linalg.norm(X) * np.linalg.norm(y) + 1.0
    assert abs(np.sum(r)) < 1e-8 * scale, f"sum of residuals {np.sum(r)}"
    assert np.max(np.abs(X.T @ r)) < 1e-8 * scale, f"X^T r = {X.T @ r}"


@points(2)
def test_full_rank_with_noise(student):
    "For tall full-rank X (more samples than features) and noisy targets, (w, b) is the least-squares fit: the residual is orthogonal to every feature and sums to zero."
    rng = np.random.default_rng(4101)
    N, D = 41, 6
    X = rng.normal(size=(N, D)) * rng.uniform(0.5, 3.0, size=D) + rng.normal(scale=2.0, size=D)
    y = X @ rng.normal(size=D) - 1.7 + 0.5 * rng.normal(size=N)
    got = _fit(student, X, y)
    expected = cross_checked(ref.linear_fit(X, y), lambda: ref.linear_fit_lstsq(X, y))
    _assert_fit_close(got, expected, X)
    _assert_least_squares(got, X, y)


@points(1)
def test_recovers_intercept_exactly(student):
    "Without noise, linear_fit recovers the true weights and the intercept, also when the features have means far from zero."
    rng = np.random.default_rng(4102)
    N, D = 17, 4
    X = rng.normal(size=(N, D)) + np.array([5.0, -3.0, 8.0, 1.5])
    w_true, b_true = rng.normal(size=D), 6.25
    got = _fit(student, X, X @ w_true + b_true)
    _assert_fit_close(got, (w_true, b_true), X)


@points(1)
def test_shifting_the_features_moves_only_the_intercept(student):
    "Adding a constant vector s to every row of X leaves w unchanged and changes b by -s @ w; scaling y scales w and b."
    rng = np.random.default_rng(4103)
    N, D = 29, 3
    X = rng.normal(size=(N, D))
    y = X @ rng.normal(size=D) + 0.3 + 0.4 * rng.normal(size=N)
    shift = np.array([4.0, -7.5, 2.25])
    w, b = _fit(student, X, y)
    w_shift, b_shift = _fit(student, X + shift, y)
    w_scaled, b_scaled = _fit(student, X, -2.5 * y)
    _assert_fit_close((w, b), ref.linear_fit(X, y), X)
    assert_allclose(w_shift, w, rtol=1e-7, atol=1e-9, err_msg="w after shifting X")
    assert_allclose(b_shift, b - shift @ w, rtol=1e-7, atol=1e-9, err_msg="b after shifting X")
    assert_allclose(w_scaled, -2.5 * w, rtol=1e-7, atol=1e-9, err_msg="w after scaling y")
    assert_allclose(b_scaled, -2.5 * b, rtol=1e-7, atol=1e-9, err_msg="b after scaling y")


@points(2)
def test_rank_deficient_minimum_norm(student):
    "For rank-deficient X (a duplicated column, a column that is an affine combination of others, a constant column), linear_fit returns the least-squares fit with the smallest ||w||, the intercept free."
    rng = np.random.default_rng(4104)
    N, D = 23, 7
    X = rng.normal(size=(N, D)) + rng.normal(scale=2.0, size=D)
    X[:, 2] = X[:, 0]                              # duplicated column
    X[:, 4] = 2.0 * X[:, 1] - X[:, 3] + 5.0        # affine combination: offsets matter
    X[:, 6] = 3.5                                  # a constant column does the intercept's job
    y = rng.normal(size=N) + X[:, 1]
    got = _fit(student, X, y)
    expected = cross_checked(ref.linear_fit(X, y), lambda: ref.linear_fit_pinv(X, y))
    _assert_fit_close(got, expected, X)
    _assert_least_squares(got, X, y)
    # the minimum-norm w has no component along the null space of the centred X
    w = got[0]
    assert abs(w[0] - w[2]) < 1e-7 * max(1.0, np.max(np.abs(w))), f"duplicated columns got {w[0]} and {w[2]}"
    assert abs(w[6]) < 1e-7 * max(1.0, np.max(np.abs(w))), f"constant column got weight {w[6]}"


@points(2)
def test_more_features_than_samples(student):
    "With fewer samples than features (N < D), linear_fit interpolates the data exactly and returns the interpolating w of smallest norm."
    rng = np.random.default_rng(4105)
    N, D = 9, 14
    X = rng.normal(size=(N, D)) + rng.normal(size=D)
    y = rng.normal(size=N) * 2.0 + 1.0
    got = _fit(student, X, y)
    w, b = got
    assert_allclose(X @ w + b, y, rtol=0, atol=1e-8 * max(1.0, np.max(np.abs(y))), err_msg="fitted values")
    expected = cross_checked(ref.linear_fit(X, y), lambda: ref.linear_fit_pinv(X, y))
    _assert_fit_close(got, expected, X)


@points(1)
def test_ill_conditioned(student):
    "For nearly collinear features (condition number about 1e4), linear_fit still returns the least-squares weights, intercept and fitted values."
    rng = np.random.default_rng(4106)
    N, D = 37, 5
    Q1, _ = np.linalg.qr(rng.normal(size=(N, D)))
    Q2, _ = np.linalg.qr(rng.normal(size=(D, D)))
    Q1 -= Q1.mean(axis=0)                            # so that the centred X has these singular values
    X = Q1 @ np.diag(np.logspace(1, -3, D)) @ Q2.T + rng.normal(scale=3.0, size=D)
    y = X @ rng.normal(size=D) + 2.5 + 0.1 * rng.normal(size=N)
    got = _fit(student, X, y)
    expected = cross_checked(ref.linear_fit(X, y), lambda: ref.linear_fit_lstsq(X, y))
    _assert_fit_close(got, expected, X, rtol=1e-6)
    w, b = got
    assert_allclose(X @ w + b, X @ expected[0] + expected[1], rtol=1e-8, atol=1e-8, err_msg="fitted values")
