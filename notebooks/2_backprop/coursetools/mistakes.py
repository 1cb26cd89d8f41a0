"""The catalogue of known mistakes: data, one entry per mistake.

An entry names the functions it applies to (empty: every function), a test `matches(case)`
that recognises the wrong answer from the inputs and the expected answer alone, and the
message a student gets. `matches` returns None when the answer is not this mistake, or a
dict of extra fields for the message. The first matching entry wins, so specific mistakes
come before generic ones. Adding a mistake is adding an entry to MISTAKES.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .numgrad import centred_differences


@dataclass
class Case:
    """One call of a graded function: its name, inputs, the expected and the given answer."""

    function: str
    args: dict
    expected: object
    answer: object
    dims: dict


@dataclass(frozen=True)
class Mistake:
    name: str
    functions: tuple
    matches: Callable
    message: str


def close(a, b, rtol=1e-6, atol=1e-9):
    """True when a and b are arrays of one shape whose entries agree (NaN equals NaN)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or not np.issubdtype(a.dtype, np.number):
        return False
    both_nan = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore"):
        return bool(np.all(both_nan | (np.abs(a - b) <= atol + rtol * np.abs(b))))


def _is(condition):
    return {} if condition else None


def _matrix(case):
    return np.ndim(case.expected) == 2 and np.ndim(case.answer) == 2


def _transposed(case):
    e = case.expected
    return _is(_matrix(case) and min(e.shape) > 1 and close(case.answer, e.T))


def _row_instead_of_column(case):
    e = case.expected
    return _is(_matrix(case) and e.shape[1] == 1 and e.shape[0] > 1 and close(case.answer, e.T))


def _column_instead_of_row(case):
    e = case.expected
    return _is(_matrix(case) and e.shape[0] == 1 and e.shape[1] > 1 and close(case.answer, e.T))


def _flattened(case):
    return _is(np.ndim(case.answer) == 1 and close(case.answer, np.ravel(case.expected)))


def _sign_flipped(case):
    return _is(not close(case.expected, 0 * case.expected) and close(case.answer, -case.expected))


def _scaled(case):
    a, e = np.asarray(case.answer, dtype=float), np.asarray(case.expected, dtype=float)
    if a.shape != e.shape or not np.any(e):
        return None
    factor = float((a * e).sum() / (e * e).sum())
    if abs(factor) < 1e-6 or close(factor, 1.0, rtol=1e-4) or close(factor, -1.0, rtol=1e-4):
        return None
    return {"factor": f"{factor:.4g}"} if close(a, factor * e) else None


def _forgot_to_subtract_y(case):
    return _is(close(case.answer, case.expected + case.args["y"].T))


def _stopped_at_dJ_dyhat(case):
    with np.errstate(divide="ignore", invalid="ignore"):
        dJ_dyhat = -case.args["y"] / case.args["y_hat"]
    return _is(close(case.answer, dJ_dyhat.T) or close(case.answer, dJ_dyhat))


def _inactive(case):
    """Row mask (1, Dh) of the hidden units with h = 0."""
    return (case.args["h"] <= 0).T


def _missing_relu_mask(case):
    a, e, off = case.answer, case.expected, _inactive(case)
    if np.shape(a) != e.shape or not off.any():
        return None
    return _is(close(a[~off], e[~off]) and np.any(np.abs(a[off]) > 1e-12))


def _times_h(case):
    return _is(close(case.answer, case.expected * case.args["h"].T))


def _mask_zeroes_active_units(case):
    a, e, on = case.answer, case.expected, ~_inactive(case)
    if np.shape(a) != e.shape:
        return None
    kept, zeroed = np.isclose(a, e), np.isclose(a, 0) & ~np.isclose(e, 0)
    return _is(np.all((kept | zeroed)[on]) and zeroed[on].any())


def _mask_broadcast(case):
    a, e = case.answer, case.expected
    n = e.size
    return _is(np.shape(a) == (n, n) and n > 1 and close(np.diag(a), e.ravel()))


def _nonfinite(case):
    a = np.asarray(case.answer, dtype=float)
    return _is(a.size and not np.all(np.isfinite(a)) and np.all(np.isfinite(case.expected)))


def _sum_instead_of_mean(case):
    N = case.dims.get("N", 1)
    return _is(N > 1 and close(case.answer, N * case.expected))


def _bias_not_summed(case):
    a, e = np.asarray(case.answer), case.expected
    N = case.dims.get("N", 1)
    return _is(a.shape == (e.shape[0], N) and N > 1
               and close(a.sum(axis=1, keepdims=True), e))


def _softmax_wrong_axis(case):
    """Normalised along the rows, or over the whole array, instead of down each column."""
    t = case.args["theta"]
    rows = np.exp(t - t.max(axis=1, keepdims=True))
    whole = np.exp(t - t.max())
    candidates = (rows / rows.sum(axis=1, keepdims=True), whole / whole.sum())
    return _is(any(close(case.answer, c) and not close(case.expected, c) for c in candidates))


def _relu_prime_one_at_zero(case):
    z = case.args["z"]
    return _is(np.any(z == 0) and close(case.answer, (z >= 0).astype(float)))


def _nonfinite_denominator(case):
    return _is(not np.all(np.isfinite(case.answer)) and np.all(np.isfinite(case.expected)))


def _differences(case, h, one_sided):
    """Numerical differences of case.args["f"] at case.args["x"]: (forward, backward) or centred."""
    f, x = case.args["f"], case.args["x"]
    f0 = float(f())
    forward, backward, centred = (np.zeros_like(x) for _ in range(3))
    for index, (f_plus, _), (f_minus, _) in centred_differences(f, x, h):
        forward[index], backward[index] = (f_plus - f0) / h, (f0 - f_minus) / h
        centred[index] = (f_plus - f_minus) / (2 * h)
    return (forward, backward) if one_sided else (centred,)


def _x_not_restored(case):
    return _is(not np.allclose(case.args["x"], case.args["x_before"], rtol=1e-12, atol=1e-12))


def _perturbed_a_copy(case):
    return _is(np.shape(case.answer) == np.shape(case.expected) and np.any(case.expected)
               and not np.any(case.answer))


def _one_sided(case):
    return _is(any(close(case.answer, d) for d in _differences(case, case.args["h"], True)))


def _ignored_h(case):
    h = case.args["h"]
    if h != 1e-5 and close(case.answer, _differences(case, 1e-5, False)[0]):
        return {"h": h}
    return None


def _stepped_up(case):
    """sgd_step added the gradient: the answer is as far above params as expected is below."""
    params = case.args["params"][case.function.rsplit(".", 1)[-1]]
    return _is(not close(case.expected, params) and close(case.answer, 2 * params - case.expected))


BATCH_GRADIENTS = tuple(f"backward_batch.{k}" for k in ("U", "b2", "W", "b1", "X"))
SGD_STEPS = tuple(f"sgd_step.{k}" for k in ("W", "b1", "U", "b2"))
SOFTMAX_USERS = ("softmax", "cross_entropy", "forward", "forward.J", "forward.y_hat",
                 "forward_batch", "forward_batch.J", "forward_batch.Y_hat", "dJ_dlogits")

MISTAKES = [
    Mistake("softmax overflow", SOFTMAX_USERS, _nonfinite,
            "{symbol} contains NaN or inf: with large logits (here up to ±1000) exp overflows. "
            "Subtract the largest logit (of each column) before exponentiating, and take the "
            "log of the softmax without computing log(0)."),
    Mistake("forgot to subtract y", ("dJ_dtheta", "dJ_dlogits"), _forgot_to_subtract_y,
            "{symbol} equals ŷᵀ: you forgot to subtract y. Softmax followed by cross-entropy "
            "gives a term from every ŷ_i and one from the true class."),
    Mistake("stopped at dJ/dy_hat", ("dJ_dtheta",), _stopped_at_dJ_dyhat,
            "This is ∂J/∂ŷ = −y/ŷ, the gradient with respect to the softmax output; δ1 is "
            "with respect to the logits Θ, so carry the chain rule through the softmax."),
    Mistake("missing ReLU mask", ("dJ_dz",), _missing_relu_mask,
            "{symbol} is nonzero for hidden units with h = 0: you left out the ReLU mask. "
            "Multiply elementwise by sgn(h), which is 0 where z ≤ 0."),
    Mistake("multiplied by h instead of sgn(h)", ("dJ_dz",), _times_h,
            "{symbol} was multiplied by h itself: ReLU′(z) is sgn(h), 1 where h > 0 and 0 "
            "elsewhere, not the value of h."),
    Mistake("mask from the wrong quantity", ("dJ_dz",), _mask_zeroes_active_units,
            "{symbol} is zero for some units with h > 0: the mask is taken from the wrong "
            "quantity or inverted. It is sgn(h), 1 where z > 0, not the sign of the upstream "
            "gradient."),
    Mistake("mask on the wrong side", ("dJ_dz",), _mask_broadcast,
            "{symbol} came out {got_shape}: a (1, Dh) row times a (Dh, 1) column broadcasts to a "
            "matrix. Transpose the mask sgn(h) to a row before the elementwise product."),
    Mistake("bias gradient not summed over the batch", ("backward_batch.b1", "backward_batch.b2"),
            _bias_not_summed,
            "{symbol} has one column per example {got_shape}: the bias is shared by the whole "
            "batch, so sum its per-example gradients over the columns (keep the column shape)."),
    Mistake("sum instead of mean", BATCH_GRADIENTS, _sum_instead_of_mean,
            "{symbol} is N times too large: the loss is the mean over the N examples, so its "
            "gradient is the mean of the per-example gradients, not their sum."),
    Mistake("stepped along the gradient", SGD_STEPS, _stepped_up,
            "{symbol} moved along the gradient, which increases the loss: gradient descent "
            "subtracts learning_rate times the gradient."),
    Mistake("softmax over the wrong axis", ("softmax",), _softmax_wrong_axis,
            "{symbol} is normalised along the wrong axis: each column of Θ is one example, so "
            "exponentiate and divide by the sum down each column (axis=0, keepdims=True); "
            "every column of the result sums to 1."),
    Mistake("ReLU′(0) = 1", ("relu_prime",), _relu_prime_one_at_zero,
            "{symbol} is 1 where z = 0: the course defines ReLU′(0) = 0 (sgn(h), 1 only where "
            "z > 0). Use a strict inequality."),
    Mistake("no floor in the denominator", ("relative_error",), _nonfinite_denominator,
            "{symbol} is not finite: where a and b are both 0 the ratio is 0/0. Divide by "
            "max(1e-8, |a| + |b|), not by |a| + |b|."),
    Mistake("x not restored", ("numerical_gradient",), _x_not_restored,
            "after the call x is not what it was: save each entry before perturbing it and "
            "put the saved value back, so that the next entry (and the caller) sees the "
            "original x."),
    Mistake("perturbed a copy of x", ("numerical_gradient",), _perturbed_a_copy,
            "{symbol} is all zeros: f() reads x itself, so perturbing a copy of x changes "
            "nothing. Perturb x in place (x[index] = old + h), call f(), then restore it."),
    Mistake("one-sided difference", ("numerical_gradient",), _one_sided,
            "{symbol} matches a one-sided difference (f(x + h) − f(x)) / h: its error is of "
            "order h, about a million times larger than the centred difference's h² at "
            "h = 1e-5. Use (f(x + h e_i) − f(x − h e_i)) / 2h."),
    Mistake("ignored h", ("numerical_gradient",), _ignored_h,
            "{symbol} matches a centred difference with h = 1e-5 although h = {h} was passed: "
            "use the argument h, not a constant."),
    Mistake("column times row broadcast", ("elementwise_backprop",), _mask_broadcast,
            "{symbol} came out {got_shape}: the row δ (1, n) times the column f′(z) (n, 1) "
            "broadcasts to an n × n matrix. Transpose f′(z) to a row before the elementwise "
            "product."),
    Mistake("transposed", (), _transposed,
            "{symbol} comes out transposed {got_shape}. A gradient has the shape of its "
            "variable: swap the order of the two factors (and transpose each)."),
    Mistake("row instead of column", (), _row_instead_of_column,
            "{symbol} should be a column {expected_shape}, not a row: the δ's are rows, but "
            "a gradient with respect to a column vector is a column. Transpose it."),
    Mistake("column instead of row", (), _column_instead_of_row,
            "{symbol} should be a row {expected_shape}, not a column: the δ's are row vectors "
            "(Jacobian layout). Transpose it."),
    Mistake("1-D array", (), _flattened,
            "{symbol} has the right numbers but is 1-D {got_shape}: the course keeps explicit "
            "2-D shapes. Reshape to {expected_shape} or keep the matrix products 2-D."),
    Mistake("sign flipped", (), _sign_flipped,
            "{symbol} has the right size but the wrong sign everywhere: check the sign of "
            "ŷ − y (the loss is −Σ y log ŷ)."),
    Mistake("scaled by a constant", (), _scaled,
            "{symbol} is the right answer times {factor}: look for a stray constant factor "
            "(a mean instead of a sum, a factor 2, a wrong N)."),
]


def diagnose(case):
    """The first catalogue entry matching the case, with its message filled in, or None."""
    for mistake in MISTAKES:
        if mistake.functions and case.function not in mistake.functions:
            continue
        try:
            fields = mistake.matches(case)
        except (KeyError, ValueError, TypeError, IndexError):
            fields = None
        if fields is not None:
            return mistake, fields
    return None
