"""The wire format: plain data round-trips, nothing executable or fake gets through."""
import struct

import numpy as np
import pytest

from autograder.harness import codec


def roundtrip(value):
    return codec.decode(codec.encode(value))


@pytest.mark.parametrize("value", [
    None, True, 3, -2**70, 2.5, float("inf"), "text", (1, "a"), [1, [2, (3,)]], {"k": 1, 2: (None,)},
])
def test_plain_values_round_trip(value):
    assert roundtrip(value) == value
    assert type(roundtrip(value)) is type(value)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "uint8", "bool", "complex128"])
def test_arrays_keep_dtype_shape_and_values(dtype):
    a = (np.arange(24).reshape(2, 3, 4) % 5).astype(dtype)
    b = roundtrip(a)
    assert b.dtype == a.dtype and b.shape == a.shape and np.array_equal(a, b)
    assert b.flags.writeable


def test_non_contiguous_and_empty_arrays():
    a = np.arange(20.0).reshape(4, 5)[:, ::2]
    assert np.array_equal(roundtrip(a), a)
    assert roundtrip(np.zeros((0, 3))).shape == (0, 3)


def test_numpy_scalars_stay_numpy_scalars():
    assert roundtrip(np.float32(1.5)) == np.float32(1.5)
    assert type(roundtrip(np.float32(1.5))) is np.float32


def test_array_subclass_arrives_as_a_plain_array():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

    fake = np.zeros(3).view(Liar)
    out = roundtrip(fake)
    assert type(out) is np.ndarray
    assert not np.array_equal(out, np.ones(3))


def test_objects_arrive_as_opaque_descriptions():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

    out = roundtrip({"x": AlwaysEqual()})["x"]
    assert isinstance(out, codec.Opaque) and "AlwaysEqual" in out.type_name
    assert roundtrip(np.array([object()], dtype=object)).type_name.startswith("ndarray")


def test_torch_tensors_arrive_as_arrays():
    torch = pytest.importorskip("torch")
    out = roundtrip(torch.ones(2, 3, dtype=torch.float32))
    assert isinstance(out, np.ndarray) and out.dtype == np.float32 and out.shape == (2, 3)


def _frame(tree_json, buffers=()):
    header = tree_json.encode()
    parts = [codec.MAGIC, struct.pack("<II", len(header), len(buffers)), header]
    for b in buffers:
        parts += [struct.pack("<Q", len(b)), b]
    return b"".join(parts)


@pytest.mark.parametrize("frame", [
    b"garbage",
    _frame('["nd", 0, "|O", [1]]', [b"\0" * 8]),           # object dtype
    _frame('["nd", 0, "<f8", [3]]', [b"\0" * 8]),          # size does not match shape
    _frame('["nd", 5, "<f8", [1]]', [b"\0" * 8]),          # no such buffer
    _frame('["pickle", "cos\\nsystem\\n"]'),               # unknown tag
    _frame('["int", "1"]'),                                # wrong scalar type
    _frame('["nd", 0, "<f8", [1]]', [])[:-1],              # truncated
])
def test_malformed_frames_are_refused(frame):
    with pytest.raises(codec.CodecError):
        codec.decode(frame)


def test_frames_on_a_pipe_arrive_whole_and_a_frame_said_too_large_is_not_read():
    import io
    stream = io.BytesIO()
    codec.write_frame(stream, b"first")
    codec.write_frame(stream, b"")
    stream.seek(0)
    read = []

    def read_exact(n):
        read.append(n)
        return stream.read(n)

    assert codec.read_frame(read_exact) == b"first"
    assert codec.read_frame(read_exact) == b""
    huge = io.BytesIO(codec.FRAME_LENGTH.pack(codec.MAX_FRAME_BYTES + 1))
    read.clear()
    with pytest.raises(codec.FrameTooLarge):
        codec.read_frame(lambda n: read.append(n) or huge.read(n))
    assert read == [codec.FRAME_LENGTH.size]          # the length only, never its payload
