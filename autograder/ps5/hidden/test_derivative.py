import math

import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps5 import reference as ref

pytestmark = question("derivative")

# Functions of one variable written with operators and the Dual's methods (as a student would
# pass them); the same source is evaluated on the trusted side with the reference Dual.
_FUNCTIONS = [
    "lambda t: 3 * t ** 3 - 2 * t + 1",
    "lambda t: (t * t + 1).log()",
    "lambda t: (2 * t).tanh() * t",
    "lambda t: 1 / (1 + (-t).exp())",
    "lambda t: (t - 0.5).relu() ** 2 + t",
    "lambda t: (t * t + 2) ** 0.5 / (t * t + 1)",
    "lambda t: ((t * t).exp() - 1) / (t * t + 1)",
]


def _torch_derivative(source, xs):
    import torch
    f = eval(source)
    out = []
    for x in xs:
        t = torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
        y = f(t)
        (g,) = torch.autograd.grad(y, t)
        out.append(g.item())
    return np.array(out)


@points(3)
def test_at_many_points(student):
    "derivative(f, x) for several functions (polynomials, log, tanh, sigmoid, relu, roots, quotients) at 40 points each, as torch.autograd computes them."
    xs = [float(x) for x in np.linspace(-2.3, 2.1, 40)]
    for source in _FUNCTIONS:
        got = student.function(f"lambda xs: [float(derivative({source}, x)) for x in xs]", notebook=True)(xs)
        f = eval(source, {"math": math})
        expected = np.array([ref.derivative(f, x) for x in xs])
        cross_checked(expected, lambda: _torch_derivative(source, xs), rtol=1e-9, atol=1e-12)
        assert_allclose(np.asarray(got, dtype=float), expected, rtol=1e-9, atol=1e-12, err_msg=source)


@points(1)
def test_a_constant_function(student):
    "derivative of a function that ignores its argument (returns a plain number) is 0.0; of the identity, 1.0."
    got = student.function("lambda: [float(derivative(lambda t: 4.0, 1.5)), float(derivative(lambda t: t, -3.0))]",
                           notebook=True)()
    assert got == [0.0, 1.0], f"got {got}, expected [0.0, 1.0]"
