"""Random instances of the course's network, including the edge cases grading needs."""

import numpy as np

from .. import reference as R


def one_hot(labels, Nc):
    """(Nc, N) one-hot columns for integer labels (N,)."""
    return np.eye(Nc)[:, labels]


def network(Dx, Dh, Nc, seed, N=None):
    """params, x (Dx, 1) or X (Dx, N), y one-hot, with random biases and mixed ReLU activity.

    Tries seeds from `seed` on until some hidden unit is off and some on for the first example,
    so that a missing ReLU mask shows.
    """
    for attempt in range(seed, seed + 1000):
        rng = np.random.default_rng(attempt)
        params = R.init_params(Dx, Dh, Nc, rng)
        params["b1"] = rng.standard_normal((Dh, 1))
        params["b2"] = rng.standard_normal((Nc, 1))
        x = rng.standard_normal((Dx, N or 1))
        y = one_hot(rng.integers(0, Nc, size=N or 1), Nc)
        z = params["W"] @ x[:, :1] + params["b1"]
        if (z > 0).any() and (z < 0).any():
            return params, x, y
    raise RuntimeError("no mixed ReLU activity found")


def network_with_kink(Dx, Dh, Nc, seed, N=None):
    """Like network, but with one entry of z exactly 0 (exact dyadic arithmetic)."""
    params, x, y = network(Dx, Dh, Nc, seed, N)
    params["W"] = np.round(params["W"] * 8) / 8
    x[:] = np.round(x * 4)
    params["b1"] = np.round(params["b1"] * 8) / 8
    params["b1"][0, 0] = -(params["W"][0] @ x[:, 0])
    assert (params["W"] @ x + params["b1"])[0, 0] == 0.0
    return params, x, y


def network_with_large_logits(Dx, Dh, Nc, seed, N=None):
    """Like network, but with logits of about +1000 and -1000."""
    params, x, y = network(Dx, Dh, Nc, seed, N)
    params["b2"][0, 0], params["b2"][-1, 0] = 1000.0, -1000.0
    return params, x, y


def network_with_far_apart_columns(Dx, Dh, Nc, seed, N):
    """Like network, but the examples' largest logits lie hundreds to a thousand apart: one
    shift for the whole batch underflows some columns to 0."""
    params, X, Y = network(Dx, Dh, Nc, seed, N)
    params["U"] = 300.0 * params["U"]
    X[:] = X * np.linspace(0.5, 8.0, N)
    return params, X, Y
