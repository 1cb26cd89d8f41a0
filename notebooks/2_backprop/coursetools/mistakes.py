"""The catalogue of known mistakes: data, one entry per mistake and group of functions.

An entry names the functions it applies to (a function, or one part of its result such as
"backward_batch.W"), a test `matches(case)` that recognises the wrong answer from the inputs
and the expected answer alone, and the message a student gets, written in the symbols of
those functions. `matches` returns None when the answer is not this mistake, or a dict of
extra fields for the message. The first matching entry wins, so specific mistakes come before
generic ones. A message names the mistake and the principle, never the formula. Every test
runs with numpy's floating-point warnings off (a wrong answer may overflow or divide by 0).
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .i18n import N_
from .numgrad import centred_differences


@dataclass
class Case:
    """One call of a graded function: its name, inputs, the expected and the given answer.

    whole: the function's whole expected result, when this case is one part of it.
    """

    function: str
    args: dict
    expected: object
    answer: object
    dims: dict
    whole: object = None


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
    a, b = a.astype(float), b.astype(float)
    both_nan = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore", over="ignore"):
        return bool(np.all(both_nan | (np.abs(a - b) <= atol + rtol * np.abs(b))))


def _is(condition):
    return {} if condition else None


def _any_close(answer, *candidates):
    return _is(any(close(answer, c) for c in candidates))


# --- shapes and constant factors -----------------------------------------------------------

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


def _boolean(case):
    a = case.answer
    return _is(isinstance(a, np.ndarray) and a.dtype == bool and close(a.astype(float),
                                                                      case.expected))


def _single_precision(case):
    a = case.answer
    return _is(isinstance(a, np.ndarray) and a.dtype != np.float64
               and np.issubdtype(a.dtype, np.floating)
               and close(a.astype(float), case.expected, rtol=1e-3, atol=1e-6))


def _sign_flipped(case):
    return _is(np.any(np.asarray(case.expected) != 0) and close(case.answer, -case.expected))


def _factor(case):
    """The constant c with answer = c expected, or None."""
    a, e = np.asarray(case.answer, dtype=float), np.asarray(case.expected, dtype=float)
    if a.shape != e.shape or not np.any(e) or not np.all(np.isfinite(a)):
        return None
    c = float((a * e).sum() / (e * e).sum())
    return c if abs(c) > 1e-6 and close(a, c * e) else None


def _scaled(case):
    c = _factor(case)
    if c is None or close(c, 1.0, rtol=1e-4) or close(c, -1.0, rtol=1e-4):
        return None
    return {"factor": f"{c:.4g}"}


def _scaled_by(*factors):
    """A test: answer = f(case) expected for one of the factors f."""
    def matches(case):
        c = _factor(case)
        if c is None or not any(close(c, f(case), rtol=1e-4) and not close(f(case), 1)
                                for f in factors):
            return None
        return {"factor": f"{c:.4g}"}
    return matches


def _N(case):
    return case.dims.get("N", 1)


def _Nc(case):
    return case.dims.get("Nc", 1)


# --- softmax, cross-entropy, the loss ------------------------------------------------------

def _logits(case):
    return case.args["theta"] if "theta" in case.args else case.whole["theta"]


def _softmax(theta):
    shifted = np.exp(theta - theta.max(axis=0, keepdims=True))
    return shifted / shifted.sum(axis=0, keepdims=True)


def _nonfinite(case):
    a = np.asarray(case.answer, dtype=float)
    return _is(a.size and not np.all(np.isfinite(a)) and np.all(np.isfinite(case.expected)))


def _softmax_wrong_axis(case):
    """Normalised along the rows, or over the whole array, instead of down each column."""
    t = _logits(case)
    rows = np.exp(t - t.max(axis=1, keepdims=True))
    whole = np.exp(t - t.max())
    candidates = (rows / rows.sum(axis=1, keepdims=True), whole / whole.sum())
    return _is(any(close(case.answer, c) and not close(case.expected, c) for c in candidates))


def _not_normalised(case):
    t = _logits(case)
    return _any_close(case.answer, np.exp(t - t.max(axis=0, keepdims=True)), np.exp(t))


def _log_probabilities(case):
    return _any_close(case.answer, np.log(_softmax(_logits(case))))


def _targets(case):
    """(y, y_hat) of a loss: from the arguments, or from the expected cache."""
    if "y_hat" in case.args:
        return case.args["y"], case.args["y_hat"]
    cache = case.whole[1] if isinstance(case.whole, tuple) else case.whole
    return (cache["Y"], cache["Y_hat"]) if "Y" in cache else (cache["y"], cache["y_hat"])


def _losses(case, per_entry):
    """The loss with each entry's term replaced by per_entry(y, y_hat), mean over examples."""
    y, y_hat = _targets(case)
    return float(np.sum(per_entry(y, y_hat)) / y.shape[1])


def _binary_cross_entropy(case):
    return _any_close(case.answer, _losses(
        case, lambda y, p: -(y * np.log(p) + (1 - y) * np.log(1 - p))))


def _ignored_y(case):
    return _any_close(case.answer, _losses(case, lambda y, p: -np.log(p)))


# --- the chain: δ1 and δ2 of one example, or their stacked rows Δ1 and Δ2 for a batch -------

@dataclass
class _Chain:
    """The quantities of a backward pass, rows stacked one per example (N = 1 for one)."""

    y_hat: np.ndarray  # (N, Nc), rows
    y: np.ndarray      # (N, Nc)
    U: np.ndarray
    W: np.ndarray
    H: np.ndarray      # (Dh, N)
    X: np.ndarray      # (Dx, N)
    part: str

    @property
    def N(self):
        return self.y.shape[0]

    @property
    def delta1(self):
        return (self.y_hat - self.y) / self.N

    def upstream(self, delta1=None):
        """δ1 U: the gradient reaching the ReLU, before the mask."""
        return (self.delta1 if delta1 is None else delta1) @ self.U

    @property
    def mask(self):
        return (self.H > 0).T

    def result(self, delta1=None, delta2=None):
        """What the part would be, computed from the given δ1 (rows) or δ2 (rows)."""
        if self.part in ("U", "b2", "delta1"):
            delta1 = self.delta1 if delta1 is None else delta1
            return {"U": lambda: delta1.T @ self.H.T, "delta1": lambda: delta1,
                    "b2": lambda: delta1.sum(axis=0, keepdims=True).T}[self.part]()
        if delta2 is None:
            delta2 = self.upstream(delta1) * self.mask
        return {"delta2": lambda: delta2, "W": lambda: delta2.T @ self.X.T,
                "b1": lambda: delta2.sum(axis=0, keepdims=True).T,
                "x": lambda: (delta2 @ self.W).T, "X": lambda: (delta2 @ self.W).T}[self.part]()


def _chain(case):
    """The chain of the case's function, or None when it has none."""
    a, name = case.args, case.function
    empty = np.zeros((0, 0))
    if name == "dJ_dtheta":
        return _Chain(a["y_hat"].T, a["y"].T, empty, empty, empty, empty, "delta1")
    if name == "dJ_dlogits":
        return _Chain(_softmax(a["theta"]).T, a["y"].T, empty, empty, empty, empty, "delta1")
    if name == "dJ_dz":
        y = np.zeros_like(a["delta1"])  # so that the chain's δ1 is the one given
        return _Chain(a["delta1"], y, a["U"], empty, a["h"], empty, "delta2")
    if name.split(".")[0] in ("backward", "backward_batch"):
        cache, params = a["cache"], a["params"]
        lower = "y" in cache
        y_hat, y = (cache["y_hat"], cache["y"]) if lower else (cache["Y_hat"], cache["Y"])
        H, X = (cache["h"], cache["x"]) if lower else (cache["H"], cache["X"])
        return _Chain(y_hat.T, y.T, params["U"], params["W"], H, X, name.split(".")[1])
    return None


def _chain_variant(delta1=None, delta2=None):
    """A test: the answer is the chain computed with a wrong δ1 or δ2 (functions of the chain)."""
    def matches(case):
        chain = _chain(case)
        if chain is None:
            return None
        wrong = chain.result(delta1=delta1(chain) if delta1 else None,
                             delta2=delta2(chain) if delta2 else None)
        return _is(not close(wrong, case.expected) and close(case.answer, wrong))
    return matches


_forgot_to_subtract_y = _chain_variant(delta1=lambda c: c.y_hat / c.N)
_stopped_at_dJ_dyhat = _chain_variant(delta1=lambda c: -c.y / c.y_hat / c.N)
_missing_relu_mask = _chain_variant(delta2=lambda c: c.upstream())
_times_h = _chain_variant(delta2=lambda c: c.upstream() * c.H.T)
_inverted_mask = _chain_variant(delta2=lambda c: c.upstream() * ~c.mask)
_mask_from_the_gradient = _chain_variant(delta2=lambda c: np.maximum(c.upstream(), 0))


def _mask_zeroes_active_units(case):
    """dJ_dz: zero on some active unit where the expected δ2 is not, right everywhere else."""
    a, e, on = case.answer, case.expected, (case.args["h"] > 0).T
    if np.shape(a) != e.shape:
        return None
    kept, zeroed = np.isclose(a, e), np.isclose(a, 0) & ~np.isclose(e, 0)
    return _is(np.all((kept | zeroed)[on]) and zeroed[on].any())


def _square_broadcast(case):
    a, e = case.answer, case.expected
    n = e.size
    return _is(np.shape(a) == (n, n) and n > 1 and close(np.diag(a), e.ravel()))


def _bias_not_summed(case):
    a, e = np.asarray(case.answer), case.expected
    N = _N(case)
    return _is(a.shape == (e.shape[0], N) and N > 1
               and close(a.sum(axis=1, keepdims=True), e))


def _sum_instead_of_mean(case):
    return _scaled_by(_N)(case) if _N(case) > 1 else None


def _mean_twice(case):
    return _scaled_by(lambda c: 1 / _N(c))(case) if _N(case) > 1 else None


def _left_out_bias(case):
    bias = {"z": "b1", "Z": "b1", "theta": "b2"}[case.function.split(".")[-1]]
    return _any_close(case.answer, case.expected - case.args["params"][bias])


def _no_relu(case):
    z = case.whole["z"] if "z" in case.whole else case.whole["Z"]
    return _is(np.any(z < 0) and close(case.answer, z))


# --- the warm-up's building blocks ---------------------------------------------------------

def _relu_prime_one_at_zero(case):
    z = case.args["z"]
    return _is(np.any(z == 0) and close(case.answer, (z >= 0).astype(float)))


def _relu_gave_its_derivative(case):
    return _any_close(case.answer, (case.args["z"] > 0).astype(float))


def _relu_prime_gave_relu(case):
    return _any_close(case.answer, np.maximum(case.args["z"], 0))


def _sign_of_z(case):
    z = case.args["z"]
    return _is(np.any(z < 0) and close(case.answer, np.sign(z)))


def _absolute_value(case):
    z = case.args["z"]
    return _is(np.any(z < 0) and close(case.answer, np.abs(z)))


def _entrywise_errors(case, denominator=lambda a, b: np.abs(a) + np.abs(b)):
    """|a - b| / max(1e-8, denominator(a, b)) entry by entry (the course's: |a| + |b|)."""
    a, b = case.args["a"], case.args["b"]
    return np.abs(a - b) / np.maximum(1e-8, denominator(a, b))


def _nonfinite_denominator(case):
    return _is(not np.all(np.isfinite(case.answer)) and np.all(np.isfinite(case.expected)))


def _entrywise(case):
    return _any_close(case.answer, _entrywise_errors(case))


def _mean_or_sum_of_errors(case):
    errors = _entrywise_errors(case)
    return _any_close(case.answer, float(errors.mean()), float(errors.sum()))


def _larger_magnitude_denominator(case):
    errors = _entrywise_errors(case, lambda a, b: np.maximum(np.abs(a), np.abs(b)))
    return _any_close(case.answer, float(errors.max()))


def _sum_without_absolute_values(case):
    errors = _entrywise_errors(case, lambda a, b: np.abs(a + b))
    signed = _entrywise_errors(case, lambda a, b: a + b)
    return _any_close(case.answer, float(errors.max()), float(signed.max()))


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


def _gradient_with_respect_to_W(case):
    W, x = case.args["W"], case.args["x"]
    return _is(W.shape[0] > 1 and close(case.answer, np.tile(x.T, (W.shape[0], 1))))


def _returned_the_product(case):
    return _any_close(case.answer, case.args["W"] @ case.args["x"])


def _dropped_fprime(case):
    return _is(np.any(case.args["fprime_z"] != 1) and close(case.answer, case.args["delta"]))


def _dropped_delta(case):
    return _any_close(case.answer, case.args["fprime_z"].T)


def _inner_product(case):
    return _any_close(case.answer, case.args["delta"] @ case.args["fprime_z"])


# --- the SGD step --------------------------------------------------------------------------

def _step(case):
    """(params entry, gradient entry, learning rate) of the case's part."""
    key = case.function.rsplit(".", 1)[-1]
    a = case.args
    return a["params"][key], a["grads"][key], a["learning_rate"]


def _stepped_up(case):
    """sgd_step added the gradient: the answer is as far above params as expected is below."""
    params, grad, rate = _step(case)
    return _is(np.any(grad) and close(case.answer, params + rate * grad))


def _fixed_step_size(case):
    params, grad, rate = _step(case)
    if not np.any(grad):
        return None
    used = float(((params - case.answer) * grad).sum() / (grad * grad).sum())
    if close(used, rate, rtol=1e-4) or not close(case.answer, params - used * grad):
        return None
    return {"used": f"{used:.4g}", "rate": f"{rate:g}"}


def _divided_by_the_rate(case):
    params, grad, rate = _step(case)
    return _is(rate != 1 and close(case.answer, params - grad / rate))


# --- which functions each entry applies to -------------------------------------------------

PARTS = {"backward": ("U", "b2", "W", "b1", "x"), "backward_batch": ("U", "b2", "W", "b1", "X")}
BACKWARD = tuple(f"backward.{k}" for k in PARTS["backward"])
BATCH_GRADIENTS = tuple(f"backward_batch.{k}" for k in PARTS["backward_batch"])
MASKED = ("dJ_dz", "backward.W", "backward.b1", "backward.x",
          "backward_batch.W", "backward_batch.b1", "backward_batch.X")
LOSS_GRADIENTS = ("dJ_dtheta", "dJ_dlogits", *BACKWARD, *BATCH_GRADIENTS)
STEPS = ("dJ_dU", "dJ_db2", "dJ_dW", "dJ_db1", "dJ_dx", "dWx_dx", "elementwise_backprop")
SGD_STEPS = tuple(f"sgd_step.{k}" for k in ("W", "b1", "U", "b2"))
LOSSES = ("cross_entropy", "forward.J", "forward_batch.J")
PROBABILITIES = ("softmax", "forward.y_hat", "forward_batch.Y_hat")
SOFTMAX_USERS = (*PROBABILITIES, "cross_entropy", "forward", "forward.J", "forward_batch",
                 "forward_batch.J", "dJ_dlogits")
ARRAYS = ("relu", "relu_prime", "softmax", "numerical_gradient", "dWx_dx",
          "elementwise_backprop", "dJ_dlogits", "forward.z", "forward.h", "forward.theta",
          "forward.y_hat", "dJ_dtheta", "dJ_dU", "dJ_db2", "dJ_dz", "dJ_dW", "dJ_db1", "dJ_dx",
          *BACKWARD, "forward_batch.Z", "forward_batch.H", "forward_batch.theta",
          "forward_batch.Y_hat", *BATCH_GRADIENTS, *SGD_STEPS)
PRODUCTS = ("dJ_dU", "dJ_dW", "backward.U", "backward.W", "backward_batch.U",
            "backward_batch.W")
COLUMNS = ("dJ_db2", "dJ_db1", "dJ_dx", "backward.b2", "backward.b1", "backward.x",
           "backward_batch.b2", "backward_batch.b1")
ROWS = ("dJ_dtheta", "dJ_dlogits", "dJ_dz", "elementwise_backprop")

MISTAKES = [
    # numbers that cannot be right
    Mistake(N_("softmax overflow"), SOFTMAX_USERS, _nonfinite,
            N_("{symbol} contains NaN or inf: with logits of ±1000, exp overflows, and shifting "
               "every column by one common constant leaves columns whose exp underflows to 0. "
               "Shift each column by its own largest logit before exponentiating, and never take "
               "the log of a probability that rounded to 0.")),
    Mistake(N_("no floor in the denominator"), ("relative_error",), _nonfinite_denominator,
            N_("{symbol} is not finite: where a and b are both 0 the ratio is 0/0. The "
               "denominator needs a floor (1e-8) for entries where both are 0.")),
    Mistake(N_("boolean result"), ARRAYS, _boolean,
            N_("{symbol} has the right values but holds booleans: a comparison gives True/False; "
               "convert it to floats (.astype(float)).")),
    Mistake(N_("single precision"), ARRAYS, _single_precision,
            N_("{symbol} is close but not float64: the course computes in float64, numpy's "
               "default. Do not convert to float32 (or build arrays with dtype=np.float32).")),
    # the warm-up's building blocks
    Mistake(N_("returned ReLU′ instead of ReLU"), ("relu",), _relu_gave_its_derivative,
            N_("{symbol} is 1 where z > 0 and 0 elsewhere: that is the slope of ReLU, not its "
               "value. ReLU keeps each positive entry as it is.")),
    Mistake(N_("absolute value"), ("relu",), _absolute_value,
            N_("{symbol} is |z|: ReLU sets negative entries to 0, it does not flip their sign.")),
    Mistake(N_("ReLU′(0) = 1"), ("relu_prime",), _relu_prime_one_at_zero,
            N_("{symbol} is 1 where z = 0: the course defines ReLU′(0) = 0, like sgn(h), which "
               "is 1 only where z > 0. Use a strict inequality.")),
    Mistake(N_("returned ReLU instead of ReLU′"), ("relu_prime",), _relu_prime_gave_relu,
            N_("{symbol} equals ReLU(z) itself: the derivative is the slope, 0 or 1, not the "
               "value of the function.")),
    Mistake(N_("sign of z"), ("relu_prime",), _sign_of_z,
            N_("{symbol} is −1 where z < 0: ReLU is flat there, so its slope is 0, not −1.")),
    Mistake(N_("softmax over the wrong axis"), PROBABILITIES, _softmax_wrong_axis,
            N_("{symbol} is normalised along the wrong axis: each column of Θ is one example, so "
               "exponentiate and normalise down each column (axis=0, keepdims=True); every column "
               "of the result sums to 1.")),
    Mistake(N_("softmax not normalised"), PROBABILITIES, _not_normalised,
            N_("{symbol} is not normalised: its columns do not sum to 1. Softmax divides the "
               "exponentials of a column by their sum.")),
    Mistake(N_("log-probabilities"), PROBABILITIES, _log_probabilities,
            N_("{symbol} holds log-probabilities (all ≤ 0): softmax returns the probabilities "
               "themselves.")),
    Mistake(N_("binary cross-entropy"), LOSSES, _binary_cross_entropy,
            N_("{symbol} adds a term for the wrong classes too (the two-class formula with "
               "1 − y and 1 − ŷ): with one-hot y the loss is −Σ y log ŷ, the log-probability of "
               "the true class alone.")),
    Mistake(N_("ignored y"), LOSSES, _ignored_y,
            N_("{symbol} sums log ŷ over every class: the one-hot y picks out the true class, "
               "the only term of the loss.")),
    Mistake(N_("negative loss"), LOSSES, _sign_flipped,
            N_("{symbol} has the wrong sign: a loss is ≥ 0. log ŷ ≤ 0 because ŷ ≤ 1, so the loss "
               "carries a minus sign.")),
    Mistake(N_("mean over the classes"), LOSSES, _scaled_by(lambda c: 1 / _Nc(c)),
            N_("{symbol} is the right loss divided by Nc: the loss sums over the classes (only "
               "the true class's term is nonzero); it does not average over them.")),
    Mistake(N_("logarithm in another base"), LOSSES,
            _scaled_by(lambda c: 1 / np.log(10), lambda c: 1 / np.log(2)),
            N_("{symbol} is the right loss times {factor}: use the natural logarithm (np.log), not "
               "log10 or log2.")),
    Mistake(N_("not reduced to one number"), ("relative_error",), _entrywise,
            N_("{symbol} is the array of the entrywise errors: the relative error of the whole "
               "comparison is the largest of them, a single float.")),
    Mistake(N_("mean of the entrywise errors"), ("relative_error",), _mean_or_sum_of_errors,
            N_("{symbol} averages (or adds up) the entrywise errors: the check reports the "
               "largest one, so that a single wrong entry cannot hide among right ones.")),
    Mistake(N_("denominator max(|a|, |b|)"), ("relative_error",), _larger_magnitude_denominator,
            N_("{symbol} divides by the larger of |a| and |b|: the course's relative error divides "
               "by the sum of the two magnitudes.")),
    Mistake(N_("absolute value of the sum"), ("relative_error",), _sum_without_absolute_values,
            N_("{symbol} takes the magnitude of a + b (or none at all): where a and b have "
               "opposite signs that denominator is near 0. Add the magnitudes |a| and |b|.")),
    Mistake(N_("x not restored"), ("numerical_gradient",), _x_not_restored,
            N_("after the call x is not what it was: save each entry before perturbing it and "
               "put the saved value back, so that the next entry (and the caller) sees the "
               "original x.")),
    Mistake(N_("perturbed a copy of x"), ("numerical_gradient",), _perturbed_a_copy,
            N_("{symbol} is all zeros: f() reads x itself, so perturbing a copy of x changes "
               "nothing. Perturb the entries of x in place, call f(), then restore them.")),
    Mistake(N_("one-sided difference"), ("numerical_gradient",), _one_sided,
            N_("{symbol} matches a one-sided difference, between x and x + h (or x − h): its "
               "error is of order h, about a million times larger than the centred difference's "
               "h² at h = 1e-5. Step to both sides of x.")),
    Mistake(N_("ignored h"), ("numerical_gradient",), _ignored_h,
            N_("{symbol} matches a centred difference with h = 1e-5 although h = {h} was passed: "
               "use the argument h, not a constant.")),
    Mistake(N_("wrong width of the difference"), ("numerical_gradient",),
            _scaled_by(lambda c: 2.0, lambda c: 0.5),
            N_("{symbol} is the right answer times {factor}: divide the difference by the "
               "distance between the two points where f is evaluated.")),
    Mistake(N_("differences the wrong way round"), ("numerical_gradient",), _sign_flipped,
            N_("{symbol} has the wrong sign: subtract the value at x − h from the value at "
               "x + h.")),
    Mistake(N_("derivative with respect to W"), ("dWx_dx",), _gradient_with_respect_to_W,
            N_("{symbol} repeats xᵀ in every row: that is how (Wx)_i changes with row i of W. The "
               "Jacobian with respect to x asks how (Wx)_i changes with each x_j.")),
    Mistake(N_("returned Wx"), ("dWx_dx",), _returned_the_product,
            N_("{symbol} is Wx itself, the value: the Jacobian holds the derivative of each (Wx)_i "
               "with respect to each x_j, a (Dh, Dx) matrix.")),
    Mistake(N_("column times row broadcast"), ("elementwise_backprop",), _square_broadcast,
            N_("{symbol} came out {got_shape}: a (1, n) row times an (n, 1) column broadcasts to "
               "an n × n matrix. Both factors of an elementwise product must have one shape.")),
    Mistake(N_("inner product"), ("elementwise_backprop",), _inner_product,
            N_("{symbol} is a single number, the matrix product of δ and f′(z): the Jacobian "
               "diag(f′(z)) scales each entry of δ by its own f′(z_i), an elementwise product.")),
    Mistake(N_("dropped f′(z)"), ("elementwise_backprop",), _dropped_fprime,
            N_("{symbol} equals δ: the local derivative f′(z) is missing from the product.")),
    Mistake(N_("dropped δ"), ("elementwise_backprop",), _dropped_delta,
            N_("{symbol} equals f′(z) alone: the upstream gradient δ is missing from the "
               "product.")),
    # the loss gradient δ1 and the mask, in every function built on them
    Mistake(N_("forgot the true class's term"), LOSS_GRADIENTS, _forgot_to_subtract_y,
            N_("{symbol} lacks the true class's term: the derivative of −log ŷ_k through the "
               "softmax has an extra term for the true class k. Redo ∂J/∂Θ_i separately for "
               "i = k and i ≠ k.")),
    Mistake(N_("stopped at ∂J/∂ŷ"), LOSS_GRADIENTS, _stopped_at_dJ_dyhat,
            N_("{symbol} is built from ∂J/∂ŷ = −y/ŷ, the gradient with respect to the softmax "
               "output; the step back from the loss ends at the logits Θ, so carry the chain "
               "rule through the softmax.")),
    Mistake(N_("missing ReLU mask"), MASKED, _missing_relu_mask,
            N_("{symbol} is nonzero through hidden units with h = 0: the gradient passes every "
               "unit, as if no mask were applied, or the mask is 1 everywhere (h ≥ 0 holds for "
               "every unit, since h = ReLU(z)). The ReLU passes gradient only through the units "
               "with z > 0.")),
    Mistake(N_("multiplied by h instead of sgn(h)"), MASKED, _times_h,
            N_("{symbol} was scaled by h itself: ReLU′(z) is sgn(h), 1 where h > 0 and 0 "
               "elsewhere, not the value of h.")),
    Mistake(N_("mask from the wrong quantity"), MASKED, _inverted_mask,
            N_("{symbol} passes gradient through the inactive units and stops it at the active "
               "ones: the mask is inverted. It is 1 where z > 0.")),
    Mistake(N_("ReLU applied to the gradient"), MASKED, _mask_from_the_gradient,
            N_("{symbol} keeps only the positive parts of the incoming gradient: the mask "
               "depends on the forward pass (where z > 0), not on the sign of the gradient.")),
    Mistake(N_("mask from the wrong quantity"), ("dJ_dz",), _mask_zeroes_active_units,
            N_("{symbol} is zero for some units with h > 0: the mask is taken from the wrong "
               "quantity or inverted. It is sgn(h), 1 where z > 0, not the sign of the upstream "
               "gradient.")),
    Mistake(N_("mask on the wrong side"), ("dJ_dz",), _square_broadcast,
            N_("{symbol} came out {got_shape}: a (1, Dh) row times a (Dh, 1) column broadcasts to "
               "a matrix. Both factors of an elementwise product must have one shape.")),
    # the forward pass
    Mistake(N_("left out a bias"), ("forward.z", "forward.theta", "forward_batch.Z",
                                "forward_batch.theta"), _left_out_bias,
            N_("{symbol} is missing its bias: every layer adds its bias vector after the matrix "
               "product.")),
    Mistake(N_("no ReLU"), ("forward.h", "forward_batch.H"), _no_relu,
            N_("{symbol} still has negative entries: it equals the pre-activation; apply the "
               "ReLU.")),
    # batches
    Mistake(N_("bias gradient not summed over the batch"),
            ("backward_batch.b1", "backward_batch.b2"), _bias_not_summed,
            N_("{symbol} has one column per example {got_shape}: the bias is shared by the whole "
               "batch, so its gradient adds up the examples' contributions (keep the column "
               "shape).")),
    Mistake(N_("sum instead of mean"), ("forward_batch.J",), _sum_instead_of_mean,
            N_("{symbol} is N times too large: J is the mean of the N per-example losses, not "
               "their sum.")),
    Mistake(N_("sum instead of mean"), BATCH_GRADIENTS, _sum_instead_of_mean,
            N_("{symbol} is N times too large: J is the mean over the N examples, so its gradient "
               "carries the 1/N of the mean.")),
    Mistake(N_("divided by N twice"), ("forward_batch.J", *BATCH_GRADIENTS), _mean_twice,
            N_("{symbol} is N times too small: the 1/N of the mean is applied twice (a mean of "
               "rows that already carry 1/N, or a mean over the entries instead of over the "
               "examples).")),
    # the SGD step
    Mistake(N_("stepped along the gradient"), SGD_STEPS, _stepped_up,
            N_("{symbol} moved along the gradient, which increases the loss: gradient descent "
               "moves against it.")),
    Mistake(N_("divided by the learning rate"), SGD_STEPS, _divided_by_the_rate,
            N_("{symbol} moved by the gradient divided by learning_rate: the step is the "
               "gradient scaled by learning_rate.")),
    Mistake(N_("ignored learning_rate"), SGD_STEPS, _fixed_step_size,
            N_("{symbol} took a step of {used} times the gradient although learning_rate = "
               "{rate} was passed: use the argument, not a constant.")),
    # shapes, signs and factors of any gradient
    Mistake(N_("transposed"), ("dWx_dx",), _transposed,
            N_("{symbol} comes out transposed {got_shape}: the Jacobian has one row per output "
               "(Wx)_i and one column per input x_j.")),
    Mistake(N_("transposed"), PRODUCTS, _transposed,
            N_("{symbol} comes out transposed {got_shape}: a gradient has the shape of its "
               "variable, {expected_shape}. Write the shape of each factor under it and order "
               "the product so that they line up.")),
    Mistake(N_("transposed"), ("softmax", "forward_batch.theta", "forward_batch.Z",
                           "forward_batch.H", "forward_batch.Y_hat", "backward_batch.X"),
            _transposed,
            N_("{symbol} comes out transposed {got_shape}: the course keeps one example per "
               "column, so it must be {expected_shape}.")),
    Mistake(N_("row instead of column"), COLUMNS, _row_instead_of_column,
            N_("{symbol} should be a column {expected_shape}, not a row: a gradient with respect "
               "to a column vector is a column (it has the shape of its variable).")),
    Mistake(N_("column instead of row"), ROWS, _column_instead_of_row,
            N_("{symbol} should be a row {expected_shape}, not a column: the course writes the "
               "gradients it passes backwards in Jacobian layout, as rows.")),
    Mistake(N_("1-D array"), ARRAYS, _flattened,
            N_("{symbol} has the right numbers but is 1-D {got_shape}: the course keeps explicit "
               "2-D shapes, {expected_shape}. Keep the matrix products 2-D (and keepdims=True in "
               "sums).")),
    Mistake(N_("sign flipped"), LOSS_GRADIENTS, _sign_flipped,
            N_("{symbol} has the right size but the wrong sign everywhere: the sign comes from "
               "the minus of the loss −Σ y log ŷ; check it where you differentiate the loss.")),
    Mistake(N_("sign flipped"), ("dJ_dz",), _sign_flipped,
            N_("{symbol} has the right size but the wrong sign everywhere: δ1 already carries the "
               "loss's sign, and this step only multiplies it by U and the mask.")),
    Mistake(N_("sign flipped"), tuple(s for s in STEPS if s.startswith("dJ")), _sign_flipped,
            N_("{symbol} has the right size but the wrong sign everywhere: the sign is already "
               "in the gradient this step receives; the step only multiplies, so no minus sign "
               "belongs here.")),
    Mistake(N_("sign flipped"), ("dWx_dx", "elementwise_backprop"), _sign_flipped,
            N_("{symbol} has the right size but the wrong sign everywhere: the derivative of a "
               "product or of an elementwise function carries no minus sign of its own.")),
    Mistake(N_("scaled by a constant"), (*ARRAYS, *LOSSES), _scaled,
            N_("{symbol} is the right answer times {factor}: look for a stray constant factor.")),
]


def diagnose(case):
    """The first catalogue entry matching the case, with its message fields, or None."""
    for mistake in MISTAKES:
        if case.function not in mistake.functions:
            continue
        try:
            with np.errstate(all="ignore"):
                fields = mistake.matches(case)
        except (KeyError, ValueError, TypeError, IndexError, AttributeError):
            fields = None
        if fields is not None:
            return mistake, fields
    return None
