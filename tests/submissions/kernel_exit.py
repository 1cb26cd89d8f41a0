"""os._exit kills the kernel when the test of dJ_db1 calls it."""

OVERRIDES = {"dJ_db1": "import os\n\n\ndef dJ_db1(delta2):\n    os._exit(1)\n"}
EXPECTED = {"zero": "all", "status": "kernel died", "flags": []}
