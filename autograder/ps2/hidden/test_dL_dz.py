import numpy as np
import sympy as sp
from coursegrade import question, points, symbolically_equal
from autograder.ps2 import reference as ref

pytestmark = question("dL_dz")

# One sample with logits z0, z1, z2 and true class 0; dL_dz<k> is the student's dL/dz_k.
TRUE_CLASS = ["dL_dz0"]
OTHER_CLASSES = ["dL_dz1", "dL_dz2"]


def _read(student, name):
    expr = sp.sympify(student.expression(name, ref.DERIVE_SYMBOLS))
    allowed = set(ref.Z)
    assert expr.free_symbols <= allowed, f"{name} uses symbols {expr.free_symbols - allowed}"
    return expr


def _check_symbolically(student, names):
    expected = dict(zip(ref.DERIVE_NAMES, ref.dL_dz()))
    symbols = {str(z): z for z in ref.Z}
    for name in names:
        # the same formula as the derivative: identical, or equal at many random points
        # (different analytic formulas agree there with probability zero)
        equal, how = symbolically_equal(_read(student, name), expected[name], symbols)
        assert equal, f"{name} differs from the derivative ({how})"


def _check_numerically(student, names, seed):
    for name in names:
        mismatch = _first_mismatch(_read(student, name), name, seed)
        assert mismatch is None, mismatch


_mismatches = {}  # many submissions give the same formula: evaluate each once per worker


def _first_mismatch(got_expr, name, seed):
    """(name, point, got, want) at the first point where the formula is wrong, else None."""
    key = (got_expr, name, seed)  # SymPy expressions hash and compare by structure
    if key not in _mismatches:
        expected = dict(zip(ref.DERIVE_NAMES, ref.dL_dz()))[name]
        rng = np.random.default_rng(seed)
        points = rng.uniform(-4, 4, size=(6, 3))
        points[0] = [2.5, 2.5, 2.5]  # all logits equal
        _mismatches[key] = None
        for point in points:
            at = dict(zip(ref.Z, (sp.Float(v) for v in point)))
            got = complex(sp.N(got_expr.subs(at)))
            want = float(sp.N(expected.subs(at)))
            if not (abs(got.imag) < 1e-12 and abs(got.real - want) < 1e-9):
                _mismatches[key] = (name, point, got, want)
                break
    return _mismatches[key]


@points(1)
def test_true_class_symbolically(student):
    "dL_dz0 (the logit of the true class) is the same formula as the exact derivative of the loss."
    _check_symbolically(student, TRUE_CLASS)


@points(1)
def test_other_classes_symbolically(student):
    "dL_dz1 and dL_dz2 (the other classes) are the same formulas as the exact derivatives of the loss."
    _check_symbolically(student, OTHER_CLASSES)


@points(1)
def test_true_class_numerically(student):
    "dL_dz0 has the right value at random points."
    _check_numerically(student, TRUE_CLASS, seed=281)


@points(1)
def test_other_classes_numerically(student):
    "dL_dz1 and dL_dz2 have the right values at random points."
    _check_numerically(student, OTHER_CLASSES, seed=282)
