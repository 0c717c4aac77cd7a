"""Student releases: nbgrader's generate_assignment writes release/<ps>/, then a leak check.

The release must hold no solution, no hidden test and no reference value; `find_leaks` checks
the first two by markers and by looking for the source's solution lines in the release.
"""
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from coursegrade.core import cells

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
           "BEGIN MARK SCHEME", "END MARK SCHEME")


class ReleaseError(Exception):
    pass


RUN_ALL_TAG = "raises-exception"  # JupyterLab's Run All goes on past a cell so tagged
CHECK_RUNNER = Path(__file__).resolve().parents[1] / "content" / "checking.py"


def release(assignment):
    """Regenerate release/<ps>/ from source/<ps>/ with nbgrader; raise if it leaks."""
    place_check_files(assignment)
    _generate(assignment.course.root, assignment.name)
    leaks = find_leaks(assignment)
    if leaks:
        raise ReleaseError("the release leaks grading material:\n  " + "\n  ".join(leaks))
    return sorted(p.relative_to(assignment.course.root) for p in assignment.release_dir.rglob("*")
                  if p.is_file())


def place_check_files(assignment, folder=None):
    """The public check runner (`checking.py`, which each assignment's checks.py imports) and
    the questions' forbidden calls (`forbidden_calls.json`, which the runner refuses while a
    question's checks run) as files of their own in the assignment's source folder (or
    `folder`), so that nbgrader copies them into the release and a copied course folder keeps
    working. Each is rewritten only when it differs."""
    folder = Path(folder or assignment.source_notebook.parent)
    forbidden = json.dumps(assignment.forbidden_calls, indent=1, sort_keys=True) + "\n"
    for name, data in (("checking.py", CHECK_RUNNER.read_bytes()), ("forbidden_calls.json", forbidden.encode())):
        target = folder / name
        if target.is_symlink() or not target.is_file() or target.read_bytes() != data:
            target.unlink(missing_ok=True)
            target.write_bytes(data)
    return folder


def _generate(root, name):
    command = [sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force",
               "--log-level=WARN"]
    # nbgrader runs `alembic` from the environment's bin folder, which may not be on PATH.
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    released = Path(root) / "release" / name
    # nbgrader deletes the old release before it writes the new one, also when it then
    # refuses: the old one is kept aside and put back unless a new one is made.
    kept = None
    if released.is_dir():
        kept = Path(tempfile.mkdtemp(prefix=f".release-{name}-", dir=root)) / name
        released.rename(kept)
    try:
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, env=env)
    except BaseException:
        _put_back(released, kept)
        raise
    if done.returncode != 0:
        _put_back(released, kept)
        output = done.stdout + done.stderr
        why = ""
        if "Cannot add or remove cells" in output:
            why = (f"\nThe gradebook (nbgrader's db_url, gradebook.db by default) holds submissions of {name} "
                   "graded against its old cells, and nbgrader does not add or remove the cells of an "
                   "assignment that has submissions. Grade the new version in a new gradebook (move "
                   "gradebook.db aside), or keep the old cells.")
        unchanged = f"\nrelease/{name}/ is unchanged." if kept is not None else ""
        raise ReleaseError(f"nbgrader generate_assignment {name} failed:\n"
                           f"{done.stdout[-3000:]}{done.stderr[-3000:]}{why}{unchanged}")
    if kept is not None:
        shutil.rmtree(kept.parent, ignore_errors=True)
    _let_run_all_go_on(released / f"{name}.ipynb")


def _put_back(released, kept):
    if kept is None:
        return
    if released.exists():
        shutil.rmtree(released)
    kept.rename(released)
    shutil.rmtree(kept.parent, ignore_errors=True)


def _let_run_all_go_on(path):
    """Tag every code cell of the release but the public checks `raises-exception`: a stub
    raises NotImplementedError (at the top level for an expression answer), and so do demos of
    functions not written yet, and JupyterLab's Run All stops at the first cell that raises
    unless it carries that tag. With it, a student's Run All reaches every question."""
    if not path.is_file():
        return
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code" and cells.role(cell) is not cells.Role.CHECKS:
            tags = cell.metadata.setdefault("tags", [])
            if RUN_ALL_TAG not in tags:
                tags.append(RUN_ALL_TAG)
    nbformat.write(notebook, path)


def release_drift(assignment):
    """How the committed release/<ps>/ differs from one regenerated from source/<ps>/ now,
    in a scratch course (the committed files and the gradebook are not touched)."""
    committed = assignment.release_dir
    with tempfile.TemporaryDirectory(prefix="release-drift-") as scratch:
        root = Path(scratch)
        shutil.copytree(assignment.source_notebook.parent, root / "source" / assignment.name,
                        symlinks=True)
        place_check_files(assignment, root / "source" / assignment.name)
        shutil.copy(assignment.course.root / "nbgrader_config.py", root)
        _generate(root, assignment.name)
        fresh = root / "release" / assignment.name
        names = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
        names |= {p.relative_to(committed) for p in committed.rglob("*") if p.is_file()} if committed.is_dir() else set()
        drift = []
        for name in sorted(names):
            ours, theirs = committed / name, fresh / name
            if not ours.is_file():
                drift.append(f"{name} is missing from release/{assignment.name}/")
            elif not theirs.is_file():
                drift.append(f"{name} is in release/{assignment.name}/ but not generated from source")
            elif ours.read_bytes() != theirs.read_bytes():
                drift.append(f"{name} differs from what source/{assignment.name}/ generates")
        return drift


def solution_lines(notebook):
    """Substantive lines inside the solution regions of a source notebook."""
    lines = []
    for cell in notebook.cells:
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN SOLUTION" in line:
                inside = True
            elif "END SOLUTION" in line:
                inside = False
            elif inside and len(line.strip()) >= 24:
                lines.append(line.strip())
    return lines


def _answer_lines(assignment):
    """Lines of the reference functions and classes that answer questions (the targets of mutants);
    the data and helpers a reference shares with the notebook are public."""
    from coursegrade.content.variants import load_variants
    path = assignment.material_dir / "reference.py"
    if not path.is_file():
        return []
    targets = {v.target for v in load_variants(assignment.material_dir)}
    text = path.read_text()
    lines = text.splitlines()
    found = []
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in targets:
            # the code, not the signatures and docstrings: those state the task, as the notebook does
            public = set()
            for inner in ast.walk(node):
                if isinstance(inner, (ast.FunctionDef, ast.ClassDef)):
                    first = inner.body[0]
                    end = first.end_lineno if ast.get_docstring(inner) else first.lineno - 1
                    public.update(range(inner.lineno, end + 1))
            code = [lines[number - 1] for number in range(node.lineno, node.end_lineno + 1)
                    if number not in public]
            found += _code_lines(code)
    return found


def _code_lines(lines):
    """Substantive code lines; signatures and imports are public anyway."""
    for line in lines:
        line = line.strip()
        if len(line) >= 24 and not line.startswith(("def ", "import ", "from ", "#", '"', "'", "class ")):
            yield line


def find_leaks(assignment):
    """Problems found in release/<ps>/: markers, solution lines, or missing files."""
    notebook_path = assignment.release_dir / f"{assignment.name}.ipynb"
    if not notebook_path.is_file():
        return [f"{notebook_path} does not exist: run `course release {assignment.name}`"]
    leaks = []
    release_texts = {}
    for path in assignment.release_dir.rglob("*"):
        if path.is_file() and path.suffix in (".ipynb", ".py", ".md", ".txt", ".json"):
            release_texts[path.name] = path.read_text(errors="replace")
    for name, text in release_texts.items():
        leaks += [f"{name} contains the marker {m!r}" for m in MARKERS if m in text]
    released = nbformat.read(notebook_path, as_version=4)
    released_code = "\n".join(cell.source for cell in released.cells)
    source = nbformat.read(assignment.source_notebook, as_version=4)
    leaks += [f"{notebook_path.name} contains a solution line: {line[:60]!r}"
              for line in solution_lines(source) if line in released_code]
    secret = [("reference.py", line) for line in _answer_lines(assignment)]
    secret += [(path.name, line) for path in assignment.hidden_dir.glob("test_*.py")
               for line in _code_lines(path.read_text().splitlines())]
    leaks += [f"{notebook_path.name} contains a line of {name}: {line[:60]!r}"
              for name, line in secret if line in released_code]
    hidden_names = {p.name for p in assignment.hidden_dir.glob("*.py")} - {"__init__.py"}
    leaks += [f"the release contains a hidden test file {n}" for n in hidden_names & set(release_texts)]
    return leaks
