"""Cases of the warm-up assignment: the building blocks the derivation cites.

Array functions (relu, relu_prime, softmax, cross_entropy, relative_error, dWx_dx,
elementwise_backprop, dJ_dlogits) have visible cases for cases.json and hidden cases in
HIDDEN. numerical_gradient takes a function, so its visible test is written in the notebook
and its hidden test is `check_numerical_gradient`, imported by the hidden part of its cell.
"""

from functools import partial

import numpy as np

from .. import reference as R
from ..coursetools.checks import check_numerical_gradient_on
from ..coursetools.i18n import N_
from ..coursetools.numgrad import numerical_gradient as reference_numerical_gradient
from .network import one_hot

FUNCTIONS = ("relu", "relu_prime", "softmax", "cross_entropy", "relative_error", "dWx_dx",
             "elementwise_backprop", "dJ_dlogits")


def _rng(seed):
    return np.random.default_rng(seed)


def _with_zero(z):
    """z with its first entry exactly 0 (the ReLU kink)."""
    z = z.copy()
    z.flat[0] = 0.0
    return z


def _logits_and_label(Nc, seed, large=False):
    """theta (Nc, 1), y one-hot (Nc, 1); with large=True, logits of about +1000 and -1000."""
    rng = _rng(seed)
    theta = rng.standard_normal((Nc, 1)) * 2
    if large:
        theta[0, 0], theta[-1, 0] = 1000.0, -1000.0
    y = one_hot(rng.integers(0, Nc, size=1), Nc)
    return theta, y


def relu_cases(z):
    return {"relu": ({"z": z}, R.relu(z)), "relu_prime": ({"z": z}, R.relu_prime(z))}


def softmax_case(theta):
    return {"theta": theta}, R.softmax(theta)


def cross_entropy_case(y, y_hat):
    return {"y": y, "y_hat": y_hat}, float(-(y * np.log(y_hat)).sum())


def relative_error_case(a, b):
    error = np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))
    return {"a": a, "b": b}, float(error.max())


def dWx_dx_case(W, x):
    return {"W": W, "x": x}, W.copy()


def elementwise_backprop_case(delta, fprime_z):
    return {"delta": delta, "fprime_z": fprime_z}, delta @ np.diagflat(fprime_z)


def dJ_dlogits_case(theta, y):
    return {"theta": theta, "y": y}, (R.softmax(theta) - y).T


def far_apart_columns():
    """Logits (3, 4) whose columns peak at +1000, -1000, 0 and 500: shifting them all by one
    constant, the largest of the array, underflows whole columns to 0."""
    return np.array([[1000.0, -1000.0, 0.0, 500.0],
                     [-1000.0, -1003.0, 2.0, 498.0],
                     [0.0, -1001.0, -1.0, -500.0]])


def dJ_dlogits_numerical(theta, y):
    """Centred differences of cross-entropy(y, softmax(theta)) with respect to theta, as a row."""
    theta = theta.copy()
    return reference_numerical_gradient(lambda: R.cross_entropy(y, theta), theta).T


def visible():
    """The cases shipped to students (cases.json)."""
    rng = _rng(1)
    z = _with_zero(rng.standard_normal((4, 3)))
    theta_batch = rng.standard_normal((3, 5)) * 2
    theta, y = _logits_and_label(4, seed=2)
    a = rng.standard_normal((3, 2))
    b = a + 1e-3 * rng.standard_normal((3, 2))
    a[0, 0] = b[0, 0] = 0.0                       # both zero: contributes 0
    b[2, 1] = -a[2, 1]                            # opposite signs: relative error 1
    W, x = rng.standard_normal((5, 4)), rng.standard_normal((4, 1))
    fprime_z = R.relu_prime(rng.standard_normal((5, 1)))
    fprime_z[:2] = [[0.0], [1.0]]                 # both kinds of entry, whatever the seed
    delta = rng.standard_normal((1, 5))
    cases = relu_cases(z)
    cases.update({
        "softmax": softmax_case(theta_batch),
        "cross_entropy": cross_entropy_case(y, R.softmax(theta)),
        "relative_error": relative_error_case(a, b),
        "dWx_dx": dWx_dx_case(W, x),
        "elementwise_backprop": elementwise_backprop_case(delta, fprime_z),
        "dJ_dlogits": dJ_dlogits_case(theta, y),
        "softmax_large_logits": softmax_case(far_apart_columns()),
        "dJ_dlogits_large_logits": dJ_dlogits_case(*_logits_and_label(5, seed=3, large=True)),
    })
    return cases


def _hidden(name):
    """[(args, expected, numerical or None)] of name: other sizes, seeds and edge cases."""
    rng = _rng(2024)
    cases = []
    if name in ("relu", "relu_prime"):
        for shape in ((7, 1), (3, 6), (1, 1)):
            cases.append(relu_cases(_with_zero(rng.standard_normal(shape)))[name])
        cases.append(relu_cases(np.array([[0.0], [-0.0], [1e-300], [-1e-300]]))[name])
    elif name == "softmax":
        for shape in ((6, 1), (2, 7), (5, 5), (1, 3)):
            cases.append(softmax_case(rng.standard_normal(shape) * 3))
        cases.append(softmax_case(np.array([[1000.0, -1000.0, 1000.0],
                                            [-1000.0, 1000.0, 1000.0],
                                            [0.0, 0.0, 1000.0]])))
        cases.append(softmax_case(_logits_and_label(5, seed=9, large=True)[0]))
        cases.append(softmax_case(-far_apart_columns()[::-1]))
    elif name == "cross_entropy":
        for Nc, seed in ((6, 3), (2, 4), (9, 5)):
            theta, y = _logits_and_label(Nc, seed)
            cases.append(cross_entropy_case(y, R.softmax(theta)))
    elif name == "relative_error":
        for shape in ((6, 1), (2, 5)):
            a = rng.standard_normal(shape)
            cases.append(relative_error_case(a, a * (1 + 1e-6 * rng.standard_normal(shape))))
        zeros = np.zeros((3, 2))
        cases.append(relative_error_case(zeros, zeros.copy()))
        a = rng.standard_normal((4, 3))
        b = a.copy()
        b[1, 2] += 0.5
        a[0, :] = b[0, :] = 0.0
        cases.append(relative_error_case(a, b))
        cases.append(relative_error_case(np.array([[1e-12]]), np.array([[-1e-12]])))
    elif name == "dWx_dx":
        for Dh, Dx in ((3, 7), (6, 2), (1, 4)):
            cases.append(dWx_dx_case(rng.standard_normal((Dh, Dx)), rng.standard_normal((Dx, 1))))
    elif name == "elementwise_backprop":
        for n in (8, 3, 1):
            delta = rng.standard_normal((1, n))
            cases.append(elementwise_backprop_case(delta, rng.uniform(0, 1, (n, 1))))
        fprime_z = R.relu_prime(_with_zero(rng.standard_normal((6, 1))))
        cases.append(elementwise_backprop_case(rng.standard_normal((1, 6)), fprime_z))
    elif name == "dJ_dlogits":
        for Nc, seed, large in ((6, 11, False), (2, 12, False), (9, 13, False), (5, 14, True),
                                (3, 15, True)):
            theta, y = _logits_and_label(Nc, seed, large)
            args, expected = dJ_dlogits_case(theta, y)
            cases.append((args, expected, dJ_dlogits_numerical(theta, y)))
        return cases
    return [(args, expected, None) for args, expected in cases]


HIDDEN = {name: partial(_hidden, name) for name in FUNCTIONS}


# numerical_gradient: its argument is a function, so check() (read-only copies) cannot call it.

def _numerical_gradient_problems():
    """(f, x, h or None, description): f reads x; h None means use the default."""
    rng = _rng(99)
    problems = []
    x = rng.uniform(-2, 2, (4, 3))
    problems.append((lambda x=x: float(np.sum(np.sin(x) * x**2)), x, None, "sum sin(x) x², (4, 3)"))
    x = rng.uniform(-2, 2, (5, 1))
    A = rng.standard_normal((5, 5))
    A = A + A.T
    problems.append((lambda x=x: float(0.5 * (x.T @ A @ x).item() + x.sum()), x, 1e-3,
                     N_("a quadratic form, (5, 1), h = 1e-3")))
    x = rng.uniform(-2, 2, (2, 3, 2))
    problems.append((lambda x=x: float(np.sum(x**3)), x, 1e-2, "sum x³, (2, 3, 2), h = 1e-2"))
    x = np.array([[0.3]])
    problems.append((lambda x=x: float(np.exp(x).sum()), x, None, "exp(x), (1, 1)"))
    x = rng.uniform(-1, 1, (7,))
    problems.append((lambda x=x: float(np.prod(1 + x**2)), x, None, "prod(1 + x²), 1-D (7,)"))
    return problems


def check_numerical_gradient(function):
    """Hidden test of a student's numerical_gradient(f, x, h=1e-5) on functions of any shape."""
    return check_numerical_gradient_on(function, _numerical_gradient_problems(),
                                       N_("hidden case"))
