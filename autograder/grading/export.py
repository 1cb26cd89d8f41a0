"""Export grades for every student of the roster, in three CSV files.

- the class file (`export_class`): one row per student, with the roster's names, email and
  LMS id, and per assignment its points (manual points included, late penalty taken off),
  status and lateness;
- the detail file (`export`): one row per student and assignment, points per exercise;
- a Canvas gradebook file, ready to import.

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
                    scores, late = {}, (0.0, 0.0)
                    if status in SCORED:
                        try:
                            notebook = gradebook.find_submission_notebook(
                                course.notebook_name(assignment), assignment, student)
                            # as nbgrader export: a manual score counts once it is given
                            scores = {g.name: None if g.needs_manual_grade
                                      and g.manual_score is None else g.score
                                      for g in notebook.grades}
                            submission = gradebook.find_submission(assignment, student)
                            late = (submission.total_seconds_late or 0.0,
                                    submission.late_submission_penalty or 0.0)
                        except MissingEntry:
                            status, detail = "autograde failed", "no grades in the gradebook"
                    row = _row(assignment, student, status, detail, ids, scores, points)
                    row["seconds_late"], row["late_penalty"] = map(_number, late)
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
    columns += ["total", "max_total", "awaiting_manual_grading", "seconds_late", "late_penalty",
                "detail", "flags", "sandbox"]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns, restval="")
        writer.writeheader()
        writer.writerows(table)
    return table


ROSTER = ("first_name", "last_name", "email", "lms_user_id")


def export_class(course, assignments, path):
    """Write the class file to path, with the detail file (<stem>-detail.csv) and the Canvas
    gradebook (<stem>-canvas.csv) beside it; return the class file's rows."""
    from pathlib import Path

    path = Path(path)
    detail = export(course, assignments, path.with_name(f"{path.stem}-detail.csv"))
    with course.open_gradebook() as gradebook:
        people = {s.id: {k: getattr(s, k) or "" for k in ROSTER} for s in gradebook.students}
        maxima = {a: sum(max_points(gradebook, course, a).values()) for a in assignments}
    table = {}
    for row in detail:
        a = row["assignment"]
        line = table.setdefault(row["student"], {
            "student": row["student"], **people.get(row["student"], dict.fromkeys(ROSTER, ""))})
        points = max(0.0, float(row["total"]) - float(row["late_penalty"]))
        line[a], line[f"{a} status"] = _number(points), row["status"]
        line[f"{a} hours late"] = _number(round(float(row["seconds_late"]) / 3600, 2))
        line[f"{a} awaiting manual grading"] = row["awaiting_manual_grading"]
    for line in table.values():
        line["total"] = _number(sum(float(line.get(a, 0)) for a in assignments))
        line["max_total"] = _number(sum(maxima.values()))
    columns = ["student", *ROSTER]
    for a in assignments:
        columns += [a, f"{a} status", f"{a} hours late", f"{a} awaiting manual grading"]
    columns += ["total", "max_total"]
    _write(path, columns, table.values())
    _write_canvas(path.with_name(f"{path.stem}-canvas.csv"), assignments, maxima, table.values())
    return list(table.values())


def _write(path, columns, table):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns, restval="")
        writer.writeheader()
        writer.writerows(table)


def _write_canvas(path, assignments, maxima, table):
    """Canvas's gradebook import format: Student, ID (the LMS id), SIS User ID, SIS Login ID,
    Section, then a column per assignment, with a row of the points possible."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *assignments])
        writer.writerow(["Points Possible", "", "", "", "", *(_number(maxima[a])
                                                              for a in assignments)])
        for line in table:
            name = ", ".join(filter(None, [line["last_name"], line["first_name"]]))
            writer.writerow([name or line["student"], line["lms_user_id"], line["student"],
                             line["email"], "", *(line.get(a, "0") for a in assignments)])
