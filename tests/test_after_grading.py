"""What `course grade` writes after grading (outputs/after_grading.py): the same feedback pages,
exports and report whether rendered in this process alone or shared with a helper process, and
the gradebook written a chunk of submissions per transaction, not a submission at a time.
Results are made up (no grading): these tests are about the outputs."""
import re
import shutil
from pathlib import Path

import pytest

from coursegrade.authoring.synthetic import solution_notebook, stub_notebook, write_batch
from coursegrade.core.course import Course
from coursegrade.core.results import Result
from coursegrade.outputs import after_grading, gradebook
from coursegrade.outputs.feedback import feedback_path
from coursegrade.outputs.report import report_path

ROOT = Path(__file__).resolve().parents[1]
STUDENTS = ["ada", "bo", "cy", "dee", "eve"]


def _course(folder):
    for name in ("source", "release"):
        shutil.copytree(ROOT / name, folder / name)
    (folder / "autograder").symlink_to(ROOT / "autograder")
    shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    return Course(folder)


def _results(course):
    assignment = course.assignment("ps1")
    notebooks = {s: (solution_notebook(assignment) if i % 2 == 0 else stub_notebook(assignment))
                 for i, s in enumerate(STUDENTS)}
    paths = dict(zip(STUDENTS, write_batch(notebooks, course.submitted_dir, "ps1")))
    results = []
    for i, student in enumerate(STUDENTS):
        fraction = 1.0 if i % 2 == 0 else 0.0
        scores = {q: assignment.points(q) * fraction for q in assignment.autograded_questions}
        results.append(Result(student=student, assignment="ps1", scores=scores,
                              max_scores={q: assignment.points(q) for q in assignment.autograded_questions},
                              total=sum(scores.values()), notebook=str(paths[student]),
                              sha256=student * 8, timestamp=None if i != 1 else "2030-01-01 00:00:00"))
    return assignment, results


def _outputs(course, assignment):
    """Every file written, with the minute each page was generated blanked out."""
    files = [feedback_path(course, s, "ps1") for s in STUDENTS] + [report_path(course, "ps1")]
    files += [course.exports_dir / f"ps1_{kind}.csv" for kind in ("nbgrader", "canvas")]
    # (feedback says "Generated", the report "generated": the minute may change between runs)
    stamp = re.compile(r"generated \d{4}-\d\d-\d\d \d\d:\d\d", re.IGNORECASE)
    return {str(p.relative_to(course.root)): stamp.sub("generated -", p.read_text()) for p in files}


@pytest.mark.parametrize("chunk", [2])
def test_a_helper_process_writes_the_same_files_as_this_process_alone(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(after_grading, "FEEDBACK_CHUNK", chunk)  # several chunks, shared out
    monkeypatch.setattr(gradebook, "ANSWERS_CHUNK", 1)  # notebooks read by both processes
    alone, shared = _course(tmp_path / "alone"), _course(tmp_path / "shared")
    written = {}
    for name, course, helpers in (("alone", alone, 0), ("shared", shared, 1)):
        assignment, results = _results(course)
        paths, exports, report = after_grading.write_outputs(course, assignment, results, helpers=helpers)
        assert [p.parent.parent.name for p in paths] == STUDENTS and report.is_file()
        assert [p.name for p in exports] == ["ps1_nbgrader.csv", "ps1_canvas.csv"]
        written[name] = _outputs(course, assignment)
    assert written["alone"] == written["shared"]
    page = written["shared"]["autograded/ada/ps1/feedback.html"]
    assert "ada" in page and "passed" in page


def test_the_gradebook_is_written_a_chunk_per_transaction(tmp_path, monkeypatch):
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    course = _course(tmp_path)
    assignment, results = _results(course)
    gradebook.record(course, assignment, results)  # creates the assignment, students, submissions
    monkeypatch.setattr(gradebook, "CHUNK", 2)
    commits = []
    listener = lambda connection: commits.append(connection)  # noqa: E731
    event.listen(Engine, "commit", listener)
    try:
        gradebook.record(course, assignment, [])  # what opening the gradebook commits anyway
        overhead = len(commits)
        commits.clear()
        results[0].scores = {**results[0].scores, "expectation": 0.0}
        recorded = gradebook.record(course, assignment, results)
    finally:
        event.remove(Engine, "commit", listener)
    assert len(recorded) == len(STUDENTS)
    # 5 submissions, 2 a transaction (nbgrader's own calls: 3 or more each)
    assert len(commits) - overhead == 3
    book = gradebook.grades(course, "ps1")
    assert book["ada"]["cells"]["expectation"]["auto_score"] == 0.0
    assert book["cy"]["score"] == results[2].total and book["bo"]["score"] == 0.0
