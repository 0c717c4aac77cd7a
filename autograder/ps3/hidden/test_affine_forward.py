import numpy as np
from coursegrade import assert_allclose, points, question
from autograder.ps3 import reference as ref

pytestmark = question("affine_forward")


@points(2)
def test_matches_x_W_plus_b(student):
    "affine_forward(x, W, b) returns x W + b with shape (N, H) for random x, W, b."
    rng = np.random.default_rng(301)
    x, W, b = rng.normal(size=(7, 5)), rng.normal(size=(5, 6)), rng.normal(size=6)
    got = np.asarray(student.affine_forward(x, W, b), dtype=float)
    assert got.shape == (7, 6), f"shape {got.shape}"
    assert_allclose(got, ref.affine_forward(x, W, b), rtol=1e-5, atol=1e-6)


@points(1)
def test_single_sample_and_large_inputs(student):
    "affine_forward works for a single sample (N = 1) and for inputs of different scales."
    rng = np.random.default_rng(302)
    x, W, b = 50 * rng.normal(size=(1, 9)), rng.normal(size=(9, 4)), 10 * rng.normal(size=4)
    got = np.asarray(student.affine_forward(x, W, b), dtype=float)
    assert got.shape == (1, 4), f"shape {got.shape}"
    assert_allclose(got, ref.affine_forward(x, W, b), rtol=1e-5, atol=1e-4)
