"""The README's instructor cycle, verbatim, in a fresh copy of the repository.

The course directory is the copy itself, with `.venv` inside it, exactly as a new instructor
has it: `make demo` first (which creates the venv), then collect, grade, feedback, export and
report from the repository root with `.venv/bin/autograder`.
"""

import csv
import hashlib
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.sample_class import ASSIGNMENT, STUDENTS, notebook_of, solution_code

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
IDS = ["test_forward", "test_dJ_dtheta", "test_dJ_dU", "test_dJ_db2", "test_dJ_dz", "test_dJ_dW",
       "test_dJ_db1", "test_dJ_dx", "test_shapes", "test_backward"]
TOTALS = {"perfect": 19, "blank": 0, "mistake-transposed-dU": 15, "mistake-missing-mask": 14,
          "mistake-mask-wrong-side": 14, "mistake-times-h": 14, "mistake-sign-flipped": 15,
          "mistake-forgot-y": 15, "mistake-dJ-dyhat": 15, "mistake-row-not-column": 15,
          "mistake-overflow": 17, "mixed-first-half": 7, "mixed-W-and-x": 13,
          "other-formulations": 19, "Zoe_Martin": 19}


ROSTER = """id,first_name,last_name,email,lms_user_id
perfect,Ada,Lovelace,ada@example.edu,1001
Zoë Martin,Zoë,Martin,zoe@example.edu,1002
no-show,Nemo,Absent,nemo@example.edu,1003
"""


def fresh_copy(target):
    """The repository's tracked files as they are now (a clone of the working tree)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source, copy = ROOT / name, target / name
        if not os.path.lexists(source):
            continue
        copy.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            copy.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, copy)


def digest(folder):
    """A hash of every file under folder but Python's caches."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()
                       and "__pycache__" not in p.parts):
        h.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return h.hexdigest()


SOURCES = ("solutions", "notebooks", "autograder", "nbgrader_config.py")


def readme_commands():
    """The commands of the README's "Grading a class" section, in order."""
    section = README.split("## Grading a class", 1)[1].split("\n## ", 1)[0]
    return [line.split("#")[0].strip() for line in section.splitlines()
            if line.startswith("    .venv/bin/autograder ")]


def lms_zip(course, path):
    """The sample class as an LMS exports it: one <id>_backprop.ipynb per student."""
    released = nbformat.read(course / "notebooks" / ASSIGNMENT / "backprop.ipynb", as_version=4)
    solutions = solution_code(course / "solutions" / ASSIGNMENT / "backprop.ipynb")
    with zipfile.ZipFile(path, "w") as archive:
        for student in STUDENTS:
            archive.writestr(f"{student.id}_backprop.ipynb",
                             nbformat.writes(notebook_of(student, released, solutions)))
        archive.writestr("broken-json_backprop.ipynb", '{"cells": [')


def shell(command, cwd, env, status=0):
    result = subprocess.run(command, shell=True, cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=1200)
    assert result.returncode == status, f"{command} exited {result.returncode}:\n" \
                                        f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    course = tmp_path_factory.mktemp("fresh") / "backprop-course"
    fresh_copy(course)
    before = {name: digest(course / name) if (course / name).is_dir()
              else (course / name).read_bytes() for name in SOURCES}
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "MAKEFLAGS",
                                                            "MAKELEVEL", "MFLAGS")}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep)
                                  if not p.startswith(str(ROOT)))
    output = {"make demo": shell("make demo", course, env)}
    lms_zip(course, course / "submissions.zip")
    (course / "roster.csv").write_text(ROSTER, encoding="utf-8")
    for command in readme_commands():  # grade says the broken submission with its exit status
        output[command] = shell(command, course, env, status=int(" grade " in command))
    return course, output, before


def test_the_readme_lists_the_whole_cycle():
    assert [c.split()[1] for c in readme_commands()] == \
        ["roster", "collect", "grade", "feedback", "export", "report"]


def test_the_cycle_gives_every_student_exactly_their_points(cycle):
    course, output, _ = cycle
    assert (course / ".venv" / "bin" / "autograder").exists()
    grade_output = next(v for k, v in output.items() if " grade " in k)
    assert "sandbox: bubblewrap namespaces + Landlock" in grade_output
    assert "2_backprop was not in the gradebook yet: added it from solutions/2_backprop/" \
        in grade_output
    assert re.search(r"2_backprop: 1 blank, 1 broken submission, 14 graded", grade_output)
    assert "autograder grade: 1 submission(s) could not be graded" in grade_output
    rows = list(csv.DictReader((course / "autograder-grades-detail.csv").open(encoding="utf-8")))
    table = {r["student"]: r for r in rows if r["assignment"] == ASSIGNMENT}
    assert {s: float(table[s]["total"]) for s in TOTALS} == TOTALS
    assert table["broken-json"]["status"] == "broken submission"
    assert all(r["flags"] == "" for r in rows)
    assert {s: r["status"] for s, r in table.items() if r["status"] != "graded"} == \
        {"blank": "blank", "broken-json": "broken submission"}
    for student in TOTALS:
        assert (course / "feedback" / student / ASSIGNMENT / "backprop.html").exists()
    wide = {r["student"]: r for r in csv.DictReader(
        (course / "autograder-grades.csv").open(encoding="utf-8"))}
    assert len(wide) == len(TOTALS) + 2  # and broken-json, and the roster's no-show
    assert {k: wide["Zoe_Martin"][k] for k in ("first_name", "last_name", "email",
                                                "lms_user_id", "2_backprop", "total")} == \
        {"first_name": "Zoë", "last_name": "Martin", "email": "zoe@example.edu",
         "lms_user_id": "1002", "2_backprop": "19", "total": "19"}
    assert (wide["no-show"]["2_backprop"], wide["no-show"]["2_backprop status"]) == \
        ("0", "not submitted")
    canvas = list(csv.reader((course / "autograder-grades-canvas.csv").open(encoding="utf-8")))
    assert canvas[:2] == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                           "2_backprop"], ["Points Possible", "", "", "", "", "21"]]
    assert ["Lovelace, Ada", "1001", "perfect", "ada@example.edu", "", "19"] in canvas
    assert (course / "grading" / f"{ASSIGNMENT}-report.html").exists()


def test_the_cycle_leaves_the_course_sources_untouched(cycle):
    course, _, before = cycle
    after = {name: digest(course / name) if (course / name).is_dir()
             else (course / name).read_bytes() for name in SOURCES}
    assert after == before
