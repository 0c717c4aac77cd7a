"""The results of an assignment in nbgrader's format (grading/nbgrader_course.py) into nbgrader's
gradebook, as `nbgrader autograde` leaves it: through nbgrader's own API, so that its
formgrader, `nbgrader export` and feedback work on it.

- the assignment, each of its notebooks, and their grade, solution and task cells are created
  where missing (with the points of the source);
- a test cell's grade gets the points it earned as its `auto_score`; a written answer still as
  released gets 0 (nbgrader's rule), any other written answer and every task needs a manual
  grade; manual scores already given are kept;
- lateness is nbgrader's (the due date and extensions in the gradebook, the submission's
  timestamp.txt) and so is the penalty: nbgrader's AssignLatePenalties with the plugin of
  nbgrader_config.py, applied per notebook as nbgrader does.
"""
from coursegrade.core.results import GradebookView
from coursegrade.outputs.gradebook import _late_plugin, db_url, open_gradebook


def record_nbgrader(course, assignment, results, out=None):
    """Record `results` (Result of grading/nbgrader_course.grade_all); each final result gains
    its gradebook view (result.gradebook). Returns the results recorded."""
    from nbgrader.api import MissingEntry
    from nbgrader.utils import parse_utc
    plugin = _late_plugin(course)
    todo = [r for r in results if r.final]
    with open_gradebook(course, writing=True) as gradebook:
        _ensure_assignment(gradebook, assignment)
        for result in todo:
            gradebook.update_or_create_student(result.student)
            extra = {"timestamp": parse_utc(result.timestamp)} if result.timestamp else {}
            try:
                gradebook.find_submission(assignment.name, result.student)
                submission = gradebook.update_or_create_submission(assignment.name, result.student, **extra)
            except MissingEntry:
                submission = gradebook.add_submission(assignment.name, result.student, **extra)
            earned = {t.question: t.earned for t in result.tests} if result.graded else {}
            for notebook in assignment.notebooks:
                copy = gradebook.find_submission_notebook(notebook, assignment.name, result.student)
                for grade in copy.grades:
                    question = assignment.question_of(notebook, grade.name) \
                        if hasattr(assignment, "question_of") else f"{notebook}/{grade.name}"
                    if question in earned or grade.cell.cell_type == "code" and question in \
                            assignment.autograded_questions:
                        _autograded(grade, float(earned.get(question, 0.0)))
                    elif result.written_answers and result.written_answers.get(question) == "unanswered":
                        grade.auto_score, grade.needs_manual_grade = 0.0, False
                    else:
                        grade.auto_score = None
                        grade.needs_manual_grade = grade.manual_score is None
                gradebook.db.commit()
                copy.late_submission_penalty = None
                if submission.total_seconds_late > 0:
                    penalty = plugin.plugin_inst.late_submission_penalty(
                        result.student, copy.score, submission.total_seconds_late)
                    if penalty is not None:
                        copy.late_submission_penalty = plugin._check_late_penalty(copy, penalty)
                gradebook.db.commit()
            result.gradebook = _view(course, gradebook, assignment, submission)
    if out is not None:
        print(f"gradebook: {len(todo)} submission(s) of {assignment.name} recorded (nbgrader's "
              "totals, written answers and tasks to be graded by hand):", file=out)
        for result in todo:
            view = result.gradebook
            late = f", {view.seconds_late / 3600:.1f} h late, penalty {view.late_penalty:g}" \
                if view.seconds_late > 0 else ""
            print(f"  {result.student}: {view.score:g}/{view.max_score:g}{late}", file=out)
    return todo


def record_otter(course, assignment, results, out=None):
    """Record an otter assignment's results (grading/otter_course.py) in nbgrader's gradebook:
    its master notebook as the one notebook, each question a graded code cell worth its points
    (auto_score: what otter's rules gave it), so that `nbgrader export`, the formgrader's totals
    and late penalties work on it as on nbgrader's own assignments."""
    return record_nbgrader(course, _OtterAsNbgrader(assignment), results, out=out)


class _OtterAsNbgrader:
    """What record_nbgrader reads of an nbgrader assignment, for an otter one."""

    def __init__(self, assignment):
        from types import SimpleNamespace
        self.name, self.otter = assignment.name, assignment
        self.notebook = assignment.master.stem
        self.notebooks = {self.notebook: []}
        self.test_cells = [SimpleNamespace(notebook=self.notebook, grade_id=q, points=assignment.points(q))
                           for q in assignment.autograded_questions]
        self.manual_cells = []
        self.autograded_questions = list(assignment.autograded_questions)

    def question_of(self, notebook, grade_name):
        return grade_name

    def solution_ids(self, notebook):
        return []


def _autograded(grade, score):
    if grade.manual_score is not None and grade.auto_score != score:
        grade.needs_manual_grade = True  # the autograder changed its mind under a manual grade
    elif grade.manual_score is None:
        grade.needs_manual_grade = False
    grade.auto_score = score


def _ensure_assignment(gradebook, assignment):
    from nbgrader.api import MissingEntry
    try:
        gradebook.find_assignment(assignment.name)
    except MissingEntry:
        gradebook.add_assignment(assignment.name)
    tests = {(t.notebook, t.grade_id): t for t in assignment.test_cells}
    for notebook in assignment.notebooks:
        gradebook.update_or_create_notebook(notebook, assignment.name)
        for test in (t for t in assignment.test_cells if t.notebook == notebook):
            gradebook.update_or_create_grade_cell(test.grade_id, notebook, assignment.name,
                                                  max_score=test.points, cell_type="code")
        for cell in (m for m in assignment.manual_cells if m.notebook == notebook):
            if cell.kind == "task":
                gradebook.update_or_create_task_cell(cell.grade_id, notebook, assignment.name,
                                                     max_score=cell.points, cell_type="markdown")
            else:
                kind = assignment.cell_type(notebook, cell.grade_id)
                gradebook.update_or_create_grade_cell(cell.grade_id, notebook, assignment.name,
                                                      max_score=cell.points, cell_type=kind)
                gradebook.update_or_create_solution_cell(cell.grade_id, notebook, assignment.name)
        for grade_id in assignment.solution_ids(notebook):
            if (notebook, grade_id) not in tests:
                gradebook.update_or_create_solution_cell(grade_id, notebook, assignment.name)


def _view(course, gradebook, assignment, submission):
    duedate = submission.duedate
    penalty = sum(float(n.late_submission_penalty or 0.0) for n in submission.notebooks)
    return GradebookView(db_url=db_url(course), duedate=duedate.isoformat(sep=" ") if duedate else None,
                         seconds_late=float(submission.total_seconds_late or 0.0), late_penalty=penalty,
                         score=float(submission.score or 0.0), max_score=float(submission.max_score or 0.0),
                         needs_manual_grade=bool(submission.needs_manual_grade))
