import functools

import numpy as np
from coursegrade import assert_allclose, points, question
from autograder.ps4 import reference as ref

pytestmark = question("gradient_descent")


def _quadratic(seed, D, eigenvalues):
    """f(x) = 1/2 (x - c)^T A (x - c) with the given eigenvalues; its gradient is A (x - c)."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(D, D)))
    A = Q @ np.diag(eigenvalues) @ Q.T
    A = (A + A.T) / 2
    c = rng.normal(size=D) * 2.0
    x0 = c + rng.normal(size=D) * 3.0
    return A, c, x0


def _grad_fn(student, A, c):
    """A sandbox function x -> A (x - c)."""
    return student.function(f"lambda x: np.array({A.tolist()!r}) @ (np.asarray(x) - np.array({c.tolist()!r}))")


def _trajectory(student, grad_fn, x0, lr, steps):
    got = np.asarray(student.gradient_descent(grad_fn, x0, lr, steps), dtype=float)
    assert got.shape == (steps + 1, len(x0)), f"trajectory shape {got.shape}, expected {(steps + 1, len(x0))}"
    return got


@points(2)
def test_matches_the_closed_form_on_a_quadratic(student):
    "On a quadratic bowl, the trajectory starts at x0 and follows x_{k+1} = x_k - lr * grad(x_k) step by step (steps + 1 points)."
    A, c, x0 = _quadratic(4301, D=3, eigenvalues=[0.5, 1.3, 2.2])
    lr, steps = 0.3, 12
    got = _trajectory(student, _grad_fn(student, A, c), x0, lr, steps)
    expected = ref.quadratic_trajectory(A, c, x0, lr, steps)
    assert_allclose(got[0], x0, rtol=0, atol=0, err_msg="the first point is not x0")
    assert_allclose(got, expected, rtol=1e-9, atol=1e-10)


@points(2)
def test_converges_to_the_minimum(student):
    "With a learning rate below 2 / (largest curvature), the iterates approach the minimum and the function value decreases at every step."
    A, c, x0 = _quadratic(4302, D=4, eigenvalues=[0.4, 0.9, 1.6, 2.5])
    lr, steps = 0.7, 150
    got = _trajectory(student, _grad_fn(student, A, c), x0, lr, steps)
    assert_allclose(got[-1], c, rtol=0, atol=1e-6, err_msg="last point")
    early = got[:40] - c                        # (later the distances reach rounding level)
    f = 0.5 * np.einsum("ki,ij,kj->k", early, A, early)
    assert np.all(np.diff(f) < 0), "the function value does not decrease at every step"
    assert_allclose(got, ref.quadratic_trajectory(A, c, x0, lr, steps), rtol=1e-8, atol=1e-10)


@points(2)
def test_diverges_for_too_large_a_learning_rate(student):
    "With a learning rate above 2 / (largest curvature), the iterates grow geometrically along the steepest direction, exactly as x_{k+1} = x_k - lr * grad(x_k) predicts (no clipping, no early stop)."
    A, c, x0 = _quadratic(4303, D=2, eigenvalues=[0.6, 2.0])
    lr, steps = 1.5, 30                         # 1 - lr * 2.0 = -2: the distance doubles per step
    got = _trajectory(student, _grad_fn(student, A, c), x0, lr, steps)
    expected = ref.quadratic_trajectory(A, c, x0, lr, steps)
    assert_allclose(got, expected, rtol=1e-8, atol=1e-8)
    distance = np.linalg.norm(got - c, axis=1)
    assert distance[-1] > 1e6 * distance[0], f"distance to the minimum went from {distance[0]} to {distance[-1]}"


@points(1)
def test_non_quadratic_function(student):
    "On a non-quadratic function (gradient sin(x) + 0.1 x**3 coordinatewise) the trajectory matches the update rule."
    x0 = np.array([2.5, -1.2, 0.7, -3.1, 1.9])
    lr, steps = 0.2, 17
    expected = _reference_non_quadratic(tuple(x0), lr, steps)
    grad_fn = student.function("lambda x: np.sin(x) + 0.1 * np.asarray(x) ** 3")
    got = _trajectory(student, grad_fn, x0, lr, steps)
    assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


@functools.cache  # the same for every submission (the engine cannot memoise a lambda argument)
def _reference_non_quadratic(x0, lr, steps):
    return ref.gradient_descent(lambda x: np.sin(x) + 0.1 * x ** 3, np.array(x0), lr, steps)


@points(1)
def test_zero_steps_and_one_step(student):
    "steps = 0 gives the single point x0; steps = 1 gives x0 and one step against the gradient."
    A, c, x0 = _quadratic(4304, D=6, eigenvalues=[0.3, 0.8, 1.1, 1.7, 2.4, 3.0])
    grad_fn = _grad_fn(student, A, c)
    got = _trajectory(student, grad_fn, x0, 0.25, 0)
    assert_allclose(got, x0[None, :], rtol=0, atol=0)
    got = _trajectory(student, grad_fn, x0, 0.25, 1)
    assert_allclose(got, np.stack([x0, x0 - 0.25 * A @ (x0 - c)]), rtol=1e-12, atol=1e-12)
