"""Wire format between the trusted grader and the untrusted answer process.

Values cross the process boundary as a JSON tree plus raw array buffers. Nothing
is ever unpickled: the trusted side only ever builds plain data (numbers,
strings, containers and numeric numpy arrays) from what the student's process
sends, so a hostile reply can at worst be wrong, never execute code.

This module is imported on both sides, and inside the sandbox, so it depends on
the standard library and numpy only.
"""
import json
import struct

import numpy as np

MAGIC = b"KIT1"
MAX_FRAME_BYTES = 1 << 30          # a reply larger than 1 GiB is refused
MAX_DEPTH = 64
ARRAY_KINDS = "biufc"              # bool, int, uint, float, complex: never object dtypes


class CodecError(ValueError):
    """A frame that cannot be decoded into plain data."""


class Opaque:
    """Stands in for an object that is not plain data (a model, a function...)."""

    def __init__(self, type_name, text):
        self.type_name = type_name
        self.text = text

    def __repr__(self):
        return f"<{self.type_name}: {self.text}>"


def _to_plain(obj):
    """Best-effort conversion of foreign array types (torch tensors) to numpy."""
    mod = type(obj).__module__ or ""
    if mod.startswith("torch") and hasattr(obj, "detach"):
        try:
            return obj.detach().cpu().numpy()
        except Exception:  # noqa: BLE001 - anything odd becomes opaque
            return None
    return None


def encode(obj):
    buffers = []

    def node(value, depth):
        if depth > MAX_DEPTH:
            raise CodecError("value nested too deeply")
        # exact type checks: subclasses of int/str/ndarray could lie about themselves
        t = type(value)
        if value is None:
            return ["none"]
        if t is bool:
            return ["bool", value]
        if t is int:
            return ["int", value]
        if t is float:
            return ["float", value]
        if t is str:
            return ["str", value]
        if t in (tuple, list):
            return ["tuple" if t is tuple else "list", [node(v, depth + 1) for v in value]]
        if t is dict:
            return ["dict", [[node(k, depth + 1), node(v, depth + 1)] for k, v in value.items()]]
        if isinstance(value, np.generic) and np.dtype(type(value)).kind in ARRAY_KINDS:
            arr = np.asarray(value)
            return ["npscalar", arr.dtype.str, arr.item() if arr.dtype.kind != "c" else [arr.real.item(), arr.imag.item()]]
        if isinstance(value, np.ndarray):
            # np.array(...) drops any subclass and its overridden comparisons
            arr = np.ascontiguousarray(np.array(value, copy=True, subok=False))
            if arr.dtype.kind not in ARRAY_KINDS:
                return ["opaque", f"ndarray[{arr.dtype}]", "an array of non-numeric objects"]
            buffers.append(arr.tobytes())
            return ["nd", len(buffers) - 1, arr.dtype.str, list(arr.shape)]
        converted = _to_plain(value)
        if converted is not None:
            return node(converted, depth)
        try:
            text = repr(value)[:200]
        except Exception:  # noqa: BLE001
            text = "(repr failed)"
        return ["opaque", f"{t.__module__}.{t.__qualname__}", text]

    header = json.dumps(node(obj, 0)).encode()
    parts = [MAGIC, struct.pack("<II", len(header), len(buffers)), header]
    for buf in buffers:
        parts.append(struct.pack("<Q", len(buf)))
        parts.append(buf)
    return b"".join(parts)


def decode(frame):
    tree, buffers = _split(frame)
    return _build(tree, 0, buffers)


def _split(frame):
    """A frame's value tree (JSON) and its raw buffers, every length checked against the frame."""
    if len(frame) > MAX_FRAME_BYTES:
        raise CodecError("reply too large")
    if frame[:4] != MAGIC or len(frame) < 12:
        raise CodecError("not a frame")
    hlen, nbuf = struct.unpack_from("<II", frame, 4)
    pos = 12
    try:
        tree = json.loads(frame[pos:pos + hlen].decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CodecError(f"bad header: {exc}") from None
    pos += hlen
    buffers = []
    for _ in range(nbuf):
        if pos + 8 > len(frame):
            raise CodecError("truncated frame")
        (blen,) = struct.unpack_from("<Q", frame, pos)
        pos += 8
        if pos + blen > len(frame):
            raise CodecError("truncated buffer")
        buffers.append(frame[pos:pos + blen])
        pos += blen
    return tree, buffers


_SCALARS = {"bool": bool, "int": int, "float": float, "str": str}


def _build(n, depth, buffers):
    """The value a node of the tree stands for: only plain types, numpy scalars and arrays, or Opaque."""
    if depth > MAX_DEPTH or not isinstance(n, list) or not n:
        raise CodecError("malformed value")
    tag = n[0]
    if tag == "none":
        return None
    if tag in _SCALARS:
        value = float(n[1]) if tag == "float" and type(n[1]) is int else n[1]
        if type(value) is not _SCALARS[tag]:
            raise CodecError("malformed scalar")
        return value
    if tag in ("tuple", "list"):
        items = [_build(v, depth + 1, buffers) for v in n[1]]
        return tuple(items) if tag == "tuple" else items
    if tag == "dict":
        out = {}
        for k, v in n[1]:
            key = _build(k, depth + 1, buffers)
            try:
                out[key] = _build(v, depth + 1, buffers)
            except TypeError:
                raise CodecError("unhashable key") from None
        return out
    if tag == "npscalar":
        dtype = _checked_dtype(n[1])
        return dtype.type(complex(*n[2]) if dtype.kind == "c" else n[2])
    if tag == "nd":
        return _array(n, buffers)
    if tag == "opaque":
        return Opaque(str(n[1])[:200], str(n[2])[:200])
    raise CodecError(f"unknown tag {tag!r}")


def _array(n, buffers):
    _, index, dtype_str, shape = n
    dtype = _checked_dtype(dtype_str)
    if not (isinstance(index, int) and 0 <= index < len(buffers)):
        raise CodecError("bad buffer index")
    if not all(isinstance(d, int) and d >= 0 for d in shape):
        raise CodecError("bad shape")
    buf = buffers[index]
    if int(np.prod(shape, dtype=np.int64)) * dtype.itemsize != len(buf):
        raise CodecError("buffer size does not match shape")
    return np.frombuffer(buf, dtype=dtype).reshape(shape).copy()


def _checked_dtype(text):
    try:
        dtype = np.dtype(str(text))
    except TypeError:
        raise CodecError("bad dtype") from None
    if dtype.kind not in ARRAY_KINDS or dtype.hasobject:
        raise CodecError("non-numeric dtype")
    return dtype


# -- framing over pipes -------------------------------------------------------
FRAME_LENGTH = struct.Struct("<Q")     # each frame on a pipe follows its length


class FrameTooLarge(CodecError):
    """A frame's length says more than MAX_FRAME_BYTES: its bytes are not read."""


def write_frame(fd_file, payload):
    fd_file.write(FRAME_LENGTH.pack(len(payload)))
    fd_file.write(payload)
    fd_file.flush()


def read_frame(read_exact):
    """The next frame's payload; `read_exact(n)` returns n bytes or raises (EOF, a time limit: the caller's)."""
    (length,) = FRAME_LENGTH.unpack(read_exact(FRAME_LENGTH.size))
    if length > MAX_FRAME_BYTES:
        raise FrameTooLarge("frame too large")
    return read_exact(length)
