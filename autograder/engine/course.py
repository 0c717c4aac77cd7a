"""The course on disk: where assignments, releases and submissions are, found by looking.

An assignment `ps` exists when both `source/<ps>/<ps>.ipynb` and `autograder/<ps>/hidden/`
exist. The engine learns everything else from those folders.
"""
import ast
import importlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path


ENGINE_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the `autograder` package


class CourseError(Exception):
    """A problem with the course material itself (not with a submission)."""


@dataclass(frozen=True)
class GradedCell:
    grade_id: str
    points: float
    kind: str  # "autograded" (public-checks code cell) or "manual" (written answer)


class Assignment:
    def __init__(self, course, name):
        self.course, self.name = course, name
        self.source_notebook = course.root / "source" / name / f"{name}.ipynb"
        self.release_dir = course.root / "release" / name
        self.material_dir = ENGINE_PACKAGE_DIR / name
        self.hidden_dir = self.material_dir / "hidden"

    def __repr__(self):
        return f"Assignment({self.name!r})"

    @cached_property
    def package(self):
        return importlib.import_module(f"{ENGINE_PACKAGE_DIR.name}.{self.name}")

    @property
    def title(self):
        doc = (self.package.__doc__ or self.name).strip().splitlines()[0]
        return doc

    @property
    def forbidden_calls(self):
        return dict(getattr(self.package, "FORBIDDEN_CALLS", {}))

    @cached_property
    def graded_cells(self):
        """The gradebook's cells of this assignment, in notebook order."""
        from autograder.engine.notebooks import read_source_notebook
        cells = []
        for cell in read_source_notebook(self.source_notebook)["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if not meta.get("grade"):
                continue
            kind = "manual" if meta.get("solution") or cell["cell_type"] == "markdown" else "autograded"
            cells.append(GradedCell(meta["grade_id"], float(meta.get("points", 0)), kind))
        return cells

    @cached_property
    def sandbox_preload(self):
        """What the sandbox's zygote imports before it forks, so that every child starts with
        it loaded: numpy and torch (students may use either in any assignment), the modules
        the notebook itself imports, then a warm-up of those."""
        from autograder.engine.notebooks import read_source_notebook
        modules = ["numpy", "torch"]
        for cell in read_source_notebook(self.source_notebook)["cells"]:
            if cell["cell_type"] != "code":
                continue
            try:
                tree = ast.parse(cell["source"])
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module] if isinstance(node, ast.ImportFrom) and node.module
                         and not node.level else [])
                for name in names:
                    top = name.split(".")[0]
                    if top not in modules and top != "checks":  # checks.py: the release's own
                        modules.append(top)
        return ",".join(modules + ["warmup"])

    @cached_property
    def sandbox_warm_cells(self):
        """The release's fixed code cells (setup, demos): public code the zygote runs once
        before forking, so that children find the caches it fills already warm."""
        from autograder.engine.notebooks import read_source_notebook
        release = self.release_dir / f"{self.name}.ipynb"
        if not release.is_file():
            return []
        cells = []
        for cell in read_source_notebook(release)["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell["cell_type"] == "code" and not (meta.get("solution") or meta.get("grade")):
                cells.append(cell["source"])
        return cells

    @property
    def autograded_questions(self):
        return [c.grade_id for c in self.graded_cells if c.kind == "autograded"]

    def points(self, grade_id):
        return next(c.points for c in self.graded_cells if c.grade_id == grade_id)


class Course:
    def __init__(self, root="."):
        self.root = Path(root).resolve()

    @property
    def submitted_dir(self):
        return self.root / "submitted"

    @property
    def autograded_dir(self):
        return self.root / "autograded"

    @property
    def exports_dir(self):
        return self.root / "exports"

    def assignment_names(self):
        sources = self.root / "source"
        if not sources.is_dir():
            return []
        return sorted(p.name for p in sources.iterdir()
                      if (p / f"{p.name}.ipynb").is_file() and (ENGINE_PACKAGE_DIR / p.name / "hidden").is_dir())

    def assignment(self, name):
        if name not in self.assignment_names():
            known = ", ".join(self.assignment_names()) or "none"
            raise CourseError(f"no assignment {name!r} in {self.root} (known: {known}); an "
                              f"assignment needs source/{name}/{name}.ipynb and autograder/{name}/hidden/")
        return Assignment(self, name)
