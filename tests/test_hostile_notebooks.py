"""Hostile notebook files: valid JSON with the wrong type in any field nbformat defines, v3
notebooks with broken worksheets, and text that trips the JSON reader's or Python's own
limits. Each is one student's submission in one real batch next to an honest control: each is
said in words for that student (ungraded with the reason, or graded with the problem noted),
and the batch goes on. `test_hypothesis_inputs.py` mutates notebooks at random on top of these.
"""
import copy
import io
import json
from pathlib import Path

import pytest

from coursegrade.authoring.synthetic import solution_notebook
from coursegrade.core.course import Course
from coursegrade.grading.batch import grade_batch
from coursegrade.grading.sandbox import Limits

ROOT = Path(__file__).resolve().parents[1]
DEEP = 100_000


def _cells_where(notebook, keep):
    return [c for c in notebook["cells"] if keep(c)]


def _grade_id(cell):
    meta = cell.get("metadata", {})
    return meta.get("nbgrader", {}).get("grade_id") if isinstance(meta, dict) else None


def _first_markdown(notebook):
    """The first lesson cell (markdown, not a written answer)."""
    return _cells_where(notebook, lambda c: c["cell_type"] == "markdown"
                        and not (_grade_id(c) or "").endswith("_written"))[0]


def _answer(notebook, grade_id):
    return _cells_where(notebook, lambda c: _grade_id(c) == grade_id)[0]


def _set(path, value):
    """A mutation: `notebook[path...] = value` (a path of keys, or a function of the notebook)."""
    def mutate(notebook):
        *where, last = path
        target = notebook
        for key in where:
            target = key(notebook) if callable(key) else target[key]
        target[last] = value
    return mutate


def _each_cell(key, value):
    def mutate(notebook):
        for cell in notebook["cells"]:
            cell[key] = value
    return mutate


def _append_cell(source):
    def mutate(notebook):
        notebook["cells"].append({"cell_type": "code", "metadata": {}, "source": source,
                                  "outputs": [], "execution_count": None})
    return mutate


def _v3(**top):
    return json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, **top})


# student -> (a mutation of the solution notebook, or the file's text), status, words in the
# result's reason or problems ("" for none), and whether it keeps full marks when graded.
CASES = {
    # the type of a field is wrong
    "cells-entries-not-dicts": (lambda nb: nb.__setitem__("cells", [1, "x", None, [], {}] + nb["cells"]),
                                "graded", "cell 1 is malformed and was skipped", True),
    "cells-a-dict": (_set(["cells"], {"0": {}}), "ungraded", "its cells are not a list", None),
    "cells-null": (_set(["cells"], None), "ungraded", "its cells are not a list", None),
    "outputs-a-number": (_each_cell("outputs", 5), "graded", "", True),
    "outputs-a-dict": (_each_cell("outputs", {"text": "x"}), "graded", "", True),
    "outputs-a-string": (_each_cell("outputs", "x" * 100), "graded", "", True),
    "outputs-nested-900-deep": (_set(["cells", 0, "outputs"], json.loads("[" * 900 + "]" * 900)),
                                "graded", "", True),
    "source-a-number": (_set([_first_markdown, "source"], 5), "graded", "its source is not text", True),
    "source-a-dict": (_set([_first_markdown, "source"], {"a": 1}), "graded", "its source is not text", True),
    "source-a-list-of-numbers": (_set([_first_markdown, "source"], ["a", 1, None]), "graded",
                                 "its source is not text", True),
    "answer-source-a-number": (_set([lambda nb: _answer(nb, "expectation_answer"), "source"], 7),
                               "graded", "its source is not text", False),
    "cell-metadata-a-list": (_set([_first_markdown, "metadata"], [1, 2]), "graded", "", True),
    "nbgrader-metadata-a-list": (_set([lambda nb: _answer(nb, "expectation_answer"), "metadata"],
                                      {"nbgrader": [1]}), "graded", "was deleted", True),
    "grade-id-a-number": (_set([lambda nb: _answer(nb, "expectation_answer"), "metadata", "nbgrader",
                                "grade_id"], 5), "graded", "was deleted", True),
    "cell-type-a-number": (_set([_first_markdown, "cell_type"], 3), "graded", "is malformed", True),
    "notebook-metadata-a-list": (_set(["metadata"], [1]), "graded", "", True),
    "nbformat-minor-a-string": (_set(["nbformat_minor"], "five"), "graded", "", True),
    "nbformat-4.0": (_set(["nbformat"], 4.0), "graded", "", True),
    "nbformat-a-string": (_set(["nbformat"], "4"), "ungraded", "format version (nbformat) is '4'", None),
    "nbformat-a-list": (_set(["nbformat"], [4]), "ungraded", "format version (nbformat)", None),
    "nbformat-true": (_set(["nbformat"], True), "ungraded", "format version (nbformat)", None),
    "nbformat-4.5": (_set(["nbformat"], 4.5), "ungraded", "not a whole number", None),
    "nbformat-10**100": (_set(["nbformat"], 10 ** 100), "ungraded", "not one of Jupyter's", None),
    "nbformat-5": (_set(["nbformat"], 5), "ungraded", "not one of Jupyter's", None),
    # v3 notebooks (converted by nbformat) that are broken
    "v3-worksheets-a-number": (_v3(worksheets=5), "ungraded", "is not a readable notebook", None),
    "v3-worksheets-of-numbers": (_v3(worksheets=[1, 2]), "ungraded", "is not a readable notebook", None),
    "v3-cells-a-string": (_v3(worksheets=[{"cells": "abc"}]), "ungraded", "is not a readable notebook", None),
    "v3-cells-not-dicts": (_v3(worksheets=[{"cells": [1, {"cell_type": "code", "input": 5}]}]),
                           "ungraded", "is not a readable notebook", None),
    "v3-metadata-a-list": (_v3(metadata=[], worksheets=[{"cells": []}]), "ungraded",
                           "is not a readable notebook", None),
    "v3-no-metadata": (json.dumps({"nbformat": 3, "worksheets": [{"cells": []}]}), "ungraded",
                       "is not a readable notebook", None),
    # the JSON reader's and Python's own limits
    "integer-of-100000-digits": ('{"cells": [], "x": ' + "1" * DEEP + "}", "ungraded",
                                 "a number too long to read", None),
    "arrays-nested-100000-deep": ('{"cells": [], "x": ' + "[" * DEEP + "]" * DEEP + "}", "ungraded",
                                  "nested too deeply", None),
    "objects-nested-100000-deep": ('{"cells": [], "x": ' + '{"a": ' * DEEP + "1" + "}" * DEEP + "}",
                                   "ungraded", "nested too deeply", None),
    "code-nested-100000-deep": (_append_cell("x = " + "-" * DEEP + "1"), "graded", "", True),
    "code-chained-100000-long": (_append_cell("x = " + "1+" * DEEP + "1"), "graded", "", True),
    "lone-surrogate": ('PLACEHOLDER', "graded", "not valid Unicode (a lone surrogate", True),
    "null-byte-in-code": (_append_cell("x = 1\0"), "graded", "", True),
    "top-level-a-list": ("[1, 2]", "ungraded", "JSON but not a notebook", None),
}


def _notebook_text(solution, mutation):
    if isinstance(mutation, str):
        return mutation
    notebook = copy.deepcopy(solution)
    mutation(notebook)
    return json.dumps(notebook)


# A forbidden call (numpy.average for `expectation`) hidden in code nested deeper than the
# trusted side's parser reads: the static check must still see it.
HIDDEN_FORBIDDEN = ("def expectation(values, probs):\n    return float(np.average(values, weights=probs))"
                    + " + 0" * 5000 + "\n")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course(ROOT)
    assignment = course.assignment("ps1")
    solution = json.loads(json.dumps(solution_notebook(assignment)))
    texts = {"control-honest": json.dumps(solution)}
    for student, (mutation, *_) in CASES.items():
        texts[student] = _notebook_text(solution, mutation)
    surrogate = copy.deepcopy(solution)
    surrogate["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "SURROGATE"})
    texts["lone-surrogate"] = json.dumps(surrogate).replace("SURROGATE", "\\ud800 half a pair")
    hidden = copy.deepcopy(solution)
    _answer(hidden, "expectation_answer")["source"] = HIDDEN_FORBIDDEN
    texts["forbidden-call-nested-deep"] = json.dumps(hidden)
    folder = tmp_path_factory.mktemp("hostile-notebooks") / "submitted"
    paths = []
    for student, text in texts.items():
        path = folder / student / "ps1" / "ps1.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(text)
        paths.append((student, path))
    limits = Limits(call_seconds=5, cell_seconds=10, submission_seconds=120, memory_mb=1024)
    results = grade_batch(course, assignment, paths, workers=2, limits=limits,
                          out=io.StringIO(), keep_results=False)
    return {r.student: r for r in results}


def test_every_submission_is_accounted_for_and_the_control_keeps_full_marks(graded):
    assert set(graded) == {"control-honest", "forbidden-call-nested-deep"} | set(CASES)
    control = graded["control-honest"]
    assert control.status == "graded" and control.total == control.max_total


@pytest.mark.parametrize("student", sorted(CASES))
def test_a_hostile_notebook_is_said_in_words_for_that_student(graded, student):
    _, status, words, full = CASES[student]
    result = graded[student]
    said = result.reason + " | " + " | ".join(result.problems)
    assert result.status == status, said
    assert words in said, said
    if status == "ungraded":
        assert result.reason and result.tests == [] and result.total == 0
    else:
        assert (result.total == result.max_total) is full, (said, result.scores)
        assert result.reason == ""
    said.encode("utf-8")  # words that feedback and the report can write


def test_a_forbidden_call_hidden_in_deeply_nested_code_is_still_seen(graded):
    result = graded["forbidden-call-nested-deep"]
    outcomes = {t.outcome for t in result.tests if t.question == "expectation"}
    assert outcomes == {"forbidden-call"}, result.tests
    assert result.scores["expectation"] == 0
    # (its cell does not compile in the sandbox either, and `variance` may call `expectation`)
    assert all(result.scores[q] == result.max_scores[q] for q in result.scores
               if q not in ("expectation", "variance"))
