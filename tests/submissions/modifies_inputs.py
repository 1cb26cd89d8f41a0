"""Modifying an input in place: that cell scores 0 and the message says so."""

OVERRIDES = {"dJ_db2": "def dJ_db2(delta1):\n    delta1 *= 1.0\n    return delta1.T\n"}
# backward passes: what dJ_db2 overwrites there is backward's own intermediate, not an input.
EXPECTED = {"zero": ["test_dJ_db2"], "status": "graded", "flags": [],
            "message": ("test_dJ_db2", "dJ_db2 modified one of its inputs in place")}
