"""Test cases stored as JSON beside each assignment: inputs and expected answers.

The expected answers are computed when the course is released, so the notebooks can check a
student's function without containing the formula. Arrays keep their exact 2-D shape and
every float round-trips exactly.
"""

import json
from pathlib import Path

import numpy as np

from .i18n import _

CASES_FILE = "cases.json"


def encode(value):
    """A JSON-ready form of arrays, tuples, dicts and numbers."""
    if isinstance(value, np.ndarray):
        return {"shape": list(value.shape), "data": [float(v) for v in value.ravel()]}
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"dict": {k: encode(v) for k, v in value.items()}}
    if isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"cannot store a {type(value).__name__} in a case file")


def decode(value):
    """The inverse of encode."""
    if isinstance(value, dict) and "shape" in value:
        return np.array(value["data"], dtype=float).reshape(value["shape"])
    if isinstance(value, dict) and "tuple" in value:
        return tuple(decode(v) for v in value["tuple"])
    if isinstance(value, dict) and "dict" in value:
        return {k: decode(v) for k, v in value["dict"].items()}
    return value


def save_cases(cases, path):
    """Write {name: (args, expected)} to path as JSON, deterministically."""
    data = {name: {"args": encode(args), "expected": encode(expected)}
            for name, (args, expected) in cases.items()}
    Path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def load_case(name, path=CASES_FILE):
    """(args, expected) of the case called name in the case file at path."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(_("{path} is missing: it ships with the assignment; download "
                                  "the assignment again.").format(path=path))
    cases = json.loads(path.read_text(encoding="utf-8"))
    if name not in cases:
        raise KeyError(_("{path} has no case called {name}").format(path=path, name=repr(name)))
    return decode(cases[name]["args"]), decode(cases[name]["expected"])
