"""Printing megabytes: the output is cut, the grading goes on, the answers still count."""

OVERRIDES = {"dJ_db2": ("def dJ_db2(delta1):\n    for i in range(50_000):\n"
                        "        print('all work and no play', i)\n"
                        "    print('x' * 5_000_000)\n    return delta1.T.copy()\n")}
EXPECTED = {"zero": [], "status": "graded", "flags": []}
