"""Feedback pages for nbgrader- and otter-format results, in feedback.py's page and place.

A foreign result differs from a native one: its tests are nbgrader's test cells (one test per
cell, named notebook/grade_id) or otter's questions (one test per question), an assignment may
have several notebooks, and some test cells ran in the student's process (marked untrusted).
The page shows the student's own notebooks with each test's box where its test cell (nbgrader)
or its `grader.check("q")` cell (otter) stands, and the written answers with their manual grades.

What never appears: the source of a test cell (the box takes the cell's place: the student's
copy is the release's, but the grader ran the source's, hidden tests included), otter's test
cases and their expected outputs, and the text of a failed test cell's exception (an
assertion's text may show the expected value): only its type is shown, as the outcome.
"""
import os
import re
from pathlib import Path

from coursegrade.core.cells import grade_id as cell_grade_id, source_text
from coursegrade.grading.notebooks import NotebookError, read_notebook
from coursegrade.outputs.feedback import (_css, _render, _summary, _template, feedback_path,
                                          question_feedback)

UNTRUSTED_WORDS = " [ran in your own Python process]"
_FOOTER = ("Each check is a hidden test run on your code; its description says what it checks. "
           "Scores come from these checks; the checks you ran yourself in the notebook are a subset.")
_FOREIGN_FOOTER = ("Each check is one of the assignment's tests (a test cell or a question's "
                   "tests), run by the grader on your code; hidden tests are not shown.")
_OTTER_CHECK = re.compile(r"""grader\.check\(\s*["']([^"']+)["']""")


def write_foreign_feedback(course, assignment, results, grades=None):
    """feedback.html next to each result (autograded/<student>/<ps>/); returns the paths."""
    grades = grades or {}
    paths = []
    for result in results:
        html = render_foreign_feedback(course, assignment, result, grades.get(result.student))
        path = feedback_path(course, result.student, assignment.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".html.tmp")
        temporary.write_text(html, encoding="utf-8")
        os.replace(temporary, path)
        paths.append(path)
    return paths


def render_foreign_feedback(course, assignment, result, grade=None):
    questions = [_question(assignment, q, result) for q in assignment.autograded_questions]
    by_question = {q["name"]: q for q in questions}
    written = _written(assignment, result, grade)
    cells, placed = _cells(course, assignment, result, by_question, written) if result.graded else ([], set())
    summary = _summary(assignment, result, grade, questions, written)
    html = _template().render(
        assignment=assignment, student=result.student, result=result, summary=summary,
        questions=questions, cells=cells, unplaced=[q for q in questions if q["name"] not in placed],
        written=written, problems=list(result.problems), css=_css(), generated=_now())
    return html.replace(_FOOTER, _FOREIGN_FOOTER)


def _now():
    import datetime
    return datetime.datetime.now().strftime("%Y-%m-%d %H:%M")


def _question(assignment, name, result):
    box = question_feedback(assignment, name, result, None)
    for shown, test in zip(box["tests"], result.tests_of(name)):
        if test.untrusted:
            shown["description"] += UNTRUSTED_WORDS
        if assignment.format == "nbgrader" and shown["message"]:
            # the exception's type only: its text may hold a value the test computed
            shown["message"] = shown["message"].split(":", 1)[0].strip()[:80]
    return box


def _written(assignment, result, grade):
    """grade_id -> {max, score (None until graded by hand), comment} of nbgrader's written
    answers and tasks (otter's have none here)."""
    cells = (grade or {}).get("cells", {})
    comments = (grade or {}).get("comments", {})
    found = {}
    for cell in getattr(assignment, "manual_cells", []):
        info = cells.get(cell.grade_id, {})
        score = info.get("manual_score")
        unanswered = (result.written_answers or {}).get(f"{cell.notebook}/{cell.grade_id}") == "unanswered"
        if score is None and (unanswered or info.get("auto_score") == 0 and not info.get("needs_manual_grade")):
            score = 0.0  # nbgrader's verdict on a written answer left as released
        if score is not None and info.get("extra_credit"):
            score += info["extra_credit"]
        found[cell.grade_id] = {"max": cell.points, "score": score, "comment": comments.get(cell.grade_id, "")}
    return found


def _notebooks(assignment, result):
    """[(notebook name, path of the student's copy)] of the result's submission folder."""
    folder = Path(result.notebook)
    if assignment.format == "nbgrader":
        return [(name, folder / f"{name}.ipynb") for name in assignment.notebooks]
    path = folder / assignment.master.name
    others = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
    return [(assignment.master.stem, path if path.is_file() or len(others) != 1 else others[0])]


def _cells(course, assignment, result, by_question, written):
    rendered, placed = [], set()
    several = len(_notebooks(assignment, result)) > 1

    class _Where:  # what read_notebook needs of an assignment
        pass
    _Where.course = course
    for notebook, path in _notebooks(assignment, result):
        if several:
            rendered.append({"kind": "markdown", "html": f"<h2>{notebook}.ipynb</h2>", "grade_id": None,
                             "role": None})
        try:
            content, _ = read_notebook(path, _Where)
        except (NotebookError, OSError):
            continue
        for index, cell in enumerate(content.get("cells", [])):
            if not isinstance(cell, dict):
                continue
            name, text = cell_grade_id(cell), source_text(cell.get("source", ""))
            question = _question_at(assignment, notebook, name, text)
            box = question is not None and question in by_question and question not in placed
            if box:
                placed.add(question)
            if assignment.format == "nbgrader" and question in by_question:
                if box:  # the box takes the test cell's place
                    rendered.append({"kind": "question", "question": by_question[question]})
                continue
            entry = {"kind": cell.get("cell_type"), "html": _render(cell.get("cell_type"), text),
                     "grade_id": name, "role": None}
            label = f"{notebook}/{name or f'{notebook} cell {index + 1}'}" if assignment.format == "nbgrader" \
                else f"cell {index + 1}"
            if cell.get("cell_type") == "code" and label in result.cells:
                entry["raised"] = result.cells[label].get("message", "")
            if name in written and assignment.format == "nbgrader":
                entry["written"] = written[name]
            rendered.append(entry)
            if box:  # otter's: after the student's own grader.check cell
                rendered.append({"kind": "question", "question": by_question[question]})
    return rendered, placed


def _question_at(assignment, notebook, name, text):
    """The question whose box goes at this cell, if any."""
    if assignment.format == "nbgrader":
        return f"{notebook}/{name}" if name else None
    found = _OTTER_CHECK.search(text)
    return found.group(1) if found else None
