"""Trusted reference implementations for ps6 (PCA and kd-trees).

Plain numpy, written to be read top to bottom. The conventions are those of docs/course.md's
ps6 section: PCA centres the data, returns unit components as rows sorted by decreasing
variance (sign free) and eigenvalues of the covariance with n - 1; the kd-tree answers with
Euclidean distances, k nearest sorted by (distance, index), range queries as sorted indices of
the points at distance <= r, and counts the query-to-point distances it computes.

The SVD, brute-force and scipy functions at the end are oracles: where the course is validated,
every reference answer a hidden test uses is checked against them (`cross_checked`).
"""
import heapq

import numpy as np


# --- PCA --------------------------------------------------------------------------------------

def pca(X, k):
    """(components (k, D), explained_variance (k,), mean (D,)) by the eigen-decomposition of the
    covariance Xc^T Xc / (n - 1) of the centred data."""
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    Xc = X - mean
    covariance = Xc.T @ Xc / (len(X) - 1)
    values, vectors = np.linalg.eigh(covariance)          # ascending, vectors as columns
    order = np.argsort(values)[::-1][:k]
    return vectors[:, order].T.copy(), values[order], mean


def all_variances(X):
    """Every eigenvalue of the covariance (n - 1), in decreasing order: (D,)."""
    X = np.asarray(X, dtype=float)
    Xc = X - X.mean(axis=0)
    return np.sort(np.linalg.eigvalsh(Xc.T @ Xc / (len(X) - 1)))[::-1]


def pca_transform(X, components, mean):
    """The coordinates of the rows of X along the components: (X - mean) @ components.T."""
    return (np.asarray(X, dtype=float) - mean) @ np.asarray(components, dtype=float).T


def pca_reconstruct(Z, components, mean):
    """Back in the original space: Z @ components + mean."""
    return np.asarray(Z, dtype=float) @ np.asarray(components, dtype=float) + mean


def eigen_blocks(variances, rtol=1e-6):
    """Index blocks of equal variances (a block's components are unique only as a subspace)."""
    blocks, start = [], 0
    for i in range(1, len(variances) + 1):
        if i == len(variances) or abs(variances[i] - variances[i - 1]) > rtol * max(abs(variances[0]), 1e-300):
            blocks.append(list(range(start, i)))
            start = i
    return blocks


def block_projections(components, variances):
    """The projection matrix C_b^T C_b onto each block of equal variances: sign free, and
    basis free inside a block of repeated eigenvalues."""
    C = np.asarray(components, dtype=float)
    return [C[b].T @ C[b] for b in eigen_blocks(variances)]


def pca_summary(X, k):
    """What the tests compare: (projections per block, variances, mean)."""
    components, variances, mean = pca(X, k)
    return block_projections(components, variances), variances, mean


def pca_summary_svd(X, k):
    """The same summary from the SVD of the centred data (the oracle): the right singular
    vectors are the components, s^2 / (n - 1) the variances."""
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    _, s, Vt = np.linalg.svd(X - mean, full_matrices=False)
    variances = np.zeros(k)
    variances[:min(k, len(s))] = s[:k] ** 2 / (len(X) - 1)
    return block_projections(Vt[:k], variances), variances, mean


def reconstruction_error_svd(X, k):
    """(1/N) sum_i ||x_i - x_hat_i||^2 for the best rank-k affine fit, from the singular values:
    the sum of the discarded s_j^2, divided by N."""
    X = np.asarray(X, dtype=float)
    s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    return float(np.sum(s[k:] ** 2) / len(X))


# --- kd-tree ----------------------------------------------------------------------------------

class KDTree:
    """A kd-tree over the rows of points (N, D), N >= 1, for exact nearest-neighbour and range
    search with Euclidean distances.

    tree = KDTree(points) builds the tree (the caller's array is not modified);
    tree.query(x, k=1) -> (dists, idx): the min(k, N) points nearest to x (D,), as a float array
        of distances and an integer array of indices into points, both of length min(k, N),
        sorted by distance, equal distances by lower index;
    tree.range_query(x, r) -> idx: the indices, sorted ascending, of every point at distance
        <= r from x (an integer array, empty if there are none);
    tree.n_distance_evals: how many query-to-point distances the tree has computed since it
        was built, one per data point whose distance to a query it computes (0 after building;
        it only grows).
    """

    def __init__(self, points):
        """Build the tree over a copy of points (N, D), and start the counter at 0."""
        self.points = np.array(points, dtype=float)    # a copy: the caller's array stays as it is
        self.n_distance_evals = 0
        n, d = self.points.shape
        leaf_size = 8

        def build(idx, depth):
            if len(idx) <= leaf_size:
                return {"leaf": idx}
            axis = depth % d
            order = idx[np.argsort(self.points[idx, axis], kind="stable")]
            mid = len(order) // 2
            split = self.points[order[mid], axis]
            # Left: coordinates <= split; right: coordinates >= split (equal ones on either side).
            left, right = order[:mid], order[mid:]
            return {"axis": axis, "split": split,
                    "left": build(left, depth + 1), "right": build(right, depth + 1)}

        self.root = build(np.arange(n), 0)

    def _distances(self, x, idx):
        """Distances from x to the points self.points[idx], counted in self.n_distance_evals."""
        self.n_distance_evals += len(idx)
        return np.sqrt(np.sum((self.points[idx] - x) ** 2, axis=1))

    def query(self, x, k=1):
        """The min(k, N) points nearest to x (D,): (distances, indices), two arrays sorted by
        distance, equal distances by lower index."""
        x = np.asarray(x, dtype=float)
        k = min(k, len(self.points))
        best = []   # the k best so far as (-distance, -index): best[0] is the worst of them

        def search(node):
            if "leaf" in node:
                for dist, i in zip(self._distances(x, node["leaf"]), node["leaf"]):
                    item = (-dist, -i)
                    if len(best) < k:
                        heapq.heappush(best, item)
                    elif item > best[0]:
                        heapq.heapreplace(best, item)
                return
            diff = x[node["axis"]] - node["split"]
            near, far = (node["left"], node["right"]) if diff < 0 else (node["right"], node["left"])
            search(near)
            if len(best) < k or abs(diff) <= -best[0][0]:   # the far side may hold a better point
                search(far)

        search(self.root)
        found = sorted((-d, -i) for d, i in best)
        return (np.array([d for d, _ in found], dtype=float),
                np.array([i for _, i in found], dtype=np.int64))

    def range_query(self, x, r):
        """The indices, sorted, of the points at distance <= r from x (D,)."""
        x = np.asarray(x, dtype=float)
        found = []

        def search(node):
            if "leaf" in node:
                dist = self._distances(x, node["leaf"])
                found.extend(node["leaf"][dist <= r].tolist())
                return
            diff = x[node["axis"]] - node["split"]
            if diff <= r:        # the left side (coordinates <= split) is within reach
                search(node["left"])
            if -diff <= r:       # the right side (coordinates >= split) is within reach
                search(node["right"])

        search(self.root)
        return np.array(sorted(found), dtype=np.int64)


# --- brute force and scipy (oracles) ----------------------------------------------------------

def distances(P, x):
    """Euclidean distances from x (D,) to every row of P (N, D)."""
    P, x = np.asarray(P, dtype=float), np.asarray(x, dtype=float)
    return np.sqrt(np.sum((P - x) ** 2, axis=1))


def knn_brute_force(P, x, k):
    """(distances, indices) of the min(k, N) nearest rows of P, sorted by (distance, index)."""
    d = distances(P, x)
    order = np.lexsort((np.arange(len(d)), d))[:k]
    return d[order], order.astype(np.int64)


def range_brute_force(P, x, r):
    """Sorted indices of the rows of P at distance <= r from x."""
    return np.flatnonzero(distances(P, x) <= r).astype(np.int64)


def knn_distances_scipy(P, Q, k):
    """The k smallest distances from each row of Q, by scipy's cKDTree: (len(Q), min(k, N))."""
    from scipy.spatial import cKDTree
    m = min(k, len(P))
    d, _ = cKDTree(np.asarray(P, dtype=float)).query(np.asarray(Q, dtype=float), k=m)
    return np.asarray(d, dtype=float).reshape(len(Q), m)


def range_counts_scipy(P, Q, r):
    """How many rows of P lie at distance <= r from each row of Q, by scipy's cKDTree."""
    from scipy.spatial import cKDTree
    tree = cKDTree(np.asarray(P, dtype=float))
    return np.array([len(tree.query_ball_point(q, r)) for q in np.asarray(Q, dtype=float)])
