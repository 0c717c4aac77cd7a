import functools

import numpy as np
from coursegrade import assert_allclose, cross_checked, number, points, question
from autograder.ps4 import reference as ref

pytestmark = question("mse_loss_and_grad")


def _problem(seed, N, D):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, D)) + rng.normal(size=D)
    return rng.normal(size=D), float(rng.normal() * 2.0), X, X @ rng.normal(size=D) + rng.normal(size=N)


def _student(student, w, b, X, y):
    got = student.mse_loss_and_grad(w, b, X, y)
    assert isinstance(got, (tuple, list)) and len(got) == 3, "not (loss, dw, db)"
    loss, dw, db = number(got[0]), np.asarray(got[1], dtype=float), number(got[2])
    assert dw.shape == w.shape, f"dw has shape {dw.shape}, expected {w.shape}"
    return loss, dw, db


def _expected(w, b, X, y):
    return cross_checked(ref.mse_loss_and_grad(w, b, X, y), lambda: ref.mse_loss_and_grad_torch(w, b, X, y))


@points(1)
def test_loss_value(student):
    "The loss is the mean of the squared residuals (X @ w + b - y)**2 for random w, b, X and y."
    w, b, X, y = _problem(4201, N=13, D=4)
    loss, _, _ = _student(student, w, b, X, y)
    assert_allclose(loss, _expected(w, b, X, y)[0], rtol=1e-9)


@points(2)
def test_gradients_match_autograd(student):
    "dw and db are the gradients of the mean squared error with respect to w and b."
    w, b, X, y = _problem(4202, N=19, D=6)
    _, dw, db = _student(student, w, b, X, y)
    _, dw_ref, db_ref = _expected(w, b, X, y)
    assert_allclose(dw, dw_ref, rtol=1e-8, atol=1e-10, err_msg="dw")
    assert_allclose(db, db_ref, rtol=1e-8, atol=1e-10, err_msg="db")


@points(1)
def test_gradients_match_numerical_gradients(student):
    "dw and db agree with centred finite differences of the loss at other shapes."
    (w, b, X, y), (dw_num, db_num) = _finite_differences()
    _, dw, db = _student(student, w, b, X, y)
    assert_allclose(dw, dw_num, rtol=1e-6, atol=1e-7, err_msg="dw")
    assert_allclose(db, db_num, rtol=1e-6, atol=1e-7, err_msg="db")


@functools.cache  # the same for every submission (the engine cannot memoise a lambda argument)
def _finite_differences():
    w, b, X, y = _problem(4203, N=8, D=3)
    dw = ref.numerical_gradient(lambda v: ref.mse_loss(v, b, X, y), w)
    db = ref.numerical_gradient(lambda v: ref.mse_loss(w, v[0], X, y), np.array([b]))[0]
    return (w, b, X, y), (dw, db)


@points(1)
def test_intercept_and_optimum(student):
    "The intercept shifts every prediction (a large b gives a large loss and db), and at the least-squares fit both gradients vanish."
    w, _, X, y = _problem(4204, N=11, D=5)
    b = 40.0
    loss, dw, db = _student(student, w, b, X, y)
    expected = ref.mse_loss_and_grad(w, b, X, y)
    assert_allclose(loss, expected[0], rtol=1e-9)
    assert_allclose(dw, expected[1], rtol=1e-8, atol=1e-10, err_msg="dw")
    assert_allclose(db, expected[2], rtol=1e-8, atol=1e-10, err_msg="db")
    w_opt, b_opt = ref.linear_fit(X, y)
    loss_opt, dw, db = _student(student, w_opt, b_opt, X, y)
    assert_allclose(loss_opt, ref.mse_loss(w_opt, b_opt, X, y), rtol=1e-9)
    assert np.max(np.abs(dw)) < 1e-9 and abs(db) < 1e-9, f"gradient at the optimum {dw}, {db}"
