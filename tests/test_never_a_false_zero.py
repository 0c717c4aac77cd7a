"""Never a false zero: a submission that was not graded (status "retry": its grading worker
died, the sandbox failed) has no score until it is graded. The gradebook does not record it
(outputs/gradebook.record), and neither the exports (nbgrader's CSV, Canvas's, grades.csv)
nor the report show it as a 0: their score cells are empty (in Canvas's import, an empty cell
leaves the grade in Canvas as it was), and the report says it is graded again by the next run.

End to end: `course grade` in a copy of the course, its grading worker killed (SIGKILL) while
it grades one student; then, faster, a retry result written as `course grade` writes one.
"""
import csv
import json
import signal
import time

import nbformat
import psutil
import pytest

from coursegrade.authoring.synthetic import solution_notebook, write_batch
from coursegrade.core.results import Result, not_graded
from coursegrade.grading.batch import write_result
from coursegrade.outputs.exports import export_canvas_csv, export_nbgrader_csv
from coursegrade.outputs.gradebook import open_gradebook, record
from coursegrade.outputs.report import render_report
from coursegrade.outputs.scoreboard import write_grades_csv

from test_batch_inputs import _run_course, make_course


def _rows(path):
    with open(path, newline="") as handle:
        return {row[3]: row for row in list(csv.reader(handle))[1:]}


def _workers(pid):
    """The grading workers of the `course` process `pid`: children of its fork server."""
    found = []
    for server in psutil.Process(pid).children():
        try:
            if "forkserver" in " ".join(server.cmdline()):
                found += server.children()
        except psutil.Error:
            continue
    return found


@pytest.fixture(scope="module")
def killed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("false-zero")
    course = make_course(folder)
    assignment = course.assignment("ps1")
    solution = solution_notebook(assignment)
    slow = solution_notebook(assignment)  # graded for at least 20 s: the worker dies meanwhile
    slow.cells.append(nbformat.v4.new_code_cell("import time\ntime.sleep(20)"))
    write_batch({"alice": solution, "bob": slow, "carol": solution}, folder / "submitted", "ps1")
    with open_gradebook(course) as gradebook:  # enrolled, as `nbgrader db student add` does
        for student in ("alice", "bob", "carol", "dan"):  # dan never submits
            gradebook.update_or_create_student(student, first_name=student.title(), last_name="Test")
    process = _run_course(folder, "grade", "ps1", "--workers", "1", "--no-diagnosis")
    deadline = time.monotonic() + 240
    while not (course.autograded_dir / "alice" / "ps1" / "results.json").is_file():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "alice was never graded"
        time.sleep(0.1)
    time.sleep(2)  # bob (the next, with one worker) is being graded now
    workers = _workers(process.pid)
    assert len(workers) == 1, workers
    workers[0].send_signal(signal.SIGKILL)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return {"course": course, "assignment": assignment, "out": out, "err": err}


def test_the_killed_workers_submission_is_a_retry_and_the_others_are_graded(killed):
    course = killed["course"]
    results = {s: Result.from_json(json.loads((course.autograded_dir / s / "ps1" / "results.json").read_text()))
               for s in ("alice", "bob", "carol")}
    assert results["bob"].status == "retry" and "the grading worker died" in results["bob"].reason
    assert results["alice"].status == results["carol"].status == "graded"
    assert results["alice"].total == results["alice"].max_total > 0


def test_exports_show_no_score_for_it_not_even_zero(killed):
    exports = killed["course"].exports_dir
    nbgrader = _rows(exports / "ps1_nbgrader.csv")  # ..., raw_score, penalty, score, max_score
    assert nbgrader["bob"][7:10] == ["", "", ""], nbgrader["bob"]
    assert nbgrader["bob"][10] not in ("", "0", "0.0")  # the assignment's max score is kept
    assert float(nbgrader["alice"][9]) > 0
    assert nbgrader["dan"][7:10] == ["0.0", "0.0", "0.0"]  # never submitted: nbgrader's own 0
    canvas = _rows(exports / "ps1_canvas.csv")
    assert canvas["bob"][5] == "", canvas["bob"]  # empty: Canvas keeps the grade it has
    assert float(canvas["alice"][5]) > 0 and canvas["dan"][5] == "0"
    grades = {row[0]: row for row in csv.reader(open(exports / "ps1_grades.csv"))}
    header = grades["student"]
    bob = dict(zip(header, grades["bob"]))
    assert bob["status"] == "retry" and bob["total"] == "" and "worker died" in bob["reason"]
    assert all(bob[q] == "" for q in killed["assignment"].autograded_questions)


def test_the_report_says_it_is_not_graded_yet(killed):
    html = (killed["course"].exports_dir / "ps1_report.html").read_text()
    assert "bob" in html and "no score, not even 0: graded again by the next" in html


def test_a_retry_result_written_over_a_graded_one_hides_the_old_score_too(tmp_path):
    """A resubmission whose regrading failed: the gradebook still holds the score of the
    earlier notebook; until the new one is graded, the exports show none."""
    course = make_course(tmp_path)
    assignment = course.assignment("ps1")
    scores = {q: assignment.points(q) for q in assignment.autograded_questions}
    graded = [Result(student=s, assignment="ps1", scores=scores, total=sum(scores.values()),
                     max_total=sum(scores.values()), sha256=s) for s in ("erin", "finn")]
    for result in graded:
        write_result(course, result)
    record(course, assignment, graded)
    retry = not_graded(assignment, "finn", "the sandbox failed: it did not start", retry=True)
    write_result(course, retry)
    record(course, assignment, [retry])  # not recorded: it is no score
    assert _rows(export_nbgrader_csv(course, "ps1"))["finn"][7:10] == ["", "", ""]
    assert float(_rows(export_nbgrader_csv(course, "ps1"))["erin"][9]) == sum(scores.values())
    assert _rows(export_canvas_csv(course, "ps1"))["finn"][5] == ""
    rows = list(csv.reader(open(write_grades_csv(assignment, [graded[0], retry], tmp_path / "g.csv"))))
    assert rows[2][-2:] == ["retry", "the sandbox failed: it did not start"] and rows[2][-4] == ""
    html = render_report(assignment, [graded[0], retry])
    assert "no score, not even 0: graded again by the next" in html
