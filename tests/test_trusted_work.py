"""Unbounded work on the trusted side: a formula that is short as text but costly to build,
compare or evaluate must not hold a grading worker. Each is refused by size before it is built
(CPython's big-integer arithmetic cannot be interrupted) or stopped by the time limit
c.Grading.trusted_work_seconds, with "too costly to check" for that check alone.

The unit tests run each formula in a forked child with a deadline, so that the code before
the fix (which builds `factorial(2432902008176640000)` for ever) fails them instead of hanging;
the batch test grades costly answers to ps2's symbolic question next to an honest control.
"""
import io
import multiprocessing
import signal
import time
from pathlib import Path

import pytest
import sympy as sp

from coursegrade.authoring.synthetic import solution_notebook, with_replacement, write_batch
from coursegrade.content.hidden import symbolically_equal
from coursegrade.core import trusted
from coursegrade.core.errors import StudentError
from coursegrade.grading.batch import grade_batch
from coursegrade.grading.sandbox import Limits
from coursegrade.grading.student import Student, parse_expression
from coursegrade.inside.wire import ExpressionText

from test_batch_inputs import make_course

Z = {f"z{i}": sp.Symbol(f"z{i}", real=True) for i in range(3)}
KEY = {name: {"real": True} for name in Z}
# A Max of 300 symbolic arguments: 4,383 characters, 108 s to build on this machine (every
# pair of arguments is compared); well under the size limits, so only the timer stops it.
SLOW_MAX = "Max(" + ",".join(f"z0*{i}+z1**{i % 7}" for i in range(300)) + ")"

# Formulas over the size limits: refused before anything costly is built.
TOO_LARGE = {
    "factorial-of-factorial": "factorial(factorial(20))",
    "factorial-of-a-huge-number": "factorial(2432902008176640000)",
    "nested-factorials": "factorial(factorial(factorial(3)))",
    "nested-factorials-symbolic": "factorial(factorial(factorial(factorial(z0))))",
    "binomial-of-a-huge-number": "binomial(10**6, 500000)",
    "power-of-powers": "((9**999)**999)**999",
    "power-tower-of-numbers": "9**9**9",
    "power-tower-of-symbols": "z0**z0**z0**z0**z0",
    "exp-tower": "exp(exp(exp(exp(z0))))",
    "exp-of-a-huge-number": "exp(7**1100)",
    "integer-of-4000-digits": "9" * 4000 + "*z0",
    "hex-integer-of-5000-digits": "0x" + "f" * 5000 + "*z0",
    "product-of-big-numbers": "*".join(["2**1000"] * 8) + "*z0",
    "rational-power": "Rational(10**900, 3)**3",
    "expanded-(z0+1)**1000": "EXPANDED",
    "nested-20000-deep": "-" * 19_000 + "z0",
}


def _text(formula):
    return str(sp.expand((Z["z0"] + 1) ** 1000)) if formula == "EXPANDED" else formula


def _in_child(fn, seconds):
    """fn() in a forked child: ("returned", repr), ("raised", type name, message) or
    ("hung",) after `seconds` (the child is killed)."""
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe(duplex=False)

    def run():
        try:
            value = fn()
            theirs.send(("returned", repr(value)[:200]))
        except BaseException as error:
            theirs.send(("raised", type(error).__name__, str(error)))

    child = context.Process(target=run, daemon=True)
    child.start()
    ready = ours.poll(seconds)
    answer = ours.recv() if ready else ("hung",)
    child.kill()
    child.join()
    return answer


@pytest.mark.parametrize("name", sorted(TOO_LARGE))
def test_formulas_over_the_size_limits_are_refused_at_once(name):
    started = time.monotonic()
    answer = _in_child(lambda: parse_expression(_text(TOO_LARGE[name]), Z), seconds=20)
    assert answer[:2] == ("raised", "FormulaTooLarge"), answer
    assert time.monotonic() - started < 10


class _Run:
    """A stand-in for SandboxedRun: `get` returns what the sandbox would send."""

    def __init__(self, value):
        self.value = value

    def get(self, name):
        return self.value


def _read(text, seconds=0.5):
    trusted.configure(seconds)
    try:
        return Student(_Run(ExpressionText(text))).expression("dL_dz0", KEY)
    finally:
        trusted.configure(trusted.DEFAULT_SECONDS)


def test_a_formula_costly_to_build_is_stopped_by_the_time_limit():
    answer = _in_child(lambda: _read(SLOW_MAX, seconds=0.5), seconds=20)
    assert answer[:2] == ("raised", "StudentError"), answer
    assert "your formula dL_dz0 is too costly to check" in answer[2]
    assert "took longer than 0.5 s" in answer[2]


@pytest.mark.parametrize("name", sorted(TOO_LARGE))
def test_a_formula_over_the_limits_loses_its_check_with_a_message(name):
    answer = _in_child(lambda: _read(_text(TOO_LARGE[name])), seconds=20)
    assert answer[:2] == ("raised", "StudentError"), answer
    assert answer[2].startswith("your formula dL_dz0 is too costly to check: "), answer


def test_comparing_costly_formulas_is_stopped_by_the_time_limit():
    # 1,771 terms: lambdify and twenty evaluations take about 0.6 s here
    big = sp.expand((Z["z0"] + Z["z1"] + Z["z2"] + 1) ** 20)

    def compare():
        trusted.configure(0.1)
        return symbolically_equal(big, (Z["z0"] + Z["z1"] + Z["z2"] + 1) ** 20, Z, seed=7)

    answer = _in_child(compare, seconds=20)
    assert answer[:2] == ("raised", "TooCostly"), answer
    assert "your formula is too costly to check: comparing it with the expected one took " \
           "longer than 0.1 s" == answer[2]


def test_the_time_limit_leaves_nothing_behind():
    """After a stopped step: no timer left armed, ordinary work as before, nested steps."""
    trusted.configure(0.2)
    try:
        with pytest.raises(trusted.TooCostly):
            trusted.limited("spinning", lambda: [None for _ in iter(int, 1)])
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        assert parse_expression("z0 + 1", Z) == Z["z0"] + 1
        assert trusted.limited("outer", trusted.limited, "inner", lambda: 42) == 42
        with pytest.raises(trusted.TooCostly, match="inner took longer"):
            trusted.limited("outer", trusted.limited, "inner", time.sleep, 5)
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        trusted.configure(trusted.DEFAULT_SECONDS)
    assert issubclass(trusted.TooCostly, StudentError)


# --------------------------------------------------------------------- in a real batch

SANDBOX_SIDE = {  # what the notebook assigns to dL_dz0 (built unevaluated: instant there)
    "slow-max": "sp.Max(*[z0 * i + z1 ** (i % 7) for i in range(300)], evaluate=False)",
    "factorial-of-factorial": "sp.factorial(sp.factorial(20), evaluate=False)",
    "power-tower": "z0 ** z0 ** z0 ** z0 ** z0",
    "number-tower": "sp.Pow(9, sp.Pow(9, 9, evaluate=False), evaluate=False) * z0",
    "integer-of-4000-digits": "sp.Integer(int('9' * 4000)) * z0",
    "expanded-power": "sp.expand((z0 + 1) ** 1000)",
}


def _batch_deadline(*_):
    raise TimeoutError("the batch did not finish: a worker is held by a costly formula")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trusted-work")
    course = make_course(folder, "\nc.Grading.trusted_work_seconds = 1.0\n")
    assignment = course.assignment("ps2")
    solution = solution_notebook(assignment)
    notebooks = {"control-honest": solution}
    for name, source in SANDBOX_SIDE.items():
        notebooks[name] = with_replacement(solution, "dL_dz0", f"dL_dz0 = {source}")
    paths = write_batch(notebooks, folder / "submitted", "ps2")
    limits = Limits(call_seconds=10, cell_seconds=30, submission_seconds=200, memory_mb=1024)
    previous = signal.signal(signal.SIGALRM, _batch_deadline)
    signal.alarm(300)  # the code before the fix never finishes this batch
    try:
        results = grade_batch(course, assignment, [(p.parent.parent.name, p) for p in paths],
                              workers=2, limits=limits, out=io.StringIO(), keep_results=False)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return {r.student: r for r in results}


def test_the_batch_completes_and_the_control_keeps_full_marks(graded):
    assert set(graded) == {"control-honest"} | set(SANDBOX_SIDE)
    assert all(r.status == "graded" for r in graded.values())
    control = graded["control-honest"]
    assert control.total == control.max_total


@pytest.mark.parametrize("name", sorted(SANDBOX_SIDE))
def test_a_costly_formula_loses_only_the_checks_that_read_it(graded, name):
    result = graded[name]
    reading = {t.test: t for t in result.tests if t.question == "dL_dz" and "true_class" in t.test}
    assert set(reading) == {"test_true_class_symbolically", "test_true_class_numerically"}
    for test in reading.values():
        assert test.outcome == "error", (test.test, test.outcome, test.message)
        assert "your formula dL_dz0 is too costly to check" in test.message, test.message
        assert test.seconds < 5, test.seconds  # the limit is 1 s
    # the other formulas of the question, and every other question, are graded as usual
    others = [t for t in result.tests if t.test not in reading]
    assert all(t.outcome == "passed" for t in others), [(t.test, t.outcome) for t in others
                                                        if t.outcome != "passed"]


def test_decoding_a_large_reply_is_under_the_time_limit_too(zygote):
    """A reply of megabytes (here 300,000 little lists) is decoded under the limit: over it,
    that call fails with the reason; the submission's process stays for the next call."""
    from coursegrade.grading.sandbox import SandboxedRun
    cells = [("cell 1", "def many():\n    return [[i] for i in range(300_000)]\n")]
    with SandboxedRun(zygote, cells) as run:
        assert len(run.call("many")) == 300_000  # under the default limit: decoded as usual
        trusted.configure(0.001)
        try:
            with pytest.raises(StudentError, match="reading what the submission's code sent back "
                                                   "took longer than 0.001 s") as raised:
                run.call("many")
            assert raised.value.kind == "error"
        finally:
            trusted.configure(trusted.DEFAULT_SECONDS)
        assert len(run.call("many")) == 300_000
