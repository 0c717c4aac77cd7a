import numpy as np
from coursegrade import points, question

pytestmark = question("bootstrap_indices")

# bootstrap_indices is graded by the properties every correct sampler has, never by exact draws:
# rng.integers(0, n, size=n), rng.choice(n, n) and a loop of single draws all earn full marks.


def _indices(student, n, seed):
    got = np.asarray(student.bootstrap_indices(n, np.random.default_rng(seed)))
    assert got.shape == (n,), f"shape {got.shape} for n = {n}"
    assert got.dtype.kind in "iu", f"dtype {got.dtype}"
    assert got.min() >= 0 and got.max() < n, f"range [{got.min()}, {got.max()}] for n = {n}"
    return got


@points(2)
def test_indices_in_range_with_about_63_percent_distinct(student):
    "bootstrap_indices returns n integer indices in [0, n), and for large n about 1 - 1/e of them are distinct (sampling with replacement)."
    assert np.array_equal(_indices(student, 1, 701), [0])
    _indices(student, 17, 702)
    n = 20_000
    distinct = len(np.unique(_indices(student, n, 703))) / n
    expected = 1 - (1 - 1 / n) ** n                 # 0.63213...; its standard deviation is 0.0022
    assert abs(distinct - expected) < 0.01, f"{distinct:.4f} distinct, expected {expected:.4f}"


@points(1)
def test_counts_per_index_and_every_index_reachable(student):
    "Each index is drawn a Poisson(1)-like number of times (about 37% never, 37% once, 18% twice), and every index, the first and the last included, can be drawn."
    n = 30_000
    counts = np.bincount(_indices(student, n, 711), minlength=n)
    share = np.array([np.mean(counts == k) for k in range(4)])
    poisson = np.exp(-1.0) / np.array([1.0, 1.0, 2.0, 6.0])   # e^-1 / k!
    assert np.all(np.abs(share - poisson) < 0.012), f"shares of 0..3 draws {share}, expected {poisson}"
    n = 9
    seen = np.concatenate([_indices(student, n, 720 + k) for k in range(40)])
    assert set(np.unique(seen).tolist()) == set(range(n)), f"indices drawn: {sorted(set(seen.tolist()))}"


@points(2)
def test_randomness_comes_from_rng_only(student):
    "Equal seeds give identical indices, different seeds different ones, and numpy's and Python's global random states are left untouched."
    before = student.global_random_state()
    first = _indices(student, 40, 731)
    again = _indices(student, 40, 731)
    other = _indices(student, 40, 732)
    after = student.global_random_state()
    assert np.array_equal(first, again), "equal seeds gave different indices"
    assert not np.array_equal(first, other), "different seeds gave equal indices"
    assert before == after, "the global random state changed"
