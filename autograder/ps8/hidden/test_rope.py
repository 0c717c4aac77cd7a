import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps8 import reference as ref

pytestmark = question("rope")


def _run(student, x, positions, base=None):
    got = student.rope(x, positions) if base is None else student.rope(x, positions, base)
    got = np.asarray(got, dtype=float)
    assert got.shape == x.shape, f"shape {got.shape}, expected {x.shape}"
    return got


def _expected(x, positions, base=10000):
    return cross_checked(ref.rope(x, positions, base), lambda: ref.rope_torch(x, positions, base))


@points(2)
def test_matches_complex_rotation(student):
    "x (T, d) = (6, 8) at unsorted positions, the default base, against LLaMA's complex-number formulation."
    rng = np.random.default_rng(881)
    x, positions = rng.normal(size=(6, 8)), np.array([4, 0, 9, 1, 13, 2])
    assert_allclose(_run(student, x, positions), _expected(x, positions), rtol=1e-7, atol=1e-10)


@points(1)
def test_batched_heads_and_base(student):
    "x (B, H, T, d) = (2, 3, 5, 6), positions 7..11, base 500: every batch and head rotated alike."
    rng = np.random.default_rng(882)
    x, positions = rng.normal(size=(2, 3, 5, 6)), np.arange(7, 12)
    assert_allclose(_run(student, x, positions, 500), _expected(x, positions, 500), rtol=1e-7, atol=1e-10)


@points(1)
def test_scores_depend_on_the_offset_only(student):
    "A query and a key (d = 10) at positions (m, m - 2) give the same score for several m, and a different one at another offset."
    rng = np.random.default_rng(883)
    q, k = rng.normal(size=(1, 10)), rng.normal(size=(1, 10))
    scores = []
    for m in (2, 9, 40, 1000):
        rq, rk = _run(student, q, np.array([m])), _run(student, k, np.array([m - 2]))
        scores.append(float(np.sum(rq * rk)))
    assert_allclose(np.array(scores), scores[0], rtol=1e-8, atol=1e-10)
    assert_allclose(_run(student, q, np.array([40])), _expected(q, np.array([40])), rtol=1e-7, atol=1e-10)
    other = float(np.sum(_run(student, q, np.array([9])) * _run(student, k, np.array([2]))))
    assert abs(other - scores[0]) > 1e-3, (other, scores[0])


@points(1)
def test_rotation_keeps_norms(student):
    "Every row keeps its length, rows at position 0 are unchanged, and the rest are correct: x (4, 12)."
    rng = np.random.default_rng(884)
    x, positions = rng.normal(size=(4, 12)), np.array([0, 5, 0, 3])
    got = _run(student, x, positions)
    assert_allclose(np.linalg.norm(got, axis=-1), np.linalg.norm(x, axis=-1), rtol=1e-9)
    assert_allclose(got[[0, 2]], x[[0, 2]], rtol=1e-12, atol=1e-12)
    assert_allclose(got, _expected(x, positions), rtol=1e-7, atol=1e-10)


@points(1)
def test_large_positions(student):
    "Positions up to 100000 (long contexts): x (3, 4)."
    rng = np.random.default_rng(885)
    x, positions = rng.normal(size=(3, 4)), np.array([65535, 100000, 31])
    assert_allclose(_run(student, x, positions), _expected(x, positions), rtol=1e-6, atol=1e-8)
