"""Reading a submitted notebook on the trusted side: JSON in, the code to run out.

Nothing here executes student code; nbformat only parses it as data.
"""
import json
from dataclasses import dataclass, field

import nbformat


class NotebookError(Exception):
    """A submission that cannot be graded at all, with a reason a person can act on."""


@dataclass
class SubmittedNotebook:
    cells: list                  # [(name, source)] of code cells to run, in order
    answers: dict                # grade_id -> source of solution cells (for static checks)
    problems: list = field(default_factory=list)  # what is wrong but gradeable, in words


def read_submission(path, assignment):
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise NotebookError(f"cannot read {path.name}: {error.strerror}") from None
    if not raw.strip():
        raise NotebookError(f"{path.name} is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotebookError(f"{path.name} is not UTF-8 text (byte {error.start})") from None
    try:
        notebook = nbformat.reads(text, as_version=4)
    except (json.JSONDecodeError, nbformat.reader.NotJSONError) as error:
        raise NotebookError(f"{path.name} is not valid notebook JSON: {error}") from None
    except Exception as error:  # nbformat raises several types for malformed notebooks
        raise NotebookError(f"{path.name} is not a readable notebook: {error}") from None
    return parse_cells(notebook, assignment)


def parse_cells(notebook, assignment):
    cells, answers, problems = [], {}, []
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id")
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if meta.get("grade") and not meta.get("solution"):
            continue  # public checks: the hidden suite grades this question instead
        name = grade_id or f"cell {index + 1}"
        if meta.get("solution") and grade_id:
            answers[grade_id] = source
        cells.append((name, strip_magics(source)))
    expected = {q for q in assignment.autograded_questions}
    missing = sorted(q for q in expected if f"{q}_answer" not in answers)
    if missing and len(missing) == len(expected):
        problems.append("no answer cells of this assignment were found: is this the right notebook?")
    elif missing:
        problems.append("answer cells missing or renamed: " + ", ".join(f"{q}_answer" for q in missing))
    return SubmittedNotebook(cells, answers, problems)


def strip_magics(source):
    """IPython-only lines (%magic, !shell) cannot run outside a kernel: comment them out."""
    lines = source.splitlines()
    return "\n".join(f"# (not run by the grader) {line}" if line.lstrip().startswith(("%", "!"))
                     else line for line in lines)
