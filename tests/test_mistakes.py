"""The catalogue of mistakes: each entry recognised on its mistake, never on a correct answer."""

import numpy as np
import pytest

from autograder import reference as R
from autograder.cases import minibatch, warmup
from autograder.cases.backprop import cases_of
from autograder.cases.network import network, network_with_large_logits
from autograder.coursetools import MISTAKES, CheckFailure, check
from autograder.coursetools.mistakes import Case, diagnose

SEEDS = range(8)


def naive_forward(x, y, params):
    z = params["W"] @ x + params["b1"]
    h = np.maximum(z, 0)
    theta = params["U"] @ h + params["b2"]
    y_hat = np.exp(theta) / np.exp(theta).sum()
    return float(-(y * np.log(y_hat)).sum()), {"x": x, "z": z, "h": h, "theta": theta,
                                              "y_hat": y_hat, "y": y}


def batch_gradients_without_mean(cache, params):
    N = cache["X"].shape[1]
    return {k: v * N for k, v in R.backward_batch(cache, params).items()}


def batch_bias_not_summed(cache, params):
    grads = R.backward_batch(cache, params)
    Delta1 = (cache["Y_hat"] - cache["Y"]).T / cache["X"].shape[1]
    grads["b2"] = Delta1.T
    return grads


def one_sided(f, x, h=1e-5):
    grad, f0 = np.zeros_like(x), f()
    for i in np.ndindex(x.shape):
        x[i] += h
        grad[i] = (f() - f0) / h
        x[i] -= h
    return grad


def not_restored(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        plus = f()
        x[i] -= 2 * h
        grad[i] = (plus - f()) / (2 * h)
    return grad


def perturbs_a_copy(f, x, h=1e-5):
    x = x.copy()
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = f()
        x[i] = old - h
        grad[i] = (plus - f()) / (2 * h)
        x[i] = old
    return grad


def ignores_h(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + 1e-5
        plus = f()
        x[i] = old - 1e-5
        grad[i] = (plus - f()) / 2e-5
        x[i] = old
    return grad


# mistake name -> (graded function, a wrong implementation that makes exactly that mistake)
EXAMPLES = {
    "stepped along the gradient": ("sgd_step", lambda params, grads, learning_rate: {
        k: params[k] + learning_rate * grads[k] for k in ("W", "b1", "U", "b2")}),
    "softmax over the wrong axis": ("softmax", lambda theta: (
        np.exp(theta - theta.max(axis=1, keepdims=True))
        / np.exp(theta - theta.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True))),
    "ReLU′(0) = 1": ("relu_prime", lambda z: (z >= 0).astype(float)),
    "no floor in the denominator": ("relative_error", lambda a, b: float(np.max(
        np.abs(a - b) / (np.abs(a) + np.abs(b))))),
    "column times row broadcast": ("elementwise_backprop",
                                   lambda delta, fprime_z: delta * fprime_z),
    "x not restored": ("numerical_gradient", not_restored),
    "perturbed a copy of x": ("numerical_gradient", perturbs_a_copy),
    "one-sided difference": ("numerical_gradient", one_sided),
    "ignored h": ("numerical_gradient", ignores_h),
    "softmax overflow": ("forward", naive_forward),
    "forgot to subtract y": ("dJ_dtheta", lambda y_hat, y: y_hat.T),
    "stopped at dJ/dy_hat": ("dJ_dtheta", lambda y_hat, y: (-y / y_hat).T),
    "missing ReLU mask": ("dJ_dz", lambda delta1, U, h: delta1 @ U),
    "multiplied by h instead of sgn(h)": ("dJ_dz", lambda delta1, U, h: (delta1 @ U) * h.T),
    "mask from the wrong quantity": ("dJ_dz", lambda delta1, U, h: (delta1 @ U) * (h <= 0).T),
    "mask on the wrong side": ("dJ_dz", lambda delta1, U, h: (delta1 @ U) * (h > 0)),
    "bias gradient not summed over the batch": ("backward_batch", batch_bias_not_summed),
    "sum instead of mean": ("backward_batch", batch_gradients_without_mean),
    "transposed": ("dJ_dU", lambda delta1, h: h @ delta1),
    "row instead of column": ("dJ_db2", lambda delta1: delta1),
    "column instead of row": ("dJ_dtheta", lambda y_hat, y: y_hat - y),
    "1-D array": ("dJ_db1", lambda delta2: delta2.ravel()),
    "sign flipped": ("dJ_dU", lambda delta1, h: -(delta1.T @ h.T)),
    "scaled by a constant": ("dJ_dW", lambda delta2, x: 2 * delta2.T @ x.T),
}


def case_for(function, seed):
    if function in warmup.HIDDEN:  # the visible case: one that shows each mistake
        return warmup.visible()[function]
    if function == "sgd_step":
        return minibatch.cases_of(*network(4, 6, 3, seed=seed, N=5))["sgd_step"]
    if function == "backward_batch":
        params, X, Y = network(4, 6, 3, seed=seed, N=5)
        _, cache = R.forward_batch(X, Y, params)
        return {"cache": cache, "params": params}, R.backward_batch(cache, params)
    make = network_with_large_logits if function == "forward" else network
    return cases_of(*make(4, 6, 3, seed=seed))[function]


def test_every_mistake_has_an_example():
    assert set(EXAMPLES) == {m.name for m in MISTAKES}


@pytest.mark.parametrize("mistake", sorted(EXAMPLES))
@pytest.mark.parametrize("seed", SEEDS)
def test_mistake_is_recognised(mistake, seed):
    function, wrong = EXAMPLES[mistake]
    with np.errstate(all="ignore"), pytest.raises(CheckFailure) as failure:
        if function == "numerical_gradient":
            warmup.check_numerical_gradient(wrong)
        else:
            check(wrong, *case_for(function, seed), name=function)
    assert f"Likely mistake — {mistake}:" in str(failure.value)


@pytest.mark.parametrize("seed", SEEDS)
def test_no_mistake_fires_on_a_correct_answer(seed):
    cases = cases_of(*network(5, 7, 4, seed=seed))
    for function, (args, expected) in cases.items():
        parts = expected.items() if isinstance(expected, dict) else [(None, expected)]
        if function == "forward":
            parts = [("J", np.float64(expected[0])), ("y_hat", expected[1]["y_hat"])]
        for key, value in parts:
            name = f"{function}.{key}" if key else function
            assert diagnose(Case(name, args, value, value.copy(), {"N": 1})) is None, name


def test_unmatched_wrong_answer_gets_an_honest_generic_message():
    args, expected = case_for("dJ_dU", 0)
    with pytest.raises(CheckFailure) as failure:
        check(lambda delta1, h: delta1.T @ h.T + 0.5, args, expected, name="dJ_dU")
    message = str(failure.value)
    assert message.startswith("dJ_dU: ∂J/∂U has the right shape but wrong values (at entry ")
    assert message.endswith("It matches none of the common mistakes: redo the derivation "
                            "step by step and compare each factor with a numerical gradient.")
    assert "Likely mistake" not in message


CORRECT_FORMULATIONS = {
    "dJ_dU": [lambda delta1, h: np.outer(delta1, h),
              lambda delta1, h: np.einsum("ai,ja->ij", delta1, h),
              lambda delta1, h: np.array([[delta1[0, i] * h[j, 0] for j in range(h.shape[0])]
                                          for i in range(delta1.shape[1])])],
    "dJ_dz": [lambda delta1, U, h: np.where(h.T > 0, delta1 @ U, 0.0),
              lambda delta1, U, h: (U.T @ delta1.T * np.sign(h)).T,
              lambda delta1, U, h: np.einsum("ai,ij,j->aj", delta1, U, (h[:, 0] > 0) * 1.0)],
    "dJ_dW": [lambda delta2, x: np.outer(delta2, x), lambda delta2, x: delta2.T * x.T],
    "dJ_dx": [lambda delta2, W: W.T @ delta2.T,
              lambda delta2, W: np.einsum("ij,ai->ja", W, delta2)],
    "dJ_dtheta": [lambda y_hat, y: np.transpose(y_hat - y), lambda y_hat, y: -(y - y_hat).T],
    "dJ_db2": [lambda delta1: delta1.reshape(-1, 1), lambda delta1: np.array(delta1.T)],
}


@pytest.mark.parametrize("function", sorted(CORRECT_FORMULATIONS))
def test_every_correct_formulation_passes_the_strict_check(function):
    for seed in SEEDS:
        args, expected = cases_of(*network(5, 7, 4, seed=seed))[function]
        for formulation in CORRECT_FORMULATIONS[function]:
            check(formulation, args, expected, name=function, rtol=1e-8, atol=1e-12)
