"""Messages between the grader and the sandboxed process that runs student code.

One message is one line of JSON. Values keep their exact Python and numpy types (arrays with
dtype, shape and writeability, numpy scalars, tuples), so a check in the grader sees what the
student's function returned. A function passed as an argument stays where it is: it travels
as a numbered callback that the other side calls back. Anything else travels as an opaque
object of the same type name.

Everything that arrives from the student's side is untrusted, so reading is bounded: a line
longer than MAX_MESSAGE is refused before it is parsed, and an array is built only when its
dtype is a plain number (bool, int, unsigned, float), its shape is valid and its size is at
most MAX_ARRAY bytes, checked before anything is allocated.

This module also runs inside the sandbox, so it uses only the standard library and numpy.
"""

import base64
import json
import math

import numpy as np

MAX_MESSAGE = 64 * 1024**2   # bytes in one line
MAX_ARRAY = 64 * 1024**2     # bytes of one array's data
MAX_DIMS = 32
MAX_DEPTH = 64               # nesting of lists, tuples and dicts
NUMBER_KINDS = "biuf"


class WireError(ValueError):
    """A message that breaks the protocol's limits or form."""


def encode(value, callbacks=None, depth=0):
    """The JSON-ready form of value; functions are appended to callbacks and sent by number."""
    if depth > MAX_DEPTH:
        raise WireError(f"the value is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in NUMBER_KINDS:
            return {"__object__": f"ndarray of dtype {value.dtype}"}
        return {"__array__": {"dtype": value.dtype.str, "shape": list(value.shape),
                              "data": base64.b64encode(np.ascontiguousarray(value).tobytes())
                              .decode("ascii"), "writeable": bool(value.flags.writeable)}}
    if isinstance(value, np.generic):
        if value.dtype.kind not in NUMBER_KINDS:
            return {"__object__": type(value).__name__}
        return {"__scalar__": {"dtype": value.dtype.str, "value": value.item()}}
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, callbacks, depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, callbacks, depth + 1) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: encode(v, callbacks, depth + 1) for k, v in value.items()}}
    if callable(value) and callbacks is not None:
        callbacks.append(value)
        return {"__callback__": len(callbacks) - 1}
    return {"__object__": type(value).__name__}


def decode(value, make_callback=None):
    """The value; make_callback(number) builds the stand-in of a function sent by number.
    WireError for anything malformed."""
    try:
        return _decode(value, make_callback, 0)
    except WireError:
        raise
    except Exception as error:  # noqa: BLE001 (numpy or base64 refusing a malformed part)
        raise WireError(f"a malformed value ({type(error).__name__})") from None


def _decode(value, make_callback, depth):
    if depth > MAX_DEPTH:
        raise WireError(f"a value is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, list):
        return [_decode(v, make_callback, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) != 1:
        raise WireError("a tagged value must have exactly one tag")
    (kind, body), = value.items()
    if kind == "__array__":
        return _array(body)
    if kind == "__scalar__":
        if not isinstance(body, dict):
            raise WireError("a scalar must be a dict")
        if not isinstance(body.get("value"), (bool, int, float)):
            raise WireError("a scalar's value must be a number")
        return _dtype(body.get("dtype")).type(body["value"])
    if kind == "__tuple__" and isinstance(body, list):
        return tuple(_decode(v, make_callback, depth + 1) for v in body)
    if kind == "__dict__" and isinstance(body, dict):
        return {k: _decode(v, make_callback, depth + 1) for k, v in body.items()}
    if kind == "__callback__" and make_callback is not None and isinstance(body, int):
        return make_callback(body)
    if kind == "__object__" and isinstance(body, str):
        name = body[:100]
        return type("Opaque", (), {"__repr__": lambda self: f"<{name} object>"})()
    raise WireError(f"unknown message part {str(kind)[:40]!r}")


def _dtype(text):
    if not isinstance(text, str) or len(text) > 8:
        raise WireError("a dtype must be a short string")
    try:
        dtype = np.dtype(text)
    except Exception:  # noqa: BLE001 (numpy parses dtype strings with several errors)
        raise WireError(f"unknown dtype {text!r}") from None
    if dtype.kind not in NUMBER_KINDS or dtype.itemsize > 16:
        raise WireError(f"dtype {text!r} is not a plain number type")
    return dtype


def _array(body):
    if not isinstance(body, dict):
        raise WireError("an array must be a dict")
    dtype, shape, data = _dtype(body.get("dtype")), body.get("shape"), body.get("data")
    if (not isinstance(shape, list) or len(shape) > MAX_DIMS
            or not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n for n in shape)):
        raise WireError("an array's shape must be a list of at most "
                        f"{MAX_DIMS} non-negative integers")
    size = math.prod(shape) * dtype.itemsize
    if size > MAX_ARRAY:
        raise WireError(f"an array of {size} bytes is larger than the limit of {MAX_ARRAY}")
    if any(n > MAX_ARRAY for n in shape):
        raise WireError(f"an array dimension is larger than the limit of {MAX_ARRAY}")
    if not isinstance(data, str) or len(data) != 4 * math.ceil(size / 3):
        raise WireError("an array's data does not match its shape and dtype")
    raw = base64.b64decode(data, validate=True)
    if len(raw) != size:
        raise WireError("an array's data does not match its shape and dtype")
    array = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    array.setflags(write=bool(body.get("writeable", True)))
    return array


def dumps(message):
    """One line of JSON, newline included, as bytes."""
    return (json.dumps(message, allow_nan=True, ensure_ascii=False) + "\n").encode("utf-8")


def loads(line):
    """The message in one line (bytes) from the other side; WireError when it is not one."""
    if len(line) > MAX_MESSAGE:
        raise WireError(f"a message of {len(line)} bytes is larger than the limit")
    try:
        message = json.loads(line)
    except (ValueError, RecursionError) as error:
        raise WireError(f"not a JSON message ({type(error).__name__})") from None
    if not isinstance(message, dict):
        raise WireError("a message must be a JSON object")
    return message
