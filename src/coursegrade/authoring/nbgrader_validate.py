"""`course validate` for an assignment in nbgrader's format (grading/nbgrader_course.py), as far as
it goes without the engine's own material (no mutants, no alternatives):

- the solution (the source notebooks themselves) earns every test cell's points;
- the stub (the source through nbgrader's ClearSolutions and ClearHiddenTests, what
  generate_assignment releases) earns none: a test cell the stub passes tests nothing;
- release/<ps>/, where it exists, is in sync with the source (the same notebooks, the same
  graded cells with the same points) and leak-free: no solution and no hidden test of the
  source appears in it;
- how many test cells run on the trusted side, and why the others cannot.
"""
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from coursegrade.core.cells import grade_id as cell_grade_id, nbgrader_metadata, points as cell_points
from coursegrade.core.cells import read_notebook_json
from coursegrade.grading.nbgrader_course import NbgraderAssignment, grade_all

_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


@dataclass
class NbgraderValidation:
    name: str
    problems: list = field(default_factory=list)
    lines: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems

    @property
    def text(self):
        status = "ok" if self.ok else "FAILED"
        return "\n".join([f"{self.name} (nbgrader format): {status}", *(f"  {l}" for l in self.lines),
                          *(f"  PROBLEM: {p}" for p in self.problems)])


def validate_nbgrader(course, name, limits=None):
    assignment = NbgraderAssignment(course, name)
    report = NbgraderValidation(name)
    trusted = [t for t in assignment.test_cells if not t.fallback]
    report.lines.append(f"{len(assignment.test_cells)} test cells in {len(assignment.notebooks)} "
                        f"notebook(s): {len(trusted)} run on the trusted side by reading them")
    for test in assignment.test_cells:
        if test.fallback:
            report.lines.append(f"{test.question} runs in the student's process (untrusted): it "
                                + "; ".join(test.fallback))
    with tempfile.TemporaryDirectory(prefix="nbgrader-validate-") as tmp:
        folders = {"solution": Path(tmp) / "solution" / name, "stub": Path(tmp) / "stub" / name}
        for kind, folder in folders.items():
            folder.mkdir(parents=True)
            for notebook in assignment.notebooks:
                source = assignment.source_dir / f"{notebook}.ipynb"
                text = source.read_text() if kind == "solution" else _stub(source)
                (folder / f"{notebook}.ipynb").write_text(text)
        results = {r.student: r for r in grade_all(assignment, list(folders.items()), limits,
                                                    keep_results=False)}
    solution, stub = results["solution"], results["stub"]
    for test in solution.tests:
        if test.earned < test.points:
            report.problems.append(f"the solution earns {test.earned:g}/{test.points:g} on "
                                   f"{test.question}: {test.message or test.detail}")
    untrusted_at_run = [t.question for t in solution.tests if "untrusted" in t.detail
                        and not next(x for x in assignment.test_cells if x.question == t.question).fallback]
    for question in untrusted_at_run:
        report.lines.append(f"{question} ran in the student's process (found while it ran)")
    report.lines.append(f"solution: {solution.total:g}/{solution.max_total:g}; stub: "
                        f"{stub.total:g}/{stub.max_total:g}")
    for test in stub.tests:
        if test.earned > 0:
            report.problems.append(f"the stub (nothing answered) earns {test.earned:g} on "
                                   f"{test.question}: that test cell tests nothing")
    report.problems += _release_problems(assignment)
    return report


def _stub(path):
    """The student version of a source notebook, made by nbgrader's own preprocessors."""
    import nbformat
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions
    notebook = nbformat.read(str(path), as_version=4)
    resources = {}
    notebook, resources = ClearSolutions().preprocess(notebook, resources)
    notebook, resources = ClearHiddenTests().preprocess(notebook, resources)
    return nbformat.writes(notebook)


def _release_problems(assignment):
    """release/<ps>/ against the source: in sync and leak-free (nothing when there is none)."""
    if not assignment.release_dir.is_dir():
        return []
    problems = []
    released = {p.stem: p for p in assignment.release_dir.glob("*.ipynb")}
    for notebook, cells in assignment.notebooks.items():
        path = released.get(notebook)
        if path is None:
            problems.append(f"release/{assignment.name}/{notebook}.ipynb is missing: run "
                            f"nbgrader generate_assignment {assignment.name}")
            continue
        release_cells = read_notebook_json(path)["cells"]
        text = json.dumps([c.get("source", "") for c in release_cells])
        graded = {cell_grade_id(c): cell_points(c) for c in cells
                  if nbgrader_metadata(c).get("grade") or nbgrader_metadata(c).get("task")}
        out = {cell_grade_id(c): cell_points(c) for c in release_cells
               if nbgrader_metadata(c).get("grade") or nbgrader_metadata(c).get("task")}
        if graded != out:
            problems.append(f"release/{assignment.name}/{notebook}.ipynb is out of sync with the "
                            "source (its graded cells or their points differ): run nbgrader "
                            f"generate_assignment {assignment.name} --force")
        for marker in _MARKERS:
            if marker in text:
                problems.append(f"release/{assignment.name}/{notebook}.ipynb still holds "
                                f"'### {marker}': the release leaks the source")
        for secret in _secrets(cells):
            if secret in text:
                problems.append(f"release/{assignment.name}/{notebook}.ipynb holds a line of a "
                                f"solution or hidden test of the source: {secret[:60]!r}")
    return problems


def _secrets(cells):
    """Lines of the source between nbgrader's solution and hidden-test markers (long enough
    not to be found by chance)."""
    found, public = [], set()
    for cell in cells:
        inside = False
        for line in cell.get("source", "").splitlines():
            stripped = line.strip()
            if any(f"BEGIN {m}" in stripped for m in ("SOLUTION", "HIDDEN TESTS")):
                inside = True
            elif any(f"END {m}" in stripped for m in ("SOLUTION", "HIDDEN TESTS")):
                inside = False
            elif inside and len(stripped) >= 12:
                found.append(stripped)
            else:
                public.add(stripped)  # (a line the release shows anyway is no secret)
    return [json.dumps(line)[1:-1] for line in dict.fromkeys(found) if line not in public]
