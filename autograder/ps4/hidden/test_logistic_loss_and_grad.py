import functools

import numpy as np
from coursegrade import assert_allclose, cross_checked, number, points, question
from autograder.ps4 import reference as ref

pytestmark = question("logistic_loss_and_grad")


def _problem(seed, N, D, scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, D)) + rng.normal(size=D)
    w, b = rng.normal(size=D) * scale, float(rng.normal()) * scale
    y = (rng.uniform(size=N) < 0.5).astype(float)
    y[:2] = [0.0, 1.0]                       # both labels appear
    return w, b, X, y


def _student(student, w, b, X, y):
    got = student.logistic_loss_and_grad(w, b, X, y)
    assert isinstance(got, (tuple, list)) and len(got) == 3, "not (loss, dw, db)"
    loss, dw, db = number(got[0]), np.asarray(got[1], dtype=float), number(got[2])
    assert dw.shape == w.shape, f"dw has shape {dw.shape}, expected {w.shape}"
    return loss, dw, db


def _expected(w, b, X, y):
    return cross_checked(ref.logistic_loss_and_grad(w, b, X, y),
                         lambda: ref.logistic_loss_and_grad_torch(w, b, X, y))


@points(2)
def test_loss_value(student):
    "The loss is the mean over samples of -y log p - (1 - y) log(1 - p) with p = sigmoid(X @ w + b)."
    w, b, X, y = _problem(4601, N=14, D=3)
    loss, _, _ = _student(student, w, b, X, y)
    assert_allclose(loss, _expected(w, b, X, y)[0], rtol=1e-9)


@points(2)
def test_gradients_match_autograd(student):
    "dw and db are the gradients of the mean log-loss with respect to w and b."
    w, b, X, y = _problem(4602, N=17, D=5)
    _, dw, db = _student(student, w, b, X, y)
    _, dw_ref, db_ref = _expected(w, b, X, y)
    assert_allclose(dw, dw_ref, rtol=1e-8, atol=1e-11, err_msg="dw")
    assert_allclose(db, db_ref, rtol=1e-8, atol=1e-11, err_msg="db")


@points(1)
def test_gradients_match_numerical_gradients(student):
    "dw and db agree with centred finite differences of the loss at other shapes."
    (w, b, X, y), (dw_num, db_num) = _finite_differences()
    _, dw, db = _student(student, w, b, X, y)
    assert_allclose(dw, dw_num, rtol=1e-6, atol=1e-8, err_msg="dw")
    assert_allclose(db, db_num, rtol=1e-6, atol=1e-8, err_msg="db")


@functools.cache  # the same for every submission (the engine cannot memoise a lambda argument)
def _finite_differences():
    w, b, X, y = _problem(4603, N=9, D=4, scale=0.7)
    dw = ref.numerical_gradient(lambda v: ref.logistic_loss(v, b, X, y), w)
    db = ref.numerical_gradient(lambda v: ref.logistic_loss(w, v[0], X, y), np.array([b]))[0]
    return (w, b, X, y), (dw, db)


@points(2)
def test_stable_for_large_logits(student):
    "For logits up to +-1e4, on both the right and the wrong side of the label, the loss and the gradients stay finite and exact: a confidently wrong sample costs about |z|, not inf or a clipped constant."
    rng = np.random.default_rng(4604)
    N, D = 8, 3
    X = rng.normal(size=(N, D))
    w = np.array([3000.0, -2000.0, 1500.0])
    b = 250.0
    z = X @ w + b
    y = np.where(np.arange(N) % 2 == 0, z > 0, z < 0).astype(float)   # half right, half wrong
    loss, dw, db = _student(student, w, b, X, y)
    assert np.isfinite(loss) and np.all(np.isfinite(dw)) and np.isfinite(db), f"not finite: {loss}, {dw}, {db}"
    expected = _expected(w, b, X, y)
    assert_allclose(loss, expected[0], rtol=1e-9)
    assert_allclose(dw, expected[1], rtol=1e-9, atol=1e-12, err_msg="dw")
    assert_allclose(db, expected[2], rtol=1e-9, atol=1e-12, err_msg="db")


@points(1)
def test_intercept_and_label_symmetry(student):
    "The intercept enters every logit (a large b changes the loss and db), and flipping every label together with the signs of w and b leaves the loss unchanged."
    w, _, X, y = _problem(4605, N=12, D=6, scale=0.5)
    b = 3.5
    loss, dw, db = _student(student, w, b, X, y)
    expected = ref.logistic_loss_and_grad(w, b, X, y)
    assert_allclose(loss, expected[0], rtol=1e-9)
    assert_allclose(db, expected[2], rtol=1e-8, atol=1e-11, err_msg="db")
    flipped, dw_flipped, db_flipped = _student(student, -w, -b, X, 1.0 - y)
    assert_allclose(flipped, loss, rtol=1e-9)
    assert_allclose(dw_flipped, -dw, rtol=1e-8, atol=1e-11, err_msg="dw with labels flipped")
    assert_allclose(db_flipped, -db, rtol=1e-8, atol=1e-11, err_msg="db with labels flipped")
