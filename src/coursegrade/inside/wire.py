"""The wire format between the trusted grader and the sandbox: plain data only, never pickle.

A frame is ``u64 frame length | u32 header length | header JSON | (u64 length | bytes) per
buffer``: a reader needs two reads, whatever the frame holds. The JSON tree
uses a few tagged objects for what JSON lacks:

    {"$t": [...]}                     tuple
    {"$d": [[key, value], ...]}       dict (keys: str, int, float or bool)
    {"$a": i, "dtype": "<f8", "shape": [..], "scalar": false}
                                      numpy array of a numeric or bool dtype, bytes in buffer i
    {"$c": [re, im]}                  complex
    {"$rng": {...}}                   np.random.Generator, as its bit generator's state
    {"$h": id, "type": "Value"}       handle on an object that stays in the sandbox
    {"$sym": "exp(z0)/(...)"}         a SymPy expression, as text (parsed by a whitelist)

This module is imported on both sides and inside the sandbox it may be tampered with, so the
trusted side never relies on what the sandbox *encoded*: :func:`decode` validates every node
and rebuilds values itself (arrays from raw bytes with a checked dtype and size). Student code
can also write to its end of the socket directly, so any bytes may arrive: whatever they are,
:func:`receive` (and :func:`unpack`, :func:`decode`) raise only `WireError` for them, or
`EOFError` when the peer has gone (the socket's own errors, timeouts included, are the
socket's: OSError).
"""
import json
import struct

import numpy as np

NUMERIC_KINDS = "biufc"
MAX_DEPTH = 64
MAX_DIMS = 32          # numpy allows 64; no plain answer has more than a handful
MAX_ELEMENTS = 1 << 62  # of the nonzero dimensions' product: numpy's own bound (intp)
_HEADER = struct.Struct("<I")
_BUFLEN = struct.Struct("<Q")
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
_PLAIN = frozenset((type(None), bool, int, float, str))  # JSON's own: sent as they are
# Trees are built fresh by `encode` and bounded in depth: no cycle to look for.
_ENCODER = json.JSONEncoder(check_circular=False)
_DECODER = json.JSONDecoder()


class WireError(Exception):
    """A frame or value that breaks the format: the peer is broken or hostile."""


class Handle:
    """An object that lives in the sandbox; only its id and type name cross the boundary."""

    def __init__(self, handle_id, type_name=""):
        # (a lone surrogate in a class's name, which JSON carries, could not be written out)
        name = str(type_name)[:200].encode("utf-8", "replace").decode("utf-8")
        self.id, self.type_name = int(handle_id), name

    def __repr__(self):
        return f"<sandbox object {self.type_name} #{self.id}>"


class ExpressionText(str):
    """The text of a SymPy expression from the sandbox: data to parse, never to eval."""


# ----------------------------------------------------------------------------------- encoding

def encode(value, buffers, on_unknown=None, depth=0):
    """Turn `value` into a JSON-able tree, appending array bytes to `buffers`.

    `on_unknown(obj)` returns a replacement for any other object, encoded instead of it (the
    sandbox turns tensors into arrays and other objects into handles); without it such objects
    are an error.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    depth += 1
    # (plain items are taken as they are: a call per item was most of the cost)
    if kind is list:
        return [v if type(v) in _PLAIN else encode(v, buffers, on_unknown, depth) for v in value]
    if kind is tuple:
        return {"$t": [v if type(v) in _PLAIN else encode(v, buffers, on_unknown, depth)
                       for v in value]}
    if kind is dict:
        return {"$d": [[k if type(k) in _PLAIN else encode(k, buffers, on_unknown, depth),
                        v if type(v) in _PLAIN else encode(v, buffers, on_unknown, depth)]
                       for k, v in value.items()]}
    if kind is np.ndarray:
        return _encode_array(value, buffers, scalar=False)
    if kind is complex:
        return {"$c": [value.real, value.imag]}
    if kind is ExpressionText:
        return {"$sym": str(value)}
    if kind is Handle:
        return {"$h": value.id, "type": value.type_name}
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        return _encode_array(np.asarray(value), buffers, scalar=True)
    if kind is np.random.Generator:
        state = value.bit_generator.state
        return {"$rng": encode(state, buffers, None, depth)}
    if on_unknown is not None:
        return encode(on_unknown(value), buffers, None, depth)
    raise WireError(f"cannot send a {kind.__name__} across the sandbox boundary")


def _encode_array(array, buffers, scalar):
    if array.dtype.kind not in NUMERIC_KINDS:
        raise WireError(f"arrays of dtype {array.dtype} cannot cross the boundary; "
                        "use a numeric dtype")
    buffers.append(array.tobytes(order="C"))  # keeps 0-d arrays 0-d (ascontiguousarray would not)
    return {"$a": len(buffers) - 1, "dtype": array.dtype.str, "shape": list(array.shape),
            "scalar": scalar}


# ----------------------------------------------------------------------------------- decoding

def decode(tree, buffers):
    """Rebuild a value from a tree and its buffers, validating everything. Raises WireError,
    and only WireError, for a tree that is not one :func:`encode` makes."""
    try:
        return _decode(tree, buffers, 0)
    except WireError:
        raise
    except RecursionError:
        raise WireError("value nested too deeply") from None
    except MemoryError:
        raise WireError("value too large to rebuild") from None
    except Exception as error:  # whatever numpy or the bit generators say of forged values
        raise WireError(f"malformed value ({type(error).__name__}: {str(error)[:200]})") from None


def _decode(tree, buffers, depth):
    kind = type(tree)
    if kind in _PLAIN:
        return tree
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    depth += 1
    if kind is list:
        return [v if type(v) in _PLAIN else _decode(v, buffers, depth) for v in tree]
    if kind is not dict or len(tree) == 0:
        raise WireError(f"unexpected node {kind.__name__}")
    if "$a" in tree:
        return _decode_array(tree, buffers)
    if "$d" in tree:
        out = {}
        for pair in _expect(tree["$d"], list):
            if type(pair) is not list or len(pair) != 2:
                raise WireError("malformed dict entry")
            key, value = pair
            if type(key) not in _PLAIN:
                key = _decode(key, buffers, depth)
            if type(key) not in (str, int, float, bool):
                raise WireError("dict keys must be str, int, float or bool")
            out[key] = value if type(value) in _PLAIN else _decode(value, buffers, depth)
        return out
    if "$t" in tree:
        return tuple(_decode(_expect(tree["$t"], list), buffers, depth))
    if "$c" in tree:
        re_im = _expect(tree["$c"], list)
        if len(re_im) != 2 or not all(type(x) in (int, float) for x in re_im):
            raise WireError("malformed complex")
        try:
            return complex(*re_im)
        except OverflowError:  # an integer too large for a float
            raise WireError("malformed complex: a part is too large") from None
    if "$rng" in tree:
        state = _decode(tree["$rng"], buffers, depth)
        if type(state) is not dict or state.get("bit_generator") not in _BIT_GENERATORS:
            raise WireError("malformed random generator state")
        bit_generator = getattr(np.random, state["bit_generator"])()
        try:
            bit_generator.state = state
        except Exception as error:  # TypeError, ValueError, KeyError, OverflowError, ...
            raise WireError(f"malformed random generator state: {str(error)[:200]}") from None
        return np.random.Generator(bit_generator)
    if "$h" in tree:
        if type(tree["$h"]) is not int:
            raise WireError("malformed handle")
        return Handle(tree["$h"], tree.get("type", "") if type(tree.get("type")) is str else "")
    if "$sym" in tree:
        return ExpressionText(_expect(tree["$sym"], str))
    raise WireError(f"unknown tag in {sorted(tree)[:3]}")


def _expect(value, kind):
    if type(value) is not kind:
        raise WireError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value


def _decode_array(tree, buffers):
    index, shape = tree["$a"], tree.get("shape")
    if type(index) is not int or not 0 <= index < len(buffers):
        raise WireError("array refers to a missing buffer")
    if type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError("malformed array shape")
    if len(shape) > MAX_DIMS:
        raise WireError(f"array has more than {MAX_DIMS} dimensions")
    if type(tree.get("dtype")) is not str:
        raise WireError("malformed array dtype")
    try:
        dtype = np.dtype(tree["dtype"])
    except TypeError:
        raise WireError("malformed array dtype") from None
    if dtype.kind not in NUMERIC_KINDS or dtype.hasobject or dtype.fields is not None:
        raise WireError(f"array dtype {dtype} is not a plain numeric dtype")
    count = nonzero = 1
    for n in shape:
        count *= n
        nonzero *= n or 1
        if nonzero > MAX_ELEMENTS:  # (a zero elsewhere would make the bytes match)
            raise WireError("array shape too large")
    data = buffers[index]
    if count * dtype.itemsize != len(data):
        raise WireError("array size does not match its shape")
    array = np.frombuffer(data, dtype=dtype).reshape(shape).copy()
    return array[()] if tree.get("scalar") is True and array.ndim == 0 else array


# ------------------------------------------------------------------------------------ framing

def pack(message, on_unknown=None):
    """Bytes of one frame holding `message` (any value :func:`encode` accepts)."""
    buffers = []
    tree = encode(message, buffers, on_unknown)
    header = _ENCODER.encode({"m": tree, "n": len(buffers)}).encode()
    parts = [b"", _HEADER.pack(len(header)), header]
    for data in buffers:
        parts += [_BUFLEN.pack(len(data)), data]
    parts[0] = _BUFLEN.pack(sum(len(p) for p in parts))
    return b"".join(parts)


def send(sock, message, on_unknown=None):
    sock.sendall(pack(message, on_unknown))


def receive(sock, max_bytes):
    """Read one frame from `sock` and decode it. Raises EOFError when the peer has gone,
    WireError for anything that is not a frame of plain data (see the module's docstring)."""
    return unpack(read_frame(sock, max_bytes))


def read_frame(sock, max_bytes):
    """The bytes of one frame from `sock`, its length prefix checked against `max_bytes`."""
    (frame_len,) = _BUFLEN.unpack(_read_exact(sock, _BUFLEN.size))
    if frame_len > max_bytes:
        raise WireError(f"message larger than the limit of {max_bytes} bytes")
    return memoryview(_read_exact(sock, frame_len))


def unpack(frame):
    """The message in the bytes of one frame (from :func:`read_frame`); only WireError for
    anything malformed."""
    frame_len = len(frame)
    if frame_len < _HEADER.size:
        raise WireError("malformed frame")
    (header_len,) = _HEADER.unpack(frame[:_HEADER.size])
    at = _HEADER.size + header_len
    if at > frame_len:
        raise WireError("malformed frame")
    try:
        header = _DECODER.decode(str(frame[_HEADER.size:at], "utf-8"))
    except (ValueError, RecursionError, MemoryError):  # (invalid UTF-8 is a ValueError too)
        raise WireError("message header is not valid JSON") from None
    if type(header) is not dict or type(header.get("n")) is not int or not 0 <= header["n"] < 10**6:
        raise WireError("malformed message header")
    buffers = []
    for _ in range(header["n"]):
        if at + _BUFLEN.size > frame_len:
            raise WireError("malformed frame")
        (length,) = _BUFLEN.unpack(frame[at:at + _BUFLEN.size])
        at += _BUFLEN.size
        if at + length > frame_len:
            raise WireError("malformed frame")
        buffers.append(frame[at:at + length])
        at += length
    if at != frame_len:
        raise WireError("malformed frame")
    return decode(header.get("m"), buffers)


def _read_exact(sock, n):
    """Exactly `n` bytes from `sock` (a frame arrives in one piece unless it is large)."""
    data = sock.recv(n)
    if len(data) == n:
        return data
    if not data:
        raise EOFError("the other side closed the connection")
    chunks, remaining = [data], n - len(data)
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
