"""An nbgrader course graded as it is (grading/nbgrader_course.py, foreign_cells.py).

nbgrader's own user-guide course must get nbgrader's own scores, per test cell (recorded from a
real `nbgrader autograde` in tests/data/nbgrader_user_guide_scores.json by
`python tests/nbgrader_material.py`); so must the "tricks" assignment, except where nbgrader
is fooled: the student who patches numpy.testing in their kernel gets full marks from nbgrader
and nothing here.
"""
import json
import shutil
import sys

import pytest

from coursegrade.core.course import Course
from coursegrade.core.results import Outcome
from coursegrade.grading.foreign_cells import fallback_reasons
from coursegrade.grading.nbgrader_course import (NbgraderAssignment, grade_all, nbgrader_assignment_names,
                                                 partial_credit)
from coursegrade.grading.sandbox import Limits

from nbgrader_material import RECORDED, add_tricks_assignment, user_guide_course

LIMITS = Limits(call_seconds=3, cell_seconds=10, submission_seconds=60, memory_mb=1024)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = user_guide_course(tmp_path_factory.mktemp("nbgrader"))
    add_tricks_assignment(root)
    course = Course(root)
    found = {}
    for name in ("ps1", "tricks"):
        assignment = NbgraderAssignment(course, name)
        found[name] = {r.student: r for r in grade_all(assignment, assignment.submissions(), LIMITS)}
    return course, found


RECORDED_SCORES = json.loads(RECORDED.read_text())


def test_the_course_is_found_without_autograder_folder(graded):
    course, _ = graded
    assert nbgrader_assignment_names(course) == ["ps1", "tricks"]
    assignment = NbgraderAssignment(course, "ps1")
    assert list(assignment.notebooks) == ["problem1", "problem2"]
    assert assignment.max_score == 13  # nbgrader's max_score: test cells, written answers, the task


@pytest.mark.parametrize("name", ["ps1", "tricks"])
def test_scores_equal_nbgraders_per_test_cell(graded, name):
    _, found = graded
    for student, nbgrader_scores in RECORDED_SCORES[name].items():
        result = found[name][student]
        assert result.status == "graded", result.reason
        if student == "mallory":
            continue  # nbgrader is fooled there (next test)
        ours = {q: result.scores[q] for q in result.scores}
        theirs = {q: s for q, s in nbgrader_scores.items() if q in ours}
        assert set(theirs) == set(ours), (student, ours, nbgrader_scores)
        assert ours == theirs, (student, [(t.question, t.outcome, t.detail) for t in result.tests])


def test_written_answers_left_as_released_score_zero_as_in_nbgrader(graded):
    _, found = graded
    for student, nbgrader_scores in RECORDED_SCORES["ps1"].items():
        answers = found["ps1"][student].written_answers
        for cell, state in answers.items():
            assert (state == "unanswered") == (nbgrader_scores[cell] == 0.0), (student, cell, state)
    assert found["ps1"]["bitdiddle"].written_answers["problem1/sum_of_squares_application"] == "unanswered"


def test_the_classic_monkeypatch_scores_zero_where_nbgrader_gives_full_marks(graded):
    _, found = graded
    assert RECORDED_SCORES["tricks"]["mallory"]["tricks/test_mean"] == 1.0  # nbgrader: fooled
    mallory = found["tricks"]["mallory"]
    assert mallory.scores["tricks/test_mean"] == 0.0
    assert [t.outcome for t in mallory.tests if t.question == "tricks/test_mean"] == [Outcome.FAILED]


def test_partial_credit_is_the_number_the_cell_shows(graded):
    _, found = graded
    assert found["tricks"]["half"].scores["tricks/mean_partial"] == 1.0
    assert found["tricks"]["honest"].scores["tricks/mean_partial"] == 2.0
    assert partial_credit("0.5", 2) == 0.5 and partial_credit("'text'", 2) == 2
    assert partial_credit("-1", 2) == 2 and partial_credit(None, 2) == 2
    assert partial_credit("np.float64(0.5)", 2) == 2  # what Jupyter shows does not read as a float


def test_cells_that_need_the_students_process_are_marked_untrusted(graded):
    _, found = graded
    honest = found["tricks"]["honest"]
    by_cell = {t.question: t for t in honest.tests}
    assert "untrusted" in by_cell["tricks/test_identity"].detail  # `is`: read from the cell
    assert "untrusted" in by_cell["tricks/test_sort"].detail  # changes its argument: found running
    assert "untrusted" not in by_cell["tricks/test_mean"].detail
    assert any("test_identity ran in the student's process" in p for p in honest.problems)
    assert fallback_reasons("assert f() is None") == []
    assert fallback_reasons("assert f() is g()") == ["compares objects by identity (`is`)"]


def test_the_untrusted_mark_reaches_the_results_the_summary_and_the_report(graded):
    from coursegrade.core.results import Result
    from coursegrade.outputs.report import render_report
    from coursegrade.outputs.scoreboard import score_table
    course, found = graded
    results = list(found["tricks"].values())
    stored = {t["test"]: t["untrusted"] for t in json.loads(found["tricks"]["honest"].dumps())["tests"]}
    assert stored["tricks/test_identity"] is True and stored["tricks/test_mean"] is False
    assert Result.from_json(json.loads(found["tricks"]["honest"].dumps())).tests[0].untrusted in (True, False)
    assignment = NbgraderAssignment(course, "tricks")
    table = score_table(assignment, results)
    assert "UNTRUSTED: 2 test cell(s)" in table and f"tricks/test_identity: {len(results)} submission" in table
    assert "untrusted" in table.splitlines()[4 + 0]  # each student's note says how many
    report = render_report(assignment, results)
    assert report.count('<span class="tag untrusted">untrusted</span>') >= 2 + len(results)
    assert "their scores could be faked: tricks/test_identity" in report
    ps1 = score_table(NbgraderAssignment(course, "ps1"), list(found["ps1"].values()))
    assert "UNTRUSTED" not in ps1 and "untrusted" not in ps1  # all of the user guide's cells are trusted


def test_the_gradebook_holds_nbgraders_scores_and_late_penalty(graded):
    from nbgrader.api import Gradebook
    from coursegrade.outputs.gradebook import db_url, open_gradebook
    from coursegrade.outputs.nbgrader_gradebook import record_nbgrader
    course, found = graded
    (course.root / "nbgrader_config.py").write_text(
        'c = get_config()\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    course = Course(course.root)  # (settings are read once per Course)
    with open_gradebook(course) as gradebook:  # bitdiddle submitted 2015-02-02, hacker 2015-02-01
        gradebook.add_assignment("ps1", duedate="2015-02-02 00:00:00 America/Los_Angeles")
    assignment = NbgraderAssignment(course, "ps1")
    record_nbgrader(course, assignment, list(found["ps1"].values()))
    with Gradebook(db_url(course)) as gradebook:
        for student, nbgrader_scores in RECORDED_SCORES["ps1"].items():
            submission = gradebook.find_submission("ps1", student)
            ours = {f"{nb.name}/{g.name}": g.auto_score for nb in submission.notebooks for g in nb.grades}
            assert ours == nbgrader_scores, student
            assert submission.max_score == 13
        assert gradebook.find_submission("ps1", "hacker").score == 3.0
        late = gradebook.find_submission("ps1", "bitdiddle")
        assert late.total_seconds_late > 0 and late.late_submission_penalty == 1.5 == late.score  # ("zero")
    assert found["ps1"]["bitdiddle"].gradebook.late_penalty == 1.5


def test_course_grade_and_validate_take_the_course_as_it_is(tmp_path):
    import subprocess
    from pathlib import Path
    root = user_guide_course(tmp_path)
    course_command = [str(Path(sys.executable).parent / "course"), "--root", str(root)]
    graded = subprocess.run(course_command + ["grade", "ps1"], capture_output=True, text=True, timeout=600)
    assert graded.returncode == 0, graded.stderr
    assert "bitdiddle" in graded.stdout and "1.5/3" in graded.stdout and "3/3" in graded.stdout
    assert "hacker: 3/13" in graded.stdout  # nbgrader's totals, written answers to be graded
    assert (root / "autograded" / "hacker" / "ps1" / "results.json").is_file()
    assert (root / "exports" / "ps1_report.html").is_file() and "feedback: 2 file(s)" in graded.stdout
    assert (root / "autograded" / "hacker" / "ps1" / "feedback.html").is_file()
    validated = subprocess.run(course_command + ["validate", "ps1"], capture_output=True, text=True,
                               timeout=600)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "solution: 3/3; stub: 0/3" in validated.stdout
    assert "4 run on the trusted side" in validated.stdout


def test_validate_finds_a_release_that_leaks_and_a_test_that_tests_nothing(tmp_path):
    from coursegrade.authoring.nbgrader_validate import validate_nbgrader
    root = user_guide_course(tmp_path)
    source = json.loads((root / "source" / "ps1" / "problem1.ipynb").read_text())
    release = root / "release" / "ps1"
    release.mkdir(parents=True)
    (release / "problem1.ipynb").write_text(json.dumps(source))  # the source itself: leaks
    for cell in source["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "correct_squares":
            cell["source"] = "assert True\n"
    (root / "source" / "ps1" / "problem1.ipynb").write_text(json.dumps(source))
    report = validate_nbgrader(Course(root), "ps1", LIMITS)
    assert not report.ok
    text = "\n".join(report.problems)
    assert "problem2.ipynb is missing" in text
    assert "BEGIN SOLUTION" in text and "leaks" in text
    assert "the stub (nothing answered) earns 1 on problem1/correct_squares" in text


def test_nose_tools_is_provided_on_the_trusted_side_where_nose_is_missing():
    from coursegrade.grading.foreign_cells import instructor_imports
    bound = instructor_imports(["from nose.tools import assert_equal, assert_raises, ok_"])
    bound["assert_equal"]([1, 2], [1, 2])
    with pytest.raises(AssertionError):
        bound["assert_equal"](1, 2)
    with bound["assert_raises"](ValueError):
        int("x")
    with pytest.raises(AssertionError):
        bound["ok_"](False)


def test_which_cells_need_the_students_process_by_reading_them():
    assert fallback_reasons("assert isinstance(f(1), float)\nassert isinstance(g(), np.ndarray)") == []
    assert fallback_reasons("assert isinstance(v, Vector)") != []  # a class of the notebook
    assert fallback_reasons("assert id(a) == id(b)") != []
    assert fallback_reasons("class Mock:\n    pass\n") == ["defines a class"]
    # a module the grader has is imported on the trusted side; a submission's file never is
    assert fallback_reasons("import numpy as np\nfrom nose.tools import assert_equal\nimport os.path") == []
    assert fallback_reasons("from helpers_of_ps1 import check") == [
        "imports `helpers_of_ps1`, which the grader does not have (a file of the submission or of "
        "the assignment's folder)"]
    assert fallback_reasons("from . import mine") != []


def test_a_module_of_the_students_namespace_is_the_graders_own_and_only_if_imported_here(zygote):
    from coursegrade.grading.foreign_cells import StudentNamespace, run_trusted
    from coursegrade.grading.sandbox import SandboxedRun
    cells = [("a", "import numpy, types\nnumpy.testing.assert_allclose = lambda *a, **k: None\n"
                   "fake = types.ModuleType('antigravity')\nfake.x = 1\n")]
    with SandboxedRun(zygote, cells) as run:
        namespace = StudentNamespace(run)
        passed, _, error = run_trusted("numpy.testing.assert_allclose(1.0, 2.0)", namespace)
        assert not passed and "AssertionError" in error  # the grader's numpy, not the patched one
        passed, value, _ = run_trusted("fake.x", namespace)
        assert passed and value == 1  # read in the sandbox: nothing imported here by its name
    assert "antigravity" not in sys.modules


def test_a_bad_submission_loses_only_itself_with_a_message(tmp_path):
    root = user_guide_course(tmp_path)
    hacker = root / "submitted" / "hacker" / "ps1"
    for name, damage in {"broken": lambda f: (f / "problem1.ipynb").write_text("{not json"),
                         "missing": lambda f: (f / "problem1.ipynb").unlink(),
                         "deleted-test": None}.items():
        folder = root / "submitted" / name / "ps1"
        shutil.copytree(hacker, folder)
        if damage:
            damage(folder)
    notebook = json.loads((root / "submitted" / "deleted-test" / "ps1" / "problem1.ipynb").read_text())
    notebook["cells"] = [c for c in notebook["cells"]
                         if c["metadata"].get("nbgrader", {}).get("grade_id") != "correct_squares"]
    (root / "submitted" / "deleted-test" / "ps1" / "problem1.ipynb").write_text(json.dumps(notebook))
    assignment = NbgraderAssignment(Course(root), "ps1")
    found = {r.student: r for r in grade_all(assignment, assignment.submissions(), LIMITS)}
    assert found["hacker"].total == 3
    assert found["broken"].total == 0 and "not valid notebook JSON" in " ".join(found["broken"].problems)
    assert found["missing"].total == 0 and "was not found" in " ".join(found["missing"].problems)
    deleted = found["deleted-test"]
    assert deleted.scores["problem1/correct_squares"] == 0 and deleted.total == 2
    assert "missing from the notebook" in next(t.message for t in deleted.tests
                                               if t.question == "problem1/correct_squares")
