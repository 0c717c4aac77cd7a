"""Static detection of library calls that do a question's asked-for work (COURSE.md), e.g.
`torch.nn.functional.cross_entropy` inside the answer to "implement cross-entropy".

The answer's source is parsed with `ast` on the trusted side (never executed). A call matches
when the last component of its dotted name matches: any attribute (`F.cross_entropy`), any
import (`from scipy.special import logsumexp`), and bare names unless the notebook defines that
name itself (a student's own `logsumexp` helper is fine).
"""
import ast


def forbidden_calls_in(source, forbidden, defined_names=frozenset()):
    """Sorted dotted names from `forbidden` that `source` calls or imports."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    by_last = {}
    for dotted in forbidden:
        by_last.setdefault(dotted.rsplit(".", 1)[-1], []).append(dotted)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.alias):
            name = node.name.rsplit(".", 1)[-1]
        elif isinstance(node, ast.Name) and node.id not in defined_names:
            name = node.id
        else:
            continue
        found.update(by_last.get(name, ()))
    return sorted(found)


def names_defined(sources):
    """Function, class and variable names that the notebook's code defines at top level."""
    names = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names
