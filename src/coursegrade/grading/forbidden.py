"""Static detection of library calls that do a question's asked-for work (COURSE.md), e.g.
`torch.nn.functional.cross_entropy` inside the answer to "implement cross-entropy".

The answer's source is parsed with `ast` on the trusted side (never executed). What a name
means decides a match:
- an import matches by its full dotted path (`from torch.autograd import grad`, `import jax`,
  `import autograd.numpy as anp` when the package `autograd` is forbidden);
- an attribute chain rooted at a name the answer imported is resolved through that import
  (`F.cross_entropy` after `import torch.nn.functional as F`);
- an attribute chain rooted at a name the code binds itself (an argument, a variable, a class,
  `self`) is the student's own object: `self.grad` or `node.functional` is not
  `torch.autograd.grad`;
- a chain rooted at a name bound nowhere in sight (imported in another cell) matches by its
  last component, as does a call of a bare name unless the notebook or the answer binds it (a
  student's own `logsumexp` helper, a local variable `grad`, are fine).
What this cannot see (a tensor's `.softmax` method, `getattr` with a computed name) the
sandbox's runtime guard refuses when it is called (inside/guards.py).
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
    imported = _imported_names(tree)
    own = (set(defined_names) | _bound_names(tree)) - set(imported)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.alias):
            found.update(_within(_import_path(node, imported), forbidden))
        elif isinstance(node, ast.Attribute):
            chain = _attribute_chain(node)
            if chain is None:
                continue
            root, rest = chain
            if root in imported:
                found.update(_within(".".join([imported[root]] + rest), forbidden))
            elif root not in own:
                found.update(by_last.get(node.attr, ()))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in own:
            found.update(by_last.get(node.func.id, ()))
            if node.func.id in imported:
                found.update(_within(imported[node.func.id], forbidden))
    return tuple(sorted(found))


def _within(path, forbidden):
    """The forbidden names that `path` is, or is inside of (`torch.autograd.grad` is inside
    a forbidden `torch.autograd`)."""
    return [d for d in forbidden if path == d or path.startswith(d + ".")]


def _imported_names(tree):
    """Name bound by an import -> the dotted path it stands for."""
    imported = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imported[alias.asname] = alias.name
                else:  # `import a.b.c` binds `a`
                    root = alias.name.split(".", 1)[0]
                    imported[root] = root
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            for alias in node.names:
                if alias.name != "*":
                    imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return imported


def _import_path(alias, imported):
    if alias.asname:
        return imported.get(alias.asname, alias.name)
    # `import a.b.c` imports the module a.b.c; `from m import n` imports m.n
    return alias.name if "." in alias.name else imported.get(alias.name, alias.name)


def _attribute_chain(node):
    """`a.b.c` -> ("a", ["b", "c"]); None when the chain does not start at a name."""
    rest = []
    while isinstance(node, ast.Attribute):
        rest.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return node.id, rest[::-1]


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
