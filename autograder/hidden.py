"""The hidden tests: a student's function against the reference and numerical gradients.

Called from the hidden part of each test cell of the solution notebooks, which is removed
from what students receive.
"""

import numpy as np

from .cases import hidden_cases
from .coursetools.checks import CheckFailure, check
from .coursetools.i18n import _

# Tighter than the visible tests: an answer computed by finite differences fails here.
RTOL, ATOL = 1e-8, 1e-12
NUMERICAL_TOLERANCE = 1e-5


def check_hidden(function, name, steps=None):
    """Run function on every hidden case of name; raise CheckFailure on the first failure.

    steps: {name: function} of the step functions name is built from, whose hidden cases
    are the same examples; when name's answer is wrong, the message says which are wrong.
    """
    __tracebackhide__ = True
    cases = hidden_cases(name)
    step_cases = {step: hidden_cases(step) for step in steps or {}}
    for number, (args, expected, numerical) in enumerate(cases, start=1):
        on_this_example = {step: (steps[step], *step_cases[step][number - 1][:2])
                           for step in step_cases}
        try:
            check(function, args, expected, name=name, rtol=RTOL, atol=ATOL,
                  steps=on_this_example)
        except CheckFailure as failure:
            raise CheckFailure(_("hidden case {number} of {count}: {failure}").format(
                number=number, count=len(cases), failure=failure)) from None
        if numerical is not None:
            _agrees_with_numerical(function, name, args, expected, numerical, number)
    return _("✓ {name}: all {count} hidden cases correct.").format(name=name, count=len(cases))


def _agrees_with_numerical(function, name, args, expected, numerical, number):
    """Compare with centred differences where they are trustworthy (away from ReLU kinks)."""
    answer = function(*args.values())
    if isinstance(expected, dict):
        pairs = [(f"{name}[{k!r}]", answer[k], expected[k], numerical[k]) for k in numerical]
    else:
        pairs = [(name, answer, expected, numerical)]
    for label, a, e, n in pairs:
        error = np.abs(e - n) / np.maximum(1e-8, np.abs(e) + np.abs(n))
        smooth = error < NUMERICAL_TOLERANCE
        bad = np.abs(a - n) / np.maximum(1e-8, np.abs(a) + np.abs(n)) >= NUMERICAL_TOLERANCE
        if np.any(bad & smooth):
            raise CheckFailure(_("hidden case {number}: {label} disagrees with the numerical "
                                 "gradient.").format(number=number, label=label))
