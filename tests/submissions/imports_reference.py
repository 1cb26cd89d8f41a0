"""Importing the instructor's reference implementation while being graded: the autograder
package is not in the sandbox (only the files students receive are), so the import fails in
the student's function, which scores 0 (and backward, which calls it). No flag is needed."""

OVERRIDES = {"dJ_dz": ("def dJ_dz(delta1, U, h):\n"
                       "    from autograder.reference import dJ_dz as answer\n"
                       "    return answer(delta1, U, h)\n")}
EXPECTED = {"zero": ["test_dJ_dz", "test_backward"], "status": "graded", "flags": []}
