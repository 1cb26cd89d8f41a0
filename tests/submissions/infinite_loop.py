"""An infinite loop in one function: every call of it is stopped at the time limit, so the
tests that call it (test_dJ_db2, and test_backward) score 0, and so are the notebook's own
cells that call it (the gradient check at the end); the rest is graded."""

OVERRIDES = {"dJ_db2": "def dJ_db2(delta1):\n    while True:\n        pass\n"}
EXPECTED = {"zero": ["test_dJ_db2", "test_backward"], "status": "timed out", "flags": [],
            "detail": "cells stopped at the time limit"}
