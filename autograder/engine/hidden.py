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
import pytest

question = pytest.mark.question
points = pytest.mark.points


def number(got):
    """A student's scalar answer as a float, whatever container it came in (a float, a 0-d or
    one-element array, a one-element list); fails the test for anything else."""
    import numpy as np
    got = np.asarray(got, dtype=float)
    assert got.size == 1, f"expected one number, got shape {got.shape}"
    return float(got.reshape(()))


_symbolic_verdicts = {}


def symbolically_equal(got, expected, symbols, seconds=5.0, points=20, seed=0):
    """Whether two SymPy expressions are equal: `simplify(got - expected) == 0` within
    `seconds`, else agreement at `points` random points of `symbols` (a dict name -> Symbol,
    positive symbols drawn positive). Returns (equal, how) with how in {"symbolic", "numeric"}."""
    import signal

    import numpy as np
    import sympy as sp

    # Many submissions give the same formula: simplify each pair once per worker.
    key = (sp.srepr(got), sp.srepr(expected), tuple(sorted(symbols)), seconds, points, seed)
    if key not in _symbolic_verdicts:
        _symbolic_verdicts[key] = _symbolically_equal(got, expected, symbols, seconds, points, seed)
    return _symbolic_verdicts[key]


def _symbolically_equal(got, expected, symbols, seconds, points, seed):
    import signal

    import numpy as np
    import sympy as sp

    def give_up(*_):
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, give_up)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        if sp.simplify(got - expected) == 0:
            return True, "symbolic"
    except (TimeoutError, TypeError, ValueError, RecursionError):
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    rng = np.random.default_rng(seed)
    ordered = list(symbols.values())
    f_got, f_expected = (sp.lambdify(ordered, e, "numpy") for e in (got, expected))
    for _ in range(points):
        values = [rng.uniform(0.5, 3.0) if s.is_positive else rng.uniform(-3.0, 3.0)
                  for s in ordered]
        with np.errstate(all="ignore"):
            a, b = complex(f_got(*values)), complex(f_expected(*values))
        if not np.isclose(a, b, rtol=1e-9, atol=1e-12):
            return False, "numeric"
    return True, "numeric"
