import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps6 import reference as ref

pytestmark = question("pca_reconstruct")

# pca_reconstruct is graded with components and scores given by the test (the reference's), so
# mistakes in pca or pca_transform never cost points here.


def _orthonormal_rows(rng, k, D):
    q, _ = np.linalg.qr(rng.normal(size=(D, k)))
    return q.T.copy()


def _reconstruct(student, Z, C, mean):
    got = np.asarray(student.pca_reconstruct(Z, C, mean), dtype=float)
    assert got.shape == (Z.shape[0], C.shape[1]), f"shape {got.shape}, expected {(Z.shape[0], C.shape[1])}"
    return got


@points(1)
def test_back_to_the_original_space(student):
    "pca_reconstruct maps scores back to the original space: one row per sample, one column per original feature, the mean added back."
    rng = np.random.default_rng(621)
    C = _orthonormal_rows(rng, 3, 8)
    Z = rng.normal(size=(10, 3)) * 2.0
    mean = rng.normal(size=8) * 5.0
    assert_allclose(_reconstruct(student, Z, C, mean), ref.pca_reconstruct(Z, C, mean), rtol=1e-10, atol=1e-12)


@points(1)
def test_all_components_give_the_data_back(student):
    "With all D components, reconstructing the scores gives the data back exactly (to rounding), also for data about 1e6 away from the origin."
    rng = np.random.default_rng(622)
    X = rng.normal(size=(14, 5)) * np.array([1.0, 3.0, 0.5, 2.0, 0.2]) + np.array([1e6, -3e6, 2e6, 5e5, -1e6])
    C, _, mean = ref.pca(X, 5)
    got = _reconstruct(student, ref.pca_transform(X, C, mean), C, mean)
    assert_allclose(got, X, rtol=1e-12, atol=1e-6)


@points(1)
def test_error_is_the_discarded_variance(student):
    "With k of D components of pca, the mean squared reconstruction error (1/N) sum ||x - x_hat||^2 equals (N - 1)/N times the sum of the discarded variances (the eigenvalues not kept)."
    rng = np.random.default_rng(623)
    N, D = 27, 6
    X = rng.normal(size=(N, D)) * np.array([2.5, 0.4, 1.5, 0.9, 3.2, 0.6]) @ np.linalg.qr(rng.normal(size=(D, D)))[0] + 3.0
    variances = ref.all_variances(X)
    for k in (1, 3, 4):
        C, _, mean = ref.pca(X, k)
        got = _reconstruct(student, ref.pca_transform(X, C, mean), C, mean)
        assert_allclose(got, ref.pca_reconstruct(ref.pca_transform(X, C, mean), C, mean), rtol=1e-10, atol=1e-10)
        error = np.mean(np.sum((X - got) ** 2, axis=1))
        expected = cross_checked((N - 1) / N * np.sum(variances[k:]), lambda: ref.reconstruction_error_svd(X, k))
        assert_allclose(error, expected, rtol=1e-8, err_msg=f"k = {k}")
