"""The analytic reference: forward pass and every gradient of the course's network.

Instructor side only: this module holds the answers and is never shipped to students.

One example (column vectors, as in the course):

    z = W x + b1        (Dh, 1)
    h = ReLU(z)         (Dh, 1)
    theta = U h + b2    (Nc, 1)
    y_hat = softmax(theta)
    J = -sum(y * log(y_hat))

delta1 = dJ/dtheta and delta2 = dJ/dz are row vectors (Jacobian layout); every gradient
with respect to a variable has that variable's shape.

A minibatch stores N examples as columns (X is (Dx, N)) and the loss is the mean over them.
"""

import numpy as np

from .coursetools.spec import dims_of

PARAMS = ("W", "b1", "U", "b2")


def validate(inputs, columns=None):
    """Raise ValueError naming the first input that is not a finite 2-D float array of a
    size consistent with the others; columns, if given, is the required number of columns
    of the data arrays (1 for one example)."""
    for name, value in inputs.items():
        if isinstance(value, dict):
            missing = [k for k in PARAMS if k not in value]
            if missing:
                raise ValueError(f"params is missing {', '.join(missing)}")
            validate(value)
            continue
        if not isinstance(value, np.ndarray):
            raise TypeError(f"{name} must be a numpy array, got {type(value).__name__}")
        if value.ndim != 2:
            raise ValueError(f"{name} must be 2-D (a column is (n, 1)), got shape {value.shape}")
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{name} contains NaN or inf")
        if columns is not None and name in ("x", "y") and value.shape[1] != columns:
            raise ValueError(f"{name} must have {columns} column(s), got shape {value.shape}")
    dims_of(inputs)


def relu(z):
    """max(z, 0), elementwise."""
    return np.maximum(z, 0.0)


def relu_prime(z):
    """1 where z > 0, else 0 (so ReLU'(0) = 0)."""
    return (z > 0).astype(float)


def log_softmax(theta):
    """log(softmax(theta)) column by column, stable for any finite logits."""
    shifted = theta - theta.max(axis=0, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))


def softmax(theta):
    """Softmax of each column of theta, stable for logits of any size."""
    return np.exp(log_softmax(theta))


def cross_entropy(y, theta):
    """-sum(y * log(softmax(theta))) over each column, summed over the columns."""
    return float(-(y * log_softmax(theta)).sum())


def forward(x, y, params):
    """J and the cache (x z h theta y_hat y) for one example x (Dx, 1), y one-hot (Nc, 1)."""
    validate({"x": x, "y": y, "params": params}, columns=1)
    z = params["W"] @ x + params["b1"]
    h = relu(z)
    theta = params["U"] @ h + params["b2"]
    cache = {"x": x, "z": z, "h": h, "theta": theta, "y_hat": softmax(theta), "y": y}
    return cross_entropy(y, theta), cache


def dJ_dtheta(y_hat, y):
    """delta1 = (y_hat - y)^T, (1, Nc)."""
    return (y_hat - y).T


def dJ_dU(delta1, h):
    """delta1^T h^T, (Nc, Dh)."""
    return delta1.T @ h.T


def dJ_db2(delta1):
    """delta1^T, (Nc, 1)."""
    return delta1.T.copy()


def dJ_dz(delta1, U, h):
    """delta2 = delta1 U (.) sgn(h)^T, (1, Dh)."""
    return (delta1 @ U) * (h > 0).T


def dJ_dW(delta2, x):
    """delta2^T x^T, (Dh, Dx)."""
    return delta2.T @ x.T


def dJ_db1(delta2):
    """delta2^T, (Dh, 1)."""
    return delta2.T.copy()


def dJ_dx(delta2, W):
    """(delta2 W)^T, (Dx, 1)."""
    return (delta2 @ W).T


def backward(cache, params):
    """Gradients of J for one example: dict U b2 W b1 x, each in its variable's shape."""
    delta1 = dJ_dtheta(cache["y_hat"], cache["y"])
    delta2 = dJ_dz(delta1, params["U"], cache["h"])
    return {
        "U": dJ_dU(delta1, cache["h"]),
        "b2": dJ_db2(delta1),
        "W": dJ_dW(delta2, cache["x"]),
        "b1": dJ_db1(delta2),
        "x": dJ_dx(delta2, params["W"]),
    }


def forward_batch(X, Y, params):
    """Mean loss and cache (X Z H theta Y_hat Y) for N examples stored as columns."""
    validate({"X": X, "Y": Y, "params": params})
    Z = params["W"] @ X + params["b1"]
    H = relu(Z)
    theta = params["U"] @ H + params["b2"]
    cache = {"X": X, "Z": Z, "H": H, "theta": theta, "Y_hat": softmax(theta), "Y": Y}
    return cross_entropy(Y, theta) / X.shape[1], cache


def backward_batch(cache, params):
    """Gradients of the mean loss: dict U b2 W b1 (parameter shapes) and X (Dx, N).

    Row k of Delta1 and Delta2 is example k's delta1 and delta2, divided by N.
    """
    N = cache["X"].shape[1]
    Delta1 = (cache["Y_hat"] - cache["Y"]).T / N              # (N, Nc)
    Delta2 = (Delta1 @ params["U"]) * (cache["H"] > 0).T       # (N, Dh)
    return {
        "U": Delta1.T @ cache["H"].T,
        "b2": Delta1.sum(axis=0, keepdims=True).T,
        "W": Delta2.T @ cache["X"].T,
        "b1": Delta2.sum(axis=0, keepdims=True).T,
        "X": (Delta2 @ params["W"]).T,
    }


def init_params(Dx, Dh, Nc, rng, scale=None):
    """Random parameters: W (Dh, Dx) and U (Nc, Dh) with He scaling, biases zero."""
    return {
        "W": rng.standard_normal((Dh, Dx)) * (scale or np.sqrt(2.0 / Dx)),
        "b1": np.zeros((Dh, 1)),
        "U": rng.standard_normal((Nc, Dh)) * (scale or np.sqrt(2.0 / Dh)),
        "b2": np.zeros((Nc, 1)),
    }
