import functools

import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps3 import reference as ref

pytestmark = question("two_layer_loss")

KEYS = ("W1", "b1", "W2", "b2")


def _problem(seed, N, D, H, C, score_scale=1.0):
    """A random net whose hidden units are on for some samples and off for others."""
    # N, D, H, C all different (docs/course.md): with two equal, a misplaced transpose keeps the shapes.
    assert len({N, D, H, C}) == 4, (N, D, H, C)
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(size=(D, H)), "b1": 0.5 * rng.normal(size=H),
              "W2": score_scale * rng.normal(size=(H, C)), "b2": rng.normal(size=C)}
    X, y = rng.normal(size=(N, D)), rng.integers(0, C, size=N)
    y[:C] = np.arange(C)  # every class appears
    return params, X, y


def _student(student, params, X, y, reg):
    loss, grads = student.two_layer_loss(params, X, y, reg)
    loss = np.asarray(loss, dtype=float)
    assert loss.shape == (), f"loss has shape {loss.shape}"
    assert set(grads) == set(KEYS), f"grads keys {sorted(grads)}"
    grads = {k: np.asarray(grads[k], dtype=float) for k in KEYS}
    for k in KEYS:
        assert grads[k].shape == params[k].shape, f"grads[{k}] shape {grads[k].shape}"
    return float(loss), grads


def _expected(params, X, y, reg):
    """The reference's loss and gradients, cross-checked against torch.autograd."""
    return cross_checked(ref.two_layer_loss(params, X, y, reg), lambda: ref.two_layer_loss_torch(params, X, y, reg))


def _assert_grads_close(got, expected):
    for k in KEYS:
        scale = max(1.0, np.max(np.abs(expected[k])))
        assert_allclose(got[k], expected[k], rtol=1e-5, atol=1e-6 * scale, err_msg=k)


@points(1)
def test_loss_value(student):
    "The loss (mean cross-entropy plus L2 on the weights) matches for a random net with reg > 0."
    params, X, y = _problem(361, N=9, D=5, H=7, C=4)
    loss, _ = _student(student, params, X, y, 0.3)
    expected, _ = _expected(params, X, y, 0.3)
    assert_allclose(loss, expected, rtol=1e-6, atol=1e-7)


@points(2)
def test_gradients_match_autograd(student):
    "The gradients of W1, b1, W2 and b2 match autograd for a random net with reg > 0."
    params, X, y = _problem(362, N=8, D=6, H=10, C=3)
    _, grads = _student(student, params, X, y, 0.7)
    _, expected = _expected(params, X, y, 0.7)
    _assert_grads_close(grads, expected)


@points(2)
def test_gradients_match_numerical_gradients(student):
    "The gradients of W1, b1, W2 and b2 match numerical gradients of the loss at other shapes."
    (params, X, y, reg), expected = _finite_differences()
    _, grads = _student(student, params, X, y, reg)
    _assert_grads_close(grads, expected)


@points(1)
def test_stable_for_large_scores(student):
    "Loss and gradients stay finite and correct when the class scores are in the hundreds."
    params, X, y = _problem(364, N=6, D=4, H=8, C=5, score_scale=200.0)
    loss, grads = _student(student, params, X, y, 1e-3)
    assert np.isfinite(loss) and all(np.all(np.isfinite(g)) for g in grads.values()), "not finite"
    expected_loss, expected = _expected(params, X, y, 1e-3)
    assert_allclose(loss, expected_loss, rtol=1e-6)
    _assert_grads_close(grads, expected)


@functools.cache  # the same for every submission (the engine cannot memoise a lambda argument)
def _finite_differences():
    params, X, y = _problem(363, N=11, D=3, H=5, C=4)
    reg = 0.25
    expected = {}
    for k in KEYS:
        def loss_of(value, k=k):
            return ref.two_layer_loss({**params, k: value}, X, y, reg)[0]
        expected[k] = ref.numerical_gradient(loss_of, params[k], h=1e-6)
    return (params, X, y, reg), expected
