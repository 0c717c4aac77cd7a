"""The wire format: plain data round-trips exactly; anything else is refused, never unpickled."""
import json
import pickle
import socket
import struct

import numpy as np
import pytest

from coursegrade.inside import wire


def roundtrip(value, on_unknown=None):
    a, b = socket.socketpair()
    with a, b:
        a.sendall(wire.pack(value, on_unknown))
        return wire.receive(b, 1 << 26)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int8", "uint16", "bool", "complex128"])
def test_arrays_keep_dtype_shape_and_values(dtype):
    rng = np.random.default_rng(1)
    array = (rng.normal(size=(3, 4, 5)) * 10).astype(dtype)
    got = roundtrip(array)
    assert type(got) is np.ndarray and got.dtype == array.dtype and got.shape == (3, 4, 5)
    np.testing.assert_array_equal(got, array)


def test_non_contiguous_and_zero_d_arrays_and_numpy_scalars():
    array = np.arange(12.0).reshape(3, 4).T
    np.testing.assert_array_equal(roundtrip(array), array)
    zero_d = roundtrip(np.array(2.5))
    assert type(zero_d) is np.ndarray and zero_d.shape == ()
    scalar = roundtrip(np.float32(1.5))
    assert type(scalar) is np.float32 and scalar == 1.5


def test_containers_and_special_floats():
    value = {"loss": float("inf"), "nan": float("nan"), "pair": (1, [2.5, "x"]), 3: None,
             "c": 1 + 2j, "big": 2 ** 100}
    got = roundtrip(value)
    assert got["loss"] == float("inf") and np.isnan(got["nan"])
    assert got["pair"] == (1, [2.5, "x"]) and got[3] is None and got["c"] == 1 + 2j
    assert got["big"] == 2 ** 100


def test_random_generator_arrives_in_the_same_state():
    rng = np.random.default_rng(42)
    rng.normal(size=3)
    copy = roundtrip(rng)
    np.testing.assert_array_equal(copy.normal(size=5), rng.normal(size=5))


def test_unknown_objects_are_refused_without_a_converter():
    with pytest.raises(wire.WireError):
        wire.pack(object())
    with pytest.raises(wire.WireError, match="dtype object"):
        wire.pack(np.array([1, "a"], dtype=object))


def frame(tree, buffers=(), lengths=None):
    """A frame as the sandbox could forge it; `lengths` overrides the buffers' stated lengths."""
    header = json.dumps({"m": tree, "n": len(buffers)}).encode()
    body = [struct.pack("<I", len(header)), header]
    for data, length in zip(buffers, lengths or [len(b) for b in buffers]):
        body += [struct.pack("<Q", length), data]
    body = b"".join(body)
    return struct.pack("<Q", len(body)) + body


def receive_raw(data, max_bytes=1 << 20):
    a, b = socket.socketpair()
    with a, b:
        a.sendall(data)
        a.shutdown(socket.SHUT_WR)
        return wire.receive(b, max_bytes)


@pytest.mark.parametrize("tree, buffers, reason", [
    ({"$a": 0, "dtype": "|O", "shape": [1]}, [pickle.dumps(object())], "not a plain numeric"),
    ({"$a": 0, "dtype": "<f8", "shape": [3]}, [b"\0" * 8], "does not match"),
    ({"$a": 0, "dtype": [["a", "<f8"]], "shape": [1]}, [b"\0" * 8], "dtype"),
    ({"$a": 5, "dtype": "<f8", "shape": [1]}, [], "missing buffer"),
    ({"$evil": "os.system"}, [], "unknown tag"),
    ({"$rng": {"$d": [["bit_generator", "Evil"]]}}, [], "random generator"),
])
def test_hostile_frames_are_refused(tree, buffers, reason):
    with pytest.raises(wire.WireError, match=reason):
        receive_raw(frame(tree, buffers))


def test_deep_nesting_and_oversized_messages_are_refused():
    deep = []
    for _ in range(200):
        deep = [deep]
    with pytest.raises(wire.WireError):
        receive_raw(frame(deep))
    with pytest.raises(wire.WireError, match="larger than"):
        receive_raw(struct.pack("<Q", 1 << 30), max_bytes=1 << 20)


@pytest.mark.parametrize("lengths", [[9], [1 << 40], [7]])
def test_buffer_lengths_that_lie_about_the_frame_are_refused(lengths):
    with pytest.raises(wire.WireError, match="malformed frame"):
        receive_raw(frame({"$a": 0, "dtype": "<f8", "shape": [1]}, [b"\0" * 8], lengths))


def test_a_frame_cut_short_is_an_eof():
    data = frame({"$a": 0, "dtype": "<f8", "shape": [1]}, [b"\0" * 8])
    with pytest.raises(EOFError):
        receive_raw(data[:-3])


def test_a_peer_that_hangs_up_is_an_eof():
    with pytest.raises(EOFError):
        receive_raw(b"\x10\x00")
