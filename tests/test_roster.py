"""The roster file: read with safe ids, refused with the file, line and reason."""

import pytest

from autograder.demo import make_course
from autograder.grading.roster import RosterError, import_roster, read_roster


def write(tmp_path, text):
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_roster_is_read_with_safe_ids(tmp_path):
    path = write(tmp_path, "\ufeffid,first_name,last_name,email,lms_user_id\n"
                           "Zoë Martin,Zoë,Martin,zoe@example.edu,1002\nbob,,,,\n")
    assert read_roster(path) == [
        {"id": "Zoe_Martin", "first_name": "Zoë", "last_name": "Martin",
         "email": "zoe@example.edu", "lms_user_id": "1002"},
        {"id": "bob", "first_name": None, "last_name": None, "email": None,
         "lms_user_id": None}]


@pytest.mark.parametrize("text, message", [
    ("name,email\nann,a@x\n", r"roster.csv: no 'id' column \(the columns are id, first_name, "
                              r"last_name, email, lms_user_id; found name, email\)$"),
    ("id\nann\nAnn\nann\n", r"roster.csv, line 4: student id 'ann' again \(line 2\)$"),
    ("id,email\n,x@y\n", r"roster.csv, line 2: no usable student id$"),
    ("", r"roster.csv: no 'id' column .*found none\)$"),
])
def test_a_bad_roster_is_refused_with_the_reason(tmp_path, text, message):
    with pytest.raises(RosterError, match=message):
        read_roster(write(tmp_path, text))


def test_importing_adds_then_updates(tmp_path):
    course = make_course(tmp_path / "course", [])
    path = write(tmp_path, "id,first_name\nann,Ann\nbob,Bob\n")
    assert import_roster(course, path) == (2, 0)
    write(tmp_path, "id,first_name,email\nann,Anne,ann@example.edu\ncy,Cy,\n")
    assert import_roster(course, path) == (1, 1)
    with course.open_gradebook() as gradebook:
        people = {s.id: (s.first_name, s.email) for s in gradebook.students}
    assert people == {"ann": ("Anne", "ann@example.edu"), "bob": ("Bob", None),
                      "cy": ("Cy", None)}
