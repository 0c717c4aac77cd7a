"""Exports come from nbgrader's gradebook: the nbgrader CSV is byte for byte what `nbgrader
export` writes, the Canvas CSV is an importable gradebook file, both with manual grades and
late penalties (here from a custom nbgrader late-penalty plugin named in nbgrader_config.py)."""
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coursegrade.cli import main
from coursegrade.core.course import Course
from coursegrade.core.results import Result
from coursegrade.outputs.exports import export_canvas_csv, export_nbgrader_csv
from coursegrade.outputs.gradebook import grades, open_gradebook, record, set_duedate

ROOT = Path(__file__).resolve().parents[1]
LATE_POLICY = '''
import math
from nbgrader.plugins import LateSubmissionPlugin

class TenPercentPerDay(LateSubmissionPlugin):
    def late_submission_penalty(self, student_id, score, total_seconds_late):
        return round(score * 0.1 * math.ceil(total_seconds_late / 86400), 6)
'''
CONFIG = '''
c.AssignLatePenalties.plugin_class = "late_policy.TenPercentPerDay"
c.Exports.canvas_columns = {"ps1": "Problem set 1 (4711)"}
'''


def result(assignment, student, fraction, timestamp=None):
    """A result as `course grade` writes it, earning `fraction` of every question."""
    scores = {q: assignment.points(q) * fraction for q in assignment.autograded_questions}
    return Result(student=student, assignment=assignment.name, scores=scores,
                  total=sum(scores.values()), max_total=_autograded_points(assignment),
                  timestamp=timestamp, sha256=student)


def _autograded_points(assignment):
    return sum(assignment.points(q) for q in assignment.autograded_questions)


WRITTEN = 3.0  # the points of ps1's written answer, graded by hand below


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exports")
    for name in ("source", "release"):
        shutil.copytree(ROOT / name, folder / name)
    (folder / "autograder").symlink_to(ROOT / "autograder")  # the grading material
    (folder / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text() + CONFIG)
    (folder / "late_policy.py").write_text(LATE_POLICY)
    course = Course(folder)
    assignment = course.assignment("ps1")
    set_duedate(course, "ps1", "2025-10-06 17:00:00 UTC")
    with open_gradebook(course) as gradebook:
        gradebook.update_or_create_student("ada", first_name="Ada", last_name="Lovelace", lms_user_id="9001")
        gradebook.update_or_create_student("zed")  # enrolled, never submitted
    record(course, assignment, [
        result(assignment, "ada", 1.0, "2025-10-06 16:00:00"),
        result(assignment, "bo", 0.5, "2025-10-08 09:00:00"),   # 40 h late: two days, 20%
        result(assignment, "cy", 0.25),
    ])
    with open_gradebook(course) as gradebook:  # the formgrader grades ada's written answer
        gradebook.find_grade("mle_derivation_written", "ps1", "ps1", "ada").manual_score = 3.0
        gradebook.db.commit()
    return course


def _rows(path):
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def test_late_penalty_comes_from_the_configured_nbgrader_plugin(course):
    book = grades(course, "ps1")
    assert book["bo"]["seconds_late"] == 40 * 3600
    assert book["bo"]["late_penalty"] == pytest.approx(0.2 * book["bo"]["score"])
    assert book["ada"]["late_penalty"] == 0 and book["cy"]["late_penalty"] == 0


def test_nbgrader_csv_is_exactly_what_nbgrader_export_writes(course):
    ours = export_nbgrader_csv(course, "ps1")
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    done = subprocess.run([sys.executable, "-m", "nbgrader", "export", "--to", "theirs.csv",
                           "--log-level=WARN"], cwd=course.root, capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert ours.read_text() == (course.root / "theirs.csv").read_text()
    rows = {r[3]: r for r in _rows(ours)[1:]}
    full = _autograded_points(Course(course.root).assignment("ps1")) + WRITTEN
    assert rows["ada"][7] == f"{full:.1f}"  # raw score: all autograded points + 3 by hand
    half = _autograded_points(Course(course.root).assignment("ps1")) / 2  # bo's raw score, 40 h late
    assert float(rows["bo"][8]) == pytest.approx(0.2 * half) and float(rows["bo"][9]) == pytest.approx(0.8 * half)
    assert rows["zed"][7] == "0.0"   # nbgrader's convention for no submission


def test_canvas_csv_is_an_importable_gradebook(course):
    rows = _rows(export_canvas_csv(course, "ps1"))
    full = f'{_autograded_points(Course(course.root).assignment("ps1")) + WRITTEN:g}'
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Problem set 1 (4711)"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][5] == full
    by_login = {r[3]: r for r in rows[2:]}
    assert by_login["ada"][:2] == ["Lovelace, Ada", "9001"] and by_login["ada"][5] == full
    auto = _autograded_points(Course(course.root).assignment("ps1"))
    assert float(by_login["bo"][5]) == pytest.approx(auto / 2 * 0.8)  # after the late penalty
    assert by_login["cy"][5] == f"{auto / 4:g}" and by_login["zed"][5] == "0"
    assert all(len(r) == 6 for r in rows)


def test_course_export_writes_both(course, capsys):
    for name in ("ps1_nbgrader.csv", "ps1_canvas.csv"):
        (course.exports_dir / name).unlink(missing_ok=True)
    assert main(["--root", str(course.root), "export", "ps1"]) in (0, None)
    assert (course.exports_dir / "ps1_nbgrader.csv").is_file()
    assert (course.exports_dir / "ps1_canvas.csv").is_file()
    assert "ps1_canvas.csv" in capsys.readouterr().out
