"""Cases of the core assignment: the forward pass and every gradient of one example."""

from functools import partial

from .. import reference as R
from ..coursetools.checks import CheckFailure
from ..coursetools.i18n import N_, _
from ..coursetools.numgrad import numerical_gradient
from ..coursetools.spec import OUTPUTS, VARIABLE_SHAPES, expected_shape, shape_in_symbols
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
    """The cases shipped to students: one small network with distinct Dx, Dh, Nc.

    Seed 4 makes the upstream row δ1 U take both signs on both the active and the inactive
    hidden units, so that a mask taken from the wrong quantity cannot pass by chance.
    """
    cases = cases_of(*network(**VISIBLE_SIZES, seed=4))
    cases["forward_large_logits"] = cases_of(
        *network_with_large_logits(**VISIBLE_SIZES, seed=3))["forward"]
    cases["shapes"] = (dict(VISIBLE_SIZES), true_shapes(**VISIBLE_SIZES))
    return cases


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


# The shape exercise: shapes(Dx, Dh, Nc) returns {quantity: shape tuple}.
SHAPE_QUANTITIES = ("x", "z", "h", "theta", "y_hat", "delta1", "delta2",
                    "dJ_dU", "dJ_db2", "dJ_dz", "dJ_dW", "dJ_db1", "dJ_dx")
HIDDEN_SHAPE_SIZES = ({"Dx": 7, "Dh": 9, "Nc": 6}, {"Dx": 2, "Dh": 11, "Nc": 5},
                      {"Dx": 13, "Dh": 3, "Nc": 8})
SHAPE_HINTS = {
    "x": N_("x is the input: a column, one entry per input feature."),
    "z": N_("z has one entry per hidden unit, stored as a column."),
    "h": N_("h = ReLU(z) has z's shape (the original's Dx here is a typo)."),
    "theta": N_("Θ has one entry per class, stored as a column."),
    "y_hat": N_("ŷ = softmax(Θ) has Θ's shape."),
    "delta1": N_("δ1 = ∂J/∂Θ is a row vector (Jacobian layout: one row for the scalar J)."),
    "delta2": N_("δ2 = ∂J/∂z is a row vector, one entry per hidden unit."),
    "dJ_dU": N_("a gradient has the shape of its variable: ∂J/∂U is shaped like U."),
    "dJ_db2": N_("a gradient has the shape of its variable: b2 is a column."),
    "dJ_dz": N_("∂J/∂z is δ2, a row vector."),
    "dJ_dW": N_("a gradient has the shape of its variable: ∂J/∂W is shaped like W."),
    "dJ_db1": N_("a gradient has the shape of its variable: b1 is a column."),
    "dJ_dx": N_("a gradient has the shape of its variable: x is a column."),
}


def _shape_symbols(name):
    return OUTPUTS[name][1] if name in OUTPUTS else VARIABLE_SHAPES[name]


def true_shapes(Dx, Dh, Nc):
    """{quantity: shape tuple} of every quantity of the shape exercise, from the spec."""
    dims = {"Dx": Dx, "Dh": Dh, "Nc": Nc}
    return {name: expected_shape(_shape_symbols(name), dims) for name in SHAPE_QUANTITIES}


def check_shapes(shapes, sizes=HIDDEN_SHAPE_SIZES):
    """Check a student's shapes(Dx, Dh, Nc) at every size; raise CheckFailure naming the
    first wrong quantity with a hint; return a one-line success message."""
    for dims in sizes:
        call = f"shapes({', '.join(f'{k}={v}' for k, v in dims.items())})"
        answer = shapes(**dims)
        if not isinstance(answer, dict):
            raise CheckFailure(_("{call} must return a dict, got {type}.").format(
                call=call, type=type(answer).__name__))
        for name, want in true_shapes(**dims).items():
            if name not in answer:
                raise CheckFailure(_("{call} has no entry {name}.").format(call=call,
                                                                           name=repr(name)))
            got = answer[name]
            if not isinstance(got, (tuple, list)) or tuple(got) != want:
                raise CheckFailure(_("{call}[{name}] is {got} but should be {want}: {hint}"
                                     ).format(call=call, name=repr(name), got=repr(got),
                                              want=shape_in_symbols(_shape_symbols(name), dims),
                                              hint=_(SHAPE_HINTS[name])))
    return _("✓ shapes: all {count} shapes correct at {sizes} hidden sizes.").format(
        count=len(SHAPE_QUANTITIES), sizes=len(sizes))
