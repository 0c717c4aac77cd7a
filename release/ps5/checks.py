"""Public checks for ps5 (automatic differentiation): quick hints, run in your notebook.

Your grade comes from a separate set of hidden tests; passing these checks is a good sign, not a
guarantee.
"""
import math

from checking import Checks, expect

checks = Checks()


def _close(a, b, tol=1e-9):
    try:
        return abs(float(a) - float(b)) <= tol * (1 + abs(float(b)))
    except (TypeError, ValueError):
        return False


# --- Value ------------------------------------------------------------------------------------

@checks.add("value", "a hand example: f = (a + b) * tanh(a), with a shared input")
def _(Value):
    a, b = Value(0.5), Value(-1.0)
    f = (a + b) * a.tanh()
    f.backward()
    t = math.tanh(0.5)
    expect(_close(f.data, -0.5 * t), f"f.data should be (0.5 - 1) tanh(0.5) = {-0.5 * t:.6f}; yours is {f.data}")
    expect(_close(b.grad, t), f"df/db = tanh(a) = {t:.6f}; yours is {b.grad}")
    da = t + (-0.5) * (1 - t * t)
    hint = ""
    if _close(a.grad, t) or _close(a.grad, -0.5 * (1 - t * t)):
        hint = (" You kept only one of the two paths from a to f: a node used twice must ADD the "
                "contributions of its users (grad +=, not grad =).")
    elif _close(a.grad, t + (-0.5) * (1 - t)):
        hint = " tanh'(x) is 1 - tanh(x)^2, not 1 - tanh(x)."
    expect(_close(a.grad, da), f"df/da = tanh(a) + (a + b)(1 - tanh(a)^2) = {da:.6f}; yours is {a.grad}.{hint}")


@checks.add("value", "numbers on the left: 2 * a, 1 - a, 1 / a, and ** with a constant")
def _(Value):
    a = Value(2.0)
    for text, build, value, grad in [("2 * a", lambda a: 2 * a, 4.0, 2.0), ("1 - a", lambda a: 1 - a, -1.0, -1.0),
                                     ("1 / a", lambda a: 1 / a, 0.5, -0.25), ("a ** 3", lambda a: a ** 3, 8.0, 12.0)]:
        a = Value(2.0)
        try:
            y = build(a)
        except TypeError as error:
            expect(False, f"{text} fails ({error}): define the reflected operator (__rmul__, __rsub__, __rtruediv__)")
        y.backward()
        expect(_close(y.data, value), f"{text} at a = 2 should be {value}; yours is {y.data} (is the number on the right side of the operation?)")
        expect(_close(a.grad, grad), f"d({text})/da at a = 2 should be {grad}; yours is {a.grad}")


@checks.add("value", "relu'(0) = 0, log' = 1/x, exp' = exp")
def _(Value):
    for name, x, grad in [("relu", 0.0, 0.0), ("relu", 1.5, 1.0), ("log", 4.0, 0.25), ("exp", 1.0, math.e)]:
        a = Value(x)
        getattr(a, name)().backward()
        expect(_close(a.grad, grad), f"the derivative of {name} at {x} should be {grad}; yours is {a.grad}")


@checks.add("value", "a chain 2000 deep, and backward() twice")
def _(Value):
    x = Value(0.3)
    y = x
    for _ in range(2000):
        y = y * 1.0005
    try:
        y.backward()
    except RecursionError:
        expect(False, "backward() hit Python's recursion limit on a chain 2000 deep: build the "
               "topological order with an explicit stack instead of recursion")
    expect(_close(x.grad, 1.0005 ** 2000, 1e-7), f"dy/dx should be 1.0005^2000 = {1.0005 ** 2000:.6f}; yours is {x.grad}")
    y.backward()
    expect(_close(x.grad, 1.0005 ** 2000, 1e-7),
           f"after a second backward() dy/dx is {x.grad}: backward() should first zero the gradients "
           "of the graph, so that calling it again gives the same answer")


# --- Dual -------------------------------------------------------------------------------------

@checks.add("dual", "the product, quotient and chain rules on a hand example")
def _(Dual):
    x = Dual(2.0, 1.0)
    for text, build, value, slope in [
            ("x * x", lambda x: x * x, 4.0, 4.0), ("3 / x", lambda x: 3 / x, 1.5, -0.75),
            ("1 - x ** 3", lambda x: 1 - x ** 3, -7.0, -12.0), ("(x * 0.5).exp()", lambda x: (x * 0.5).exp(), math.e, math.e / 2),
            ("x.log()", lambda x: x.log(), math.log(2), 0.5), ("x.tanh()", lambda x: x.tanh(), math.tanh(2), 1 - math.tanh(2) ** 2)]:
        y = build(Dual(2.0, 1.0))
        expect(_close(y.real, value), f"{text} at x = 2: the real part should be {value:.6f}; yours is {y.real}")
        expect(_close(y.dual, slope), f"{text} at x = 2: the dual part (the derivative) should be {slope:.6f}; yours is {y.dual}")


# --- derivative -------------------------------------------------------------------------------

@checks.add("derivative", "a polynomial, a sigmoid and a constant")
def _(derivative):
    got = derivative(lambda t: 3 * t ** 2 - t + 1, 2.0)
    expect(_close(got, 11.0), f"the derivative of 3t^2 - t + 1 at 2 is 11; yours is {got}")
    s = 1 / (1 + math.exp(-0.5))
    got = derivative(lambda t: 1 / (1 + (-t).exp()), 0.5)
    expect(_close(got, s * (1 - s)), f"the sigmoid's derivative at 0.5 is {s * (1 - s):.6f}; yours is {got}")
    got = derivative(lambda t: 4.0, 1.0)
    expect(_close(got, 0.0), f"a function that returns a plain number has derivative 0.0; yours gives {got}")


check = checks.run
