"""What hidden test suites use, besides pytest and numpy.

A hidden test module grades one question (the ``grade_id`` of a graded cell of the notebook)::

    pytestmark = question("softmax")

    @points(2)
    def test_rows_sum_to_one(student):
        "softmax(z) returns rows that sum to one, also for logits of +-1000."
        ...

The docstring is what the student sees as the check's description: it must not contain
expected values. ``student`` is a handle on the submission running in the sandbox:
``student.softmax(z)`` sends ``z`` in and returns plain data; a call that raises, times out or
crashes in the sandbox raises :class:`StudentError` here, and the engine records that outcome.
"""
import numpy as np
import pytest

from coursegrade.core import trusted

question = pytest.mark.question
points = pytest.mark.points

# Set by the engine (HiddenSuite) where the course is validated; off while grading.
ORACLES = {"verify": False}


class OracleDisagreement(AssertionError):
    """The reference and its independent oracle give different answers: the material is wrong."""


def cross_checked(answer, oracle, rtol=1e-7, atol=1e-10):
    """The reference's `answer`, which an independent `oracle` (a function of no arguments,
    e.g. torch.autograd on the same inputs) must agree with.

    The oracle runs where the course is validated (`course validate`, the repository's tests),
    for every input a hidden test uses; grading uses the validated reference alone: same fixed
    inputs, same numbers, and no torch import in every grading worker (two seconds each)."""
    if ORACLES["verify"]:
        _assert_agree(answer, oracle(), rtol, atol, "answer")
    return answer


def _assert_agree(answer, expected, rtol, atol, where):
    if isinstance(answer, dict) or isinstance(expected, dict):
        if not (isinstance(answer, dict) and isinstance(expected, dict)) or set(answer) != set(expected):
            raise OracleDisagreement(f"{where}: the reference and the oracle return different keys")
        for key in answer:
            _assert_agree(answer[key], expected[key], rtol, atol, f"{where}[{key!r}]")
    elif isinstance(answer, (tuple, list)) and isinstance(expected, (tuple, list)):
        if len(answer) != len(expected):
            raise OracleDisagreement(f"{where}: the reference and the oracle return different lengths")
        for index, (a, e) in enumerate(zip(answer, expected)):
            _assert_agree(a, e, rtol, atol, f"{where}[{index}]")
    elif not np.allclose(answer, expected, rtol=rtol, atol=atol) or np.shape(answer) != np.shape(expected):
        raise OracleDisagreement(f"{where}: the reference gives {answer!r}, its oracle {expected!r}")


def assert_allclose(actual, desired, rtol=1e-7, atol=0, equal_nan=True, err_msg="", verbose=True):
    """numpy.testing.assert_allclose, deciding the same way, faster for what hidden tests compare:
    numbers of the same shape (or one a scalar). There it decides itself (numpy's costs about
    0.2 ms a call), and words a mismatch of finite values briefly: numpy's message prints both
    arrays, which was most of the cost of a failing check. Anything else (other shapes,
    non-numeric values, nan or inf where they should not be) goes to numpy's, which decides
    and writes the message."""
    try:
        a, d = np.asarray(actual), np.asarray(desired)
        ours = (a.dtype.kind in "biuf" and d.dtype.kind in "biuf"
                and (a.shape == d.shape or a.ndim == 0 or d.ndim == 0))
    except (TypeError, ValueError, OverflowError):
        ours = False
    if ours:
        a, d = a.astype(float, copy=False), d.astype(float, copy=False)
        with np.errstate(all="ignore"):
            close = np.abs(a - d) <= atol + rtol * np.abs(d)
            finite = bool(np.isfinite(a).all() and np.isfinite(d).all())
            if not finite:  # nan and inf must sit at the same places (nan with nan)
                same = (a == d) | (equal_nan & np.isnan(a) & np.isnan(d))
                close = np.where(np.isfinite(a) & np.isfinite(d), close, same)
        if close.all():
            return
        if finite:
            raise AssertionError(_mismatch(a, d, close, rtol, atol, err_msg))
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=atol, equal_nan=equal_nan,
                               err_msg=err_msg, verbose=verbose)


def _mismatch(a, d, close, rtol, atol, err_msg):
    """What numpy's message says of a mismatch, without printing the arrays."""
    a, d = np.broadcast_arrays(a, d)
    wrong = ~close
    first = tuple(int(i) for i in np.argwhere(wrong)[0])
    difference = np.abs(a - d)[wrong]
    with np.errstate(all="ignore"):
        relative = difference / np.abs(d[wrong])
    lines = [f"Not equal to tolerance rtol={rtol:g}, atol={atol:g}"]
    if err_msg:
        lines.append(str(err_msg))
    count = int(wrong.sum())
    lines += [f"Mismatched elements: {count} / {wrong.size} ({100 * count / wrong.size:.3g}%)",
              f"First mismatch at index {first}: {float(a[first])!r} (ACTUAL), "
              f"{float(d[first])!r} (DESIRED)",
              f"Max absolute difference among violations: {difference.max():.6g}",
              f"Max relative difference among violations: {relative.max():.6g}"]
    return "\n".join(lines)


def number(got):
    """A student's scalar answer as a float, whatever container it came in (a float, a 0-d or
    one-element array, a one-element list); fails the test for anything else."""
    got = np.asarray(got, dtype=float)
    assert got.size == 1, f"expected one number, got shape {got.shape}"
    return float(got.reshape(()))


_symbolic_verdicts = {}


def symbolically_equal(got, expected, symbols, points=20, seed=0):
    """Whether two SymPy expressions are the same formula: structurally identical ("symbolic"),
    or equal at `points` random points of `symbols` (a dict name -> Symbol, positive symbols
    drawn positive) to 1e-9 ("numeric"). Two different analytic formulas agree at random points
    with probability zero, so this decides what `simplify(got - expected) == 0` would, without
    its cost (a tenth of a second to seconds per formula) and without its failures to decide.
    Returns (equal, how). The comparison runs under c.Grading.trusted_work_seconds: a formula
    that takes longer raises a StudentError ("too costly to check"), the test's outcome error."""
    # Many submissions give the same formula: judge each pair once per worker. SymPy
    # expressions hash and compare by structure, so they are their own keys.
    key = (got, expected, tuple(sorted(symbols)), points, seed)
    if key not in _symbolic_verdicts:
        _symbolic_verdicts[key] = trusted.limited(
            "your formula is too costly to check: comparing it with the expected one",
            _verdict, got, expected, symbols, points, seed)
    return _symbolic_verdicts[key]


def _verdict(got, expected, symbols, points, seed):
    if got == expected:
        return True, "symbolic"
    return _agree_at_random_points(got, expected, symbols, points, seed), "numeric"


def _agree_at_random_points(got, expected, symbols, points, seed):
    import sympy as sp
    rng = np.random.default_rng(seed)
    ordered = list(symbols.values())
    # numpy as a module, not "numpy": the same code, without `from numpy import *` (which
    # imports numpy.f2py and more: a tenth of a second of every worker's first formula)
    f_got, f_expected = (sp.lambdify(ordered, e, [np]) for e in (got, expected))
    for _ in range(points):
        values = [rng.uniform(0.5, 3.0) if s.is_positive else rng.uniform(-3.0, 3.0)
                  for s in ordered]
        with np.errstate(all="ignore"):
            a, b = complex(f_got(*values)), complex(f_expected(*values))
        if not np.isclose(a, b, rtol=1e-9, atol=1e-12):
            return False
    return True
