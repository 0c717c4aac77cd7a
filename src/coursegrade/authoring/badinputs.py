"""Submissions as they really arrive: broken files, mangled notebooks, late timestamps.

Each maker returns the bytes of one submitted file, built from the assignment's solution so
that whatever goes wrong is the one thing named. The demo batch (`course synth PS --messy`)
and the tests of bad inputs use them; the grader must say what is wrong, in words, for each,
and go on with the batch.
"""
import copy
import datetime
import random
import secrets

import nbformat

from coursegrade.authoring.synthetic import solution_notebook
from coursegrade.core import cells

DEFAULT_DUEDATE = "2025-10-06 17:00:00 UTC"


def _bytes(notebook):
    return nbformat.writes(notebook).encode("utf-8")


def _cells_with_role(notebook, role):
    """Indices of cells whose grade_id marks them as answers / checks / written answers."""
    found = []
    for index, cell in enumerate(notebook.cells):
        if cells.role(cell) is role:
            found.append(index)
    return found


def invalid_json(assignment):
    """The notebook cut off halfway, as an interrupted upload leaves it."""
    data = _bytes(solution_notebook(assignment))
    return data[: len(data) // 2]


def empty_file(assignment):
    return b""


def other_assignment(assignment):
    """The solution of another assignment of the course, submitted under this one's name."""
    others = [n for n in assignment.course.assignment_names() if n != assignment.name]
    if not others:
        raise ValueError("the course has only one assignment")
    return _bytes(solution_notebook(assignment.course.assignment(others[0])))


def deleted_answer_cell(assignment):
    notebook = solution_notebook(assignment)
    del notebook.cells[_cells_with_role(notebook, cells.Role.ANSWER)[0]]
    return _bytes(notebook)


def duplicated_answer_cell(assignment):
    notebook = solution_notebook(assignment)
    index = _cells_with_role(notebook, cells.Role.ANSWER)[1]
    twin = copy.deepcopy(notebook.cells[index])
    twin.id = f"{twin.get('id', 'cell')}-copy"  # JupyterLab gives a pasted cell a new id
    notebook.cells.insert(index + 1, twin)
    return _bytes(notebook)


def retyped_answer_cell(assignment):
    """An answer cell turned into markdown (a stray keystroke M in JupyterLab)."""
    notebook = solution_notebook(assignment)
    cell = notebook.cells[_cells_with_role(notebook, cells.Role.ANSWER)[2]]
    notebook.cells[_cells_with_role(notebook, cells.Role.ANSWER)[2]] = nbformat.v4.new_markdown_cell(
        cell.source, metadata=cell.metadata)
    return _bytes(notebook)


def renamed_grade_id(assignment):
    notebook = solution_notebook(assignment)
    cell = notebook.cells[_cells_with_role(notebook, cells.Role.ANSWER)[3]]
    cells.nbgrader_metadata(cell)["grade_id"] += "_v2"
    return _bytes(notebook)


def huge_outputs(assignment, megabytes=8):
    """The solution with `megabytes` of printed output in one cell, as a loop printing a big
    array leaves it (outputs are never trusted, only carried)."""
    notebook = solution_notebook(assignment)
    line = "0.123456789 " * 80 + "\n"
    text = line * int(megabytes * (1 << 20) // len(line))
    notebook.cells[_cells_with_role(notebook, cells.Role.ANSWER)[0]].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=text)]
    return _bytes(notebook)


def not_utf8(assignment):
    """The solution saved by an editor in Latin-1: a non-ASCII character in a lesson becomes a
    byte that is not UTF-8."""
    notebook = solution_notebook(assignment)
    notebook.cells[0].source += "\n\nNotes: r\u00e9sum\u00e9 of my work."
    return nbformat.writes(notebook).encode("latin-1", errors="replace")


def binary_garbage(assignment):
    return bytes(random.Random(7).randrange(256) for _ in range(4096))


def zip_archive(assignment):
    return b"PK\x03\x04" + bytes(200)


MAKERS = {
    "invalid-json": invalid_json, "empty-file": empty_file, "other-assignment": other_assignment,
    "deleted-answer-cell": deleted_answer_cell, "duplicated-answer-cell": duplicated_answer_cell,
    "retyped-answer-cell": retyped_answer_cell, "renamed-grade-id": renamed_grade_id,
    "huge-outputs": huge_outputs, "not-utf8": not_utf8,
}


def timestamps(students, duedate=DEFAULT_DUEDATE, late_fraction=0.1, seed=0):
    """{student: nbgrader timestamp text}: most an hour or two before `duedate`, some late."""
    from nbgrader.utils import parse_utc
    due = parse_utc(duedate)
    rng = random.Random(seed)
    stamps = {}
    for student in students:
        if rng.random() < late_fraction:
            moment = due + datetime.timedelta(minutes=rng.randint(5, 3 * 24 * 60))
        else:
            moment = due - datetime.timedelta(minutes=rng.randint(1, 5 * 24 * 60))
        stamps[student] = moment.strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    return stamps


def write_messy(assignment, submitted_dir, students, duedate=DEFAULT_DUEDATE, seed=0):
    """Turn an already written batch into a messy one: every student gets a timestamp.txt
    (some late) and a submission_secret.txt as nbgrader's exchange leaves them, and the first students' notebooks are replaced by one bad input each (one
    is also saved under the wrong name). Returns {student: what was done}."""
    done = {}
    students = list(students)
    stamps = timestamps(students, duedate, seed=seed)
    for student in students:
        folder = submitted_dir / student / assignment.name
        (folder / "timestamp.txt").write_text(stamps[student])
        # what `nbgrader submit` leaves: nbgrader's release_feedback matches feedback by it
        (folder / "submission_secret.txt").write_text(secrets.token_hex(64))
    for student, (kind, maker) in zip(students, MAKERS.items()):
        folder = submitted_dir / student / assignment.name
        try:
            data = maker(assignment)
        except ValueError:
            continue
        (folder / f"{assignment.name}.ipynb").write_bytes(data)
        done[student] = kind
    if len(students) > len(MAKERS):
        student = students[len(MAKERS)]
        folder = submitted_dir / student / assignment.name
        (folder / f"{assignment.name}.ipynb").rename(folder / f"{assignment.name} (1).ipynb")
        done[student] = "misnamed-notebook"
    return done
