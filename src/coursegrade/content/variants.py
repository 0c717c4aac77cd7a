"""Mutants and alternatives: implementations of one answer that a hidden suite must reject
(mutants) or accept with full marks (alternatives).

An assignment declares them in ``autograder/<ps>/mutants.py`` and ``alternatives.py``::

    @mutant("softmax", hint="this behaves like softmax without subtracting the max: it "
                            "overflows for large logits")
    def softmax_no_max_shift(z, axis=-1):
        e = np.exp(z)
        return e / e.sum(axis=axis, keepdims=True)

The function's source, renamed to the target (``def softmax(...)``), replaces the student's
definition of the target in an otherwise correct submission; a decorated class works the same
way (``@mutant("KDTree", hint=...)`` on ``class KDTreeNoBacktracking:``). Answers that are
neither (a SymPy expression assigned to a name) are declared with :func:`mutant_code` /
:func:`alternative_code` and their full source.
"""
import ast
import importlib.util
import inspect
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from coursegrade.core.course import MATERIAL_PACKAGE

MUTANT, ALTERNATIVE = "mutant", "alternative"


@dataclass(frozen=True)
class Variant:
    kind: str     # MUTANT or ALTERNATIVE
    target: str   # the name in the student's notebook it replaces
    name: str     # unique within the assignment, e.g. "softmax_no_max_shift"
    source: str   # code that (re)defines `target`
    hint: str = ""  # mutants: what the mistake is, in words a student understands

    @property
    def label(self):
        return f"{self.kind}:{self.name}"


# Registries filled while an assignment's mutants.py / alternatives.py is imported.
_collected: list = []


def _function_source(fn, target):
    """The function's (or class's) source without decorators, renamed to `target`."""
    source = textwrap.dedent(inspect.getsource(fn))
    node = ast.parse(source).body[0]
    lines = source.splitlines()[node.lineno - 1:]  # drop decorator lines
    keyword = "class" if isinstance(node, ast.ClassDef) else "def"
    lines[0] = re.sub(rf"^{keyword} {fn.__name__}\b", f"{keyword} {target}", lines[0], count=1)
    return "\n".join(lines) + "\n"


def mutant(target, hint):
    def register(fn):
        _collected.append(Variant(MUTANT, target, fn.__name__, _function_source(fn, target), hint))
        return fn
    return register


def alternative(target):
    def register(fn):
        _collected.append(Variant(ALTERNATIVE, target, fn.__name__, _function_source(fn, target)))
        return fn
    return register


def mutant_code(target, name, source, hint):
    _collected.append(Variant(MUTANT, target, name, textwrap.dedent(source), hint))


def alternative_code(target, name, source):
    _collected.append(Variant(ALTERNATIVE, target, name, textwrap.dedent(source)))


def _course_on_path(material_dir):
    """mutants.py imports its reference (`from autograder.ps1.reference import ...`): the course
    folder holding the material package must be importable, whoever calls first (validate's
    release checks and its grading run in two threads)."""
    material_dir = material_dir.resolve()
    if material_dir.parent.name == MATERIAL_PACKAGE:
        root = str(material_dir.parent.parent)
        if root not in sys.path:
            sys.path.insert(0, root)


def load_variants(material_dir):
    """All variants declared in `material_dir`/mutants.py and alternatives.py, in file order."""
    _course_on_path(Path(material_dir))
    found = []
    for filename in ("mutants.py", "alternatives.py"):
        path = Path(material_dir) / filename
        if not path.exists():
            continue
        start = len(_collected)
        spec = importlib.util.spec_from_file_location(f"_variants_{path.parent.name}_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # inspect finds a class's source through its module
        try:
            spec.loader.exec_module(module)
        finally:
            sys.modules.pop(spec.name, None)
        found += _collected[start:]
        del _collected[start:]
    names = [v.name for v in found]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise ValueError(f"{material_dir}: variant names used twice: {sorted(duplicated)}")
    return found
