import numpy as np
from coursegrade import assert_allclose, points, question
from autograder.ps3 import reference as ref

pytestmark = question("chain_rule_example")


def _y2(x, w1, b1, w2, b2):
    return (x * w1 + b1) * w2 + b2


@points(1)
def test_matches_chain_rule(student):
    "chain_rule_example returns dy2/dw1 at several random points."
    rng = np.random.default_rng(321)
    for x, w1, b1, w2, b2 in 3 * rng.normal(size=(6, 5)):
        got = np.asarray(student.chain_rule_example(float(x), float(w1), float(b1), float(w2), float(b2)),
                         dtype=float)
        assert got.shape == (), f"shape {got.shape}"
        expected = ref.chain_rule_example(x, w1, b1, w2, b2)
        assert_allclose(got, expected, rtol=1e-6, atol=1e-9)


@points(1)
def test_agrees_with_slope_of_y2(student):
    "chain_rule_example agrees with the slope of y2 as w1 changes, also when biases are large."
    rng = np.random.default_rng(322)
    for x, w1, b1, w2, b2 in rng.normal(size=(6, 5)) * [1, 1, 40, 1, 40]:
        # y2 is linear in w1, so a finite difference gives the slope exactly (up to rounding).
        slope = (_y2(x, w1 + 1.0, b1, w2, b2) - _y2(x, w1 - 1.0, b1, w2, b2)) / 2.0
        got = np.asarray(student.chain_rule_example(float(x), float(w1), float(b1), float(w2), float(b2)),
                         dtype=float)
        assert_allclose(got, slope, rtol=1e-6, atol=1e-9)
