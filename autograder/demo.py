"""The demo: the whole instructor cycle on a sample class, in a fresh course directory.

Build the release, write the sample class as an instructor receives it, collect it, grade it
in parallel with the SQLite gradebook, export the grades, write the feedback and the class
report, and print a summary.
"""

import shutil
import time
import warnings
from pathlib import Path

from .course import Course
from .grading import report as class_report
from .grading.collect import collect
from .grading.export import export, grade_ids
from .grading.feedback import feedback
from .grading.grade import grade
from .sample_class import ASSIGNMENT, write_class

ROOT = Path(__file__).resolve().parent.parent
NO_SHOW = "no-show"


def make_course(folder, assignments, source_root=ROOT):
    """A new course directory at folder: the course's configuration and sources, with the
    assignments released."""
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    shutil.copy(source_root / "nbgrader_config.py", folder)
    shutil.copytree(source_root / "solutions", folder / "solutions",
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    course = Course(folder)
    api = course.api()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for assignment in assignments:
            result = api.generate_assignment(assignment, force=True)
            if not result["success"]:
                raise RuntimeError(f"releasing {assignment} failed:\n{result.get('log')}")
    return course


def add_roster(course, students):
    """Put the students in the gradebook, as `nbgrader db student import` would."""
    with course.open_gradebook() as gradebook:
        for student in students:
            gradebook.update_or_create_student(student)


def run(folder, jobs=None, timeout=None, progress=True):
    """The whole cycle in folder; print each step and the summary; return the export rows."""
    started = time.perf_counter()
    say = print if progress else (lambda *a, **k: None)
    say(f"1. building the course and its release in {folder} ...")
    course = make_course(folder, [ASSIGNMENT])
    incoming = course.root / "incoming"
    write_class(course, incoming)
    say(f"2. collecting the sample class from {incoming} ...")
    collected = collect(course, ASSIGNMENT, incoming)
    for line in collected.lines():
        say(f"   {line}")
    add_roster(course, [s for s, _, _ in collected.taken] + [NO_SHOW])
    say("3. grading ...")
    overrides = {"Execute.timeout": timeout} if timeout else None
    grading_started = time.perf_counter()
    outcomes = grade(course, ASSIGNMENT, jobs=jobs, overrides=overrides, progress=progress)
    grading = time.perf_counter() - grading_started
    csv_path = course.root / "grades.csv"
    rows = export(course, [ASSIGNMENT], csv_path)
    say("4. writing feedback and the class report ...")
    feedback(course, ASSIGNMENT, list(outcomes))
    mistakes = class_report.build(course, ASSIGNMENT, rows, course.grading_dir)
    say("")
    say(summary(course, rows, mistakes))
    worker = sum(o.seconds for o in outcomes.values()) / max(1, len(outcomes))
    say(f"\n{len(outcomes)} submissions graded in {grading:.0f} s, "
        f"{grading / max(1, len(outcomes)):.1f} s per submission "
        f"({worker:.1f} s of a worker's time each); the whole cycle took "
        f"{time.perf_counter() - started:.0f} s.")
    say(f"grades:   {csv_path}")
    say(f"feedback: {course.root / 'feedback'}")
    say(f"report:   {course.grading_dir / (ASSIGNMENT + '-report.html')}")
    return rows


def summary(course, rows, mistakes):
    """A plain-text table: one line per student, points per exercise, total and status."""
    ids = grade_ids(course, ASSIGNMENT)
    by_student = {}
    for (grade_id, name), students in mistakes.items():
        for student in students:
            by_student.setdefault(student, []).append(f"{grade_id.removeprefix('test_')}: {name}")
    short = [g.removeprefix("test_").removeprefix("q_")[:6] for g in ids]
    header = f"{'student':<24}" + "".join(f"{s:>7}" for s in short) + f"{'total':>8}  status"
    lines = [header, "-" * len(header)]
    for row in rows:
        points = "".join(f"{row[g] or '-':>7}" for g in ids)
        lines.append(f"{row['student'][:23]:<24}{points}{row['total']:>5}/{row['max_total']:<3} "
                     f"{row['status']}")
        for diagnosis in by_student.get(row["student"], []):
            lines.append(f"{'':<26}↳ {diagnosis}")
    return "\n".join(lines)
