"""os._exit kills the kernel when the test of dJ_db1 calls it: the rest is still graded, by
re-running each test outside the notebook."""

OVERRIDES = {"dJ_db1": "import os\n\n\ndef dJ_db1(delta2):\n    os._exit(1)\n"}
EXPECTED = {"zero": ["test_dJ_db1", "test_backward"], "status": "kernel died", "flags": []}
