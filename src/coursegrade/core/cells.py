"""The roles of a notebook's cells, read from nbgrader's cell metadata: the one module that reads
`metadata.nbgrader`.

nbgrader marks a cell with `solution` (students write here), `grade` (scored, with `points`)
and `grade_id` (its name). The engine knows four roles:

| role      | nbgrader metadata                               | what the engine does with it       |
| --------- | ----------------------------------------------- | ---------------------------------- |
| answer    | solution, not grade (code)                      | runs it; scans it (forbidden calls) |
| checks    | grade, not solution (code): the public checks   | never runs it; the hidden suite of  |
|           |                                                 | its grade_id scores it             |
| written   | grade and solution, or a graded markdown cell   | graded by hand (formgrader)         |
| fixed     | neither (lessons, setup, demos)                 | runs code cells in order            |

Submitted notebooks are hostile: every accessor here takes whatever JSON a cell holds and
answers with a safe default for anything malformed.
"""
import json
import os
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache


class Role(str, Enum):
    ANSWER = "answer"
    CHECKS = "checks"
    WRITTEN = "written"
    FIXED = "fixed"


def nbgrader_metadata(cell):
    """The cell's `metadata.nbgrader` dict, or {} for anything malformed."""
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    found = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return found if isinstance(found, dict) else {}


def grade_id(cell):
    """The cell's grade_id: a non-empty string, or None."""
    found = nbgrader_metadata(cell).get("grade_id")
    return found if isinstance(found, str) and found else None


def role(cell):
    """The role nbgrader's flags give a cell (see the table above)."""
    meta = nbgrader_metadata(cell)
    graded, solution = bool(meta.get("grade")), bool(meta.get("solution"))
    if graded and (solution or cell.get("cell_type") == "markdown"):
        return Role.WRITTEN
    if graded:
        return Role.CHECKS
    if solution:
        return Role.ANSWER
    return Role.FIXED


def points(cell):
    try:
        return float(nbgrader_metadata(cell).get("points", 0) or 0)
    except (TypeError, ValueError):
        return 0.0


def source_text(source):
    """A cell's source as one string (nbformat allows a list of lines)."""
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


@dataclass(frozen=True)
class SourceCell:
    """A named cell of an instructor's notebook (source/ or release/)."""
    grade_id: str
    cell_type: str
    role: Role
    index: int
    points: float
    source: str


def read_notebook_json(path):
    """An instructor's notebook (nbformat 4) as a JSON dict, each cell's source one string."""
    with open(path, encoding="utf-8") as handle:
        notebook = json.load(handle)
    for cell in notebook["cells"]:
        cell["source"] = source_text(cell.get("source", ""))
    return notebook


def named_cells(path):
    """grade_id -> SourceCell of an instructor's notebook, in notebook order (cached until the
    file changes)."""
    return _named_cells(str(path), os.stat(path).st_mtime_ns)


@lru_cache(maxsize=32)
def _named_cells(path, _mtime):
    found = {}
    for index, cell in enumerate(read_notebook_json(path)["cells"]):
        name = grade_id(cell)
        if name:
            found[name] = SourceCell(name, cell["cell_type"], role(cell), index, points(cell),
                                     cell["source"])
    return found


def unnamed_fixed_code(path):
    """The sources of code cells that are neither answers nor graded, in order: the public code
    of a release (setup, demos), named or not."""
    return [cell["source"] for cell in read_notebook_json(path)["cells"]
            if cell["cell_type"] == "code" and role(cell) is Role.FIXED]
