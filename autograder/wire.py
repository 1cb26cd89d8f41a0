"""JSON messages between the grader and the sandboxed process that runs student code.

Values keep their exact Python and numpy types (arrays with dtype, shape and writeability,
numpy scalars, tuples), so a check in the grader sees what the student's function returned.
A function passed as an argument stays where it is: it travels as a numbered callback that the
other side calls back (autograder.verify). Anything else travels as an opaque object of the
same type name. Only the standard library and numpy are used here.
"""

import json

import numpy as np


def encode(value, callbacks=None):
    """The JSON-ready form of value; functions are appended to callbacks and sent by number."""
    if isinstance(value, np.ndarray):
        return {"__array__": {"dtype": value.dtype.str, "shape": list(value.shape),
                              "data": value.ravel().tolist(), "writeable": value.flags.writeable}}
    if isinstance(value, np.generic):
        return {"__scalar__": {"dtype": value.dtype.str, "value": value.item()}}
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, callbacks) for v in value]}
    if isinstance(value, list):
        return [encode(v, callbacks) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: encode(v, callbacks) for k, v in value.items()}}
    if callable(value) and callbacks is not None:
        callbacks.append(value)
        return {"__callback__": len(callbacks) - 1}
    return {"__object__": type(value).__name__}


def decode(value, make_callback=None):
    """The value; make_callback(number) builds the stand-in of a function sent by number."""
    if isinstance(value, list):
        return [decode(v, make_callback) for v in value]
    if not isinstance(value, dict):
        return value
    (kind, body), = value.items()
    if kind == "__array__":
        array = np.array(body["data"], dtype=np.dtype(body["dtype"])).reshape(body["shape"])
        array.setflags(write=body["writeable"])
        return array
    if kind == "__scalar__":
        return np.dtype(body["dtype"]).type(body["value"])
    if kind == "__tuple__":
        return tuple(decode(v, make_callback) for v in body)
    if kind == "__dict__":
        return {k: decode(v, make_callback) for k, v in body.items()}
    if kind == "__callback__" and make_callback is not None:
        return make_callback(body)
    if kind == "__object__":
        return type(body, (), {"__repr__": lambda self: f"<{body} object>"})()
    raise ValueError(f"unknown message part {kind!r}")


def dumps(message):
    return json.dumps(message, allow_nan=True) + "\n"


def loads(line):
    return json.loads(line)
