"""Grades out of the gradebook, for the instructor's records and their LMS.

Both files are made from nbgrader's gradebook, not from results.json, so manual grades from the
formgrader and late penalties are in them:

- exports/<ps>_nbgrader.csv: nbgrader's own CSV export (`nbgrader export`'s CsvExportPlugin,
  run on this assignment): assignment, duedate, timestamp, student_id, last_name, first_name,
  email, raw_score, late_submission_penalty, score, max_score;
- exports/<ps>_canvas.csv: a Canvas gradebook import file. Canvas matches rows by one of
  Student / ID / SIS User ID / SIS Login ID: the nbgrader student id goes into "SIS Login ID"
  (usually the same login as JupyterHub's), and the gradebook's `lms_user_id`, where set
  (`nbgrader db student add ID --lms-user-id=...`), into "ID". The assignment column is
  `c.Exports.canvas_columns[PS]` (e.g. "ps1 (123456)", the exact header of an existing Canvas
  assignment) or the assignment's name, which makes Canvas create a new assignment.
  Its score is nbgrader's: raw score minus late penalty.

A submission not graded yet (its results.json has the status "retry": a grading worker died,
the sandbox failed) has no score, so neither file shows one for it, not even a zero, until
it is graded: its score cells are empty. In nbgrader's CSV that is nbgrader's own way of
writing a missing value; in Canvas's, an empty cell leaves the grade in Canvas unchanged.
(Students who never submitted keep nbgrader's convention, a 0.)
"""
import csv
import logging

from coursegrade.grading.batch import load_results
from coursegrade.outputs.gradebook import grades, open_gradebook

log = logging.getLogger("course.exports")
CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def export_nbgrader_csv(course, assignment_name, path=None, gradebook=None, waiting=None):
    """nbgrader's CSV export of one assignment, made by nbgrader's own CsvExportPlugin. It asks
    the gradebook for each student's submission and totals, query by query; here it is handed
    the assignment's submissions loaded in one query (`_OneAssignment`). `gradebook`: an open
    one to use; `waiting`: not_graded_yet(), if known."""
    from nbgrader.plugins import CsvExportPlugin
    path = path or course.exports_dir / f"{assignment_name}_nbgrader.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with _opened(course, gradebook) as gradebook:
        CsvExportPlugin(to=str(path), assignment=[assignment_name], log=log).export(
            _OneAssignment(gradebook, assignment_name))
    waiting = not_graded_yet(course, assignment_name) if waiting is None else waiting
    if waiting:
        lines = path.read_text().splitlines(keepends=True)
        path.write_text("".join(_without_score(line, waiting) for line in lines))
    return path


class _OneAssignment:
    """What CsvExportPlugin reads of a Gradebook (assignments, students, find_submission),
    for one assignment, from two queries: its submissions with their totals undeferred."""

    def __init__(self, gradebook, assignment_name):
        from nbgrader.api import Assignment, MissingEntry, SubmittedAssignment
        from sqlalchemy.orm import undefer
        self._missing = MissingEntry
        found = gradebook.db.query(Assignment).filter(Assignment.name == assignment_name).all()
        self.assignments = found
        self.students = gradebook.students
        self._submissions = {}
        if found:
            for submission in (gradebook.db.query(SubmittedAssignment)
                               .filter(SubmittedAssignment.assignment_id == found[0].id)
                               .options(undefer(SubmittedAssignment.score),
                                        undefer(SubmittedAssignment.late_submission_penalty))):
                self._submissions[submission.student_id] = submission

    def find_submission(self, assignment, student):
        try:
            return self._submissions[student]
        except KeyError:
            raise self._missing(f"No such submission: {assignment} for {student}") from None


def _opened(course, gradebook):
    from contextlib import nullcontext
    return nullcontext(gradebook) if gradebook is not None else open_gradebook(course)


def not_graded_yet(course, assignment_name, results=None):
    """The students whose submission is still to be graded (status "retry"), among `results`
    or, by default, the stored results."""
    results = load_results(course, assignment_name).values() if results is None else results
    return {r.student for r in results if not r.final}


def _without_score(line, students):
    """A row of nbgrader's CSV (plain `,`-joined: names may hold commas, but the student id
    is the fourth field and the scores the last four) with raw_score, late penalty and score
    emptied if it is one of `students`'."""
    fields = line.split(",", 4)
    if len(fields) < 5 or fields[3] not in students:
        return line
    head, raw, penalty, score, max_score = line.rsplit(",", 4)
    return ",".join([head, "", "", "", max_score])


def export_canvas_csv(course, assignment_name, path=None, gradebook=None, waiting=None, submissions=None):
    """A Canvas gradebook import CSV of one assignment (see the module's docstring).
    `submissions`: gradebook.grades() of the assignment, if known."""
    path = path or course.exports_dir / f"{assignment_name}_canvas.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    column = course.settings["Exports", "canvas_columns"].get(assignment_name, assignment_name)
    waiting = not_graded_yet(course, assignment_name) if waiting is None else waiting
    with _opened(course, gradebook) as gradebook:
        submissions = grades(course, assignment_name, gradebook) if submissions is None else submissions
        students = [(s.id, s.first_name, s.last_name, s.lms_user_id) for s in gradebook.students]
        try:
            max_score = float(gradebook.find_assignment(assignment_name).max_score or 0)
        except Exception:  # nbgrader's MissingEntry: nothing recorded yet
            max_score = 0.0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CANVAS_FIXED + [column])
        writer.writerow(["    Points Possible", "", "", "", "", f"{max_score:g}"])
        for student_id, first, last, lms_id in sorted(students):
            submission = submissions.get(student_id)
            score = max(0.0, submission["score"] - submission["late_penalty"]) if submission else 0.0
            name = f"{last}, {first}" if last and first else (last or first or student_id)
            shown = "" if student_id in waiting else f"{score:g}"  # empty: Canvas keeps its grade
            writer.writerow([name, lms_id or "", "", student_id, "", shown])
    return path


def export_all(course, assignment_name, results=None, gradebook=None, submissions=None):
    """Both exports; returns their paths. `results`: every result of the assignment, if in
    memory already; `gradebook`: an open one; `submissions`: its grades(), if known."""
    waiting = not_graded_yet(course, assignment_name, results)
    with _opened(course, gradebook) as gradebook:
        return [export_nbgrader_csv(course, assignment_name, gradebook=gradebook, waiting=waiting),
                export_canvas_csv(course, assignment_name, gradebook=gradebook, waiting=waiting,
                                  submissions=submissions)]
