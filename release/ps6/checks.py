"""Public checks for ps6 (PCA and kd-trees): quick hints, run in your notebook.

Your grade comes from a separate set of hidden tests; passing these checks is a good sign, not a
guarantee.
"""
import numpy as np
from checking import Checks, expect

checks = Checks()


def _array(value, name):
    """The student's result as a float array, or a failed check that says what came back."""
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        expect(False, f"{name} should be a numpy array of numbers; yours is {type(value).__name__}")


def _pca(pca, X, k):
    result = pca(X, k)
    expect(isinstance(result, (tuple, list)) and len(result) == 3,
           f"pca should return a triple (components, explained_variance, mean); yours returned "
           f"{type(result).__name__}")
    C, var, mean = (_array(v, name) for v, name in zip(result, ("components", "explained_variance", "mean")))
    N, D = X.shape
    expect(C.shape == (k, D), f"components should have shape (k, D) = {(k, D)} (one component per "
           f"ROW); yours has {C.shape}")
    expect(var.shape == (k,), f"explained_variance should have shape ({k},); yours has {var.shape}")
    expect(mean.shape == (D,), f"mean should have shape ({D},), one number per feature; yours has {mean.shape}")
    return C, var, mean


# The hand example: four points around (10, 20). Centred they are (2, 0), (0, 1), (-2, 0),
# (0, -1): with N - 1 = 3, the variance along x is 8/3 and along y 2/3, and the axes are x, y.
_HAND = np.array([[12.0, 20.0], [10.0, 21.0], [8.0, 20.0], [10.0, 19.0]])


# --- pca --------------------------------------------------------------------------------------

@checks.add("pca", "shapes, and unit orthogonal components as rows")
def _(pca):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 4)) * np.array([3.0, 1.0, 0.5, 2.0])
    C, _, _ = _pca(pca, X, 2)
    norms = np.linalg.norm(C, axis=1)
    expect(np.allclose(norms, 1.0, atol=1e-8),
           f"each component should be a unit vector; the norms of your rows are {np.round(norms, 4)}. "
           "(If they look like singular values times something, you scaled the vectors.)")
    expect(abs(C[0] @ C[1]) < 1e-8,
           f"the components should be orthogonal; the dot product of your two rows is {C[0] @ C[1]:.3g}. "
           "(Eigenvectors come out of np.linalg.eigh as COLUMNS: taking rows of that matrix gives "
           "vectors that are neither eigenvectors nor orthogonal in general.)")


@checks.add("pca", "a hand-computable example (mean, variances with N - 1, axes)")
def _(pca):
    C, var, mean = _pca(pca, _HAND, 2)
    expect(np.allclose(mean, [10.0, 20.0]), f"the mean should be [10, 20]; yours is {mean}")
    hint = ""
    if np.allclose(var, [2.0, 0.5]):
        hint = " You divided by N = 4; the convention is N - 1 = 3."
    elif np.allclose(var, [2 / 3, 8 / 3]):
        hint = " Your variances are in increasing order: the first component has the largest."
    elif var[0] > 100:
        hint = " These are far too large: did you centre the data (subtract the mean) first?"
    expect(np.allclose(var, [8 / 3, 2 / 3]),
           f"the explained variances should be [8/3, 2/3] = [2.667, 0.667]; yours are {np.round(var, 4)}.{hint}")
    expect(np.allclose(np.abs(C), [[1.0, 0.0], [0.0, 1.0]], atol=1e-8),
           f"the components should be +-[1, 0] then +-[0, 1] (the sign is free); yours are {np.round(C, 4).tolist()}")


@checks.add("pca", "decreasing variances, equal to the variance of the projected data")
def _(pca):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 3)) @ np.array([[2.0, 0.3, 0.1], [0.0, 1.0, 0.4], [0.0, 0.0, 0.3]])
    C, var, mean = _pca(pca, X, 3)
    expect(np.all(np.diff(var) <= 0), f"the variances should decrease; yours are {np.round(var, 4)}")
    projected = np.var((X - X.mean(axis=0)) @ C.T, axis=0, ddof=1)
    expect(np.allclose(var, projected, rtol=1e-8),
           f"the variance (N - 1) of the data projected on each of your components is "
           f"{np.round(projected, 4)}, but you report {np.round(var, 4)}. The variance along an "
           "eigenvector of the covariance is its eigenvalue: if these differ, your rows are not the "
           "eigenvectors (np.linalg.eigh returns them as the COLUMNS of its second output), or "
           "your variances do not divide by N - 1.")


@checks.add("pca", "accurate for data far from the origin (an offset of 1e6)")
def _(pca):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 3)) * np.array([1.0, 0.5, 2.0])
    _, var, _ = _pca(pca, X, 3)
    _, var_far, mean_far = _pca(pca, X + 1e6, 3)
    expect(np.allclose(var_far, var, rtol=1e-6),
           f"shifting the data by 1e6 should not change the variances {np.round(var, 6)}; yours become "
           f"{np.round(var_far, 6)}. Subtract the mean first, then multiply: the formula "
           "E[x x^T] - mean mean^T subtracts two numbers of about 1e12 and loses the digits that matter.")


# --- pca_transform ----------------------------------------------------------------------------

_C1 = np.array([[0.6, 0.8]])
_MEAN = np.array([10.0, 20.0])


@checks.add("pca_transform", "a hand-computable example: shape (N, k)")
def _(pca_transform):
    Z = _array(pca_transform(_HAND, _C1, _MEAN), "pca_transform's result")
    expect(Z.shape == (4, 1), f"with 4 samples and 1 component the result should have shape (4, 1); yours has {Z.shape}")
    expected = np.array([[1.2], [0.8], [-1.2], [-0.8]])   # (x - mean) . [0.6, 0.8]
    hint = " You did not subtract the mean." if np.allclose(Z, _HAND @ _C1.T) else ""
    expect(np.allclose(Z, expected), f"the scores should be (x - mean) . [0.6, 0.8] = {expected.ravel()}; "
           f"yours are {np.round(Z.ravel(), 4)}.{hint}")


@checks.add("pca_transform", "new samples are centred with the given mean")
def _(pca_transform):
    x_new = np.array([[13.0, 24.0]])
    Z = _array(pca_transform(x_new, _C1, _MEAN), "pca_transform's result")
    hint = (" You centred the sample with its own mean: new data use the mean of the training data, "
            "the one you are given." if np.allclose(Z, 0.0) else "")
    expect(Z.shape == (1, 1) and np.allclose(Z, [[5.0]]),
           f"one new sample (13, 24), mean (10, 20), component (0.6, 0.8): the score should be "
           f"[[5.0]]; yours is {np.round(Z, 4).tolist()}.{hint}")


@checks.add("pca_transform", "with all components, a rotation: lengths are kept")
def _(pca_transform):
    theta = 0.7
    C = np.array([[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]])
    Z = _array(pca_transform(_HAND, C, _MEAN), "pca_transform's result")
    expect(np.allclose(Z, (_HAND - _MEAN) @ C.T),
           "with a full rotated basis as components, the scores should be the rotated centred data; "
           "yours are not. (The components are ROWS: multiply by components.T.)")


# --- pca_reconstruct --------------------------------------------------------------------------

@checks.add("pca_reconstruct", "a hand-computable example: shape (N, D)")
def _(pca_reconstruct):
    X_hat = _array(pca_reconstruct(np.array([[5.0], [-1.0]]), _C1, _MEAN), "pca_reconstruct's result")
    expected = np.array([[13.0, 24.0], [9.4, 19.2]])      # mean + z * [0.6, 0.8]
    expect(X_hat.shape == (2, 2), f"2 samples in 2-D: the result should have shape (2, 2); yours has {X_hat.shape}")
    hint = " You did not add the mean back." if np.allclose(X_hat, expected - _MEAN) else ""
    expect(np.allclose(X_hat, expected),
           f"mean + z * component should give {expected.tolist()}; yours is {np.round(X_hat, 4).tolist()}.{hint}")


@checks.add("pca_reconstruct", "error = (N - 1)/N times the discarded variance")
def _(pca_reconstruct):
    # The hand example with its first component only: the scores are the x offsets (2, 0, -2,
    # 0); what is lost is the y offsets, (0, 1, 0, -1): mean squared error 1/2 = 3/4 * 2/3.
    Z = np.array([[2.0], [0.0], [-2.0], [0.0]])
    X_hat = _array(pca_reconstruct(Z, np.array([[1.0, 0.0]]), _MEAN), "pca_reconstruct's result")
    expect(X_hat.shape == (4, 2), f"the result should have shape (4, 2); yours has {X_hat.shape}")
    error = np.mean(np.sum((_HAND - X_hat) ** 2, axis=1))
    expect(np.isclose(error, 0.5),
           f"keeping the first component of the hand example (variances 8/3 and 2/3), the mean squared "
           f"error should be (N - 1)/N * 2/3 = 0.5; yours gives {error:.4f}")


# --- kdtree -----------------------------------------------------------------------------------

def _brute(P, x, k):
    d = np.sqrt(np.sum((P - x) ** 2, axis=1))
    order = np.lexsort((np.arange(len(P)), d))[:k]
    return d[order], order


def _query(tree, x, k):
    result = tree.query(x, k)
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           f"query should return a pair (dists, idx); yours returned {type(result).__name__}")
    dists, idx = np.asarray(result[0], dtype=float), np.asarray(result[1])
    expect(dists.ndim == 1 and idx.ndim == 1,
           f"query should return two 1-D arrays (of length k, also for k = 1); yours have shapes "
           f"{dists.shape} and {idx.shape}")
    return dists, idx


@checks.add("kdtree", "k nearest neighbours as brute force finds them")
def _(KDTree):
    rng = np.random.default_rng(3)
    P = rng.uniform(size=(200, 2))
    tree = KDTree(P)
    for j, x in enumerate(rng.uniform(-0.2, 1.2, size=(12, 2))):
        k = (1, 5, 3)[j % 3]
        dists, idx = _query(tree, x, k)
        expected_d, expected_i = _brute(P, x, k)
        expect(idx.shape == (k,) and np.array_equal(idx, expected_i),
               f"query at {np.round(x, 3)} with k = {k}: the nearest indices are {expected_i.tolist()}, "
               f"yours are {idx.tolist()}. (If yours are close but not equal, check the backtracking: "
               "after the near side, search the far side whenever the distance to the splitting plane "
               "is <= the current k-th best distance; compare distances with distances, not squared "
               "with unsquared.)")
        expect(np.allclose(dists, expected_d),
               f"query at {np.round(x, 3)}: the distances should be {np.round(expected_d, 4)}; yours are "
               f"{np.round(dists, 4)} (Euclidean distances, not squared)")


@checks.add("kdtree", "ties by lower index; k > N returns all points")
def _(KDTree):
    P = np.array([[1.0, 0.0], [0.0, 0.0], [-1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    tree = KDTree(P)
    dists, idx = _query(tree, np.array([0.0, 0.0]), 3)
    expect(np.array_equal(idx, [1, 3, 0]),
           f"query at (0, 0), k = 3: points 1 and 3 are at distance 0, then 0, 2 and 4 at distance 1; "
           f"equal distances go by lower index, so the answer is [1, 3, 0]; yours is {idx.tolist()}")
    dists, idx = _query(tree, np.array([0.2, 0.1]), 9)
    expect(np.array_equal(idx, _brute(P, np.array([0.2, 0.1]), 9)[1]),
           f"with k = 9 > N = 5, query should return all 5 points sorted by distance, "
           f"{_brute(P, np.array([0.2, 0.1]), 9)[1].tolist()}; yours returned {idx.tolist()}")


@checks.add("kdtree", "range query: sorted indices, the boundary included")
def _(KDTree):
    P = np.array([[0.0, 2.0], [3.0, 4.0], [1.0, 1.0], [0.0, -2.0], [2.5, 0.0], [5.0, 0.0], [-2.0, 0.0]])
    tree = KDTree(P)
    got = np.asarray(tree.range_query(np.array([0.0, 0.0]), 2.0))
    expect(got.ndim == 1 and np.array_equal(got, [0, 2, 3, 6]),
           "range_query((0, 0), r = 2): points 0, 3 and 6 are at distance exactly 2 and point 2 at "
           f"1.41, so the answer is [0, 2, 3, 6] (distance <= r, indices sorted); yours is {got.tolist()}")
    got = np.asarray(tree.range_query(np.array([10.0, 10.0]), 1.0))
    expect(got.size == 0, f"no point is within 1 of (10, 10): the answer should be empty; yours is {got.tolist()}")


@checks.add("kdtree", "the counter shows the pruning (2000 points in the plane)")
def _(KDTree):
    rng = np.random.default_rng(4)
    P = rng.uniform(size=(2000, 2))
    tree = KDTree(P)
    expect(tree.n_distance_evals == 0,
           f"n_distance_evals should be 0 right after building; yours is {tree.n_distance_evals}")
    Q = rng.uniform(size=(40, 2))
    for x in Q:
        _query(tree, x, 1)
    per_query = tree.n_distance_evals / len(Q)
    expect(per_query >= 1,
           f"each query computes at least one distance, but your counter grew by {per_query:.1f} per "
           "query: increase it by one for every query-to-point distance you compute")
    hint = (" That is every point: your search never prunes (skip the far side when the distance to "
            "the splitting plane exceeds the k-th best distance)." if per_query >= 0.99 * len(P) else "")
    expect(per_query <= 0.25 * len(P),
           f"your tree computed {per_query:.0f} of the {len(P)} distances per 1-NN query on average; a "
           f"pruning kd-tree computes a few dozen (the grader asks for at most a quarter).{hint}")
    d, i = _query(tree, Q[0], 1)
    expect(np.array_equal(i, _brute(P, Q[0], 1)[1]),
           f"the nearest neighbour of {np.round(Q[0], 3)} is point {_brute(P, Q[0], 1)[1][0]}; yours is {i.tolist()}")


check = checks.run
