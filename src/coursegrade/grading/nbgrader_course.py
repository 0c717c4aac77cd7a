"""An nbgrader course graded as it is: its test cells, on the trusted side.

An assignment `ps` in nbgrader's own format is a folder source/<ps>/ of one or more notebooks
whose test cells (code cells with nbgrader's `grade` flag and `points`, not `solution`) hold the
tests, `### BEGIN HIDDEN TESTS` blocks included, and no autograder/<ps>/ (the engine's own
format). It is graded the way `nbgrader autograde` grades it, with its scores:

- each notebook of submitted/<student>/<ps>/ runs in a sandboxed process of its own, its cells in
  order; a test cell's code comes from the SOURCE notebook, matched by grade_id (the submission's
  copy is never run, as nbgrader overwrites it), and runs at its place in the order, on the
  trusted side (foreign_cells.py); locked cells run as the source has them;
- a test cell earns its points when it raises nothing; when its last expression shows a number,
  that number is its score (nbgrader's partial credit: a text that reads as a float from 0 to
  the points; anything else shown, full points);
- a test cell that cannot run on the trusted side (foreign_cells.fallback_reasons) runs in the
  sandbox like nbgrader would, and its result says "untrusted";
- the other files of the submission folder are copied next to each notebook, then those of
  source/<ps>/ over them (nbgrader's order), up to MAX_SUPPORTING_BYTES;
- written answers and tasks (grade+solution cells, graded markdown, task cells) are graded by
  hand; one still equal to the release (nbgrader's checksum) is "unanswered", which nbgrader
  scores 0.
"""
import ast
import base64
import fnmatch
import json
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from coursegrade.core import results
from coursegrade.core.cells import grade_id as cell_grade_id, nbgrader_metadata, points as cell_points
from coursegrade.core.cells import read_notebook_json, source_text
from coursegrade.core.errors import CourseError, StudentError
from coursegrade.core.results import Outcome, Status, TestResult
from coursegrade.grading.foreign_cells import (BUILTIN_NAMES, NeedsSandbox, StudentNamespace,
                                               displayed_text, fallback_reasons, instructor_imports,
                                               run_in_sandbox, run_trusted)
from coursegrade.grading.notebooks import NotebookError, read_notebook, strip_magics
from coursegrade.grading.sandbox import SandboxedRun, SandboxUnavailable

MAX_SUPPORTING_BYTES = 16 << 20   # of files copied next to a notebook (images, data, modules)
IGNORED = (".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.ipynb", "results.json")
UNTRUSTED = "untrusted: ran in the student's process"


@dataclass(frozen=True)
class TestCell:
    notebook: str
    grade_id: str
    points: float
    source: str
    fallback: tuple  # why it must run in the sandbox ([] for the trusted side)

    @property
    def question(self):
        return f"{self.notebook}/{self.grade_id}"

    @property
    def description(self):
        first = self.source.strip().splitlines()[0] if self.source.strip() else ""
        return first.strip('"\' ') if first.startswith(('"""', "'''", '"', "'")) else self.grade_id


@dataclass(frozen=True)
class ManualCell:
    notebook: str
    grade_id: str
    points: float
    kind: str  # "written" (grade+solution, graded markdown) or "task"


def is_test_cell(cell):
    meta = nbgrader_metadata(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.get("cell_type") == "code"


def nbgrader_assignment_names(course):
    """Assignments of source/ in nbgrader's format (see the module's docstring)."""
    sources = course.root / "source"
    if not sources.is_dir():
        return []
    return sorted(p.name for p in sources.iterdir() if p.is_dir()
                  and not (course.root / "autograder" / p.name / "hidden").is_dir()
                  and any(_has_grade_cells(nb) for nb in p.glob("*.ipynb")))


def _has_grade_cells(path):
    try:
        return any(nbgrader_metadata(c).get("grade") or nbgrader_metadata(c).get("task")
                   for c in read_notebook_json(path)["cells"])
    except (OSError, ValueError, KeyError, TypeError):
        return False


class NbgraderAssignment:
    """An assignment in nbgrader's format: what the engine needs of its source folder."""

    def __init__(self, course, name):
        if name not in nbgrader_assignment_names(course):
            raise CourseError(f"no nbgrader assignment {name!r} in {course.root}: source/{name}/ "
                              "needs notebooks with nbgrader grade cells")
        self.course, self.name = course, name
        self.source_dir = course.root / "source" / name
        self.release_dir = course.root / "release" / name

    def __repr__(self):
        return f"NbgraderAssignment({self.name!r})"

    # What grading/batch.py's pool needs of a foreign format (batch.is_foreign).
    format = "nbgrader"
    sandbox_warm_cells = ()

    def grade_one(self, zygote, student, folder):
        return grade_submission(self, zygote, student, folder)

    def material_sha256(self):
        """The source folder (test cells, locked cells, supporting files) and the release's
        notebooks (their checksums decide what is unanswered)."""
        from coursegrade.grading.batch import tree_sha256
        return f"{tree_sha256(self.source_dir, IGNORED[:3])}:{tree_sha256(self.release_dir, ('*.ipynb_checkpoints',))}"

    def submission_sha256(self, folder):
        """The submission's notebooks and the files copied next to them (not its timestamp)."""
        from coursegrade.grading.batch import tree_sha256
        return tree_sha256(folder, IGNORED[:3] + ("results.json", "timestamp.txt"))

    @property
    def title(self):
        return self.name

    @cached_property
    def notebooks(self):
        """notebook name (without .ipynb) -> its source cells (JSON dicts), in name order."""
        return {p.stem: read_notebook_json(p)["cells"] for p in sorted(self.source_dir.glob("*.ipynb"))}

    @cached_property
    def test_cells(self):
        """[TestCell] in notebook order."""
        return [TestCell(nb, cell_grade_id(c), cell_points(c), c["source"],
                         tuple(fallback_reasons(c["source"])))
                for nb, cells in self.notebooks.items() for c in cells
                if is_test_cell(c) and cell_grade_id(c)]

    @cached_property
    def manual_cells(self):
        found = []
        for nb, cells in self.notebooks.items():
            for c in cells:
                meta, name = nbgrader_metadata(c), cell_grade_id(c)
                if name and meta.get("task"):
                    found.append(ManualCell(nb, name, cell_points(c), "task"))
                elif name and meta.get("grade") and not is_test_cell(c):
                    found.append(ManualCell(nb, name, cell_points(c), "written"))
        return found

    def cell_type(self, notebook, grade_id):
        return next((c.get("cell_type", "code") for c in self.notebooks[notebook]
                     if cell_grade_id(c) == grade_id), "code")

    def solution_ids(self, notebook):
        """grade_ids of the notebook's solution cells (answers and written answers)."""
        return [cell_grade_id(c) for c in self.notebooks[notebook]
                if cell_grade_id(c) and nbgrader_metadata(c).get("solution")]

    @property
    def autograded_questions(self):
        return [t.question for t in self.test_cells]

    def points(self, question):
        return next(t.points for t in self.test_cells if t.question == question)

    @property
    def max_score(self):
        return sum(t.points for t in self.test_cells) + sum(m.points for m in self.manual_cells)

    @cached_property
    def trusted_imports(self):
        """The instructor's imports (every code cell of every source notebook), done here."""
        return instructor_imports(c["source"] for cells in self.notebooks.values() for c in cells
                                  if c.get("cell_type") == "code")

    @cached_property
    def student_builtins(self):
        """Built-in names the source's solution cells define: those a test reads from the student."""
        names = set()
        for cells in self.notebooks.values():
            for c in cells:
                if c.get("cell_type") == "code" and nbgrader_metadata(c).get("solution"):
                    names |= _bound_names(c["source"]) & BUILTIN_NAMES
        return names

    @property
    def sandbox_preload(self):
        modules = ["numpy"]
        for cells in self.notebooks.values():
            for c in cells:
                if c.get("cell_type") == "code":
                    for module in _imported_modules(c["source"]):
                        if module not in modules:
                            modules.append(module)
        return ",".join(modules + ["warmup"])

    def submissions(self, submitted_dir=None):
        """[(student, folder)] in nbgrader's layout submitted/<student>/<ps>/."""
        submitted = Path(submitted_dir or self.course.submitted_dir)
        if not submitted.is_dir():
            return []
        return [(d.name, d / self.name) for d in sorted(submitted.iterdir())
                if d.is_dir() and (d / self.name).is_dir()]


def _bound_names(source):
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def _imported_modules(source):
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module.split(".")[0])
    return found


# ----------------------------------------------------------------------------- one submission

class _Course:  # what notebooks.read_notebook needs of an assignment
    def __init__(self, course):
        self.course = course


def grade_submission(assignment, zygote, student, folder):
    """The Result of submitted/<student>/<ps>/ (`folder`): one test per test cell."""
    started = time.monotonic()
    result = results.start(student, assignment, folder, zygote.isolation)
    result.written_answers = {}
    files, problems = supporting_files(assignment, Path(folder))
    result.problems += problems
    for notebook in assignment.notebooks:
        tests = [t for t in assignment.test_cells if t.notebook == notebook]
        manual = [m for m in assignment.manual_cells if m.notebook == notebook]
        path = Path(folder) / f"{notebook}.ipynb"
        try:
            submitted, read_problems = read_notebook(path, _Course(assignment.course))
        except NotebookError as error:
            result.problems.append(f"{notebook}.ipynb: {error}")
            result.tests += [_test_result(t, Outcome.ERROR, f"not graded: {error}") for t in tests]
            result.written_answers.update({f"{notebook}/{m.grade_id}": "unanswered" for m in manual})
            continue
        result.problems += [f"{notebook}.ipynb: {p}" for p in read_problems]
        cells = [c for c in submitted.get("cells", []) if isinstance(c, dict)]
        result.written_answers.update(_written_answers(assignment, notebook, manual, cells))
        try:
            result.tests += _run_notebook(assignment, zygote, notebook, cells, tests, files, result)
        except SandboxUnavailable as error:
            result.status, result.reason, result.tests = Status.RETRY, f"the sandbox failed: {error}", []
            break
    result.isolation = zygote.isolation
    return result.finish(assignment, started)


def _run_notebook(assignment, zygote, notebook, cells, tests, files, result):
    by_id = {t.grade_id: t for t in tests}
    source_by_id = {cell_grade_id(c): c for c in assignment.notebooks[notebook] if cell_grade_id(c)}
    done, outcomes = set(), []
    with SandboxedRun(zygote, [("supporting files", files)] if files else []) as run:
        namespace = StudentNamespace(run, assignment.trusted_imports, assignment.student_builtins)
        for index, cell in enumerate(cells):
            if cell.get("cell_type") != "code":
                continue
            name = cell_grade_id(cell)
            test = by_id.get(name)
            if test is not None:
                if name not in done:  # a duplicated test cell runs once
                    done.add(name)
                    outcomes.append(_run_test(test, run, namespace, result))
                continue
            known = source_by_id.get(name)
            if known is not None and nbgrader_metadata(known).get("locked") and \
                    not nbgrader_metadata(known).get("solution"):
                text = known["source"]  # nbgrader overwrites locked cells with the source's
            else:
                text = source_text(cell.get("source", ""))
            label = name or f"{notebook} cell {index + 1}"
            try:
                run.execute(label, strip_magics(text), keep=True)
            except StudentError as failure:
                run.cell_outcomes[label] = {"kind": failure.kind, "message": failure.message}
        result.cells.update({f"{notebook}/{k}": v for k, v in run.cell_outcomes.items()})
    for test in tests:
        if test.grade_id not in done:
            outcomes.append(_test_result(test, Outcome.ERROR, "this test cell is missing from the "
                                         "notebook (deleted, or its metadata changed)"))
    return outcomes


def _run_test(test, run, namespace, result):
    started = time.monotonic()
    reasons = list(test.fallback)
    if not reasons:
        try:
            passed, value, error = run_trusted(strip_magics(test.source), namespace, test.question)
            text = displayed_text(value)
        except NeedsSandbox as why:
            reasons = [str(why)]
    if reasons:
        passed, text, error = run_in_sandbox(strip_magics(test.source), run, test.question)
        result.problems.append(f"test cell {test.question} ran in the student's process "
                               f"(untrusted): it {'; '.join(reasons)}")
    earned = partial_credit(text, test.points) if passed else 0.0
    outcome = Outcome.PASSED if passed else Outcome.FAILED
    detail = (UNTRUSTED + "; " if reasons else "") + error
    out = _test_result(test, outcome, error if not passed else "", detail, earned)
    out.untrusted = bool(reasons)
    out.seconds = round(time.monotonic() - started, 4)
    return out


def partial_credit(text, points):
    """nbgrader's rule for a test cell that ran: the number it shows, or all its points."""
    if text is None:
        return points
    try:
        shown = float(text.strip())
    except ValueError:
        return points
    if shown != shown or shown < 0:  # (nan or negative: nbgrader gives all the points)
        return points
    return min(shown, points)  # (nbgrader stops on more than the points; here: capped)


def _test_result(test, outcome, message="", detail="", earned=0.0):
    return TestResult(test=test.question, question=test.question, points=test.points,
                      description=test.description, outcome=outcome, message=message[:2000],
                      detail=detail[:3000], earned=earned)


def _written_answers(assignment, notebook, manual, cells):
    """grade_id -> "answered"/"unanswered" for written answers (nbgrader's checksum against the
    release when there is one, else the checksum the submission carries)."""
    from nbgrader.utils import compute_checksum
    import nbformat
    released = {}
    release = assignment.release_dir / f"{notebook}.ipynb"
    if release.is_file():
        for c in read_notebook_json(release)["cells"]:
            if cell_grade_id(c):
                released[cell_grade_id(c)] = nbgrader_metadata(c).get("checksum")
    found = {}
    by_id = {cell_grade_id(c): c for c in cells if cell_grade_id(c)}
    for m in manual:
        if m.kind == "task":
            continue
        cell = by_id.get(m.grade_id)
        if cell is None:
            found[f"{notebook}/{m.grade_id}"] = "unanswered"
            continue
        try:
            node = nbformat.from_dict(dict(cell, source=source_text(cell.get("source", ""))))
            node.setdefault("metadata", {})
            checksum = compute_checksum(node)
        except Exception:
            found[f"{notebook}/{m.grade_id}"] = "answered"
            continue
        expected = released.get(m.grade_id, nbgrader_metadata(cell).get("checksum"))
        found[f"{notebook}/{m.grade_id}"] = "unanswered" if expected == checksum else "answered"
    return found


def supporting_files(assignment, folder, students_own=()):
    """(a cell that writes the assignment's other files next to the notebook, problems): the
    submission folder's files, then source/<ps>/'s over them, as nbgrader copies them, but for
    `students_own` (paths in source/<ps>/ that each student submits: otter's student_files)."""
    chosen = {}
    for base in (folder, assignment.source_dir):
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            relative = path.relative_to(base)
            if path.is_symlink() or not path.is_file() or any(
                    fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in IGNORED) \
                    or base != folder and relative.as_posix() in students_own:
                continue
            chosen[relative.as_posix()] = path
    problems, payload, total = [], {}, 0
    for relative, path in chosen.items():
        size = path.stat().st_size
        if total + size > MAX_SUPPORTING_BYTES:
            problems.append(f"{relative} was not copied next to the notebooks: the files of an "
                            f"assignment may hold {MAX_SUPPORTING_BYTES >> 20} MB")
            continue
        total += size
        payload[relative] = base64.b64encode(path.read_bytes()).decode("ascii")
    if not payload:
        return "", problems
    cell = ("import base64 as _b, os as _os\n"
            f"for _name, _data in {json.dumps(payload)}.items():\n"
            "    _os.makedirs(_os.path.dirname(_name) or '.', exist_ok=True)\n"
            "    open(_name, 'wb').write(_b.b64decode(_data))\n"
            "import sys as _s\n"  # a kernel's first path entry: the notebook's folder (helper modules)
            "_s.path.insert(0, '') if '' not in _s.path else None\n"
            "del _b, _os, _s, _name, _data\n")
    return cell, problems


# ---------------------------------------------------------------------------------- a batch

def grade_all(assignment, submissions, limits=None, use_bwrap=None, keep_results=True, workers=1,
              out=None):
    """Grade [(student, folder)] with grading/batch.py's pool (`workers` processes, each with
    its warm sandbox); each result is written to autograded/<student>/<ps>/results.json as soon
    as it is made (with `keep_results`). A submission whose grading fails on the grader's side
    is a retry, never the batch's end."""
    from coursegrade.grading.batch import grade_batch
    import io
    return grade_batch(assignment.course, assignment, list(submissions), workers,
                       limits or assignment.course.settings.limits, use_bwrap,
                       out=out or io.StringIO(), keep_results=keep_results)
