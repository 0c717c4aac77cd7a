"""ps6 — PCA and kd-trees"""

# Library calls that would do a question's asked-for work (docs/course.md): the grader reports
# them when they appear in that question's answer cell. The engine matches the last component
# of a dotted name (any attribute use, import or unbound bare call).
#
# numpy's and scipy's linear algebra (np.linalg.eigh, np.linalg.svd, scipy.linalg.eigh, np.cov)
# stay allowed: the question is PCA itself (centring, which decomposition gives what, the
# ordering, the scaling by n - 1), not how to diagonalise a symmetric matrix. What is refused is
# a library PCA. For the kd-tree, the ready-made trees and neighbour searches are refused;
# scipy's distance functions (cdist) stay allowed in the leaves (the tree is the question), and
# are not listed because their short names ("distance") would also match a student's own
# attributes; for the same reason the module sklearn.neighbors is not listed by name
# (node.neighbors), only its classes.
_PCA = ["sklearn", "sklearn.decomposition", "sklearn.decomposition.PCA",
        "sklearn.decomposition.TruncatedSVD", "sklearn.decomposition.IncrementalPCA",
        "sklearn.decomposition.KernelPCA", "sklearn.decomposition.SparsePCA",
        "torch.pca_lowrank", "torch.svd_lowrank"]
_NEIGHBOURS = ["sklearn", "sklearn.neighbors.KDTree",
               "sklearn.neighbors.BallTree", "sklearn.neighbors.NearestNeighbors",
               "sklearn.neighbors.KNeighborsClassifier", "sklearn.neighbors.KNeighborsRegressor",
               "scipy.spatial.KDTree", "scipy.spatial.cKDTree"]

FORBIDDEN_CALLS = {
    "pca": _PCA,
    "pca_transform": _PCA,
    "pca_reconstruct": _PCA,
    "kdtree": _NEIGHBOURS,
}
