"""Property-based tests (Hypothesis) of the two readers of hostile data on the trusted side.

- The wire decoder: random JSON trees built from the format's tags, valid frames with bits
  flipped, bytes cut, inserted or overwritten, and random bytes: only WireError (a frame that
  is not plain data) or EOFError (a peer that hung up) ever comes out, and valid frames still
  decode to what was sent.
- The notebook reader: a valid submission with random fields changed to other types, deleted
  or duplicated, v3 notebooks with random worksheets, and random bytes: only NotebookError
  comes out of reading it (the static checks that follow included).

Deterministic (derandomize: the same examples every run, no example database) and fast (a
few hundred examples each, a few seconds in all); each example also runs under a watchdog, so
a hang fails instead of stopping the suite.
"""
import copy
import json
import signal
import socket
import struct
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from coursegrade.authoring.synthetic import solution_notebook
from coursegrade.core.course import Course
from coursegrade.grading.forbidden import forbidden_calls_in, names_defined
from coursegrade.grading.notebooks import NotebookError, read_submission
from coursegrade.grading.unanswered import unanswered_questions
from coursegrade.inside import wire

ROOT = Path(__file__).resolve().parents[1]
FAST = settings(max_examples=120, deadline=2000, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOWER = settings(FAST, max_examples=60)


@contextmanager
def watchdog(seconds=10):
    """A TimeoutError instead of a hang (in Python code)."""
    def expire(*_):
        raise TimeoutError(f"took more than {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ------------------------------------------------------------------------------- the wire

TAGS = ["$t", "$d", "$a", "$c", "$rng", "$h", "$sym", "dtype", "shape", "scalar", "type",
        "bit_generator", "state", "inc", "key", "pos", "has_uint32", "uinteger", "m", "n", "id",
        "value", "error"]
DTYPES = ["<f8", "<f4", "<i8", "|b1", "<c16", "|O", "<U3", "|S2", "V8", ",", "(-1,)f8",
          "(2,)f8", "f8,f8", "<M8[D]", "<f8\ud800", "", "x" * 50]
BIT_GENERATORS = ["PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64", "os.system"]
numbers = st.one_of(st.integers(), st.integers(min_value=-10 ** 500, max_value=10 ** 500),
                    st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0, -1, 2 ** 63, 2 ** 70, 10 ** 400, True]))
dims = st.lists(st.sampled_from([0, 1, 2, 3, 2 ** 31, 2 ** 40, 2 ** 70, -1, True]), max_size=70)


@st.composite
def arrays(draw):
    """An array node and its buffer, the buffer often of the size the node states (so that the
    decoder gets as far as rebuilding the array)."""
    dtype, shape = draw(st.sampled_from(DTYPES)), draw(dims)
    try:
        size = int(np.prod([int(n) for n in shape], dtype=object)) * np.dtype(dtype).itemsize
    except Exception:
        size = 8
    data = b"\0" * size if size <= 64 and draw(st.booleans()) else draw(st.binary(max_size=16))
    return {"$a": 0, "dtype": dtype, "shape": shape, "scalar": draw(st.booleans())}, data


def _rng_state(name, value):
    fields = {"PCG64": ["state", "inc"], "PCG64DXSM": ["state", "inc"], "MT19937": ["key", "pos"],
              "Philox": ["counter", "key"], "SFC64": ["state"]}.get(name, ["state"])
    return {"$d": [["bit_generator", name], ["state", {"$d": [[f, value] for f in fields]}],
                   ["has_uint32", 0], ["uinteger", 0], ["buffer", value], ["buffer_pos", 0]]}


# Nodes shaped like the format's own, with hostile contents: what a forger sends.
hostile = st.one_of(
    st.builds(lambda a, b: {"$c": [a, b]}, numbers, numbers),
    st.builds(lambda name, value: {"$rng": _rng_state(name, value)}, st.sampled_from(BIT_GENERATORS),
              st.one_of(numbers, st.lists(numbers, max_size=3), st.text(max_size=3))),
    st.builds(lambda h, t: {"$h": h, "type": t}, numbers, st.one_of(st.text(max_size=5), numbers)),
)
leaves = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=20),
                   st.sampled_from(DTYPES + BIT_GENERATORS + TAGS), hostile)


def _node(children):
    keys = st.one_of(st.sampled_from(TAGS), st.text(max_size=5))
    return st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(keys, children, max_size=4),
        st.builds(lambda a: {"$t": a}, children),
        st.builds(lambda pairs: {"$d": pairs}, st.lists(st.lists(children, max_size=3), max_size=4)),
        st.builds(lambda i, d, shape, s: {"$a": i, "dtype": d, "shape": shape, "scalar": s},
                  st.one_of(st.integers(-1, 3), children), st.one_of(st.sampled_from(DTYPES), children),
                  st.one_of(st.lists(st.one_of(st.integers(-2, 2 ** 70), st.booleans()), max_size=70), children),
                  children),
        st.builds(lambda c: {"$c": c}, st.one_of(st.lists(numbers, max_size=3), children)),
        st.builds(lambda g, state: {"$rng": {"$d": [["bit_generator", g], ["state", state]]}},
                  st.sampled_from(BIT_GENERATORS), children),
        st.builds(lambda h, t: {"$h": h, "type": t}, st.one_of(numbers, children), children),
        st.builds(lambda s: {"$sym": s}, st.one_of(st.text(max_size=30), children)),
    )


trees = st.recursive(leaves, _node, max_leaves=25)
buffers = st.lists(st.binary(max_size=40), max_size=4)


def _decodes_or_refuses(call):
    try:
        with watchdog():
            return call()
    except (wire.WireError, EOFError):
        return None


@FAST
@given(trees, buffers)
def test_any_tree_decodes_or_is_a_wire_error(tree, data):
    _decodes_or_refuses(lambda: wire.decode(tree, [memoryview(b) for b in data]))


@FAST
@given(arrays(), st.sampled_from([lambda a: a, lambda a: [a], lambda a: {"$t": [1, a]},
                                  lambda a: {"$d": [["value", a]]}]))
def test_any_array_node_decodes_or_is_a_wire_error(node_and_data, place):
    node, data = node_and_data
    _decodes_or_refuses(lambda: wire.decode(place(node), [memoryview(data)]))


@FAST
@given(hostile)
def test_any_hostile_node_decodes_or_is_a_wire_error(node):
    _decodes_or_refuses(lambda: wire.decode({"$d": [["id", 1], ["value", node]]}, []))


def _receive(data, max_bytes=1 << 20):
    a, b = socket.socketpair()
    with a, b:
        b.settimeout(5)
        a.sendall(data)
        a.shutdown(socket.SHUT_WR)
        return wire.receive(b, max_bytes)


plain = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10),
              st.complex_numbers(allow_nan=False, allow_infinity=False),
              st.builds(lambda v, d: np.asarray(v, dtype=d),
                        st.lists(st.integers(0, 100), max_size=6),
                        st.sampled_from(["<f8", "<i4", "|u1", "|b1", "<c8"])),
              st.builds(lambda s: wire.ExpressionText(s), st.text(max_size=10)),
              st.builds(wire.Handle, st.integers(0, 10 ** 6), st.text(max_size=8))),
    lambda children: st.one_of(st.lists(children, max_size=4), st.tuples(children, children),
                               st.dictionaries(st.one_of(st.text(max_size=4), st.integers()), children,
                                               max_size=4)),
    max_leaves=12)


def _same(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, wire.Handle):
        return isinstance(b, wire.Handle) and (a.id, a.type_name) == (b.id, b.type_name)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@FAST
@given(plain)
def test_valid_frames_decode_to_what_was_sent(value):
    assert _same(value, _receive(wire.pack({"id": 1, "value": value}))["value"])


def _mutated(frame, edits):
    data = bytearray(frame)
    for kind, where, byte in edits:
        at = where % (len(data) + 1)
        if kind == "flip" and data:
            data[at % len(data)] ^= 1 << (byte % 8)
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = bytes([byte])
        elif kind == "delete" and data:
            del data[at % len(data)]
        elif kind == "length" and len(data) >= 8:  # a frame length that lies
            data[:8] = struct.pack("<Q", (byte * 0x01010101) % (1 << 64))
        elif kind == "header-length" and len(data) >= 12:
            data[8:12] = struct.pack("<I", (byte * 0x010101) % (1 << 32))
    return bytes(data)


edits = st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert", "delete", "length", "header-length"]),
                           st.integers(0, 1 << 16), st.integers(0, 255)), min_size=1, max_size=6)


@FAST
@given(plain, edits)
def test_mutated_frames_decode_or_are_refused(value, changes):
    frame = wire.pack({"id": 7, "value": value})
    _decodes_or_refuses(lambda: _receive(_mutated(frame, changes)))


@FAST
@given(st.binary(max_size=200), st.integers(0, 200))
def test_random_bytes_decode_or_are_refused(data, header_length):
    framed = struct.pack("<Q", len(data) + 4) + struct.pack("<I", header_length) + data
    _decodes_or_refuses(lambda: _receive(framed))
    _decodes_or_refuses(lambda: _receive(data))


@FAST
@given(trees, buffers)
def test_frames_of_random_trees_decode_or_are_refused(tree, data):
    header = json.dumps({"m": tree, "n": len(data)}, ensure_ascii=False).encode("utf-8", "surrogatepass")
    body = struct.pack("<I", len(header)) + header + b"".join(struct.pack("<Q", len(b)) + b for b in data)
    _decodes_or_refuses(lambda: _receive(struct.pack("<Q", len(body)) + body))


# ----------------------------------------------------------------------- notebook files

COURSE = Course(ROOT)
ASSIGNMENT = COURSE.assignment("ps1")
VALID = json.loads(json.dumps(solution_notebook(ASSIGNMENT)))
SCRATCH = Path(tempfile.mkdtemp(prefix="hypothesis-notebooks-"))


def _paths(tree, prefix=()):
    """Every path (tuple of keys and indices) into a JSON tree, the root's first."""
    yield prefix
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(tree, list):
        for index, value in enumerate(tree[:40]):
            yield from _paths(value, prefix + (index,))


# Paths by the field they end in (nbformat's fields first), so that every field is hit often.
FIELDS = ["cells", "outputs", "source", "metadata", "nbgrader", "grade_id", "cell_type", "nbformat",
          "nbformat_minor", "execution_count", "id", "solution", "grade", "points"]
PATHS = {}
for _path in _paths(VALID):
    if _path:
        last = _path[-1] if isinstance(_path[-1], str) else "(an index)"
        PATHS.setdefault(last if last in FIELDS else "(another key)", []).append(_path)
paths = st.sampled_from(sorted(PATHS)).flatmap(lambda field: st.sampled_from(PATHS[field]))
# JSON text put in as it is: what the JSON reader's and Python's own limits trip on
RAW = ["9" * 5000, "[" * 5000 + "]" * 5000, '{"a": ' * 3000 + "1" + "}" * 3000, '"\\ud800"', "1e999",
       '"x = ' + "-" * 50_000 + '1"', '"' + "1+" * 50_000 + '1"', '"\\u0000"']
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10 ** 30, 10 ** 30), st.floats(allow_nan=False),
              st.text(max_size=20), st.sampled_from(["code", "markdown", "raw", 4, 3, "4", [4], 4.0, 10 ** 100]),
              st.sampled_from([f"@@RAW{i}@@" for i in range(len(RAW))])),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=6), children,
                                                                                  max_size=4)),
    max_leaves=10)
mutations = st.lists(st.tuples(paths, st.sampled_from(["replace", "delete", "wrap", "twice"]),
                               json_values), min_size=1, max_size=5)


def _with_raw(text):
    for i, raw in enumerate(RAW):
        text = text.replace(f'"@@RAW{i}@@"', raw)
    return text


def _apply(notebook, path, kind, value):
    *where, last = path
    target = notebook
    try:
        for key in where:
            target = target[key]
        if kind == "replace":
            target[last] = value
        elif kind == "delete":
            del target[last]
        elif kind == "wrap":  # the right value, one level too deep
            target[last] = [target[last]]
        elif kind == "twice" and isinstance(target, list):
            target.insert(last, copy.deepcopy(target[last]))
    except (KeyError, IndexError, TypeError):
        pass  # an earlier mutation changed the way there


def _read(text_or_bytes):
    path = SCRATCH / "ps1.ipynb"
    if isinstance(text_or_bytes, str):
        path.write_text(text_or_bytes, errors="surrogatepass")
    else:
        path.write_bytes(text_or_bytes)
    try:
        with watchdog():
            submitted = read_submission(path, ASSIGNMENT)
            # what grading does next with it on the trusted side: the static checks
            unanswered_questions(submitted, ASSIGNMENT)
            defined = names_defined(source for _, source in submitted.cells)
            for question, names in ASSIGNMENT.forbidden_calls.items():
                forbidden_calls_in(submitted.answers.get(f"{question}_answer", ""), names, defined)
    except NotebookError as error:
        assert str(error), "a NotebookError says why"
        return None
    assert all(isinstance(p, str) and p for p in submitted.problems)
    assert all(isinstance(name, str) and isinstance(source, str) for name, source in submitted.cells)
    return submitted


@SLOWER
@given(mutations)
def test_mutated_notebooks_are_read_or_refused_in_words(changes):
    notebook = copy.deepcopy(VALID)
    for path, kind, value in changes:
        _apply(notebook, path, kind, value)
    _read(_with_raw(json.dumps(notebook)))


@SLOWER
@given(st.recursive(json_values, lambda c: st.lists(c, max_size=3), max_leaves=6), json_values)
def test_v3_notebooks_with_random_worksheets_are_read_or_refused_in_words(worksheets, metadata):
    _read(_with_raw(json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": metadata,
                                "worksheets": worksheets})))


VALID_BYTES = json.dumps(VALID, indent=1).encode()


@SLOWER
@given(edits)
def test_notebook_bytes_flipped_cut_or_inserted_are_read_or_refused_in_words(changes):
    # (the edits' "length" kinds overwrite the first bytes: a notebook has no frame header)
    _read(_mutated(VALID_BYTES, changes))


@SLOWER
@given(st.binary(max_size=300))
def test_random_bytes_are_refused_in_words(data):
    _read(data)


def test_the_valid_notebook_itself_is_read():
    assert _read(json.dumps(VALID)).cells
