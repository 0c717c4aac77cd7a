"""The engine's layers (docs/architecture.md): each module imports only from its own layer or the
layers below it, and no two modules import each other, directly or round a cycle. Read from the
source with `ast`, function-level imports included, so a late import cannot hide a cycle."""
import ast
from pathlib import Path

import coursegrade

PACKAGE = Path(coursegrade.__file__).resolve().parent
# Lowest first: a layer may import from those before it, never from those after.
LAYERS = ["inside", "core", "content", "grading", "outputs", "authoring", "cli"]


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "course_template" in path.parts:  # the course `course init` writes: data
            continue
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(("coursegrade",) + parts).removesuffix(".__init__")
        yield name, path


def _layer(module):
    parts = module.split(".")
    if len(parts) == 1:
        return "front"  # coursegrade/__init__.py: the content API's front
    return parts[1]


def _imports(path, module):
    """The coursegrade modules `path` imports (absolute, and relative resolved)."""
    found = set()
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    known = dict(_modules())
    return {name for name in found if name in known and name != module}


def _graph():
    return {module: _imports(path, module) for module, path in _modules()}


def test_every_module_belongs_to_a_layer():
    layers = {_layer(m) for m, _ in _modules()}
    assert layers <= set(LAYERS) | {"front"}, layers - set(LAYERS)


def _violations(graph):
    wrong = []
    for module, imported in graph.items():
        layer = _layer(module)
        for other in imported:
            if layer == "front":
                ok = _layer(other) == "content"
            elif layer == "inside":
                ok = _layer(other) == "inside"  # the sandbox sees only its own folder
            else:
                ok = _layer(other) != "front" and LAYERS.index(_layer(other)) <= LAYERS.index(layer)
            if not ok:
                wrong.append(f"{module} imports {other}")
    return sorted(wrong)


def test_imports_go_down_the_layers_only():
    wrong = _violations(_graph())
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    graph = _graph()
    # Packages' __init__ import their own modules only through the front; a package is not a
    # module here, so drop package -> own-module edges before looking for cycles.
    edges = {m: {o for o in imported if not o.startswith(m + ".")} for m, imported in graph.items()}
    cycles, state = [], {}

    def visit(module, stack):
        state[module] = "open"
        for other in sorted(edges.get(module, ())):
            if state.get(other) == "open":
                cycles.append(" -> ".join(stack[stack.index(other):] + [other]))
            elif other not in state:
                visit(other, stack + [other])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert not cycles, "\n".join(cycles)


def test_the_checker_sees_a_wrong_import(tmp_path):
    """The rule must be able to fail: a core module importing from grading (even inside a
    function) and the sandbox's code importing the engine are both reported."""
    source = tmp_path / "probe.py"
    source.write_text("def later():\n    from coursegrade.grading.batch import grade_batch\n")
    imported = _imports(source, "coursegrade.core.probe")
    assert imported == {"coursegrade.grading.batch"}
    assert _violations({"coursegrade.core.probe": imported,
                        "coursegrade.inside.zygote": {"coursegrade.core.settings"}}) == [
        "coursegrade.core.probe imports coursegrade.grading.batch",
        "coursegrade.inside.zygote imports coursegrade.core.settings"]
