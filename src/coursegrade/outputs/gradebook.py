"""Scores into nbgrader's gradebook, through nbgrader's own API, one grade per graded cell.

`course grade` records every result of a batch here, so `nbgrader export`, the formgrader
(manual grading of written answers in JupyterLab) and nbgrader's feedback all work on it:

- the autograded score of question `q` is the `auto_score` of the grade of cell `q` (the
  public-checks cell, whose `points` the hidden suite of `q` sums to);
- written answers keep their `manual_score`: the formgrader's grades combine with the
  autograded ones in nbgrader's totals (a manual score overrides nothing we write);
- students, the assignment, its notebook and its cells are created when missing; recording
  again replaces the grades of a submission, never duplicates them;
- the submission time comes from nbgrader's timestamp.txt; lateness is nbgrader's
  (`total_seconds_late`, due date and extensions from the gradebook) and so is the penalty:
  the `c.AssignLatePenalties.plugin_class` of nbgrader_config.py (by default
  `LateSubmissionPlugin` with `c.LateSubmissionPlugin.penalty_method`).

The database is `c.CourseDirectory.db_url` (SQLite by default; PostgreSQL works the same way,
`postgresql://user@host/db`). A relative SQLite path is taken relative to the course folder.
"""
import functools
import json
import logging
import os
import shutil
import sys
import warnings
from contextlib import contextmanager, nullcontext
from pathlib import Path

from coursegrade.core.optional_imports import skip_costly_optional_imports
skip_costly_optional_imports()  # before nbformat (and nbgrader) are imported
import nbformat  # noqa: E402

from coursegrade.core.results import GradebookView  # noqa: E402
from coursegrade.core.cells import Role, grade_id as cell_grade_id, source_text  # noqa: E402
from coursegrade.grading.notebooks import NotebookError, read_notebook, source_cells  # noqa: E402
from coursegrade.outputs.gradebook_lock import one_writer

log = logging.getLogger("course.gradebook")
DEFAULT_DB_URL = "sqlite:///gradebook.db"


def db_url(course):
    """The course's gradebook URL, with a relative SQLite path made absolute."""
    url = str(course.settings.nbgrader_value("CourseDirectory", "db_url", DEFAULT_DB_URL))
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url[len(prefix):].startswith("/") and ":memory:" not in url:
        url = prefix + str(course.root / url[len(prefix):])
    return url


def course_id(course):
    return str(course.settings.nbgrader_value("CourseDirectory", "course_id", "default_course"))


@contextmanager
def open_gradebook(course, writing=False):
    """nbgrader's Gradebook on the course's database; `writing`: holding its write lock
    throughout (one writer at a time on a server: outputs/gradebook_lock.py)."""
    from nbgrader.api import Gradebook
    _alembic_on_path()
    url = db_url(course)
    with one_writer(url) if writing else nullcontext(), warnings.catch_warnings():
        # nbgrader's own add_submission makes SQLAlchemy warn about autoflush: not news.
        warnings.filterwarnings("ignore", message=".*not in session.*")
        _create_if_missing(url, locked=writing)
        gradebook = Gradebook(url, course_id(course))
        try:
            yield gradebook
        finally:
            gradebook.close()


def _create_if_missing(url, locked):
    """A new gradebook: nbgrader's tables and its alembic revision, written here because
    nbgrader's Gradebook asks a subprocess (`alembic heads`, seconds) for the revision that
    alembic's own ScriptDirectory reads in milliseconds. An existing database is left alone."""
    import nbgrader
    from alembic.script import ScriptDirectory
    from nbgrader.api import Base
    from sqlalchemy import create_engine, inspect, text
    engine = create_engine(url, future=True)
    try:
        if inspect(engine).get_table_names():
            return
        if not locked:  # two runs creating one database at once: one creates, the other finds it
            with one_writer(url):
                return _create_if_missing(url, locked=True)
        head = ScriptDirectory(os.path.join(os.path.dirname(nbgrader.__file__), "alembic")).get_current_head()
        with engine.begin() as connection:
            Base.metadata.create_all(bind=connection)
            connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": head})
    finally:
        engine.dispose()


def _alembic_on_path():
    """nbgrader runs the `alembic` command when it creates a database; it lives next to this
    Python, which need not be on PATH (a virtualenv used without activating it)."""
    here = os.path.dirname(sys.executable)
    if shutil.which("alembic") is None and here not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = here + os.pathsep + os.environ.get("PATH", "")


def ensure_assignment(gradebook, assignment):
    """The assignment, its notebook and its grade and solution cells, created where missing
    (normally `course release` has done it with nbgrader's generate_assignment)."""
    from nbgrader.api import MissingEntry
    try:
        gradebook.find_assignment(assignment.name)
    except MissingEntry:
        gradebook.add_assignment(assignment.name, course_id=gradebook.course_id)
    try:
        notebook = gradebook.find_notebook(assignment.name, assignment.name)
        have = {c.name for c in notebook.grade_cells} | {c.name for c in notebook.solution_cells}
    except MissingEntry:
        gradebook.add_notebook(assignment.name, assignment.name)
        have = set()
    kinds = source_cells(assignment)
    for cell in assignment.graded_cells:
        if cell.grade_id not in have:
            cell_type = kinds[cell.grade_id].cell_type if cell.grade_id in kinds else "code"
            gradebook.update_or_create_grade_cell(cell.grade_id, assignment.name, assignment.name,
                                                  max_score=cell.points, cell_type=cell_type)
    for grade_id, cell in kinds.items():
        if cell.role in (Role.ANSWER, Role.WRITTEN) and grade_id not in have:
            gradebook.update_or_create_solution_cell(grade_id, assignment.name, assignment.name)


# Submissions written per transaction: one commit (one fsync) per chunk, and IN lists that
# every database accepts.
CHUNK = 400


def record(course, assignment, results, out=None, pool=None):
    """Record `results` (core.results.Result) in the gradebook. Each result gains the
    gradebook's view (`result.gradebook`: due date, lateness, penalty, manual grades) and is
    written back to its results.json; the student's notebook (outputs dropped) is put where
    the formgrader looks for it, autograded/<student>/<ps>/<ps>.ipynb. A result to retry (the
    grader failed, not the submission) is not recorded: it is no score, not even a zero.

    Written through nbgrader's tables (its SQLAlchemy models) a chunk of submissions at a
    time, one transaction each, rather than through its update_or_create_* calls, which commit
    and look up row by row (about 40 queries and 3.5 commits a submission). With `pool` (a
    concurrent.futures process pool), the submissions' notebooks are read for their written
    answers, and the formgrader's copies written, by its processes meanwhile."""
    # Made at the first late submission: nbgrader's preprocessors import nbconvert (a second).
    plugin = functools.lru_cache(maxsize=1)(lambda: _late_plugin(course))
    _release_texts.cache_clear()  # the release may have changed since the last record
    todo = [r for r in results if r.assignment == assignment.name and r.final]
    answers = _answers_elsewhere(course, assignment, todo, pool) if pool is not None else {}
    with open_gradebook(course, writing=True) as gradebook:  # one writer at a time (gradebook_lock)
        ensure_assignment(gradebook, assignment)
        for start in range(0, len(todo), CHUNK):
            chunk = todo[start:start + CHUNK]
            _record_chunk(gradebook, course, assignment, chunk, plugin, answers)
            for result in chunk:
                _write_back(course, result)
    if out is not None:
        late = [r for r in todo if r.gradebook.seconds_late]
        print(f"gradebook: {len(todo)} submission(s) of {assignment.name} recorded in "
              f"{_display_url(db_url(course))}" + (f"; {len(late)} late" if late else ""), file=out)
        for result in late:
            print(f"  late: {result.student} submitted {result.gradebook.seconds_late / 3600:.1f} h "
                  f"after the due date, penalty {result.gradebook.late_penalty:g} point(s)", file=out)
    return todo


def _record_chunk(gradebook, course, assignment, results, plugin, answers, attempts=3):
    """One transaction for `results`. Another `course grade` writing the same gradebook at
    once may create a student or submission between our look-up and our commit: the chunk is
    then rolled back and written again, finding those rows."""
    from sqlalchemy.exc import IntegrityError
    for attempt in range(attempts):
        try:
            _write_chunk(gradebook, course, assignment, results, plugin, answers)
            return
        except IntegrityError:
            gradebook.db.rollback()
            if attempt == attempts - 1:
                raise


def _write_chunk(gradebook, course, assignment, results, plugin, answers):
    from nbgrader.api import Comment, Grade, Student, SubmittedAssignment, SubmittedNotebook
    from nbgrader.utils import parse_utc
    from sqlalchemy.orm import selectinload
    db = gradebook.db
    master = gradebook.find_assignment(assignment.name)
    students = [r.student for r in results]
    known = {s for (s,) in db.query(Student.id).filter(Student.id.in_(students))}
    for student in students:
        if student not in known:
            db.add(Student(id=student))
    existing = {s.student_id: s for s in db.query(SubmittedAssignment)
                .filter(SubmittedAssignment.assignment_id == master.id,
                        SubmittedAssignment.student_id.in_(students))
                .options(selectinload(SubmittedAssignment.notebooks).selectinload(SubmittedNotebook.grades))}
    notebooks = {n.name: n for n in master.notebooks}
    ours = notebooks[assignment.name]
    cells = {c.name: c.id for c in ours.grade_cells}
    for result in results:
        submission = existing.get(result.student)
        timestamp = parse_utc(result.timestamp) if result.timestamp else None
        if submission is None:  # what nbgrader's add_submission makes: the assignment's mirror
            submission = SubmittedAssignment(assignment=master, student_id=result.student)
            if timestamp is not None:
                submission.timestamp = timestamp
            for notebook in notebooks.values():
                mirror = SubmittedNotebook(notebook=notebook, assignment=submission)
                for cell in notebook.grade_cells:
                    Grade(cell_id=cell.id, notebook=mirror)
                for cell in notebook.solution_cells:
                    Comment(cell_id=cell.id, notebook=mirror)
                for cell in notebook.task_cells:
                    Comment(cell_id=cell.id, notebook=mirror)
                    Grade(cell_id=cell.id, notebook=mirror)
            db.add(submission)
            existing[result.student] = submission
        elif timestamp is not None:
            submission.timestamp = timestamp
        notebook = _mirror(submission, ours)
        _set_grades(course, assignment, result, notebook, cells, answers)
    db.flush()
    _set_late_penalties(db, assignment, results, existing, ours, plugin)
    db.flush()
    # Before the commit, which expires every object (each would be loaded again, one by one).
    _attach_views(db, course, assignment, results, existing, ours)
    db.commit()


def _mirror(submission, notebook):
    """The submission's copy of `notebook` (its many-to-one link is found in the session's
    identity map, without a query; a new copy has no notebook_id until flushed)."""
    return next(n for n in submission.notebooks if n.notebook is notebook)


def _set_grades(course, assignment, result, notebook, cells, answers):
    """The grades of one submitted notebook from its result (manual grades are kept);
    `answers`: {student: future of its written answers}, those read elsewhere."""
    from nbgrader.api import Grade
    student = result.student
    graded = result.graded
    changed = result.gradebook is None or result.gradebook.sha256 != result.sha256
    if _answers_needed(course, assignment, result):
        elsewhere = answers.get(student)
        # A chunk the helper has not started is read here instead (never wait for it idle).
        if elsewhere is None or elsewhere.cancelled() or elsewhere.cancel():
            result.written_answers = _written_answers(course, assignment, result)
        else:
            result.written_answers = elsewhere.result()[student]
    written = (result.written_answers or {}) if graded else {}
    by_cell = {g.cell_id: g for g in notebook.grades}
    for cell in assignment.graded_cells:
        grade = by_cell.get(cells[cell.grade_id])
        if grade is None:  # a cell added to the gradebook after this submission was made
            grade = Grade(cell_id=cells[cell.grade_id], notebook=notebook)
        if cell.kind == "autograded":
            score = float(result.scores.get(cell.grade_id, 0.0)) if graded else 0.0
            if grade.manual_score is None:
                grade.needs_manual_grade = False
            elif grade.auto_score != score:
                grade.needs_manual_grade = True  # the autograder changed its mind under a manual grade
            grade.auto_score = score
        else:
            answered = written.get(cell.grade_id, "unanswered") == "answered"
            grade.auto_score = None if answered else 0.0
            if grade.manual_score is None:
                grade.needs_manual_grade = answered
            elif answered and changed:
                grade.needs_manual_grade = True  # a new text under an old manual grade
    if not graded:
        notebook.flagged = True  # the formgrader shows the flag; the reason is in results.json


def _answers_needed(course, assignment, result):
    """Whether a submission's notebook must be read again: new bytes, or answers or the
    formgrader's copy missing."""
    if not result.graded:
        return False
    changed = result.gradebook is None or result.gradebook.sha256 != result.sha256
    copy = course.autograded_dir / result.student / assignment.name / f"{assignment.name}.ipynb"
    return changed or result.written_answers is None or not copy.is_file()


ANSWERS_CHUNK = 50


def _answers_elsewhere(course, assignment, results, pool):
    """{student: future} of the written answers of the submissions that need them, each chunk
    read (and its formgrader copies written) by a process of `pool`: `written_answers_job`.
    Submitted last chunk first: this process, going from the first, reads the chunks the
    pool has not started yet itself (_set_grades), and the two meet in the middle."""
    need = [r for r in results if _answers_needed(course, assignment, r)]
    futures = {}
    for start in reversed(range(0, len(need), ANSWERS_CHUNK)):
        part = [(r.student, r.notebook) for r in need[start:start + ANSWERS_CHUNK]]
        future = pool.submit(written_answers_job, str(course.root), assignment.name, part)
        futures.update({student: future for student, _ in part})
    return futures


_job_assignments = {}


def written_answers_job(root, assignment_name, part):
    """In a helper process: {student: written answers} of `part` [(student, notebook path)],
    each formgrader copy written on the way (as _written_answers does)."""
    import types
    from coursegrade.core.course import Course
    if (root, assignment_name) not in _job_assignments:
        _job_assignments[(root, assignment_name)] = Course(root).assignment(assignment_name)
    assignment = _job_assignments[(root, assignment_name)]
    return {student: _written_answers(assignment.course, assignment,
                                      types.SimpleNamespace(student=student, notebook=notebook))
            for student, notebook in part}


def _set_late_penalties(db, assignment, results, submissions, ours, plugin):
    """nbgrader's AssignLatePenalties, step for step, with the course's configured plugin
    (`plugin()` makes it);
    the notebook's score (which the plugin is given) is asked of the database only where
    the submission is late."""
    from nbgrader.api import SubmittedNotebook
    for result in results:
        submission = submissions[result.student]
        notebook = _mirror(submission, ours)
        notebook.late_submission_penalty = None
        seconds_late = submission.total_seconds_late
        if seconds_late > 0:
            db.flush()
            db.expire(notebook, ["score"])  # (a deferred column: read afresh from the grades)
            penalties = plugin()
            penalty = penalties.plugin_inst.late_submission_penalty(result.student, notebook.score, seconds_late)
            if penalty is not None:
                notebook.late_submission_penalty = penalties._check_late_penalty(notebook, penalty)


def _attach_views(db, course, assignment, results, submissions, ours):
    """Each result's GradebookView, from one query for the totals of the whole chunk."""
    from nbgrader.api import SubmittedAssignment
    ids = [submissions[r.student].id for r in results]
    totals = {row.id: row for row in db.query(
        SubmittedAssignment.id, SubmittedAssignment.score, SubmittedAssignment.max_score,
        SubmittedAssignment.needs_manual_grade).filter(SubmittedAssignment.id.in_(ids))}
    names = {c.id: c.name for c in [*ours.grade_cells, *ours.task_cells]}
    url = _display_url(db_url(course))
    for result in results:
        submission = submissions[result.student]
        notebook = _mirror(submission, ours)
        row = totals[submission.id]
        duedate = submission.duedate
        result.gradebook = GradebookView(
            sha256=result.sha256, db_url=url,
            duedate=duedate.isoformat(sep=" ") if duedate else None,
            seconds_late=float(submission.total_seconds_late or 0.0),
            late_penalty=float(notebook.late_submission_penalty or 0.0),
            manual={names.get(g.cell_id): g.manual_score for g in notebook.grades
                    if g.manual_score is not None and g.cell_id in names},
            score=float(row.score or 0.0), max_score=float(row.max_score or 0.0),
            needs_manual_grade=bool(row.needs_manual_grade))


def _late_plugin(course):
    """nbgrader's AssignLatePenalties configured from the course's nbgrader_config.py; a
    custom plugin class named there is imported with the course folder on the path."""
    from nbgrader.preprocessors import AssignLatePenalties
    sys.path.insert(0, str(course.root))
    try:
        penalties = AssignLatePenalties(config=course.settings.nbgrader, log=log)
        penalties.init_plugin()
    finally:
        sys.path.remove(str(course.root))
    return penalties


def _written_answers(course, assignment, result):
    """grade_id -> "answered" / "unanswered" for the written answers of a submission, and the
    formgrader's copy of the notebook written on the way."""
    try:
        notebook, _ = read_notebook(Path(result.notebook), assignment)
    except (NotebookError, KeyError, TypeError):
        return {}
    _write_formgrader_copy(course, assignment, result.student, notebook)
    stubs = _release_texts(assignment)
    found = {}
    for cell in notebook["cells"]:
        grade_id = cell_grade_id(cell)
        if grade_id in found or grade_id not in stubs:
            continue
        text = source_text(cell.get("source", ""))
        found[grade_id] = "answered" if text.strip() and text.strip() != stubs[grade_id] else "unanswered"
    return found


@functools.lru_cache(maxsize=8)
def _release_texts(assignment):
    """grade_id -> the stub text students start from, for each written answer."""
    written = {g for g, c in source_cells(assignment).items() if c.role is Role.WRITTEN}
    texts = {g: "YOUR ANSWER HERE" for g in written}
    released = assignment.release_dir / f"{assignment.name}.ipynb"
    if released.is_file():
        for cell in nbformat.read(released, as_version=4).cells:
            grade_id = cell_grade_id(cell)
            if grade_id in written:
                texts[grade_id] = cell.source.strip()
    return texts


def _write_formgrader_copy(course, assignment, student, notebook):
    folder = course.autograded_dir / student / assignment.name
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{assignment.name}.ipynb.tmp"
    seen = set()
    for cell in notebook["cells"]:  # copied cells share ids; nbformat would complain on writing
        if isinstance(cell, dict) and cell.get("id") in seen:
            cell["id"] = os.urandom(4).hex()
        seen.add(cell.get("id") if isinstance(cell, dict) else None)
    try:
        # Plain compact JSON (json's C encoder; nbformat.write copies, validates and indents
        # in Python: 15-20 ms a notebook). The formgrader reads it with nbformat as any notebook.
        temporary.write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")
    except Exception as error:  # a notebook JSON cannot write back, a full disk
        log.warning("no formgrader copy for %s: %s", student, error)
        try:
            temporary.unlink(missing_ok=True)
        except OSError:
            pass
        return
    os.replace(temporary, folder / f"{assignment.name}.ipynb")


def _write_back(course, result):
    from coursegrade.grading.batch import write_result
    write_result(course, result)


def _display_url(url):
    """The URL without a password, for printing."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':')[0]}@{host}"
    return url


def set_duedate(course, assignment_name, duedate):
    """Set an assignment's due date (what `nbgrader db assignment add PS --duedate=...` does)."""
    with open_gradebook(course, writing=True) as gradebook:
        gradebook.update_or_create_assignment(assignment_name, duedate=duedate)


def grades(course, assignment_name, gradebook=None):
    """{student: {"score", "max_score", "late_penalty", "timestamp", "cells": {grade_id: {...}}}}
    of every submission of the assignment in the gradebook (manual grades included).
    `gradebook`: an open one to read (opening one costs about 0.1 s)."""
    from nbgrader.api import MissingEntry
    found = {}
    with (nullcontext(gradebook) if gradebook is not None else open_gradebook(course)) as gradebook:
        try:
            submissions = _submissions_loaded(gradebook, assignment_name)
        except MissingEntry:
            return {}
        for submission in submissions:
            cells, comments = {}, {}
            penalty = 0.0
            for notebook in submission.notebooks:
                penalty += float(notebook.late_submission_penalty or 0.0)
                comments.update({c.name: c.manual_comment for c in notebook.comments if c.manual_comment})
                for grade in notebook.grades:
                    cells[grade.name] = {"auto_score": grade.auto_score, "manual_score": grade.manual_score,
                                         "extra_credit": grade.extra_credit, "score": float(grade.score or 0),
                                         "max_score": float(grade.max_score or 0),
                                         "needs_manual_grade": bool(grade.needs_manual_grade)}
            student = submission.student
            found[student.id] = {
                "score": float(submission.score or 0.0), "max_score": float(submission.max_score or 0.0),
                "late_penalty": penalty, "timestamp": submission.timestamp,
                "duedate": submission.duedate, "seconds_late": float(submission.total_seconds_late or 0),
                "needs_manual_grade": bool(submission.needs_manual_grade), "cells": cells,
                "comments": comments,
                "first_name": student.first_name, "last_name": student.last_name,
                "email": student.email, "lms_user_id": student.lms_user_id}
    return found



def _submissions_loaded(gradebook, assignment_name):
    """The assignment's submissions with their students, totals, notebooks, grades (with their
    cells and maximum) and comments, in seven queries whatever their number (read one by one,
    nbgrader's objects ask the database a dozen times or more per submission)."""
    from nbgrader.api import Comment, Grade, SubmittedAssignment, SubmittedNotebook
    from sqlalchemy.orm import joinedload, selectinload, undefer
    master = gradebook.find_assignment(assignment_name)
    notebooks = selectinload(SubmittedAssignment.notebooks)
    return (gradebook.db.query(SubmittedAssignment)
            .filter(SubmittedAssignment.assignment_id == master.id)
            .options(joinedload(SubmittedAssignment.student),
                     undefer(SubmittedAssignment.score), undefer(SubmittedAssignment.max_score),
                     undefer(SubmittedAssignment.needs_manual_grade),
                     notebooks.selectinload(SubmittedNotebook.grades)
                     .options(undefer(Grade.max_score), joinedload(Grade.cell)),
                     notebooks.selectinload(SubmittedNotebook.comments).joinedload(Comment.cell))
            .all())
