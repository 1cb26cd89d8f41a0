"""The class roster: students' ids, names, emails and LMS ids, from a CSV file into nbgrader's
gradebook (the columns of `nbgrader db student import`)."""

import csv

from .collect import student_id

COLUMNS = ("id", "first_name", "last_name", "email", "lms_user_id")


class RosterError(Exception):
    """The roster file cannot be read; the message names the file and what is wrong."""


def read_roster(path):
    """[{column: value}] of the roster at path, ids made safe as collect makes them."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in reader.fieldnames or []]
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise RosterError(f"{path}: cannot be read ({error})") from None
    if "id" not in header:
        raise RosterError(f"{path}: no 'id' column (the columns are {', '.join(COLUMNS)}; "
                          f"found {', '.join(header) or 'none'})")
    students, seen = [], {}
    for line, row in enumerate(rows, start=2):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        sid = student_id(row.get("id", ""))
        if not sid:
            raise RosterError(f"{path}, line {line}: no usable student id")
        if sid in seen:
            raise RosterError(f"{path}, line {line}: student id {sid!r} again (line "
                              f"{seen[sid]})")
        seen[sid] = line
        students.append({"id": sid, **{k: row.get(k) or None for k in COLUMNS[1:]}})
    return students


def import_roster(course, path):
    """Put the roster's students in the gradebook (new ones added, known ones updated);
    return (added, updated) counts."""
    students = read_roster(path)
    with course.open_gradebook() as gradebook:
        known = {s.id for s in gradebook.students}
        for student in students:
            gradebook.update_or_create_student(student["id"], **{k: v for k, v in
                                                                 student.items() if k != "id"})
    added = sum(s["id"] not in known for s in students)
    return added, len(students) - added
