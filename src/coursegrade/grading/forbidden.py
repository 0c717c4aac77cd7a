"""Static detection of library calls that do a question's asked-for work (COURSE.md), e.g.
`torch.nn.functional.cross_entropy` inside the answer to "implement cross-entropy".

The answer's source is parsed with `ast` on the trusted side (never executed). A call matches
when the last component of its dotted name matches: any attribute (`F.cross_entropy`), any
import (`from scipy.special import logsumexp`), and a call of a bare name (`logsumexp(z)`)
unless the notebook or the answer binds that name itself (a student's own `logsumexp` helper, a
local variable `grad`, are fine).
"""
import ast
import functools
import re


def forbidden_calls_in(source, forbidden, defined_names=frozenset()):
    """Sorted dotted names from `forbidden` that `source` calls or imports."""
    return list(_forbidden_calls(source, tuple(sorted(forbidden)), frozenset(defined_names)))


@functools.lru_cache(maxsize=4096)  # many answers are the same in many submissions
def _forbidden_calls(source, forbidden, defined_names):
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ()
    except (RecursionError, MemoryError):  # nested deeper than our parser goes (code that
        # raised the recursion limit in an earlier cell may still run it): any mention counts
        return tuple(sorted(d for d in forbidden
                            if re.search(rf"\b{re.escape(d.rsplit('.', 1)[-1])}\b", source)))
    by_last = {}
    for dotted in forbidden:
        by_last.setdefault(dotted.rsplit(".", 1)[-1], []).append(dotted)
    own = set(defined_names) | _bound_names(tree)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.alias):
            name = node.name.rsplit(".", 1)[-1]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in own:
            name = node.func.id
        else:
            continue
        found.update(by_last.get(name, ()))
    return tuple(sorted(found))


def _bound_names(tree):
    """Every name the code binds anywhere: definitions, assignments, loop targets, arguments."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return bound


def names_defined(sources):
    """Function, class and variable names that the notebook's code defines at top level."""
    names = set()
    for source in sources:
        names |= _top_level_names(source)
    return names


@functools.lru_cache(maxsize=4096)  # most cells are the same in every submission
def _top_level_names(source):
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return frozenset()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return frozenset(names)
