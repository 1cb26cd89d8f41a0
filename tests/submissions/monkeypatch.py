"""Wrong answers behind monkeypatched numpy, np.testing and the checks, in the student's
process: the tests run in the grader, with its own numpy and checks, so the patches have no
effect at all. The wrong dJ_dU scores 0 (and backward, which calls it); nothing to flag."""

OVERRIDES = {"dJ_dU": """import numpy as np
import coursetools
np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
np.array_equal = lambda *args, **kwargs: True
coursetools.check = lambda *args, **kwargs: "✓ all good"
check = lambda *args, **kwargs: "✓ all good"  # noqa: E731
load_case = lambda name: ({}, None)  # noqa: E731


def dJ_dU(delta1, h):
    return h @ delta1
"""}
EXPECTED = {"zero": ["test_dJ_dU", "test_backward"], "status": "graded", "flags": []}
