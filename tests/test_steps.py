"""Fast unit tests of grading's steps on a small course (the one `course init` writes, copied
without running nbgrader): reading a submission, questions left unanswered, known mistakes by
failure signature, the score table, settings. No sandbox; `make test-fast` runs these."""
import copy
import csv
import json
import shutil
import sys

import pytest

from coursegrade.authoring.scaffold import TEMPLATE
from coursegrade.core.course import Course
from coursegrade.core.results import Outcome, Result, Status, TestResult
from coursegrade.core.settings import Settings, SettingsError
from coursegrade.grading.notebooks import NotebookError, read_submission
from coursegrade.grading.unanswered import unanswered_questions
from coursegrade.outputs.diagnosis import diagnose, failure_signature
from coursegrade.outputs.scoreboard import score_table, write_grades_csv

STUB = "def standardize(X):\n    # YOUR CODE HERE\n    raise NotImplementedError()"


@pytest.fixture
def course(tmp_path, monkeypatch):
    # One process grades one course: set aside the repository's material for this one.
    for name in [m for m in sys.modules if m == "autograder" or m.startswith("autograder.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "path", list(sys.path))
    shutil.copytree(TEMPLATE, tmp_path, dirs_exist_ok=True)
    source = json.loads((tmp_path / "source/week1/week1.ipynb").read_text())
    release = copy.deepcopy(source)
    for cell in release["cells"]:
        if cell["metadata"]["nbgrader"]["grade_id"] == "standardize_answer":
            cell["source"] = STUB
    (tmp_path / "release/week1").mkdir(parents=True)
    (tmp_path / "release/week1/week1.ipynb").write_text(json.dumps(release))
    return Course(tmp_path)


def _submit(course, tmp_path, notebook, name="ada"):
    path = tmp_path / "submitted" / name / "week1" / "week1.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(notebook if isinstance(notebook, str) else json.dumps(notebook))
    return path


def _source(course):
    return json.loads((course.root / "source/week1/week1.ipynb").read_text())


def _cell(notebook, grade_id):
    return next(c for c in notebook["cells"] if c["metadata"]["nbgrader"]["grade_id"] == grade_id)


# ---------------------------------------------------------------------- reading a submission

def test_the_checks_cell_is_not_run_and_answers_are_kept(course, tmp_path):
    read = read_submission(_submit(course, tmp_path, _source(course)), course.assignment("week1"))
    names = [name for name, _ in read.cells]
    assert names == ["setup", "standardize_answer"] and read.problems == []
    assert "def standardize" in read.answers["standardize_answer"]


def test_a_deleted_answer_cell_and_a_renamed_grade_id_are_said_in_words(course, tmp_path):
    notebook = _source(course)
    _cell(notebook, "standardize_answer")["metadata"]["nbgrader"]["grade_id"] = "standardise_answer"
    read = read_submission(_submit(course, tmp_path, notebook), course.assignment("week1"))
    assert any("changed from `standardize_answer` to `standardise_answer`" in p for p in read.problems)
    assert "def standardize" in read.answers["standardize_answer"]  # still scanned for forbidden calls


def test_a_student_cannot_turn_the_answer_into_a_checks_cell(course, tmp_path):
    notebook = _source(course)
    _cell(notebook, "standardize_answer")["metadata"]["nbgrader"].update(grade=True, solution=False)
    read = read_submission(_submit(course, tmp_path, notebook), course.assignment("week1"))
    assert "standardize_answer" in [name for name, _ in read.cells]


@pytest.mark.parametrize("text, said", [
    ("", "is empty"), ("{\"cells\": ", "not valid notebook JSON"), ("[1, 2]", "has no cells"),
    ('{"cells": 3, "nbformat": 4}', "cells are not a list"),
])
def test_unreadable_notebooks_are_refused_in_words(course, tmp_path, text, said):
    with pytest.raises(NotebookError, match=said):
        read_submission(_submit(course, tmp_path, text), course.assignment("week1"))


# ---------------------------------------------------------------------- unanswered questions

def test_the_starter_code_is_unanswered_unless_something_else_defines_it(course, tmp_path):
    assignment = course.assignment("week1")
    notebook = _source(course)
    _cell(notebook, "standardize_answer")["source"] = STUB
    read = read_submission(_submit(course, tmp_path, notebook), assignment)
    assert unanswered_questions(read, assignment) == {"standardize"}
    for extra in ("def standardize(X):\n    return X", "globals()['standardize'] = len"):
        notebook["cells"].append({"cell_type": "code", "metadata": {}, "source": extra, "outputs": [],
                                  "execution_count": None})
        read = read_submission(_submit(course, tmp_path, notebook), assignment)
        assert unanswered_questions(read, assignment) == set(), extra
        notebook["cells"].pop()


# ---------------------------------------------------------------------- known mistakes

def _graded(outcomes, detail="AssertionError: 1.0 != 2.0"):
    tests = [TestResult(f"test_{i}", "standardize", 1.0, "", Outcome(o), detail=detail,
                        earned=1.0 if o == "passed" else 0.0) for i, o in enumerate(outcomes)]
    return Result(student="x", assignment="week1", tests=tests)


def test_a_failure_matching_a_mutants_signature_gets_its_hint():
    mutant = _graded(["failed", "passed", "failed", "passed"])
    signatures = {"mutants": [{"name": "m", "target": "standardize", "hint": "not centred",
                               "signature": failure_signature(mutant)}]}
    assert diagnose(_graded(["failed", "passed", "failed", "passed"]), signatures) == {
        "standardize": {"hints": ["not centred"], "elsewhere": [], "exact": True}}
    assert diagnose(_graded(["passed", "failed", "passed", "passed"]), signatures) == {}
    # failing every check tells one mistake from another not at all
    assert diagnose(_graded(["failed"] * 4, detail="other"), signatures) == {}


# ---------------------------------------------------------------------- scores

def test_the_score_table_and_csv_show_a_retry_as_not_graded(course, tmp_path):
    assignment = course.assignment("week1")
    graded = _graded(["passed", "failed", "passed"]).finish(assignment, 0)
    graded.student = "ada"
    retry = Result(student="bo", assignment="week1", status=Status.RETRY,
                   reason="the grading worker died").finish(assignment, 0)
    table = score_table(assignment, [graded, retry])
    assert "ada" in table and "2/3" in table and "not graded: the grading worker died" in table
    path = write_grades_csv(assignment, [graded, retry], tmp_path / "grades.csv")
    rows = {r["student"]: r for r in csv.DictReader(path.open())}
    assert rows["ada"]["total"] == "2" and rows["bo"]["total"] == "" and rows["bo"]["status"] == "retry"


# ---------------------------------------------------------------------- settings

def test_settings_are_validated_and_say_where_they_come_from(course):
    config = course.root / "nbgrader_config.py"
    settings = Settings.load(course.root)
    assert settings["Sandbox", "memory_mb"] == 1024 and settings.origin(("Sandbox", "memory_mb")) == "nbgrader_config.py"
    assert settings.limits.memory_mb == 1024 and settings.limits.cpu_seconds == 120
    override = settings.overridden({("Sandbox", "memory_mb"): 512, ("Sandbox", "cpu_seconds"): None})
    assert override.limits.memory_mb == 512 and override.origin(("Sandbox", "memory_mb")) == "command line"
    config.write_text(config.read_text() + "\nc.Grading.max_notebook_mb = 2\n")
    assert Settings.load(course.root)["Grading", "max_notebook_mb"] == 2.0  # a whole number is a number
    config.write_text(config.read_text() + "\nc.Sandbox.memory_mb = 1.5\n")
    with pytest.raises(SettingsError, match="must be a whole number"):
        Settings.load(course.root)


# ---------------------------------------------------------------------- variants

def test_a_class_can_be_a_mutant_renamed_to_its_target(tmp_path):
    from coursegrade.content.variants import load_variants
    (tmp_path / "mutants.py").write_text(
        "from coursegrade import mutant\n\n\n"
        "@mutant('KDTree', hint='never backtracks')\n"
        "class KDTreeGreedy:\n    def query(self, x):\n        return KDTreeGreedy\n")
    [variant] = load_variants(tmp_path)
    assert variant.target == "KDTree" and variant.name == "KDTreeGreedy"
    assert variant.source.startswith("class KDTree:") and "@mutant" not in variant.source


def test_variants_import_their_reference_from_their_own_course_folder(tmp_path):
    """mutants.py imports the course's reference by its package name; loading it must not
    depend on the course folder being on the path already (validate loads it from a thread)."""
    import subprocess
    import sys
    material = tmp_path / "course" / "autograder" / "psx"
    material.mkdir(parents=True)
    for package in (material.parent, material):
        (package / "__init__.py").write_text("")
    (material / "reference.py").write_text("def square(x):\n    return x * x\n")
    (material / "mutants.py").write_text(
        "from coursegrade import mutant\nfrom autograder.psx.reference import square\n\n\n"
        "@mutant('square', hint='doubles')\ndef square_doubled(x):\n    return 2 * x\n")
    code = ("from coursegrade.content.variants import load_variants\n"
            f"print([v.name for v in load_variants({str(material)!r})])")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['square_doubled']"
