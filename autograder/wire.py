"""JSON messages between the grader and the sandboxed process that runs student code.

Values keep their exact Python and numpy types (arrays with dtype, shape and writeability,
numpy scalars, tuples), so a check in the grader sees what the student's function returned.
A function defined by source (an object with `.source` and `.closes_over`) travels as its
source and is rebuilt on the other side around the same argument. Anything else travels as an
opaque object of the same type name. Only the standard library and numpy are used here.
"""

import json

import numpy as np


def encode(value):
    if isinstance(value, np.ndarray):
        return {"__array__": {"dtype": value.dtype.str, "shape": list(value.shape),
                              "data": value.ravel().tolist(), "writeable": value.flags.writeable}}
    if isinstance(value, np.generic):
        return {"__scalar__": {"dtype": value.dtype.str, "value": value.item()}}
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: encode(v) for k, v in value.items()}}
    if callable(value) and hasattr(value, "source"):
        return {"__function__": {"source": value.source, "closes_over": value.closes_over}}
    return {"__object__": type(value).__name__}


def decode(value, siblings=None):
    """The value; siblings are the already decoded arguments a function may close over."""
    if isinstance(value, list):
        return [decode(v) for v in value]
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
        return tuple(decode(v) for v in body)
    if kind == "__dict__":
        return {k: decode(v) for k, v in body.items()}
    if kind == "__function__":
        variable = siblings[body["closes_over"]]
        return SourceFunction(body["source"], body["closes_over"], variable)
    if kind == "__object__":
        return type(body, (), {"__repr__": lambda self: f"<{body} object>"})()
    raise ValueError(f"unknown message part {kind!r}")


class SourceFunction:
    """f() = eval(source) with `x` bound to an array: a test function that can travel."""

    def __init__(self, source, closes_over, x):
        self.source, self.closes_over, self.x = source, closes_over, x

    def __call__(self):
        return eval(self.source, {"np": np}, {"x": self.x})


def dumps(message):
    return json.dumps(message, allow_nan=True) + "\n"


def loads(line):
    return json.loads(line)
