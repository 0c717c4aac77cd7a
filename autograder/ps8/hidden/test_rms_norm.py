import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps8 import reference as ref

pytestmark = question("rms_norm")


def _run(student, x, weight, eps):
    got = np.asarray(student.rms_norm(x, weight, eps), dtype=float)
    assert got.shape == x.shape, f"shape {got.shape}, expected {x.shape}"
    return got


def _expected(x, weight, eps):
    return cross_checked(ref.rms_norm(x, weight, eps), lambda: ref.rms_norm_torch(x, weight, eps))


@points(2)
def test_matches_torch(student):
    "x (B, T, d) = (2, 5, 7) with a random gain, eps = 1e-6, against torch.nn.functional.rms_norm."
    rng = np.random.default_rng(871)
    x, weight = rng.normal(0.5, 2.0, size=(2, 5, 7)), rng.normal(1.0, 0.5, size=7)
    assert_allclose(_run(student, x, weight, 1e-6), _expected(x, weight, 1e-6), rtol=1e-7, atol=1e-10)


@points(1)
def test_large_eps(student):
    "A large eps (0.5) on small inputs, where eps goes matters: x (3, 6)."
    rng = np.random.default_rng(872)
    x, weight = rng.normal(size=(3, 6)) * 0.3, rng.normal(1.0, 0.5, size=6)
    assert_allclose(_run(student, x, weight, 0.5), _expected(x, weight, 0.5), rtol=1e-7, atol=1e-10)


@points(1)
def test_scale_invariance(student):
    "With a tiny eps, scaling a token by 1e-3 or 1e3 does not change its normalised value: x (4, 9)."
    rng = np.random.default_rng(873)
    x, weight = rng.normal(size=(4, 9)) * 1.7, rng.normal(1.0, 0.5, size=9)
    expected = _expected(x, weight, 1e-12)
    for factor in (1e-3, 1.0, 1e3):
        assert_allclose(_run(student, x * factor, weight, 1e-12), expected, rtol=1e-6, atol=1e-9)


@points(1)
def test_mean_is_not_subtracted(student):
    "A single token (d = 11) with a large common offset: RMSNorm keeps the offset (it is not LayerNorm)."
    rng = np.random.default_rng(874)
    x, weight = 5.0 + 0.3 * rng.normal(size=11), rng.normal(1.0, 0.5, size=11)
    assert_allclose(_run(student, x, weight, 1e-5), _expected(x, weight, 1e-5), rtol=1e-7, atol=1e-10)
