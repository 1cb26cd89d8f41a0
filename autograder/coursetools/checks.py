"""Checks of a student's function against an expected answer, with feedback that names mistakes.

`check(function, args, expected)` calls the function on read-only copies of its inputs and
checks, in order: it returns without an exception; the type; the exact shape (in the course's
symbols); no NaN or inf; its inputs are unchanged; the values. The first failure raises
CheckFailure with a message a student can act on, naming the mistake from the catalogue
when the wrong answer matches one.
"""

import traceback
import warnings

import numpy as np

from .mistakes import Case, close, diagnose
from .spec import OUTPUTS, VARIABLE_SHAPES, dims_of, shape_in_symbols


class CheckFailure(AssertionError):
    """A check failed; the message says what is wrong and, where known, why."""


def check(function, args, expected, name=None, rtol=1e-6, atol=1e-9):
    """Check function(*args.values()) against expected; return a one-line success message.

    args: the inputs by parameter name, in the function's order (arrays, dicts of arrays,
    numbers, callables). expected: an array, a float (a loss), a (loss, cache) tuple or a
    dict of arrays (gradients by variable name).
    """
    __tracebackhide__ = True
    name = name or function.__name__
    dims = dims_of({k: v for k, v in args.items() if not callable(v)})
    given = _read_only(args)
    answer = _call(function, name, given)
    _check_unchanged(name, args, given)
    checker = _Checker(name, args, dims, rtol, atol)
    checker.compare(name, answer, expected)
    shape = ""
    if isinstance(expected, np.ndarray):
        symbols = _symbols_of(name, expected)
        shape = f" {shape_in_symbols(symbols, dims)}" if symbols else f" {expected.shape}"
    return f"✓ {name}: type, shape{shape}, finite values, inputs unchanged, values — correct."


def _read_only(value):
    if isinstance(value, np.ndarray):
        copied = value.copy()
        copied.setflags(write=False)
        return copied
    if isinstance(value, dict):
        return {k: _read_only(v) for k, v in value.items()}
    return value


def _call(function, name, args):
    __tracebackhide__ = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return function(*args.values())
    except NotImplementedError:
        raise CheckFailure(f"{name} is not implemented yet: replace "
                           "`raise NotImplementedError()` with your code.") from None
    except ValueError as error:
        if "read-only" in str(error):
            raise CheckFailure(f"{name} modified one of its inputs in place ({error}). "
                               "Compute a new array instead of writing into an argument.") from None
        raise CheckFailure(f"{name} raised {_describe(error)}") from None
    except Exception as error:
        raise CheckFailure(f"{name} raised {_describe(error)}") from None


def _describe(error):
    """'TypeError: message (line 3 of dJ_dU)' from the innermost frame."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" (line {frames[-1].lineno} of {frames[-1].name})" if len(frames) > 1 else ""
    return f"{type(error).__name__}: {error}{where}"


def _check_unchanged(name, originals, given):
    __tracebackhide__ = True
    for key, original in originals.items():
        if isinstance(original, (np.ndarray, dict)) and not _same(original, given[key]):
            raise CheckFailure(f"{name} modified its input {key} in place. Compute a new array "
                               "instead of writing into an argument.")


def _same(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def _symbols_of(key, expected):
    if key in OUTPUTS:
        return OUTPUTS[key][1]
    base = key.rsplit(".", 1)[-1]
    symbols = VARIABLE_SHAPES.get(base)
    return symbols if symbols and len(symbols) == np.ndim(expected) else None


class _Checker:
    """Compares an answer with the expected one, part by part."""

    def __init__(self, name, args, dims, rtol, atol):
        self.name, self.args, self.dims, self.rtol, self.atol = name, args, dims, rtol, atol

    def compare(self, key, answer, expected):
        __tracebackhide__ = True
        if isinstance(expected, tuple):
            self._compare_tuple(key, answer, expected)
        elif isinstance(expected, dict):
            self._compare_dict(key, answer, expected)
        elif isinstance(expected, np.ndarray):
            self._compare_array(key, answer, expected)
        else:
            self._compare_number(key, answer, expected)

    def _fail(self, key, message, answer=None, expected=None, otherwise=""):
        """Raise CheckFailure; name the catalogue's mistake if the answer matches one."""
        __tracebackhide__ = True
        case = Case(key, self.args, expected, answer, self.dims)
        found = diagnose(case) if expected is not None else None
        if found:
            mistake, fields = found
            message = f"{message} Likely mistake — {mistake.name}: " + mistake.message.format(
                symbol=self._symbol(key), got_shape=np.shape(answer),
                expected_shape=np.shape(expected), **fields)
        elif otherwise:
            message = f"{message} {otherwise}"
        raise CheckFailure(f"{self.name}: {message}")

    def _symbol(self, key):
        if key in OUTPUTS:
            return OUTPUTS[key][0]
        return f"{key.split('.', 1)[0]}[{key.split('.', 1)[1]!r}]" if "." in key else key

    def _compare_tuple(self, key, answer, expected):
        __tracebackhide__ = True
        if not isinstance(answer, tuple) or len(answer) != len(expected):
            got = (f"a tuple of {len(answer)}" if isinstance(answer, tuple)
                   else type(answer).__name__)
            self._fail(key, f"expected a tuple of {len(expected)} values, got {got}.")
        loss, cache = expected
        self._compare_number(f"{key}.J", answer[0], loss)
        self._compare_dict(f"{key}.cache", answer[1], cache, label="cache")

    def _compare_dict(self, key, answer, expected, label=None):
        __tracebackhide__ = True
        label = label or f"the result of {key}"
        if not isinstance(answer, dict):
            self._fail(key, f"{label} must be a dict with keys {', '.join(expected)}, "
                            f"got {type(answer).__name__}.")
        missing = [k for k in expected if k not in answer]
        if missing:
            self._fail(key, f"{label} is missing the key(s) {', '.join(missing)}.")
        base = key.split(".", 1)[0]
        for k, value in expected.items():
            self._compare_array(f"{base}.{k}", answer[k], value)

    def _compare_number(self, key, answer, expected):
        __tracebackhide__ = True
        if isinstance(answer, np.ndarray) and answer.size == 1:
            self._fail(key, f"{key} must be a Python float, got a numpy array of shape "
                            f"{answer.shape}: convert it with float(...).")
        number = (float, int, np.floating, np.integer)
        if not isinstance(answer, number) or isinstance(answer, bool):
            self._fail(key, f"{key} must be a float, got {type(answer).__name__}.")
        if not np.isfinite(answer):
            self._fail(key, f"{key} is {answer}, not a finite number.", np.float64(answer),
                       np.float64(expected))
        if not close(np.float64(answer), np.float64(expected), self.rtol, self.atol):
            self._fail(key, f"{key} = {answer!r} but expected {expected!r}.",
                       np.float64(answer), np.float64(expected))

    def _compare_array(self, key, answer, expected):
        __tracebackhide__ = True
        symbols = _symbols_of(key, expected)
        label = OUTPUTS[key][0] if key in OUTPUTS else key
        if not isinstance(answer, np.ndarray) or isinstance(answer, np.matrix):
            self._fail(key, f"{label} must be a numpy array, got {type(answer).__name__}.")
        if not np.issubdtype(answer.dtype, np.floating):
            self._fail(key, f"{label} must hold floats, got dtype {answer.dtype}.")
        if answer.shape != expected.shape:
            want = shape_in_symbols(symbols, self.dims) if symbols else str(expected.shape)
            self._fail(key, f"{label} has the wrong shape: expected {want}, got {answer.shape}.",
                       answer, expected)
        if not np.all(np.isfinite(answer)):
            self._fail(key, f"{label} contains NaN or inf.", answer, expected)
        if not close(answer, expected, self.rtol, self.atol):
            worst = np.unravel_index(np.argmax(np.abs(answer - expected)), expected.shape)
            worst = tuple(int(i) for i in worst)
            self._fail(key, f"{label} has the right shape but wrong values (at entry {worst}: "
                            f"expected {expected[worst]:.6g}, got {answer[worst]:.6g}).",
                       answer, expected,
                       otherwise="It matches none of the common mistakes: redo the derivation "
                                 "step by step and compare each factor with a numerical gradient.")
