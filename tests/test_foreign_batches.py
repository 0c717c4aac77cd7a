"""nbgrader- and otter-format batches on grading/batch.py's pool (issue 19): several workers,
each with its own warm sandbox, give the one-worker run's results; a submission that kills its
process or loops forever loses only itself; an unchanged submission is not graded again."""
import json
import shutil

import pytest

from coursegrade.core.course import Course
from coursegrade.grading.batch import unchanged_results
from coursegrade.grading.nbgrader_course import NbgraderAssignment, grade_all as grade_nbgrader
from coursegrade.grading.otter_course import OtterAssignment, grade_all as grade_otter
from coursegrade.grading.sandbox import Limits

from nbgrader_material import RECORDED, user_guide_course
from test_otter_course import RECORDED as OTTER_RECORDED, make_course as otter_course

LIMITS = Limits(call_seconds=3, cell_seconds=4, submission_seconds=60, memory_mb=1024)
HOSTILE = {"crasher": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
           "looper": "while True:\n    pass\n"}


def _hostile_copy(root, student, first_cell):
    """hacker's submission with `first_cell` before problem1's cells."""
    folder = root / "submitted" / student / "ps1"
    shutil.copytree(root / "submitted" / "hacker" / "ps1", folder)
    notebook = json.loads((folder / "problem1.ipynb").read_text())
    notebook["cells"].insert(0, {"cell_type": "code", "metadata": {}, "execution_count": None,
                                 "outputs": [], "source": first_cell})
    (folder / "problem1.ipynb").write_text(json.dumps(notebook))


def _outcomes(result):
    return result.status, result.scores, [(t.question, t.outcome, t.earned, t.untrusted) for t in result.tests]


@pytest.fixture(scope="module")
def nbgrader_runs(tmp_path_factory):
    root = user_guide_course(tmp_path_factory.mktemp("foreign-batch"))
    for student, cell in HOSTILE.items():
        _hostile_copy(root, student, cell)
    assignment = NbgraderAssignment(Course(root), "ps1")
    submissions = assignment.submissions()
    one = grade_nbgrader(assignment, submissions, LIMITS, keep_results=False, workers=1)
    two = grade_nbgrader(assignment, submissions, LIMITS, keep_results=True, workers=2)
    return root, assignment, {r.student: r for r in one}, {r.student: r for r in two}


def test_two_workers_give_the_one_worker_results_and_nbgraders_scores(nbgrader_runs):
    _, _, one, two = nbgrader_runs
    assert set(one) == set(two) == {"bitdiddle", "hacker", *HOSTILE}
    for student in one:
        assert _outcomes(two[student]) == _outcomes(one[student]), student
    recorded = json.loads(RECORDED.read_text())["ps1"]
    for student in ("bitdiddle", "hacker"):
        assert two[student].status == "graded", two[student].reason
        assert two[student].scores == {q: s for q, s in recorded[student].items() if q in two[student].scores}
        assert two[student].timestamp and two[student].sha256 and two[student].material_sha256


def test_a_submission_that_kills_or_stalls_its_process_loses_only_itself(nbgrader_runs):
    _, _, _, two = nbgrader_runs
    for student in HOSTILE:
        result = two[student]
        assert result.final, result.reason
        assert "problem1/problem1 cell 1" in result.cells, result.cells
    assert two["looper"].cells["problem1/problem1 cell 1"]["kind"] == "timeout"
    # the rest of the notebook still ran: hacker's answers earn what they earn without the cell
    assert two["crasher"].scores == two["hacker"].scores


def test_an_unchanged_submission_is_not_graded_again(nbgrader_runs):
    root, assignment, _, _ = nbgrader_runs
    submissions = assignment.submissions()
    assert set(unchanged_results(assignment.course, assignment, submissions)) == \
        {"bitdiddle", "hacker", *HOSTILE}
    notebook = root / "submitted" / "bitdiddle" / "ps1" / "problem2.ipynb"
    original = notebook.read_bytes()
    try:
        notebook.write_bytes(original + b"\n")  # changed bytes: graded again
        kept = unchanged_results(assignment.course, assignment, submissions)
        assert "bitdiddle" not in kept and "hacker" in kept
        notebook.write_bytes(original)
        (root / "submitted" / "hacker" / "ps1" / "timestamp.txt").write_text("2030-01-01 00:00:00 UTC")
        kept = unchanged_results(assignment.course, assignment, submissions)  # resubmitted as is
        assert "hacker" in kept and kept["hacker"].timestamp.startswith("2030-01-01")
        source = root / "source" / "ps1" / "jupyter.png"
        source.write_bytes(source.read_bytes() + b"\0")  # the material changed: all again
        assert unchanged_results(assignment.course, assignment, submissions) == {}
    finally:
        notebook.write_bytes(original)


def test_otter_with_two_workers_equals_otter_run(tmp_path):
    root = otter_course(tmp_path)
    assignment = OtterAssignment(Course(root), "hw01")
    found = {r.student: r for r in grade_otter(assignment, assignment.submissions(), LIMITS, workers=2)}
    recorded = json.loads(OTTER_RECORDED.read_text())
    for student in ("solution", "student"):
        assert found[student].scores == recorded[student], found[student].tests
    assert found["liar"].scores["q9"] == 0
    assert set(unchanged_results(assignment.course, assignment, assignment.submissions())) == \
        {"solution", "student", "liar"}
