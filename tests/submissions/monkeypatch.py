"""Wrong answers hidden behind monkeypatched numpy, np.testing, the checks and test names."""

OVERRIDES = {"dJ_dU": """import numpy as np
import coursetools
np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
coursetools.check = lambda *args, **kwargs: "✓ all good"
check = lambda *args, **kwargs: "✓ all good"  # noqa: E731


def dJ_dU(delta1, h):
    return h @ delta1
"""}
EXPECTED = {"zero": ["test_dJ_dU", "test_backward"], "status": "graded",
            "flags": ["test_dJ_dU passed in the notebook but failed when re-run outside it",
                      "test_backward passed in the notebook but failed when re-run outside it"]}
