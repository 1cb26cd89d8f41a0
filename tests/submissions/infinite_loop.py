"""An infinite loop in one function: that cell (and backward, which calls it) times out."""

OVERRIDES = {"dJ_db2": "def dJ_db2(delta1):\n    while True:\n        pass\n"}
EXPECTED = {"zero": ["test_dJ_db2", "test_backward"], "status": "timed out", "flags": []}
