"""os._exit kills the student's process when the test of dJ_db1 calls it: only the tests that
call it (test_dJ_db1, and test_backward) lose their points; the process is started again, with
the cells before replayed, for the rest."""

OVERRIDES = {"dJ_db1": "import os\n\n\ndef dJ_db1(delta2):\n    os._exit(1)\n"}
EXPECTED = {"zero": ["test_dJ_db1", "test_backward"], "status": "kernel died", "flags": [],
            "detail": "died in test_dJ_db1, test_backward"}
