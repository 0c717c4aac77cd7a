"""README's first command grades the committed demo batch: the scores must tell the six
students apart, and the monkeypatching one must score zero on every question it faked."""
import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COURSE = Path(sys.executable).with_name("course")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    for part in ("source", "release"):
        shutil.copytree(ROOT / part, root / part, symlinks=False)
    (root / "autograder").symlink_to(ROOT / "autograder")  # the grading material
    shutil.copy(ROOT / "nbgrader_config.py", root)
    done = subprocess.run([str(COURSE), "--root", str(root), "grade", "ps2",
                           "--submitted", str(ROOT / "demo" / "submitted"), "--no-diagnosis"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    with open(root / "exports" / "ps2_grades.csv") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    return done.stdout, rows


def test_the_score_table_names_every_student_and_question(graded):
    table, rows = graded
    assert len(rows) == 6
    for student in rows:
        assert student in table
    assert "softmax" in table and "cross_entropy_loss" in table


def test_scores_tell_the_submissions_apart(graded):
    _, rows = graded
    total = {s: float(r["total"]) for s, r in rows.items()}
    full = float(rows["ada-full-solution"]["max_total"])
    assert total["ada-full-solution"] == full
    assert total["fay-alternative-solutions"] == full
    assert 0 < total["blaise-partly-wrong"] < full
    assert 0 < total["carl-raises"] < full
    assert total["dana-untouched-stub"] == 0


def test_the_monkeypatching_submission_scores_zero_on_every_question(graded):
    _, rows = graded
    cheat = rows["eve-monkeypatches-numpy"]
    questions = [k for k in cheat if k not in ("student", "assignment", "total", "max_total", "status", "reason")]
    assert questions and all(float(cheat[q]) == 0 for q in questions if cheat[q] != "")
    assert float(cheat["total"]) == 0
