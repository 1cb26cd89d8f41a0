"""Export grades: one CSV row per student and assignment, for every student of the roster.

The roster is every student in the gradebook, every student with a submission and every
student the grading saw. A student whose submission could not be graded, or who submitted
nothing, still gets a row: zero points and a status saying why.
"""

import csv
import warnings

import nbformat

from .grade import NOT_SUBMITTED, SCORED


def grade_ids(course, assignment):
    """The graded cells' ids of the assignment, in notebook order."""
    path = course.source(assignment) / f"{course.notebook_name(assignment)}.ipynb"
    cells = nbformat.read(path, as_version=4).cells
    return [c.metadata["nbgrader"]["grade_id"] for c in cells
            if c.metadata.get("nbgrader", {}).get("grade")]


def rows(course, assignments):
    """The export's rows (dicts), sorted by assignment then student."""
    from nbgrader.api import MissingEntry

    result = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with course.open_gradebook() as gradebook:
            roster = {s.id for s in gradebook.students}
            for assignment in assignments:
                statuses = course.load_statuses(assignment)
                students = sorted(roster | set(statuses)
                                  | set(course.submitted_students(assignment)))
                ids = grade_ids(course, assignment)
                points = max_points(gradebook, course, assignment)
                for student in students:
                    saved = statuses.get(student, {})
                    status = saved.get("status", NOT_SUBMITTED)
                    detail = saved.get("detail", "")
                    scores = {}
                    if status in SCORED:
                        try:
                            notebook = gradebook.find_submission_notebook(
                                course.notebook_name(assignment), assignment, student)
                            # as nbgrader export: a manual score counts once it is given
                            scores = {g.name: None if g.needs_manual_grade
                                      and g.manual_score is None else g.score
                                      for g in notebook.grades}
                        except MissingEntry:
                            status, detail = "autograde failed", "no grades in the gradebook"
                    row = _row(assignment, student, status, detail, ids, scores, points)
                    row["flags"] = "; ".join(saved.get("flags", []))
                    row["sandbox"] = saved.get("sandbox", "")
                    result.append(row)
    return result


def max_points(gradebook, course, assignment):
    """{grade_id: points} of the assignment's graded cells."""
    return {c.name: c.max_score for c in gradebook.find_notebook(
        course.notebook_name(assignment), assignment).grade_cells}


def _row(assignment, student, status, detail, ids, scores, points):
    row = {"student": student, "assignment": assignment, "status": status}
    awaiting = 0.0
    for grade_id in ids:
        score = scores.get(grade_id, 0.0)
        if score is None:  # a written answer not graded by hand yet
            awaiting += points[grade_id]
        row[grade_id] = "" if score is None else _number(score)
    row["total"] = _number(sum(s for s in scores.values() if s is not None))
    row["max_total"] = _number(sum(points.values()))
    row["awaiting_manual_grading"] = _number(awaiting)
    row["detail"] = detail
    return row


def _number(value):
    return f"{float(value):g}"


def export(course, assignments, path):
    """Write the CSV of every assignment to path; return its rows."""
    table = rows(course, assignments)
    columns = ["student", "assignment", "status"]
    for assignment in assignments:
        columns += [g for g in grade_ids(course, assignment) if g not in columns]
    columns += ["total", "max_total", "awaiting_manual_grading", "detail", "flags", "sandbox"]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns, restval="")
        writer.writeheader()
        writer.writerows(table)
    return table
