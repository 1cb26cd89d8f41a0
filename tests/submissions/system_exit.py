"""sys.exit inside a function: only the cells that call it lose their points."""

OVERRIDES = {"dJ_db1": "import sys\n\n\ndef dJ_db1(delta2):\n    sys.exit(3)\n"}
EXPECTED = {"zero": ["test_dJ_db1", "test_backward"], "status": "graded", "flags": []}
