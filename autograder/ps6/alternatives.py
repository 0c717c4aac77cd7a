"""Other correct implementations of ps6's answers: each must keep full marks.

None uses a call listed in FORBIDDEN_CALLS. The PCA alternatives differ in the decomposition
(the SVD of the centred data, the small Gram matrix when D > N, torch, np.linalg.eig) and so in
the signs and rounding of their components; the kd-trees differ in structure (one point per
node, leaves of 32 or 128 points, the widest axis instead of cycling, iterative or best-first
search with bounding boxes) and so in how many distances they compute.
"""
import numpy as np
from coursegrade import alternative, alternative_code


# --- pca --------------------------------------------------------------------------------------

@alternative("pca")
def pca_svd(X, k):
    mean = X.mean(axis=0)
    _, s, Vt = np.linalg.svd(X - mean, full_matrices=False)
    return Vt[:k], s[:k] ** 2 / (len(X) - 1), mean


@alternative("pca")
def pca_gram_when_wide(X, k):
    mean = X.mean(axis=0)
    Xc = X - mean
    n = len(X)
    if X.shape[1] > n:
        # Xc Xc^T u = (n - 1) lam u  =>  S (Xc^T u) = lam (Xc^T u): map back and normalise.
        values, U = np.linalg.eigh(Xc @ Xc.T / (n - 1))
        order = np.argsort(values)[::-1][:k]
        V = Xc.T @ U[:, order]
        return (V / np.linalg.norm(V, axis=0)).T, values[order], mean
    values, vectors = np.linalg.eigh(np.cov(X, rowvar=False, ddof=1))
    order = np.argsort(values)[::-1][:k]
    return vectors[:, order].T, values[order], mean


@alternative("pca")
def pca_torch(X, k):
    import torch
    Xt = torch.as_tensor(X, dtype=torch.float64)
    mean = Xt.mean(dim=0)
    _, s, Vh = torch.linalg.svd(Xt - mean, full_matrices=False)
    return Vh[:k].numpy(), (s[:k] ** 2 / (Xt.shape[0] - 1)).numpy(), mean.numpy()


@alternative("pca")
def pca_eig_sorted(X, k):
    mean = np.mean(X, axis=0)
    Xc = X - mean
    values, vectors = np.linalg.eig(Xc.T @ Xc / (len(X) - 1))   # unsorted, maybe complex
    values, vectors = values.real, vectors.real
    order = np.argsort(-values, kind="stable")[:k]
    # eig (unlike eigh) does not make the vectors of a repeated eigenvalue orthogonal: Gram-Schmidt
    # them in order of decreasing variance, which keeps each one inside its eigenspace.
    q, r = np.linalg.qr(vectors[:, order])
    return (q * np.sign(np.diag(r))).T, values[order], mean


# --- pca_transform ----------------------------------------------------------------------------

@alternative("pca_transform")
def transform_einsum(X, components, mean):
    return np.einsum("nd,kd->nk", X - mean, components)


@alternative("pca_transform")
def transform_dot_products(X, components, mean):
    Z = np.empty((X.shape[0], components.shape[0]))
    for j, c in enumerate(components):
        Z[:, j] = (X - mean) @ c
    return Z


@alternative("pca_transform")
def transform_transposed(X, components, mean):
    return (components @ (X - mean).T).T


# --- pca_reconstruct --------------------------------------------------------------------------

@alternative("pca_reconstruct")
def reconstruct_einsum(Z, components, mean):
    return np.einsum("nk,kd->nd", Z, components) + mean


@alternative("pca_reconstruct")
def reconstruct_sum_of_components(Z, components, mean):
    X_hat = np.tile(mean, (Z.shape[0], 1)).astype(float)
    for j in range(components.shape[0]):
        X_hat = X_hat + np.outer(Z[:, j], components[j])
    return X_hat


@alternative("pca_reconstruct")
def reconstruct_pseudo_inverse(Z, components, mean):
    # For orthonormal rows, pinv(C) = C^T: x - mean = pinv(C) z.
    return (np.linalg.pinv(components) @ Z.T).T + mean


# --- KDTree -----------------------------------------------------------------------------------

KDTREE_ONE_POINT_PER_NODE = '''
class KDTree:
    """The classic kd-tree: every node holds one point, the median along its axis; recursive."""

    def __init__(self, points):
        self.points = np.array(points, dtype=float)
        self.n_distance_evals = 0
        self.dim = self.points.shape[1]
        self.root = self._build(list(range(len(self.points))), 0)

    def _build(self, idx, depth):
        if not idx:
            return None
        axis = depth % self.dim
        idx = sorted(idx, key=lambda i: (self.points[i, axis], i))
        mid = len(idx) // 2
        return (idx[mid], axis, self._build(idx[:mid], depth + 1), self._build(idx[mid + 1:], depth + 1))

    def _dist(self, x, i):
        self.n_distance_evals += 1
        return float(np.sqrt(np.sum((self.points[i] - x) ** 2)))

    def query(self, x, k=1):
        x = np.asarray(x, dtype=float)
        k = min(k, len(self.points))
        heap = []

        def visit(node):
            if node is None:
                return
            i, axis, left, right = node
            item = (-self._dist(x, i), -i)
            if len(heap) < k:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)
            diff = x[axis] - self.points[i, axis]
            near, far = (left, right) if diff < 0 else (right, left)
            visit(near)
            if len(heap) < k or abs(diff) <= -heap[0][0]:
                visit(far)

        visit(self.root)
        pairs = sorted((-d, -i) for d, i in heap)
        return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs], dtype=int)

    def range_query(self, x, r):
        x = np.asarray(x, dtype=float)
        out = []

        def visit(node):
            if node is None:
                return
            i, axis, left, right = node
            if self._dist(x, i) <= r:
                out.append(i)
            diff = x[axis] - self.points[i, axis]
            if diff <= r:
                visit(left)
            if diff >= -r:
                visit(right)

        visit(self.root)
        return np.array(sorted(out), dtype=int)
'''

KDTREE_ITERATIVE_WIDEST_AXIS = '''
class KDTree:
    """Leaves of up to 32 points, each node split at the median of its widest coordinate
    (np.argpartition), searched with an explicit stack instead of recursion."""

    LEAF = 32

    def __init__(self, points):
        self.points = np.array(points, dtype=float)
        self.n_distance_evals = 0
        self.nodes = []                 # (axis, split, left, right) or (-1, indices, None, None)
        root_todo = [(np.arange(len(self.points)), None, None)]
        while root_todo:
            idx, parent, side = root_todo.pop()
            if len(idx) <= self.LEAF:
                node = (-1, idx, None, None)
            else:
                spread = self.points[idx].max(axis=0) - self.points[idx].min(axis=0)
                axis = int(np.argmax(spread))
                mid = len(idx) // 2
                part = idx[np.argpartition(self.points[idx, axis], mid)]
                split = self.points[part[mid], axis]
                node = [axis, split, None, None]
                root_todo.append((part[:mid], len(self.nodes), 2))
                root_todo.append((part[mid:], len(self.nodes), 3))
            self.nodes.append(node)
            if parent is not None:
                self.nodes[parent][side] = len(self.nodes) - 1

    def _leaf(self, x, idx):
        self.n_distance_evals += len(idx)
        return np.linalg.norm(self.points[idx] - x, axis=1)

    def query(self, x, k=1):
        x = np.asarray(x, dtype=float)
        k = min(k, len(self.points))
        best_d, best_i = np.full(0, np.inf), np.zeros(0, dtype=int)
        stack = [(0, 0.0)]              # (node, lower bound on the distance to its points)
        while stack:
            n, bound = stack.pop()
            if len(best_d) == k and bound > best_d[-1]:
                continue
            axis, split, left, right = self.nodes[n]
            if axis < 0:
                d = np.concatenate([best_d, self._leaf(x, split)])
                i = np.concatenate([best_i, split])
                order = np.lexsort((i, d))[:k]
                best_d, best_i = d[order], i[order]
                continue
            diff = x[axis] - split
            near, far = (left, right) if diff < 0 else (right, left)
            stack.append((far, max(bound, abs(diff))))
            stack.append((near, bound))
        return best_d, best_i

    def range_query(self, x, r):
        x = np.asarray(x, dtype=float)
        out, stack = [], [0]
        while stack:
            axis, split, left, right = self.nodes[stack.pop()]
            if axis < 0:
                out.append(split[self._leaf(x, split) <= r])
                continue
            if x[axis] - split <= r:
                stack.append(left)
            if split - x[axis] <= r:
                stack.append(right)
        return np.sort(np.concatenate(out)) if out else np.zeros(0, dtype=int)
'''

KDTREE_BEST_FIRST_BOXES = '''
class KDTree:
    """Leaves of up to 128 points; best-first search over cells by the distance from the query
    to each cell's bounding box (a tighter bound than the distance to one plane)."""

    def __init__(self, points, leaf_size=128):
        self.points = np.array(points, dtype=float)
        self.n_distance_evals = 0
        self.leaf_size = leaf_size
        self.root = self._build(np.arange(len(self.points)), 0)

    def _build(self, idx, depth):
        pts = self.points[idx]
        box = (pts.min(axis=0), pts.max(axis=0))
        if len(idx) <= self.leaf_size:
            return {"box": box, "idx": idx}
        axis = depth % self.points.shape[1]
        order = idx[np.argsort(pts[:, axis], kind="mergesort")]
        half = len(order) // 2
        return {"box": box, "kids": (self._build(order[:half], depth + 1), self._build(order[half:], depth + 1))}

    @staticmethod
    def _box_distance(x, box):
        lo, hi = box
        gap = np.maximum(0.0, np.maximum(lo - x, x - hi))
        return float(np.sqrt(np.sum(gap * gap)))

    def _leaf(self, x, idx):
        self.n_distance_evals += len(idx)
        diff = self.points[idx] - x
        return np.sqrt(np.einsum("nd,nd->n", diff, diff))

    def query(self, x, k=1):
        x = np.asarray(x, dtype=float)
        k = min(k, len(self.points))
        found_d, found_i = [], []
        frontier, tick = [(0.0, 0, self.root)], 1
        kth = np.inf
        while frontier:
            bound, _, node = heapq.heappop(frontier)
            if bound > kth:
                break
            if "idx" in node:
                found_d.extend(self._leaf(x, node["idx"]).tolist())
                found_i.extend(node["idx"].tolist())
                d, i = np.array(found_d), np.array(found_i)
                keep = np.lexsort((i, d))[:k]
                found_d, found_i = d[keep].tolist(), i[keep].tolist()
                if len(found_d) == k:
                    kth = found_d[-1]
                continue
            for kid in node["kids"]:
                heapq.heappush(frontier, (self._box_distance(x, kid["box"]), tick, kid))
                tick += 1
        return np.array(found_d, dtype=float), np.array(found_i, dtype=int)

    def range_query(self, x, r):
        x = np.asarray(x, dtype=float)
        out, todo = [], [self.root]
        while todo:
            node = todo.pop()
            if self._box_distance(x, node["box"]) > r:
                continue
            if "idx" in node:
                out.extend(node["idx"][self._leaf(x, node["idx"]) <= r].tolist())
            else:
                todo.extend(node["kids"])
        return np.array(sorted(out), dtype=int)
'''

alternative_code("KDTree", "kdtree_one_point_per_node", KDTREE_ONE_POINT_PER_NODE)
alternative_code("KDTree", "kdtree_iterative_widest_axis", KDTREE_ITERATIVE_WIDEST_AXIS)
alternative_code("KDTree", "kdtree_best_first_boxes", KDTREE_BEST_FIRST_BOXES)
