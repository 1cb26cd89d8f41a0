"""The submitted notebook is a symbolic link to the instructor's solution notebook.

nbgrader would grade (and copy into autograded/ and feedback/) whatever the link points at: the
solutions, with full marks. The grader reads the submission without following links, so it is a
broken submission with no points, and nothing of the solutions is copied anywhere.
"""

import os

OVERRIDES = {}


def prepare(folder, course):
    notebook = folder / "backprop.ipynb"
    notebook.unlink()
    os.symlink(course.source("2_backprop") / "backprop.ipynb", notebook)


EXPECTED = {"zero": "all", "status": "broken submission", "flags": [],
            "detail": "is a symbolic link, not a notebook"}
