"""Reading a submitted notebook on the trusted side: bytes in, the code to run out.

Nothing here executes student code; the notebook is only parsed as data. A submission arrives
as whatever a student's editor (or upload form) produced, so every way it can be wrong ends as
either a `NotebookError` (not gradeable, with a sentence the student can act on) or an entry in
`problems` (still graded, but said in words). Cells are classified by their `grade_id` against
the SOURCE notebook, never by the nbgrader flags in the submission: a student who edits the
metadata cannot turn their answer into a "checks" cell or a written answer into code.

Outputs are never executed or trusted, so they are dropped as soon as the notebook is parsed;
a size cap keeps a notebook carrying hundreds of MB of outputs from costing memory and time.
Notebooks are read as plain JSON: nbformat (and the jsonschema it imports, over a second of a
grading worker's start) is only needed for the rare notebook in the old v3 format.
"""
import codecs
import difflib
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field

from coursegrade.core.cells import Role, grade_id as cell_grade_id, source_text

OUTPUTS_WORTH_MENTIONING = 1 << 20  # bytes of outputs above which the student is told
# Files that students upload by mistake, recognised by their first bytes.
_MAGIC = {b"PK\x03\x04": "a zip archive", b"%PDF": "a PDF document", b"\x89PNG": "a PNG image",
          b"\xff\xd8\xff": "a JPEG image", b"\x1f\x8b": "a gzip archive"}
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")  # JSON's escape of half a pair
_CHECK_CALL = re.compile(r"^\s*(from checks import checks?|check\(.*\)|checks\.run_all\(\))\s*(#.*)?$")


class NotebookError(Exception):
    """A submission that cannot be graded at all, with a reason a person can act on."""


@dataclass
class SubmittedNotebook:
    cells: list                  # [(name, source)] of code cells to run, in order
    answers: dict                # grade_id -> source of solution cells (for static checks)
    problems: list = field(default_factory=list)  # what is wrong but gradeable, in words
    written: dict = field(default_factory=dict)   # grade_id -> text of written answers (first copy)


def read_submission(path, assignment):
    """The submission at `path`, ready to grade. Raises NotebookError if it cannot be, and
    nothing else: the file is hostile data, and whatever in it trips the reader (a value of a
    type no notebook has, a limit of the JSON or Python parsers) leaves that one submission
    ungraded, with the reason, never the batch."""
    notebook, problems = read_notebook(path, assignment)
    try:
        submitted = parse_cells(notebook, assignment)
    except NotebookError:
        raise
    except Exception as error:
        raise _unreadable(path.name, error) from None
    submitted.problems[:0] = problems
    return submitted


def _unreadable(name, error):
    """The NotebookError for an exception the reader did not foresee (see read_submission)."""
    if isinstance(error, RecursionError):
        return NotebookError(f"{name} is nested too deeply to be a notebook")
    return NotebookError(f"{name} is not a readable notebook ({type(error).__name__}: "
                         f"{str(error)[:200]}); open it in JupyterLab, save, and submit again")


def read_notebook(path, assignment):
    """(notebook as a JSON dict without outputs, problems) or NotebookError (and nothing
    else), for the file at `path`."""
    try:
        return _read_notebook(path, assignment)
    except NotebookError:
        raise
    except Exception as error:
        raise _unreadable(path.name, error) from None


def _read_notebook(path, assignment):
    name = path.name
    limit = max_notebook_bytes(assignment.course)
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        raise NotebookError(f"{name} was not found in the submission folder") from None
    except OSError as error:
        raise NotebookError(f"cannot read {name}: {error.strerror}") from None
    if size > limit:
        raise NotebookError(
            f"{name} is {_megabytes(size)}, more than the {_megabytes(limit)} a notebook may be. "
            "Large outputs (printed arrays, images) are the usual cause: clear all outputs "
            "(Edit > Clear Outputs of All Cells), save, and submit again.")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise NotebookError(f"cannot read {name}: {error.strerror}") from None
    if not raw.strip():
        raise NotebookError(f"{name} is empty (0 cells, {size} bytes): "
                            "was it saved before submitting?")
    for magic, kind in _MAGIC.items():
        if raw.startswith(magic):
            raise NotebookError(f"{name} is {kind}, not a notebook: submit the .ipynb file itself")
    text, problems = _decode(raw, name)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        if problems:  # not UTF-8 and not JSON: some other kind of file
            raise NotebookError(f"{name} is not a notebook: it is neither UTF-8 text nor JSON") from None
        raise NotebookError(
            f"{name} is not valid notebook JSON (line {error.lineno}, column {error.colno}: "
            f"{error.msg}); it was probably cut off or edited outside Jupyter. Open it in "
            "JupyterLab, save, and submit again.") from None
    except ValueError:  # not JSON's syntax but Python's limit: an integer of 4,300+ digits
        raise NotebookError(f"{name} is not a readable notebook: it holds a number too long to "
                            "read (more than 4,300 digits), which no notebook saved by Jupyter "
                            "has") from None
    except (RecursionError, MemoryError):
        raise NotebookError(f"{name} is nested too deeply to be a notebook") from None
    if _SURROGATE_ESCAPE.search(text):
        data, replaced = _without_lone_surrogates(data)
        if replaced:
            problems.append(f"{name} holds text that is not valid Unicode (a lone surrogate "
                            "character); it was replaced by '?'")
    notebook = _as_notebook(data, name)
    outputs = _drop_outputs(notebook)
    if outputs > OUTPUTS_WORTH_MENTIONING:
        problems.append(f"the notebook carries {_megabytes(outputs)} of outputs; the grader "
                        "ignores outputs, so clearing them before submitting keeps it small")
    return notebook, problems


def _decode(raw, name):
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), [f"{name} was saved as UTF-16; it was read, but "
                                          "notebooks should be UTF-8"]
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as error:
        return raw.decode("utf-8", errors="replace"), [
            f"{name} contains bytes that are not UTF-8 text (the first at byte {error.start}); "
            "they were replaced by \ufffd, which breaks any code that contains them. Save the "
            "notebook from JupyterLab, which always writes UTF-8."]


def _without_lone_surrogates(data):
    """(`data` with each lone surrogate, which JSON's \\ud800 escapes can make and no UTF-8 file
    of feedback or report can hold, replaced by '?'; whether there was one)."""
    text = json.dumps(data, ensure_ascii=False)
    fixed = text.encode("utf-8", "replace").decode("utf-8")
    return (json.loads(fixed), True) if fixed != text else (data, False)


def _as_notebook(data, name):
    if not isinstance(data, dict) or not ("cells" in data or "worksheets" in data):
        raise NotebookError(f"{name} is JSON but not a notebook (it has no cells)")
    notebook = data
    version = data.get("nbformat", 4)
    if type(version) is float and version.is_integer() and abs(version) < 100:
        version = int(version)  # 4.0: not what Jupyter writes, but meant the same
    if type(version) is not int:
        raise NotebookError(f"{name} is not a readable notebook: its format version (nbformat) "
                            f"is {str(version)[:40]!r}, not a whole number")
    if not 1 <= version <= 4:
        raise NotebookError(f"{name} is not a readable notebook: its format version (nbformat) "
                            f"is {str(version)[:40]}, not one of Jupyter's (1 to 4)")
    if version != 4:
        try:
            import nbformat
            notebook = nbformat.convert(nbformat.from_dict(data), 4)
        except Exception as error:  # nbformat raises several types for malformed notebooks
            raise NotebookError(f"{name} is not a readable notebook: {str(error)[:200]}") from None
    if not isinstance(notebook.get("cells"), list):
        raise NotebookError(f"{name} is not a readable notebook: its cells are not a list")
    return notebook


def _drop_outputs(notebook):
    """Remove outputs (never trusted, never needed); return roughly how many bytes they held."""
    dropped = 0
    for cell in notebook["cells"]:
        if isinstance(cell, dict) and cell.get("outputs"):
            outputs = cell["outputs"]
            dropped += sum(map(_size, outputs)) if isinstance(outputs, list) else _size(outputs)
            cell["outputs"] = []
    return dropped


def _size(output):
    """Roughly how many bytes an output held (0 for one too deep to measure)."""
    if isinstance(output, str):
        return len(output)
    try:
        return len(json.dumps(output))
    except (ValueError, TypeError, RecursionError):
        return 0


def parse_cells(notebook, assignment):
    """The code to run, the answers to check statically, and the problems, in words.

    Cells are matched to the source notebook by grade_id: public-checks cells and written
    answers are never run; answer cells, fixed cells (setup, demos) and cells the student added
    run in order. Deleted, duplicated, retyped and renamed graded cells are reported."""
    source = source_cells(assignment)
    cells, answers, written, problems, unknown = [], {}, {}, [], []
    seen = Counter()
    unlabelled_code = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            problems.append(f"cell {index + 1} is malformed and was skipped")
            continue
        if not _is_source(cell.get("source", "")):
            problems.append(f"cell {index + 1} is malformed (its source is not text) and was skipped")
            continue
        text = source_text(cell.get("source", ""))
        grade_id = cell_grade_id(cell)
        known = source.get(grade_id)
        is_code = cell["cell_type"] == "code"
        if known is None:
            if grade_id:
                unknown.append(grade_id)
            if is_code and not _only_check_calls(text):
                cells.append((grade_id or f"cell {index + 1}", strip_magics(text)))
                unlabelled_code.append(text)
            continue
        seen[grade_id] += 1
        copy = seen[grade_id]
        graded = known.role is not Role.FIXED
        if copy == 2 and graded:  # report once per id, however many copies
            problems.append(_duplicated(known))
        if cell["cell_type"] != known.cell_type and copy == 1 and graded:
            problems.append(_retyped(known, cell["cell_type"]))
        if known.role is Role.WRITTEN:
            if copy == 1:
                written[grade_id] = text
            continue
        if known.role is Role.CHECKS or not is_code or (known.role is Role.FIXED and _only_check_calls(text)):
            continue  # (a summary of the public checks, `checks.run_all()`, is the students' own)
        if known.role is Role.ANSWER:
            answers[grade_id] = answers.get(grade_id, "") + ("\n" if copy > 1 else "") + text
        cells.append((grade_id if copy == 1 else f"{grade_id} (copy {copy})", strip_magics(text)))
    problems += _missing_and_renamed(source, seen, unknown, assignment)
    # An answer cell that is gone leaves its code elsewhere: static checks (forbidden calls)
    # then look at every cell the source does not know, so deleting metadata hides nothing.
    loose = "\n".join(unlabelled_code)
    for grade_id, known in source.items():
        if known.role is Role.ANSWER and grade_id not in answers and loose:
            answers[grade_id] = loose
    return SubmittedNotebook(cells, answers, problems, written)


def _is_source(source):
    """Text as nbformat stores it: a string, or a list of strings."""
    return isinstance(source, str) or (isinstance(source, list) and all(isinstance(s, str) for s in source))


def _missing_and_renamed(source, seen, unknown, assignment):
    graded_ids = [g for g, c in source.items() if c.role is not Role.FIXED]
    present = [g for g in graded_ids if seen[g]]
    if not present:
        other = _other_assignment(unknown, assignment)
        if other is not None:
            raise NotebookError(f"this is the notebook of {other.name} ({other.title}), not of "
                                f"{assignment.name}: submit {assignment.name}.ipynb")
        if unknown:
            raise NotebookError(f"none of the cells of {assignment.name} are in this notebook "
                                f"(it has cells {', '.join(sorted(set(unknown))[:5])}): is it the "
                                "right notebook?")
        return ["no cells of this assignment were found (the notebook has lost its nbgrader "
                "cell metadata: was the work copied into a new notebook?); it was graded by "
                "running all its code, and written answers could not be found"]
    problems = []
    missing = [g for g in graded_ids if not seen[g]]
    renamed = {}
    for grade_id in dict.fromkeys(unknown):
        close = difflib.get_close_matches(grade_id, [m for m in missing if m not in renamed.values()],
                                          n=1, cutoff=0.6)
        if close:
            renamed[grade_id] = close[0]
            problems.append(f"a cell's grade_id was changed from `{close[0]}` to `{grade_id}`; "
                            + _consequence(source[close[0]]))
        else:
            problems.append(f"a cell has the grade_id `{grade_id}`, which {assignment.name} does not "
                            "have (its code, if any, still runs)")
    for grade_id in missing:
        if grade_id not in renamed.values():
            problems.append(f"the cell `{grade_id}` ({_what(source[grade_id])}) was deleted; "
                            + _consequence(source[grade_id]))
    return problems


def _what(cell):
    question = cell.grade_id.removesuffix("_answer").removesuffix("_written")
    return {Role.ANSWER: f"the answer to {question}", Role.CHECKS: f"the public checks of {question}",
            Role.WRITTEN: f"the written answer to {question}"}.get(cell.role, "a fixed cell")


def _consequence(cell):
    if cell.role is Role.ANSWER:
        return "functions defined in other cells still count"
    if cell.role is Role.CHECKS:
        return "the question is graded all the same"
    return "the written answer cannot be graded and scores 0 unless an instructor decides otherwise"


def _duplicated(cell):
    if cell.role is Role.WRITTEN:
        return f"the cell `{cell.grade_id}` ({_what(cell)}) appears more than once; the first copy is graded"
    if cell.role is Role.ANSWER:
        return (f"the cell `{cell.grade_id}` ({_what(cell)}) appears more than once; all copies "
                "run in order, so the last definition counts")
    return f"the cell `{cell.grade_id}` ({_what(cell)}) appears more than once"


def _retyped(cell, now):
    said = f"the cell `{cell.grade_id}` ({_what(cell)}) was changed from a {cell.cell_type} cell to a {now} cell"
    if cell.role is Role.ANSWER and now != "code":
        return said + ", so its code does not run"
    if cell.role is Role.WRITTEN:
        return said + "; it is not run, and is graded by hand as text"
    return said


def _other_assignment(unknown, assignment):
    if not unknown:
        return None
    ids = set(unknown)
    for name in assignment.course.assignment_names():
        if name == assignment.name:
            continue
        other = assignment.course.assignment(name)
        theirs = {g for g, c in source_cells(other).items() if c.role is not Role.FIXED}
        if theirs and len(ids & theirs) >= max(1, len(theirs) // 2):
            return other
    return None


def source_cells(assignment):
    """grade_id -> SourceCell of the assignment's source notebook."""
    return assignment.source_cells


def max_notebook_bytes(course):
    """c.Grading.max_notebook_mb of the course's settings."""
    return int(course.settings["Grading", "max_notebook_mb"] * (1 << 20))


def _megabytes(size):
    return f"{size / (1 << 20):.1f} MB" if size >= 1 << 20 else f"{size / 1024:.0f} kB"


def _only_check_calls(text):
    """A cell that only runs public checks (`check("q")`, `checks.run_all()`): the hidden suite
    replaces those."""
    lines = [line for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return bool(lines) and all(_CHECK_CALL.match(line) for line in lines)


def strip_magics(source):
    """IPython-only lines (%magic, !shell) cannot run outside a kernel: comment them out."""
    lines = source.splitlines()
    return "\n".join(f"# (not run by the grader) {line}" if line.lstrip().startswith(("%", "!"))
                     else line for line in lines)
