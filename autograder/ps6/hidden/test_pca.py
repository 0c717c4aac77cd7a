import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps6 import reference as ref

pytestmark = question("pca")

# Components are graded sign-invariantly and, inside a block of repeated eigenvalues, basis-
# invariantly: through the projection matrix C_b^T C_b onto each block of equal variances
# (ref.block_projections), never vector by vector. Every expected value is the reference's
# eigen-decomposition of the covariance, cross-checked against the SVD of the centred data.


def _rotation(rng, D):
    q, r = np.linalg.qr(rng.normal(size=(D, D)))
    return q * np.sign(np.diag(r))


def _data(rng, N, scales, offset=0.0):
    """N samples whose covariance has (about) the given standard deviations along random axes."""
    D = len(scales)
    return rng.normal(size=(N, D)) * np.asarray(scales) @ _rotation(rng, D) + offset


def _pca(student, X, k):
    got = student.pca(X, k)
    assert isinstance(got, (tuple, list)) and len(got) == 3, f"pca returned {type(got).__name__}"
    C, var, mean = (np.asarray(a, dtype=float) for a in got)
    D = X.shape[1]
    assert C.shape == (k, D), f"components shape {C.shape}, expected {(k, D)}"
    assert var.shape == (k,), f"explained_variance shape {var.shape}, expected {(k,)}"
    assert mean.shape == (D,), f"mean shape {mean.shape}, expected {(D,)}"
    return C, var, mean


def _expected(X, k):
    return cross_checked(ref.pca_summary(X, k), lambda: ref.pca_summary_svd(X, k), rtol=1e-6, atol=1e-8)


def _assert_pca(got, X, k, rtol=1e-8, proj_atol=1e-7):
    C, var, mean = got
    projections, exp_var, exp_mean = _expected(X, k)
    scale = np.max(np.abs(X))
    assert_allclose(mean, exp_mean, rtol=1e-12, atol=1e-13 * scale, err_msg="mean")
    assert_allclose(var, exp_var, rtol=rtol, atol=rtol * exp_var[0], err_msg="explained_variance")
    assert_allclose(C @ C.T, np.eye(k), atol=1e-8, err_msg="components are not orthonormal rows")
    blocks = ref.eigen_blocks(exp_var)
    for block, P in zip(blocks, projections):
        assert_allclose(C[block].T @ C[block], P, atol=proj_atol, err_msg=f"components {block}")


@points(2)
def test_more_samples_than_features(student):
    "pca of data with more samples than features: the mean, the top-k variances (n - 1) and the unit components as rows, compared sign-invariantly with an SVD of the centred data."
    rng = np.random.default_rng(601)
    X = _data(rng, 41, [3.0, 0.4, 1.7, 0.9, 2.4, 0.15], offset=rng.normal(size=6) * 2.0)
    _assert_pca(_pca(student, X, 3), X, 3)
    X = _data(rng, 23, [0.5, 1.3, 2.2, 0.8], offset=np.array([1.0, -4.0, 0.5, 2.5]))
    _assert_pca(_pca(student, X, 1), X, 1)


@points(2)
def test_more_features_than_samples(student):
    "pca of data with more features than samples (D > N), up to k = N - 1 components (all the directions with non-zero variance)."
    rng = np.random.default_rng(602)
    X = rng.normal(size=(9, 26)) * rng.uniform(0.3, 3.0, size=26) + rng.normal(size=26)
    _assert_pca(_pca(student, X, 5), X, 5)
    X = rng.normal(size=(7, 15)) * rng.uniform(0.5, 2.0, size=15) - 1.5
    _assert_pca(_pca(student, X, 6), X, 6)


@points(1)
def test_all_components_sorted_by_decreasing_variance(student):
    "With k = D, the variances come in decreasing order and add up to the total variance; the components form an orthonormal basis."
    rng = np.random.default_rng(603)
    X = _data(rng, 35, [0.3, 2.5, 1.1, 4.0, 0.7], offset=rng.normal(size=5))
    C, var, mean = got = _pca(student, X, 5)
    assert np.all(np.diff(var) <= 0), f"variances not decreasing: {var}"
    total = np.trace(np.cov(X.T, ddof=1))
    assert_allclose(np.sum(var), total, rtol=1e-9, err_msg="total variance")
    _assert_pca(got, X, 5)


@points(1)
def test_repeated_eigenvalues(student):
    "Data with repeated eigenvalues: the components of a repeated eigenvalue are unique only as a subspace, and that subspace is what is checked."
    rng = np.random.default_rng(604)
    N, D = 30, 6
    # Centred columns, orthonormal and orthogonal to the ones vector, scaled by s: the covariance
    # is V diag(s^2) V^T / (N - 1) exactly (up to rounding), with s = 3, 3, 2, 2, 2, 1.
    A = rng.normal(size=(N, D))
    A -= A.mean(axis=0)
    Q, _ = np.linalg.qr(A)
    s = np.array([3.0, 3.0, 2.0, 2.0, 2.0, 1.0]) * np.sqrt(N - 1)
    X = Q * s @ _rotation(rng, D).T + rng.normal(size=D) * 3.0
    for k in (2, 5, 6):
        _assert_pca(_pca(student, X, k), X, k)


@points(1)
def test_data_far_from_the_origin(student):
    "pca of data whose mean is about 1e6 away from the origin: the centring must be accurate (variances of order 1 to a relative 1e-7)."
    rng = np.random.default_rng(605)
    offset = np.array([1.0e6, -2.5e6, 7.0e5, 1.5e6])
    X = _data(rng, 57, [1.0, 0.35, 2.0, 0.6], offset=offset)
    _assert_pca(_pca(student, X, 3), X, 3, rtol=1e-7, proj_atol=1e-6)


@points(1)
def test_translation_permutation_and_scaling(student):
    "Shifting the data moves only the mean, reordering the samples changes nothing, and scaling the data by c scales the variances by c^2."
    rng = np.random.default_rng(606)
    X = _data(rng, 19, [1.4, 0.5, 2.9], offset=np.array([0.5, -1.0, 2.0]))
    C, var, mean = _pca(student, X, 2)
    _assert_pca((C, var, mean), X, 2)
    shift = np.array([40.0, -13.0, 7.5])
    C2, var2, mean2 = _pca(student, X[rng.permutation(19)] * 2.5 + shift, 2)
    assert_allclose(mean2, mean * 2.5 + shift, rtol=1e-10, atol=1e-10, err_msg="mean")
    assert_allclose(var2, var * 6.25, rtol=1e-8, err_msg="variances")
    assert_allclose(np.abs(np.sum(C * C2, axis=1)), np.ones(2), atol=1e-8, err_msg="components")
