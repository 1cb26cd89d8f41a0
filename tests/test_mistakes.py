"""The catalogue of mistakes, through the notebooks' own test cells.

Each wrong answer below replaces one function of the solution notebook; the graded test cell
of that function (its visible part, then its hidden part) must fail, and its message must
name the mistake. Correct answers written in other styles must pass, and no message may name
a quantity its function does not have or give the formula away.
"""

import contextlib
import re
import sys
from functools import cache
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder import coursetools
from autograder import reference as R
from autograder.cases import backprop, minibatch, warmup
from autograder.cases.network import network
from autograder.course import NOTEBOOKS
from autograder.coursetools import MISTAKES, CheckFailure, check
from autograder.coursetools.mistakes import Case, diagnose
from autograder.coursetools.spec import QUANTITIES, dims_of
from autograder.grading.student import split_test

ROOT = Path(__file__).resolve().parent.parent
sys.modules.setdefault("coursetools", coursetools)  # the notebooks import it by that name
ASSIGNMENT_OF = {name: assignment for assignment, module in
                 (("1_warmup", warmup), ("2_backprop", backprop), ("3_minibatch", minibatch))
                 for name in module.FUNCTIONS}
ASSIGNMENT_OF.update(numerical_gradient="1_warmup", shapes="2_backprop", predict="3_minibatch")


def source(assignment):
    folder = ROOT / "solutions" / assignment
    return folder, nbformat.read(folder / f"{NOTEBOOKS[assignment]}.ipynb", as_version=4)


@cache
def _solution_namespace(assignment):
    """The names a student's notebook defines, from the solution: imports and exercises."""
    folder, notebook = source(assignment)
    namespace = {}
    code = [c for c in notebook.cells if c.cell_type == "code"]
    with contextlib.chdir(folder):
        exec(code[0].source, namespace)
        for cell in code:
            if cell.metadata.get("nbgrader", {}).get("solution"):
                exec(cell.source, namespace)
    return namespace


def named(function, name):
    """function under the name a student's def gives it (the checks go by the name)."""
    def student_function(*args, **kwargs):
        return function(*args, **kwargs)
    student_function.__name__ = name
    return student_function


def run_test_cell(function, replacement, test=None, hidden=True):
    """The message of the first failure of test_<function> (or of the test cell named test)
    with function replaced, or None."""
    assignment = ASSIGNMENT_OF[function]
    folder, notebook = source(assignment)
    cell = next(c for c in notebook.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == (test or f"test_{function}"))
    namespace = dict(_solution_namespace(assignment), **{function: named(replacement, function)})
    with contextlib.chdir(folder), np.errstate(all="ignore"):
        for part in split_test(cell.source)[:2 if hidden else 1]:
            try:
                exec(part, namespace)
            except (CheckFailure, AssertionError) as failure:
                return str(failure)
    return None


# --- wrong answers a student writes, each with the mistake it must be named as -------------

def naive_softmax(theta):
    return np.exp(theta) / np.exp(theta).sum(axis=0, keepdims=True)


def global_max_softmax(theta):
    e = np.exp(theta - theta.max())
    return e / e.sum(axis=0, keepdims=True)


def naive_forward(x, y, params):
    z = params["W"] @ x + params["b1"]
    h = np.maximum(z, 0)
    theta = params["U"] @ h + params["b2"]
    y_hat = naive_softmax(theta)
    return float(-(y * np.log(y_hat)).sum()), {"x": x, "z": z, "h": h, "theta": theta,
                                              "y_hat": y_hat, "y": y}


def forward_batch_with(softmax=R.softmax, reduce=lambda losses, N: losses.sum() / N,
                       relu=lambda Z: np.maximum(Z, 0)):
    def forward_batch(X, Y, params):
        Z = params["W"] @ X + params["b1"]
        H = relu(Z)
        theta = params["U"] @ H + params["b2"]
        Y_hat = softmax(theta)
        losses = -(Y * np.log(Y_hat))
        return float(reduce(losses, X.shape[1])), {"X": X, "Z": Z, "H": H, "theta": theta,
                                                  "Y_hat": Y_hat, "Y": Y}
    return forward_batch


def backward_batch_with(delta1=None, mask=lambda H: (H > 0).T, scale=1.0, bias_sum=True):
    def backward_batch(cache, params):
        N = cache["X"].shape[1]
        D1 = (cache["Y_hat"] - cache["Y"]).T / N if delta1 is None else delta1(cache) / N
        D2 = (D1 @ params["U"]) * mask(cache["H"]) if callable(mask) else D1 @ params["U"]
        b2 = D1.sum(axis=0, keepdims=True).T if bias_sum else D1.T
        return {k: scale * v for k, v in {
            "U": D1.T @ cache["H"].T, "b2": b2, "W": D2.T @ cache["X"].T,
            "b1": D2.sum(axis=0, keepdims=True).T, "X": (D2 @ params["W"]).T}.items()}
    return backward_batch


def backward_from_steps(dJ_dtheta=R.dJ_dtheta, dJ_dz=R.dJ_dz):
    def backward(cache, params):
        delta1 = dJ_dtheta(cache["y_hat"], cache["y"])
        delta2 = dJ_dz(delta1, params["U"], cache["h"])
        return {"U": R.dJ_dU(delta1, cache["h"]), "b2": R.dJ_db2(delta1),
                "W": R.dJ_dW(delta2, cache["x"]), "b1": R.dJ_db1(delta2),
                "x": R.dJ_dx(delta2, params["W"])}
    return backward


def one_sided(f, x, h=1e-5):
    grad, f0 = np.zeros_like(x), f()
    for i in np.ndindex(x.shape):
        x[i] += h
        grad[i] = (f() - f0) / h
        x[i] -= h
    return grad


def centred(f, x, h=1e-5, fixed_h=None, width=2, copy=False, restore=True, flip=1):
    step = fixed_h or h
    grad = np.zeros_like(x)
    x = x.copy() if copy else x
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + step
        plus = f()
        x[i] = old - step
        grad[i] = flip * (plus - f()) / (width * step)
        x[i] = old if restore else x[i]
    return grad


def entrywise(a, b):
    return np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))


def sgd_over_grads(params, grads, learning_rate):
    return {k: params[k] - learning_rate * g if k in params else g for k, g in grads.items()}


def sgd_in_place(params, grads, learning_rate):
    for k in ("W", "b1", "U", "b2"):
        params[k] = params[k] - learning_rate * grads[k]
    return dict(params)


def sgd_subtracting_in_place(params, grads, learning_rate):
    for k in ("W", "b1", "U", "b2"):
        params[k] -= learning_rate * grads[k]
    return dict(params)


PARAMS = ("W", "b1", "U", "b2")

# (mistake name, function, wrong implementation). The mistake name None: caught, with the
# message given as the last element instead of a catalogue entry.
WRONG = [
    # 1_warmup
    ("returned ReLU′ instead of ReLU", "relu", lambda z: (z > 0).astype(float)),
    ("absolute value", "relu", lambda z: np.abs(z)),
    ("boolean result", "relu_prime", lambda z: z > 0),
    ("ReLU′(0) = 1", "relu_prime", lambda z: (z >= 0).astype(float)),
    ("returned ReLU instead of ReLU′", "relu_prime", lambda z: np.maximum(z, 0)),
    ("sign of z", "relu_prime", lambda z: np.sign(z)),
    ("single precision", "relu", lambda z: np.maximum(z, 0).astype(np.float32)),
    ("softmax overflow", "softmax", naive_softmax),
    ("softmax overflow", "softmax", global_max_softmax),
    ("softmax over the wrong axis", "softmax", lambda theta: R.softmax(theta.T).T),
    ("softmax not normalised", "softmax",
     lambda theta: np.exp(theta - theta.max(axis=0, keepdims=True))),
    ("log-probabilities", "softmax", lambda theta: R.log_softmax(theta)),
    ("transposed", "softmax", lambda theta: R.softmax(theta).T),
    ("negative loss", "cross_entropy", lambda y, y_hat: float((y * np.log(y_hat)).sum())),
    ("mean over the classes", "cross_entropy",
     lambda y, y_hat: float(-(y * np.log(y_hat)).mean())),
    ("logarithm in another base", "cross_entropy",
     lambda y, y_hat: float(-(y * np.log10(y_hat)).sum())),
    ("binary cross-entropy", "cross_entropy",
     lambda y, y_hat: float(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)).sum())),
    ("ignored y", "cross_entropy", lambda y, y_hat: float(-np.log(y_hat).sum())),
    ("no floor in the denominator", "relative_error",
     lambda a, b: float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))),
    ("not reduced to one number", "relative_error", entrywise),
    ("mean of the entrywise errors", "relative_error",
     lambda a, b: float(entrywise(a, b).mean())),
    ("denominator max(|a|, |b|)", "relative_error", lambda a, b: float(np.max(
        np.abs(a - b) / np.maximum(1e-8, np.maximum(np.abs(a), np.abs(b)))))),
    ("absolute value of the sum", "relative_error",
     lambda a, b: float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a + b))))),
    ("one-sided difference", "numerical_gradient", one_sided),
    ("x not restored", "numerical_gradient",
     lambda f, x, h=1e-5: centred(f, x, h, restore=False)),
    ("perturbed a copy of x", "numerical_gradient",
     lambda f, x, h=1e-5: centred(f, x, h, copy=True)),
    ("ignored h", "numerical_gradient", lambda f, x, h=1e-5: centred(f, x, h, fixed_h=1e-5)),
    ("wrong width of the difference", "numerical_gradient",
     lambda f, x, h=1e-5: centred(f, x, h, width=1)),
    ("differences the wrong way round", "numerical_gradient",
     lambda f, x, h=1e-5: centred(f, x, h, flip=-1)),
    ("transposed", "dWx_dx", lambda W, x: W.T),
    ("derivative with respect to W", "dWx_dx", lambda W, x: np.tile(x.T, (W.shape[0], 1))),
    ("returned Wx", "dWx_dx", lambda W, x: W @ x),
    ("column times row broadcast", "elementwise_backprop",
     lambda delta, fprime_z: delta * fprime_z),
    ("inner product", "elementwise_backprop", lambda delta, fprime_z: delta @ fprime_z),
    ("dropped f′(z)", "elementwise_backprop", lambda delta, fprime_z: delta.copy()),
    ("dropped δ", "elementwise_backprop", lambda delta, fprime_z: fprime_z.T.copy()),
    ("column instead of row", "elementwise_backprop",
     lambda delta, fprime_z: (delta * fprime_z.T).T),
    ("sign flipped", "elementwise_backprop", lambda delta, fprime_z: -delta * fprime_z.T),
    ("forgot the true class's term", "dJ_dlogits", lambda theta, y: R.softmax(theta).T),
    ("stopped at ∂J/∂ŷ", "dJ_dlogits", lambda theta, y: (-y / R.softmax(theta)).T),
    ("softmax overflow", "dJ_dlogits", lambda theta, y: (naive_softmax(theta) - y).T),
    ("column instead of row", "dJ_dlogits", lambda theta, y: R.softmax(theta) - y),
    ("sign flipped", "dJ_dlogits", lambda theta, y: (y - R.softmax(theta)).T),
    # 2_backprop
    ("softmax overflow", "forward", naive_forward),
    ("left out a bias", "forward", lambda x, y, params: R.forward(
        x, y, dict(params, b1=0 * params["b1"]))),
    ("forgot the true class's term", "dJ_dtheta", lambda y_hat, y: y_hat.T.copy()),
    ("stopped at ∂J/∂ŷ", "dJ_dtheta", lambda y_hat, y: (-y / y_hat).T),
    ("column instead of row", "dJ_dtheta", lambda y_hat, y: y_hat - y),
    ("sign flipped", "dJ_dtheta", lambda y_hat, y: (y - y_hat).T),
    ("transposed", "dJ_dU", lambda delta1, h: h @ delta1),
    ("sign flipped", "dJ_dU", lambda delta1, h: -(delta1.T @ h.T)),
    ("row instead of column", "dJ_db2", lambda delta1: delta1.copy()),
    ("1-D array", "dJ_db2", lambda delta1: delta1.ravel()),
    ("missing ReLU mask", "dJ_dz", lambda delta1, U, h: delta1 @ U),
    ("missing ReLU mask", "dJ_dz", lambda delta1, U, h: (delta1 @ U) * (h >= 0).T),
    ("multiplied by h instead of sgn(h)", "dJ_dz", lambda delta1, U, h: (delta1 @ U) * h.T),
    ("mask from the wrong quantity", "dJ_dz", lambda delta1, U, h: (delta1 @ U) * (h <= 0).T),
    ("ReLU applied to the gradient", "dJ_dz",
     lambda delta1, U, h: np.maximum(delta1 @ U, 0)),
    ("mask on the wrong side", "dJ_dz", lambda delta1, U, h: (delta1 @ U) * (h > 0)),
    ("column instead of row", "dJ_dz", lambda delta1, U, h: ((delta1 @ U) * (h > 0).T).T),
    ("sign flipped", "dJ_dz", lambda delta1, U, h: -(delta1 @ U) * (h > 0).T),
    ("transposed", "dJ_dW", lambda delta2, x: x @ delta2),
    ("sign flipped", "dJ_dW", lambda delta2, x: -(delta2.T @ x.T)),
    ("scaled by a constant", "dJ_dW", lambda delta2, x: 2 * delta2.T @ x.T),
    ("row instead of column", "dJ_db1", lambda delta2: delta2.copy()),
    ("1-D array", "dJ_db1", lambda delta2: delta2.ravel()),
    ("row instead of column", "dJ_dx", lambda delta2, W: delta2 @ W),
    ("sign flipped", "dJ_dx", lambda delta2, W: -(delta2 @ W).T),
    ("shapes that do not line up", "dJ_dx", lambda delta2, W: W @ delta2.T),
    ("shapes that do not line up", "dJ_dU", lambda delta1, h: delta1 @ h),
    ("missing ReLU mask", "backward", backward_from_steps(dJ_dz=lambda d1, U, h: d1 @ U)),
    ("forgot the true class's term", "backward",
     backward_from_steps(dJ_dtheta=lambda y_hat, y: y_hat.T)),
    ("transposed", "backward", lambda cache, params: dict(
        R.backward(cache, params), U=R.backward(cache, params)["U"].T)),
    # 3_minibatch
    ("softmax overflow", "forward_batch", forward_batch_with(softmax=naive_softmax)),
    ("softmax overflow", "forward_batch", forward_batch_with(softmax=global_max_softmax)),
    ("sum instead of mean", "forward_batch", forward_batch_with(reduce=lambda L, N: L.sum())),
    ("mean over the classes", "forward_batch", forward_batch_with(reduce=lambda L, N: L.mean())),
    ("no ReLU", "forward_batch", forward_batch_with(relu=lambda Z: Z)),
    ("softmax over the wrong axis", "forward_batch",
     forward_batch_with(softmax=lambda t: R.softmax(t.T).T)),
    ("missing ReLU mask", "backward_batch", backward_batch_with(mask=None)),
    ("missing ReLU mask", "backward_batch", backward_batch_with(mask=lambda H: (H >= 0).T)),
    ("multiplied by h instead of sgn(h)", "backward_batch",
     backward_batch_with(mask=lambda H: H.T)),
    ("mask from the wrong quantity", "backward_batch",
     backward_batch_with(mask=lambda H: (H <= 0).T)),
    ("forgot the true class's term", "backward_batch",
     backward_batch_with(delta1=lambda c: c["Y_hat"].T)),
    ("sign flipped", "backward_batch", backward_batch_with(scale=-1.0)),
    ("sum instead of mean", "backward_batch",
     backward_batch_with(delta1=lambda c: (c["Y_hat"] - c["Y"]).T * c["X"].shape[1])),
    ("divided by N twice", "backward_batch",
     backward_batch_with(delta1=lambda c: (c["Y_hat"] - c["Y"]).T / c["X"].shape[1])),
    ("bias gradient not summed over the batch", "backward_batch",
     backward_batch_with(bias_sum=False)),
    ("single precision", "backward_batch", lambda cache, params: {
        k: v.astype(np.float32) for k, v in R.backward_batch(cache, params).items()}),
    ("stepped along the gradient", "sgd_step", lambda params, grads, learning_rate: {
        k: params[k] + learning_rate * grads[k] for k in PARAMS}),
    ("ignored learning_rate", "sgd_step", lambda params, grads, learning_rate: {
        k: params[k] - 0.1 * grads[k] for k in PARAMS}),
    ("divided by the learning rate", "sgd_step", lambda params, grads, learning_rate: {
        k: params[k] - grads[k] / learning_rate for k in PARAMS}),
    (None, "sgd_step", sgd_over_grads, "has the extra key(s) X: it must hold exactly W, b1, U, b2"),
    (None, "sgd_step", sgd_in_place, "sgd_step changed the dict params it was given"),
    (None, "sgd_step", sgd_subtracting_in_place, "Compute new arrays (x - a, not x -= a)"),
]


def message_of(entry):
    function, wrong = entry[1], entry[2]
    return run_test_cell(function, wrong)


@pytest.mark.parametrize("entry", WRONG, ids=[f"{e[1]}-{e[0] or e[3][:20]}" for e in WRONG])
def test_wrong_answer_is_caught_and_named(entry):
    message = message_of(entry)
    assert message is not None, f"{entry[1]}: a wrong answer passed every test"
    if entry[0] is None:
        assert entry[3] in message
    else:
        assert f"Likely mistake — {entry[0]}:" in message, message


def test_every_catalogue_entry_has_a_wrong_answer():
    names = {(e[0], e[1]) for e in WRONG}
    for mistake in MISTAKES:
        bases = {f.split(".")[0] for f in mistake.functions}
        assert any((mistake.name, base) in names for base in bases), mistake.name


def test_the_set_of_wrong_answers_is_caught_and_named():
    """The figure for the whole set: every one caught, at least 90% named by the catalogue."""
    messages = [message_of(e) for e in WRONG if e[0] is not None]
    caught = sum(m is not None for m in messages)
    named = sum(m is not None and "Likely mistake — " in m for m in messages)
    print(f"caught {caught} of {len(messages)}, named {named} of {len(messages)}")
    assert caught == len(messages)
    assert named >= 0.9 * len(messages)


# --- correct answers in other styles pass the visible and the hidden tests -----------------

def stable_softmax_by_logsumexp(theta):
    m = theta.max(axis=0)
    return np.exp(theta - m - np.log(np.exp(theta - m).sum(axis=0)))


def forward_batch_by_columns(X, Y, params):
    """The one-example pass in a loop over the columns: slow, right."""
    columns = [R.forward(X[:, [n]], Y[:, [n]], params) for n in range(X.shape[1])]
    cache = {"X": X, "Y": Y}
    for key, name in (("z", "Z"), ("h", "H"), ("theta", "theta"), ("y_hat", "Y_hat")):
        cache[name] = np.hstack([c[key] for _, c in columns])
    return float(np.mean([J for J, _ in columns])), cache


CORRECT = [
    ("relu", lambda z: z * (z > 0)),
    ("relu", lambda z: np.where(z > 0, z, 0.0)),
    ("relu", lambda z: z.clip(min=0)),
    ("relu_prime", lambda z: np.heaviside(z, 0.0)),
    ("relu_prime", lambda z: (z > 0) * 1.0),
    ("softmax", stable_softmax_by_logsumexp),
    ("cross_entropy", lambda y, y_hat: -float(np.sum(y * np.log(y_hat)))),
    ("cross_entropy", lambda y, y_hat: float(-np.log(y_hat[y.astype(bool)]).sum())),
    ("relative_error", lambda a, b: float((np.abs(a - b) / np.maximum(
        1e-8, np.abs(a) + np.abs(b))).max())),
    ("dWx_dx", lambda W, x: np.array(W, dtype=float)),
    ("elementwise_backprop", lambda delta, fprime_z: delta @ np.diagflat(fprime_z)),
    ("elementwise_backprop", lambda delta, fprime_z: fprime_z.T * delta),
    ("dJ_dlogits", lambda theta, y: (stable_softmax_by_logsumexp(theta) - y).T),
    ("dJ_dU", lambda delta1, h: np.outer(delta1, h)),
    ("dJ_dU", lambda delta1, h: np.einsum("ai,ja->ij", delta1, h)),
    ("dJ_dz", lambda delta1, U, h: np.where(h.T > 0, delta1 @ U, 0.0)),
    ("dJ_dz", lambda delta1, U, h: (U.T @ delta1.T * np.sign(h)).T),
    ("dJ_dW", lambda delta2, x: np.outer(delta2, x)),
    ("dJ_dx", lambda delta2, W: W.T @ delta2.T),
    ("dJ_dtheta", lambda y_hat, y: -(y - y_hat).T),
    ("dJ_db2", lambda delta1: delta1.reshape(-1, 1)),
    ("dJ_db1", lambda delta2: np.array(delta2.T)),
    ("forward_batch", forward_batch_by_columns),
    ("sgd_step", lambda params, grads, learning_rate: {
        k: v - learning_rate * grads[k] for k, v in params.items()}),
    ("sgd_step", lambda params, grads, learning_rate: dict(
        zip(PARAMS, (params[k] + (-learning_rate) * grads[k] for k in PARAMS), strict=True))),
]


@pytest.mark.parametrize("function, right", CORRECT, ids=[c[0] for c in CORRECT])
def test_correct_answer_in_another_style_passes(function, right):
    assert run_test_cell(function, right) is None


@pytest.mark.parametrize("seed", range(6))
def test_no_mistake_fires_on_a_correct_answer(seed):
    problems = [backprop.cases_of(*network(5, 7, 4, seed=seed)),
                minibatch.cases_of(*network(5, 7, 4, seed=seed, N=6)), warmup.visible()]
    for cases in problems:
        for function, (args, expected) in cases.items():
            for key, value, whole in _parts(function, expected):
                dims = dims_of({k: v for k, v in args.items() if not callable(v)})
                found = diagnose(Case(key, args, value, np.copy(value), dims, whole))
                assert found is None, (key, found and found[0].name)


def _parts(function, expected):
    if isinstance(expected, tuple):
        J, cache = expected
        yield f"{function}.J", np.float64(J), expected
        for k, v in cache.items():
            yield f"{function}.{k}", v, cache
    elif isinstance(expected, dict):
        for k, v in expected.items():
            yield f"{function}.{k}", v, expected
    elif isinstance(expected, np.ndarray):
        yield function, expected, None


# --- the messages ---------------------------------------------------------------------------

VOCABULARY = sorted({s for quantities in QUANTITIES.values() for s in quantities.split()}
                    - {"a", "b", "f"}, key=len, reverse=True)


def symbols_named(message):
    """The course's symbols a message names (ᵀ and subscripts dropped)."""
    text = re.sub(r"_[a-z0-9]\b", "", message.replace("ᵀ", ""))
    found = set()
    for symbol in VOCABULARY:
        pattern = rf"(?<![\w′]){re.escape(symbol)}(?![\w′(])"
        if re.search(pattern, text):
            found.add(symbol)
            text = re.sub(pattern, " ", text)
    return found


FIELDS = {"factor": "2", "h": "0.001", "used": "0.1", "rate": "0.05", "got_shape": "(3, 4)",
          "expected_shape": "(4, 3)"}


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_message_names_only_quantities_its_functions_have(mistake):
    for function in mistake.functions:
        base = function.split(".")[0]
        message = mistake.message.format(symbol=function, **FIELDS)
        extra = symbols_named(message) - set(QUANTITIES[base].split())
        assert not extra, f"{mistake.name} names {extra}, which {base} does not have"


GIVEAWAYS = ["ŷ − y", "subtract y", "swap the order", "Transpose the mask", "transpose each",
             "axis=1", "sgn(h)ᵀ", "@", "np.diag"]


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_message_names_the_mistake_not_the_formula(mistake):
    assert not [g for g in GIVEAWAYS if g in mistake.message]


@pytest.mark.parametrize("function, wrong", [
    ("softmax", naive_softmax), ("softmax", global_max_softmax), ("forward", naive_forward),
    ("dJ_dlogits", lambda theta, y: (naive_softmax(theta) - y).T),
    ("forward_batch", forward_batch_with(softmax=naive_softmax))])
def test_the_visible_tests_check_large_logits(function, wrong):
    message = run_test_cell(function, wrong, hidden=False)
    assert "Likely mistake — softmax overflow:" in message


@pytest.mark.parametrize("wrong", [
    ("backward_batch", backward_batch_with(mask=None), "missing ReLU mask"),
    ("sgd_step", lambda params, grads, learning_rate: {
        k: params[k] - 0.1 * grads[k] for k in PARAMS}, "ignored learning_rate")])
def test_the_accuracy_is_graded_only_with_right_gradients(wrong):
    """A wrong gradient or step that still trains well earns no accuracy points."""
    function, implementation, mistake = wrong
    message = run_test_cell(function, implementation, test="test_accuracy")
    assert message.startswith("the held-out accuracy is graded only when backward_batch and "
                              f"sgd_step are right, and {function} is not. ")
    assert f"Likely mistake — {mistake}:" in message


def test_a_sign_error_in_dJ_dW_does_not_speak_of_y_hat():
    message = run_test_cell("dJ_dW", lambda delta2, x: -(delta2.T @ x.T))
    assert "ŷ" not in message and "the gradient this step receives" in message


def test_forward_batch_sum_is_named_N_times_too_large():
    message = run_test_cell("forward_batch", forward_batch_with(reduce=lambda L, N: L.sum()))
    assert "J is N times too large: J is the mean of the N per-example losses" in message


def test_a_mask_of_ones_is_named_as_such():
    message = run_test_cell("dJ_dz", lambda delta1, U, h: (delta1 @ U) * (h >= 0).T)
    assert "or the mask is 1 everywhere (h ≥ 0 holds for every unit" in message


def test_np_matrix_is_refused_with_the_reason():
    message = run_test_cell("dJ_dU", lambda delta1, h: np.asmatrix(delta1.T @ h.T))
    assert message == ("dJ_dU: ∂J/∂U is an np.matrix: the course uses plain 2-D numpy arrays "
                       "(np.matrix changes what * and indexing mean). Build it with np.array or "
                       "products of arrays, not np.matrix.")


def test_negative_zero_is_printed_as_zero():
    def masked_wrongly(delta1, U, h):
        return -np.abs(delta1 @ U) * (h > 0).T
    args, expected = backprop.visible()["dJ_dz"]
    expected = expected.copy()
    expected[expected == 0] = -0.0
    with pytest.raises(CheckFailure) as failure:
        check(masked_wrongly, args, expected, name="dJ_dz")
    assert "-0," not in str(failure.value) and "expected -0 " not in str(failure.value)


def test_elementwise_backprop_speaks_of_n():
    message = run_test_cell("elementwise_backprop", lambda delta, fprime_z: np.ones((2, 2)))
    assert "expected (1, n) = (1, 5)" in message


def test_backward_says_which_step_function_is_wrong():
    wrong_dJ_dz = lambda delta1, U, h: delta1 @ U  # noqa: E731
    namespace_backward = backward_from_steps(dJ_dz=wrong_dJ_dz)
    steps = {name: (wrong_dJ_dz if name == "dJ_dz" else getattr(R, name), *case)
             for name, case in backprop.visible().items()
             if name in ("dJ_dtheta", "dJ_dU", "dJ_db2", "dJ_dz", "dJ_dW", "dJ_db1", "dJ_dx")}
    with pytest.raises(CheckFailure) as failure:
        check(namespace_backward, *backprop.visible()["backward"], steps=steps)
    message = str(failure.value)
    assert "Likely mistake — missing ReLU mask" in message
    assert "1 of them give wrong values on this example — dJ_dz: δ2 = ∂J/∂z" in message


def test_backward_with_right_steps_blames_the_composition():
    def swapped(cache, params):
        grads = R.backward(cache, params)
        return dict(grads, W=grads["W"] * 1.5)
    steps = {name: (getattr(R, name), *case) for name, case in backprop.visible().items()
             if name in ("dJ_dtheta", "dJ_dU", "dJ_dz")}
    with pytest.raises(CheckFailure) as failure:
        check(swapped, *backprop.visible()["backward"], name="backward", steps=steps)
    assert str(failure.value).endswith(
        "Your step functions (dJ_dtheta, dJ_dU, dJ_dz) are all right on this example, so the "
        "mistake is in how backward puts them together: check what each step receives.")


def test_unmatched_wrong_answer_gets_an_honest_generic_message():
    args, expected = backprop.visible()["dJ_dU"]
    with pytest.raises(CheckFailure) as failure:
        check(lambda delta1, h: delta1.T @ h.T + 0.5, args, expected, name="dJ_dU")
    message = str(failure.value)
    assert message.startswith("dJ_dU: ∂J/∂U has the right shape but wrong values (at entry ")
    assert message.endswith("It matches none of the common mistakes: redo the derivation "
                            "step by step and compare each factor with a numerical gradient.")
    assert "Likely mistake" not in message
