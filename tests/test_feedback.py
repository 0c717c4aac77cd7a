"""Feedback for students: their notebook, per question the score and every check with its
message, a hint where the failures match a known mistake, and never a hidden test's source,
assertion text or expected values. Real submissions graded in a copy of the course."""
import ast
import dataclasses
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from coursegrade.grading.batch import grade_batch
from coursegrade.core.course import Course
from coursegrade.authoring.signatures import compute_signatures
from coursegrade.outputs.diagnosis import diagnose, load_signatures, save_signatures, signatures_paths
from coursegrade.outputs.feedback import release_feedback, render_feedback, write_feedback
from coursegrade.outputs.gradebook import grades, open_gradebook, record, set_duedate
from coursegrade.authoring.synthetic import (raising_notebook, solution_notebook, with_replacement,
                                         write_batch)
from coursegrade.content.variants import load_variants

ROOT = Path(__file__).resolve().parents[1]
MISTAKES = ("variance_returns_std", "map_bernoulli_no_half")         # what the student gets wrong
DECOYS = ("variance_unweighted", "map_bernoulli_ignores_prior")      # other known mistakes
XSS = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"


def make_course(folder):
    for name in ("source", "release"):
        shutil.copytree(ROOT / name, folder / name)
    (folder / "autograder").symlink_to(ROOT / "autograder")  # the grading material
    shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    return Course(folder)


def in_own_words(source):
    """The same code as a student might write it: reformatted, comments gone."""
    return ast.unparse(ast.parse(source)) + "\n"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("feedback")
    course = make_course(folder)
    assignment = course.assignment("ps1")
    variants = {v.name: v for v in load_variants(assignment.material_dir)}
    mistaken = solution_notebook(assignment)
    for name in MISTAKES:
        mistaken = with_replacement(mistaken, variants[name].target, in_own_words(variants[name].source))
    marked_up = solution_notebook(assignment)
    marked_up.cells.insert(1, nbformat.v4.new_markdown_cell(f"My notes {XSS}"))
    notebooks = {"mistaken": mistaken, "raising": raising_notebook(assignment),
                 "perfect": solution_notebook(assignment), "marked-up": marked_up}
    paths = write_batch(notebooks, folder / "submitted", "ps1")
    results = grade_batch(course, assignment, [(p.parent.parent.name, p) for p in paths], workers=2,
                          out=io.StringIO())
    signatures = {"mutants": compute_signatures(
        assignment, workers=2, variants=[variants[n] for n in MISTAKES + DECOYS])}
    record(course, assignment, results)
    pages = {r.student: render_feedback(course, assignment, r, None, signatures) for r in results}
    return {"course": course, "assignment": assignment, "results": {r.student: r for r in results},
            "signatures": signatures, "pages": pages, "variants": variants}


def _section(page, question):
    """The HTML of one question's results box."""
    start = page.index(f'id="q-{question}"')
    return page[start:page.index("</section>", start)]


def test_each_question_shows_its_score_and_every_check(graded):
    page, result = graded["pages"]["raising"], graded["results"]["raising"]
    for test in result.tests:
        section = _section(page, test.question)
        assert _escaped(test.description) in section
        earned, points = result.scores[test.question], result.max_scores[test.question]
        assert f"{earned:g} / {points:g}" in section
    marks = page.count('<span class="mark">✗</span>'), page.count('<span class="mark">✓</span>')
    failing = sum(t.outcome != "passed" for t in result.tests)
    assert marks == (failing, len(result.tests) - failing)


def test_the_students_own_errors_are_shown(graded):
    page, result = graded["pages"]["raising"], graded["results"]["raising"]
    messages = {t.message for t in result.tests if t.message}
    assert any("shapes do not match" in m for m in messages)
    for message in messages:
        assert _escaped(message) in page
    for cell in result.cells.values():  # a cell that raised when run: said at that cell
        assert _escaped(cell["message"]) in page
    assert "undefined_helper" in page


def test_a_known_mistake_gets_its_hint_under_its_question(graded):
    page, variants = graded["pages"]["mistaken"], graded["variants"]
    for name in MISTAKES:
        variant = variants[name]
        assert _escaped(variant.hint) in _section(page, variant.target), name
    for name in DECOYS:
        assert _escaped(variants[name].hint) not in page, name
    found = diagnose(graded["results"]["mistaken"], graded["signatures"])
    assert {q: d["exact"] for q, d in found.items()} == {variants[n].target: True for n in MISTAKES}
    assert "mistake" not in graded["pages"]["perfect"].lower()
    assert diagnose(graded["results"]["perfect"], graded["signatures"]) == {}


def test_a_stub_is_not_mistaken_for_a_known_mistake(graded):
    """Failing every check of a question (here: raising) matches every mutant that also fails
    them all; that is no evidence of one mistake, so no hint."""
    raising = graded["results"]["raising"]
    assert diagnose(raising, graded["signatures"]) == {}


def test_feedback_never_leaks_hidden_tests_or_expected_values(graded):
    assignment = graded["assignment"]
    hidden_lines = set()
    for path in assignment.hidden_dir.glob("test_*.py"):
        hidden_lines |= {line.strip() for line in path.read_text().splitlines() if len(line.strip()) >= 20}
    checked_numbers = 0
    for student, result in graded["results"].items():
        page = graded["pages"][student]
        shown = " ".join(t.description for t in result.tests)  # docstrings are meant to show
        submitted = Path(result.notebook).read_text()
        for line in hidden_lines:
            if line.strip('"') not in shown and line not in submitted:
                assert _escaped(line) not in page and line not in page, (student, line)
        for test in result.tests:
            detail = test.detail
            for line in detail.splitlines():
                line = line.strip()
                if len(line) >= 20 and line not in submitted:
                    assert line not in page and _escaped(line) not in page, (student, line)
            # expected values: every precise number of the assertion text
            for number in set(re.findall(r"-?\d+\.\d{4,}(?:e[-+]?\d+)?", detail)):
                if number not in submitted:
                    checked_numbers += 1
                    assert number not in page, (student, test.test, number)
        assert "DESIRED" not in page and "AssertionError" not in page and "assert " not in page
    assert checked_numbers > 20, "the batch should have failures that show expected values"


def test_markup_in_the_students_notebook_stays_text(graded):
    page = graded["pages"]["marked-up"]
    assert "My notes" in page
    assert "<script>document.title" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


def test_written_grades_comments_and_late_penalty_appear(graded):
    course, assignment = graded["course"], graded["assignment"]
    result = dataclasses.replace(graded["results"]["perfect"], timestamp="2025-10-06 20:00:00")
    set_duedate(course, "ps1", "2025-10-06 17:00:00 UTC")
    try:
        record(course, assignment, [result])
        with open_gradebook(course) as gradebook:
            grade = gradebook.find_grade("mle_derivation_written", "ps1", "ps1", "perfect")
            grade.manual_score = 2.0
            comment = gradebook.find_comment("mle_derivation_written", "ps1", "ps1", "perfect")
            comment.manual_comment = "Good, but say why the second derivative is negative."
            gradebook.db.commit()
        page = render_feedback(course, assignment, result, grades(course, "ps1")["perfect"], None)
        assert "2 / 3" in page and "second derivative is negative" in page
        assert "submitted 3 h after the due date" in page  # no penalty configured: penalty 0
        assert f"{result.total + 2:g} / {result.max_total + 3:g}" in page
    finally:
        set_duedate(course, "ps1", None)
        record(course, assignment, [graded["results"]["perfect"]])


def test_feedback_is_released_in_nbgraders_layout(graded, tmp_path):
    course, assignment = graded["course"], graded["assignment"]
    results = list(graded["results"].values())
    write_feedback(course, assignment, results, None, graded["signatures"])
    submitted = course.root / "submitted" / "perfect" / "ps1"
    (submitted / "timestamp.txt").write_text("2025-10-06 12:00:00.000000 UTC")
    (submitted / "submission_secret.txt").write_text("a" * 128)
    released, skipped = release_feedback(course, assignment)
    target = course.root / "feedback" / "perfect" / "ps1"
    assert released == [target / "ps1.html"]
    assert set(skipped) == {"mistaken", "raising", "marked-up"}  # no secret: nbgrader would stop at them
    assert (target / "submission_secret.txt").read_text() == "a" * 128
    # nbgrader's own release_feedback takes it from there into the exchange
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    done = subprocess.run([sys.executable, "-m", "nbgrader", "release_feedback", "ps1",
                           f"--Exchange.root={exchange}", "--log-level=WARN"], cwd=course.root,
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    [outbound] = list((exchange / "ml-fundamentals" / "feedback").glob("*.html"))
    assert outbound.read_text() == (target / "ps1.html").read_text()


def test_signatures_are_cached_per_material_and_engine(graded, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_MUTANT_CACHE", str(tmp_path / "shared"))
    course = make_course(tmp_path / "course")
    assignment = course.assignment("ps1")
    assert load_signatures(course, assignment) is None
    save_signatures(course, assignment, graded["signatures"]["mutants"])
    own, shared = signatures_paths(course, assignment)
    assert own.is_file() and shared.is_file()
    assert load_signatures(course, assignment)["mutants"] == graded["signatures"]["mutants"]
    other = make_course(tmp_path / "copy")  # another copy of the course finds the shared one
    assert load_signatures(other, other.assignment("ps1"))["mutants"] == graded["signatures"]["mutants"]
    monkeypatch.setattr("coursegrade.grading.batch.material_sha256", lambda a: "changed hidden tests")
    assert load_signatures(course, assignment) is None


def _escaped(text):
    """As the page's template escapes text."""
    import markupsafe
    return str(markupsafe.escape(text))
