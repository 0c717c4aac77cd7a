import numpy as np
from coursegrade import assert_allclose, points, question
from autograder.ps6 import reference as ref

pytestmark = question("pca_transform")

# pca_transform is graded with components given by the test (orthonormal rows, from PCA or
# not), so a mistake in pca never costs points here.


def _orthonormal_rows(rng, k, D):
    q, _ = np.linalg.qr(rng.normal(size=(D, k)))
    return q.T.copy()


def _transform(student, X, C, mean):
    got = np.asarray(student.pca_transform(X, C, mean), dtype=float)
    assert got.shape == (X.shape[0], C.shape[0]), f"shape {got.shape}, expected {(X.shape[0], C.shape[0])}"
    return got


@points(1)
def test_coordinates_along_the_components(student):
    "pca_transform gives the coordinates of the centred samples along each component, one row per sample and one column per component, with the mean it is given."
    rng = np.random.default_rng(611)
    X = rng.normal(size=(12, 7)) * 2.0 + 1.0
    C = _orthonormal_rows(rng, 3, 7)
    mean = rng.normal(size=7)                      # not the mean of X: the training data's
    assert_allclose(_transform(student, X, C, mean), ref.pca_transform(X, C, mean), rtol=1e-10, atol=1e-12)


@points(1)
def test_new_samples_and_a_full_basis(student):
    "New samples (one, then two) are centred with the given mean, not their own; with k = D and a rotated basis the transform is a rotation of the centred data."
    rng = np.random.default_rng(612)
    D = 5
    mean = rng.normal(size=D) * 3.0
    C = _orthonormal_rows(rng, 2, D)
    for n in (1, 3):
        X = rng.normal(size=(n, D)) + 4.0
        assert_allclose(_transform(student, X, C, mean), ref.pca_transform(X, C, mean), rtol=1e-10, atol=1e-12)
    C = _orthonormal_rows(rng, D, D)
    X = rng.normal(size=(8, D)) - 2.0
    got = _transform(student, X, C, mean)
    assert_allclose(got, ref.pca_transform(X, C, mean), rtol=1e-10, atol=1e-12)
    assert_allclose(np.linalg.norm(got, axis=1), np.linalg.norm(X - mean, axis=1), rtol=1e-10)


@points(1)
def test_scores_of_the_training_data(student):
    "With the components and mean of pca on data far from the origin, the scores of that data have mean zero and are uncorrelated, with the explained variances as their variances."
    rng = np.random.default_rng(613)
    X = rng.normal(size=(43, 6)) * np.array([2.0, 0.5, 1.2, 0.3, 3.1, 0.8]) + np.array([5e3, -2e3, 1e4, 7e3, -4e3, 3e3])
    C, var, mean = ref.pca(X, 4)
    Z = _transform(student, X, C, mean)
    assert_allclose(Z, ref.pca_transform(X, C, mean), rtol=1e-8, atol=1e-8)
    assert_allclose(Z.mean(axis=0), np.zeros(4), atol=1e-8, err_msg="scores' mean")
    assert_allclose(np.cov(Z.T, ddof=1), np.diag(var), atol=1e-7 * var[0], err_msg="scores' covariance")
