"""Bad input, one per student, in one real batch: each is said in words for that student, and
the batch goes on. Then resuming: a batch interrupted by Ctrl-C and by `kill -9` loses nothing
already graded, and the rerun grades only what is left.

Everything happens in a copy of the course under tmp_path; the repository's autograded/,
exports/ and gradebook.db are never touched.
"""
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from coursegrade.authoring import badinputs
from coursegrade.grading.batch import find_submissions, grade_batch, load_results, unchanged_results
from coursegrade.core.course import Course
from coursegrade.core.results import Result
from coursegrade.outputs.gradebook import grades, record, set_duedate
from coursegrade.grading.notebooks import NotebookError, read_notebook, read_submission
from coursegrade.authoring.synthetic import solution_notebook, write_batch

ROOT = Path(__file__).resolve().parents[1]
COURSE_BIN = Path(sys.executable).with_name("course")
DUE = "2025-10-06 17:00:00 UTC"


def make_course(folder, extra_config=""):
    """A course folder with the repository's source/ and release/ (the grading material is
    found through the installed package) and its own gradebook."""
    for name in ("source", "release"):
        shutil.copytree(ROOT / name, folder / name)
    (folder / "autograder").symlink_to(ROOT / "autograder")  # the grading material
    config = (ROOT / "nbgrader_config.py").read_text() + extra_config
    (folder / "nbgrader_config.py").write_text(config)
    return Course(folder)


# What each student submits, and what the result must say (status, words in reason/problems).
EXPECTED = {
    "invalid-json": ("ungraded", "not valid notebook JSON"),
    "empty-file": ("ungraded", "is empty"),
    "other-assignment": ("ungraded", "notebook of ps2"),
    "deleted-answer-cell": ("graded", "`marginal_answer` (the answer to marginal) was deleted"),
    "duplicated-answer-cell": ("graded", "`conditional_answer` (the answer to conditional) appears more than once"),
    "retyped-answer-cell": ("graded", "changed from a code cell to a markdown cell, so its code does not run"),
    "renamed-grade-id": ("graded", "grade_id was changed from `expectation_answer` to `expectation_answer_v2`"),
    "huge-outputs": ("graded", "of outputs; the grader ignores outputs"),
    "too-big": ("ungraded", "more than the 2.0 MB a notebook may be"),
    "not-utf8": ("graded", "bytes that are not UTF-8"),
    "binary-garbage": ("ungraded", "neither UTF-8 text nor JSON"),
    "zip-archive": ("ungraded", "is a zip archive, not a notebook"),
    "no-notebook": ("ungraded", "ps1.ipynb was not found"),
    "misnamed": ("graded", "graded ps1 (1).ipynb: the notebook should be named ps1.ipynb"),
    "bad-timestamp": ("graded", "timestamp.txt does not hold a date"),
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad-inputs")
    course = make_course(folder, '\nc.Grading.max_notebook_mb = 2\n'
                                 'c.LateSubmissionPlugin.penalty_method = "zero"\n')
    assignment = course.assignment("ps1")
    submitted = folder / "submitted"
    solution = solution_notebook(assignment)
    write_batch({s: solution for s in ("on-time", "late", "misnamed", "bad-timestamp")}, submitted, "ps1")
    (submitted / "on-time/ps1/timestamp.txt").write_text("2025-10-06 16:59:00.000000 UTC")
    (submitted / "late/ps1/timestamp.txt").write_text("2025-10-07 19:00:00.000000 UTC")  # 26 h late
    (submitted / "bad-timestamp/ps1/timestamp.txt").write_text("yesterday, around noon")
    (submitted / "misnamed/ps1/ps1.ipynb").rename(submitted / "misnamed/ps1/ps1 (1).ipynb")
    makers = {**badinputs.MAKERS, "binary-garbage": badinputs.binary_garbage,
              "zip-archive": badinputs.zip_archive,
              "huge-outputs": lambda a: badinputs.huge_outputs(a, megabytes=1.5),
              "too-big": lambda a: badinputs.huge_outputs(a, megabytes=3)}
    for student, maker in makers.items():
        (submitted / student / "ps1").mkdir(parents=True)
        (submitted / student / "ps1" / "ps1.ipynb").write_bytes(maker(assignment))
    (submitted / "no-notebook" / "ps1").mkdir(parents=True)
    set_duedate(course, "ps1", DUE)
    submissions = find_submissions(submitted, "ps1")
    results = grade_batch(course, assignment, submissions, workers=2, out=io.StringIO())
    record(course, assignment, results)
    return {"course": course, "assignment": assignment, "submissions": submissions,
            "results": {r.student: r for r in results}}


def test_every_submission_is_accounted_for(batch):
    assert set(batch["results"]) == {s for s, _ in batch["submissions"]}
    assert set(EXPECTED) | {"on-time", "late"} == set(batch["results"])


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_bad_input_is_said_in_words_and_the_batch_goes_on(batch, student):
    status, words = EXPECTED[student]
    result = batch["results"][student]
    said = result.reason + " | " + " | ".join(result.problems)
    assert result.status == status, said
    assert words in said
    if status == "graded":  # the rest of the notebook was graded as usual
        assert result.total > 0
    stored = Result.from_json(json.loads((batch["course"].autograded_dir / student / "ps1" / "results.json").read_text()))
    assert stored.status == status and words in stored.reason + " ".join(stored.problems)


def test_mangled_but_gradeable_notebooks_lose_only_what_they_broke(batch):
    results = batch["results"]
    full = results["on-time"].max_total
    assert results["on-time"].total == full
    for student in ("duplicated-answer-cell", "renamed-grade-id", "huge-outputs", "not-utf8", "misnamed"):
        assert results[student].total == full, student
    assert results["deleted-answer-cell"].scores["marginal"] == 0
    assert results["retyped-answer-cell"].scores["bayes_posterior"] == 0


def test_late_submission_follows_nbgrader_penalty_settings(batch):
    results = batch["results"]
    assert results["late"].timestamp.startswith("2025-10-07 19:00:00")
    assert results["late"].gradebook.seconds_late == pytest.approx(26 * 3600)
    assert results["on-time"].gradebook.seconds_late == 0
    book = grades(batch["course"], "ps1")
    # penalty_method = "zero": nbgrader's LateSubmissionPlugin takes the whole score
    assert book["late"]["late_penalty"] == book["late"]["score"] == results["late"].total > 0
    assert book["on-time"]["late_penalty"] == 0
    assert results["late"].gradebook.late_penalty == results["late"].total


def test_ungraded_submissions_are_flagged_in_the_gradebook_with_zero(batch):
    from coursegrade.outputs.gradebook import open_gradebook
    with open_gradebook(batch["course"]) as gradebook:
        notebook = gradebook.find_submission_notebook("ps1", "ps1", "invalid-json")
        assert notebook.flagged and notebook.score == 0
        assert not gradebook.find_submission_notebook("ps1", "ps1", "on-time").flagged


def test_oversized_file_is_refused_without_being_read(tmp_path):
    course = make_course(tmp_path)
    assignment = course.assignment("ps1")
    path = tmp_path / "ps1.ipynb"
    with open(path, "wb") as handle:  # sparse: 600 MB that take no disk and must not be read
        handle.truncate(600 << 20)
    started = time.monotonic()
    with pytest.raises(NotebookError, match=r"600\.0 MB, more than the 50\.0 MB"):
        read_notebook(path, assignment)
    assert time.monotonic() - started < 1.0


def _cell(kind, source, grade_id=None, **flags):
    maker = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = maker(source)
    if grade_id:
        cell.metadata["nbgrader"] = {"grade_id": grade_id, "schema_version": 3, **flags}
    return cell


def test_cells_are_classified_by_the_source_not_by_the_submissions_metadata(tmp_path):
    course = make_course(tmp_path)
    assignment = course.assignment("ps1")
    notebook = solution_notebook(assignment)
    # a written answer retyped to code, and a student-made "checks" cell with a made-up id
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "mle_derivation_written":
            cell.cell_type, cell.outputs, cell.execution_count = "code", [], None
    notebook.cells.append(_cell("code", "def helper():\n    return 1", "my_cell", grade=True, solution=False,
                                points=1))
    notebook.cells.append(_cell("code", "from checks import check\ncheck('marginal')"))
    path = tmp_path / "ps1.ipynb"
    nbformat.write(notebook, path)
    parsed = read_submission(path, assignment)
    names = [name for name, _ in parsed.cells]
    assert "mle_derivation_written" not in names  # a written answer never runs, whatever its type
    assert "my_cell" in names                     # unknown id: it is the student's code, it runs
    assert not any("check(" in source for _, source in parsed.cells)  # public checks never run
    assert any("mle_derivation_written" in p and "graded by hand as text" in p for p in parsed.problems)
    assert any("`my_cell`" in p for p in parsed.problems)
    assert "marginal" not in names and "marginal_answer" in names


def test_a_notebook_without_nbgrader_metadata_is_graded_and_checked_statically(tmp_path):
    course = make_course(tmp_path)
    assignment = course.assignment("ps1")
    notebook = solution_notebook(assignment)
    for cell in notebook.cells:
        cell.metadata.pop("nbgrader", None)
    notebook.cells.append(_cell("code", "import scipy.special\nx = scipy.special.logsumexp([1.0])"))
    path = tmp_path / "ps1.ipynb"
    nbformat.write(notebook, path)
    parsed = read_submission(path, assignment)
    assert any("lost its nbgrader cell metadata" in p for p in parsed.problems)
    assert len(parsed.cells) > 10
    # every question's static checks see the unlabelled code: stripping metadata hides nothing
    assert all("logsumexp" in parsed.answers[f"{q}_answer"] for q in assignment.autograded_questions
               if f"{q}_answer" in parsed.answers)


# --------------------------------------------------------------------------- resuming

def _run_course(root, *args):
    # As from a terminal: Ctrl-C interrupts. (A shell's background job, such as a CI runner
    # started with `&`, ignores SIGINT, and its children inherit that.)
    return subprocess.Popen([str(COURSE_BIN), "--root", str(root), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for_results(course, count, process, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = list(course.autograded_dir.glob("*/ps1/results.json"))
        if len(done) >= count:
            return done
        assert process.poll() is None, process.communicate()
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} results after {timeout} s")


def _snapshot(course):
    """{student: (what grading measured, the file's text)}: the per-test timings differ
    whenever a submission is graded again (the gradebook's fields may be rewritten)."""
    found = {}
    for path in course.autograded_dir.glob("*/ps1/results.json"):
        text = path.read_text()
        result = json.loads(text)
        found[path.parent.parent.name] = (json.dumps([result["seconds"], result["tests"]]), text)
    return found


def _descendants(pid):
    return psutil.Process(pid).children(recursive=True)


def _assert_all_gone(processes):
    gone, alive = psutil.wait_procs(processes, timeout=15)
    assert not alive, f"processes outlived the interrupted batch: {[p.cmdline()[:3] for p in alive]}"


def test_interrupted_batches_lose_nothing_and_resume(tmp_path):
    course = make_course(tmp_path)
    assignment = course.assignment("ps1")
    students = [f"s{i:02d}" for i in range(9)]
    # Each submission takes at least half a second (a cell that sleeps), so that the batch is
    # still running when it is interrupted, however fast the rest of the grading is.
    unhurried = solution_notebook(assignment)
    unhurried.cells.append(nbformat.v4.new_code_cell("import time\ntime.sleep(0.5)"))
    write_batch({s: unhurried for s in students}, tmp_path / "submitted", "ps1")
    args = ["grade", "ps1", "--workers", "1", "--no-diagnosis"]

    # 1. Ctrl-C (SIGINT to the whole process group, as a terminal sends it)
    first = _run_course(tmp_path, *args)
    _wait_for_results(course, 2, first)
    children = _descendants(first.pid)
    os.killpg(first.pid, signal.SIGINT)
    out, err = first.communicate(timeout=60)
    assert first.returncode == 130, err
    assert "interrupted" in err and "run the same command again" in err
    _assert_all_gone(children)
    after_interrupt = _snapshot(course)
    assert 2 <= len(after_interrupt) < len(students)

    # 2. kill -9 of the main process only: its workers and their sandboxes must die with it
    second = _run_course(tmp_path, *args)
    _wait_for_results(course, len(after_interrupt) + 2, second)
    children = _descendants(second.pid)
    assert children, "the batch runs in worker processes"
    second.kill()
    second.wait(timeout=30)
    _assert_all_gone(children)
    after_kill = _snapshot(course)
    assert len(after_kill) < len(students)
    for student, (graded, _) in after_interrupt.items():
        assert after_kill[student][0] == graded, f"{student} was graded again"
    for student, (_, text) in after_kill.items():
        result = json.loads(text)  # written atomically: never half a file
        assert result["status"] == "graded" and result["sha256"]

    # 3. the rerun grades only the rest, keeps every earlier result untouched
    third = _run_course(tmp_path, *args)
    out, err = third.communicate(timeout=300)
    assert third.returncode == 0, err
    left = len(students) - len(after_kill)
    assert f"grading {left} submission(s)" in err
    assert f"{len(after_kill)} unchanged since graded, skipped" in err
    final = _snapshot(course)
    assert set(final) == set(students)
    for student, (graded, _) in after_kill.items():
        assert final[student][0] == graded, f"{student} was graded again"
    # and the rest of `course grade` ran: gradebook (each submission once), exports, report
    book = grades(course, "ps1")
    assert set(book) == set(students)
    assert all(entry["cells"]["marginal"]["auto_score"] == 4 for entry in book.values())
    for name in ("ps1_grades.csv", "ps1_nbgrader.csv", "ps1_canvas.csv", "ps1_report.html"):
        assert (course.exports_dir / name).is_file(), name
    assert all((course.autograded_dir / s / "ps1" / "feedback.html").is_file() for s in students)


def test_changed_notebook_or_material_means_grading_again(batch, monkeypatch):
    course, assignment, submissions = batch["course"], batch["assignment"], batch["submissions"]
    kept = unchanged_results(course, assignment, submissions)
    graded_before = set(load_results(course, "ps1"))
    # every final result is kept; a result that says nothing about the notebook is not
    assert set(kept) == graded_before
    path = dict(submissions)["on-time"]
    original = path.read_bytes()
    try:
        path.write_bytes(original.replace(b"\"cells\"", b"\"cells\"", 1) + b"\n")  # one byte more
        assert "on-time" not in unchanged_results(course, assignment, submissions)
    finally:
        path.write_bytes(original)
    assert "on-time" in unchanged_results(course, assignment, submissions)
    monkeypatch.setattr("coursegrade.grading.batch.material_sha256", lambda a: "new hidden tests")
    assert unchanged_results(course, assignment, submissions) == {}
