import sympy as sp

from coursegrade import points, question, symbolically_equal
from autograder.ps1 import reference as ref

pytestmark = question("mle_derivation")

SYMBOLS = {"h": {"positive": True}, "n": {"positive": True}}
# The expression comes back built with exactly these symbols, so these compare equal to its own.
h, n = sp.symbols("h n", positive=True)


def answer(student):
    got = student.expression("theta_mle", SYMBOLS)
    assert isinstance(got, sp.Expr), f"theta_mle is a {type(got).__name__}, not a SymPy expression"
    return got


def equivalent(got, want):
    """Symbolic equivalence under a time limit, with a numeric fallback at random points."""
    equal, _ = symbolically_equal(got, want, {"h": h, "n": n})
    return equal


@points(1)
def test_is_an_expression_in_heads_and_trials(student):
    "theta_mle is a SymPy expression of h (heads) and n (flips) that depends on both."
    got = answer(student)
    assert got.free_symbols == {h, n}, f"free symbols {got.free_symbols}"


@points(2)
def test_equals_the_maximum_likelihood_estimate(student):
    "theta_mle maximises the Bernoulli log-likelihood h log(theta) + (n - h) log(1 - theta) for every h and n."
    got = answer(student)
    assert equivalent(got, ref.theta_mle_expression(h, n)), f"theta_mle = {got}"
