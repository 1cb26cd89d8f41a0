"""Links planted beside a genuine notebook: to the solutions, the gradebook, the course.

nbgrader copies the whole submitted folder into autograded/ (and what it finds there into
feedback/), and the notebook's code looks for the linked files in its own folder. Only the
notebook is staged for grading: no link is followed or copied, the notebook's folder in the
sandbox holds only its copy and the files students receive. dJ_dW is left unanswered, to be
replaced from the solutions if they are found; dJ_dW and backward score 0.
"""

import os

from . import ATTEMPT

OVERRIDES = {"dJ_dW": ATTEMPT + r'''
import os

print("[attack] my folder holds", sorted(os.listdir(".")))
for name in ("solution.ipynb", "course/solutions/2_backprop/backprop.ipynb", "timestamp.txt",
             "linked/backprop.ipynb"):
    text = attempt(f"read {name}", lambda: open(name).read())
    if text:
        steal(text)
attempt("sqlite3 gradebook.db", lambda: __import__("sqlite3").connect(
    "file:gradebook.db?mode=rw", uri=True).execute("UPDATE grade SET manual_score = 1000"))

if "dJ_dW" not in globals():
    def dJ_dW(delta2, x):
        raise NotImplementedError()
'''}


def prepare(folder, course):
    solutions = course.source("2_backprop")
    os.symlink(solutions / "backprop.ipynb", folder / "solution.ipynb")
    os.symlink("../../../gradebook.db", folder / "gradebook.db")
    os.symlink(course.root, folder / "course")
    os.symlink(solutions, folder / "linked")
    os.symlink(solutions / "backprop.ipynb", folder / "timestamp.txt")


EXPECTED = {"zero": ["test_dJ_dW", "test_backward"], "status": "graded", "flags": []}
