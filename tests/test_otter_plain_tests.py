"""otter's plain-Python tests (`OK_FORMAT = False`, @test_case functions) graded on the trusted
side (grading/otter_cases.py), and the untrusted fallback for otter's cases.

The material is otter's own exception-based test notebook (tests/data/otter_exception_example,
from ucbds-infra/otter-grader test/test_assign/files at 4059e7a, BSD-3; its config in
assignment_config.yml: `tests: ok_format: false`). Its solution, its student version and a liar
(q3's square returns an int subclass whose == always says True) are graded here and by `otter
run` (recorded in tests/data/otter_exception_example_scores.json by `python
tests/test_otter_plain_tests.py`); the scores must be equal per question but the liar's q3,
which otter gives full marks and this engine none.

The fallback: a small master notebook of this file's own, a question in each format whose test
asks isinstance against the student's class, runs that case in the student's process, marked
untrusted, and scores as otter does.
"""
import json
import shutil
import sys
from pathlib import Path

import pytest

from coursegrade.core.course import Course
from coursegrade.grading.otter_course import OtterAssignment, grade_all, otter_assignment_names
from coursegrade.grading.sandbox import Limits

DATA = Path(__file__).parent / "data" / "otter_exception_example"
RECORDED = Path(__file__).parent / "data" / "otter_exception_example_scores.json"
LIMITS = Limits(call_seconds=5, cell_seconds=20, submission_seconds=60, memory_mb=1024)
NOTEBOOK = "exception-example.ipynb"
LIAR = ("class Yes(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n"
        "def square(x):\n    return Yes(0)\n\nnine = square(3)\n")


def _text(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def make_course(tmp):
    root = Path(tmp) / "course"
    shutil.copytree(DATA, root / "source" / "ps1", ignore=shutil.ignore_patterns("LICENSE"))
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    assignment = OtterAssignment(Course(root), "ps1")
    built = assignment.built_dir
    assignment.build()
    for student, notebook in {"solution": built / "solution.ipynb", "student": built / "student.ipynb"}.items():
        (root / "submitted" / student / "ps1").mkdir(parents=True)
        shutil.copy(notebook, root / "submitted" / student / "ps1" / NOTEBOOK)
    liar = json.loads((built / "solution.ipynb").read_text())
    for cell in liar["cells"]:
        if _text(cell).startswith("def square(x):"):
            cell["source"] = LIAR
    (root / "submitted" / "liar" / "ps1").mkdir(parents=True)
    (root / "submitted" / "liar" / "ps1" / NOTEBOOK).write_text(json.dumps(liar))
    return root


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("otter-plain"))
    assignment = OtterAssignment(Course(root), "ps1")
    return assignment, {r.student: r for r in grade_all(assignment, assignment.submissions(), LIMITS,
                                                         keep_results=False)}


RECORDED_SCORES = json.loads(RECORDED.read_text()) if RECORDED.is_file() else {}


def test_the_plain_python_tests_are_read_with_their_points(graded):
    from otter.test_files.exception_test import ExceptionTestFile
    assignment, _ = graded
    assert otter_assignment_names(assignment.course) == ["ps1"]  # (a markdown ```otter config cell)
    assert assignment.autograded_questions == ["q1", "q3", "q8"]
    assert all(isinstance(assignment.test_file(q), ExceptionTestFile) for q in assignment.autograded_questions)
    assert {q: assignment.points(q) for q in assignment.autograded_questions} == RECORDED_SCORES["max"]


@pytest.mark.parametrize("student", ["solution", "student"])
def test_scores_equal_otter_runs(graded, student):
    _, found = graded
    result = found[student]
    assert result.status == "graded", result.reason
    assert result.scores == RECORDED_SCORES[student], [(t.question, t.message, t.detail) for t in result.tests]
    assert not any(t.untrusted for t in result.tests)


def test_the_student_version_fails_with_otters_message(graded):
    _, found = graded
    q1 = next(t for t in found["student"].tests if t.question == "q1")
    assert q1.earned == 0 and "Test case failed" in q1.detail


def test_a_lying_int_subclass_scores_zero_where_otter_gives_full_marks(graded):
    _, found = graded
    assert RECORDED_SCORES["liar"]["q3"] == RECORDED_SCORES["max"]["q3"]  # otter run: fooled
    assert found["liar"].scores["q3"] == 0
    assert found["liar"].scores["q1"] == RECORDED_SCORES["solution"]["q1"]  # the rest as the solution


def _cell(kind, text, shown=None):
    """A cell; `shown`: the text/plain result stored with a code cell (otter assign takes a
    doctest's expected output from the master notebook's stored outputs)."""
    outputs = [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                "data": {"text/plain": shown}}] if shown else []
    return {"cell_type": kind, "metadata": {}, "source": text,
            **({"outputs": outputs, "execution_count": 1 if shown else None} if kind == "code" else {})}


def fallback_master(ok_format):
    """A master notebook: q1 (a class Vector; a public test on the trusted side, a hidden one
    asking isinstance against the student's Vector, which needs the student's process, found by
    reading it); q2 (its test passes a lambda of the test to the student's apply: found while it
    runs)."""
    if ok_format:
        tests = ["v = Vector(3)\nv.n == 3", "isinstance(make(), Vector)", "apply(lambda v: v + 1, 1)"]
    else:
        tests = ["def test_n(Vector):\n    assert Vector(3).n == 3\n\ntest_n(Vector)",
                 "# HIDDEN\ndef test_type(make, Vector):\n    assert isinstance(make(), Vector)\n\n"
                 "test_type(make, Vector)",
                 "def test_apply(apply):\n    assert apply(lambda v: v + 1, 1) == 2\n\ntest_apply(apply)"]
    cells = [_cell("raw", "# ASSIGNMENT CONFIG\ntests:\n  files: true\n  ok_format: "
                   f"{str(ok_format).lower()}\n"),
             _cell("raw", "# BEGIN QUESTION\nname: q1\npoints: [1, 2]\n"),
             _cell("markdown", "Define `Vector` and `make`."),
             _cell("raw", "# BEGIN SOLUTION"),
             _cell("code", "class Vector:\n    def __init__(self, n):\n        self.n = n # SOLUTION\n\n"
                   "def make():\n    return Vector(1) # SOLUTION"),
             _cell("raw", "# END SOLUTION"),
             _cell("raw", "# BEGIN TESTS"),
             _cell("code", tests[0], "True" if ok_format else None),
             _cell("code", ('""" # BEGIN TEST CONFIG\nhidden: true\n""" # END TEST CONFIG\n'
                            if ok_format else "") + tests[1], "True" if ok_format else None),
             _cell("raw", "# END TESTS"),
             _cell("raw", "# END QUESTION"),
             _cell("raw", "# BEGIN QUESTION\nname: q2\n"),
             _cell("raw", "# BEGIN SOLUTION"),
             _cell("code", "def apply(f, v):\n    return f(v) # SOLUTION"),
             _cell("raw", "# END SOLUTION"),
             _cell("raw", "# BEGIN TESTS"),
             _cell("code", tests[2], "2" if ok_format else None),
             _cell("raw", "# END TESTS"),
             _cell("raw", "# END QUESTION")]
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                        "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


@pytest.mark.parametrize("ok_format", [True, False], ids=["doctest", "plain"])
def test_a_case_against_the_students_class_runs_in_the_students_process_marked_untrusted(tmp_path, ok_format):
    root = tmp_path / "course"
    (root / "source" / "vec").mkdir(parents=True)
    (root / "source" / "vec" / "vec.ipynb").write_text(json.dumps(fallback_master(ok_format)))
    assignment = OtterAssignment(Course(root), "vec")
    assignment.build()
    wrong = json.loads((assignment.built_dir / "solution.ipynb").read_text())
    for cell in wrong["cells"]:
        if _text(cell).startswith("class Vector"):
            cell["source"] = _text(cell).replace("return Vector(1)", "return 1")
    for student, notebook in {"solution": json.loads((assignment.built_dir / "solution.ipynb").read_text()),
                              "wrong": wrong}.items():
        (root / "submitted" / student / "vec").mkdir(parents=True)
        (root / "submitted" / student / "vec" / "vec.ipynb").write_text(json.dumps(notebook))
    found = {r.student: r for r in grade_all(assignment, assignment.submissions(), LIMITS, keep_results=False)}
    for student, expected in {"solution": 3, "wrong": 1}.items():
        q1, q2 = found[student].tests
        assert (q1.earned, q2.earned) == (expected, 1), (student, q1.detail, q2.detail)
        assert q1.untrusted and q2.untrusted and "untrusted" in q1.detail
        assert any("ran in the student's process (untrusted)" in p and "isinstance" in p
                   for p in found[student].problems)
        assert any("passes a function or object of the test" in p for p in found[student].problems)


def record(out=RECORDED):
    """Run `otter run` on the three submissions and write its scores to `out`."""
    import tempfile
    import otter
    from coursegrade.grading.otter_course import otter_run_scores
    with tempfile.TemporaryDirectory() as tmp:
        root = make_course(tmp)
        assignment = OtterAssignment(Course(root), "ps1")
        scores = {"command": f"otter assign --no-pdfs {NOTEBOOK} DIST; otter run -a DIST/autograder/*.zip "
                             "-o OUT NOTEBOOK (tests/test_otter_plain_tests.py)",
                  "otter_version": otter.__version__}
        for student in ("solution", "student", "liar"):
            scores[student] = otter_run_scores(assignment.built_dir / "autograder.zip",
                                               root / "submitted" / student / "ps1" / NOTEBOOK,
                                               Path(tmp) / f"out-{student}")
        scores["max"] = {q: assignment.points(q) for q in assignment.autograded_questions}
    Path(out).write_text(json.dumps(scores, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent.parent))
    record()
