"""The gradebook: nbgrader's own database, filled through nbgrader's API, one grade per graded
cell, so that `nbgrader export` and the formgrader work on what `course grade` recorded and
manual grades combine with autograded ones. In a copy of the course under tmp_path."""
import dataclasses
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coursegrade.grading.batch import grade_batch
from coursegrade.core.course import Course
from coursegrade.core.results import Result
from coursegrade.outputs.gradebook import db_url, ensure_assignment, grades, open_gradebook, record
from coursegrade.authoring.synthetic import solution_notebook, stub_notebook, variant_notebook, write_batch
from coursegrade.content.variants import MUTANT, load_variants

ROOT = Path(__file__).resolve().parents[1]
NBGRADER = [sys.executable, "-m", "nbgrader"]


def make_course(folder):
    for name in ("source", "release"):
        shutil.copytree(ROOT / name, folder / name)
    (folder / "autograder").symlink_to(ROOT / "autograder")  # the grading material
    shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    return Course(folder)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Three real submissions of ps1, graded in the sandbox and recorded in a fresh gradebook
    (no `course release`: recording must create the assignment, notebook and cells itself)."""
    folder = tmp_path_factory.mktemp("gradebook")
    course = make_course(folder)
    assignment = course.assignment("ps1")
    mutants = [v for v in load_variants(assignment.material_dir) if v.kind == MUTANT]
    wrong = list({m.target: m for m in mutants}.values())[:2]
    notebooks = {"ada": solution_notebook(assignment), "bo": variant_notebook(assignment, wrong),
                 "cy": stub_notebook(assignment)}
    paths = write_batch(notebooks, folder / "submitted", "ps1")
    results = grade_batch(course, assignment, [(p.parent.parent.name, p) for p in paths], workers=2,
                          out=io.StringIO())
    record(course, assignment, results)
    return {"course": course, "assignment": assignment, "results": {r.student: r for r in results}}


def _grade(gradebook, cell, student):
    return gradebook.find_grade(cell, "ps1", "ps1", student)


def test_the_default_database_is_sqlite_in_the_course_folder(graded):
    course = graded["course"]
    assert db_url(course) == f"sqlite:///{course.root}/gradebook.db"
    assert (course.root / "gradebook.db").is_file()


def test_postgresql_urls_are_used_as_given(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        'c = get_config()\nc.CourseDirectory.db_url = "postgresql://grader:secret@db.example.org/course"\n')
    assert db_url(Course(tmp_path)) == "postgresql://grader:secret@db.example.org/course"


def test_assignment_notebook_and_cells_are_created_as_in_the_source(graded):
    assignment = graded["assignment"]
    with open_gradebook(graded["course"]) as gradebook:
        notebook = gradebook.find_notebook("ps1", "ps1")
        cells = {c.name: (c.max_score, c.cell_type) for c in notebook.grade_cells}
        solutions = {c.name for c in notebook.solution_cells}
        assert gradebook.find_assignment("ps1").course_id == "ml-fundamentals"
    assert cells == {c.grade_id: (c.points, "markdown" if c.kind == "manual" else "code")
                     for c in assignment.graded_cells}
    assert "mle_derivation_written" in solutions and "marginal_answer" in solutions


def test_every_autograded_cell_holds_the_hidden_suites_score(graded):
    assignment = graded["assignment"]
    with open_gradebook(graded["course"]) as gradebook:
        assert {s.id for s in gradebook.students} == {"ada", "bo", "cy"}
        for student, result in graded["results"].items():
            for question in assignment.autograded_questions:
                grade = _grade(gradebook, question, student)
                assert grade.auto_score == result.scores[question], (student, question)
                assert grade.manual_score is None and not grade.needs_manual_grade
            submission = gradebook.find_submission("ps1", student)
            assert submission.code_score == result.total
    scores = {s: r.total for s, r in graded["results"].items()}
    assert scores["ada"] == graded["results"]["ada"].max_total > scores["bo"] > scores["cy"] == 0


def test_written_answers_wait_for_the_formgrader_unless_unanswered(graded):
    with open_gradebook(graded["course"]) as gradebook:
        answered = _grade(gradebook, "mle_derivation_written", "ada")
        assert answered.auto_score is None and answered.needs_manual_grade
        unanswered = _grade(gradebook, "mle_derivation_written", "cy")  # the release stub's text
        assert unanswered.auto_score == 0 and not unanswered.needs_manual_grade
    # the formgrader shows the notebook from autograded/<student>/<ps>/<ps>.ipynb
    copy = graded["course"].autograded_dir / "ada" / "ps1" / "ps1.ipynb"
    assert "mle_derivation_written" in copy.read_text()


def test_regrading_replaces_and_manual_grades_combine(graded):
    course, assignment = graded["course"], graded["assignment"]
    results = {s: dataclasses.replace(r) for s, r in graded["results"].items()}
    with open_gradebook(course) as gradebook:
        # what the formgrader does: a manual grade for ada's written answer
        written = _grade(gradebook, "mle_derivation_written", "ada")
        written.manual_score = 2.0
        written.needs_manual_grade = False
        gradebook.db.commit()
        counts = _row_counts(gradebook)
    # the autograder changes its mind on one question of ada's (as after fixing a hidden test)
    results["ada"].scores = {**results["ada"].scores, "marginal": 1.0}
    record(course, assignment, list(results.values()))
    record(course, assignment, list(results.values()))  # and once more: still no duplicates
    with open_gradebook(course) as gradebook:
        assert _row_counts(gradebook) == counts
        assert _grade(gradebook, "marginal", "ada").auto_score == 1.0
        written = _grade(gradebook, "mle_derivation_written", "ada")
        assert written.manual_score == 2.0 and not written.needs_manual_grade
        expected = sum(results["ada"].scores.values()) + 2.0
        assert gradebook.find_submission("ps1", "ada").score == expected
    assert grades(course, "ps1")["ada"]["score"] == expected
    # restore the fixture's state for the other tests
    with open_gradebook(course) as gradebook:
        _grade(gradebook, "mle_derivation_written", "ada").manual_score = None
        gradebook.db.commit()
    record(course, assignment, list(graded["results"].values()))


def test_a_manual_override_of_an_autograded_cell_is_kept_and_flagged_when_the_autograder_changes(graded):
    course, assignment = graded["course"], graded["assignment"]
    with open_gradebook(course) as gradebook:
        grade = _grade(gradebook, "expectation", "bo")
        grade.manual_score = 1.5
        gradebook.db.commit()
    record(course, assignment, list(graded["results"].values()))
    with open_gradebook(course) as gradebook:
        grade = _grade(gradebook, "expectation", "bo")
        assert grade.manual_score == 1.5 and not grade.needs_manual_grade  # same auto score: no news
    changed = dataclasses.replace(graded["results"]["bo"], scores={**graded["results"]["bo"].scores, "expectation": 0.0})
    record(course, assignment, [changed])
    with open_gradebook(course) as gradebook:
        grade = _grade(gradebook, "expectation", "bo")
        assert grade.manual_score == 1.5 and grade.needs_manual_grade
        grade.manual_score = None
        gradebook.db.commit()
    record(course, assignment, list(graded["results"].values()))


def _row_counts(gradebook):
    from nbgrader.api import Grade, Student, SubmittedAssignment, SubmittedNotebook
    return {model.__name__: gradebook.db.query(model).count()
            for model in (Student, SubmittedAssignment, SubmittedNotebook, Grade)}


def test_nbgrader_export_reads_what_was_recorded(graded):
    course = graded["course"]
    done = subprocess.run(NBGRADER + ["export", "--to", "nbgrader.csv", "--log-level=WARN"],
                          cwd=course.root, capture_output=True, text=True, timeout=120,
                          env=_env_with_venv())
    assert done.returncode == 0, done.stderr
    rows = (course.root / "nbgrader.csv").read_text().splitlines()
    assert rows[0].startswith("assignment,duedate,timestamp,student_id")
    by_student = {r.split(",")[3]: r.split(",") for r in rows[1:]}
    for student, result in graded["results"].items():
        assert float(by_student[student][7]) == result.total  # raw_score
        assert float(by_student[student][10]) == result.max_total + 3  # + the written answer


def test_recording_into_nbgraders_own_assignment_entries(tmp_path):
    """`course release` runs nbgrader generate_assignment, which creates the gradebook entries
    itself; recording then finds them instead of creating its own."""
    course = make_course(tmp_path)
    done = subprocess.run(NBGRADER + ["generate_assignment", "ps1", "--force", "--log-level=WARN"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300, env=_env_with_venv())
    assert done.returncode == 0, done.stderr
    assignment = course.assignment("ps1")
    with open_gradebook(course) as gradebook:
        before = {c.name: c.id for c in gradebook.find_notebook("ps1", "ps1").grade_cells}
        ensure_assignment(gradebook, assignment)
        after = {c.name: c.id for c in gradebook.find_notebook("ps1", "ps1").grade_cells}
    assert before == after and set(before) == {c.grade_id for c in assignment.graded_cells}
    result = Result(student="dee", assignment="ps1", sha256="0" * 64,
                    scores={q: assignment.points(q) for q in assignment.autograded_questions})
    record(course, assignment, [result])
    assert grades(course, "ps1")["dee"]["score"] == sum(result.scores.values())


def _env_with_venv():
    import os
    return {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}


def test_the_formgraders_backend_lists_the_submissions_for_manual_grading(graded, monkeypatch):
    """nbgrader's NbGraderAPI is what the formgrader shows: each submission autograded, scored,
    and (where a written answer was given) waiting for a manual grade."""
    from nbgrader.apps.api import NbGraderAPI

    course = graded["course"]
    monkeypatch.chdir(course.root)
    monkeypatch.setenv("PATH", _env_with_venv()["PATH"])
    config = course.settings.nbgrader
    config.CourseDirectory.root = str(course.root)
    api = NbGraderAPI(config=config)
    submissions = {s["student"]: s for s in api.get_submissions("ps1")}
    assert set(submissions) == {"ada", "bo", "cy"}
    for student, result in graded["results"].items():
        assert submissions[student]["autograded"] and submissions[student]["score"] == result.total
    assert submissions["ada"]["needs_manual_grade"] and not submissions["cy"]["needs_manual_grade"]
    notebooks = {n["student"]: n for n in api.get_notebook_submissions("ps1", "ps1")}
    assert notebooks["bo"]["failed_tests"] and not notebooks["ada"]["failed_tests"]


def test_a_new_gradebook_gets_nbgraders_revision_without_running_alembic(tmp_path, monkeypatch):
    """nbgrader's Gradebook asks a subprocess (`alembic heads`, seconds) for the revision of a
    new database; open_gradebook writes it from alembic's ScriptDirectory instead."""
    import nbgrader
    import nbgrader.api
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, text

    def no_subprocess():
        raise AssertionError("nbgrader ran `alembic heads`")
    monkeypatch.setattr(nbgrader.api, "get_alembic_version", no_subprocess)
    course = make_course(tmp_path)
    with open_gradebook(course) as gradebook:
        gradebook.add_student("ada")
    with open_gradebook(course) as gradebook:  # an existing database is opened as it is
        assert [s.id for s in gradebook.students] == ["ada"]
    head = ScriptDirectory(str(Path(nbgrader.__file__).parent / "alembic")).get_current_head()
    engine = create_engine(db_url(course))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head]
    engine.dispose()


def test_grades_and_each_results_view_are_what_nbgraders_own_objects_say(graded):
    """grades() reads rows and sums them itself, and record() writes with SQL statements of its
    own: both must agree with nbgrader's models (their column properties and Python properties)
    on manual grades, extra credit, comments, an extension and a late penalty."""
    import datetime
    from nbgrader.api import Comment
    course, assignment = graded["course"], graded["assignment"]
    results = {s: dataclasses.replace(r, timestamp="2025-10-07 19:00:00.000000 UTC")
               for s, r in graded["results"].items()}
    try:
        with open_gradebook(course) as gradebook:
            gradebook.update_or_create_assignment("ps1", duedate="2025-10-06 17:00:00 UTC")
            written = _grade(gradebook, "mle_derivation_written", "ada")
            written.manual_score, written.needs_manual_grade = 1.5, False
            _grade(gradebook, "marginal", "bo").extra_credit = 0.5
            gradebook.find_comment("mle_derivation_written", "ps1", "ps1", "ada").manual_comment = \
                "see the lecture on MLE"
            gradebook.find_submission("ps1", "cy").extension = datetime.timedelta(days=2)
            gradebook.db.commit()
        record(course, assignment, list(results.values()))
        book = grades(course, "ps1")
        with open_gradebook(course) as gradebook:
            for student, result in results.items():
                submission = gradebook.find_submission("ps1", student)
                notebook = submission.notebooks[0]
                mine = book[student]
                assert mine["score"] == pytest.approx(submission.score) == pytest.approx(result.gradebook.score)
                assert mine["max_score"] == submission.max_score == result.gradebook.max_score
                assert mine["needs_manual_grade"] == submission.needs_manual_grade == \
                    result.gradebook.needs_manual_grade
                assert mine["seconds_late"] == submission.total_seconds_late == result.gradebook.seconds_late
                assert mine["duedate"] == submission.duedate
                assert mine["late_penalty"] == pytest.approx(notebook.late_submission_penalty or 0.0) == \
                    pytest.approx(result.gradebook.late_penalty)
                assert mine["cells"] == {g.name: {
                    "auto_score": g.auto_score, "manual_score": g.manual_score, "extra_credit": g.extra_credit,
                    "score": g.score, "max_score": g.max_score, "needs_manual_grade": g.needs_manual_grade}
                    for g in notebook.grades}
                assert mine["comments"] == {c.name: c.manual_comment for c in notebook.comments if c.manual_comment}
                assert result.gradebook.manual == {g.name: g.manual_score for g in notebook.grades
                                                   if g.manual_score is not None}
        assert book["ada"]["seconds_late"] == 26 * 3600 and book["cy"]["seconds_late"] == 0  # (its extension)
        # (the course's penalty method is nbgrader's default, none: tests/test_batch_inputs.py
        # has one that zeroes a late submission)
        assert book["ada"]["comments"] == {"mle_derivation_written": "see the lecture on MLE"}
        assert book["bo"]["cells"]["marginal"]["extra_credit"] == 0.5
    finally:  # the fixture's state for the other tests
        with open_gradebook(course) as gradebook:
            gradebook.update_or_create_assignment("ps1", duedate=None)
            _grade(gradebook, "mle_derivation_written", "ada").manual_score = None
            _grade(gradebook, "marginal", "bo").extra_credit = None
            for comment in gradebook.db.query(Comment):
                comment.manual_comment = None
            gradebook.find_submission("ps1", "cy").extension = None
            gradebook.db.commit()
        record(course, assignment, list(graded["results"].values()))
