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
        {"blank": "blank", "broken-json": "broken submission", "no-show": "not submitted"}
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


# -- a whole term, from the command line, in another fresh copy ----------------------------

TERM_ROSTER = """id,first_name,last_name,email,lms_user_id
ada,Ada,Lovelace,ada@example.edu,1001
alan,Alan,Turing,alan@example.edu,1003
grace,Grace,Hopper,grace@example.edu,1004
linus,Linus,Torvalds,linus@example.edu,1005
Zoë Martin,Zoë,Martin,zoe@example.edu,1002
"""
MANUAL_GRADE = """
from nbgrader.api import Gradebook
with Gradebook("sqlite:///gradebook.db") as gradebook:  # as the formgrader does
    grade = gradebook.find_grade("q_centred_difference", "warmup", "1_warmup", "ada")
    grade.manual_score, grade.needs_manual_grade = 2.0, False
    gradebook.db.commit()
"""


def term_notebook(course, assignment, name, student):
    released = nbformat.read(course / "notebooks" / assignment / f"{name}.ipynb", as_version=4)
    solutions = solution_code(course / "solutions" / assignment / f"{name}.ipynb")
    return nbformat.writes(notebook_of(student, released, solutions))


def write_zip(path, files, date=(2026, 10, 31, 18, 0, 0)):
    """A zip of files whose entries are dated date (as the LMS saved them)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=date), content)
    return path


@pytest.fixture(scope="module")
def term(cycle, tmp_path_factory):
    """Roster, the first assignment released alone, a Canvas zip with a resubmission, grading,
    a manual grade, a regrade, then the second assignment from Blackboard and Moodle with a
    due date, export and report: each step through the command line of the first copy."""
    from autograder.sample_class import Student

    first, _, _ = cycle
    course = tmp_path_factory.mktemp("term") / "course"
    fresh_copy(course)
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PATH"] = f"{first / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"
    out = {}

    def run(name, command, status=0):
        out[name] = shell(command, course, env, status)

    (course / "roster.csv").write_text(TERM_ROSTER, encoding="utf-8")
    run("roster", "autograder roster roster.csv")
    run("release", "nbgrader generate_assignment 1_warmup --force --log-level=ERROR")
    run("early export", "autograder export")
    warmup = {s: term_notebook(course, "1_warmup", "warmup", Student(s, **kw)) for s, kw in {
        "perfect": {"written_answer": "The h² terms of the two Taylor series cancel."},
        "blank": {"base": "blank"},
        "wrong": {"overrides": {"relu": "def relu(z):\n    return z\n"}}}.items()}
    write_zip(course / "canvas.zip", {
        "ada_1001_5001_warmup.ipynb": warmup["wrong"],      # then sent again, right:
        "ada_1001_5002_warmup-1.ipynb": warmup["perfect"],
        "grace_LATE_1004_5003_warmup.ipynb": warmup["perfect"],
        "alan_1003_5004_warmup.ipynb": warmup["blank"],
        "linus_1005_5005_warmup.ipynb": '{"cells": [',
    })
    run("collect warmup", "autograder collect 1_warmup canvas.zip")
    run("grade warmup", "autograder grade 1_warmup -j 2", status=1)  # linus: broken
    run("manual grade", f"python -c '{MANUAL_GRADE}'")
    run("regrade ada", "autograder grade 1_warmup --student ada -j 1")
    run("due date", "nbgrader db assignment add 2_backprop "
                    "--duedate='2026-11-01 12:00:00 UTC' --log-level=ERROR")
    backprop = term_notebook(course, "2_backprop", "backprop", Student("perfect"))
    wrong = term_notebook(course, "2_backprop", "backprop", Student("w", overrides={
        "dJ_dU": "def dJ_dU(delta1, h):\n    return h @ delta1\n"}))
    write_zip(course / "blackboard.zip", {
        "2_backprop_ada_attempt_2026-11-01-14-00-00_backprop.ipynb": backprop,  # 2 h late
        "2_backprop_ada_attempt_2026-11-01-14-00-00.txt": "Name: Ada Lovelace\n",
        "2_backprop_grace_attempt_2026-10-30-09-00-00_backprop.ipynb": wrong,
        "2_backprop_grace_attempt_2026-10-31-09-00-00_backprop.ipynb": backprop,
    })
    write_zip(course / "moodle.zip", {
        "Zoë Martin_77001_assignsubmission_file_/backprop.ipynb": backprop})
    run("collect blackboard", "autograder collect 2_backprop blackboard.zip")
    run("collect moodle", "autograder collect 2_backprop moodle.zip")
    run("grade backprop", "autograder grade 2_backprop -j 2")
    run("export", "autograder export")
    run("report", "autograder report")
    return course, out


def test_the_term_collects_every_lms_and_keeps_the_newest(term):
    _, out = term
    assert "not in the gradebook yet (never graded nor released): 2_backprop, 3_minibatch" \
        in out["early export"]
    assert "roster: 5 student(s) added, 0 updated in the gradebook" in out["roster"]
    assert "older submission: took ada_1001_5002_warmup-1.ipynb instead" in out["collect warmup"]
    assert "4 submission(s) collected" in out["collect warmup"]
    assert "older submission: took 2_backprop_grace_attempt_2026-10-31-09-00-00_backprop" \
           ".ipynb instead" in out["collect blackboard"]
    assert "took Zoe_Martin from Zoë Martin_77001_assignsubmission_file_/backprop.ipynb" \
        in out["collect moodle"]
    assert "1_warmup: 1 blank, 1 broken submission, 2 graded" in out["grade warmup"]
    assert "1_warmup: 1 graded" in out["regrade ada"]
    assert "2_backprop: 3 graded" in out["grade backprop"]


def test_the_term_exports_exact_grades(term):
    course, _ = term
    wide = {r["student"]: r for r in csv.DictReader(
        (course / "autograder-grades.csv").open(encoding="utf-8"))}
    columns = ["1_warmup", "1_warmup status", "2_backprop", "2_backprop hours late", "total",
               "max_total"]
    assert {s: [r[c] for c in columns] for s, r in wide.items()} == {
        "ada": ["15", "graded", "19", "2", "34", "36"],    # manual 2 kept through the regrade
        "alan": ["0", "blank", "0", "0", "0", "36"],
        "grace": ["13", "graded", "19", "0", "32", "36"],  # written answer not graded yet
        "linus": ["0", "broken submission", "0", "0", "0", "36"],
        "Zoe_Martin": ["0", "not submitted", "19", "0", "19", "36"],
    }
    assert (wide["ada"]["first_name"], wide["ada"]["lms_user_id"]) == ("Ada", "1001")
    assert wide["grace"]["1_warmup awaiting manual grading"] == "2"
    timestamp = course / "submitted" / "ada" / "2_backprop" / "timestamp.txt"
    assert timestamp.read_text().strip() == "2026-11-01 14:00:00 UTC"  # from the name
    moodle = course / "submitted" / "Zoe_Martin" / "2_backprop" / "timestamp.txt"
    assert moodle.read_text().strip() == "2026-10-31 18:00:00 UTC"  # from the zip entry
    report = (course / "grading" / "1_warmup-report.html").read_text()
    assert "q_centred_difference (2 points): 1 still to grade by hand, 2 graded" in report
    assert (course / "grading" / "2_backprop-report.html").exists()
