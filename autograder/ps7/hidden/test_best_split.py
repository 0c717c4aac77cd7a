import math

import numpy as np
from coursegrade import assert_allclose, cross_checked, number, points, question
from autograder.ps7 import reference as ref

pytestmark = question("best_split")


def _split(student, x, g, h, lam, gamma):
    got = student.best_split(x, g, h, lam, gamma)
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"returned {got!r}"
    return number(got[0]), number(got[1])


def _expected(x, g, h, lam, gamma):
    """The reference's split, cross-checked against scoring every partition by brute force."""
    return cross_checked(ref.best_split(x, g, h, lam, gamma),
                         lambda: ref.best_split_brute_force(x, g, h, lam, gamma), rtol=1e-6, atol=1e-8)


def _assert_split(got, expected):
    assert_allclose(got[0], expected[0], rtol=1e-12, err_msg="threshold")
    assert_allclose(got[1], expected[1], rtol=1e-8, atol=1e-12, err_msg="gain")


def _gradients(rng, n):
    return rng.normal(size=n), rng.uniform(0.05, 0.25, size=n)


@points(2)
def test_best_threshold_and_gain(student):
    "best_split finds the threshold with the largest gain, a midpoint between sorted values, for unsorted continuous features of several sizes."
    rng = np.random.default_rng(771)
    for n, lam, gamma in [(19, 1.0, 0.1), (8, 0.3, 0.0), (31, 2.0, 0.5)]:
        x = rng.normal(size=n) * 3.0
        g, h = _gradients(rng, n)
        g += np.where(x > np.median(x), 0.8, -0.4)      # a real effect to find
        _assert_split(_split(student, x, g, h, lam, gamma), _expected(x, g, h, lam, gamma))


@points(1)
def test_repeated_values(student):
    "With many repeated feature values the threshold lies between distinct values: equal values always go to the same side."
    rng = np.random.default_rng(772)
    for n in (15, 24):
        x = rng.integers(0, 5, size=n).astype(float)
        g, h = _gradients(rng, n)
        g = 2.0 * g + np.where(x == 2.0, 2.5, 0.0) * np.sign(g)   # mixed signs inside one value
        _assert_split(_split(student, x, g, h, 0.5, 0.0), _expected(x, g, h, 0.5, 0.0))


@points(1)
def test_ties_go_to_the_smallest_threshold(student):
    "When two thresholds have exactly the same gain, the smaller one is returned."
    # Mirror-symmetric gradients: the splits k and n - 2 - k have the same gain. Every term of the
    # winning pair (G_L^2/(H_L+lam) = 2, G_R^2/(H_R+lam) = 7, G^2/(H+lam) = 3.125) is exact in
    # floating point, so the two gains are equal whatever the order of the operations.
    x = np.array([4.0, -3.5, 0.5, 2.0, -1.0, 6.0, -6.0])
    order = np.argsort(x)
    g_sorted = np.array([-1.5, -0.5, 4.0, 1.0, 4.0, -0.5, -1.5])
    h_sorted = np.array([0.5, 0.5, 2.0, 1.0, 2.0, 0.5, 0.5])
    g, h = np.empty(7), np.empty(7)
    g[order], h[order] = g_sorted, h_sorted
    expected = ref.best_split(x, g, h, 1.0, 0.0)
    assert expected == (-2.25, 2.9375), f"the case should tie between -2.25 and 3.0: {expected}"
    _assert_split(_split(student, x, g, h, 1.0, 0.0), expected)


@points(1)
def test_constant_feature_and_two_values(student):
    "A feature with a single distinct value has no split, (nan, -inf); a feature with two distinct values splits at their midpoint."
    rng = np.random.default_rng(774)
    g, h = _gradients(rng, 6)
    t, gain = _split(student, np.full(6, -1.25), g, h, 1.0, 0.2)
    assert math.isnan(t) and gain == -math.inf, f"constant feature: ({t}, {gain})"
    t, gain = _split(student, np.array([7.5]), g[:1], h[:1], 1.0, 0.2)
    assert math.isnan(t) and gain == -math.inf, f"one sample: ({t}, {gain})"
    x = np.array([3.0, -2.0, 3.0, 3.0, -2.0, -2.0])
    _assert_split(_split(student, x, g, h, 1.0, 0.2), _expected(x, g, h, 1.0, 0.2))


@points(1)
def test_reports_negative_gains(student):
    "When no split pays for its extra leaf (a large gamma, or a large lambda), best_split still returns the best real split and its negative gain."
    rng = np.random.default_rng(775)
    x = rng.uniform(-2, 2, size=11)
    g, h = _gradients(rng, 11)
    g = 0.2 * np.abs(g) + 0.05                      # one sign: every split shrinks two leaves
    for lam, gamma in [(0.5, 3.0), (50.0, 0.0)]:
        expected = _expected(x, g, h, lam, gamma)
        assert expected[1] < 0, "the case should have only negative gains"
        _assert_split(_split(student, x, g, h, lam, gamma), expected)
