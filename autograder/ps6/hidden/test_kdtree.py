import functools

import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps6 import reference as ref

pytestmark = question("kdtree")

# The tree lives in the sandbox (student.KDTree(P) is a handle). Each test builds a few trees
# and runs its queries in one round trip each, through a small function defined in the sandbox
# that loops over the queries. The expected answers are brute force on the trusted side.
#
# Ties: the contract orders neighbours by (distance, index). Where two distances are exactly
# equal in the reference's arithmetic (duplicates, integer grids), the lower index must come
# first; where they differ by rounding only (under 1e-12 relative), either order is accepted,
# since another correct way of computing distances may round them the other way.

_QUERIES = "lambda tree, Q, ks: [tree.query(q, int(k)) for q, k in zip(Q, ks)]"
_RANGES = "lambda tree, Q, rs: [tree.range_query(q, float(r)) for q, r in zip(Q, rs)]"
_COUNTED_QUERIES = ("lambda tree, Q, ks: [(tree.query(q, int(k)), tree.n_distance_evals) "
                    "for q, k in zip(Q, ks)]")
_COUNTED_RANGES = ("lambda tree, Q, rs: [(tree.range_query(q, float(r)), tree.n_distance_evals) "
                   "for q, r in zip(Q, rs)]")

PRUNING_SHARE = 0.25   # of N, averaged over the queries (see test_pruning_for_nearest_neighbours)


def _queries(student, tree, Q, ks):
    return student.function(_QUERIES)(tree, Q, [int(k) for k in ks])


def _ranges(student, tree, Q, rs):
    return student.function(_RANGES)(tree, Q, [float(r) for r in rs])


def _indices(got, n, where):
    idx = np.asarray(got)
    assert idx.ndim == 1, f"{where}: indices of shape {idx.shape}"
    if idx.size:
        assert idx.dtype.kind in "iu", f"{where}: indices of dtype {idx.dtype}"
        assert np.all((idx >= 0) & (idx < n)), f"{where}: indices out of range: {idx}"
    return idx.astype(np.int64)


def _assert_knn(got, P, x, k, where):
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"{where}: query returned {got!r}"
    m = min(k, len(P))
    dists = np.asarray(got[0], dtype=float)
    assert dists.shape == (m,), f"{where}: distances of shape {dists.shape}, expected ({m},)"
    idx = _indices(got[1], len(P), where)
    assert idx.shape == (m,), f"{where}: indices of shape {idx.shape}, expected ({m},)"
    assert len(np.unique(idx)) == m, f"{where}: repeated indices {idx}"
    exp_d, exp_i = ref.knn_brute_force(P, x, k)
    true = ref.distances(P, x)
    assert_allclose(dists, exp_d, rtol=1e-9, atol=1e-12, err_msg=f"{where}: distances")
    assert_allclose(dists, true[idx], rtol=1e-9, atol=1e-12, err_msg=f"{where}: distances of the returned indices")
    if not np.array_equal(idx, exp_i):
        differ = idx != exp_i
        a, b = true[idx[differ]], true[exp_i[differ]]
        near_ties = np.all(a != b) and np.allclose(a, b, rtol=1e-12, atol=0)
        assert near_ties, f"{where}: indices {idx.tolist()}, expected {exp_i.tolist()}"


def _assert_range(got, P, x, r, where):
    idx = _indices(got, len(P), where)
    expected = ref.range_brute_force(P, x, r)
    if not np.array_equal(idx, expected):
        assert np.all(np.diff(idx) > 0), f"{where}: indices not sorted or repeated: {idx.tolist()}"
        true = ref.distances(P, x)[np.setxor1d(idx, expected)]
        near_boundary = np.all(true != r) and np.allclose(true, r, rtol=1e-12, atol=0)
        assert near_boundary, f"{where}: {len(idx)} indices, expected {len(expected)}"


def _check_knn_batch(student, P, Q, ks, label):
    tree = student.KDTree(P)
    answers = _queries(student, tree, Q, ks)
    assert len(answers) == len(Q)
    _oracle_distances(P, Q, ks)
    for j, (x, k, got) in enumerate(zip(Q, ks, answers)):
        _assert_knn(got, P, x, int(k), f"{label}, query {j}, k = {k}")


def _oracle_distances(P, Q, ks):
    """Where the course is validated: brute force agrees with scipy's cKDTree on the distances."""
    for k in sorted(set(int(k) for k in ks)):
        rows = [j for j, kk in enumerate(ks) if int(kk) == k]
        expected = np.array([ref.knn_brute_force(P, Q[j], k)[0] for j in rows])
        cross_checked(expected, lambda: ref.knn_distances_scipy(P, Q[rows], k), rtol=1e-9, atol=1e-12)


def _grid(rng, sizes, repeats):
    """An integer grid (every distance squared an exact integer), some points repeated, in a
    random order: exact ties everywhere."""
    axes = np.meshgrid(*[np.arange(s, dtype=float) for s in sizes], indexing="ij")
    G = np.stack([a.ravel() for a in axes], axis=1)
    G = np.concatenate([G, G[rng.choice(len(G), size=repeats, replace=False)]])
    return G[rng.permutation(len(G))]


@points(3)
def test_nearest_neighbours_in_1_to_6_dimensions(student):
    "query(x, k) returns the k nearest points, sorted by distance, with their distances, as brute force does, on random data in 1 to 6 dimensions, for queries inside and far outside the data."
    rng = np.random.default_rng(631)
    for D, N in [(1, 53), (2, 170), (3, 88), (4, 61), (5, 124), (6, 47)]:
        P = rng.normal(size=(N, D)) * rng.uniform(0.5, 3.0, size=D)
        Q = np.concatenate([rng.normal(size=(8, D)) * 1.5, rng.normal(size=(3, D)) * 12.0, P[:2] + 1e-3])
        ks = np.resize([1, 4, 9, 2, 13], len(Q))
        _check_knn_batch(student, P, Q, ks, f"D = {D}, N = {N}")


@points(2)
def test_clustered_data_with_duplicates(student):
    "k nearest neighbours on clustered data full of exact duplicates: the right points, equal distances ordered by lower index."
    rng = np.random.default_rng(632)
    centres = rng.normal(size=(5, 3)) * 4.0
    P = centres[rng.integers(0, 5, size=100)] + rng.normal(size=(100, 3)) * 0.01
    P = np.concatenate([P, P[rng.integers(0, 100, size=40)]])[rng.permutation(140)]
    Q = np.concatenate([centres, P[:6], rng.normal(size=(4, 3)) * 4.0])
    _check_knn_batch(student, P, Q, np.resize([1, 6, 15, 3, 22], len(Q)), "3-D clusters")
    sites = rng.normal(size=(11, 2)) * 2.0
    P = sites[rng.integers(0, 11, size=96)]            # 96 points on only 11 distinct sites
    Q = np.concatenate([sites[:4], rng.normal(size=(7, 2)) * 2.0])
    _check_knn_batch(student, P, Q, np.resize([2, 10, 1, 17], len(Q)), "2-D, 11 sites")


@points(2)
def test_ties_broken_by_lower_index(student):
    "On integer grids (many points at exactly the same distance from a query, some points repeated) equal distances are ordered by lower index, also at the k-th place."
    rng = np.random.default_rng(633)
    G = _grid(rng, (9, 7), 25)
    Q = np.concatenate([rng.integers(0, 17, size=(24, 2)) / 2.0, [[4.0, 3.0], [0.0, 0.0], [8.5, 6.5]]])
    _check_knn_batch(student, G, Q, np.resize([1, 2, 5, 8, 12, 4, 3], len(Q)), "2-D grid")
    L = _grid(rng, (30,), 15)
    Q = np.concatenate([rng.integers(-2, 62, size=(10, 1)) / 2.0, [[14.5], [0.0]]])
    _check_knn_batch(student, L, Q, np.resize([1, 2, 3, 6], len(Q)), "1-D grid")
    G3 = _grid(rng, (4, 3, 5), 12)
    Q = rng.integers(0, 9, size=(8, 3)) / 2.0
    _check_knn_batch(student, G3, Q, np.resize([4, 7, 1, 11], len(Q)), "3-D grid")


@points(1)
def test_k_larger_than_the_number_of_points(student):
    "For k >= N, query returns all N points, sorted; a tree of a single point works too."
    rng = np.random.default_rng(634)
    P = rng.normal(size=(6, 3))
    Q = rng.normal(size=(4, 3))
    _check_knn_batch(student, P, Q, [6, 7, 50, 5], "N = 6")
    _check_knn_batch(student, np.array([[0.5, -1.5]]), np.array([[2.0, 1.0], [0.5, -1.5]]), [1, 3], "N = 1")


@points(1)
def test_tiny_and_huge_coordinates(student):
    "Correct neighbours for data of tiny (1e-3) and huge (1e4) scale: the pruning must compare distances with distances (not squared with unsquared)."
    rng = np.random.default_rng(635)
    for D, N, scale in [(2, 150, 1e-3), (3, 110, 1e4)]:
        P = rng.uniform(size=(N, D)) * scale
        Q = rng.uniform(-0.1, 1.1, size=(14, D)) * scale
        _check_knn_batch(student, P, Q, np.resize([1, 3, 8], 14), f"scale {scale:g}")


@points(2)
def test_range_query_matches_brute_force(student):
    "range_query(x, r) returns the sorted indices of all points within distance r of x, as brute force does, for radii from 0 (only exact copies of x) to larger than the data."
    rng = np.random.default_rng(636)
    for D, N in [(2, 180), (3, 130), (5, 75)]:
        P = rng.normal(size=(N, D)) * rng.uniform(0.5, 2.0, size=D)
        Q = np.concatenate([rng.normal(size=(9, D)), P[:3]])
        rs = np.resize([0.3, 0.8, 1.6, 0.0, 0.05, 40.0], len(Q)) * np.sqrt(D)
        rs[-3:] = 0.0                                      # at a data point: that point alone
        tree = student.KDTree(P)
        answers = _ranges(student, tree, Q, rs)
        counts = np.array([len(ref.range_brute_force(P, x, r)) for x, r in zip(Q, rs)])
        for r in sorted(set(rs)):
            rows = np.flatnonzero(rs == r)
            cross_checked(counts[rows], lambda: ref.range_counts_scipy(P, Q[rows], r), rtol=0, atol=0)
        for j, (x, r, got) in enumerate(zip(Q, rs, answers)):
            _assert_range(got, P, x, r, f"D = {D}, query {j}, r = {r:g}")


@points(1)
def test_range_query_includes_the_boundary(student):
    "On integer grids with integer radii, points at distance exactly r are included (distance <= r), repeated points too."
    rng = np.random.default_rng(637)
    for sizes, repeats in [((8, 9), 20), ((5, 4, 6), 15)]:
        G = _grid(rng, sizes, repeats)
        Q = rng.integers(0, np.array(sizes), size=(10, len(sizes))).astype(float)
        rs = np.resize([1.0, 2.0, 0.0, 3.0, 5.0], 10)
        answers = _ranges(student, student.KDTree(G), Q, rs)
        for j, (x, r, got) in enumerate(zip(Q, rs, answers)):
            _assert_range(got, G, x, r, f"grid {sizes}, query {j}, r = {r:g}")


@points(1)
def test_distance_counter(student):
    "n_distance_evals is 0 after building and only grows: each query adds at least min(k, N) (the distances of the points it returns), each range query at least the number of points it returns."
    rng = np.random.default_rng(638)
    P = rng.uniform(size=(300, 2)) * 5.0
    tree = student.KDTree(P)
    start = tree.n_distance_evals
    assert np.asarray(start).size == 1 and float(np.asarray(start)) == 0.0, f"counter after building: {start!r}"
    Q = rng.uniform(size=(12, 2)) * 5.0
    ks = np.resize([1, 7, 30, 3], 12)
    answers = student.function(_COUNTED_QUERIES)(tree, Q, [int(k) for k in ks])
    counts = [0.0]
    for j, ((got, count), x, k) in enumerate(zip(answers, Q, ks)):
        _assert_knn(got, P, x, int(k), f"query {j}")
        counts.append(float(np.asarray(count)))
        assert counts[-1] - counts[-2] >= min(k, 300), f"query {j}, k = {k}: counter {counts[-2]} -> {counts[-1]}"
    rs = np.resize([0.4, 1.0, 0.1], 8)
    answers = student.function(_COUNTED_RANGES)(tree, Q[:8], [float(r) for r in rs])
    for j, ((got, count), x, r) in enumerate(zip(answers, Q, rs)):
        _assert_range(got, P, x, r, f"range query {j}")
        counts.append(float(np.asarray(count)))
        assert counts[-1] - counts[-2] >= len(np.asarray(got)), f"range query {j}: counter {counts[-2]} -> {counts[-1]}"


@functools.cache
def _uniform_square(seed, N, n_queries):
    rng = np.random.default_rng(seed)
    return rng.uniform(size=(N, 2)), rng.uniform(size=(n_queries, 2))


@points(2)
def test_pruning_for_nearest_neighbours(student):
    "On 2000 well-spread 2-D points the search prunes: a k-nearest query (k = 1 or 6) computes on average at most a quarter of the N distances that brute force computes, and answers correctly."
    # Measured with median splits along cycling axes: leaves of up to 8 points evaluate about
    # 1% of N per query, leaves of up to 64 about 5%, leaves of up to 128 about 9%; one point
    # per node about 0.5%. A quarter of N is generous to any tree that prunes, and a search
    # that visits every point evaluates 100%.
    P, Q = _uniform_square(639, 2000, 100)
    ks = np.resize([1, 6], len(Q))
    tree = student.KDTree(P)
    answers = student.function(_COUNTED_QUERIES)(tree, Q, [int(k) for k in ks])
    counts = np.array([0.0] + [float(np.asarray(c)) for _, c in answers])
    for j, ((got, _), x, k) in enumerate(zip(answers, Q, ks)):
        _assert_knn(got, P, x, int(k), f"query {j}")
    per_query = np.diff(counts)
    assert np.all(per_query >= np.minimum(ks, len(P))), f"counter increments {per_query.min()}"
    assert per_query.mean() <= PRUNING_SHARE * len(P), f"{per_query.mean():.0f} distances per query"


@points(1)
def test_pruning_for_range_queries(student):
    "On 2000 well-spread 2-D points a range query with a small radius (about 8 points inside) computes on average at most a quarter of the N distances, and answers correctly."
    P, Q = _uniform_square(640, 2000, 60)
    rs = np.full(len(Q), 0.035)
    tree = student.KDTree(P)
    answers = student.function(_COUNTED_RANGES)(tree, Q, [float(r) for r in rs])
    counts = np.array([0.0] + [float(np.asarray(c)) for _, c in answers])
    for j, ((got, _), x, r) in enumerate(zip(answers, Q, rs)):
        _assert_range(got, P, x, r, f"range query {j}")
    per_query = np.diff(counts)
    assert per_query.mean() <= PRUNING_SHARE * len(P), f"{per_query.mean():.0f} distances per query"
