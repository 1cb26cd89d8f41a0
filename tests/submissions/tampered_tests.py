"""Locked test cells deleted, edited, reordered and re-labelled, over wrong answers."""

OVERRIDES = {"dJ_dU": "def dJ_dU(delta1, h):\n    return h @ delta1\n",
             "dJ_dz": "def dJ_dz(delta1, U, h):\n    return delta1 @ U\n",
             "dJ_dW": "def dJ_dW(delta2, x):\n    return x @ delta2\n"}


def transform(notebook):
    cells = notebook.cells
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in cells]
    cells[ids.index("test_dJ_dz")].source = 'print("✓ dJ_dz: correct")'
    cells[ids.index("test_dJ_dW")].metadata["nbgrader"]["grade"] = False
    db1, dx = ids.index("test_dJ_db1"), ids.index("test_dJ_dx")
    cells[db1], cells[dx] = cells[dx], cells[db1]
    del cells[ids.index("test_dJ_dU")]


# test_dJ_dx, moved above the definition of dJ_dx, fails too: reordering only hurts.
EXPECTED = {"zero": ["test_dJ_dU", "test_dJ_dz", "test_dJ_dW", "test_dJ_dx", "test_backward"],
            "status": "graded",
            "flags": ["locked cell test_dJ_dU deleted or its id changed",
                      "locked cell test_dJ_dz edited",
                      "locked cell test_dJ_dW: nbgrader metadata changed",
                      "locked cells reordered"]}
