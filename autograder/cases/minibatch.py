"""Cases of the minibatch assignment: the batch forward and backward passes, the SGD step,
predictions, and the held-out accuracy of the students' trained network on the digits."""

from functools import partial

import numpy as np

from .. import reference as R
from ..coursetools.checks import CheckFailure
from ..coursetools.i18n import _
from ..coursetools.numgrad import numerical_gradient
from .network import (
    network,
    network_with_far_apart_columns,
    network_with_kink,
    network_with_large_logits,
)

VISIBLE_SIZES = {"Dx": 4, "Dh": 5, "Nc": 3, "N": 6}
FUNCTIONS = ("forward_batch", "backward_batch", "sgd_step")

# The digits split of the notebook: pixels scaled to [0, 1], examples as columns.
DIGITS_SEED, DIGITS_TEST_SIZE = 0, 450


def cases_of(params, X, Y, learning_rate=0.1, seed=0):
    """{function: (args, expected)} for forward_batch, backward_batch and sgd_step.

    sgd_step gets every gradient backward_batch returns, ∂J/∂X included, as in training.
    """
    J, cache = R.forward_batch(X, Y, params)
    grads = R.backward_batch(cache, params)
    return {
        "forward_batch": ({"X": X, "Y": Y, "params": params}, (J, cache)),
        "backward_batch": ({"cache": cache, "params": params}, grads),
        "sgd_step": ({"params": params, "grads": grads, "learning_rate": learning_rate},
                     {k: params[k] - learning_rate * grads[k] for k in R.PARAMS}),
    }


def predict_case(params, X):
    """(args, labels): the class of the largest logit of each column, labels of shape (N,)."""
    _, cache = R.forward_batch(X, np.zeros((params["U"].shape[0], X.shape[1])), params)
    return {"params": params, "X": X}, np.argmax(cache["theta"], axis=0)


def numerical(params, X, Y):
    """Centred-difference gradients of the mean loss for U b2 W b1 X."""
    variables = dict(params, X=X)
    return {name: numerical_gradient(lambda: R.forward_batch(X, Y, params)[0], value)
            for name, value in variables.items()}


def visible():
    """The cases shipped to students: a small batch with distinct Dx, Dh, Nc, N, one with
    logits of ±1000, and a larger batch for predict."""
    problem = network(**VISIBLE_SIZES, seed=1)
    cases = cases_of(*problem, learning_rate=0.3)
    large = network_with_large_logits(**VISIBLE_SIZES, seed=3)
    cases["forward_batch_large_logits"] = cases_of(*large)["forward_batch"]
    params, X, _ = network(4, 5, 3, seed=4, N=20)
    cases["predict"] = predict_case(params, X)
    return cases


def hidden_problems():
    """Batches students never see: other sizes, seeds and N (N = 1 too), a kink at z = 0,
    logits of ±1000."""
    return [
        network(7, 9, 6, seed=2024, N=10),
        network(3, 12, 2, seed=77, N=1),
        network(10, 4, 8, seed=5, N=25),
        network_with_kink(6, 8, 5, seed=31, N=7),
        network_with_large_logits(5, 7, 4, seed=13, N=9),
        network_with_far_apart_columns(5, 6, 4, seed=17, N=6),
    ]


def _hidden(name):
    """[(args, expected, numerical or None)] of name over every hidden problem."""
    result = []
    for number, problem in enumerate(hidden_problems()):
        args, expected = cases_of(*problem, learning_rate=0.05 * (number + 1))[name]
        grads = numerical(*problem) if name == "backward_batch" else None
        result.append((args, expected, grads))
    return result


HIDDEN = {name: partial(_hidden, name) for name in FUNCTIONS}


def hidden_predict_cases():
    """[(args, labels)] for predict on the hidden problems."""
    return [predict_case(params, X) for params, X, _ in hidden_problems()]


def digits_split():
    """(X_train, labels_train, X_test, labels_test) of scikit-learn's digits, as in the notebook.

    X is (64, N) with pixels in [0, 1]; the test set is a fixed random 450 examples.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    X, labels = digits.data.T / 16.0, digits.target
    order = np.random.default_rng(DIGITS_SEED).permutation(X.shape[1])
    test, train = order[:DIGITS_TEST_SIZE], order[DIGITS_TEST_SIZE:]
    return X[:, train], labels[train], X[:, test], labels[test]


def digits_test_accuracy(params):
    """Held-out accuracy of params on the digits test split, computed with the reference."""
    _, _, X_test, labels_test = digits_split()
    with np.errstate(all="ignore"):
        theta = params["U"] @ R.relu(params["W"] @ X_test + params["b1"]) + params["b2"]
    if theta.shape != (10, X_test.shape[1]) or not np.all(np.isfinite(theta)):
        return 0.0
    return float(np.mean(np.argmax(theta, axis=0) == labels_test))


def check_digits_accuracy(params, threshold=0.93):
    """Hidden test of the trained network: raise CheckFailure when its held-out accuracy
    (computed here, on the test split) is below threshold."""
    if digits_test_accuracy(params) < threshold:
        raise CheckFailure(_("held-out accuracy below {threshold}").format(threshold=threshold))
