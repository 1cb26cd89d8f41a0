"""Importing the instructor's reference implementation while being graded."""

OVERRIDES = {"dJ_dz": ("def dJ_dz(delta1, U, h):\n"
                       "    from autograder.reference import dJ_dz as answer\n"
                       "    return answer(delta1, U, h)\n")}
EXPECTED = {"zero": ["test_dJ_dz", "test_backward"], "status": "graded",
            "flags": ["importing autograder.reference is not allowed while grading"]}
