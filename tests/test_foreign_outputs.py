"""What `course grade` writes after an nbgrader- or otter-format batch (issue 19): each
student's feedback page (and the released copy), the exports, and the gradebook that nbgrader's
own `nbgrader export` reads; the feedback never shows a hidden test or a test's expected value."""
import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from nbgrader_material import add_tricks_assignment, user_guide_course
from test_otter_course import make_course as otter_course

COURSE = [str(Path(sys.executable).parent / "course")]
NBGRADER = [sys.executable, "-m", "nbgrader"]
LIMITS = ["--call-seconds", "3", "--cell-seconds", "10", "--submission-seconds", "60"]
HIDDEN_NBGRADER = "mean([5])"                     # inside tricks' ### BEGIN HIDDEN TESTS
HIDDEN_OTTER = ["def identity(x)", "3.07316461"]  # otter's hidden cases q1a-4 and q8a-2


def _grade(root, name, *extra):
    done = subprocess.run(COURSE + ["--root", str(root), "grade", name, "--workers", "2", *LIMITS, *extra],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def _nbgrader_export(root):
    done = subprocess.run(NBGRADER + ["export", "--to", "export.csv", "--log-level=WARN"], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader((Path(root) / "export.csv").open()))


@pytest.fixture(scope="module")
def tricks(tmp_path_factory):
    root = user_guide_course(tmp_path_factory.mktemp("foreign-outputs"))
    add_tricks_assignment(root)
    (root / "submitted" / "honest" / "tricks" / "submission_secret.txt").write_text("secret\n")
    first = _grade(root, "tricks")
    again = _grade(root, "tricks")
    return root, first, again


def _page(root, student, name):
    return (root / "autograded" / student / name / "feedback.html").read_text()


def test_nbgrader_feedback_pages_show_no_hidden_test_nor_expected_value(tricks):
    root, output, _ = tricks
    source = (root / "source" / "tricks" / "tricks.ipynb").read_text()
    assert HIDDEN_NBGRADER in source  # (the string the pages must not hold)
    assert "feedback: 3 file(s)" in output
    for student in ("honest", "mallory", "half"):
        page = _page(root, student, "tricks")
        assert HIDDEN_NBGRADER not in page and "BEGIN HIDDEN" not in page
        assert "tricks/mean_partial" in page and "Half the points per case" in page
    mallory = json.loads((root / "autograded" / "mallory" / "tricks" / "results.json").read_text())
    failed = next(t for t in mallory["tests"] if t["question"] == "tricks/test_mean")
    assert "Not equal to tolerance" in failed["message"]  # the assertion's text, for instructors
    page = _page(root, "mallory", "tricks")
    assert "Not equal to tolerance" not in page and "AssertionError" in page
    assert "ran in your own Python process" in _page(root, "honest", "tricks")  # test_identity


def test_nbgrader_exports_and_released_feedback(tricks):
    root, output, _ = tricks
    grades = list(csv.DictReader((root / "exports" / "tricks_grades.csv").open()))
    assert {r["student"] for r in grades} == {"honest", "mallory", "half"}
    nbgrader_csv = {r["student_id"]: r for r in csv.DictReader((root / "exports" / "tricks_nbgrader.csv").open())}
    for row in grades:
        assert float(nbgrader_csv[row["student"]]["raw_score"]) == float(row["total"])
    assert (root / "exports" / "tricks_canvas.csv").is_file()
    done = subprocess.run(COURSE + ["--root", str(root), "feedback", "tricks", "--release"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    released = root / "feedback" / "honest" / "tricks" / "tricks.html"
    assert released.read_text() == _page(root, "honest", "tricks")


def test_a_second_run_grades_nothing_again(tricks):
    _, _, again = tricks
    assert "grading 0 submission(s) of tricks" in again and "3 unchanged since graded" in again


@pytest.fixture(scope="module")
def otter(tmp_path_factory):
    root = otter_course(tmp_path_factory.mktemp("otter-outputs"))
    (root / "submitted" / "student" / "hw01" / "timestamp.txt").write_text("2026-01-01 10:00:00 UTC")
    return root, _grade(root, "hw01")


def test_otter_feedback_pages_show_no_hidden_case(otter):
    root, output = otter
    assert "feedback: 3 file(s)" in output
    tests = "".join(p.read_text() for p in (root / "autograder" / "hw01" / "otter" / "tests").glob("*.py"))
    for hidden in HIDDEN_OTTER:
        assert hidden in tests  # (otter assign put it in a hidden case)
    for student in ("solution", "student", "liar"):
        page = _page(root, student, "hw01")
        assert all(hidden not in page for hidden in HIDDEN_OTTER)
        results = json.loads((root / "autograded" / student / "hw01" / "results.json").read_text())
        for question, score in results["scores"].items():
            assert f"q-{question}" in page
    page = _page(root, "student", "hw01")  # the student's own notebook, q1's box after its check
    assert page.index('<span class="n">check</span>') < page.index('id="q-q1"')


def test_otter_scores_are_in_nbgraders_gradebook_for_nbgrader_export(otter):
    root, _ = otter
    rows = {r["student_id"]: r for r in _nbgrader_export(root) if r["assignment"] == "hw01"}
    assert set(rows) == {"solution", "student", "liar"}
    for student, row in rows.items():
        results = json.loads((root / "autograded" / student / "hw01" / "results.json").read_text())
        assert float(row["raw_score"]) == results["total"]
        assert float(row["max_score"]) == results["max_total"]
    assert rows["student"]["timestamp"].startswith("2026-01-01 10:00:00")
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        cells = {c.name: c.max_score for c in gradebook.find_notebook("example", "hw01").grade_cells}
        graded = {g.name: g.auto_score for g in gradebook.find_submission_notebook("example", "hw01", "liar").grades}
    results = json.loads((root / "autograded" / "liar" / "hw01" / "results.json").read_text())
    assert cells == results["max_scores"] and graded == results["scores"]
