import numpy as np
from coursegrade import assert_allclose, cross_checked, number, points, question
from autograder.ps7 import reference as ref

pytestmark = question("xgb_leaf_weight")


def _case(rng, n):
    """Gradients of both signs that do not cancel, and positive hessians (as for a convex loss)."""
    return rng.normal(loc=0.3, size=n), rng.uniform(0.05, 0.25, size=n)


@points(2)
def test_matches_minus_G_over_H_plus_lambda(student):
    "xgb_leaf_weight matches -G / (H + lambda) for random gradients and hessians, leaves of different sizes and several values of lambda."
    rng = np.random.default_rng(751)
    for n, lam in [(7, 0.5), (1, 1.3), (23, 2.0), (12, 0.0)]:
        g, h = _case(rng, n)
        got = number(student.xgb_leaf_weight(g, h, lam))
        assert_allclose(got, ref.xgb_leaf_weight(g, h, lam), rtol=1e-9, err_msg=f"n={n}, lam={lam}")


@points(1)
def test_minimises_the_second_order_objective(student):
    "xgb_leaf_weight is the weight that minimises sum_i (g_i w + h_i w^2 / 2) + lambda w^2 / 2, found by a numerical search."
    rng = np.random.default_rng(752)
    for n, lam in [(9, 0.8), (16, 3.0)]:
        g, h = _case(rng, n)
        g *= 4.0
        expected = cross_checked(ref.xgb_leaf_weight(g, h, lam), lambda: ref.leaf_weight_brute_force(g, h, lam),
                                 rtol=1e-6, atol=1e-8)
        assert_allclose(number(student.xgb_leaf_weight(g, h, lam)), expected, rtol=1e-9)


@points(1)
def test_scaling_and_sign(student):
    "Scaling g, h and lambda by the same factor leaves the weight unchanged; flipping the signs of g flips it; a larger lambda shrinks it towards 0."
    rng = np.random.default_rng(753)
    g, h = _case(rng, 11)
    lam = 0.7
    w = number(student.xgb_leaf_weight(g, h, lam))
    assert_allclose(w, ref.xgb_leaf_weight(g, h, lam), rtol=1e-9)
    assert_allclose(number(student.xgb_leaf_weight(3.5 * g, 3.5 * h, 3.5 * lam)), w, rtol=1e-9)
    assert_allclose(number(student.xgb_leaf_weight(-g, h, lam)), -w, rtol=1e-9)
    shrunk = number(student.xgb_leaf_weight(g, h, 10.0))
    assert_allclose(shrunk, ref.xgb_leaf_weight(g, h, 10.0), rtol=1e-9)


@points(1)
def test_squared_and_logistic_losses(student):
    "For the squared loss with lambda = 0 the weight is the mean residual; for the logistic loss it is the regularised Newton step on the log-odds."
    rng = np.random.default_rng(754)
    y, F = rng.normal(size=8) * 3.0, rng.normal(size=8)
    got = number(student.xgb_leaf_weight(F - y, np.ones(8), 0.0))
    assert_allclose(got, np.mean(y - F), rtol=1e-9)
    labels, F = (rng.random(13) < 0.7).astype(float), rng.normal(size=13)
    g, h = cross_checked(ref.logistic_grad_hess(F, labels),
                         lambda: ref.logistic_grad_hess_numerical(F, labels), rtol=1e-5, atol=1e-7)
    assert_allclose(number(student.xgb_leaf_weight(g, h, 0.4)), ref.xgb_leaf_weight(g, h, 0.4), rtol=1e-9)
