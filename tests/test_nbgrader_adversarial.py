"""Hostile submissions against an assignment in nbgrader's format: tests/test_adversarial.py's
attacks (reused, not copied) on a test cell run on the trusted side, and the tricks that only a
test cell running next to student code invites (shadowed built-ins, a fake `np`, lying
results, exceptions a test means to catch, values of the test reaching the student).
"""
import json

import numpy as np
import pytest

from coursegrade.core.course import Course
from coursegrade.grading.nbgrader_course import NbgraderAssignment, grade_all
from coursegrade.grading.sandbox import Limits, bwrap_usable

from nbgrader_material import _cell, _notebook
from test_adversarial import ATTACKS, HARMLESS, NEEDS_BWRAP, PWNED

SOLUTION = "def expectation(values, probs):\n    return float(np.dot(values, probs))\n"
TEST = ("np.testing.assert_allclose(expectation(np.array([1.0, 2.0, 3.0]), np.array([0.2, 0.3, 0.5])), 2.3)\n")
BUILTINS_TEST = "assert all([abs(expectation(np.array([4.0]), np.array([1.0])) - 4.0) < 1e-9])\n"
# Tricks on the trusted side's namespace proxy, each with the test cell it fools in a kernel
# (test_each_trick_fools_a_shared_namespace): each must earn nothing there.
PROXY_TRICKS = {
    "shadow-builtins": ("def expectation(values, probs):\n    return 0.0\n",
                        "all = lambda *a: True\nabs = lambda x: 0\n"),
    "fake-np": ("def expectation(values, probs):\n    return 0.0\n",
                "class _T:\n    def assert_allclose(self, *a, **k): pass\n"
                "class _N:\n    testing = _T()\n    def array(self, x): return x\nnp = _N()\n"),
    "lying-list": ("class L(list):\n    def __eq__(self, o): return True\n    def __ne__(self, o): return False\n"
                   "    def __sub__(self, o): return 0.0\n"
                   "def expectation(values, probs):\n    return L()\n", None),
    "timeout-caught-by-test": ("def expectation(values, probs):\n    while True: pass\n", None),
}
FOOLED = {"shadow-builtins": "test_builtins", "fake-np": "test_expectation", "lying-list": "test_builtins"}
TRUSTED_TEST_EXTRAS = {
    # a test that means to catch the student's exception, of a class the student made
    "catch": ("def check_positive(x):\n    if x < 0:\n        raise Negative('no')\n    return x\n"
              "class Negative(ValueError): pass\n",
              "try:\n    check_positive(-1)\nexcept ValueError:\n    pass\nelse:\n"
              "    raise AssertionError('did not raise')\n"),
    # a test whose own values must never reach the student's process
    "no-leak": ("def peek():\n    return 'SECRET' in repr(globals())\n",
                "expected_secret = 'SECRET-123'\nassert not peek()\n"),
    # a time-out is not an exception a test can catch
    "uncatchable": ("def spin():\n    while True: pass\n",
                    "try:\n    spin()\nexcept:\n    pass\n"),
}


def _assignment_notebook(answer, extra_cell=None):
    cells = [_cell("code", "import numpy as np\n")]
    if extra_cell:
        cells.append(_cell("code", extra_cell))
    cells.append(_cell("code", answer, solution=True, grade_id="expectation"))
    cells.append(_cell("code", TEST, grade=True, grade_id="test_expectation", points=1, locked=True))
    cells.append(_cell("code", BUILTINS_TEST, grade=True, grade_id="test_builtins", points=1, locked=True))
    for name, (solution, test) in TRUSTED_TEST_EXTRAS.items():
        cells.append(_cell("code", solution, solution=True, grade_id=f"{name}_answer"))
        cells.append(_cell("code", test, grade=True, grade_id=f"test_{name}", points=1, locked=True))
    return _notebook(cells)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("nbgrader-adversarial") / "course"
    (root / "source" / "adv").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    (root / "source" / "adv" / "adv.ipynb").write_text(json.dumps(_assignment_notebook(SOLUTION)))
    submissions = {"control-honest": (SOLUTION, None), **ATTACKS, **HARMLESS, **PROXY_TRICKS}
    for student, (answer, cell) in submissions.items():
        folder = root / "submitted" / student / "adv"
        folder.mkdir(parents=True)
        (folder / "adv.ipynb").write_text(json.dumps(_assignment_notebook(answer, cell)))
    assignment = NbgraderAssignment(Course(root), "adv")
    limits = Limits(call_seconds=3, cell_seconds=5, submission_seconds=60, memory_mb=1024)
    results = grade_all(assignment, assignment.submissions(), limits, keep_results=False)
    return {r.student: r for r in results}


def test_every_submission_is_graded(graded):
    expected = {"control-honest", *ATTACKS, *HARMLESS, *PROXY_TRICKS}
    assert set(graded) == expected
    for name, result in graded.items():
        assert result.status == "graded", f"{name}: {result.reason}"


def test_the_honest_control_keeps_full_marks(graded):
    control = graded["control-honest"]
    full = {q: s for q, s in control.scores.items() if q != "adv/test_uncatchable"}
    assert full == {q: control.max_scores[q] for q in full}, [(t.question, t.detail) for t in control.tests]
    assert not any("untrusted" in t.detail for t in control.tests)


def _kernel_passes(answer, extra, test):
    """Whether `test` passes when run as nbgrader runs it: in the student's own namespace."""
    namespace = {}
    for code in ["import numpy as np\n", extra or "", answer]:
        exec(code, namespace)
    try:
        exec(test, namespace)
    except Exception:
        return False
    return True


@pytest.mark.parametrize("name", sorted(FOOLED))
def test_each_trick_fools_a_shared_namespace(name):
    answer, extra = PROXY_TRICKS[name]
    test = TEST if FOOLED[name] == "test_expectation" else BUILTINS_TEST
    assert _kernel_passes(answer, extra, test)
    assert _kernel_passes(SOLUTION, None, TEST) and _kernel_passes(SOLUTION, None, BUILTINS_TEST)


@pytest.mark.parametrize("name", sorted(FOOLED))
def test_trick_earns_nothing_on_the_cell_it_fools(graded, name):
    result = graded[name]
    assert result.scores[f"adv/{FOOLED[name]}"] == 0, [(t.question, t.outcome, t.detail) for t in result.tests]


@pytest.mark.parametrize("name", sorted({*ATTACKS, "timeout-caught-by-test"}))
def test_attack_earns_nothing_on_what_it_attacks(graded, name):
    if name in NEEDS_BWRAP and not bwrap_usable():
        pytest.skip("without bubblewrap the file system is not hidden (README: security)")
    result = graded[name]
    assert result.scores["adv/test_expectation"] == 0, [
        (t.question, t.outcome, t.detail) for t in result.tests]


@pytest.mark.parametrize("name", sorted(HARMLESS))
def test_harmless_noise_costs_nothing(graded, name):
    assert graded[name].scores["adv/test_expectation"] == 1, graded[name].tests


def test_a_test_catches_the_students_exception_by_its_builtin_base(graded):
    assert graded["control-honest"].scores["adv/test_catch"] == 1


def test_values_of_a_test_never_reach_the_students_process(graded):
    assert graded["control-honest"].scores["adv/test_no-leak"] == 1


def test_a_timeout_fails_the_cell_whatever_it_catches(graded):
    control = graded["control-honest"]
    assert control.scores["adv/test_uncatchable"] == 0
    assert "did not finish" in next(t.message for t in control.tests if t.question == "adv/test_uncatchable")


def test_the_grading_machine_is_untouched(graded):
    assert not PWNED.exists(), "a __reduce__ payload ran on the trusted side"
    assert not getattr(__import__("builtins"), "LIE", False)
    assert np.allclose(1.0, 1.0) and not np.allclose(1.0, 2.0)
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(1.0, 2.0)
