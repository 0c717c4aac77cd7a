"""Student releases: nbgrader's generate_assignment writes release/<ps>/, then a leak check.

The release must hold no solution, no hidden test and no reference value; `find_leaks` checks
the first two by markers and by looking for the source's solution lines in the release.
"""
import os
import subprocess
import sys

import nbformat

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
           "BEGIN MARK SCHEME", "END MARK SCHEME")


class ReleaseError(Exception):
    pass


def release(assignment):
    """Regenerate release/<ps>/ from source/<ps>/ with nbgrader; raise if it leaks."""
    command = [sys.executable, "-m", "nbgrader", "generate_assignment", assignment.name,
               "--force", "--log-level=WARN"]
    # nbgrader runs `alembic` from the environment's bin folder, which may not be on PATH.
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    done = subprocess.run(command, cwd=assignment.course.root, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise ReleaseError(f"nbgrader generate_assignment {assignment.name} failed:\n"
                           f"{done.stdout[-3000:]}{done.stderr[-3000:]}")
    leaks = find_leaks(assignment)
    if leaks:
        raise ReleaseError("the release leaks grading material:\n  " + "\n  ".join(leaks))
    return sorted(p.relative_to(assignment.course.root) for p in assignment.release_dir.rglob("*")
                  if p.is_file())


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
    hidden_names = {p.name for p in assignment.hidden_dir.glob("*.py")} - {"__init__.py"}
    leaks += [f"the release contains a hidden test file {n}" for n in hidden_names & set(release_texts)]
    return leaks
