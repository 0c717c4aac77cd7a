import functools

import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps3 import reference as ref

pytestmark = question("affine_backward")

N, D, H = 7, 5, 6  # all different (docs/course.md): with D = H, dout @ W has the shape of dout @ W.T


def _case(seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, H)), rng.normal(size=(N, D)), rng.normal(size=(D, H)), rng.normal(size=H)


def _student_grads(student, dout, x, W):
    got = student.affine_backward(dout, x, W)
    assert len(got) == 3, "affine_backward should return (dx, dW, db)"
    dx, dW, db = (np.asarray(g, dtype=float) for g in got)
    return dx, dW, db


def _expected(dout, x, W, b):
    """The reference's gradients, cross-checked against torch.autograd."""
    return cross_checked(ref.affine_backward(dout, x, W), lambda: ref.affine_backward_torch(dout, x, W, b))


def _check(got, expected, name):
    assert got.shape == expected.shape, f"{name}: shape {got.shape}, expected {expected.shape}"
    assert_allclose(got, expected, rtol=1e-5, atol=1e-6, err_msg=name)


@points(1)
def test_dx(student):
    "dx, the gradient with respect to the input x, matches autograd."
    dout, x, W, b = _case(331)
    dx, _, _ = _student_grads(student, dout, x, W)
    _check(dx, _expected(dout, x, W, b)[0], "dx")


@points(1)
def test_dW(student):
    "dW, the gradient with respect to the weights, matches autograd."
    dout, x, W, b = _case(332)
    _, dW, _ = _student_grads(student, dout, x, W)
    _check(dW, _expected(dout, x, W, b)[1], "dW")


@points(1)
def test_db(student):
    "db, the gradient with respect to the bias, has shape (H,) and matches autograd."
    dout, x, W, b = _case(333)
    _, _, db = _student_grads(student, dout, x, W)
    _check(db, _expected(dout, x, W, b)[2], "db")


@points(1)
def test_matches_numerical_gradients(student):
    "dx, dW and db match numerical gradients of the layer, at other shapes and scales."
    (dout, x, W, b), expected = _finite_differences()
    got = _student_grads(student, dout, x, W)
    for g, e, name in zip(got, expected, ["dx", "dW", "db"]):
        _check(g, e, name)


@functools.cache  # the same for every submission (the engine cannot memoise a lambda argument)
def _finite_differences():
    rng = np.random.default_rng(334)
    n, d, h = 3, 8, 2
    dout, x, W, b = rng.normal(size=(n, h)) * 5, rng.normal(size=(n, d)), rng.normal(size=(d, h)), rng.normal(size=h)
    expected = (
        ref.numerical_gradient(lambda x_: np.sum(dout * ref.affine_forward(x_, W, b)), x),
        ref.numerical_gradient(lambda W_: np.sum(dout * ref.affine_forward(x, W_, b)), W),
        ref.numerical_gradient(lambda b_: np.sum(dout * ref.affine_forward(x, W, b_)), b),
    )
    return (dout, x, W, b), expected
