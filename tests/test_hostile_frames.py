"""Hostile bytes from the sandbox: student code writes straight to its own end of the wire.

The socket a submission's process answers on is reachable from student code (here through
`gc`), so a cell or a function can send the trusted side anything: frames whose decoding
overflows, absurd array shapes and dtypes, malformed random-generator states, JSON that trips
the parser's limits, frames that lie about their lengths, and well-formed frames that answer
no call. Each forging submission is graded by `grade_batch` in one batch next to an honest
control: the batch completes, the control keeps full marks, the forged frame costs the
forging submission only the cell or the call it landed in, and its later tests (of the same
question, too) are unaffected.
"""
import io
import json
import struct
from pathlib import Path

import nbformat
import pytest

from coursegrade.authoring.synthetic import solution_notebook, with_replacement, write_batch
from coursegrade.core.course import Course
from coursegrade.grading.batch import grade_batch
from coursegrade.grading.sandbox import Limits

ROOT = Path(__file__).resolve().parents[1]


def frame(header, buffers=(), frame_length=None, header_length=None):
    """The bytes of one frame with `header` (JSON text or raw bytes) as the sandbox could
    forge them; the lengths may lie."""
    header = header.encode() if isinstance(header, str) else header
    body = struct.pack("<I", len(header) if header_length is None else header_length) + header
    for data in buffers:
        body += struct.pack("<Q", len(data)) + data
    return struct.pack("<Q", len(body) if frame_length is None else frame_length) + body


def reply(value_json, buffers=(), call_id="1"):
    """A reply frame {"id": call_id, "value": <value_json>}, as the child encodes one."""
    return frame('{"m": {"$d": [["id", %s], ["value", %s]]}, "n": %d}' % (call_id, value_json, len(buffers)),
                 buffers)


def array(dtype, shape):
    return json.dumps({"$a": 0, "dtype": dtype, "shape": shape})


def rng(state):
    return json.dumps({"$rng": {"$d": [["bit_generator", "PCG64"], ["state", state],
                                         ["has_uint32", 0], ["uinteger", 0]]}})


# Frames that are not plain data, however they are wrong: each must end as that call's (or
# that cell's) error, never anything else.
GARBAGE = {
    "complex-overflow": reply('{"$c": [%s, 0]}' % ("9" * 400)),
    "shape-huge": reply(array("<f8", [2 ** 70, 0]), [b""]),
    "shape-product-overflows": reply(array("<f8", [2 ** 40, 2 ** 40, 0]), [b""]),
    "shape-100-dims": reply(array("<f8", [1] * 100), [b"\0" * 8]),
    "shape-negative": reply(array("<f8", [-1]), [b"\0" * 8]),
    "shape-bool": reply('{"$a": 0, "dtype": "<f8", "shape": [true]}', [b"\0" * 8]),
    "dtype-syntax-error": reply(array(",", [1]), [b"\0" * 8]),
    "dtype-negative-subarray": reply(array("(-1,)f8", [1]), [b"\0" * 8]),
    "dtype-huge-subarray": reply(array("(99999999999,)f8", [1]), [b"\0" * 8]),
    "dtype-surrogate": reply('{"$a": 0, "dtype": "<f8\\ud800", "shape": [1]}', [b"\0" * 8]),
    "dtype-object": reply(array("|O", [1]), [b"\0" * 8]),
    "rng-state-overflows": reply(rng({"$d": [["state", 10 ** 400], ["inc", 1]]})),
    "rng-state-not-a-dict": reply(rng(5)),
    "rng-unknown-generator": reply('{"$rng": {"$d": [["bit_generator", "os.system"]]}}'),
    "json-int-100000-digits": frame('{"m": %s, "n": 0}' % ("9" * 100_000)),
    "json-nested-100000-deep": frame('{"m": %s, "n": 0}' % ("[" * 100_000 + "]" * 100_000)),
    "invalid-utf8": frame(b'{"m": "\xff\xfe", "n": 0}'),
    "header-length-lies": frame('{"m": 1, "n": 0}', header_length=1 << 31),
    "buffer-count-lies": frame('{"m": 1, "n": 5}'),
    "frame-length-huge": struct.pack("<Q", 1 << 62),
}
# Well-formed frames that answer no call: they fail only the call they land in.
EXTRA = {
    "extra-frame-later-id": reply("1.0", call_id=str(10 ** 15)),
    "extra-frame-no-id": frame('{"m": {"$d": [["value", 1.0]]}, "n": 0}'),
    "extra-frame-not-a-dict": frame('{"m": [1, 2, 3], "n": 0}'),
    "extra-frame-bool-id": reply("1.0", call_id="true"),
}
# A frame that answers an earlier call (a stale reply) is dropped: it costs nothing.
STALE = {"stale-frame": reply("999.0", call_id="0"), "stale-negative-id": reply("999.0", call_id="-5")}
FORGED = {**GARBAGE, **EXTRA, **STALE}

HELPERS = '''import gc as _gc, socket as _socket
FORGED = %r
def _forge(kind):
    """Write a forged frame to this process's own end of the grader's connection."""
    sock = next(o for o in _gc.get_objects() if isinstance(o, _socket.socket) and o.fileno() >= 0)
    sock.sendall(FORGED[kind])
''' % FORGED
# The answer forges only in the first hidden test of `expectation` (the only one that calls
# it with 7 values): the second test, in a rebuilt or the same process, must be unaffected.
ANSWER = '''def expectation(values, probs):
    if len(values) == 7:
        _forge(%r)
    return float(np.dot(values, probs))
'''


# The solution's variance calls expectation, and hidden tests of variance may pass 7 values
# too: a variance of its own keeps the forged frames in expectation's calls only.
VARIANCE_ON_ITS_OWN = '''def variance(values, probs):
    mu = float(np.dot(values, probs) / np.sum(probs))
    return float(np.sum(probs * (values - mu) ** 2))
'''


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course(ROOT)
    assignment = course.assignment("ps1")
    solution = solution_notebook(assignment)
    notebooks = {"control-honest": solution}
    for kind in FORGED:
        # in a call (the answer) ...
        notebook = with_replacement(solution, "expectation", ANSWER % kind)
        notebook = with_replacement(notebook, "variance", VARIANCE_ON_ITS_OWN)
        notebook.cells.insert(2, nbformat.v4.new_code_cell(HELPERS))
        notebooks[f"call-{kind}"] = notebook
        # ... and in a cell, while the notebook's code runs
        notebook = nbformat.from_dict(json.loads(json.dumps(solution)))
        notebook.cells.insert(2, nbformat.v4.new_code_cell(HELPERS))
        notebook.cells.insert(3, nbformat.v4.new_code_cell(f"_forge({kind!r})"))
        notebooks[f"cell-{kind}"] = notebook
    folder = tmp_path_factory.mktemp("hostile-frames")
    paths = write_batch(notebooks, folder / "submitted", "ps1")
    limits = Limits(call_seconds=5, cell_seconds=10, submission_seconds=120, memory_mb=1024)
    results = grade_batch(course, assignment, [(p.parent.parent.name, p) for p in paths],
                          workers=2, limits=limits, out=io.StringIO(), keep_results=False)
    return {r.student: r for r in results}


def _outcomes(result, question="expectation"):
    return {t.test: (str(t.outcome), t.message) for t in result.tests if t.question == question}


def _others_full(result):
    return all(result.scores[q] == result.max_scores[q] for q in result.scores if q != "expectation")


def test_the_batch_completes_and_the_control_keeps_full_marks(graded):
    assert set(graded) == {"control-honest"} | {f"{where}-{kind}" for kind in FORGED
                                                for where in ("call", "cell")}
    for name, result in graded.items():
        assert result.status == "graded", f"{name}: {result.reason}"
    control = graded["control-honest"]
    assert control.total == control.max_total


@pytest.mark.parametrize("kind", sorted(GARBAGE))
def test_garbage_in_a_call_fails_that_call_only(graded, kind):
    result = graded[f"call-{kind}"]
    outcomes = _outcomes(result)
    first, message = outcomes["test_probability_weighted_average"]
    assert first == "error", outcomes
    assert "not plain data" in message, message
    # the next test of the same question runs in a rebuilt process, unaffected
    assert outcomes["test_point_mass_and_linearity"][0] == "passed", outcomes
    assert _others_full(result), result.scores


@pytest.mark.parametrize("kind", sorted(GARBAGE))
def test_garbage_from_a_cell_is_that_cells_error(graded, kind):
    result = graded[f"cell-{kind}"]
    forging = [name for name, info in result.cells.items() if info["kind"] == "error"]
    assert len(forging) == 1, result.cells
    assert "not plain data" in result.cells[forging[0]]["message"]
    assert result.total == result.max_total, _outcomes(result)


@pytest.mark.parametrize("kind", sorted(EXTRA))
def test_an_extra_frame_fails_only_the_call_it_lands_in(graded, kind):
    result = graded[f"call-{kind}"]
    outcomes = _outcomes(result)
    first, message = outcomes["test_probability_weighted_average"]
    assert first == "error" and "answers no call" in message, outcomes
    # the reply to the failed call comes later: it is dropped, not taken for the next one's
    assert outcomes["test_point_mass_and_linearity"][0] == "passed", outcomes
    assert _others_full(result), result.scores
    cell = graded[f"cell-{kind}"]
    assert [info["message"] for info in cell.cells.values()] == [
        "its code wrote to the grader's connection itself (a message that answers no call made to it)"]
    assert cell.total == cell.max_total, _outcomes(cell)


@pytest.mark.parametrize("kind", sorted(STALE))
def test_a_frame_that_answers_an_earlier_call_is_dropped(graded, kind):
    for where in ("call", "cell"):
        result = graded[f"{where}-{kind}"]
        assert result.total == result.max_total, (where, _outcomes(result), result.cells)
        assert result.cells == {}, result.cells
