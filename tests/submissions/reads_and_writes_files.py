"""Reading the solutions and another student's work, writing the gradebook, by the relative
paths that lead there from the submitted notebook's folder: in the sandbox those paths lead
nowhere, so nothing is read or written and nothing needs flagging. Every answer is correct:
full points."""

from . import FORWARD

OVERRIDES = {"forward": """import sqlite3

for stolen in ("../../../solutions/2_backprop/backprop.ipynb",
               "../../aaa-honest/2_backprop/backprop.ipynb"):
    try:
        print(open(stolen).read())
    except Exception as error:
        print(type(error).__name__)
try:
    db = sqlite3.connect("../../../gradebook.db")
    db.execute("UPDATE grade SET manual_score = 1000")
    db.commit()
except Exception as error:
    print(type(error).__name__)

""" + FORWARD}
EXPECTED = {"zero": [], "status": "graded", "flags": []}
