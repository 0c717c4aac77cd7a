"""Feedback for students: one self-contained HTML file per student per assignment.

The student's own notebook, and at each question the score and every hidden check: its
description, pass or fail, and the student's own error message where their code raised; where
the failures match a known mistake (a mutant, see diagnosis.py), its hint. Written answers show
the instructor's grade and comment once the formgrader has them; a late penalty is shown with
the lateness nbgrader computed.

What never appears: a test's `detail` (pytest's assertion text, which shows expected values),
the source of hidden tests, or anything computed by the references. The page is built only
from the fields listed in `_SAFE_TEST_FIELDS`, so a new field in results.json cannot leak by
accident. (nbgrader's own feedback shows the hidden tests' source; this one does not.)

`course feedback PS --release` copies the files into nbgrader's layout,
feedback/<student>/<ps>/<ps>.html with timestamp.txt and submission_secret.txt, from where
`nbgrader release_feedback` and the students' `nbgrader fetch_feedback` take them.
"""
import datetime
import os
import shutil
from functools import lru_cache
from pathlib import Path

import bleach
import jinja2
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from coursegrade.outputs.diagnosis import diagnose
from coursegrade.core.cells import Role, grade_id as cell_grade_id, source_text
from coursegrade.grading.notebooks import NotebookError, read_notebook, source_cells

_SAFE_TEST_FIELDS = ("test", "question", "points", "earned", "description", "outcome", "message")
OUTCOME_WORDS = {
    "passed": "passed", "failed": "wrong result", "error": "your code raised an error",
    "timeout": "took too long", "memory": "used too much memory",
    "crashed": "crashed the Python process", "forbidden-call": "uses a library call this question forbids",
    "unanswered": "not answered yet",
}
_ALLOWED_TAGS = {"p", "em", "strong", "b", "i", "code", "pre", "ul", "ol", "li", "blockquote",
                 "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
                 "a", "br", "hr", "span", "sub", "sup", "del"}


def feedback_path(course, student, assignment_name):
    return course.autograded_dir / student / assignment_name / "feedback.html"


def write_feedback(course, assignment, results, grades=None, signatures=None):
    """Write feedback.html next to each result; returns the paths. `grades` is the gradebook's
    view (gradebook.grades), `signatures` the mutant signatures (diagnosis.py)."""
    grades = grades or {}
    paths = []
    for result in results:
        html = render_feedback(course, assignment, result, grades.get(result.student), signatures)
        path = feedback_path(course, result.student, assignment.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".html.tmp")
        temporary.write_text(html, encoding="utf-8")
        os.replace(temporary, path)
        paths.append(path)
    return paths


def render_feedback(course, assignment, result, grade=None, signatures=None):
    """The feedback page of one result, as HTML text."""
    diagnosis = diagnose(result, signatures)
    questions = [question_feedback(assignment, q, result, diagnosis.get(q)) for q in assignment.autograded_questions]
    by_question = {q["name"]: q for q in questions}
    written = _written(assignment, result, grade)
    cells, placed = _cells(course, assignment, result, by_question, written)
    unplaced = [q for q in questions if q["name"] not in placed]
    summary = _summary(assignment, result, grade, questions, written)
    return _template().render(
        assignment=assignment, student=result.student, result=result, summary=summary,
        questions=questions, cells=cells, unplaced=unplaced, written=written,
        problems=list(result.problems), css=_css(),
        generated=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"))


def question_feedback(assignment, name, result, diagnosis):
    """What a student is shown of one question (this page's box; Gradescope's results.json):
    the score, and per hidden test only the fields of `_SAFE_TEST_FIELDS` with the outcome in
    words; the question's mistake hints from `diagnosis` (diagnose()'s entry for it)."""
    tests = [{k: getattr(t, k) for k in _SAFE_TEST_FIELDS} for t in result.tests_of(name)]
    for test in tests:
        test["words"] = OUTCOME_WORDS.get(test["outcome"], test["outcome"])
    return {"name": name, "earned": float(result.scores.get(name, 0.0)),
            "max": assignment.points(name), "tests": tests,
            "passed": sum(t["outcome"] == "passed" for t in tests),
            "hints": (diagnosis or {}).get("hints", []), "exact": (diagnosis or {}).get("exact", False),
            "elsewhere": (diagnosis or {}).get("elsewhere", [])}


def _written(assignment, result, grade):
    """grade_id -> {max, score (None until graded by hand), comment} of written answers."""
    cells = (grade or {}).get("cells", {})
    comments = (grade or {}).get("comments", {})
    manual = result.gradebook.manual if result.gradebook else {}
    found = {}
    for cell in assignment.graded_cells:
        if cell.kind != "manual":
            continue
        info = cells.get(cell.grade_id, {})
        score = info.get("manual_score", manual.get(cell.grade_id))
        if score is None and info.get("auto_score") == 0 and not info.get("needs_manual_grade"):
            score = 0.0  # nbgrader's verdict on an unanswered written cell
        if score is not None and info.get("extra_credit"):
            score += info["extra_credit"]
        found[cell.grade_id] = {"max": cell.points, "score": score,
                                "comment": comments.get(cell.grade_id, "")}
    return found


def _summary(assignment, result, grade, questions, written):
    auto = sum(q["earned"] for q in questions)
    auto_max = sum(q["max"] for q in questions)
    written_max = sum(w["max"] for w in written.values())
    pending = [g for g, w in written.items() if w["score"] is None]
    written_score = sum(w["score"] or 0.0 for w in written.values())
    view = result.gradebook
    penalty = float((grade or {}).get("late_penalty", view.late_penalty if view else 0.0))
    seconds_late = float((grade or {}).get("seconds_late", view.seconds_late if view else 0.0))
    total = auto + written_score - penalty
    return {"auto": auto, "auto_max": auto_max, "written": written_score, "written_max": written_max,
            "pending": pending, "penalty": penalty, "late": _duration(seconds_late) if seconds_late else "",
            "duedate": view.duedate if view else None, "timestamp": result.timestamp,
            "total": max(0.0, total), "max": auto_max + written_max,
            "graded": result.graded, "reason": result.reason}


def _cells(course, assignment, result, by_question, written):
    """The student's notebook as rendered cells, with each question's results placed at its
    public-checks cell (or after its answer cell when the checks cell was deleted)."""
    if not result.graded:
        return [], set()
    try:
        notebook, _ = read_notebook(Path(result.notebook), assignment)
    except (NotebookError, KeyError, OSError):
        return [], set()
    roles = source_cells(assignment)
    raised = result.cells
    rendered, placed, seen = [], set(), set()
    answer_positions = {}
    for index, cell in enumerate(notebook["cells"]):
        if not isinstance(cell, dict):
            continue
        grade_id = cell_grade_id(cell)
        text = source_text(cell.get("source", ""))
        role = roles[grade_id].role if grade_id in roles else None
        first = grade_id not in seen
        seen.add(grade_id)
        if role is Role.CHECKS and grade_id in by_question and first:
            rendered.append({"kind": "question", "question": by_question[grade_id]})
            placed.add(grade_id)
            continue
        entry = {"kind": cell.get("cell_type"), "html": _render(cell.get("cell_type"), text),
                 "grade_id": grade_id, "role": role}
        name = grade_id if grade_id in roles and first else (grade_id or f"cell {index + 1}")
        if cell.get("cell_type") == "code" and name in raised:
            entry["raised"] = raised[name].get("message", "")
        if role is Role.WRITTEN and first:
            entry["written"] = written.get(grade_id)
        rendered.append(entry)
        if role is Role.ANSWER:
            answer_positions[grade_id.removesuffix("_answer")] = len(rendered)
    # Questions whose checks cell is gone: after their answer cell, else at the end.
    for question, position in sorted(answer_positions.items(), key=lambda item: -item[1]):
        if question in by_question and question not in placed:
            rendered.insert(position, {"kind": "question", "question": by_question[question]})
            placed.add(question)
    return rendered, placed


def _render(kind, text):
    return _markdown(text) if kind == "markdown" else _code(text)


@lru_cache(maxsize=4096)
def _markdown(text):
    """Markdown to HTML with the student's raw HTML escaped (the page is opened by instructors
    too: a <script> in a markdown cell must stay text)."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
    html = MarkdownWithMath(renderer=IPythonRenderer(escape=False, exclude_anchor_links=True)).render(text)
    return bleach.clean(html, tags=_ALLOWED_TAGS, attributes={"a": ["href", "title"], "span": ["class"]},
                        protocols={"http", "https", "mailto"})


@lru_cache(maxsize=4096)
def _code(text):
    return highlight(text, PythonLexer(), HtmlFormatter(cssclass="highlight"))


@lru_cache(maxsize=1)
def _css():
    return HtmlFormatter(style="default").get_style_defs(".highlight")


def _duration(seconds):
    seconds = int(round(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours) + [f"{minutes} min"] * bool(minutes)
    return " ".join(parts[:2]) or f"{seconds} s"


def release_feedback(course, assignment, students=None):
    """Copy feedback into nbgrader's layout feedback/<student>/<ps>/<ps>.html, with the
    submission's timestamp.txt and submission_secret.txt, which nbgrader's release_feedback
    needs to match feedback to what the student submitted (nbgrader's exchange writes both).
    Submissions without a submission_secret.txt (not made with `nbgrader submit`/`collect`)
    are skipped: nbgrader's release_feedback would stop at them. Returns (released, skipped)."""
    settings = course.settings
    feedback_root = course.root / str(settings.nbgrader_value("CourseDirectory", "feedback_directory", "feedback"))
    submitted_root = course.root / str(settings.nbgrader_value("CourseDirectory", "submitted_directory", "submitted"))
    released, skipped = [], []
    for source in sorted(course.autograded_dir.glob(f"*/{assignment.name}/feedback.html")):
        student = source.parent.parent.name
        if students and student not in students:
            continue
        submitted = submitted_root / student / assignment.name
        if not (submitted / "submission_secret.txt").is_file():
            skipped.append(student)
            continue
        target = feedback_root / student / assignment.name
        target.mkdir(parents=True, exist_ok=True)
        for name in ("timestamp.txt", "submission_secret.txt"):
            if (submitted / name).is_file():
                shutil.copyfile(submitted / name, target / name)
        if not (target / "timestamp.txt").exists():  # nbgrader reads it; the time is only shown
            (target / "timestamp.txt").write_text(datetime.datetime.now(datetime.timezone.utc)
                                                  .strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
        temporary = target / f".{assignment.name}.html.tmp"
        shutil.copyfile(source, temporary)
        os.replace(temporary, target / f"{assignment.name}.html")
        released.append(target / f"{assignment.name}.html")
    return released, skipped


def _sentence(text):
    """Upper-case the first letter, unless the first word is a name (ps1.ipynb, timestamp.txt)."""
    first = text.split(" ", 1)[0]
    return text if "." in first or "_" in first else text[:1].upper() + text[1:]


@lru_cache(maxsize=1)
def _template():
    environment = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True,
                                     undefined=jinja2.StrictUndefined)
    environment.filters["pts"] = lambda value: f"{value:g}"
    environment.filters["sentence"] = _sentence
    return environment.from_string(_TEMPLATE)


_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ assignment.name }} feedback: {{ student }}</title>
<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\(', '\\)']]}};</script>
<script async src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>
<style>
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; margin: 0; background: #f6f8fa; }
main { max-width: 980px; margin: 0 auto; padding: 24px; }
header.top { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 20px 24px; margin-bottom: 20px; }
h1 { font-size: 22px; margin: 0 0 4px; } .sub { color: #59636e; }
.total { font-size: 30px; font-weight: 600; margin-top: 10px; }
table.scores { border-collapse: collapse; width: 100%; margin-top: 12px; font-size: 14px; }
table.scores td, table.scores th { padding: 4px 8px; border-bottom: 1px solid #eaeef2; text-align: left; }
table.scores td.num, table.scores th.num { text-align: right; font-variant-numeric: tabular-nums; }
.bar { display: inline-block; height: 8px; background: #2da44e; border-radius: 4px; vertical-align: middle; }
.barbg { display: inline-block; width: 100px; height: 8px; background: #eaeef2; border-radius: 4px; }
.notice { border-radius: 6px; padding: 10px 14px; margin: 10px 0; }
.notice.bad { background: #ffebe9; border: 1px solid #ff8182; }
.notice.warn { background: #fff8c5; border: 1px solid #d4a72c; }
.cell { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; margin: 10px 0; padding: 4px 14px; overflow-x: auto; }
.cell.code { background: #fbfcfd; }
.cell .highlight pre { margin: 8px 0; font-size: 13px; }
.raised { color: #82071e; background: #ffebe9; border-radius: 4px; padding: 6px 10px; margin: 6px 0 10px; font-family: ui-monospace, monospace; font-size: 13px; white-space: pre-wrap; }
section.question { background: #fff; border: 2px solid #0969da; border-radius: 8px; margin: 14px 0; padding: 10px 16px; }
section.question.full { border-color: #2da44e; }
section.question h3 { margin: 4px 0 8px; display: flex; justify-content: space-between; }
ul.checks { list-style: none; padding: 0; margin: 0; }
ul.checks li { padding: 6px 0; border-top: 1px solid #eaeef2; display: grid; grid-template-columns: 24px 1fr auto; gap: 6px; }
.mark { font-weight: 700; } .pass .mark { color: #1a7f37; } .fail .mark { color: #cf222e; }
.how { color: #cf222e; font-size: 13px; } .pts { color: #59636e; font-variant-numeric: tabular-nums; }
.msg { grid-column: 2 / 4; font-family: ui-monospace, monospace; font-size: 13px; background: #f6f8fa; border-radius: 4px; padding: 4px 8px; white-space: pre-wrap; }
.hint { background: #ddf4ff; border: 1px solid #54aeff; border-radius: 6px; padding: 8px 12px; margin: 10px 0 4px; }
.written { background: #f6f8fa; border-left: 4px solid #8250df; padding: 6px 12px; margin: 6px 0 10px; }
footer { color: #59636e; font-size: 12px; margin: 30px 0; }
{{ css }}
</style></head>
<body><main>
<header class="top">
  <h1>{{ assignment.name }}: {{ assignment.title | replace(assignment.name ~ " — ", "") }}</h1>
  <div class="sub">Feedback for <strong>{{ student }}</strong>{% if summary.timestamp %}, submitted {{ summary.timestamp }} UTC{% endif %}</div>
  {% if summary.graded %}
  <div class="total">{{ summary.total | pts }} / {{ summary.max | pts }}</div>
  <table class="scores">
    <tr><td>Autograded questions</td><td class="num">{{ summary.auto | pts }} / {{ summary.auto_max | pts }}</td></tr>
    {% if summary.written_max %}
    <tr><td>Written answers (graded by hand)</td><td class="num">{% if summary.pending %}not graded yet ({{ summary.written_max | pts }} points){% else %}{{ summary.written | pts }} / {{ summary.written_max | pts }}{% endif %}</td></tr>
    {% endif %}
    {% if summary.late %}
    <tr><td>Late penalty (submitted {{ summary.late }} after the due date{% if summary.duedate %}, {{ summary.duedate }} UTC{% endif %})</td><td class="num">&minus;{{ summary.penalty | pts }}</td></tr>
    {% endif %}
  </table>
  {% else %}
  <div class="notice bad"><strong>Not graded:</strong> {{ summary.reason | sentence }}</div>
  {% endif %}
  {% for problem in problems %}<div class="notice warn">{{ problem | sentence }}</div>{% endfor %}
  {% if summary.graded %}
  <table class="scores">
    <tr><th>Question</th><th class="num">Checks passed</th><th class="num">Score</th><th></th></tr>
    {% for q in questions %}
    <tr><td><a href="#q-{{ q.name }}">{{ q.name }}</a>{% if q.hints %} &nbsp;<span class="sub">(see hint)</span>{% endif %}</td>
      <td class="num">{{ q.passed }} / {{ q.tests | length }}</td><td class="num">{{ q.earned | pts }} / {{ q.max | pts }}</td>
      <td><span class="barbg"><span class="bar" style="width: {{ (100 * q.earned / q.max) | round | int if q.max else 0 }}px"></span></span></td></tr>
    {% endfor %}
  </table>
  {% endif %}
</header>

{% macro where(q) %}{% if q.elsewhere %} <span class="sub">(in your {% for name in q.elsewhere %}<code>{{ name }}</code>{% if not loop.last %}, {% endif %}{% endfor %}, which this question uses)</span>{% endif %}{% endmacro %}

{% macro question_box(q) %}
<section class="question{% if q.earned == q.max %} full{% endif %}" id="q-{{ q.name }}">
  <h3><span>{{ q.name }}</span><span>{{ q.earned | pts }} / {{ q.max | pts }}</span></h3>
  <ul class="checks">
  {% for t in q.tests %}
    <li class="{{ 'pass' if t.outcome == 'passed' else 'fail' }}">
      <span class="mark">{{ '✓' if t.outcome == 'passed' else '✗' }}</span>
      <span>{{ t.description }}{% if t.outcome != 'passed' %} <span class="how">— {{ t.words }}</span>{% endif %}</span>
      <span class="pts">{{ t.earned | pts }} / {{ t.points | pts }}</span>
      {% if t.outcome != 'passed' and t.message %}<span class="msg">{{ t.message }}</span>{% endif %}
    </li>
  {% endfor %}
  </ul>
  {% if q.hints | length == 1 %}
  <div class="hint"><strong>{{ 'Likely mistake' if q.exact else 'Possible mistake' }}:</strong> {{ q.hints[0] }}{{ where(q) }}</div>
  {% elif q.hints %}
  <div class="hint"><strong>{{ 'Likely' if q.exact else 'Possible' }} mistakes</strong> (these known mistakes fail the same way){{ where(q) }}:
    <ul>{% for hint in q.hints %}<li>{{ hint }}</li>{% endfor %}</ul></div>
  {% endif %}
</section>
{% endmacro %}

{% for cell in cells %}
  {% if cell.kind == 'question' %}{{ question_box(cell.question) }}
  {% else %}
  <div class="cell {{ cell.kind }}">{{ cell.html | safe }}
    {% if cell.raised is defined %}<div class="raised">This cell raised an error when the grader ran it: {{ cell.raised }}</div>{% endif %}
    {% if cell.written is defined and cell.written %}
    <div class="written"><strong>Written answer:</strong>
      {% if cell.written.score is none %}not graded yet ({{ cell.written.max | pts }} points){% else %}{{ cell.written.score | pts }} / {{ cell.written.max | pts }}{% endif %}
      {% if cell.written.comment %}<div>{{ cell.written.comment }}</div>{% endif %}
    </div>
    {% endif %}
  </div>
  {% endif %}
{% endfor %}
{% if unplaced and summary.graded %}
<h2>{{ 'Results' if not cells else 'More results' }}</h2>
{% for q in unplaced %}{{ question_box(q) }}{% endfor %}
{% endif %}
<footer>Generated {{ generated }}. Each check is a hidden test run on your code; its description says what it checks. Scores come from these checks; the checks you ran yourself in the notebook are a subset.</footer>
</main></body></html>
"""
