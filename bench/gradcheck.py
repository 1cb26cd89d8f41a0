"""Figure 5: how accurate the course's numerical gradient is, as the step h shrinks.

For one network of autograder.cases.network, the largest relative error (the course's
coursetools.numgrad.relative_error) between the centred difference numerical_gradient(h) and
the analytic reference gradient, per variable, for h = 1e-2 ... 1e-10. The error falls like h^2
(truncation) until the round-off of the difference, about eps |J| / h, takes over: the bottom
of that V is the best h. This is arithmetic, not timing: one run is exact and repeatable.
"""

import numpy as np

from autograder import reference as R
from autograder.cases.network import network
from autograder.coursetools.numgrad import numerical_gradient, relative_error

from .report import figure

STEPS = tuple(10.0 ** -k for k in range(2, 11))
NETWORK = {"Dx": 10, "Dh": 16, "Nc": 6, "seed": 0}
VARIABLES = ("W", "b1", "U", "b2", "x")


def errors_by_step(params, x, y, steps=STEPS):
    """{h: {variable: max relative error of numerical_gradient(h) against the reference}}."""
    _, cache = R.forward(x, y, params)
    analytic = R.backward(cache, params)
    arrays = dict(params, x=x)

    def loss():
        return R.forward(x, y, params)[0]

    return {h: {name: relative_error(analytic[name], numerical_gradient(loss, arrays[name], h))
                for name in VARIABLES}
            for h in steps}


def best_steps(errors):
    """{variable: (h with the smallest error, that error)}."""
    return {name: min(((h, e[name]) for h, e in errors.items()), key=lambda he: he[1])
            for name in VARIABLES}


def measure():
    params, x, y = network(**NETWORK)
    errors = errors_by_step(params, x, y)
    best = best_steps(errors)
    rows = [{"h": f"{h:.0e}", **{name: errors[h][name] for name in VARIABLES}} for h in STEPS]
    J = R.forward(x, y, params)[0]
    summary = {f"best h for {name}": f"{h:.0e} (error {e:.1e})" for name, (h, e) in best.items()}
    summary["J at the point"] = J
    summary["round-off scale eps |J| at h = 1e-10"] = float(np.finfo(float).eps * abs(J) / 1e-10)
    dims = ", ".join(f"{k}={v}" for k, v in NETWORK.items())
    return figure("5. Gradient check: max relative error of numgrad against analytic",
                  ["h"] + list(VARIABLES), rows, summary,
                  [f"network({dims}) of autograder.cases.network, one example; error = "
                   "coursetools.numgrad.relative_error (|a-b| / max(1e-8, |a|+|b|), max over "
                   "entries)",
                   "truncation error ~ h^2 dominates at large h, round-off ~ eps|J|/h at small "
                   "h; a large h can also straddle a ReLU kink"])
