"""Grading a class end to end: exact points, identical serial and parallel runs, bad input."""

import csv
import hashlib
import io
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder import cli
from autograder.course import NOTEBOOKS
from autograder.demo import NO_SHOW, add_roster, make_course
from autograder.grading import report as class_report
from autograder.grading.collect import CollectError, collect
from autograder.grading.export import export
from autograder.grading.feedback import feedback
from autograder.grading.grade import grade
from autograder.sample_class import ASSIGNMENT, Student, notebook_of, solution_code, write_class

ROOT = Path(__file__).resolve().parent.parent
IDS = ["test_forward", "test_dJ_dtheta", "test_dJ_dU", "test_dJ_db2", "test_dJ_dz", "test_dJ_dW",
       "test_dJ_db1", "test_dJ_dx", "test_shapes", "test_backward", "q_relu_mask"]
FULL = [2, 2, 2, 1, 3, 2, 1, 2, 2, 2]


def points(**zeroed):
    """The perfect score with the named exercises at 0, written answer left blank (0)."""
    return [0 if f"test_{name}" in zeroed or name in zeroed else p
            for name, p in zip([i.removeprefix("test_") for i in IDS[:-1]], FULL, strict=True)]


# student -> (status, points per exercise in IDS order, written answer)
EXPECTED = {
    "perfect": ("graded", FULL, ""),  # the written answer awaits manual grading
    "blank": ("blank", [0] * 10, "0"),
    "mistake-transposed-dU": ("graded", points(dJ_dU=1, backward=1), "0"),
    "mistake-missing-mask": ("graded", points(dJ_dz=1, backward=1), "0"),
    "mistake-mask-wrong-side": ("graded", points(dJ_dz=1, backward=1), "0"),
    "mistake-times-h": ("graded", points(dJ_dz=1, backward=1), "0"),
    "mistake-sign-flipped": ("graded", points(dJ_dtheta=1, backward=1), "0"),
    "mistake-forgot-y": ("graded", points(dJ_dtheta=1, backward=1), "0"),
    "mistake-dJ-dyhat": ("graded", points(dJ_dtheta=1, backward=1), "0"),
    "mistake-row-not-column": ("graded", points(dJ_db2=1, dJ_db1=1, backward=1), "0"),
    "mistake-overflow": ("graded", points(forward=1), "0"),
    "mixed-first-half": ("graded", [2, 2, 2, 1, 0, 0, 0, 0, 0, 0], "0"),
    "mixed-W-and-x": ("graded", points(dJ_dW=1, dJ_dx=1, backward=1), "0"),
    "other-formulations": ("graded", FULL, "0"),
    "Zoe_Martin": ("graded", FULL, "0"),
    "broken-json": ("broken submission", [0] * 10, "0"),
    "no-notebook": ("missing notebook", [0] * 10, "0"),
    NO_SHOW: ("not submitted", [0] * 10, "0"),
}

DIAGNOSED = {
    ("test_forward", "softmax overflow"): ["mistake-overflow"],
    ("test_dJ_dtheta", "sign flipped"): ["mistake-sign-flipped"],
    ("test_dJ_dtheta", "forgot the true class's term"): ["mistake-forgot-y"],
    ("test_dJ_dtheta", "stopped at ∂J/∂ŷ"): ["mistake-dJ-dyhat"],
    ("test_dJ_dU", "transposed"): ["mistake-transposed-dU"],
    ("test_dJ_db2", "row instead of column"): ["mistake-row-not-column"],
    ("test_dJ_dz", "missing ReLU mask"): ["mistake-missing-mask"],
    ("test_dJ_dz", "mask on the wrong side"): ["mistake-mask-wrong-side"],
    ("test_dJ_dz", "multiplied by h instead of sgn(h)"): ["mistake-times-h"],
    ("test_dJ_dW", "transposed"): ["mixed-W-and-x"],
    ("test_dJ_db1", "row instead of column"): ["mistake-row-not-column"],
    ("test_dJ_dx", "row instead of column"): ["mixed-W-and-x"],
    ("test_backward", "transposed"): ["mistake-transposed-dU", "mixed-W-and-x"],
    ("test_backward", "sign flipped"): ["mistake-sign-flipped"],
    ("test_backward", "row instead of column"): ["mistake-row-not-column", "mixed-W-and-x"],
    # backward is built from the student's own steps: its message names their mistakes too
    ("test_backward", "forgot the true class's term"): ["mistake-forgot-y"],
    ("test_backward", "stopped at ∂J/∂ŷ"): ["mistake-dJ-dyhat"],
    ("test_backward", "missing ReLU mask"): ["mistake-missing-mask"],
    ("test_backward", "multiplied by h instead of sgn(h)"): ["mistake-times-h"],
    ("test_backward", "shapes that do not line up"): ["mistake-mask-wrong-side"],
}


def tree_digest(folder):
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The sample class, collected and graded with 2 workers, then again with 1."""
    course = make_course(tmp_path_factory.mktemp("course"), [ASSIGNMENT])
    write_class(course, course.root / "incoming")
    collected = collect(course, ASSIGNMENT, course.root / "incoming")
    add_roster(course, [NO_SHOW])
    submitted = tree_digest(course.root / "submitted")
    parallel = grade(course, ASSIGNMENT, jobs=2, progress=False)
    first = (course.root / "first.csv")
    export(course, [ASSIGNMENT], first)
    serial = grade(course, ASSIGNMENT, jobs=1, progress=False)
    rows = export(course, [ASSIGNMENT], course.root / "grades.csv")
    return {"course": course, "collected": collected, "rows": rows, "first": first,
            "parallel": parallel, "serial": serial, "submitted_digest": submitted}


def test_exact_points_of_every_sample_student(graded):
    table = {r["student"]: r for r in graded["rows"]}
    assert sorted(table) == sorted(EXPECTED)
    for student, (status, expected_points, written) in EXPECTED.items():
        row = table[student]
        assert row["status"] == status, (student, row["detail"])
        assert [float(row[g]) for g in IDS[:-1]] == expected_points, student
        assert row["q_relu_mask"] == written, student
        assert float(row["total"]) == sum(expected_points), student
        assert row["max_total"] == "21"
    assert table["perfect"]["awaiting_manual_grading"] == "2"
    assert table["blank"]["awaiting_manual_grading"] == "0"


def test_every_status_says_why(graded):
    table = {r["student"]: r for r in graded["rows"]}
    assert table["broken-json"]["detail"].startswith(
        "submitted/broken-json/2_backprop/backprop.ipynb is not a valid notebook: Notebook "
        "does not appear to be JSON")
    assert table["no-notebook"]["detail"] == \
        "submitted/no-notebook/2_backprop/backprop.ipynb not found (no notebook)"
    assert table[NO_SHOW]["detail"] == ""


def test_serial_and_parallel_grading_give_identical_exports(graded):
    assert graded["first"].read_text() == (graded["course"].root / "grades.csv").read_text()
    assert {s: o.status for s, o in graded["parallel"].items()} == \
        {s: o.status for s, o in graded["serial"].items()}


def test_grading_never_modifies_the_submissions(graded):
    assert tree_digest(graded["course"].root / "submitted") == graded["submitted_digest"]


def test_collect_reports_renames_and_missing_notebooks(graded):
    lines = graded["collected"].lines()
    assert ("took Zoe_Martin from Zoë Martin/backprop (1).ipynb (student id 'Zoë Martin' "
            "stored as 'Zoe_Martin'; notebook 'backprop (1).ipynb' taken as backprop.ipynb)"
            ) in lines
    assert "skipped no-notebook/notes.txt: no-notebook: ignored 1 extra file(s): " \
        "no-notebook/notes.txt; expected backprop.ipynb, found no notebook" in lines
    assert lines[-1] == "16 submission(s) collected, 1 skipped"


def test_report_counts_the_planted_mistakes(graded):
    course = graded["course"]
    mistakes = class_report.build(course, ASSIGNMENT, graded["rows"], course.grading_dir)
    assert {k: sorted(v) for k, v in mistakes.items()} == \
        {k: sorted(v) for k, v in DIAGNOSED.items()}
    page = (course.grading_dir / f"{ASSIGNMENT}-report.html").read_text()
    assert "<td>test_backward</td><td>transposed</td><td>2</td>" in page
    assert "<td>broken-json</td><td>broken submission</td>" in page
    assert "Points (of 21): mean 11.7, median 14.5, lowest 0, highest 19." in page
    assert "q_relu_mask (2 points): 1 still to grade by hand, 14 graded" in page
    assert ("<tr><td>perfect</td><td>2</td><td>2</td><td>2</td><td>1</td><td>3</td><td>2</td>"
            "<td>1</td><td>2</td><td>2</td><td>2</td><td>…</td><td>19/21</td><td>graded</td>"
            "</tr>") in page
    for plot in ("scores", "pass-rate", "mistakes"):
        png = course.grading_dir / f"{ASSIGNMENT}-{plot}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_feedback_is_written_for_every_graded_student(graded):
    course = graded["course"]
    students = [r["student"] for r in graded["rows"] if r["status"] == "graded"]
    assert feedback(course, ASSIGNMENT, students) == {}
    for student in students:
        page = (course.feedback(student, ASSIGNMENT) / "backprop.html").read_text()
        assert "backprop" in page


def notebook_bytes(course):
    return (course.release(ASSIGNMENT) / "backprop.ipynb").read_bytes()


PATTERN_NAMES = "(canvas-anonymous, canvas, blackboard, moodle, student-id-prefix, " \
    "student-folder)"


def test_collect_from_an_lms_zip(graded, tmp_path):
    course = graded["course"]
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("alice_backprop.ipynb", notebook_bytes(course))
        z.writestr("Émile Zola_123_backprop.ipynb", notebook_bytes(course))
        z.writestr("bob_backprop.ipynb", b"{not json")
        z.writestr("README.txt", "hello")
        z.writestr("nounderscore.ipynb", notebook_bytes(course))
        z.writestr("Emile Zola_backprop.ipynb", notebook_bytes(course))
    report = collect(course, "2_backprop", archive)
    assert report.lines() == [
        "took Emile_Zola from Emile Zola_backprop.ipynb (student id 'Emile Zola' stored as "
        "'Emile_Zola')",
        "took alice from alice_backprop.ipynb",
        "took bob from bob_backprop.ipynb",
        f"skipped README.txt: matches none of the collect patterns {PATTERN_NAMES}",
        f"skipped nounderscore.ipynb: matches none of the collect patterns {PATTERN_NAMES}",
        "skipped Émile Zola: student ids 'Emile Zola' and 'Émile Zola' both become "
        "'Emile_Zola': rename one and collect again",
        "3 submission(s) collected, 3 skipped",
    ]
    again = collect(course, "2_backprop", archive)
    assert again.taken[1] == ("alice", "alice_backprop.ipynb",
                              "unchanged since the last collection")


def test_empty_and_corrupt_zips_are_refused(tmp_path, graded):
    course = graded["course"]
    empty = tmp_path / "empty.zip"
    zipfile.ZipFile(empty, "w").close()
    with pytest.raises(CollectError, match=r"empty.zip is empty: no submissions in it$"):
        collect(course, ASSIGNMENT, empty)
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(b"PK\x03\x04 this is not a zip")
    with pytest.raises(CollectError, match=r"corrupt.zip: not a valid zip file \("):
        collect(course, ASSIGNMENT, corrupt)
    with pytest.raises(SystemExit, match=r"^collect: .*corrupt.zip: not a valid zip file"):
        cli.main(["collect", "--course", str(course.root), ASSIGNMENT, str(corrupt)])


def test_export_lists_every_student_once_per_assignment(graded):
    text = (graded["course"].root / "grades.csv").read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["student"] for r in rows] == sorted(EXPECTED)
    assert list(rows[0]) == ["student", "assignment", "status", *IDS, "total", "max_total",
                             "awaiting_manual_grading", "seconds_late", "late_penalty", "detail",
                             "flags", "sandbox"]


def test_bad_notebooks_are_reported_with_their_file(graded, tmp_path):
    """Invalid notebook JSON of several kinds; the rest of the class is graded (above)."""
    course = make_course(tmp_path / "course", [ASSIGNMENT])
    cases = {"empty": b"", "truncated": notebook_bytes(course)[:500], "not-utf8": b"\xff\xfe{",
             "no-cells": b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}'}
    for student, content in cases.items():
        path = course.submitted(student, ASSIGNMENT) / "backprop.ipynb"
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
    outcomes = grade(course, ASSIGNMENT, jobs=1, progress=False)
    for student in cases:
        assert outcomes[student].status == "broken submission", outcomes[student]
        assert outcomes[student].detail.startswith(
            f"submitted/{student}/2_backprop/backprop.ipynb is not a valid notebook: ")


def test_every_assignment_scores_perfect_and_blank_submissions_exactly(tmp_path):
    """Through the whole protected pipeline: full marks for the solutions, nothing for blanks."""
    course = make_course(tmp_path / "course", list(NOTEBOOKS))
    for assignment, name in NOTEBOOKS.items():
        released = nbformat.read(course.release(assignment) / f"{name}.ipynb", as_version=4)
        solutions = solution_code(course.source(assignment) / f"{name}.ipynb")
        for student in (Student("perfect"), Student("blank", base="blank")):
            path = course.submitted(student.id, assignment) / f"{name}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook_of(student, released, solutions), path)
        outcomes = grade(course, assignment, jobs=2, progress=False)
        assert {s: (o.status, o.flags) for s, o in outcomes.items()} == \
            {"blank": ("blank", []), "perfect": ("graded", [])}
    rows = export(course, list(NOTEBOOKS), tmp_path / "grades.csv")
    totals = {(r["assignment"], r["student"]): (r["total"], r["max_total"]) for r in rows}
    # every point but the written answers (2 per assignment, left blank here)
    assert totals == {("1_warmup", "blank"): ("0", "15"), ("1_warmup", "perfect"): ("13", "15"),
                      ("2_backprop", "blank"): ("0", "21"), ("2_backprop", "perfect"): ("19", "21"),
                      ("3_minibatch", "blank"): ("0", "15"),
                      ("3_minibatch", "perfect"): ("13", "15")}


def test_a_worker_that_dies_costs_only_its_submissions(tmp_path):
    """Workers that cannot even start: every student is reported, nothing is raised."""
    course = make_course(tmp_path / "course", [ASSIGNMENT])
    for student in ("ann", "bob"):
        course.submitted(student, ASSIGNMENT).mkdir(parents=True)
    # a setting without a section: the workers' nbgrader configuration fails as they start
    outcomes = grade(course, ASSIGNMENT, jobs=2, overrides={"broken": 1}, progress=False)
    assert {s: (o.status, o.detail) for s, o in outcomes.items()} == {
        "ann": ("autograde failed", "the grading worker died on it"),
        "bob": ("autograde failed", "the grading worker died on it")}


def test_the_command_line_names_what_is_wrong(tmp_path, graded):
    with pytest.raises(SystemExit, match=rf"^autograder grade: {tmp_path} is not a course "
                                         "directory: no nbgrader_config.py there$"):
        cli.main(["grade", "--course", str(tmp_path)])
    with pytest.raises(SystemExit, match=r"^unknown assignment\(s\) nosuch; the course has "
                                         "1_warmup, 2_backprop, 3_minibatch$"):
        cli.main(["collect", "--course", str(graded["course"].root), "nosuch", str(tmp_path)])
    with pytest.raises(SystemExit, match=r"^collect: .*/missing.zip: not a folder of student "
                                         "folders nor a .zip file$"):
        cli.main(["collect", "--course", str(graded["course"].root), ASSIGNMENT,
                  str(tmp_path / "missing.zip")])


def test_grading_one_student_with_the_command_line(graded, capsys):
    course = graded["course"]
    before = {r["student"]: r for r in graded["rows"]}
    cli.main(["grade", "--course", str(course.root), ASSIGNMENT, "--student", "perfect",
              "-j", "1"])
    out = capsys.readouterr().out
    assert out.splitlines() == ["sandbox: bubblewrap namespaces + Landlock",
                                "2_backprop: 1 graded"]
    after = {r["student"]: r for r in export(course, [ASSIGNMENT], course.root / "again.csv")}
    assert after["perfect"] == before["perfect"]


def test_no_sandbox_refuses_or_warns_loudly(tmp_path, monkeypatch, capsys):
    from autograder.grading.sandbox import Sandbox, SandboxUnavailable

    course = make_course(tmp_path / "course", [ASSIGNMENT])

    def unavailable(allow_none=False):
        if allow_none:
            return Sandbox("none")
        raise SandboxUnavailable("cannot grade safely: install bubblewrap")

    monkeypatch.setattr(cli, "detect", unavailable)
    with pytest.raises(SystemExit, match="^autograder grade: cannot grade safely: install "
                                         "bubblewrap$"):
        cli.main(["grade", "--course", str(course.root), ASSIGNMENT])
    released = nbformat.read(course.release(ASSIGNMENT) / "backprop.ipynb", as_version=4)
    solutions = solution_code(course.source(ASSIGNMENT) / "backprop.ipynb")
    path = course.submitted("perfect", ASSIGNMENT) / "backprop.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(notebook_of(Student("perfect"), released, solutions), path)
    cli.main(["grade", "--course", str(course.root), ASSIGNMENT, "--no-sandbox"])
    captured = capsys.readouterr()
    assert captured.err.startswith("WARNING: grading WITHOUT a sandbox (--no-sandbox)")
    assert "sandbox: NO SANDBOX" in captured.out
    row = export(course, [ASSIGNMENT], tmp_path / "grades.csv")[0]
    assert (row["total"], row["sandbox"], row["detail"]) == \
        ("19", "none", "[graded WITHOUT a sandbox]")
    class_report.build(course, ASSIGNMENT, [row], course.grading_dir)
    page = (course.grading_dir / f"{ASSIGNMENT}-report.html").read_text()
    assert "1 submission(s) graded WITHOUT a sandbox</strong>" in page


def test_a_syntax_error_is_a_status_naming_its_cell(tmp_path):
    course = make_course(tmp_path / "course", [ASSIGNMENT])
    released = nbformat.read(course.release(ASSIGNMENT) / "backprop.ipynb", as_version=4)
    solutions = solution_code(course.source(ASSIGNMENT) / "backprop.ipynb")
    student = Student("typo", overrides={"dJ_dW": "def dJ_dW(delta2, x)\n    return 0\n"})
    path = course.submitted("typo", ASSIGNMENT) / "backprop.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(notebook_of(student, released, solutions), path)
    outcome = grade(course, ASSIGNMENT, jobs=1, progress=False)["typo"]
    assert (outcome.status, outcome.detail) == (
        "syntax error", "in dJ_dW: expected ':' (line 1) (the cell did not run; the others "
        "were graded)")
    row = export(course, [ASSIGNMENT], tmp_path / "grades.csv")[0]
    assert (row["test_dJ_dW"], row["test_backward"], row["total"]) == ("0", "0", "15")


def test_a_regrade_keeps_the_manual_grades_and_counts_them_as_nbgrader_does(graded):
    """Last in this file: it changes the graded course's gradebook."""
    from nbgrader.api import Gradebook

    course = graded["course"]

    def written_answer(gradebook):
        return gradebook.find_grade("q_relu_mask", "backprop", ASSIGNMENT, "perfect")

    with Gradebook(course.db_url) as gradebook:  # as the formgrader does
        grade_of = written_answer(gradebook)
        grade_of.manual_score, grade_of.needs_manual_grade = 2.0, False
        gradebook.db.commit()
    for regraded in (False, True):
        if regraded:
            grade(course, ASSIGNMENT, students=["perfect", "blank"], jobs=1, progress=False)
        row = {r["student"]: r for r in export(course, [ASSIGNMENT], course.root / "m.csv")}
        assert (row["perfect"]["q_relu_mask"], row["perfect"]["total"],
                row["perfect"]["awaiting_manual_grading"]) == ("2", "21", "0"), regraded
        with Gradebook(course.db_url) as gradebook:
            assert written_answer(gradebook).needs_manual_grade is False
            assert gradebook.find_submission(ASSIGNMENT, "perfect").score == 21.0
