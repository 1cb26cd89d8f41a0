"""Cases of the core assignment: the forward pass and every gradient of one example."""

from functools import partial

import numpy as np

from .. import reference as R
from ..coursetools.numgrad import numerical_gradient
from .network import network, network_with_kink, network_with_large_logits

VISIBLE_SIZES = {"Dx": 4, "Dh": 5, "Nc": 3}
FUNCTIONS = ("forward", "dJ_dtheta", "dJ_dU", "dJ_db2", "dJ_dz", "dJ_dW", "dJ_db1", "dJ_dx",
             "backward")


def cases_of(params, x, y):
    """{function: (args, expected)} for every graded function, on one example."""
    J, cache = R.forward(x, y, params)
    delta1 = R.dJ_dtheta(cache["y_hat"], y)
    delta2 = R.dJ_dz(delta1, params["U"], cache["h"])
    h, U, W = cache["h"], params["U"], params["W"]
    return {
        "forward": ({"x": x, "y": y, "params": params}, (J, cache)),
        "dJ_dtheta": ({"y_hat": cache["y_hat"], "y": y}, delta1),
        "dJ_dU": ({"delta1": delta1, "h": h}, R.dJ_dU(delta1, h)),
        "dJ_db2": ({"delta1": delta1}, R.dJ_db2(delta1)),
        "dJ_dz": ({"delta1": delta1, "U": U, "h": h}, delta2),
        "dJ_dW": ({"delta2": delta2, "x": x}, R.dJ_dW(delta2, x)),
        "dJ_db1": ({"delta2": delta2}, R.dJ_db1(delta2)),
        "dJ_dx": ({"delta2": delta2, "W": W}, R.dJ_dx(delta2, W)),
        "backward": ({"cache": cache, "params": params}, R.backward(cache, params)),
    }


def numerical(params, x, y):
    """Centred-difference gradients of J: for U b2 W b1 x, and theta and z (as rows)."""
    _, cache = R.forward(x, y, params)
    variables = dict(params, x=x)
    grads = {name: numerical_gradient(lambda: R.forward(x, y, params)[0], value)
             for name, value in variables.items()}
    theta, z = cache["theta"].copy(), cache["z"].copy()
    grads["theta"] = numerical_gradient(lambda: R.cross_entropy(y, theta), theta).T
    grads["z"] = numerical_gradient(
        lambda: R.cross_entropy(y, params["U"] @ R.relu(z) + params["b2"]), z).T
    return grads


NUMERICAL_OF = {"dJ_dtheta": "theta", "dJ_dU": "U", "dJ_db2": "b2", "dJ_dz": "z",
                "dJ_dW": "W", "dJ_db1": "b1", "dJ_dx": "x"}


def visible():
    """The cases shipped to students: one small network with distinct Dx, Dh, Nc."""
    return cases_of(*network(**VISIBLE_SIZES, seed=1))


def hidden_problems():
    """Networks students never see: other sizes and seeds, a kink at z = 0, logits of ±1000."""
    return [
        network(7, 9, 6, seed=2024),
        network(3, 12, 2, seed=77),
        network(10, 4, 8, seed=5),
        network_with_kink(6, 8, 5, seed=31),
        network_with_large_logits(5, 7, 4, seed=13),
    ]


def _hidden(name):
    """[(args, expected, numerical or None)] of name over every hidden problem."""
    result = []
    for problem in hidden_problems():
        args, expected = cases_of(*problem)[name]
        grads = numerical(*problem) if name in NUMERICAL_OF or name == "backward" else None
        if grads is None:
            result.append((args, expected, None))
        elif name == "backward":
            result.append((args, expected, {k: grads[k] for k in expected}))
        else:
            result.append((args, expected, grads[NUMERICAL_OF[name]]))
    return result


HIDDEN = {name: partial(_hidden, name) for name in FUNCTIONS}
