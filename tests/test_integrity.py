"""Grading that cannot be crashed, gamed or made to leak: one submission per attack."""

import importlib
import pkgutil

import nbformat
import pytest

from autograder.demo import make_course
from autograder.grading import report as class_report
from autograder.grading.export import export
from autograder.grading.feedback import feedback
from autograder.grading.grade import SCORED, grade
from autograder.sample_class import ASSIGNMENT, Student, notebook_of, solution_code
from tests import submissions

TESTS = ["test_forward", "test_dJ_dtheta", "test_dJ_dU", "test_dJ_db2", "test_dJ_dz",
         "test_dJ_dW", "test_dJ_db1", "test_dJ_dx", "test_shapes", "test_backward"]
FULL = dict(zip(TESTS, [2, 2, 2, 1, 3, 2, 1, 2, 2, 2], strict=True))
CASES = {m.name: importlib.import_module(f"tests.submissions.{m.name}")
         for m in pkgutil.iter_modules(submissions.__path__)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every attack and one honest perfect student, graded together with two workers."""
    course = make_course(tmp_path_factory.mktemp("integrity"), [ASSIGNMENT])
    released = nbformat.read(course.release(ASSIGNMENT) / "backprop.ipynb", as_version=4)
    solutions = solution_code(course.source(ASSIGNMENT) / "backprop.ipynb")
    for name, case in [("perfect", None), *CASES.items()]:
        notebook = notebook_of(Student(name, overrides=getattr(case, "OVERRIDES", {})),
                               released, solutions)
        if hasattr(case, "transform"):
            case.transform(notebook)
        path = course.submitted(name, ASSIGNMENT) / "backprop.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, path)
    outcomes = grade(course, ASSIGNMENT, jobs=2, overrides={"Execute.timeout": 5},
                     progress=False)
    rows = {r["student"]: r for r in export(course, [ASSIGNMENT], course.root / "grades.csv")}
    return course, outcomes, rows


@pytest.mark.parametrize("case", sorted(CASES))
def test_attack_gains_nothing_and_the_class_goes_on(graded, case):
    course, outcomes, rows = graded
    expected = CASES[case].EXPECTED
    zero = TESTS if expected["zero"] == "all" else expected["zero"]
    row = rows[case]
    assert row["status"] == expected["status"], row["detail"]
    assert {t: float(row[t]) for t in TESTS} == \
        {t: 0.0 if t in zero else float(p) for t, p in FULL.items()}
    flags = outcomes[case].flags
    for fragment in expected["flags"]:
        assert any(fragment in flag for flag in flags), (fragment, flags)
    if not expected["flags"]:
        assert flags == []
    assert rows["perfect"]["total"] == "19" and outcomes["perfect"].flags == []


def test_nothing_of_the_instructor_reaches_the_student(graded):
    course, outcomes, rows = graded
    students = [s for s, r in rows.items() if r["status"] in SCORED]
    assert "kernel_exit" in students
    assert feedback(course, ASSIGNMENT, students) == {}
    for student in students:
        notebook = (course.autograded(student, ASSIGNMENT) / "backprop.ipynb").read_text()
        page = (course.feedback(student, ASSIGNMENT) / "backprop.html").read_text()
        for text in (notebook, page):
            assert "BEGIN HIDDEN TESTS" not in text and "check_hidden" not in text
            assert "Model answer" not in text and "BEGIN SOLUTION" not in text
            assert str(course.root) not in text, student
    message = "dJ_db2 modified one of its inputs in place"
    assert message in (course.feedback("modifies_inputs", ASSIGNMENT) / "backprop.html").read_text()


def test_the_gradebook_was_not_written_by_student_code(graded):
    from nbgrader.api import Gradebook

    course, _, _ = graded
    with Gradebook(course.db_url) as gradebook:
        scores = [g.manual_score for n in gradebook.notebook_submissions("backprop", ASSIGNMENT)
                  for g in n.grades]
    assert scores and set(scores) == {None}


def test_output_is_limited(graded):
    course, _, _ = graded
    path = course.autograded("prints_megabytes", ASSIGNMENT) / "backprop.ipynb"
    assert path.stat().st_size < 300_000
    assert "Output truncated" in path.read_text()


def test_the_report_lists_flagged_submissions(graded):
    course, outcomes, rows = graded
    class_report.build(course, ASSIGNMENT, list(rows.values()), course.grading_dir)
    page = (course.grading_dir / f"{ASSIGNMENT}-report.html").read_text()
    assert "Flagged submissions" in page
    for case in ("monkeypatch", "tampered_tests", "imports_reference", "reads_and_writes_files"):
        assert f"<td>{case}</td>" in page
    assert "locked cells reordered" in page
