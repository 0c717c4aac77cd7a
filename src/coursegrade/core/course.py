"""The course on disk: where assignments, releases and submissions are, found by looking.

A course is a folder holding `source/`, `autograder/` and `nbgrader_config.py`. An assignment
`ps` exists when both `source/<ps>/<ps>.ipynb` and `autograder/<ps>/hidden/` exist; the engine
learns everything else from those folders. The grading material is a Python package of the
course folder (`autograder.<ps>`: its reference, hidden tests, mutants), imported from there on
the trusted side only.
"""
import ast
import importlib
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from coursegrade.core.cells import Role, named_cells, unnamed_fixed_code
from coursegrade.core.errors import BrokenMaterial, CourseError
from coursegrade.core.settings import Settings

MATERIAL_PACKAGE = "autograder"  # the course's folder of grading material


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
        self.release_notebook = self.release_dir / f"{name}.ipynb"
        self.material_dir = course.root / MATERIAL_PACKAGE / name
        self.hidden_dir = self.material_dir / "hidden"

    def __repr__(self):
        return f"Assignment({self.name!r})"

    @property
    def package_name(self):
        return f"{MATERIAL_PACKAGE}.{self.name}"

    @cached_property
    def package(self):
        return self.course.import_material(self.package_name)

    @property
    def title(self):
        return (self.package.__doc__ or self.name).strip().splitlines()[0]

    @property
    def forbidden_calls(self):
        return dict(getattr(self.package, "FORBIDDEN_CALLS", {}))

    @property
    def source_cells(self):
        """grade_id -> SourceCell of the source notebook."""
        return named_cells(self.source_notebook)

    @cached_property
    def graded_cells(self):
        """The gradebook's cells of this assignment, in notebook order."""
        kinds = {Role.CHECKS: "autograded", Role.WRITTEN: "manual"}
        return [GradedCell(c.grade_id, c.points, kinds[c.role])
                for c in self.source_cells.values() if c.role in kinds]

    @cached_property
    def sandbox_preload(self):
        """What the sandbox's zygote imports before it forks, so that every child starts with
        it loaded: the configured modules (c.Sandbox.preload, then c.Sandbox.preload_later),
        the modules the notebook itself imports, then a warm-up of those."""
        settings = self.course.settings
        modules = list(settings["Sandbox", "preload"]) + list(settings["Sandbox", "preload_later"])
        for cell in self.source_cells.values():
            if cell.cell_type != "code":
                continue
            try:
                tree = ast.parse(cell.source)
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
        if not self.release_notebook.is_file():
            return []
        return unnamed_fixed_code(self.release_notebook)

    @property
    def autograded_questions(self):
        return [c.grade_id for c in self.graded_cells if c.kind == "autograded"]

    def points(self, grade_id):
        return next(c.points for c in self.graded_cells if c.grade_id == grade_id)


class Course:
    def __init__(self, root="."):
        self.root = Path(root).resolve()

    @cached_property
    def settings(self):
        """The course's settings, loaded once (core/settings.py)."""
        return Settings.load(self.root)

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
        material = self.root / MATERIAL_PACKAGE
        return sorted(p.name for p in sources.iterdir()
                      if (p / f"{p.name}.ipynb").is_file() and (material / p.name / "hidden").is_dir())

    def assignment(self, name):
        if name not in self.assignment_names():
            known = ", ".join(self.assignment_names()) or "none"
            raise CourseError(f"no assignment {name!r} in {self.root} (known: {known}); an assignment "
                              f"needs source/{name}/{name}.ipynb and {MATERIAL_PACKAGE}/{name}/hidden/")
        return Assignment(self, name)

    def import_material(self, module_name):
        """Import a module of the course's grading material (`autograder.ps2.reference`) from
        the course folder. One process grades one course: material of another course already
        imported under the same package name is an error, not a silent mix-up."""
        root = str(self.root)
        if root not in sys.path:
            sys.path.insert(0, root)
        loaded = sys.modules.get(MATERIAL_PACKAGE)
        if loaded is not None:
            ours = (self.root / MATERIAL_PACKAGE).resolve()
            where = [Path(p).resolve() for p in getattr(loaded, "__path__", [])]
            if ours not in where:
                raise CourseError(f"this process already imported the grading material in "
                                  f"{where[0] if where else 'another course'}; grade {root} in a "
                                  "process of its own")
        try:
            return importlib.import_module(module_name)
        except Exception as error:  # a syntax error in a reference is as broken as a missing one
            raise BrokenMaterial(f"{module_name} could not be imported from {root}: "
                                 f"{type(error).__name__}: {error}") from None
