"""Test material for foreign-format grading: nbgrader courses and real `nbgrader autograde` runs.

`user_guide_course(tmp)` copies nbgrader's own user-guide course (tests/data/nbgrader_user_guide,
vendored from jupyter/nbgrader with its BSD-3 licence) into `tmp`; `add_tricks_assignment`
adds an assignment "tricks" written here in nbgrader's format, whose test cells exercise what
the trusted side must get right: the classic monkeypatch (a student patches
numpy.testing.assert_allclose in their kernel), partial credit, hidden tests, a test that expects
an argument changed in place and one that compares identities (both run in the sandbox).
`nbgrader_scores(course, ps)` runs the real nbgrader on it and returns its per-cell scores.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).parent / "data" / "nbgrader_user_guide"
RECORDED = Path(__file__).parent / "data" / "nbgrader_user_guide_scores.json"
VENV_BIN = Path(sys.executable).parent


def user_guide_course(tmp):
    root = Path(tmp) / "course"
    shutil.copytree(DATA, root)
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    return root


def _cell(kind, source, **nbgrader):
    cell = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    if nbgrader:
        cell["metadata"]["nbgrader"] = {"schema_version": 3, "locked": False, "solution": False,
                                        "grade": False, **nbgrader}
    return cell


def _notebook(cells):
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                        "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


SOLUTIONS = {
    "mean": "def mean(xs):\n    ### BEGIN SOLUTION\n    return sum(xs) / len(xs)\n    ### END SOLUTION\n",
    "sort_in_place": "def sort_in_place(xs):\n    ### BEGIN SOLUTION\n    xs.sort()\n    ### END SOLUTION\n",
    "cached": "_cache = []\ndef cached():\n    ### BEGIN SOLUTION\n    return _cache\n    ### END SOLUTION\n",
}
TESTS = [
    ("test_mean", 1, "import numpy as np\nnp.testing.assert_allclose(mean([1, 2, 3]), 2.0)\n"
                     "np.testing.assert_allclose(mean([0.5]), 0.5)\n"),
    ("mean_partial", 2, '"""Half the points per case"""\nscore = 0\n'
                        "score += 1 if mean([2, 4]) == 3 else 0\n"
                        "### BEGIN HIDDEN TESTS\nscore += 1 if mean([5]) == 5 else 0\n"
                        "### END HIDDEN TESTS\nscore\n"),
    ("test_sort", 1, "xs = [3, 1, 2]\nsort_in_place(xs)\nassert xs == [1, 2, 3]\n"),
    ("test_identity", 1, "assert cached() is cached()\n"),
]


def tricks_source():
    cells = [_cell("markdown", "# Tricks\nWrite `mean`, `sort_in_place` and `cached`.")]
    for name, solution in SOLUTIONS.items():
        cells.append(_cell("code", solution, solution=True, grade_id=name))
        for test, points, code in TESTS:
            if (name == "mean" and test.startswith(("test_mean", "mean_"))) or \
                    (name == "sort_in_place" and test == "test_sort") or \
                    (name == "cached" and test == "test_identity"):
                cells.append(_cell("code", code, grade=True, grade_id=test, points=points, locked=True))
    return _notebook(cells)


ANSWERS = {
    "honest": {},  # the solutions themselves
    "mallory": {  # wrong answers, and the kernel's numpy patched to pass anything
        "mean": "import numpy\nnumpy.testing.assert_allclose = lambda *args, **kwargs: None\n"
                "def mean(xs):\n    return 0\n",
        "sort_in_place": "def sort_in_place(xs):\n    return sorted(xs)\n",
    },
    "half": {"mean": "def mean(xs):\n    return 5 if len(xs) == 1 else sum(xs) / len(xs) + 1\n"},
}


def add_tricks_assignment(root, students=("honest", "mallory", "half")):
    source = tricks_source()
    folder = Path(root) / "source" / "tricks"
    folder.mkdir(parents=True)
    (folder / "tricks.ipynb").write_text(json.dumps(source, indent=1))
    for student in students:
        submitted = json.loads(json.dumps(source))
        for cell in submitted["cells"]:
            name = cell["metadata"].get("nbgrader", {}).get("grade_id")
            if name in ANSWERS[student]:
                cell["source"] = ANSWERS[student][name]
            elif name in SOLUTIONS:  # the solution without nbgrader's markers
                cell["source"] = "\n".join(line for line in cell["source"].splitlines()
                                           if "###" not in line) + "\n"
            elif cell["metadata"].get("nbgrader", {}).get("grade"):  # as released: no hidden tests
                lines, hidden = [], False
                for line in cell["source"].splitlines():
                    hidden = hidden or "BEGIN HIDDEN" in line
                    if not hidden:
                        lines.append(line)
                    hidden = hidden and "END HIDDEN" not in line
                cell["source"] = "\n".join(lines) + "\n"
        out = Path(root) / "submitted" / student / "tricks"
        out.mkdir(parents=True)
        (out / "tricks.ipynb").write_text(json.dumps(submitted, indent=1))
    return folder


def nbgrader_scores(root, assignment):
    """{student: {"<notebook>/<grade_id>": auto_score}} from the real `nbgrader autograde`
    (db assignment add, generate_assignment, autograde), run on a copy of `root`."""
    work = Path(root).parent / f"nbgrader-{assignment}"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(root, work, ignore=shutil.ignore_patterns("autograded", "gradebook.db", "release"))
    (work / "nbgrader_config.py").write_text(f"c = get_config()\nc.CourseDirectory.root = {str(work)!r}\n")
    env = dict(os.environ, PATH=f"{VENV_BIN}:{os.environ.get('PATH', '')}")
    nbgrader = str(VENV_BIN / "nbgrader")
    for argv in (["db", "assignment", "add", assignment], ["generate_assignment", assignment, "--force"],
                 ["autograde", assignment, "--force"]):
        subprocess.run([nbgrader, *argv], cwd=work, env=env, check=True, capture_output=True)
    from nbgrader.api import Gradebook
    scores = {}
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gradebook:
        for submission in gradebook.assignment_submissions(assignment):
            scores[submission.student_id] = {f"{g.notebook.name}/{g.name}": g.auto_score
                                             for nb in submission.notebooks for g in nb.grades}
    return scores


def record(out=RECORDED):
    """Write nbgrader's own scores of the user-guide course and of "tricks" to `out` (run
    `.venv/bin/python tests/nbgrader_material.py`; a minute or two: nbgrader starts a kernel
    per notebook)."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        root = user_guide_course(tmp)
        add_tricks_assignment(root)
        import nbgrader
        scores = {"command": "nbgrader db assignment add PS; nbgrader generate_assignment PS --force; "
                             "nbgrader autograde PS --force (tests/nbgrader_material.py)",
                  "nbgrader_version": nbgrader.__version__,
                  "ps1": nbgrader_scores(root, "ps1"), "tricks": nbgrader_scores(root, "tricks")}
    Path(out).write_text(json.dumps(scores, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    record()
