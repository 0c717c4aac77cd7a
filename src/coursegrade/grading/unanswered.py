"""Questions a submission has not answered: the answer cell is still the release's starter code.

Their tests would only watch the starter code raise NotImplementedError; the engine records
them as "unanswered" without running them. That is sound only if nothing else in the notebook
can give the question's names another meaning, so a question counts as unanswered when:
- its answer cell (`<question>_answer`) is exactly the release's, and appears once;
- no other code cell binds any name the starter code defines (a `def`, an assignment, an
  import, a `global`, anywhere in the cell);
- no cell reaches the namespace dynamically (`exec`, `globals()`, `setattr`, ...), which a
  static reading cannot follow.
`course validate` proves, per question, that the starter code alone scores 0 when its tests do
run, so skipping them changes no score.
"""
import ast
from collections import Counter
from functools import lru_cache

from coursegrade.core.cells import Role, named_cells

# Names through which code can rebind notebook globals without a visible binding.
_DYNAMIC = frozenset({"exec", "eval", "compile", "globals", "locals", "vars", "setattr",
                      "__import__", "__dict__", "__builtins__", "builtins", "modules",
                      "import_module", "get_ipython", "run_line_magic", "run_cell"})
MESSAGE = "not answered: the answer cell still holds the starter code"


def unanswered_questions(submitted, assignment):
    """The questions of `submitted` (notebooks.SubmittedNotebook) left at the starter code."""
    starters = release_answers(assignment)
    copies = Counter(name.split(" (copy")[0] for name, _ in submitted.cells)
    candidates = {}
    for question in assignment.autograded_questions:
        grade_id = f"{question}_answer"
        text = submitted.answers.get(grade_id)
        if text is not None and grade_id in starters and text.strip() == starters[grade_id].strip() \
                and copies[grade_id] == 1:
            candidates[question] = grade_id
    if not candidates:
        return set()
    bound_elsewhere = {}
    for name, source in submitted.cells:
        facts = _bindings(source)
        if facts is None:
            continue  # a syntax error: the cell runs nothing
        names, dynamic = facts
        if dynamic:
            return set()
        bound_elsewhere[name] = names
    unanswered = set()
    for question, grade_id in candidates.items():
        own = _bindings(starters[grade_id])[0]
        if not any(own & names for cell, names in bound_elsewhere.items() if cell != grade_id):
            unanswered.add(question)
    return unanswered


def release_answers(assignment):
    """grade_id -> source of each answer cell of the release (the starter code)."""
    if not assignment.release_notebook.is_file():
        return {}
    return {name: cell.source for name, cell in named_cells(assignment.release_notebook).items()
            if cell.role is Role.ANSWER and cell.cell_type == "code"}


@lru_cache(maxsize=4096)
def _bindings(source):
    """(names the code binds anywhere, whether it touches the namespace dynamically), or None
    for code that does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    except (RecursionError, MemoryError):  # too deep for a static reading: assume the worst
        return frozenset(), True
    names, dynamic = set(), False
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                names.add(node.id)
            dynamic = dynamic or node.id in _DYNAMIC
        elif isinstance(node, ast.Attribute):
            dynamic = dynamic or node.attr in _DYNAMIC
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
            dynamic = dynamic or node.name in _DYNAMIC
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
    return frozenset(names), dynamic
