"""Checks of a student's function against an expected answer, with feedback that names mistakes.

`check(function, args, expected)` calls the function on read-only copies of its inputs and
checks, in order: it returns without an exception; the type; the exact shape (in the course's
symbols); no NaN or inf; its inputs are unchanged; the values. The first failure raises
CheckFailure with a message a student can act on, naming the mistake from the catalogue
when the wrong answer matches one.
"""

import copy
import traceback
import warnings

import numpy as np

from .i18n import N_, _
from .mistakes import Case, close, diagnose
from .numgrad import numerical_gradient as centred_difference
from .spec import EXACT_KEYS, OUTPUTS, VARIABLE_SHAPES, dims_of, shape_in_symbols

FORWARD_SYMBOLS = {"J": "J", "z": "z", "h": "h", "theta": "Θ", "y_hat": "ŷ", "Z": "Z", "H": "H",
                   "Y_hat": "Ŷ"}


class CheckFailure(AssertionError):
    """A check failed; the message says what is wrong and, where known, why."""


def check(function, args, expected, name=None, rtol=1e-6, atol=1e-9, steps=None):
    """Check function(*args.values()) against expected; return a one-line success message.

    args: the inputs by parameter name, in the function's order (arrays, dicts of arrays,
    numbers, callables). expected: an array, a float (a loss), a (loss, cache) tuple or a
    dict of arrays (gradients by variable name). steps: for a function built from others,
    {name: (step function, args, expected)} on the same example; when the function's answer
    is wrong, the message says which of the steps are wrong too.
    """
    __tracebackhide__ = True
    name = name or function.__name__
    dims = dims_of({k: v for k, v in args.items() if not callable(v)})
    given = _read_only(args)
    answer = _call(function, name, given)
    _check_unchanged(name, args, given)
    checker = _Checker(name, args, dims, rtol, atol)
    try:
        checker.compare(name, answer, expected)
    except CheckFailure as failure:
        if not steps:
            raise
        raise CheckFailure(_("{failure} {steps}").format(
            failure=failure, steps=_blame_steps(name, steps, rtol, atol))) from None
    if isinstance(expected, np.ndarray):
        symbols = _symbols_of(name, expected)
        shape = shape_in_symbols(symbols, dims) if symbols else str(expected.shape)
        return _("✓ {name}: type, shape {shape}, finite values, inputs unchanged, values — "
                 "correct.").format(name=name, shape=shape)
    return _("✓ {name}: type, shape, finite values, inputs unchanged, values — correct."
             ).format(name=name)


CASE = N_("case")


def check_numerical_gradient_on(function, problems, label=CASE, rtol=1e-6, atol=1e-8):
    """Check a student's numerical_gradient(f, x, h=1e-5) on problems [(f, x, h, description)]
    (f reads x; h None: the default) against the course's centred difference with the same h.

    x must come back restored and the result must have x's shape; a failure names the likely
    mistake (one-sided difference, x not restored, h ignored, ...).
    """
    __tracebackhide__ = True
    name = "numerical_gradient"
    for number, (f, x, h, description) in enumerate(problems, start=1):
        where = _("{label} {number} of {count} ({description})").format(
            label=_(label), number=number, count=len(problems), description=_(description))
        before = x.copy()
        expected = centred_difference(f, x, 1e-5 if h is None else h)
        try:
            answer = function(f, x) if h is None else function(f, x, h)
        except NotImplementedError:
            raise CheckFailure(_not_implemented(name)) from None
        except Exception as error:  # noqa: BLE001 (any error of the student's code is feedback)
            raise CheckFailure(_("{where}: {name} raised {error}").format(
                where=where, name=name, error=_describe(error))) from None
        args = {"f": f, "x": x, "h": 1e-5 if h is None else h, "x_before": before}
        checker = _Checker(name, args, {}, rtol, atol)
        try:
            if not np.allclose(x, before, rtol=1e-12, atol=1e-12):
                checker._fail(name, _("x is not the same after the call."), answer, expected,
                              otherwise=_("Restore every entry of x after perturbing it."))
            checker.compare(name, copy.deepcopy(answer), expected)
        except CheckFailure as failure:
            raise CheckFailure(_("{name}: {message}").format(name=where, message=failure)) \
                from None
        finally:
            x[...] = before
    return _("✓ {name}: all {count} {label}s correct.").format(name=name, count=len(problems),
                                                              label=_(label))


def _read_only(value):
    if isinstance(value, np.ndarray):
        copied = value.copy()
        copied.setflags(write=False)
        return copied
    if isinstance(value, dict):
        return {k: _read_only(v) for k, v in value.items()}
    return value


def _blame_steps(name, steps, rtol, atol):
    """Which of the step functions give wrong values on their own, or that none does."""
    wrong = []
    for step, (function, args, expected) in steps.items():
        try:
            check(function, args, expected, name=step, rtol=rtol, atol=atol)
        except CheckFailure as failure:
            wrong.append(str(failure))
    if wrong:
        return _("{name} builds on the same steps as your step functions, and {count} of them "
                 "give wrong values on this example — {failures} Fix those first.").format(
            name=name, count=len(wrong), failures=" | ".join(wrong))
    return _("Your step functions ({steps}) are all right on this example, so the mistake is "
             "in how {name} puts them together: check what each step receives.").format(
        steps=", ".join(steps), name=name)


def _not_implemented(name):
    return _("{name} is not implemented yet: replace `raise NotImplementedError()` with your "
             "code.").format(name=name)


def _call(function, name, args):
    __tracebackhide__ = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return function(*args.values())
    except NotImplementedError:
        raise CheckFailure(_not_implemented(name)) from None
    except ValueError as error:
        if "read-only" in str(error):
            raise CheckFailure(_("{name} modified one of its inputs in place ({error}). "
                                 "{advice}").format(name=name, error=error,
                                                    advice=_in_place_advice(args))) from None
        raised = _("{name} raised {error}").format(name=name, error=_describe(error))
        raise CheckFailure(_with_shape_hint(raised, error, args)) from None
    except Exception as error:
        raise CheckFailure(_("{name} raised {error}").format(
            name=name, error=_describe(error))) from None


def _in_place_advice(args):
    if any(isinstance(v, dict) for v in args.values()):
        return _("Compute new arrays (x - a, not x -= a) and return them in a new dict; "
                 "leave the dicts and arrays you were given as they are.")
    return _("Compute a new array instead of writing into an argument.")


SHAPE_ERRORS = ("matmul", "not aligned", "could not be broadcast", "shapes")
SHAPES = N_("shapes that do not line up")  # a diagnosis of errors, beside the catalogue's


def _with_likely_mistake(message, mistake, diagnosis):
    """message followed by the name of the likely mistake and what to do about it."""
    return _("{message} Likely mistake — {mistake}: {diagnosis}").format(
        message=message, mistake=_(mistake), diagnosis=diagnosis)


def _with_shape_hint(message, error, args):
    """For an error about shapes, message with the inputs' shapes in symbols, to line the
    factors up; otherwise message as it is."""
    if not any(word in str(error) for word in SHAPE_ERRORS):
        return message
    dims = dims_of({k: v for k, v in args.items() if isinstance(v, np.ndarray)})
    shapes = [f"{k} {shape_in_symbols(VARIABLE_SHAPES[k], dims)}" for k, v in args.items()
              if isinstance(v, np.ndarray) and k in VARIABLE_SHAPES]
    if shapes:
        diagnosis = _("in a matrix product the inner sizes must agree, and an elementwise "
                      "product needs equal shapes. Write the shape under each factor (the "
                      "inputs: {shapes}).").format(shapes=", ".join(shapes))
    else:
        diagnosis = _("in a matrix product the inner sizes must agree, and an elementwise "
                      "product needs equal shapes. Write the shape under each factor.")
    return _with_likely_mistake(message, SHAPES, diagnosis)


def _describe(error):
    """'TypeError: message (line 3 of dJ_dU)' from the innermost frame."""
    frames = traceback.extract_tb(error.__traceback__)
    where = (" " + _("(line {line} of {function})").format(line=frames[-1].lineno,
                                                            function=frames[-1].name)
             if len(frames) > 1 else "")
    return f"{type(error).__name__}: {error}{where}"


def _check_unchanged(name, originals, given):
    __tracebackhide__ = True
    for key, original in originals.items():
        if isinstance(original, dict) and not _same(original, given[key]):
            raise CheckFailure(_("{name} changed the dict {key} it was given (it assigned to "
                                 "its entries): build and return a new dict instead.").format(
                name=name, key=key))
        if isinstance(original, np.ndarray) and not _same(original, given[key]):
            raise CheckFailure(_("{name} modified its input {key} in place. Compute a new array "
                                 "instead of writing into an argument.").format(name=name,
                                                                                key=key))


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
        self.whole = {}  # part key -> the expected whole it belongs to

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
        case = Case(key, self.args, expected, answer, self.dims, self.whole.get(key))
        found = diagnose(case) if expected is not None else None
        if found:
            mistake, fields = found
            diagnosis = _(mistake.message).format(
                symbol=self._symbol(key), got_shape=np.shape(answer),
                expected_shape=np.shape(expected), **fields)
            message = _with_likely_mistake(message, mistake.name, diagnosis)
        elif otherwise:
            message = f"{message} {otherwise}"
        raise CheckFailure(_("{name}: {message}").format(name=self.name, message=message))

    def _symbol(self, key):
        if key in OUTPUTS:
            return OUTPUTS[key][0]
        if key.split(".")[0].startswith("forward") and key.count(".") == 1:
            return FORWARD_SYMBOLS.get(key.split(".")[1], key)
        return f"{key.split('.', 1)[0]}[{key.split('.', 1)[1]!r}]" if "." in key else key

    def _compare_tuple(self, key, answer, expected):
        __tracebackhide__ = True
        if not isinstance(answer, tuple) or len(answer) != len(expected):
            got = (_("a tuple of {count}").format(count=len(answer)) if isinstance(answer, tuple)
                   else type(answer).__name__)
            self._fail(key, _("expected a tuple of {count} values, got {got}.").format(
                count=len(expected), got=got))
        loss, cache = expected
        self.whole[f"{key}.J"] = expected
        self._compare_dict(f"{key}.cache", answer[1], cache, label=_("cache"))
        self._compare_number(f"{key}.J", answer[0], loss)

    def _compare_dict(self, key, answer, expected, label=None):
        __tracebackhide__ = True
        label = label or _("the result of {name}").format(name=key)
        keys = ", ".join(expected)
        if not isinstance(answer, dict):
            self._fail(key, _("{label} must be a dict with keys {keys}, got {type}.").format(
                label=label, keys=keys, type=type(answer).__name__))
        missing = [k for k in expected if k not in answer]
        if missing:
            self._fail(key, _("{label} is missing the key(s) {missing}.").format(
                label=label, missing=", ".join(missing)))
        extra = [str(k) for k in answer if k not in expected]
        if extra and self.name in EXACT_KEYS:
            self._fail(key, _("{label} has the extra key(s) {extra}: it must hold exactly "
                              "{keys}. Loop over the parameters, not over every gradient you "
                              "were given.").format(label=label, extra=", ".join(extra),
                                                    keys=keys))
        base = key.split(".", 1)[0]
        for k, value in expected.items():
            self.whole[f"{base}.{k}"] = expected
            self._compare_array(f"{base}.{k}", answer[k], value)

    def _compare_number(self, key, answer, expected):
        __tracebackhide__ = True
        if isinstance(answer, np.ndarray) and answer.size == 1:
            self._fail(key, _("{key} must be a Python float, got a numpy array of shape "
                              "{shape}: convert it with float(...).").format(
                key=key, shape=answer.shape))
        if isinstance(answer, np.ndarray):
            self._fail(key, _("{key} must be one number, a Python float, but it is an array of "
                              "shape {shape}: reduce it to a single number.").format(
                key=key, shape=answer.shape), answer, np.float64(expected))
        number = (float, int, np.floating, np.integer)
        if not isinstance(answer, number) or isinstance(answer, bool):
            self._fail(key, _("{key} must be a float, got {type}.").format(
                key=key, type=type(answer).__name__))
        if not np.isfinite(answer):
            self._fail(key, _("{key} is {value}, not a finite number.").format(
                key=key, value=answer), np.float64(answer), np.float64(expected))
        if not close(np.float64(answer), np.float64(expected), self.rtol, self.atol):
            self._fail(key, _("{key} = {value} but expected {expected}.").format(
                key=key, value=repr(answer), expected=repr(expected)),
                np.float64(answer), np.float64(expected))

    def _compare_array(self, key, answer, expected):
        __tracebackhide__ = True
        symbols = _symbols_of(key, expected)
        label = OUTPUTS[key][0] if key in OUTPUTS else key
        if isinstance(answer, np.matrix):
            self._fail(key, _("{label} is an np.matrix: the course uses plain 2-D numpy arrays "
                              "(np.matrix changes what * and indexing mean). Build it with "
                              "np.array or products of arrays, not np.matrix.").format(
                label=label))
        if not isinstance(answer, np.ndarray):
            self._fail(key, _("{label} must be a numpy array, got {type}.").format(
                label=label, type=type(answer).__name__))
        if answer.dtype != np.float64:
            self._fail(key, _("{label} must hold float64 numbers, got dtype {dtype}.").format(
                label=label, dtype=answer.dtype), answer, expected)
        if answer.shape != expected.shape:
            want = shape_in_symbols(symbols, self.dims) if symbols else str(expected.shape)
            self._fail(key, _("{label} has the wrong shape: expected {expected}, got {got}."
                              ).format(label=label, expected=want, got=answer.shape),
                       answer, expected)
        if not np.all(np.isfinite(answer)):
            self._fail(key, _("{label} contains NaN or inf.").format(label=label),
                       answer, expected)
        if not close(answer, expected, self.rtol, self.atol):
            worst = np.unravel_index(np.argmax(np.abs(answer - expected)), expected.shape)
            worst = tuple(int(i) for i in worst)
            self._fail(key, _("{label} has the right shape but wrong values (at entry {entry}: "
                              "expected {expected}, got {got}).").format(
                label=label, entry=worst, expected=f"{expected[worst] + 0.0:.6g}",
                got=f"{answer[worst] + 0.0:.6g}"),
                answer, expected,
                otherwise=_("It matches none of the common mistakes: redo the derivation step "
                            "by step and compare each factor with a numerical gradient."))
