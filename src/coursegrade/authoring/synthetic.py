"""Submissions made from an assignment's own material: the solution, the release stub, and the
solution with mutants or alternatives written into the answer cells in place, as a student
would. The demo batch, the validation gate and the benchmark all grade these.
"""
import ast
import copy
import random

import nbformat

from coursegrade.content.variants import ALTERNATIVE, MUTANT, load_variants
from coursegrade.core import cells

CHEAT_SOURCE = '''\
# A dishonest submission: make every comparison "pass", then answer with nonsense.
import numpy as np
np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_equal = lambda *args, **kwargs: None
np.testing.assert_array_almost_equal = lambda *args, **kwargs: None
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
try:
    import torch
    torch.testing.assert_close = lambda *args, **kwargs: None
    torch.allclose = lambda *args, **kwargs: True
except ImportError:
    pass
'''


def solution_notebook(assignment):
    """The source notebook with the solution markers removed: a perfect submission."""
    notebook = nbformat.read(assignment.source_notebook, as_version=4)
    for cell in notebook.cells:
        cell.source = "\n".join(line for line in cell.source.splitlines()
                                if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line)
    return notebook


def stub_notebook(assignment):
    """The released student version, untouched."""
    return nbformat.read(assignment.release_dir / f"{assignment.name}.ipynb", as_version=4)


def with_replacement(notebook, target, source):
    """A copy of `notebook` where the top-level definition of `target` (a function, or an
    assignment to that name) is replaced by `source`; appended as a new cell if not found."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if _defines(node, target):
                lines = cell.source.splitlines()
                first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
                cell.source = "\n".join(lines[:first - 1] + source.rstrip("\n").splitlines()
                                        + lines[node.end_lineno:])
                return notebook
    notebook.cells.append(nbformat.v4.new_code_cell(source))
    return notebook


def _defines(node, target):
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return node.name == target
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == target for t in node.targets)
    return False


def question_defining(assignment, target):
    """The autograded question whose answer cell defines `target` (a mutant's `Value` belongs
    to the question `value`, whichever question's tests catch it); None if no answer cell does."""
    for question in assignment.autograded_questions:
        cell = assignment.source_cells.get(f"{question}_answer")
        if cell is None or cell.cell_type != "code":
            continue
        try:
            body = ast.parse(cell.source).body
        except SyntaxError:
            continue
        if any(_defines(node, target) for node in body):
            return question
    return None


def variant_notebook(assignment, variants):
    """The solution with each of `variants` written in."""
    notebook = solution_notebook(assignment)
    for variant in variants:
        notebook = with_replacement(notebook, variant.target, variant.source)
    return notebook


def starter_notebook(assignment, question):
    """The solution with one question's answer cell put back to the release's starter code."""
    from coursegrade.grading.unanswered import release_answers
    grade_id = f"{question}_answer"
    notebook = solution_notebook(assignment)
    for cell in notebook.cells:
        if cells.grade_id(cell) == grade_id:
            cell.source = release_answers(assignment)[grade_id]
    return notebook


def cheating_notebook(assignment):
    """The release stub answering 0.0 everywhere, plus a cell that monkeypatches numpy's and
    torch's testing helpers: under a grader that shares the student's process, full marks."""
    notebook = stub_notebook(assignment)
    for cell in notebook.cells:
        if cell.cell_type == "code" and "raise NotImplementedError()" in cell.source:
            cell.source = "\n".join(
                line.replace("raise NotImplementedError()", "return 0.0" if line[:1].isspace() else "pass")
                for line in cell.source.splitlines())
    notebook.cells.insert(1, nbformat.v4.new_code_cell(CHEAT_SOURCE))
    return notebook


def raising_notebook(assignment):
    """The solution where the first answer cell dies on a NameError before defining anything,
    and one function raises whenever it is called."""
    notebook = solution_notebook(assignment)
    answers = [c for c in notebook.cells if cells.role(c) is cells.Role.ANSWER and c.cell_type == "code"]
    answers[0].source = "result = undefined_helper(42)  # a typo the student never ran\n" + answers[0].source
    if len(answers) > 1:
        tree = ast.parse(answers[-1].source)
        functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        if functions:
            fn = functions[0]
            args = ast.unparse(fn.args)
            notebook = with_replacement(notebook, fn.name, f"def {fn.name}({args}):\n"
                                        "    raise ValueError('shapes do not match')\n")
    return notebook


def demo_batch(assignment):
    """{student: notebook} — one of each kind an instructor meets in a real batch."""
    variants = load_variants(assignment.material_dir)
    mutants = [v for v in variants if v.kind == MUTANT]
    alternatives = [v for v in variants if v.kind == ALTERNATIVE]
    first_per_target = list({m.target: m for m in reversed(mutants)}.values())[::-1]
    return {
        "ada-full-solution": solution_notebook(assignment),
        "blaise-partly-wrong": variant_notebook(assignment, first_per_target[:3]),
        "carl-raises": raising_notebook(assignment),
        "dana-untouched-stub": stub_notebook(assignment),
        "eve-monkeypatches-numpy": cheating_notebook(assignment),
        "fay-alternative-solutions": variant_notebook(assignment, _one_per_target(alternatives)),
    }


def mixed_batch(assignment, count, seed=0):
    """{student: notebook} of `count` submissions, a realistic mix: mostly correct or
    partly wrong, some stubs, some raising, a few cheating."""
    rng = random.Random(seed)
    variants = load_variants(assignment.material_dir)
    mutants = [v for v in variants if v.kind == MUTANT]
    alternatives = [v for v in variants if v.kind == ALTERNATIVE]
    makers = [
        (30, lambda: solution_notebook(assignment)),
        (30, lambda: variant_notebook(assignment, _one_per_target(rng.sample(mutants, min(3, len(mutants)))))),
        (15, lambda: variant_notebook(assignment, _one_per_target(rng.sample(alternatives, min(4, len(alternatives)))))),
        (10, lambda: stub_notebook(assignment)),
        (10, lambda: raising_notebook(assignment)),
        (5, lambda: cheating_notebook(assignment)),
    ]
    weights = [w for w, _ in makers]
    return {f"student-{i:04d}": rng.choices(makers, weights)[0][1]() for i in range(count)}


def _one_per_target(variants):
    return list({v.target: v for v in variants}.values())


def write_batch(notebooks, submitted_dir, assignment_name):
    """Write {student: notebook} in nbgrader's layout submitted/<student>/<ps>/<ps>.ipynb."""
    paths = []
    for student, notebook in notebooks.items():
        folder = submitted_dir / student / assignment_name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{assignment_name}.ipynb"
        nbformat.write(notebook, path)
        paths.append(path)
    return paths


# ------------------------------------------------------------------ automatic mutants (the gate)

CONSTANTS = ("zeros", "ones", "inf", "nan", "uniform", "first input")
EXPRESSION_CONSTANTS = ("zeros", "ones")


class AutomaticMutant:
    """A wrong answer the gate makes itself from a question's solution (course validate):
    `kind` "constant" (the solution's function, its result replaced by a constant of the same
    shape and type: `constant` is one of CONSTANTS; for an answer that binds SymPy expressions
    instead of defining functions, each bound name is set to 0 or 1) or "rng" (the solution
    called with its `rng` replaced by a generator seeded from numpy's global state)."""

    def __init__(self, kind, question, target, constant="", names=()):
        self.kind, self.question, self.target, self.constant = kind, question, target, constant
        self.names = tuple(names)  # the names an expression answer binds

    @property
    def name(self):
        if self.kind == "rng":
            return f"{self.target} draws from np.random"
        if self.names:
            return f"{self.target} = {'0' if self.constant == 'zeros' else '1'}"
        return f"{self.target} returns {self.constant}"

    @property
    def key(self):
        """Its submission's name in the gate's batch."""
        return f"{self.kind}--{self.question}--{self.target}--{self.constant}".replace(", ", "+").replace(" ", "-")


def automatic_mutants(assignment):
    """([AutomaticMutant], {question: why skipped}) for the questions with an answer cell:
    per public function its answer cell defines, one per constant of CONSTANTS, and one more
    if it takes an `rng`. An answer that only binds names (a SymPy formula) gets 0 and 1 for
    all of them at once. A class is skipped: its objects are graded through handles, and a
    constant object is no answer a student would write."""
    mutants, skipped = [], {}
    for question in assignment.autograded_questions:
        cell = assignment.source_cells.get(f"{question}_answer")
        if cell is None or cell.cell_type != "code":
            continue
        try:
            body = ast.parse(cell.source).body
        except SyntaxError:
            continue
        functions = [n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                     and not n.name.startswith("_")]
        classes = [n.name for n in body if isinstance(n, ast.ClassDef)]
        for fn in functions:
            mutants += [AutomaticMutant("constant", question, fn.name, c) for c in CONSTANTS]
            parameters = fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs
            if any(p.arg == "rng" for p in parameters):
                mutants.append(AutomaticMutant("rng", question, fn.name))
        if not functions and classes:
            skipped[question] = "a class (" + ", ".join(classes) + ")"
        elif not functions:
            names = [t.id for n in body if isinstance(n, ast.Assign) for t in n.targets
                     if isinstance(t, ast.Name) and not t.id.startswith("_")]
            if names:
                mutants += [AutomaticMutant("constant", question, ", ".join(names), c, names)
                            for c in EXPRESSION_CONSTANTS]
    return mutants, skipped


# Appended to the answer cell: the helpers and the wrapper. Names begin with
# "_automatic_" so that nothing of the solution's is shadowed.
_CONSTANT_HELPER = '''
def _automatic_constant(value, kind):
    """A constant of the same shape and type as `value` (recursively in containers)."""
    import sys
    import numpy as np
    fills = {"zeros": 0.0, "ones": 1.0, "inf": float("inf"), "nan": float("nan"), "uniform": 0.0}
    fill = fills[kind]
    sympy, torch = sys.modules.get("sympy"), sys.modules.get("torch")
    if isinstance(value, (bool, np.bool_)):
        return type(value)(fill) if kind in ("zeros", "ones", "uniform") else fill
    if isinstance(value, (int, np.integer)):
        return type(value)(int(fill)) if kind in ("zeros", "ones", "uniform") else fill
    if isinstance(value, (float, complex, np.floating, np.complexfloating)):
        return type(value)(fill)
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        if kind == "uniform" and value.dtype.kind == "f" and value.ndim >= 1 and value.size \\
                and np.all(value >= 0) and np.allclose(value.sum(axis=-1), 1.0):
            return np.full_like(value, 1.0 / value.shape[-1])
        if value.dtype.kind in "biu" and kind in ("inf", "nan"):
            return np.full(value.shape, fill)
        return np.full_like(value, fill)
    if torch is not None and isinstance(value, torch.Tensor):
        return _automatic_constant(value.detach().cpu().numpy(), kind)
    if sympy is not None and isinstance(value, sympy.Basic):
        return {"zeros": sympy.Integer(0), "ones": sympy.Integer(1), "inf": sympy.oo,
                "nan": sympy.nan, "uniform": sympy.Integer(0)}[kind]
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(_automatic_constant(v, kind) for v in value))
    if isinstance(value, (list, tuple)):
        return type(value)(_automatic_constant(v, kind) for v in value)
    if isinstance(value, dict):
        return {k: _automatic_constant(v, kind) for k, v in value.items()}
    return value
'''

_CONSTANT_WRAPPER = '''
_automatic_original_{name} = {name}


def {name}(*args, **kwargs):
    return _automatic_constant(_automatic_original_{name}(*args, **kwargs), {kind!r})
'''

_FIRST_INPUT_WRAPPER = '''
def {name}(*args, **kwargs):
    return args[0] if args else next(iter(kwargs.values()), None)
'''

_GLOBAL_RANDOM_WRAPPER = '''
import inspect as _automatic_inspect
import numpy as _automatic_np
_automatic_original_{name} = {name}
_automatic_signature_{name} = _automatic_inspect.signature({name})


def {name}(*args, **kwargs):
    bound = _automatic_signature_{name}.bind(*args, **kwargs)
    bound.arguments["rng"] = _automatic_np.random.default_rng(_automatic_np.random.randint(2**31))
    return _automatic_original_{name}(*bound.args, **bound.kwargs)
'''


def automatic_notebook(assignment, mutant):
    """The solution where the answer cell of `mutant.question` ends with the mutant's wrapper
    around the solution's own function (or, for an expression answer, its rebinding)."""
    if mutant.kind == "rng":
        code = _GLOBAL_RANDOM_WRAPPER.format(name=mutant.target)  # drawn from, and advancing, np.random
    elif mutant.names:
        code = _CONSTANT_HELPER + "".join(f"\n{n} = _automatic_constant({n}, {mutant.constant!r})"
                                          for n in mutant.names) + "\n"
    elif mutant.constant == "first input":
        code = _FIRST_INPUT_WRAPPER.format(name=mutant.target)
    else:
        code = _CONSTANT_HELPER + _CONSTANT_WRAPPER.format(name=mutant.target, kind=mutant.constant)
    notebook = solution_notebook(assignment)
    for cell in notebook.cells:
        if cells.grade_id(cell) == f"{mutant.question}_answer":
            cell.source = cell.source.rstrip("\n") + "\n\n" + code
            return notebook
    raise ValueError(f"{assignment.name} has no answer cell {mutant.question}_answer")
