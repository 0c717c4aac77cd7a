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
