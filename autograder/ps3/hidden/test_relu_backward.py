import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps3 import reference as ref

pytestmark = question("relu_backward")


@points(2)
def test_matches_autograd(student):
    "relu_backward passes the upstream gradient where x > 0 and blocks it where x < 0 (random signs of x and dout)."
    rng = np.random.default_rng(341)
    x, dout = rng.normal(size=(6, 9)), rng.normal(size=(6, 9))
    expected = cross_checked(ref.relu_backward(dout, x), lambda: ref.relu_backward_torch(dout, x))
    got = np.asarray(student.relu_backward(dout, x), dtype=float)
    assert got.shape == x.shape, f"shape {got.shape}"
    assert_allclose(got, expected, rtol=1e-6, atol=0)


@points(1)
def test_zero_input_gets_zero_gradient(student):
    "relu_backward uses relu'(0) = 0: where x is exactly 0, no gradient passes (3-D input)."
    rng = np.random.default_rng(342)
    x, dout = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 5, 3))
    x.flat[::3] = 0.0
    got = np.asarray(student.relu_backward(dout, x), dtype=float)
    assert got.shape == x.shape, f"shape {got.shape}"
    assert np.all(got[x == 0] == 0), f"nonzero gradient at x == 0: {got[x == 0]}"
    assert_allclose(got, ref.relu_backward(dout, x), rtol=1e-6, atol=0)
