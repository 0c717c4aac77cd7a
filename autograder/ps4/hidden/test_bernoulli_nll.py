import sympy as sp
from coursegrade import points, question, symbolically_equal
from autograder.ps4 import reference as ref

pytestmark = question("bernoulli_nll")

# One sample with logit z and label y in {0, 1}. The label is only ever 0 or 1, so every answer
# is compared after substituting y = 0 and y = 1: p**y * (1 - p)**(1 - y) and
# y*p + (1 - y)*(1 - p) are both correct likelihoods (equal on {0, 1}, not in between). What is
# left is a formula in z, compared symbolically or at random points.

Z = ref.z
Y = ref.y


def _read(student, name):
    got = student.expression(name, ref.DERIVE_SYMBOLS)
    assert isinstance(got, sp.Expr), f"{name} is a {type(got).__name__}, not a SymPy expression"
    allowed = {Z, Y}
    assert got.free_symbols <= allowed, f"{name} uses symbols {got.free_symbols - allowed}"
    return got


def _assert_matches(student, name):
    got = _read(student, name)
    expected = ref.derive_answers()[name]
    for label in (0, 1):
        equal, how = symbolically_equal(got.subs(Y, label), expected.subs(Y, label), {"z": Z})
        assert equal, f"{name} at y = {label} differs ({how}): {got.subs(Y, label)}"


@points(1)
def test_likelihood(student):
    "likelihood is P(Y = y | z) under the Bernoulli model with p = sigmoid(z): p when y = 1 and 1 - p when y = 0, as a formula in z and y."
    _assert_matches(student, "likelihood")


@points(2)
def test_negative_log_likelihood(student):
    "nll is the negative log of the likelihood, the log-loss of one sample: -log p when y = 1 and -log(1 - p) when y = 0."
    _assert_matches(student, "nll")


@points(1)
def test_derivative_in_the_logit(student):
    "dnll_dz is the derivative of nll with respect to the logit z, for y = 0 and for y = 1."
    _assert_matches(student, "dnll_dz")
