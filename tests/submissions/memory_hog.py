"""Exhausting memory: a MemoryError in the cell that asks, the rest graded."""

OVERRIDES = {"dJ_dx": ("import numpy as np\n\n\ndef dJ_dx(delta2, W):\n"
                       "    hoard = [np.empty(10**8) for _ in range(1000)]\n"
                       "    return (delta2 @ W).T + 0 * len(hoard)\n")}
EXPECTED = {"zero": ["test_dJ_dx", "test_backward"], "status": "graded", "flags": []}
