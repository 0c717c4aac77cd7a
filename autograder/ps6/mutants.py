"""Known-wrong implementations of ps6's answers: each must lose points under the hidden suite.

A mutant replaces one function (or the KDTree class) of an otherwise correct notebook. The PCA
mutants are written out in full, as a student's answer would be. The KDTree mutants are the
reference class (reference.py, the notebook's solution) with one mistake edited in: each edit
is checked to apply exactly where it is meant to, so a change of the reference cannot silently
turn a mutant into a correct tree.
"""
import ast
from pathlib import Path

import numpy as np
from coursegrade import mutant, mutant_code


# --- pca --------------------------------------------------------------------------------------

@mutant("pca", hint="the data are not centred: the eigenvectors of X^T X / (n - 1) describe the spread around the origin, not around the mean")
def pca_not_centred(X, k):
    S = X.T @ X / (len(X) - 1)
    values, vectors = np.linalg.eigh(S)
    order = np.argsort(values)[::-1][:k]
    return vectors[:, order].T, values[order], X.mean(axis=0)


@mutant("pca", hint="np.linalg.eigh returns the eigenvectors as the COLUMNS of its matrix; this takes rows of it")
def pca_eigenvectors_as_rows(X, k):
    mean = X.mean(axis=0)
    Xc = X - mean
    values, vectors = np.linalg.eigh(Xc.T @ Xc / (len(X) - 1))
    order = np.argsort(values)[::-1][:k]
    return vectors[order], values[order], mean


@mutant("pca", hint="the covariance is divided by n; the explained variance of this course uses n - 1 (the unbiased sample covariance)")
def pca_divides_by_n(X, k):
    mean = X.mean(axis=0)
    Xc = X - mean
    values, vectors = np.linalg.eigh(Xc.T @ Xc / len(X))
    order = np.argsort(values)[::-1][:k]
    return vectors[:, order].T, values[order], mean


@mutant("pca", hint="the components are sorted by increasing variance (eigh's order): the first component should have the largest variance")
def pca_increasing_order(X, k):
    mean = X.mean(axis=0)
    Xc = X - mean
    values, vectors = np.linalg.eigh(Xc.T @ Xc / (len(X) - 1))
    return vectors[:, :k].T, values[:k], mean


@mutant("pca", hint="the components are not unit vectors: the rows of Vt were scaled by the singular values")
def pca_not_normalised(X, k):
    mean = X.mean(axis=0)
    _, s, Vt = np.linalg.svd(X - mean, full_matrices=False)
    return (s[:, None] * Vt)[:k], s[:k] ** 2 / (len(X) - 1), mean


@mutant("pca", hint="the explained variance is the singular value s itself; the variance along a component is s^2 / (n - 1)")
def pca_singular_values_as_variance(X, k):
    mean = X.mean(axis=0)
    _, s, Vt = np.linalg.svd(X - mean, full_matrices=False)
    return Vt[:k], s[:k], mean


@mutant("pca", hint="the SVD is taken of the raw data, not of the centred data")
def pca_svd_not_centred(X, k):
    _, s, Vt = np.linalg.svd(X, full_matrices=False)
    return Vt[:k], s[:k] ** 2 / (len(X) - 1), X.mean(axis=0)


@mutant("pca", hint="the covariance is computed in one pass as E[x x^T] - mean mean^T: for data far from the origin the subtraction of two huge, nearly equal numbers loses most digits (centre first, then multiply)")
def pca_one_pass_covariance(X, k):
    mean = X.mean(axis=0)
    S = (X.T @ X / len(X) - np.outer(mean, mean)) * len(X) / (len(X) - 1)
    values, vectors = np.linalg.eigh(S)
    order = np.argsort(values)[::-1][:k]
    return vectors[:, order].T, values[order], mean


@mutant("pca", hint="with more features than samples this maps the eigenvectors u of the small Gram matrix Xc Xc^T back as Xc^T u but forgets to normalise them to unit length")
def pca_gram_not_normalised(X, k):
    mean = X.mean(axis=0)
    Xc = X - mean
    if X.shape[1] > X.shape[0]:
        values, U = np.linalg.eigh(Xc @ Xc.T / (len(X) - 1))
        order = np.argsort(values)[::-1][:k]
        return (Xc.T @ U[:, order]).T, values[order], mean
    values, vectors = np.linalg.eigh(Xc.T @ Xc / (len(X) - 1))
    order = np.argsort(values)[::-1][:k]
    return vectors[:, order].T, values[order], mean


@mutant("pca", hint="the explained variance is returned as a ratio (divided by the total variance), not as the variance itself")
def pca_variance_ratio(X, k):
    mean = X.mean(axis=0)
    Xc = X - mean
    values, vectors = np.linalg.eigh(Xc.T @ Xc / (len(X) - 1))
    order = np.argsort(values)[::-1][:k]
    return vectors[:, order].T, values[order] / values.sum(), mean


@mutant("pca", hint="the data are centred by one number (the mean of all entries) instead of the mean of each feature")
def pca_scalar_mean(X, k):
    mean = X.mean()
    Xc = X - mean
    values, vectors = np.linalg.eigh(Xc.T @ Xc / (len(X) - 1))
    order = np.argsort(values)[::-1][:k]
    return vectors[:, order].T, values[order], np.full(X.shape[1], mean)


# --- pca_transform ----------------------------------------------------------------------------

@mutant("pca_transform", hint="the mean is not subtracted: the coordinates should be those of x - mean")
def transform_not_centred(X, components, mean):
    return X @ components.T


@mutant("pca_transform", hint="this centres the data with their own mean instead of the mean it is given (the training data's): new samples get wrong coordinates")
def transform_own_mean(X, components, mean):
    return (X - X.mean(axis=0)) @ components.T


@mutant("pca_transform", hint="the mean is added instead of subtracted")
def transform_adds_mean(X, components, mean):
    return (X + mean) @ components.T


@mutant("pca_transform", hint="the components are used as columns ((X - mean) @ components): they are the rows of components, so multiply by its transpose")
def transform_components_as_columns(X, components, mean):
    return (X - mean) @ components


@mutant("pca_transform", hint="this returns the projection back in the original space ((X - mean) C^T C), which is the reconstruction's job; the transform returns the k coordinates")
def transform_returns_projection(X, components, mean):
    return (X - mean) @ components.T @ components


@mutant("pca_transform", hint="the coordinates are standardised (divided by their standard deviation): the scores should keep their variances, the explained variances")
def transform_standardised(X, components, mean):
    Z = (X - mean) @ components.T
    return Z / Z.std(axis=0)


@mutant("pca_transform", hint="only the first component is used; every component gives a column")
def transform_first_component_only(X, components, mean):
    Z = np.zeros((X.shape[0], components.shape[0]))
    Z[:, 0] = (X - mean) @ components[0]
    return Z


# --- pca_reconstruct --------------------------------------------------------------------------

@mutant("pca_reconstruct", hint="the mean is not added back: the reconstruction is centred at the origin")
def reconstruct_no_mean(Z, components, mean):
    return Z @ components


@mutant("pca_reconstruct", hint="the mean is subtracted instead of added back")
def reconstruct_subtracts_mean(Z, components, mean):
    return Z @ components - mean


@mutant("pca_reconstruct", hint="this adds the mean's projection onto the components (mean C^T C) instead of the mean itself")
def reconstruct_projected_mean(Z, components, mean):
    return (Z + mean @ components.T) @ components


@mutant("pca_reconstruct", hint="this multiplies by the transpose of the components (Z @ C^T): going back, each score multiplies its component, a row of C")
def reconstruct_transposed(Z, components, mean):
    return Z @ components.T + mean


@mutant("pca_reconstruct", hint="only the first component is used to reconstruct")
def reconstruct_first_component_only(Z, components, mean):
    return np.outer(Z[:, 0], components[0]) + mean


@mutant("pca_reconstruct", hint="this computes in float32: for data far from the origin (a mean of 1e6) float32 keeps only about 7 digits")
def reconstruct_float32(Z, components, mean):
    return (Z.astype(np.float32) @ components.astype(np.float32) + mean.astype(np.float32))


# --- KDTree -----------------------------------------------------------------------------------

def _reference_class(name):
    path = Path(__file__).with_name("reference.py")
    text = path.read_text()
    for node in ast.parse(text).body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return "\n".join(text.splitlines()[node.lineno - 1:node.end_lineno]) + "\n"
    raise LookupError(f"{path} defines no class {name}")


_KDTREE = _reference_class("KDTree")


def kdtree_mutant(name, hint, *edits):
    """The reference KDTree with `edits` ((old, new, count) each: `old` must occur exactly
    `count` times) applied."""
    source = _KDTREE
    for old, new, count in edits:
        found = source.count(old)
        if found != count:
            raise ValueError(f"mutant {name}: {old!r} occurs {found} times in the reference, not {count}")
        source = source.replace(old, new)
    mutant_code("KDTree", name, source, hint)


_PRUNE = "if len(best) < k or abs(diff) <= -best[0][0]:"
_LEFT_IN_REACH, _RIGHT_IN_REACH = "if diff <= r:", "if -diff <= r:"

kdtree_mutant(
    "kdtree_never_backtracks",
    "the search only descends to the side of each split that holds x and never comes back to "
    "look at the other side: a nearer point just across a splitting plane is missed",
    (_PRUNE + "   # the far side may hold a better point\n                search(far)", "pass", 1),
    (_LEFT_IN_REACH + "        # the left side (coordinates <= split) is within reach\n"
     "                search(node[\"left\"])\n            "
     + _RIGHT_IN_REACH + "       # the right side (coordinates >= split) is within reach\n"
     "                search(node[\"right\"])",
     "search(node[\"left\"] if diff < 0 else node[\"right\"])", 1))

kdtree_mutant(
    "kdtree_visits_everything",
    "the search always visits both sides of every split: the answers are right, but nothing is "
    "pruned, so every query computes all N distances (no better than brute force)",
    (_PRUNE, "if True:", 1), (_LEFT_IN_REACH, "if True:", 1), (_RIGHT_IN_REACH, "if True:", 1))

kdtree_mutant(
    "kdtree_prunes_on_equality",
    "the far side is skipped when its distance to the splitting plane EQUALS the k-th best "
    "distance (< instead of <=): a point there at exactly that distance with a lower index is "
    "missed",
    (_PRUNE, "if len(best) < k or abs(diff) < -best[0][0]:", 1))

kdtree_mutant(
    "kdtree_prunes_with_the_nearest",
    "the pruning test compares the distance to the splitting plane with the NEAREST point found "
    "so far; for k > 1 it must be the k-th nearest (the worst of the k kept)",
    (_PRUNE, "if len(best) < k or abs(diff) <= -max(best)[0]:", 1))

kdtree_mutant(
    "kdtree_prunes_with_squared_distance",
    "the pruning test compares the distance to the splitting plane with the SQUARED k-th "
    "distance: compare a distance with a distance (or a square with a square)",
    (_PRUNE, "if len(best) < k or abs(diff) <= best[0][0] ** 2:", 1))

kdtree_mutant(
    "kdtree_drops_points_on_the_plane",
    "the build sends coordinates < split left and > split right: the points ON the splitting "
    "plane (the median among them) belong to neither side and are lost",
    ("left, right = order[:mid], order[mid:]",
     "coords = self.points[order, axis]\n"
     "            left, right = order[coords < split], order[coords > split]", 1))

kdtree_mutant(
    "kdtree_axis_hardcoded_2d",
    "the split axis cycles through 0 and 1 only (depth % 2), as if every data set were 2-D: "
    "in 1-D there is no axis 1, and in 3-D and more the other axes are never split",
    ("axis = depth % d", "axis = depth % 2", 1))

kdtree_mutant(
    "kdtree_search_on_the_first_axis",
    "the search compares x with each split along the first coordinate, not along the axis the "
    "node was split on: it goes to the wrong side and prunes with a wrong distance",
    ('diff = x[node["axis"]] - node["split"]', 'diff = x[0] - node["split"]', 2))

kdtree_mutant(
    "kdtree_ties_to_higher_index",
    "among equal distances this keeps and lists the HIGHER index first; the contract orders "
    "equal distances by lower index",
    ("item = (-dist, -i)", "item = (-dist, i)", 1),
    ("found = sorted((-d, -i) for d, i in best)",
     "found = sorted(((-d, i) for d, i in best), key=lambda t: (t[0], -t[1]))", 1))

kdtree_mutant(
    "kdtree_range_strict",
    "range_query keeps the points at distance < r; points at distance exactly r belong to the "
    "answer too (distance <= r)",
    ("dist <= r]", "dist < r]", 1))

kdtree_mutant(
    "kdtree_range_prunes_on_equality",
    "range_query skips a side whose splitting plane is at distance exactly r (< instead of <=): "
    "a point on that plane at distance exactly r is lost",
    (_LEFT_IN_REACH, "if diff < r:", 1), (_RIGHT_IN_REACH, "if -diff < r:", 1))

kdtree_mutant(
    "kdtree_range_unsorted",
    "range_query returns the indices in the order the tree found them; the contract returns them "
    "sorted",
    ("return np.array(sorted(found), dtype=np.int64)", "return np.array(found, dtype=np.int64)", 1))

kdtree_mutant(
    "kdtree_counter_not_incremented",
    "n_distance_evals is never increased: it should count every distance from a query to a data "
    "point that the tree computes",
    ("        self.n_distance_evals += len(idx)\n", "", 1))

kdtree_mutant(
    "kdtree_counter_per_leaf",
    "n_distance_evals grows by one per leaf visited, not by one per distance computed",
    ("self.n_distance_evals += len(idx)", "self.n_distance_evals += 1", 1))

kdtree_mutant(
    "kdtree_counter_reset_per_query",
    "n_distance_evals is reset at every query; it should count all the distances computed since "
    "the tree was built",
    ("        x = np.asarray(x, dtype=float)\n",
     "        x = np.asarray(x, dtype=float)\n        self.n_distance_evals = 0\n", 2))

kdtree_mutant(
    "kdtree_pads_when_k_exceeds_n",
    "for k > N this pads the answer with infinite distances and index N (as scipy does); the "
    "contract returns the N points",
    ("        k = min(k, len(self.points))\n", "", 1),
    ("        return (np.array([d for d, _ in found], dtype=float),",
     "        found += [(np.inf, len(self.points))] * (k - len(found))\n"
     "        return (np.array([d for d, _ in found], dtype=float),", 1))

kdtree_mutant(
    "kdtree_squared_distances",
    "the square root is missing: these are squared distances (the order is the same, but the "
    "distances returned are wrong, and so is the pruning, which compares them with distances to "
    "the planes)",
    ("return np.sqrt(np.sum((self.points[idx] - x) ** 2, axis=1))",
     "return np.sum((self.points[idx] - x) ** 2, axis=1)", 1))

kdtree_mutant(
    "kdtree_positions_in_a_sorted_copy",
    "the tree sorts its copy of the points and returns positions in that sorted copy, not the "
    "indices of the points it was given",
    ("        self.n_distance_evals = 0\n",
     "        self.points = self.points[np.argsort(self.points[:, 0], kind=\"stable\")]\n"
     "        self.n_distance_evals = 0\n", 1))

kdtree_mutant(
    "kdtree_crashes_when_k_exceeds_n",
    "for k > N this fails (it fills k result slots from fewer than k points); the contract "
    "returns the N points when k >= N",
    ("        k = min(k, len(self.points))\n", "", 1),
    ("        return (np.array([d for d, _ in found], dtype=float),\n"
     "                np.array([i for _, i in found], dtype=np.int64))",
     "        dists, idx = np.empty(k), np.empty(k, dtype=np.int64)\n"
     "        for j in range(k):\n"
     "            dists[j], idx[j] = found[j]\n"
     "        return dists, idx", 1))
