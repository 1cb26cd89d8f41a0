"""check(): the order of the checks and the message of each failure."""

import numpy as np
import pytest

from autograder import reference as R
from autograder.cases.backprop import cases_of
from autograder.cases.network import network
from autograder.coursetools import CheckFailure, check

CASES = cases_of(*network(4, 5, 3, seed=1))


def fails(function, name, message):
    args, expected = CASES[name]
    with pytest.raises(CheckFailure) as failure:
        check(function, args, expected, name=name)
    assert str(failure.value) == message


def test_success_message_names_the_shape_in_symbols():
    args, expected = CASES["dJ_dU"]
    assert check(R.dJ_dU, args, expected) == (
        "✓ dJ_dU: type, shape (Nc, Dh) = (3, 5), finite values, inputs unchanged, "
        "values — correct.")


def test_not_implemented():
    def dJ_dU(delta1, h):
        raise NotImplementedError()
    fails(dJ_dU, "dJ_dU", "dJ_dU is not implemented yet: replace `raise NotImplementedError()` "
                          "with your code.")


def test_exception_is_named_with_its_line():
    def dJ_dU(delta1, h):
        return delta1 @ h
    args, expected = CASES["dJ_dU"]
    raised = (r"^dJ_dU raised ValueError: matmul: .* \(line \d+ of dJ_dU\) Likely mistake — "
              r"shapes that do not line up: .* \(the inputs: delta1 \(1, Nc\) = \(1, 3\), "
              r"h \(Dh, 1\) = \(5, 1\)\)\.$")
    with pytest.raises(CheckFailure, match=raised):
        check(dJ_dU, args, expected)


def test_type_shape_and_finite():
    fails(lambda delta1, h: (delta1.T @ h.T).tolist(), "dJ_dU",
          "dJ_dU: ∂J/∂U must be a numpy array, got list.")
    fails(lambda delta1, h: (delta1.T @ h.T > 0), "dJ_dU",
          "dJ_dU: ∂J/∂U must hold float64 numbers, got dtype bool.")
    fails(lambda delta1, h: np.ones((3, 4)), "dJ_dU",
          "dJ_dU: ∂J/∂U has the wrong shape: expected (Nc, Dh) = (3, 5), got (3, 4).")
    fails(lambda delta1, h: delta1.T @ h.T / 0.0, "dJ_dU", "dJ_dU: ∂J/∂U contains NaN or inf.")


def test_modifying_an_input_in_place_is_caught():
    def dJ_db2(delta1):
        delta1 *= 1.0
        return delta1.T
    args, expected = CASES["dJ_db2"]
    with pytest.raises(CheckFailure, match="^dJ_db2 modified one of its inputs in place"):
        check(dJ_db2, args, expected)

    def sneaky(delta1):
        delta1.setflags(write=True)
        delta1 += 0.0
        delta1[0, 0] = 7.0
        return delta1.T
    with pytest.raises(CheckFailure, match="^dJ_db2 modified its input delta1 in place"):
        check(sneaky, args, expected, name="dJ_db2")


def test_forward_and_backward_messages():
    fails(lambda x, y, params: (np.array([[1.0]]), CASES["forward"][1][1]), "forward",
          "forward: forward.J must be a Python float, got a numpy array of shape (1, 1): "
          "convert it with float(...).")
    J = CASES["forward"][1][0]
    fails(lambda x, y, params: (J, {"x": x}), "forward",
          "forward: cache is missing the key(s) z, h, theta, y_hat, y.")
    fails(lambda x, y, params: J, "forward", "forward: expected a tuple of 2 values, got float.")
    grads = CASES["backward"][1]
    fails(lambda cache, params: {k: v for k, v in grads.items() if k != "x"}, "backward",
          "backward: the result of backward is missing the key(s) x.")
    fails(lambda cache, params: dict(grads, U=grads["U"].T), "backward",
          "backward: ∂J/∂U has the wrong shape: expected (Nc, Dh) = (3, 5), got (5, 3). "
          "Likely mistake — transposed: ∂J/∂U comes out transposed (5, 3): a gradient has the "
          "shape of its variable, (3, 5). Write the shape of each factor under it and order "
          "the product so that they line up.")
