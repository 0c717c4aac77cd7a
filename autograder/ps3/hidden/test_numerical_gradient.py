import numpy as np
from coursegrade import assert_allclose, points, question

pytestmark = question("numerical_gradient")


@points(1)
def test_matches_analytic_gradient(student):
    "numerical_gradient of a smooth function of a 2-D array agrees closely with its exact gradient."
    rng = np.random.default_rng(351)
    x = rng.uniform(-2, 2, size=(3, 4))
    f = student.function("lambda x: np.sum(np.sin(x) * x ** 2)")
    got = np.asarray(student.numerical_gradient(f, x.copy()), dtype=float)
    assert got.shape == x.shape, f"shape {got.shape}"
    exact = np.cos(x) * x ** 2 + 2 * x * np.sin(x)
    # Centred differences are accurate to ~1e-10 here; one-sided ones only to ~1e-5.
    assert_allclose(got, exact, rtol=1e-7, atol=1e-7)


@points(1)
def test_uses_the_given_step(student):
    "numerical_gradient uses the step h it is given, with centred differences."
    rng = np.random.default_rng(352)
    x = rng.uniform(-3, 3, size=7)
    h = 0.05
    f = student.function("lambda x: np.sum(x ** 3)")
    got = np.asarray(student.numerical_gradient(f, x.copy(), h), dtype=float)
    assert got.shape == x.shape, f"shape {got.shape}"
    # For x**3 the centred difference is exactly 3 x**2 + h**2.
    assert_allclose(got, 3 * x ** 2 + h ** 2, rtol=1e-6, atol=1e-6)


@points(1)
def test_each_entry_is_taken_at_x(student):
    "numerical_gradient evaluates every entry around the original x (each nudge is undone), for a function that couples all entries."
    rng = np.random.default_rng(353)
    x = rng.uniform(0.5, 1.5, size=(2, 5))
    f = student.function("lambda x: np.sum(x) ** 3 + np.sum(np.cos(x) * x)")
    got = np.asarray(student.numerical_gradient(f, x.copy()), dtype=float)
    assert got.shape == x.shape, f"shape {got.shape}"
    exact = 3 * np.sum(x) ** 2 + np.cos(x) - x * np.sin(x)
    assert_allclose(got, exact, rtol=1e-7, atol=1e-6)
