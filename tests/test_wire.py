"""The protocol between the grader and the sandboxed runner (autograder/grading/wire.py).

Every value kind makes the whole trip (encode, one JSON line, loads, decode) with its exact
type; everything the student's side could send that breaks the protocol's limits is refused
with a WireError, and an oversized array is refused before anything is allocated.
"""

import base64
import decimal
import json
import math
import tracemalloc

import numpy as np
import pytest

from autograder.grading import wire

SHAPE_MESSAGE = f"an array's shape must be a list of at most {wire.MAX_DIMS} non-negative integers"
DATA_MESSAGE = "an array's data does not match its shape and dtype"
ZEROS = object()


def trip(value, callbacks=None, make_callback=None):
    """value after encode, a line of JSON, loads and decode."""
    line = wire.dumps({"value": wire.encode(value, callbacks)})
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    return wire.decode(wire.loads(line)["value"], make_callback)


def array_body(dtype="<f8", shape=(2,), data=ZEROS, **extra):
    """An array's message part; data: base64 of zero bytes of the right size by default."""
    if data is ZEROS:
        data = base64.b64encode(bytes(math.prod(shape) * np.dtype(dtype).itemsize)).decode()
    return {"__array__": {"dtype": dtype, "shape": list(shape) if isinstance(shape, tuple)
                          else shape, "data": data, **extra}}


def refused(value, message):
    with pytest.raises(wire.WireError) as error:
        wire.decode(value)
    assert str(error.value) == message


def nested(levels, leaf=0, wrap=lambda v: [v]):
    for _ in range(levels):
        leaf = wrap(leaf)
    return leaf


def same(a, b):
    """Equal, with the same types all the way down (NaN equal to NaN)."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            same(x, y)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            same(a[key], b[key])
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


# -- round trips ---------------------------------------------------------------------------

ARRAYS = {
    "float64 2-d": np.arange(6, dtype=np.float64).reshape(2, 3) / 7,
    "float32 3-d": np.linspace(-1, 1, 24, dtype=np.float32).reshape(2, 3, 4),
    "float16": np.array([0.1, -2.5, 65504], dtype=np.float16),
    "longdouble": np.array([1 / 3, 2.0], dtype=np.longdouble),
    "big-endian float": np.array([1.5, -0.25], dtype=">f8"),
    "big-endian int": np.array([1, -2, 2**30], dtype=">i4"),
    "int8": np.array([-128, 0, 127], dtype=np.int8),
    "int16": np.array([-(2**15), 2**15 - 1], dtype=np.int16),
    "int32": np.array([[-(2**31)], [2**31 - 1]], dtype=np.int32),
    "int64": np.array([-(2**63), 2**63 - 1], dtype=np.int64),
    "uint8": np.arange(256, dtype=np.uint8).reshape(16, 16),
    "uint16": np.array([0, 2**16 - 1], dtype=np.uint16),
    "uint32": np.array([0, 2**32 - 1], dtype=np.uint32),
    "uint64": np.array([0, 2**64 - 1], dtype=np.uint64),
    "bool": np.array([[True, False], [False, True]]),
    "special floats": np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324]),
    "0-d float": np.array(3.5),
    "0-d bool": np.array(True),
    "0-d uint8": np.array(7, dtype=np.uint8),
    "empty 1-d": np.zeros((0,)),
    "empty 3-d": np.zeros((3, 0, 2), dtype=np.int32),
    "transposed": np.arange(12.0).reshape(3, 4).T,
    "strided": np.arange(20, dtype=np.int16)[::3],
    "fortran order": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    f"{wire.MAX_DIMS} dims": np.ones((1,) * wire.MAX_DIMS),
}


@pytest.mark.parametrize("array", ARRAYS.values(), ids=ARRAYS.keys())
def test_arrays_round_trip_with_dtype_shape_and_bytes(array):
    back = trip(array)
    assert type(back) is np.ndarray
    assert back.dtype.str == array.dtype.str
    assert back.shape == array.shape
    assert back.tobytes() == np.ascontiguousarray(array).tobytes()
    assert back.flags.writeable and back.flags.owndata


def test_writeable_flag_is_kept():
    frozen = np.arange(3.0)
    frozen.setflags(write=False)
    back = trip(frozen)
    assert not back.flags.writeable
    with pytest.raises(ValueError):
        back[0] = 1
    assert trip(np.arange(3.0)).flags.writeable
    body = array_body("<f8", (1,))
    assert wire.decode(body).flags.writeable  # absent: writeable


SCALARS = [np.float64(1.5), np.float64(-0.0), np.float32(0.1), np.float16(0.333),
           np.int8(-5), np.int16(300), np.int32(-(2**31)), np.int64(-(2**63)),
           np.uint8(255), np.uint32(2**32 - 1), np.uint64(2**64 - 1), np.bool_(True),
           np.bool_(False), np.float64(np.inf)]


@pytest.mark.parametrize("scalar", SCALARS, ids=[f"{type(s).__name__}({s})" for s in SCALARS])
def test_numpy_scalars_round_trip_with_their_type(scalar):
    back = trip(scalar)
    assert type(back) is type(scalar)
    assert back == scalar
    if scalar.dtype.kind == "f":
        assert np.signbit(back) == np.signbit(scalar)


def test_nan_scalar_and_float():
    assert np.isnan(trip(np.float64("nan"))) and type(trip(np.float32("nan"))) is np.float32
    assert math.isnan(trip(float("nan")))


PLAIN = [None, True, False, 0, -7, 2**100, 1.5, float("inf"), -float("inf"), "text",
         "ünïcødé\n\r\u2028\x00", [], [1, [2, [3, "x"]]], (), (1,), (1, (2, "a"), [3]),
         {}, {"a": 1, "b": (2, [None])}, {"__array__": 5, "__tuple__": [1]},
         [{"k": ({"deeper": [(), {}]},)}]]


@pytest.mark.parametrize("value", PLAIN, ids=[repr(v)[:30] for v in PLAIN])
def test_plain_values_round_trip_with_exact_types(value):
    same(trip(value), value)


def test_containers_of_arrays_and_scalars():
    value = {"W": (np.eye(2), np.zeros(0, dtype=np.int8)), "n": [np.int64(3), np.float32(2)]}
    back = trip(value)
    assert list(back) == ["W", "n"] and type(back["W"]) is tuple and type(back["n"]) is list
    assert np.array_equal(back["W"][0], np.eye(2)) and back["W"][1].dtype == np.int8
    assert type(back["n"][0]) is np.int64 and type(back["n"][1]) is np.float32


def test_a_user_dict_with_tag_names_as_keys_stays_a_dict():
    assert wire.encode({"__array__": 1}) == {"__dict__": {"__array__": 1}}
    assert trip({"__callback__": 0, "__object__": "x"}) == {"__callback__": 0,
                                                            "__object__": "x"}


def test_callbacks_travel_by_number_and_come_back_as_stand_ins():
    def f(x):
        return x

    def g(x):
        return -x

    callbacks = []
    encoded = wire.encode([f, {"g": g}, (f,)], callbacks)
    assert callbacks == [f, g, f]
    assert encoded == [{"__callback__": 0}, {"__dict__": {"g": {"__callback__": 1}}},
                       {"__tuple__": [{"__callback__": 2}]}]
    back = trip([f, {"g": g}, (f,)], [], make_callback=lambda number: ("stand-in", number))
    assert back == [("stand-in", 0), {"g": ("stand-in", 1)}, (("stand-in", 2),)]


def test_functions_without_a_callback_list_are_opaque():
    assert wire.encode(len) == {"__object__": "builtin_function_or_method"}
    assert wire.encode(lambda: 0) == {"__object__": "function"}


def test_a_callback_is_refused_where_none_is_expected():
    refused({"__callback__": 0}, "unknown message part '__callback__'")
    with pytest.raises(wire.WireError, match="unknown message part '__callback__'"):
        wire.decode({"__callback__": "0"}, make_callback=lambda n: n)


OPAQUE = {
    "object array": (np.array([1, "a"], dtype=object), "ndarray of dtype object"),
    "str array": (np.array(["ab"]), "ndarray of dtype <U2"),
    "bytes array": (np.array([b"x"]), "ndarray of dtype |S1"),
    "complex array": (np.array([1j]), "ndarray of dtype complex128"),
    "structured array": (np.zeros(1, dtype=[("a", "<i4")]), "ndarray of dtype [('a', '<i4')]"),
    "datetime array": (np.array(["2020-01-01"], dtype="M8[D]"), "ndarray of dtype datetime64[D]"),
    "complex scalar": (np.complex128(1j), "complex128"),
    "numpy str": (np.str_("a"), "str_"),
    "python complex": (1j, "complex"),
    "set": ({1, 2}, "set"),
    "bytes": (b"x", "bytes"),
    "dict with int keys": ({1: 2}, "dict"),
    "Decimal": (decimal.Decimal("1.5"), "Decimal"),
    "object": (object(), "object"),
}


@pytest.mark.parametrize("value, name", OPAQUE.values(), ids=OPAQUE.keys())
def test_other_values_arrive_as_opaque_objects(value, name):
    assert wire.encode(value) == {"__object__": name}
    back = trip(value)
    assert repr(back) == f"<{name} object>"
    assert not isinstance(back, (np.ndarray, str, bytes, complex, dict, set))


def test_an_opaque_name_is_cut():
    assert repr(wire.decode({"__object__": "n" * 10_000})) == f"<{'n' * 100} object>"


# -- refusals: arrays ----------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["O", "<U5", "V8", "<c16", "|S3", "<M8[D]", "f8,i4",
                                   "(2,)<f8"])
def test_arrays_of_other_dtypes_are_refused(dtype):
    refused(array_body(dtype, (1,), data="AAAA"), f"dtype {dtype!r} is not a plain number type")


@pytest.mark.parametrize("dtype", [8, None, ["<f8"], "<f8" + " " * 6])
def test_a_dtype_must_be_a_short_string(dtype):
    refused(array_body(dtype, (1,), data="AAAA"), "a dtype must be a short string")


def test_an_unknown_dtype_is_refused():
    refused(array_body("xyz", (1,), data="AAAA"), "unknown dtype 'xyz'")


@pytest.mark.parametrize("shape", [[-1], [2, -3], [1.5], [2.0], ["2"], [True], [1, False],
                                   [None], [[2]], "3", 3, {"0": 1}, None],
                         ids=repr)
def test_bad_shapes_are_refused(shape):
    refused(array_body("<f8", shape, data=""), SHAPE_MESSAGE)


def test_more_than_max_dims_dimensions_are_refused():
    refused(array_body("<f8", (1,) * (wire.MAX_DIMS + 1)), SHAPE_MESSAGE)


@pytest.mark.parametrize("dtype, shape", [("<f8", [2**40]), ("<f8", [2**20] * 3),
                                          ("|u1", [wire.MAX_ARRAY + 1]),
                                          ("<f8", [2**62, 2**62, 2**62])])
def test_an_array_larger_than_max_array_is_refused_before_allocation(dtype, shape):
    size = math.prod(shape) * np.dtype(dtype).itemsize
    tracemalloc.start()
    try:
        with pytest.raises(wire.WireError) as error:
            wire.decode(array_body(dtype, shape, data=""))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(error.value) == (f"an array of {size} bytes is larger than the limit of "
                                f"{wire.MAX_ARRAY}")
    assert peak < 1024**2


def test_tracemalloc_sees_the_arrays_that_decode_allocates():
    body = wire.encode(np.zeros(1024**2, dtype=np.float64))  # 8 MiB
    tracemalloc.start()
    try:
        wire.decode(body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak >= 16 * 1024**2  # the decoded bytes and the array's own copy


def test_an_array_of_exactly_max_array_bytes_passes_the_size_check():
    refused(array_body("|u1", [wire.MAX_ARRAY], data=""), DATA_MESSAGE)


@pytest.mark.parametrize("data", ["", "AAAA", "A" * 20, None, 123, ["AAAAAAAAAAAA"]],
                         ids=repr)
def test_data_that_does_not_match_the_shape_is_refused(data):
    refused(array_body("<f8", (2,), data=data), DATA_MESSAGE)


@pytest.mark.parametrize("body", [5, "x", [1], None], ids=repr)
def test_an_array_must_be_a_dict(body):
    refused({"__array__": body}, "an array must be a dict")


# -- refusals: scalars, tags, nesting ------------------------------------------------------

@pytest.mark.parametrize("dtype", ["O", "<U5", "<c16", "V8"])
def test_scalars_of_other_dtypes_are_refused(dtype):
    refused({"__scalar__": {"dtype": dtype, "value": 1}},
            f"dtype {dtype!r} is not a plain number type")


@pytest.mark.parametrize("value", ["1", None, [1], {"a": 1}], ids=repr)
def test_a_scalar_value_must_be_a_number(value):
    refused({"__scalar__": {"dtype": "<f8", "value": value}}, "a scalar's value must be a number")


@pytest.mark.parametrize("value", [{}, {"__array__": 1, "__tuple__": []}, {"a": 1, "b": 2}],
                         ids=repr)
def test_a_tagged_value_has_exactly_one_tag(value):
    refused(value, "a tagged value must have exactly one tag")


@pytest.mark.parametrize("value, shown", [
    ({"__evil__": 1}, "'__evil__'"),
    ({"plain": 1}, "'plain'"),
    ({"x" * 100: 1}, repr("x" * 40)),
    ({"__tuple__": 5}, "'__tuple__'"),
    ({"__dict__": [1]}, "'__dict__'"),
    ({"__object__": 5}, "'__object__'"),
], ids=["unknown", "untagged dict", "long tag", "tuple not a list", "dict not a dict",
        "object not a str"])
def test_unknown_tags_and_malformed_bodies_are_refused(value, shown):
    refused(value, f"unknown message part {shown}")


WRAPS = {"list": lambda v: [v], "tuple": lambda v: {"__tuple__": [v]},
         "dict": lambda v: {"__dict__": {"k": v}}}


@pytest.mark.parametrize("wrap", WRAPS.values(), ids=WRAPS.keys())
def test_decode_refuses_nesting_deeper_than_max_depth(wrap):
    assert wire.decode(nested(wire.MAX_DEPTH, wrap=wrap)) is not None
    refused(nested(wire.MAX_DEPTH + 1, wrap=wrap),
            f"a value is nested more than {wire.MAX_DEPTH} levels deep")


@pytest.mark.parametrize("wrap", [lambda v: [v], lambda v: (v,), lambda v: {"k": v}],
                         ids=["list", "tuple", "dict"])
def test_encode_refuses_nesting_deeper_than_max_depth(wrap):
    wire.encode(nested(wire.MAX_DEPTH, wrap=wrap))
    with pytest.raises(wire.WireError) as error:
        wire.encode(nested(wire.MAX_DEPTH + 1, wrap=wrap))
    assert str(error.value) == f"the value is nested more than {wire.MAX_DEPTH} levels deep"


# -- lines ---------------------------------------------------------------------------------

def loads_refused(line, message):
    with pytest.raises(wire.WireError) as error:
        wire.loads(line)
    assert str(error.value) == message


def test_a_line_longer_than_max_message_is_refused_unparsed():
    line = b'{"a": "' + b"x" * (wire.MAX_MESSAGE - 9) + b'"}'
    assert len(line) == wire.MAX_MESSAGE
    assert len(wire.loads(line)["a"]) == wire.MAX_MESSAGE - 9
    loads_refused(line + b" ", f"a message of {wire.MAX_MESSAGE + 1} bytes is larger than "
                  "the limit")


@pytest.mark.parametrize("line, kind", [
    (b"", "JSONDecodeError"), (b"not json", "JSONDecodeError"), (b"{", "JSONDecodeError"),
    (b'{"a": 1} trailing', "JSONDecodeError"), (b"{'a': 1}", "JSONDecodeError"),
    (b"\xff\xfe\xfd", "UnicodeDecodeError"),
    (b"[" * 100_000 + b"]" * 100_000, "RecursionError"),
], ids=["empty", "text", "unclosed", "trailing", "python dict", "not utf-8", "deep"])
def test_non_json_is_refused(line, kind):
    loads_refused(line, f"not a JSON message ({kind})")


@pytest.mark.parametrize("line", [b"[]", b"[1, 2]", b"1", b'"text"', b"null", b"true"])
def test_a_json_value_that_is_not_an_object_is_refused(line):
    loads_refused(line, "a message must be a JSON object")


def test_dumps_writes_exactly_one_line():
    message = {"text": "a\nb\r\u2028\u2029ü", "nan": float("nan"), "inf": float("inf")}
    line = wire.dumps(message)
    assert line.count(b"\n") == 1 and line.endswith(b"\n")
    assert "ü".encode() in line and b"NaN" in line and b"Infinity" in line
    back = wire.loads(line)
    assert back["text"] == message["text"] and math.isnan(back["nan"])
    assert back["inf"] == math.inf
    assert json.loads(line)["text"] == message["text"]


# -- holes: forms that should be refused with a WireError but raise something else --------
# (reported; the grader's tests then fail with that other exception instead)

HOSTILE = {
    "scalar body not a dict": {"__scalar__": 5},
    "scalar out of range": {"__scalar__": {"dtype": "|u1", "value": 300}},
    "scalar too large": {"__scalar__": {"dtype": "<i8", "value": 2**70}},
    "NaN for an int scalar": {"__scalar__": {"dtype": "<i8", "value": float("nan")}},
    "data not base64": array_body("|u1", (3,), data="!!!!"),
    "padded data too short": array_body("|u1", (3,), data="AA=="),
    "unpadded data too long": array_body("<f8", (1,), data="A" * 12),
    "empty array of huge dims": array_body("<f8", (0, 2**62, 2**62), data=""),
    "empty array of dims beyond intp": array_body("<f8", (0, 2**64), data=""),
    "dtype numpy cannot parse (SyntaxError)": array_body(",", (1,), data=""),
    "dtype numpy cannot parse (ValueError)": array_body("0(", (1,), data=""),
}


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_forms_are_refused_with_a_wire_error(value):
    with pytest.raises(wire.WireError):
        wire.decode(value)
