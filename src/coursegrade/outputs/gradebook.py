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
import threading
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


def import_ahead():
    """Import nbgrader's API in a thread of its own, for `course grade` to call as its workers
    start: the import costs 1.5 to 2 s (nbgrader's package imports its server extensions,
    tornado and jupyter_server with them), which the gradebook then does not wait for."""
    def run():
        try:
            import nbgrader.api  # noqa: F401
            import nbgrader.utils  # noqa: F401
        except Exception:  # imported again where it is needed, and reported there
            pass
    threading.Thread(target=run, name="import-nbgrader", daemon=True).start()


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
    """The rows of `results`, written as nbgrader's models would write them, but one statement
    per table and kind of change for the whole chunk (SQLAlchemy Core on nbgrader's own tables)
    rather than an ORM object per row (27 a submission, each tracked, flushed and expired)."""
    from nbgrader.api import Student, SubmittedAssignment
    from nbgrader.utils import parse_utc
    from sqlalchemy import select
    db = gradebook.db
    master = gradebook.find_assignment(assignment.name)
    ours = next(n for n in master.notebooks if n.name == assignment.name)
    cells = {c.name: c.id for c in ours.grade_cells}
    students = list(dict.fromkeys(r.student for r in results))
    known = set(db.scalars(select(Student.id).where(Student.id.in_(students))))
    rows = _Rows()
    rows.students = [{"id": s} for s in students if s not in known]
    stored = {row.student_id: row for row in db.execute(
        select(SubmittedAssignment.id, SubmittedAssignment.student_id, SubmittedAssignment.timestamp,
               SubmittedAssignment.extension)
        .where(SubmittedAssignment.assignment_id == master.id,
               SubmittedAssignment.student_id.in_(students)))}
    copies = _copies_of(db, ours, [row.id for row in stored.values()])
    submissions = {}
    for result in results:
        timestamp = parse_utc(result.timestamp) if result.timestamp else None
        row = stored.get(result.student)
        if row is None:  # what nbgrader's add_submission makes: the assignment's mirror
            submission = rows.new_submission(master, ours, result.student, timestamp)
        else:
            copy, grades = copies.get(row.id, (None, {}))
            submission = _Submission(row.id, timestamp or row.timestamp, row.extension, copy, grades)
            if timestamp is not None and timestamp != row.timestamp:
                rows.timestamps.append({"b_id": row.id, "b_timestamp": timestamp})
            if copy is None:  # (its copy of our notebook is gone: made again)
                submission.notebook_id = rows.new_copy(ours, row.id)
        _read_answers(course, assignment, result, answers)
        rows.set_grades(assignment, result, submission, cells)
        submissions[result.student] = submission
    rows.write(db)
    _set_late_penalties(db, master, results, submissions, plugin)
    _attach_views(db, course, master, assignment, results, submissions, ours)
    db.commit()


class _Submission:
    """What a chunk needs of a submission: its id, timestamp and extension, its copy of our
    notebook and that copy's grades {cell id: row} as stored (none for a new one)."""

    def __init__(self, id, timestamp, extension, notebook_id, grades):
        self.id, self.timestamp, self.extension = id, timestamp, extension
        self.notebook_id, self.grades = notebook_id, grades

    def duedate(self, master):
        """nbgrader's SubmittedAssignment.duedate, from the same columns."""
        if master.duedate is None or self.extension is None:
            return master.duedate
        return master.duedate + self.extension

    def seconds_late(self, master):
        """nbgrader's SubmittedAssignment.total_seconds_late, from the same columns."""
        duedate = self.duedate(master)
        if self.timestamp is None or duedate is None:
            return 0.0
        return max(0.0, (self.timestamp - duedate).total_seconds())


def _copies_of(db, ours, submission_ids):
    """{submission id: (id of its copy of notebook `ours`, {cell id: stored grade row})}."""
    from nbgrader.api import Grade, SubmittedNotebook
    from sqlalchemy import select
    if not submission_ids:
        return {}
    copies = {row.id: row.assignment_id for row in db.execute(
        select(SubmittedNotebook.id, SubmittedNotebook.assignment_id)
        .where(SubmittedNotebook.notebook_id == ours.id,
               SubmittedNotebook.assignment_id.in_(submission_ids)))}
    found = {submission: (copy, {}) for copy, submission in copies.items()}
    if copies:
        for row in db.execute(select(Grade.id, Grade.notebook_id, Grade.cell_id, Grade.auto_score,
                                     Grade.manual_score).where(Grade.notebook_id.in_(list(copies)))):
            found[copies[row.notebook_id]][1][row.cell_id] = row
    return found


class _Rows:
    """A chunk's new rows and changed columns, table by table, then written in a few statements."""

    def __init__(self):
        self.students, self.submissions, self.copies, self.comments = [], [], [], []
        self.new_grades = {}  # (copy id, cell id) -> row
        self.timestamps, self.grade_changes, self.flagged = [], [], []

    def new_submission(self, master, ours, student, timestamp):
        """A submission with a copy of each of the assignment's notebooks, their grades and
        comments empty (nbgrader's add_submission); returns it with its copy of `ours`."""
        from nbgrader.api import new_uuid
        submission = _Submission(new_uuid(), timestamp, None, None, {})
        self.submissions.append({"id": submission.id, "assignment_id": master.id,
                                 "student_id": student, "timestamp": timestamp, "extension": None})
        for notebook in master.notebooks:
            copy = self.new_copy(notebook, submission.id)
            if notebook is ours:
                submission.notebook_id = copy
        return submission

    def new_copy(self, notebook, submission_id):
        from nbgrader.api import new_uuid
        copy = new_uuid()
        self.copies.append({"id": copy, "assignment_id": submission_id, "notebook_id": notebook.id,
                            "flagged": False, "late_submission_penalty": None})
        for cell in [*notebook.grade_cells, *notebook.task_cells]:
            self.new_grades[(copy, cell.id)] = {
                "id": new_uuid(), "notebook_id": copy, "cell_id": cell.id, "auto_score": None,
                "manual_score": None, "extra_credit": None, "needs_manual_grade": True}
        for cell in [*notebook.solution_cells, *notebook.task_cells]:
            self.comments.append({"id": new_uuid(), "notebook_id": copy, "cell_id": cell.id,
                                  "auto_comment": None, "manual_comment": None})
        return copy

    def set_grades(self, assignment, result, submission, cells):
        """The grades of the submission's copy of our notebook from its result; manual grades
        are kept, and flagged again for a look where the autograder changed its mind."""
        graded = result.graded
        changed = result.gradebook is None or result.gradebook.sha256 != result.sha256
        written = (result.written_answers or {}) if graded else {}
        for cell in assignment.graded_cells:
            cell_id = cells[cell.grade_id]
            stored = submission.grades.get(cell_id)
            manual = None if stored is None else stored.manual_score
            if cell.kind == "autograded":
                auto = float(result.scores.get(cell.grade_id, 0.0)) if graded else 0.0
                # (needs a look: the autograder changed its mind under a manual grade)
                needs = manual is not None and (stored.auto_score != auto or None)
            else:
                answered = written.get(cell.grade_id, "unanswered") == "answered"
                auto = None if answered else 0.0
                needs = answered if manual is None else ((answered and changed) or None)
            self._grade(submission.notebook_id, cell_id, stored, auto, needs)
        if not graded:
            self.flagged.append({"b_id": submission.notebook_id})  # the reason is in results.json

    def _grade(self, copy, cell_id, stored, auto, needs):
        """`needs`: the new needs_manual_grade, or None to leave it as it is."""
        new = self.new_grades.get((copy, cell_id))
        if new is not None:
            new["auto_score"] = auto
            if needs is not None:
                new["needs_manual_grade"] = bool(needs)
            return
        if stored is None:  # a cell added to the gradebook after this submission was made
            from nbgrader.api import new_uuid
            self.new_grades[(copy, cell_id)] = {
                "id": new_uuid(), "notebook_id": copy, "cell_id": cell_id, "auto_score": auto,
                "manual_score": None, "extra_credit": None,
                "needs_manual_grade": True if needs is None else bool(needs)}
            return
        change = {"b_id": stored.id, "b_auto": auto}
        if needs is not None:
            change["b_needs"] = bool(needs)
        self.grade_changes.append(change)

    def write(self, db):
        from nbgrader.api import Comment, Grade, Student, SubmittedAssignment, SubmittedNotebook
        _insert(db, Student, self.students)
        _insert(db, SubmittedAssignment, self.submissions)
        _insert(db, SubmittedNotebook, self.copies)
        _insert(db, Grade, list(self.new_grades.values()))
        _insert(db, Comment, self.comments)
        _update(db, SubmittedAssignment, self.timestamps, timestamp="b_timestamp")
        _update(db, Grade, [c for c in self.grade_changes if "b_needs" in c],
                auto_score="b_auto", needs_manual_grade="b_needs")
        _update(db, Grade, [c for c in self.grade_changes if "b_needs" not in c], auto_score="b_auto")
        _update(db, SubmittedNotebook, self.flagged, flagged=True)


def _insert(db, model, rows):
    from sqlalchemy import insert
    if rows:
        db.execute(insert(model.__table__), rows)


def _update(db, model, rows, **columns):
    """UPDATE model SET column = :value ... WHERE id = :b_id, once per row of `rows`, in one
    executemany; a column's value is the row's key it names, or a constant."""
    from sqlalchemy import bindparam, update
    if not rows:
        return
    table = model.__table__
    values = {column: bindparam(key) if isinstance(key, str) else key for column, key in columns.items()}
    db.execute(update(table).where(table.c.id == bindparam("b_id")).values(**values), rows)


def _read_answers(course, assignment, result, answers):
    """result.written_answers, where the notebook must be read again (and the formgrader's
    copy written); `answers`: {student: future of its written answers}, those read elsewhere."""
    if not _answers_needed(course, assignment, result):
        return
    elsewhere = answers.get(result.student)
    # A chunk the helper has not started is read here instead (never wait for it idle).
    if elsewhere is None or elsewhere.cancelled() or elsewhere.cancel():
        result.written_answers = _written_answers(course, assignment, result)
    else:
        result.written_answers = elsewhere.result()[result.student]



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


def _set_late_penalties(db, master, results, submissions, plugin):
    """nbgrader's AssignLatePenalties, step for step, with the course's configured plugin
    (`plugin()` makes it): a late submission's penalty from its notebook's score (asked of the
    database, only where the submission is late), every other one's cleared."""
    import types
    from nbgrader.api import SubmittedNotebook
    from sqlalchemy import select
    late = {r.student: submissions[r.student].seconds_late(master) for r in results}
    late = {student: seconds for student, seconds in late.items() if seconds > 0}
    scores = {}
    if late:
        scores = dict(db.execute(select(SubmittedNotebook.id, SubmittedNotebook.score).where(
            SubmittedNotebook.id.in_([submissions[s].notebook_id for s in late]))).all())
    changes = []
    for result in results:
        submission = submissions[result.student]
        penalty = None
        if result.student in late:
            penalties = plugin()
            score = scores[submission.notebook_id]
            penalty = penalties.plugin_inst.late_submission_penalty(result.student, score, late[result.student])
            if penalty is not None:  # (it only reads the notebook's score)
                penalty = penalties._check_late_penalty(types.SimpleNamespace(score=score), penalty)
        submission.late_penalty = penalty
        if submission.grades or penalty is not None:  # (a new copy's penalty is None already)
            changes.append({"b_id": submission.notebook_id, "b_penalty": penalty})
    _update(db, SubmittedNotebook, changes, late_submission_penalty="b_penalty")


def _attach_views(db, course, master, assignment, results, submissions, ours):
    """Each result's GradebookView, from one query for the totals of the whole chunk."""
    totals = _totals(db, [submissions[r.student].id for r in results])
    names = {c.id: c.name for c in [*ours.grade_cells, *ours.task_cells]}
    url = _display_url(db_url(course))
    for result in results:
        submission = submissions[result.student]
        score, needs_manual_grade = totals.get(submission.id, (0.0, False))
        duedate = submission.duedate(master)
        result.gradebook = GradebookView(
            sha256=result.sha256, db_url=url,
            duedate=duedate.isoformat(sep=" ") if duedate else None,
            seconds_late=float(submission.seconds_late(master)),
            late_penalty=float(submission.late_penalty or 0.0),
            manual={names[cell]: grade.manual_score for cell, grade in submission.grades.items()
                    if grade.manual_score is not None and cell in names},
            score=score, max_score=float(master.max_score or 0.0),
            needs_manual_grade=needs_manual_grade)


def _totals(db, submission_ids):
    """{submission id: (score, needs_manual_grade)}: nbgrader's SubmittedAssignment.score (the
    sum of its grades' Grade.score) and .needs_manual_grade (one of them needs it), in one
    grouped query (those column properties are a subquery per submission: 0.3 s for 400)."""
    from nbgrader.api import Grade, SubmittedNotebook
    from sqlalchemy import case, func, select
    rows = db.execute(
        select(SubmittedNotebook.assignment_id, func.coalesce(func.sum(Grade.score), 0.0),
               func.sum(case((Grade.needs_manual_grade, 1), else_=0)))
        .select_from(Grade).join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
        .where(SubmittedNotebook.assignment_id.in_(submission_ids))
        .group_by(SubmittedNotebook.assignment_id))
    return {submission: (float(score or 0.0), bool(needing)) for submission, score, needing in rows}


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
    with (nullcontext(gradebook) if gradebook is not None else open_gradebook(course)) as gradebook:
        try:
            master = gradebook.find_assignment(assignment_name)
        except MissingEntry:
            return {}
        return _grades_of(gradebook.db, master)


def _grades_of(db, master):
    """grades() of one assignment, read as rows in four queries whatever the number of
    submissions: nbgrader's objects, even loaded in bulk, cost about 2 ms a submission. A
    grade's score is nbgrader's own SQL expression (Grade.score), its maximum its cell's (as
    Grade.max_score), a submission's total the sum of its grades' (as SubmittedAssignment.score)."""
    from nbgrader.api import Comment, Grade, Student, SubmittedAssignment, SubmittedNotebook
    from sqlalchemy import select
    theirs = select(SubmittedAssignment.id).where(SubmittedAssignment.assignment_id == master.id)
    cells, maxima = {}, {}
    for notebook in master.notebooks:
        for cell in [*notebook.grade_cells, *notebook.task_cells, *notebook.solution_cells]:
            cells[cell.id] = cell.name
        for cell in [*notebook.task_cells, *notebook.grade_cells]:  # (a grade cell's first)
            maxima[cell.id] = float(cell.max_score or 0)
    copies = {row.id: row for row in db.execute(
        select(SubmittedNotebook.id, SubmittedNotebook.assignment_id, SubmittedNotebook.late_submission_penalty)
        .where(SubmittedNotebook.assignment_id.in_(theirs)))}
    per_submission = {}
    for row in db.execute(
            select(Grade.notebook_id, Grade.cell_id, Grade.auto_score, Grade.manual_score, Grade.extra_credit,
                   Grade.score, Grade.needs_manual_grade)
            .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
            .where(SubmittedNotebook.assignment_id.in_(theirs))):
        per_submission.setdefault(copies[row.notebook_id].assignment_id, ({}, {}))[0][cells.get(row.cell_id)] = {
            "auto_score": row.auto_score, "manual_score": row.manual_score, "extra_credit": row.extra_credit,
            "score": float(row.score or 0), "max_score": maxima.get(row.cell_id, 0.0),
            "needs_manual_grade": bool(row.needs_manual_grade)}
    for row in db.execute(
            select(Comment.notebook_id, Comment.cell_id, Comment.manual_comment)
            .join(SubmittedNotebook, Comment.notebook_id == SubmittedNotebook.id)
            .where(SubmittedNotebook.assignment_id.in_(theirs), Comment.manual_comment.is_not(None),
                   Comment.manual_comment != "")):
        per_submission.setdefault(copies[row.notebook_id].assignment_id, ({}, {}))[1][cells.get(row.cell_id)] = \
            row.manual_comment
    penalties = {}
    for copy in copies.values():
        penalties[copy.assignment_id] = penalties.get(copy.assignment_id, 0.0) + float(copy.late_submission_penalty or 0.0)
    totals = {}  # nbgrader's SubmittedAssignment.score and .needs_manual_grade, from the rows read
    for submission, (graded_cells, _) in per_submission.items():
        totals[submission] = (float(sum(g["score"] for g in graded_cells.values())),
                              any(g["needs_manual_grade"] for g in graded_cells.values()))
    max_score = float(master.max_score or 0.0)
    found = {}
    for row in db.execute(
            select(SubmittedAssignment.id, SubmittedAssignment.timestamp, SubmittedAssignment.extension,
                   Student.id.label("student"), Student.first_name,
                   Student.last_name, Student.email, Student.lms_user_id)
            .join(Student, SubmittedAssignment.student_id == Student.id)
            .where(SubmittedAssignment.assignment_id == master.id)):
        submission = _Submission(row.id, row.timestamp, row.extension, None, {})
        duedate = submission.duedate(master)
        grades_of, comments = per_submission.get(row.id, ({}, {}))
        score, needs_manual_grade = totals.get(row.id, (0.0, False))
        found[row.student] = {
            "score": score, "max_score": max_score,
            "late_penalty": penalties.get(row.id, 0.0), "timestamp": row.timestamp,
            "duedate": duedate, "seconds_late": float(submission.seconds_late(master)),
            "needs_manual_grade": needs_manual_grade, "cells": grades_of,
            "comments": comments, "first_name": row.first_name, "last_name": row.last_name,
            "email": row.email, "lms_user_id": row.lms_user_id}
    return found
