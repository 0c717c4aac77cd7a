"""Gradescope, issue 20: `course export ps2 --gradescope` builds the autograder zip once for the
session; each demo submission is graded by the zip's own run_autograder in a folder laid out as
Gradescope lays out /autograder (the zip in source/, run_autograder beside it, the notebook in
submission/, the grading material root's only as setup.sh leaves it), and its results.json must
follow Gradescope's format, give `course grade`'s scores test by test, and show nothing of the
hidden tests but what feedback.html shows."""
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import jsonschema
import pytest

from coursegrade.core.course import Course
from coursegrade.core.results import Outcome, Result, TestResult
from coursegrade.outputs.gradescope import VISIBILITIES, results_json

ROOT = Path(__file__).resolve().parents[1]
COURSE = Path(sys.executable).with_name("course")
DEMO = ROOT / "demo" / "submitted"
STUDENTS = sorted(p.name for p in DEMO.iterdir() if (p / "ps2" / "ps2.ipynb").is_file())

# Gradescope's results.json, from its "Autograder Specifications" (gradescope-autograders.
# readthedocs.io/en/latest/specs/, "Output format"): a top-level score (or one on every test),
# tests with score/max_score/status/name/output/visibility, formats and visibilities from fixed sets.
_FORMATS = ["text", "html", "simple_format", "md", "ansi"]
_VISIBILITY = {"enum": list(VISIBILITIES)}
GRADESCOPE_SCHEMA = {
    "type": "object",
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "output_format": {"enum": _FORMATS},
        "test_output_format": {"enum": _FORMATS},
        "test_name_format": {"enum": _FORMATS},
        "visibility": _VISIBILITY,
        "stdout_visibility": _VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "score": {"type": "number"},
                "max_score": {"type": "number", "minimum": 0},
                "status": {"enum": ["passed", "failed"]},
                "name": {"type": "string"},
                "name_format": {"enum": _FORMATS},
                "number": {"type": "string"},
                "output": {"type": "string"},
                "output_format": {"enum": _FORMATS},
                "tags": {"type": "array", "items": {"type": "string"}},
                "visibility": _VISIBILITY,
                "extra_data": {"type": "object"}},
            "additionalProperties": False}},
        "leaderboard": {"type": "array"}},
    "additionalProperties": False,
    "anyOf": [{"required": ["score"]},
              {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}}],
}


def _valid(document):
    jsonschema.validate(document, GRADESCOPE_SCHEMA)
    return document


@pytest.fixture(scope="module")
def course_copy(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    for part in ("source", "release"):
        shutil.copytree(ROOT / part, root / part, symlinks=False)
    (root / "autograder").symlink_to(ROOT / "autograder")  # the grading material
    shutil.copy(ROOT / "nbgrader_config.py", root)
    return root


@pytest.fixture(scope="module")
def autograder_zip(course_copy):
    """The zip, built once (with the engine's wheel and the mutants' signatures)."""
    done = subprocess.run([str(COURSE), "--root", str(course_copy), "export", "ps2", "--gradescope"],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    path = course_copy / "exports" / "ps2_gradescope.zip"
    assert path.is_file() and str(path) in done.stdout
    return path


def run_autograder(zip_path, folder, submission, python=sys.executable, path=None):
    """Lay `zip_path` out in `folder` as Gradescope does, put `submission` (a file, or a
    {name: bytes} dict) in submission/, run run_autograder (with `path` as PATH); return
    (results.json, stdout)."""
    autograder = folder / "autograder"
    (autograder / "source").mkdir(parents=True)
    (autograder / "submission").mkdir()
    (autograder / "results").mkdir()
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(autograder / "source")
    subprocess.run(["chmod", "-R", "go-rwx", str(autograder / "source" / "course")], check=True)  # as setup.sh
    shutil.copy(autograder / "source" / "run_autograder", autograder / "run_autograder")
    os.chmod(autograder / "run_autograder", 0o755)
    files = submission if isinstance(submission, dict) else {submission.name: submission.read_bytes()}
    for name, data in files.items():
        (autograder / "submission" / name).write_bytes(data)
    env = {**os.environ, "COURSEGRADE_AUTOGRADER_DIR": str(autograder), "COURSEGRADE_PYTHON": str(python),
           "PATH": path or os.environ["PATH"]}
    done = subprocess.run([str(autograder / "run_autograder")], cwd=autograder, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    document = json.loads((autograder / "results" / "results.json").read_text())
    return _valid(document), done.stdout + done.stderr


@pytest.fixture(scope="module")
def through_zip(autograder_zip, tmp_path_factory):
    """{student: (results.json, the grader's log)} for every demo submission, two at a time."""
    def one(student):
        folder = tmp_path_factory.mktemp(f"gs-{student}")
        return student, run_autograder(autograder_zip, folder, DEMO / student / "ps2" / "ps2.ipynb")
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, STUDENTS))


@pytest.fixture(scope="module")
def course_grade(course_copy):
    """{student: Result} of `course grade` on the same notebooks."""
    done = subprocess.run([str(COURSE), "--root", str(course_copy), "grade", "ps2", "--submitted", str(DEMO),
                           "--no-diagnosis", "--force"], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    results = {s: Result.from_json(json.loads((course_copy / "autograded" / s / "ps2" / "results.json").read_text()))
               for s in STUDENTS}
    with open(course_copy / "exports" / "ps2_grades.csv") as handle:
        totals = {row["student"]: float(row["total"]) for row in csv.DictReader(handle)}
    assert {s: r.total for s, r in results.items()} == totals
    return results


def _hidden_entries(document):
    return [t for t in document["tests"] if "max_score" in t]


def test_the_demo_batch_is_all_there():
    assert len(STUDENTS) == 6 and "eve-monkeypatches-numpy" in STUDENTS


def test_scores_through_the_zip_are_course_grades_test_by_test(through_zip, course_grade):
    for student in STUDENTS:
        document, _ = through_zip[student]
        result = course_grade[student]
        assert result.graded, (student, result.reason)
        assert document["score"] == pytest.approx(result.total), student
        entries = _hidden_entries(document)
        expected = [t for q in Course(ROOT).assignment("ps2").autograded_questions for t in result.tests_of(q)]
        assert [(e["score"], e["max_score"]) for e in entries] == [(t.earned, t.points) for t in expected], student
        assert [e["name"].split(": ", 1)[0] for e in entries] == [t.question for t in expected]
        assert [e["status"] == "passed" for e in entries] == [t.outcome == "passed" for t in expected]
        assert sum(e["max_score"] for e in entries) == result.max_total


def test_the_scores_tell_the_demo_students_apart(through_zip):
    score = {s: through_zip[s][0]["score"] for s in STUDENTS}
    full = sum(e["max_score"] for e in _hidden_entries(through_zip["ada-full-solution"][0]))
    assert score["ada-full-solution"] == full == score["fay-alternative-solutions"]
    assert 0 < score["blaise-partly-wrong"] < full and 0 < score["carl-raises"] < full
    assert score["dana-untouched-stub"] == 0


def test_the_monkeypatching_submission_scores_zero_through_the_zip(through_zip):
    document, log = through_zip["eve-monkeypatches-numpy"]
    assert document["score"] == 0
    assert all(e["score"] == 0 for e in _hidden_entries(document))
    assert "isolation:" in log


def test_visibility_public_checks_visible_hidden_tests_after_published_stdout_hidden(through_zip):
    document, _ = through_zip["blaise-partly-wrong"]
    assert document["stdout_visibility"] == "hidden"
    checks = [t for t in document["tests"] if "max_score" not in t]
    assert checks and all(t["visibility"] == "visible" and "score" not in t for t in checks)
    assert any(t["status"] == "failed" for t in checks) and any("✗" in t["output"] for t in checks)
    assert {t["visibility"] for t in _hidden_entries(document)} == {"after_published"}
    assert "once your instructor publishes the grades" in document["output"]


def test_failures_carry_feedbacks_words_and_mistake_hints_never_the_hidden_tests(through_zip, course_grade):
    document, _ = through_zip["blaise-partly-wrong"]
    failed = [t for t in _hidden_entries(document) if t["status"] == "failed"]
    assert failed and all(t["output"] and t["output"] != "passed" for t in failed)
    assert any("mistake" in t["output"] for t in failed), "no mistake hint in results.json"
    carl, _ = through_zip["carl-raises"]
    assert any("Error" in t["output"] for t in _hidden_entries(carl) if t["status"] == "failed")
    reference = (ROOT / "autograder" / "ps2" / "reference.py").read_text()
    code_lines = [line.strip() for line in reference.splitlines()
                  if len(line.strip()) > 25 and re.match(r"(return |\w+ = )", line.strip())]
    assert code_lines
    for student in STUDENTS:
        text = json.dumps(through_zip[student][0], ensure_ascii=False)
        for test in course_grade[student].tests:
            assert not test.detail or test.detail not in text, (student, test.test)
        assert not any(line in text for line in code_lines), student
        assert "assert " not in text and "BEGIN SOLUTION" not in text


def test_the_output_says_which_sandbox_graded(through_zip):
    document, log = through_zip["ada-full-solution"]
    assert re.search(r"sandbox \(.*seccomp.*\)", document["output"]), document["output"]
    assert "sandbox: bubblewrap" in log and "sandbox: Landlock" in log and "sandbox: cgroups" in log


def test_where_bubblewrap_cannot_run_the_zip_grades_the_same_and_says_so(autograder_zip, tmp_path, course_grade):
    """As in a Docker container that refuses user namespaces: a bwrap that cannot create them."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "bwrap").write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    (fake / "bwrap").chmod(0o755)
    student = "blaise-partly-wrong"
    document, log = run_autograder(autograder_zip, tmp_path / "run", DEMO / student / "ps2" / "ps2.ipynb",
                                   path=f"{fake}:{os.environ['PATH']}")
    assert "bubblewrap installed, but it cannot create its namespaces here" in log
    assert "no bubblewrap" in document["output"] and "seccomp" in document["output"]
    assert document["score"] == course_grade[student].total
    assert [e["score"] for e in _hidden_entries(document)] == [
        t.earned for q in Course(ROOT).assignment("ps2").autograded_questions for t in course_grade[student].tests_of(q)]


def test_in_a_small_container_the_public_checks_run_after_the_hidden_tests(autograder_zip, tmp_path, course_grade):
    """Where memory is short (Gradescope's smallest container) one sandbox is warm at a time:
    the same scores and the same public checks (the zip's runner, its memory said small)."""
    student = "blaise-partly-wrong"
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(tmp_path / "autograder" / "source")
    (tmp_path / "autograder" / "submission").mkdir()
    shutil.copy(DEMO / student / "ps2" / "ps2.ipynb", tmp_path / "autograder" / "submission")
    (tmp_path / "bin").mkdir()
    runner = tmp_path / "bin" / "small.py"  # (run from /autograder as Gradescope does: autograder/ in the
    # working folder would be taken for the material's package)
    runner.write_text("import sys\nif __name__ == '__main__':\n"
                      "    from coursegrade.authoring import gradescope\n"
                      "    gradescope.available_memory_mb = lambda: 600\n"
                      "    sys.exit(gradescope.run_submission(sys.argv[1]))\n")
    done = subprocess.run([sys.executable, str(runner), str(tmp_path / "autograder")], cwd=tmp_path / "autograder",
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    document = _valid(json.loads((tmp_path / "autograder" / "results" / "results.json").read_text()))
    assert "600 MB available; public checks run after the hidden tests" in done.stdout
    assert document["score"] == course_grade[student].total, done.stdout[-3000:]
    checks = [t for t in document["tests"] if t["name"].endswith(": public checks")]
    assert len(checks) == len(Course(ROOT).assignment("ps2").autograded_questions)
    assert any(t["status"] == "failed" for t in checks) and any(t["status"] == "passed" for t in checks)


@pytest.mark.parametrize("files, said", [
    ({"ps2.ipynb": b"{this is not a notebook \xff\xfe"}, "could not be graded"),
    ({"answers.py": b"print(1)\n"}, "no notebook was submitted"),
])  # (the reader's many bad inputs are tests/test_hostile_notebooks.py's; here: the route to words)
def test_a_notebook_that_cannot_be_graded_scores_zero_with_words(autograder_zip, tmp_path, files, said):
    document, log = run_autograder(autograder_zip, tmp_path, files)
    assert document["score"] == 0
    [entry] = document["tests"]
    assert entry["visibility"] == "visible" and entry["status"] == "failed" and entry["max_score"] > 0
    assert said in entry["output"] and "Traceback" not in json.dumps(document)
    assert "Traceback" not in log


def test_an_engine_that_cannot_start_still_writes_a_result(autograder_zip, tmp_path):
    document, _ = run_autograder(autograder_zip, tmp_path, DEMO / "ada-full-solution" / "ps2" / "ps2.ipynb",
                                 python="/bin/false")
    assert document["score"] == 0 and "grader failed, not your notebook" in document["output"]


def test_the_zip_holds_only_what_grading_needs(autograder_zip):
    names = zipfile.ZipFile(autograder_zip).namelist()
    assert {"setup.sh", "run_autograder", "run_gradescope.py", "constraints.txt", "gradescope.json",
            "signatures.json", "course/nbgrader_config.py", "course/release/ps2/ps2.ipynb",
            "course/source/ps2/ps2.ipynb", "course/autograder/ps2/reference.py"} <= set(names)
    assert any(re.fullmatch(r"engine/coursegrade-[^/]+\.whl", n) for n in names)
    assert not [n for n in names if n.endswith(("mutants.py", "alternatives.py"))]
    assert not [n for n in names if re.search(r"ps[013-9]", n)], "another assignment is in the zip"
    assert not [n for n in names if re.search(r"gradebook|\.db$|submitted/|autograded/|exports/", n)]
    with zipfile.ZipFile(autograder_zip) as archive:
        notebook = archive.read("course/source/ps2/ps2.ipynb").decode()
        config = archive.read("course/nbgrader_config.py").decode()
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
    assert "BEGIN SOLUTION" not in notebook and "### BEGIN" not in notebook
    assert "db_url" not in config and "CourseDirectory" not in config
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111


def test_setup_and_run_autograder_are_bash_and_pin_what_this_machine_runs(autograder_zip, tmp_path):
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(tmp_path)
    for script in ("setup.sh", "run_autograder"):
        done = subprocess.run(["bash", "-n", str(tmp_path / script)], capture_output=True, text=True)
        assert done.returncode == 0, (script, done.stderr)
    setup = (tmp_path / "setup.sh").read_text()
    torch = metadata.version("torch").split("+")[0]
    assert f"torch=={torch}" in setup and "download.pytorch.org/whl/cpu" in setup
    assert f"pip=={metadata.version('pip')}" in setup
    assert f"python{sys.version_info.major}.{sys.version_info.minor}" in setup
    assert (tmp_path / "constraints.txt").read_bytes() == (ROOT / "constraints.txt").read_bytes()
    pins = dict(line.split("==", 1) for line in (ROOT / "constraints.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    [wheel] = (tmp_path / "engine").glob("coursegrade-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        [meta] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        requires = [line.split(": ", 1)[1] for line in archive.read(meta).decode().splitlines()
                    if line.startswith("Requires-Dist: ") and "extra ==" not in line]
        assert "coursegrade/cli.py" in archive.namelist()
    for requirement in requires:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower()
        if name == "torch":
            continue  # setup.sh installs it first, the CPU build
        assert name in {k.lower() for k in pins}, f"{name} is not pinned in constraints.txt"
    manifest = json.loads((tmp_path / "gradescope.json").read_text())
    assert manifest["assignment"] == "ps2" and manifest["torch"] == torch and manifest["mistake_hints"]


def test_hidden_visibility_is_configurable_and_checked(course_grade):
    assignment = Course(ROOT).assignment("ps2")
    result = course_grade["blaise-partly-wrong"]
    for visibility in VISIBILITIES:
        document = _valid(results_json(assignment, result, hidden_visibility=visibility))
        assert {t["visibility"] for t in _hidden_entries(document)} == {visibility}
    with pytest.raises(ValueError):
        results_json(assignment, result, hidden_visibility="sometimes")


def test_results_json_never_carries_a_tests_detail_and_escapes_nothing_into_html():
    """Unit level, so that it can fail on its own: a failing test's `detail` (pytest's assertion
    text, with the expected values) stays out; the student's message goes in as plain text."""
    assignment = Course(ROOT).assignment("ps2")
    question = assignment.autograded_questions[0]
    message = "<script>alert(1)</script> ValueError: bad shape"
    result = Result(student="s", assignment="ps2", tests=[
        TestResult(test="test_a", question=question, points=2.0, description="A check.",
                   outcome=Outcome.ERROR, message=message, detail="assert 0.123456789 == EXPECTED_SECRET"),
        TestResult(test="test_b", question=question, points=1.0, description="", outcome=Outcome.PASSED,
                   earned=1.0)]).finish(assignment, time.monotonic())
    document = _valid(results_json(assignment, result))
    text = json.dumps(document)
    assert "EXPECTED_SECRET" not in text and "0.123456789" not in text
    [a, b] = _hidden_entries(document)
    assert message in a["output"] and a["score"] == 0 and a["max_score"] == 2 and a["status"] == "failed"
    assert b["name"] == f"{question}: test_b" and b["score"] == 1 and b["status"] == "passed"
    assert document["score"] == 1 and document["test_output_format"] == "text"


def test_course_gradescope_run_tries_the_zip_locally(autograder_zip, tmp_path):
    notebook = tmp_path / "ps2.ipynb"
    notebook.write_bytes(b"not a notebook")  # the quick route: the command's wiring, not grading again
    done = subprocess.run([str(COURSE), "gradescope-run", str(autograder_zip), str(notebook),
                           "--keep", str(tmp_path / "kept")], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "results.json (what Gradescope shows)" in done.stdout and "[visible] Grading" in done.stdout
    assert re.search(r"^score: 0; the folder is kept in ", done.stdout, re.M), done.stdout[-2000:]
    assert (tmp_path / "kept" / "autograder" / "results" / "results.json").is_file()
    missing = subprocess.run([str(COURSE), "gradescope-run", str(autograder_zip), str(tmp_path / "nothing.ipynb")],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
