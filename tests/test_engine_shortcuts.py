"""What makes grading fast must not change a grade: each shortcut against the slow path it
replaces."""
import json

import nbformat
import numpy as np
import pytest

from coursegrade.content import hidden
from coursegrade.grading.batch import grade_batch
from coursegrade.grading.notebooks import parse_cells
from coursegrade.grading.suite import _describe_item
from coursegrade.authoring.synthetic import solution_notebook, stub_notebook, write_batch
from coursegrade.grading.unanswered import release_answers, unanswered_questions


# ----------------------------------------------------------------- unanswered questions

def _submitted(assignment, notebook):
    return parse_cells(json.loads(json.dumps(notebook)), assignment)


def _cell(notebook, grade_id):
    return next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_an_untouched_stub_is_unanswered_everywhere(course):
    ps2 = course.assignment("ps2")
    with_answer_cells = {q for q in ps2.autograded_questions if f"{q}_answer" in release_answers(ps2)}
    assert unanswered_questions(_submitted(ps2, stub_notebook(ps2)), ps2) == with_answer_cells
    assert unanswered_questions(_submitted(ps2, solution_notebook(ps2)), ps2) == set()


@pytest.mark.parametrize("extra", [
    "def softmax(z, axis=-1):\n    return np.exp(z) / np.exp(z).sum(axis, keepdims=True)\n",
    "from scipy.special import softmax\n",
    "softmax = lambda z, axis=-1: z\n",
    "def helper():\n    global softmax\n",
    "exec('def softmax(z, axis=-1): return z')\n",          # dynamic: nothing is skipped
    "import builtins\n",
])
def test_a_stub_whose_name_is_bound_elsewhere_is_graded(course, extra):
    ps2 = course.assignment("ps2")
    notebook = stub_notebook(ps2)
    notebook.cells.append(nbformat.v4.new_code_cell(extra))
    assert "softmax" not in unanswered_questions(_submitted(ps2, notebook), ps2)


def test_a_duplicated_or_edited_stub_is_graded(course):
    ps2 = course.assignment("ps2")
    notebook = stub_notebook(ps2)
    _cell(notebook, "entropy_answer").source += "\n# thinking about it"
    copy = json.loads(json.dumps(_cell(notebook, "softmax_answer")))
    notebook.cells.append(type(notebook.cells[0])(copy))
    found = unanswered_questions(_submitted(ps2, notebook), ps2)
    assert "softmax" not in found and "entropy" not in found  # any edit: the tests run
    assert "log_softmax" in found


def test_a_stub_answered_in_a_later_cell_gets_its_points(course, tmp_path):
    """End to end: the starter cell is untouched but a cell further down defines the function;
    the engine must run the tests, not record the question as unanswered."""
    ps2 = course.assignment("ps2")
    notebook = stub_notebook(ps2)
    solution = _cell(solution_notebook(ps2), "softmax_answer").source
    notebook.cells.append(nbformat.v4.new_code_cell(solution))
    [path] = write_batch({"late-answer": notebook}, tmp_path, "ps2")
    [result] = grade_batch(course, ps2, [("late-answer", path)], workers=1, keep_results=False,
                           out=open("/dev/null", "w"))
    assert result.scores["softmax"] == result.max_scores["softmax"] > 0
    assert result.scores["entropy"] == 0
    assert {t.outcome for t in result.tests if t.question == "entropy"} == {"unanswered"}


def test_a_failed_test_tells_instructors_where_and_why(course, tmp_path):
    """`detail` (instructors only) is the traceback from the hidden test down and the
    assertion's message, without the engine's own frames."""
    ps2 = course.assignment("ps2")
    notebook = solution_notebook(ps2)
    _cell(notebook, "softmax_answer").source = "def softmax(z, axis=-1):\n    return np.exp(z)\n"
    [path] = write_batch({"unnormalised": notebook}, tmp_path, "ps2")
    [result] = grade_batch(course, ps2, [("unnormalised", path)], workers=1, keep_results=False,
                           out=open("/dev/null", "w"))
    failed = [t for t in result.tests if t.question == "softmax" and t.outcome == "failed"]
    assert failed and result.scores["softmax"] < result.max_scores["softmax"]
    for test in failed:
        lines = test.detail.splitlines()
        assert lines[0] == "Traceback (most recent call last):"
        assert "test_softmax.py" in lines[1] and lines[1].endswith(f"in {test.test}")
        assert "suite.py" not in test.detail
        assert any(line.startswith("AssertionError") for line in lines)


# ------------------------------------------------------------ tests called directly

def test_only_plain_student_tests_skip_pytests_protocol(tmp_path):
    import pytest as pytest_module
    (tmp_path / "test_kinds.py").write_text(
        "import pytest\n"
        "pytestmark = [pytest.mark.question('q'), pytest.mark.points(1)]\n"
        "@pytest.fixture\ndef data():\n    return 1\n"
        "@pytest.fixture\ndef student():\n    return None\n"
        "def test_plain(student):\n    pass\n"
        "def test_fixture(student, data):\n    pass\n"
        "@pytest.mark.parametrize('n', [1, 2])\ndef test_param(student, n):\n    pass\n"
        "@pytest.mark.xfail\ndef test_xfail(student):\n    pass\n")
    found = {}

    class Collect:
        def pytest_collection_finish(self, session):
            found.update({i.name: _describe_item(i)["direct"] for i in session.items})

        def pytest_runtestloop(self, session):
            return True
    pytest_module.main([str(tmp_path), "-p", "no:cacheprovider", "-q"], plugins=[Collect()])
    assert found == {"test_plain": True, "test_fixture": False, "test_param[1]": False,
                     "test_param[2]": False, "test_xfail": False}


# ------------------------------------------------------------- helpers of hidden tests

CASES = [
    (np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]), 1e-7, 0),
    (np.array([1.0, 2.0]), np.array([1.0, 2.1]), 1e-7, 0),
    (np.array([1.0, np.nan]), np.array([1.0, np.nan]), 1e-7, 0),
    (np.array([1.0, np.inf]), np.array([1.0, np.inf]), 1e-7, 0),
    (np.array([1.0, np.inf]), np.array([1.0, -np.inf]), 1e-7, 0),
    (np.array([[1.0, 2.0]]), np.array([1.0, 2.0]), 1e-7, 0),
    (np.ones(3), 1.0, 1e-7, 0),
    (0.5, np.array([0.5, 0.5]), 1e-7, 0),
    ([1, 2, 3], (1, 2, 3), 0, 0),
    (np.array([1 + 1j]), np.array([1 + 1j]), 1e-7, 0),
    (np.array([True, False]), np.array([1.0, 0.0]), 0, 0),
    (1e-12, 0.0, 0, 1e-11),
    (1e-10, 0.0, 0, 1e-11),
    ("text", 1.0, 1e-7, 0),
]


@pytest.mark.parametrize("actual, desired, rtol, atol", CASES)
def test_assert_allclose_decides_exactly_like_numpy(actual, desired, rtol, atol):
    def verdict(check):
        try:
            check(actual, desired, rtol=rtol, atol=atol)
            return "pass"
        except Exception as error:
            return type(error).__name__
    assert verdict(hidden.assert_allclose) == verdict(np.testing.assert_allclose)


def test_assert_allclose_says_where_and_by_how_much_values_differ():
    with pytest.raises(AssertionError) as caught:
        hidden.assert_allclose(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 2.5], [3.0, 2.0]]),
                               rtol=1e-6, err_msg="dW")
    assert str(caught.value).splitlines() == [
        "Not equal to tolerance rtol=1e-06, atol=0", "dW", "Mismatched elements: 2 / 4 (50%)",
        "First mismatch at index (0, 1): 2.0 (ACTUAL), 2.5 (DESIRED)",
        "Max absolute difference among violations: 2",
        "Max relative difference among violations: 1"]
    with pytest.raises(AssertionError, match=r"index \(\): 3.0 \(ACTUAL\), 2.0"):
        hidden.assert_allclose(3.0, 2.0)
    with pytest.raises(AssertionError, match="nan location mismatch"):  # numpy's words
        hidden.assert_allclose(np.array([1.0, np.nan]), np.array([1.0, 2.0]))


def test_assert_allclose_agrees_with_numpy_on_random_values():
    rng = np.random.default_rng(5)
    for _ in range(500):
        shape = tuple(rng.integers(1, 4, size=rng.integers(0, 3)))
        desired = rng.normal(scale=10.0 ** rng.integers(-6, 6), size=shape)
        actual = desired * (1 + rng.normal(scale=10.0 ** -rng.integers(3, 10), size=shape))
        rtol = 10.0 ** -rng.integers(4, 9)
        if rng.random() < 0.2:  # the non-finite values a stability test expects
            flat = desired.reshape(-1)
            if flat.size:
                flat[rng.integers(flat.size)] = rng.choice([np.inf, -np.inf, np.nan])
                actual = np.where(np.isfinite(desired), actual, desired)
                if rng.random() < 0.5:
                    actual = -actual
        fast = slow = True
        try:
            hidden.assert_allclose(actual, desired, rtol=rtol)
        except AssertionError:
            fast = False
        try:
            np.testing.assert_allclose(actual, desired, rtol=rtol)
        except AssertionError:
            slow = False
        assert fast == slow


def test_cross_checked_runs_the_oracle_only_where_the_course_is_validated(monkeypatch):
    calls = []

    def oracle():
        calls.append(1)
        return (np.array([1.0, 2.0]), {"W": np.eye(2)})
    answer = (np.array([1.0, 2.0]), {"W": np.eye(2)})
    monkeypatch.setitem(hidden.ORACLES, "verify", False)
    assert hidden.cross_checked(answer, oracle) is answer and calls == []
    monkeypatch.setitem(hidden.ORACLES, "verify", True)
    assert hidden.cross_checked(answer, oracle) is answer and calls == [1]
    wrong = (np.array([1.0, 2.001]), {"W": np.eye(2)})
    with pytest.raises(hidden.OracleDisagreement, match=r"answer\[0\]"):
        hidden.cross_checked(wrong, oracle)
    with pytest.raises(hidden.OracleDisagreement, match="keys"):
        hidden.cross_checked((np.array([1.0, 2.0]), {"V": np.eye(2)}), oracle)


def test_memoized_reference_answers_once_and_hands_out_copies(monkeypatch):
    import sympy as sp
    from coursegrade.grading import suite
    calls = []
    x = sp.Symbol("x")

    def reference(values, power=2):
        calls.append(1)
        return {"squares": np.asarray(list(values)) ** power, "formula": sp.exp(x) + power}
    memoized = suite._memoized(reference)
    first = memoized(np.arange(3.0))
    first["squares"][0] = 99.0  # a test that modifies its answer changes nobody else's
    second = memoized(np.arange(3.0))
    assert calls == [1] and second["squares"].tolist() == [0.0, 1.0, 4.0]
    assert memoized(np.arange(3.0), power=3)["squares"].tolist() == [0.0, 1.0, 8.0]
    assert memoized(iter([1.0]))["squares"].tolist() == [1.0]  # not plain data: not cached
    assert len(calls) == 3

    def deepcopy(value):
        raise AssertionError(f"deep copy of {value!r}")
    monkeypatch.setattr(suite.copy, "deepcopy", deepcopy)
    assert memoized(np.arange(3.0))["formula"] == sp.exp(x) + 2  # immutable: handed out as is
    with pytest.raises(AssertionError, match="deep copy"):  # anything else is still copied
        suite._memoized(lambda: {1, 2})()
