"""Submissions that try to crash, game or read the grading, one module per kind of attack.

Each module has
- OVERRIDES: solution cell grade_id -> the student's cell source, on top of a perfect
  submission;
- optionally transform(notebook), for edits of the notebook itself (locked cells, new cells);
- optionally prepare(folder, course), to plant files beside the submitted notebook;
- EXPECTED: {"zero": the test cells that score 0 (or "all"), "status": the grading status,
  "flags": fragments of the flags, and optionally "detail": a fragment of the status's detail,
  "shows": texts the autograded notebook must contain, "message": (test cell, text of its
  feedback)}.

Each attack is written the way a student who wants to get through would write it, and it
answers the exercises it does not attack correctly, so its points are exact: what its honest
work earns, nothing more. Where an attack would pay (the solutions read, the gradebook written),
the answer it would replace is wrong or missing, so any success shows in the points.

The sources may use what an attacker could know or guess about the grading machine; `fill`
puts it in:
- @COURSE@: an expression for the course directory's path (built from character codes, so the
  path itself never appears in the notebook: the tests look for it in what students see);
- @MARK@: the name every file or process an attack leaves behind contains;
- @TCP_PORT@, @UDP_PORT@, @ABSTRACT@: a TCP port, a UDP port and an abstract unix socket on
  the grading machine that no submission may reach.

Attacks print what each attempt did ("[attack] <what>: blocked (...)" or ": no error"), which
the autograded notebooks keep for whoever wants to see which layer stopped what.
"""

ATTEMPT = '''
def attempt(what, action):
    """Run one attempt; print what happened; return its result (None if refused)."""
    try:
        result = action()
    except BaseException as error:  # noqa: BLE001
        print(f"[attack] {what}: blocked ({type(error).__name__}: {str(error)[:90]})")
        return None
    print(f"[attack] {what}: no error ({str(result)[:60]!r})")
    return result


def steal(text):
    """Define every function of a solution notebook's text here; True if there were any."""
    import json
    found = False
    try:
        cells = json.loads(text)["cells"]
    except Exception:  # noqa: BLE001
        return False
    for cell in cells:
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "code" and "def " in source and "BEGIN " + "SOLUTION" in source:
            exec(source, globals())
            found = True
    if found:
        print("[attack] the solutions were read and used")
    return found
'''


def fill(source, values):
    """source with the placeholders (@NAME@) replaced by values[NAME]."""
    for name, value in values.items():
        source = source.replace(f"@{name}@", value)
    return source


def hidden_path(path):
    """A Python expression for path that does not contain it as text."""
    return f"bytes({list(str(path).encode())}).decode()"

# A correct forward pass, for the attacks that carry themselves in the forward cell.
FORWARD = '''

def forward(x, y, params):
    z = params["W"] @ x + params["b1"]
    h = np.maximum(z, 0)
    theta = params["U"] @ h + params["b2"]
    shifted = theta - theta.max()
    log_y_hat = shifted - np.log(np.exp(shifted).sum())
    cache = {"x": x, "z": z, "h": h, "theta": theta, "y_hat": np.exp(log_y_hat), "y": y}
    return float(-(y * log_y_hat).sum()), cache
'''
