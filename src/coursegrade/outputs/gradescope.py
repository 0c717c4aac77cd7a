"""Gradescope's results.json for one graded submission: what a student sees on Gradescope.

The format is Gradescope's autograder contract ("Autograder Specifications",
https://gradescope-autograders.readthedocs.io/en/latest/specs/): a top-level `score` and
`output`, and `tests`, each with `name`, `score`, `max_score`, `status`, `output` and a
`visibility` (hidden, after_due_date, after_published, visible).

What goes in is what feedback.html shows, built by the same function
(feedback.question_feedback): per hidden test its question and description, the outcome in
words, the student's own error message, and the question's mistake hints (diagnosis.py); never
a test's `detail` (pytest's assertion text, which shows expected values), its source, or
anything a reference computed. Like otter's Gradescope output (`show_hidden`), the hidden tests'
entries are shown to students when `c.Gradescope.hidden_visibility` says (by default once the
instructor publishes the grades); the public checks of each question, which students run
themselves in JupyterLab, are always visible and carry no points. Every text is plain text
(`output_format: text`): a student's error message is never rendered as HTML. The grader's own
log (stdout) is for instructors only.

A submission that cannot be graded scores 0 with one visible entry saying why, in words.
"""
from coursegrade.outputs.diagnosis import diagnose
from coursegrade.outputs.feedback import question_feedback

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
DEFAULT_HIDDEN_VISIBILITY = "after_published"


def results_json(assignment, result, public_checks=None, signatures=None,
                 hidden_visibility=DEFAULT_HIDDEN_VISIBILITY, grader=""):
    """The results.json of `result` (a core.results.Result) as a dict. `public_checks` is
    {question: {"passed", "report"}} (grading/public_checks.py), `signatures` the mutants'
    failure signatures (diagnosis.py), `grader` a line on what graded it (engine, sandbox)."""
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {', '.join(VISIBILITIES)}, "
                         f"not {hidden_visibility!r}")
    if not result.graded:
        return not_graded_json(result.reason, result.max_total, retry=not result.final, grader=grader)
    public_checks = public_checks or {}
    diagnosis = diagnose(result, signatures)
    tests = []
    for question in assignment.autograded_questions:
        checks = public_checks.get(question)
        if checks is not None:
            tests.append({"name": f"{question}: public checks", "status": "passed" if checks["passed"]
                          else "failed", "visibility": "visible", "output": checks["report"].strip()})
        view = question_feedback(assignment, question, result, diagnosis.get(question))
        hinted = False
        for test in view["tests"]:
            lines = ["passed" if test["outcome"] == "passed" else
                     f"{test['words']}: {test['message']}" if test["message"] else test["words"]]
            if test["outcome"] != "passed" and not hinted and view["hints"]:
                lines += _hints(view)
                hinted = True
            tests.append({"name": f"{question}: {test['description'] or test['test']}",
                          "score": float(test["earned"]), "max_score": float(test["points"]),
                          "status": "passed" if test["outcome"] == "passed" else "failed",
                          "visibility": hidden_visibility, "output": "\n".join(lines)})
    notes = [grader] if grader else []
    notes += [f"Note: {problem}" for problem in result.problems]
    notes += [f"The cell {name} raised an error when the grader ran it: {cell.get('message', '')}"
              for name, cell in result.cells.items()]
    if hidden_visibility != "visible":
        notes.append("Your score comes from hidden tests; their results are shown "
                     + {"hidden": "to your instructor only.",
                        "after_due_date": "after the due date.",
                        "after_published": "once your instructor publishes the grades."}[hidden_visibility])
    return _document(result.total, notes, tests, result.seconds)


def not_graded_json(reason, max_score=0.0, retry=False, grader=""):
    """Score 0, and one visible entry that says why, in words: a notebook that cannot be read
    (or none at all), or (`retry`) a grader that failed, which is not the student's doing."""
    if retry:
        words = (f"The grader failed, not your notebook: {reason}. Submit again; if this happens "
                 "again, tell your instructor.")
    else:
        words = f"Your notebook could not be graded: {reason}."
    entry = {"name": "Grading", "score": 0.0, "max_score": float(max_score), "status": "failed",
             "visibility": "visible", "output": words}
    return _document(0.0, ([grader] if grader else []) + [words], [entry], 0.0)


def _hints(view):
    where = (f" (in your {', '.join(view['elsewhere'])}, which this question uses)"
             if view["elsewhere"] else "")
    likely = "Likely" if view["exact"] else "Possible"
    if len(view["hints"]) == 1:
        return [f"{likely} mistake: {view['hints'][0]}{where}"]
    return [f"{likely} mistakes (these known mistakes fail the same way){where}:"] + \
        [f"- {hint}" for hint in view["hints"]]


def _document(score, notes, tests, seconds):
    return {"score": float(score), "execution_time": round(float(seconds), 3),
            "output": "\n".join(notes), "output_format": "text", "test_output_format": "text",
            "test_name_format": "text", "stdout_visibility": "hidden", "tests": tests}
