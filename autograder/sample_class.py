"""A sample class for the core assignment, as an instructor would receive it.

A perfect student, a blank notebook, one student per common mistake, a few with mixed
answers, a notebook with broken JSON, a folder without the notebook, and a student whose
name has a space and an accent. Each student is the released notebook with some solution
cells filled in: from the solutions, left blank, or replaced by a wrong answer.
"""

import re
from dataclasses import dataclass, field

import nbformat

ASSIGNMENT = "2_backprop"


@dataclass
class Student:
    """base: 'solution' (every answer from the solutions) or 'blank'; overrides by function."""

    id: str
    base: str = "solution"
    overrides: dict = field(default_factory=dict)
    written_answer: str = ""
    file_name: str = "backprop.ipynb"


def wrong(function, body):
    """The code cell of function (its signature from the course) with a one-line body."""
    return f"def {function}({SIGNATURES[function]}):\n    return {body}\n"


SIGNATURES = {"forward": "x, y, params", "dJ_dtheta": "y_hat, y", "dJ_dU": "delta1, h",
              "dJ_db2": "delta1", "dJ_dz": "delta1, U, h", "dJ_dW": "delta2, x",
              "dJ_db1": "delta2", "dJ_dx": "delta2, W"}

NAIVE_FORWARD = """def forward(x, y, params):
    z = params["W"] @ x + params["b1"]
    h = np.maximum(z, 0)
    theta = params["U"] @ h + params["b2"]
    y_hat = np.exp(theta) / np.sum(np.exp(theta))
    J = -np.sum(y * np.log(y_hat))
    return float(J), {"x": x, "z": z, "h": h, "theta": theta, "y_hat": y_hat, "y": y}
"""

OTHER_FORMULATIONS = {
    "dJ_dU": wrong("dJ_dU", "np.outer(delta1, h)"),
    "dJ_dz": wrong("dJ_dz", "np.einsum('ai,ij->aj', delta1, U) * (h.T > 0)"),
    "dJ_dW": wrong("dJ_dW", "np.einsum('ai,ja->ij', delta2, x)"),
    "dJ_dx": wrong("dJ_dx", "W.T @ delta2.T"),
}

STUDENTS = [
    Student("perfect", written_answer="h > 0 exactly where z > 0, so sgn(h) is ReLU'(z)."),
    Student("blank", base="blank"),
    Student("mistake-transposed-dU", overrides={"dJ_dU": wrong("dJ_dU", "h @ delta1")}),
    Student("mistake-missing-mask", overrides={"dJ_dz": wrong("dJ_dz", "delta1 @ U")}),
    Student("mistake-mask-wrong-side",
            overrides={"dJ_dz": wrong("dJ_dz", "(delta1 @ U) * (h > 0)")}),
    Student("mistake-times-h", overrides={"dJ_dz": wrong("dJ_dz", "(delta1 @ U) * h.T")}),
    Student("mistake-sign-flipped", overrides={"dJ_dtheta": wrong("dJ_dtheta", "(y - y_hat).T")}),
    Student("mistake-forgot-y", overrides={"dJ_dtheta": wrong("dJ_dtheta", "y_hat.T")}),
    Student("mistake-dJ-dyhat", overrides={"dJ_dtheta": wrong("dJ_dtheta", "(-y / y_hat).T")}),
    Student("mistake-row-not-column", overrides={"dJ_db2": wrong("dJ_db2", "delta1"),
                                                 "dJ_db1": wrong("dJ_db1", "delta2")}),
    Student("mistake-overflow", overrides={"forward": NAIVE_FORWARD}),
    Student("mixed-first-half", base="blank",
            overrides={"forward": None, "dJ_dtheta": None, "dJ_dU": None, "dJ_db2": None}),
    Student("mixed-W-and-x", overrides={"dJ_dW": wrong("dJ_dW", "x @ delta2"),
                                        "dJ_dx": wrong("dJ_dx", "delta2 @ W")}),
    Student("other-formulations", overrides=OTHER_FORMULATIONS),
    Student("Zoë Martin", file_name="backprop (1).ipynb"),
]
BROKEN_JSON = "broken-json"
NO_NOTEBOOK = "no-notebook"


def solution_code(source_notebook):
    """{grade_id: code} of the solution cells, with the solution markers removed."""
    cells = nbformat.read(source_notebook, as_version=4).cells
    return {c.metadata["nbgrader"]["grade_id"]: re.sub(r"^\s*### (BEGIN|END) SOLUTION\n", "",
                                                       c.source + "\n", flags=re.M)
            for c in cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}


def notebook_of(student, released, solutions):
    """The released notebook filled in the way this student would have."""
    notebook = nbformat.from_dict(released)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("solution"):
            continue
        if cell.cell_type == "markdown":
            if student.written_answer:
                cell.source = student.written_answer
            continue
        grade_id = meta["grade_id"]
        if grade_id in student.overrides:
            override = student.overrides[grade_id]
            cell.source = solutions[grade_id] if override is None else override
        elif student.base == "solution":
            cell.source = solutions[grade_id]
    return notebook


def write_class(course, folder):
    """Write the sample class as per-student folders under folder; return the student ids."""
    released = nbformat.read(course.release(ASSIGNMENT) / "backprop.ipynb", as_version=4)
    solutions = solution_code(course.source(ASSIGNMENT) / "backprop.ipynb")
    for student in STUDENTS:
        target = folder / student.id / student.file_name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook_of(student, released, solutions), target)
    perfect = nbformat.writes(notebook_of(STUDENTS[0], released, solutions))
    (folder / BROKEN_JSON).mkdir(exist_ok=True)
    (folder / BROKEN_JSON / "backprop.ipynb").write_text(perfect[: len(perfect) // 2])
    (folder / NO_NOTEBOOK).mkdir(exist_ok=True)
    (folder / NO_NOTEBOOK / "notes.txt").write_text("I could not finish the assignment.\n")
    return [s.id for s in STUDENTS] + [BROKEN_JSON, NO_NOTEBOOK]
