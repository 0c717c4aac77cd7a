"""An otter-grader assignment graded as it is, its tests on the trusted side.

An assignment `ps` in otter's format is a folder source/<ps>/ holding one master notebook (its
first cell a raw `# ASSIGNMENT CONFIG`, its questions between `# BEGIN QUESTION` and
`# END QUESTION`, tests between `# BEGIN TESTS` and `# END TESTS`) and the files it names.
`otter assign` (otter's own command, run here on the instructor's notebook, trusted) turns it
into OK-format tests, doctests whose expected outputs come from running the solution; they are
read with otter's own OKTestFile, which also scores them (points per case, all_or_nothing,
hidden cases), exactly as `otter run` does.

A submission submitted/<student>/<ps>/<notebook>.ipynb runs in the sandbox, every code cell
in order (otter's own calls, `import otter`, `grader.check(...)`, `grader.export(...)`, are
left out: they would run the tests in the student's process); then each test file runs on the
trusted side with the student's namespace as its globals (foreign_cells.StudentGlobals), so a
submission that patches `isinstance` or `numpy.testing` in its own process changes nothing.
"""
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from functools import cached_property
from pathlib import Path

from coursegrade.core import results
from coursegrade.core.cells import read_notebook_json, source_text
from coursegrade.core.errors import BrokenMaterial, CourseError, StudentError
from coursegrade.core.results import Outcome, Status, TestResult
from coursegrade.grading.foreign_cells import StudentNamespace, instructor_imports, provide_nose_tools
from coursegrade.grading.nbgrader_course import UNTRUSTED
from coursegrade.grading.otter_cases import run_case
from coursegrade.grading.notebooks import NotebookError, read_notebook, strip_magics
from coursegrade.grading.sandbox import SandboxedRun, SandboxUnavailable

_OTTER_LINE = re.compile(r"^\s*(import otter\b|from otter\b|grader\s*=\s*otter\.|grader\.\w+\()")


def master_notebook(folder):
    """The master notebook of source/<ps>/ (its first cell `# ASSIGNMENT CONFIG`), or None."""
    for path in sorted(Path(folder).glob("*.ipynb")):
        try:
            cells = read_notebook_json(path)["cells"]
        except (OSError, ValueError, KeyError):
            continue
        if cells and _config_text(cells[0]).lstrip().upper().startswith("# ASSIGNMENT CONFIG"):
            return path
    return None


def _config_text(cell):
    """The text of an otter config cell: a raw cell, or a markdown cell's ```otter block."""
    text = source_text(cell.get("source", "")) if isinstance(cell, dict) else ""
    if cell.get("cell_type") == "raw":
        return text
    found = re.match(r"\s*```otter\s*\n(.*?)```", text, re.S) if cell.get("cell_type") == "markdown" else None
    return found.group(1) if found else ""


def otter_assignment_names(course):
    sources = course.root / "source"
    if not sources.is_dir():
        return []
    return sorted(p.name for p in sources.iterdir() if p.is_dir() and master_notebook(p) is not None)


class OtterAssignment:
    def __init__(self, course, name):
        if name not in otter_assignment_names(course):
            raise CourseError(f"no otter assignment {name!r}: source/{name}/ needs a master "
                              "notebook whose first cell is a raw '# ASSIGNMENT CONFIG'")
        self.course, self.name = course, name
        self.source_dir = course.root / "source" / name
        self.master = master_notebook(self.source_dir)
        self.built_dir = course.root / "autograder" / name / "otter"  # what otter assign made

    @property
    def title(self):
        return self.name

    @cached_property
    def student_files(self):
        """The config's `student_files`: files of source/<ps>/ that each student submits (otter
        assign gives them to students, not to the autograder), as paths relative to it."""
        import yaml
        text = _config_text(read_notebook_json(self.master)["cells"][0])
        try:
            config = yaml.safe_load(text.split("\n", 1)[1] if "\n" in text else "") or {}
        except yaml.YAMLError:
            return ()
        listed = config.get("student_files") if isinstance(config, dict) else None
        return tuple(str(Path(f).as_posix()) for f in listed or () if isinstance(f, str))

    # What grading/batch.py's pool needs of a foreign format (batch.is_foreign).
    format = "otter"
    sandbox_warm_cells = ()

    def grade_one(self, zygote, student, folder):
        return grade_submission(self, zygote, student, folder)

    def material_sha256(self):
        """The master notebook and the files next to it (otter assign's tests come from them)."""
        from coursegrade.grading.batch import tree_sha256
        return tree_sha256(self.source_dir, (".ipynb_checkpoints", "__pycache__", "*.pyc"))

    def submission_sha256(self, folder):
        from coursegrade.grading.batch import tree_sha256
        return tree_sha256(folder, (".ipynb_checkpoints", "__pycache__", "*.pyc", "results.json",
                                    "timestamp.txt"))

    def build(self):
        """`otter assign` of the master notebook into autograder/<ps>/otter/ (once; again when
        the master notebook is newer). Returns the folder of OK-format tests."""
        tests = self.built_dir / "tests"
        if self.built_is_current:
            return tests
        self.built_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            otter = Path(sys.executable).parent / "otter"
            done = subprocess.run([str(otter), "assign", "--no-pdfs", str(self.master), tmp],
                                  cwd=self.source_dir, capture_output=True, text=True)
            zips = list((Path(tmp) / "autograder").glob("*.zip"))
            if done.returncode != 0 or not zips:
                raise BrokenMaterial(f"otter assign failed on {self.master.name}: "
                                     f"{(done.stderr or done.stdout)[-1500:]}")
            if tests.is_dir():
                for old in tests.glob("*.py"):
                    old.unlink()
            # kept: otter's autograder zip (for `otter run`), the solution and the student version
            shutil.copy(zips[0], self.built_dir / "autograder.zip")
            shutil.copy(Path(tmp) / "autograder" / self.master.name, self.built_dir / "solution.ipynb")
            shutil.copy(Path(tmp) / "student" / self.master.name, self.built_dir / "student.ipynb")
            shutil.rmtree(self.built_dir / "student_tests", ignore_errors=True)  # (the public tests
            if (Path(tmp) / "student" / "tests").is_dir():                       # students get)
                shutil.copytree(Path(tmp) / "student" / "tests", self.built_dir / "student_tests")
            with zipfile.ZipFile(zips[0]) as archive:
                for member in archive.namelist():
                    if member.startswith("tests/") and member.endswith(".py"):
                        tests.mkdir(parents=True, exist_ok=True)
                        (tests / Path(member).name).write_bytes(archive.read(member))
        (self.built_dir / "master.sha").write_text(str(self.master.stat().st_mtime_ns))
        return tests

    @property
    def built_is_current(self):
        """Whether autograder/<ps>/otter/ was built from the master notebook as it is now."""
        stamp = self.built_dir / "master.sha"
        return (self.built_dir / "tests").is_dir() and stamp.is_file() and \
            stamp.read_text() == str(self.master.stat().st_mtime_ns)

    @cached_property
    def test_files(self):
        """question -> path of its OK-format test file."""
        return {p.stem: p for p in sorted(self.build().glob("*.py"))}

    def test_file(self, question):
        """otter's own reading of the question's test file: an OKTestFile (doctests) or an
        ExceptionTestFile (plain-Python test functions, `OK_FORMAT = False`)."""
        from otter.nbmeta_config import NBMetadataConfig
        from otter.test_files import create_test_file
        return create_test_file(str(self.test_files[question]), NBMetadataConfig())

    @cached_property
    def instructor_names(self):
        """The names the master notebook's imports bind, imported on the trusted side: a test's
        `np` (a doctest's global, or a test function's argument) is numpy itself, whatever the
        student bound to `np`."""
        cells = read_notebook_json(self.master)["cells"]
        return instructor_imports([source_text(c.get("source", "")) for c in cells
                                   if c.get("cell_type") == "code"])

    @property
    def autograded_questions(self):
        return list(self.test_files)

    def points(self, question):
        return float(self.test_file(question).possible)

    @property
    def sandbox_preload(self):
        return "numpy,warmup"

    def submissions(self, submitted_dir=None):
        submitted = Path(submitted_dir or self.course.submitted_dir)
        if not submitted.is_dir():
            return []
        return [(d.name, d / self.name) for d in sorted(submitted.iterdir())
                if d.is_dir() and (d / self.name).is_dir()]


def _code_cells(notebook):
    """The submission's code, in order, without otter's own calls."""
    cells = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        lines = [("# (otter's call, not run) " + line) if _OTTER_LINE.match(line) else line
                 for line in source_text(cell.get("source", "")).splitlines()]
        cells.append((f"cell {index + 1}", strip_magics("\n".join(lines))))
    return cells


def grade_submission(assignment, zygote, student, folder):
    started = time.monotonic()
    result = results.start(student, assignment, folder, zygote.isolation)
    folder = Path(folder)
    notebooks = sorted(p for p in folder.glob("*.ipynb"))
    path = folder / assignment.master.name if (folder / assignment.master.name).is_file() else \
        (notebooks[0] if len(notebooks) == 1 else folder / assignment.master.name)
    try:
        notebook, problems = read_notebook(path, _Course(assignment.course))
    except NotebookError as error:
        result.status, result.reason = Status.UNGRADED, str(error)
        return result.finish(assignment, started)
    result.problems += problems
    files = _files_cell(assignment, folder)
    provide_nose_tools()
    try:
        with SandboxedRun(zygote, ([("supporting files", files)] if files else []) + _code_cells(notebook)) as run:
            namespace = StudentNamespace(run, assignment.instructor_names, ())
            for question in assignment.autograded_questions:
                test_file = assignment.test_file(question)
                began = time.monotonic()
                outcomes, untrusted = [], []
                try:
                    for case in test_file.test_cases:
                        outcome, reasons = run_case(test_file, case, run, namespace)
                        outcomes.append(outcome)
                        if reasons:
                            untrusted.append(case.name)
                            result.problems.append(f"test case {case.name} ran in the student's "
                                                   f"process (untrusted): it {'; '.join(reasons)}")
                    test_file.test_case_results, error = outcomes, ""
                except StudentError as failure:  # a time-out or crash: the whole file fails
                    error = failure.message
                    test_file.test_case_results = []
                result.tests += _test_results(question, test_file, error, time.monotonic() - began,
                                              untrusted)
            result.cells = run.cell_outcomes
    except SandboxUnavailable as error:
        result.status, result.reason, result.tests = Status.RETRY, f"the sandbox failed: {error}", []
    return result.finish(assignment, started)


def _test_results(question, test_file, error, seconds, untrusted=()):
    """One TestResult per question, with otter's own score (its cases' points, all_or_nothing);
    untrusted when one of its cases ran in the student's process."""
    score = float(test_file.score) if not error and test_file.test_case_results else 0.0
    possible = float(test_file.possible)
    failed = [r for r in test_file.test_case_results if not r.passed]
    outcome = Outcome.PASSED if score == possible else Outcome.FAILED
    message = error or ("; ".join(f"{r.test_case.name} failed" for r in failed if not r.test_case.hidden)
                        or ("a hidden test case failed" if failed else ""))
    detail = "\n".join(r.message for r in failed)[-3000:]
    if untrusted:
        detail = f"{UNTRUSTED} ({', '.join(untrusted)}); {detail}"
    out = TestResult(test=question, question=question, points=possible, description=question,
                     outcome=outcome, message=message, detail=detail, seconds=round(seconds, 4),
                     earned=score)
    out.untrusted = bool(untrusted)
    return [out]


class _Course:
    def __init__(self, course):
        self.course = course


def _files_cell(assignment, folder):
    """The assignment's files (source/<ps>/ but notebooks), then the submission's, next to it."""
    from coursegrade.grading.nbgrader_course import supporting_files

    class _Where:
        source_dir = assignment.source_dir
    cell, _ = supporting_files(_Where, folder, assignment.student_files)
    return cell


def grade_all(assignment, submissions, limits=None, use_bwrap=None, keep_results=True, workers=1,
              out=None):
    """Grade [(student, folder)] with grading/batch.py's pool (`workers` processes, each with
    its warm sandbox), results written as they come (with `keep_results`)."""
    import io
    from coursegrade.grading.batch import grade_batch
    assignment.test_files  # otter assign first, here: a broken master notebook stops here
    return grade_batch(assignment.course, assignment, list(submissions), workers,
                       limits or assignment.course.settings.limits, use_bwrap,
                       out=out or io.StringIO(), keep_results=keep_results)


def otter_run_scores(autograder_zip, notebook, out_dir):
    """{question: score} from otter's own `otter run` (for comparison)."""
    otter = Path(sys.executable).parent / "otter"
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    subprocess.run([str(otter), "run", "-a", str(autograder_zip), "-o", str(out_dir), str(notebook)],
                   capture_output=True, check=True)
    data = json.loads((Path(out_dir) / "results.json").read_text())
    return {t["name"]: t["score"] for t in data["tests"] if "score" in t}
