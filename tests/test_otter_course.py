"""An otter-grader master notebook graded as it is (grading/otter_course.py).

The material is otter's own test notebook (tests/data/otter_example, from ucbds-infra/otter-grader
test/test_assign/files at 4059e7a, BSD-3). `otter assign` makes its tests, solution and student
version; each is graded here and by `otter run` itself (recorded in
tests/data/otter_example_scores.json by `python tests/test_otter_course.py`: otter run starts a
kernel per notebook), and the scores must be equal per question; a submission that lies with
an int subclass whose == always says True gets full marks from otter and nothing here.
"""
import json
import shutil
import sys
from pathlib import Path

import pytest

from coursegrade.core.course import Course
from coursegrade.grading.otter_course import OtterAssignment, grade_all, otter_assignment_names
from coursegrade.grading.sandbox import Limits

DATA = Path(__file__).parent / "data" / "otter_example"
RECORDED = Path(__file__).parent / "data" / "otter_example_scores.json"
LIMITS = Limits(call_seconds=5, cell_seconds=20, submission_seconds=60, memory_mb=1024)
LIAR = ("class Yes(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n"
        "def add(a, b):\n    return Yes(0)\n")


def make_course(tmp):
    """A course with otter's example as hw01 and three submissions: otter's own solution and
    student version (made by otter assign), and a liar (the solution with q9 answered by an
    int subclass that equals everything)."""
    root = Path(tmp) / "course"
    shutil.copytree(DATA, root / "source" / "hw01", ignore=shutil.ignore_patterns("LICENSE"))
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    assignment = OtterAssignment(Course(root), "hw01")
    built = assignment.built_dir
    assignment.build()
    for student, notebook in {"solution": built / "solution.ipynb", "student": built / "student.ipynb"}.items():
        (root / "submitted" / student / "hw01").mkdir(parents=True)
        shutil.copy(notebook, root / "submitted" / student / "hw01" / "example.ipynb")
    liar = json.loads((built / "solution.ipynb").read_text())
    for cell in liar["cells"]:
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if text.startswith("def add(a, b):"):
            cell["source"] = LIAR
        elif text.startswith("s = add(1, 2)"):
            cell["source"] = "s = Yes(0)\n"
    (root / "submitted" / "liar" / "hw01").mkdir(parents=True)
    (root / "submitted" / "liar" / "hw01" / "example.ipynb").write_text(json.dumps(liar))
    return root


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("otter"))
    assignment = OtterAssignment(Course(root), "hw01")
    return assignment, {r.student: r for r in grade_all(assignment, assignment.submissions(), LIMITS,
                                                         keep_results=False)}


RECORDED_SCORES = json.loads(RECORDED.read_text()) if RECORDED.is_file() else {}


def test_the_master_notebook_is_found_and_its_questions_read(graded):
    assignment, _ = graded
    assert otter_assignment_names(assignment.course) == ["hw01"]
    assert assignment.autograded_questions == ["q1", "q3", "q8", "q9"]
    assert {q: assignment.points(q) for q in assignment.autograded_questions} == \
        {q: RECORDED_SCORES["max"][q] for q in assignment.autograded_questions}


@pytest.mark.parametrize("student", ["solution", "student"])
def test_scores_equal_otter_runs(graded, student):
    _, found = graded
    result = found[student]
    assert result.status == "graded", result.reason
    assert result.scores == RECORDED_SCORES[student], [(t.question, t.message) for t in result.tests]


def test_a_lying_int_subclass_scores_zero_where_otter_gives_full_marks(graded):
    _, found = graded
    assert RECORDED_SCORES["liar"]["q9"] == RECORDED_SCORES["max"]["q9"]  # otter run: fooled
    assert found["liar"].scores["q9"] == 0
    assert found["liar"].scores["q3"] == RECORDED_SCORES["solution"]["q3"]  # the rest as the solution


def record(out=RECORDED):
    """Run `otter run` on the three submissions and write its scores to `out`."""
    import tempfile
    from coursegrade.grading.otter_course import otter_run_scores
    with tempfile.TemporaryDirectory() as tmp:
        root = make_course(tmp)
        assignment = OtterAssignment(Course(root), "hw01")
        scores = {"command": "otter assign --no-pdfs example.ipynb DIST; otter run -a DIST/autograder/*.zip "
                             "-o OUT NOTEBOOK (tests/test_otter_course.py)"}
        import otter
        scores["otter_version"] = otter.__version__
        for student in ("solution", "student", "liar"):
            scores[student] = otter_run_scores(assignment.built_dir / "autograder.zip",
                                               root / "submitted" / student / "hw01" / "example.ipynb",
                                               Path(tmp) / f"out-{student}")
        scores["max"] = {q: assignment.points(q) for q in assignment.autograded_questions}
    Path(out).write_text(json.dumps(scores, indent=1, sort_keys=True) + "\n")



def test_course_grade_takes_the_otter_assignment_as_it_is(tmp_path):
    import subprocess
    root = make_course(tmp_path)
    graded = subprocess.run([str(Path(sys.executable).parent / "course"), "--root", str(root), "grade", "hw01",
                             "--student", "solution"], capture_output=True, text=True, timeout=600)
    assert graded.returncode == 0, graded.stderr
    assert "solution" in graded.stdout and "25/41" in graded.stdout  # otter run: 0 + 12 + 12 + 1


if __name__ == "__main__":
    record()
