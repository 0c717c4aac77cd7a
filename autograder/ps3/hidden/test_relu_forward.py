import numpy as np
from coursegrade import assert_allclose, points, question
from autograder.ps3 import reference as ref

pytestmark = question("relu_forward")


@points(1)
def test_matches_max_x_0(student):
    "relu_forward(x) is max(x, 0) entry by entry for a random 2-D array with entries of both signs."
    rng = np.random.default_rng(311)
    x = 3 * rng.normal(size=(6, 8))
    got = np.asarray(student.relu_forward(x), dtype=float)
    assert got.shape == x.shape, f"shape {got.shape}"
    assert_allclose(got, ref.relu_forward(x), rtol=1e-6, atol=0)


@points(1)
def test_any_shape_and_exact_zeros(student):
    "relu_forward keeps the shape of 1-D and 3-D arrays and maps zeros and negatives to 0."
    rng = np.random.default_rng(312)
    for shape in [(11,), (2, 3, 5)]:
        x = rng.normal(size=shape) * 1e3
        x.flat[::4] = 0.0
        got = np.asarray(student.relu_forward(x), dtype=float)
        assert got.shape == x.shape, f"shape {got.shape} for input {shape}"
        assert_allclose(got, ref.relu_forward(x), rtol=1e-6, atol=0)
