"""The reference model against numerical gradients and an independent autodiff oracle."""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder import reference as R
from autograder.cases.network import network, network_with_kink, network_with_large_logits
from autograder.coursetools import gradient_check

VARIABLES = ("U", "b2", "W", "b1", "x")


def oracle_loss(U, b2, W, b1, x, y):
    """The network written independently, for autograd (ReLU'(0) = 0 via where)."""
    z = anp.dot(W, x) + b1
    h = anp.where(z > 0, z, 0.0)
    theta = anp.dot(U, h) + b2
    shifted = theta - anp.max(theta, axis=0, keepdims=True)
    log_y_hat = shifted - anp.log(anp.sum(anp.exp(shifted), axis=0, keepdims=True))
    return -anp.sum(y * log_y_hat) / x.shape[1]


def oracle_gradients(params, x, y):
    args = (params["U"], params["b2"], params["W"], params["b1"], x, y)
    return {name: autograd.grad(oracle_loss, i)(*args) for i, name in enumerate(VARIABLES)}


def reference_gradients(params, x, y):
    J, cache = R.forward(x, y, params)
    return J, R.backward(cache, params)


sizes = st.tuples(st.integers(1, 9), st.integers(2, 9), st.integers(2, 7)).filter(
    lambda s: len(set(s)) == 3)
problems = st.sampled_from([network, network_with_kink, network_with_large_logits])


@settings(max_examples=40, deadline=None)
@given(sizes=sizes, seed=st.integers(0, 10_000), make=problems)
def test_reference_equals_autodiff_oracle(sizes, seed, make):
    params, x, y = make(*sizes, seed=seed)
    J, grads = reference_gradients(params, x, y)
    expected = oracle_gradients(params, x, y)
    assert J == pytest.approx(float(oracle_loss(*(params[k] for k in VARIABLES[:4]), x, y)),
                              rel=1e-12)
    for name in VARIABLES:
        assert grads[name].shape == expected[name].shape, name
        np.testing.assert_allclose(grads[name], expected[name], rtol=1e-10, atol=1e-12,
                                   err_msg=name)


@settings(max_examples=25, deadline=None)
@given(sizes=sizes, seed=st.integers(0, 10_000), make=problems)
def test_reference_equals_numerical_gradients(sizes, seed, make):
    params, x, y = make(*sizes, seed=seed)
    _, grads = reference_gradients(params, x, y)
    variables = dict(params, x=x)
    report = gradient_check(lambda: R.forward(x, y, params)[0], variables, grads,
                            kinks=lambda: params["W"] @ x + params["b1"])
    assert report.passed, str(report)
    assert max(v.counted_error for v in report.variables) < 1e-6


def test_kink_entries_are_skipped_and_reported():
    params, x, y = network_with_kink(6, 8, 5, seed=31)
    assert (params["W"] @ x + params["b1"])[0, 0] == 0.0
    _, grads = reference_gradients(params, x, y)
    report = gradient_check(lambda: R.forward(x, y, params)[0], dict(params, x=x), grads,
                            kinks=lambda: params["W"] @ x + params["b1"])
    skipped = {v.name: v.skipped for v in report.variables}
    assert skipped["b1"] == [(0, 0)]
    assert all(index[0] == 0 for index in skipped["W"]) and skipped["W"]
    assert skipped["U"] == [] and skipped["b2"] == []
    assert report.passed
    assert "skipped" in str(report) and "ReLU kink" in str(report)
    # The reference follows ReLU'(0) = 0: no gradient flows through the unit with z = 0.
    assert np.all(grads["W"][0] == 0) and grads["b1"][0, 0] == 0


def test_large_logits_are_stable_without_warnings():
    params, x, y = network_with_large_logits(5, 7, 4, seed=13)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        J, cache = R.forward(x, y, params)
        grads = R.backward(cache, params)
    assert np.isfinite(J) and J > 100
    assert cache["y_hat"].min() == 0.0 and cache["y_hat"].sum() == pytest.approx(1.0)
    assert all(np.all(np.isfinite(g)) for g in grads.values())


def test_softmax_of_plus_minus_1000():
    theta = np.array([[1000.0], [-1000.0], [0.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        np.testing.assert_array_equal(R.softmax(theta), [[1.0], [0.0], [0.0]])
        assert R.cross_entropy(np.array([[0.0], [1.0], [0.0]]), theta) == 2000.0


@settings(max_examples=20, deadline=None)
@given(sizes=sizes, N=st.integers(2, 6), seed=st.integers(0, 10_000), make=problems)
def test_minibatch_gradients_are_the_mean_of_per_example_gradients(sizes, N, seed, make):
    params, X, Y = make(*sizes, seed=seed, N=N)
    J, cache = R.forward_batch(X, Y, params)
    grads = R.backward_batch(cache, params)
    per_example = [reference_gradients(params, X[:, [n]], Y[:, [n]]) for n in range(N)]
    assert J == pytest.approx(np.mean([j for j, _ in per_example]), rel=1e-12)
    for name in ("U", "b2", "W", "b1"):
        mean = np.mean([g[name] for _, g in per_example], axis=0)
        np.testing.assert_allclose(grads[name], mean, rtol=1e-10, atol=1e-14, err_msg=name)
    columns = np.hstack([g["x"] for _, g in per_example]) / N
    np.testing.assert_allclose(grads["X"], columns, rtol=1e-10, atol=1e-14)
    expected = oracle_gradients(params, X, Y)
    for name, mine in zip(VARIABLES, ("U", "b2", "W", "b1", "X"), strict=True):
        np.testing.assert_allclose(grads[mine], expected[name], rtol=1e-10, atol=1e-14)


def test_bad_input_gets_a_clear_error():
    params, x, y = network(3, 4, 2, seed=0)
    one_d = r"x must be 2-D \(a column is \(n, 1\)\), got shape \(3,\)"
    with pytest.raises(ValueError, match=one_d):
        R.forward(x.ravel(), y, params)
    with pytest.raises(ValueError, match="W has Dx = 3 but x has Dx = 5"):
        R.forward(np.ones((5, 1)), y, params)
    with pytest.raises(ValueError, match="x contains NaN or inf"):
        R.forward(np.full((3, 1), np.nan), y, params)
    with pytest.raises(ValueError, match="params is missing b2"):
        R.forward(x, y, {k: v for k, v in params.items() if k != "b2"})
    with pytest.raises(ValueError, match=r"x must have 1 column\(s\), got shape \(3, 2\)"):
        R.forward(np.ones((3, 2)), y, params)
    with pytest.raises(TypeError, match="y must be a numpy array, got list"):
        R.forward(x, [[1.0], [0.0]], params)
    with pytest.raises(ValueError, match="Y has N = 2 but X has N = 3"):
        R.forward_batch(np.ones((3, 3)), np.ones((2, 2)), params)
