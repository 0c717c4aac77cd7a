import numpy as np
from coursegrade import assert_allclose, cross_checked, number, points, question
from autograder.ps7 import reference as ref

pytestmark = question("xgb_split_gain")


def _case(rng, n):
    g, h = rng.normal(scale=1.5, size=n), rng.uniform(0.05, 0.3, size=n)
    mask = rng.random(n) < 0.4
    mask[:2] = [True, False]                        # both sides non-empty
    return g, h, mask


@points(2)
def test_matches_the_gain_formula(student):
    "xgb_split_gain matches 1/2 [G_L^2/(H_L+lambda) + G_R^2/(H_R+lambda) - G^2/(H+lambda)] - gamma for random splits, lambda and gamma."
    rng = np.random.default_rng(761)
    for n, lam, gamma in [(10, 0.6, 0.3), (17, 2.5, 0.05), (6, 0.0, 1.1)]:
        g, h, mask = _case(rng, n)
        got = number(student.xgb_split_gain(g, h, mask, lam, gamma))
        assert_allclose(got, ref.xgb_split_gain(g, h, mask, lam, gamma), rtol=1e-9, atol=1e-12,
                        err_msg=f"n={n}, lam={lam}, gamma={gamma}")


@points(1)
def test_is_the_decrease_of_the_objective(student):
    "The gain is the best objective of one leaf minus the best objective of the two leaves (each leaf's weight found by a numerical search, each leaf costing gamma)."
    rng = np.random.default_rng(762)
    for n, lam, gamma in [(12, 1.0, 0.4), (8, 0.3, 0.0)]:
        g, h, mask = _case(rng, n)
        expected = cross_checked(ref.xgb_split_gain(g, h, mask, lam, gamma),
                                 lambda: ref.split_gain_brute_force(g, h, mask, lam, gamma), rtol=1e-6, atol=1e-8)
        assert_allclose(number(student.xgb_split_gain(g, h, mask, lam, gamma)), expected, rtol=1e-9, atol=1e-12)


@points(1)
def test_gamma_and_symmetry(student):
    "Raising gamma lowers the gain by exactly as much, and swapping the two sides does not change it."
    rng = np.random.default_rng(763)
    g, h, mask = _case(rng, 14)
    a = number(student.xgb_split_gain(g, h, mask, 0.9, 0.2))
    b = number(student.xgb_split_gain(g, h, mask, 0.9, 1.45))
    assert_allclose(a, ref.xgb_split_gain(g, h, mask, 0.9, 0.2), rtol=1e-9, atol=1e-12)
    assert_allclose(a - b, 1.25, rtol=1e-9)
    assert_allclose(number(student.xgb_split_gain(g, h, ~mask, 0.9, 0.2)), a, rtol=1e-9, atol=1e-12)


@points(1)
def test_no_gain_when_both_sides_want_the_same_weight(student):
    "With lambda = 0 and the same ratio G/H on both sides the bracket is 0; with lambda > 0 a split can even have a negative gain."
    rng = np.random.default_rng(764)
    g, h, mask = _case(rng, 9)
    g = -1.7 * h
    assert_allclose(number(student.xgb_split_gain(g, h, mask, 0.0, 0.35)), -0.35, rtol=1e-9, atol=1e-12)
    assert_allclose(number(student.xgb_split_gain(g, h, mask, 2.0, 0.0)), ref.xgb_split_gain(g, h, mask, 2.0, 0.0),
                    rtol=1e-9, atol=1e-12)
    assert ref.xgb_split_gain(g, h, mask, 2.0, 0.0) < 0, "the case should have a negative gain"
