"""Numerical gradients by centred differences, the relative error, and a gradient check."""

import unicodedata
from dataclasses import dataclass, field

import numpy as np

from .i18n import _

H = 1e-5


def _require_float_array(x, what):
    if not isinstance(x, np.ndarray):
        raise TypeError(_("{what} must be a numpy array, got {type}").format(
            what=what, type=type(x).__name__))
    if x.dtype != np.float64:
        raise TypeError(_("{what} must be a float64 array (it is perturbed in place), got "
                          "{dtype}").format(what=what, dtype=x.dtype))
    if not np.all(np.isfinite(x)):
        raise ValueError(_("{what} contains NaN or inf").format(what=what))


def centred_differences(f, x, h=H, probe=None):
    """For every entry i of x: (i, (f, probe) at x + h e_i, (f, probe) at x - h e_i).

    x is perturbed in place one entry at a time and every entry is restored; probe, if
    given, is read at each perturbation too (the gradient check watches the ReLU kinks).
    """
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        plus = float(f()), probe() if probe else None
        x[index] = old - h
        minus = float(f()), probe() if probe else None
        x[index] = old
        yield index, plus, minus


def numerical_gradient(f, x, h=H):
    """dF/dx by centred differences, (F(x + h e_i) - F(x - h e_i)) / 2h for every entry i.

    f() is a scalar function that reads x; x (any shape, float64) is perturbed in place
    one entry at a time and every entry is restored. Returns an array of x's shape.
    """
    _require_float_array(x, "x")
    grad = np.zeros_like(x)
    for index, (f_plus, _probe), (f_minus, _probe) in centred_differences(f, x, h):
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b):
    """max over entries of |a - b| / max(1e-8, |a| + |b|); 0 where both are 0."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(_("relative_error needs equal shapes, got {a} and {b}").format(
            a=a.shape, b=b.shape))
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


@dataclass
class VariableCheck:
    """The check of one variable: max relative error, its worst entry, skipped kink entries.

    counted_error: the max relative error over the entries whose difference is larger than
    the round-off of the centred difference itself (the one the tolerance applies to).
    """

    name: str
    max_error: float
    worst_index: tuple
    analytic: float
    numerical: float
    counted_error: float
    skipped: list = field(default_factory=list)


@dataclass
class GradientCheck:
    """A gradient check of several variables; str() gives a readable table."""

    variables: list
    tolerance: float
    round_off: float

    @property
    def passed(self):
        return all(v.counted_error <= self.tolerance for v in self.variables)

    def __str__(self):
        lines = [_pad(_("variable"), 10) + _pad(_("max rel. error"), 16, right=True) + "  "
                 + _("worst entry (analytic vs numerical)")]
        for v in self.variables:
            if v.max_error <= self.tolerance:
                mark = _("ok")
            elif v.counted_error <= self.tolerance:
                mark = _("ok: below round-off")
            else:
                mark = _("FAIL")
            lines.append(
                f"{v.name:<10}{v.max_error:>16.2e}  {v.worst_index} "
                + _("({analytic} vs {numerical})").format(analytic=f"{v.analytic:.6g}",
                                                          numerical=f"{v.numerical:.6g}")
                + f"  {mark}"
            )
            if v.skipped:
                lines.append(" " * 10 + _("skipped {count} entries next to a ReLU kink: "
                                          "{entries}").format(
                    count=len(v.skipped),
                    entries=f"{v.skipped[:5]}{' ...' if len(v.skipped) > 5 else ''}"))
        lines.append(_("{verdict} (tolerance {tolerance}; a difference below the centred "
                       "difference's own round-off, {round_off} here, counts as none)").format(
            verdict=_("passed") if self.passed else _("FAILED"),
            tolerance=f"{self.tolerance:.0e}", round_off=f"{self.round_off:.0e}"))
        return "\n".join(lines)


def _pad(text, width, right=False):
    """text padded to width columns, a wide (CJK) character counting as two."""
    gap = " " * max(0, width - sum(2 if unicodedata.east_asian_width(c) in "WF" else 1
                                   for c in text))
    return gap + text if right else text + gap


def gradient_check(loss, variables, analytic, kinks=None, h=H, tolerance=1e-6):
    """Compare analytic gradients with centred differences of loss(), variable by variable.

    loss() reads the arrays in `variables` (name -> array, perturbed in place and restored);
    analytic maps the same names to gradients of the same shapes. kinks(), if given, returns
    the pre-activations z: an entry whose perturbation by +-h moves any of them across 0 is
    skipped (the centred difference straddles the ReLU kink there) and listed as skipped.
    A difference below the round-off of the centred difference itself, about eps |J| / h,
    counts as no error: tiny gradient entries of a large loss cannot be checked closer.
    """
    round_off = 100 * np.finfo(float).eps * max(1.0, abs(float(loss()))) / h
    results = []
    for name, x in variables.items():
        _require_float_array(x, name)
        grad = np.asarray(analytic[name], dtype=float)
        if grad.shape != x.shape:
            raise ValueError(_("analytic gradient of {name} has shape {shape}, expected "
                               "{expected}").format(name=name, shape=grad.shape,
                                                    expected=x.shape))
        numerical = np.zeros_like(x)
        errors, counted = np.zeros_like(x), np.zeros_like(x)
        skipped = []
        for index, (f_plus, z_plus), (f_minus, z_minus) in centred_differences(loss, x, h, kinks):
            if kinks is not None and np.any((z_plus > 0) != (z_minus > 0)):
                skipped.append(index)
                continue
            numerical[index] = (f_plus - f_minus) / (2 * h)
            errors[index] = relative_error(grad[index], numerical[index])
            if abs(grad[index] - numerical[index]) > round_off:
                counted[index] = errors[index]
        worst = np.unravel_index(np.argmax(errors), x.shape) if x.size else ()
        worst = tuple(int(i) for i in worst)
        results.append(VariableCheck(name, float(errors.max(initial=0.0)), worst,
                                     float(grad[worst]) if x.size else 0.0,
                                     float(numerical[worst]) if x.size else 0.0,
                                     float(counted.max(initial=0.0)), skipped))
    return GradientCheck(results, tolerance, round_off)
