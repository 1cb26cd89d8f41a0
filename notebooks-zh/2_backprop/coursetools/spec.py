"""The course's symbols: what each graded function returns and the shape of every variable.

Shapes are written in the course's symbols (Dx, Dh, Nc, N), so that a message can say
"expected (Nc, Dh) = (5, 11)" rather than only "(5, 11)".
"""

import numpy as np

from .i18n import _

# The shape of every named input or output, in symbols. "1" is a literal dimension.
VARIABLE_SHAPES = {
    "x": ("Dx", "1"), "z": ("Dh", "1"), "h": ("Dh", "1"), "theta": ("Nc", "1"),
    "y_hat": ("Nc", "1"), "y": ("Nc", "1"),
    "W": ("Dh", "Dx"), "b1": ("Dh", "1"), "U": ("Nc", "Dh"), "b2": ("Nc", "1"),
    "delta1": ("1", "Nc"), "delta2": ("1", "Dh"),
    "delta": ("1", "n"), "fprime_z": ("n", "1"),  # the warm-up's δ and f′(z), of any length n
    "X": ("Dx", "N"), "Z": ("Dh", "N"), "H": ("Dh", "N"), "Y_hat": ("Nc", "N"), "Y": ("Nc", "N"),
}

# Graded outputs: the symbol students know them by and their shape in symbols.
OUTPUTS = {
    "dJ_dtheta": ("δ1 = ∂J/∂Θ", ("1", "Nc")),
    "dJ_dU": ("∂J/∂U", ("Nc", "Dh")),
    "dJ_db2": ("∂J/∂b2", ("Nc", "1")),
    "dJ_dz": ("δ2 = ∂J/∂z", ("1", "Dh")),
    "dJ_dW": ("∂J/∂W", ("Dh", "Dx")),
    "dJ_db1": ("∂J/∂b1", ("Dh", "1")),
    "dJ_dx": ("∂J/∂x", ("Dx", "1")),
    "dJ_dlogits": ("∂J/∂Θ", ("1", "Nc")),
    "dWx_dx": ("∂(Wx)/∂x", ("Dh", "Dx")),
    "elementwise_backprop": ("δ diag(f′(z))", ("1", "n")),
    "backward.U": ("∂J/∂U", ("Nc", "Dh")),
    "backward.b2": ("∂J/∂b2", ("Nc", "1")),
    "backward.W": ("∂J/∂W", ("Dh", "Dx")),
    "backward.b1": ("∂J/∂b1", ("Dh", "1")),
    "backward.x": ("∂J/∂x", ("Dx", "1")),
    "backward_batch.U": ("∂J/∂U", ("Nc", "Dh")),
    "backward_batch.b2": ("∂J/∂b2", ("Nc", "1")),
    "backward_batch.W": ("∂J/∂W", ("Dh", "Dx")),
    "backward_batch.b1": ("∂J/∂b1", ("Dh", "1")),
    "backward_batch.X": ("∂J/∂X", ("Dx", "N")),
    "forward_batch.theta": ("Θ", ("Nc", "N")),  # theta is (Nc, 1) for one example
}


# The quantities each graded function has (its inputs, its result, what it computes on the
# way, its sizes): the only symbols a message about that function may name.
QUANTITIES = {
    "relu": "z h",
    "relu_prime": "z h sgn(h)",
    "softmax": "Θ ŷ Nc N",
    "cross_entropy": "y ŷ J Nc",
    "relative_error": "a b",
    "numerical_gradient": "f x h",
    "dWx_dx": "W x Dh Dx",
    "elementwise_backprop": "δ f′(z) z n",
    "dJ_dlogits": "Θ y ŷ J Nc",
    "forward": "x y W b1 U b2 z h Θ ŷ J Dx Dh Nc",
    "dJ_dtheta": "ŷ y δ1 Θ J Nc",
    "dJ_dU": "δ1 h U Nc Dh",
    "dJ_db2": "δ1 b2 Nc",
    "dJ_dz": "δ1 U h z sgn(h) δ2 Dh Nc",
    "dJ_dW": "δ2 x W Dh Dx",
    "dJ_db1": "δ2 b1 Dh",
    "dJ_dx": "δ2 W x Dh Dx",
    "backward": "x z h Θ ŷ y W b1 U b2 δ1 δ2 sgn(h) J Dx Dh Nc",
    # a batch also has every example's own x y z h ŷ δ1 δ2: its columns (or rows)
    "forward_batch": "X Y W b1 U b2 Z H Θ Ŷ J N Dx Dh Nc x y z h ŷ",
    "backward_batch": "X Z H Θ Ŷ Y W b1 U b2 Δ1 Δ2 sgn(H) J N Dx Dh Nc x y z h ŷ δ1 δ2 sgn(h)",
    "sgd_step": "W b1 U b2 params grads learning_rate",
}

# Functions whose dict result must have exactly the expected keys (it is used as params).
EXACT_KEYS = ("sgd_step",)


def dims_of(arrays):
    """The sizes {Dx, Dh, Nc, N} read off named arrays (a dict name -> array).

    Nested dicts (params, cache) are searched too. Raises ValueError when two arrays
    disagree on a size, naming both.
    """
    dims, seen = {}, {}
    for name, value in _named_arrays(arrays):
        symbols = VARIABLE_SHAPES.get(name)
        if symbols is None or np.ndim(value) != 2:
            continue
        for symbol, size in zip(symbols, np.shape(value), strict=True):
            if symbol == "1":
                continue
            if symbol in dims and dims[symbol] != size:
                raise ValueError(_("{name} has {symbol} = {size} but {other} has {symbol} = "
                                   "{other_size}").format(name=name, symbol=symbol, size=size,
                                                          other=seen[symbol],
                                                          other_size=dims[symbol]))
            dims[symbol], seen[symbol] = size, name
    return dims


def shape_in_symbols(symbols, dims):
    """'(Nc, Dh) = (5, 11)' for symbols ('Nc', 'Dh') and dims {'Nc': 5, 'Dh': 11}."""
    names = ", ".join(symbols)
    sizes = ", ".join(str(dims.get(s, s)) for s in symbols)
    return f"({names}) = ({sizes})" if names != sizes else f"({sizes})"


def expected_shape(symbols, dims):
    """The concrete shape for symbols, or None when a size is unknown."""
    try:
        return tuple(1 if s == "1" else dims[s] for s in symbols)
    except KeyError:
        return None


def _named_arrays(arrays):
    for name, value in arrays.items():
        if isinstance(value, dict):
            yield from _named_arrays(value)
        else:
            yield name, value
