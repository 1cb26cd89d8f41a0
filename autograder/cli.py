"""The instructor's command line: `autograder <command>`. Each command maps flags to one call."""

import argparse
import contextlib
import os
import sys
from pathlib import Path

import nbformat

from . import demo, edition, release
from .course import NOTEBOOKS, Course
from .database import GradebookError
from .grading import report as class_report
from .grading.collect import CollectError, collect
from .grading.export import export, export_class
from .grading.feedback import feedback
from .grading.grade import UNGRADABLE, GradingError, grade
from .grading.roster import RosterError, import_roster
from .grading.sandbox import SandboxUnavailable, detect


def _course(args):
    try:
        return Course(args.course)
    except FileNotFoundError as error:
        raise SystemExit(f"autograder {args.command}: {error}") from None


def _assignments(course, names):
    unknown = [a for a in names if a not in course.assignments()]
    if unknown:
        raise SystemExit(f"unknown assignment(s) {', '.join(unknown)}; "
                         f"the course has {', '.join(course.assignments())}")
    return names or course.assignments()


def _release(args):
    if args.lang == "en":
        release.release(assignments=args.assignments or None)
        return
    try:
        release.release_edition(args.lang, assignments=args.assignments or None)
    except edition.UntranslatedError as error:
        raise SystemExit(f"autograder release --lang {args.lang}: {error}") from None


def _translations(args):
    for name in args.assignments or NOTEBOOKS:
        source = release.ROOT / "solutions" / name / f"{NOTEBOOKS[name]}.ipynb"
        change = edition.update_catalogue(args.lang, name,
                                          nbformat.read(source, as_version=4))
        print(f"{name}: {change['added']} new text(s), {change['removed']} removed, "
              f"{change['untranslated']} to translate in "
              f"{change['path'].relative_to(release.ROOT)}")


def _collect(args):
    course = _course(args)
    _assignments(course, [args.assignment])
    try:
        report = collect(course, args.assignment, args.source)
    except CollectError as error:
        raise SystemExit(f"collect: {error}") from None
    print("\n".join(report.lines()))


def _grade(args):
    course = _course(args)
    assignments = _assignments(course, args.assignments)
    try:
        sandbox = detect(allow_none=args.no_sandbox)
    except SandboxUnavailable as error:
        raise SystemExit(f"autograder grade: {error}") from None
    if not sandbox.isolated:
        print("WARNING: grading WITHOUT a sandbox (--no-sandbox): student code runs as you, "
              "with your files, your network and your processes. Every status and the report "
              "say so.", file=sys.stderr)
    overrides = {}
    if args.timeout:
        overrides["Execute.timeout"] = args.timeout
    if args.time_budget:
        overrides["SandboxedExecute.time_budget"] = args.time_budget
    print(f"sandbox: {sandbox.describe()}")
    with _dask_client(args) as client:
        return _grade_each(course, assignments, args, overrides, sandbox, client)


@contextlib.contextmanager
def _dask_client(args):
    """The Dask client that --scheduler or --cluster asks for (None for the local pool); a
    cluster that cannot be reached ends the command with status 2."""
    if not (args.scheduler or args.cluster):
        yield None
        return
    from .grading import cluster

    try:
        with (cluster.connect(args.scheduler) if args.scheduler
              else cluster.local(args.jobs or os.cpu_count() or 1)) as client:
            print(cluster.describe(client))
            yield client
    except cluster.ClusterError as error:
        print(f"autograder grade: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def _grade_each(course, assignments, args, overrides, sandbox, client):
    ungradable = 0
    for assignment in assignments:
        try:
            outcomes = grade(course, assignment, students=args.student, jobs=args.jobs,
                             overrides=overrides, sandbox=sandbox, client=client)
        except GradingError as error:
            raise SystemExit(f"autograder grade: {error}") from None
        counts = {}
        for outcome in outcomes.values():
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        print(f"{assignment}: " + (", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
                                   or "nothing submitted"))
        ungradable += sum(n for s, n in counts.items() if s in UNGRADABLE)
    if ungradable:
        print(f"autograder grade: {ungradable} submission(s) could not be graded (their status "
              "says why); every other one was", file=sys.stderr)
        return 1
    return 0


def _feedback(args):
    course = _course(args)
    for assignment in _graded_assignments(course, args):
        statuses = course.load_statuses(assignment)  # every student grading saw
        failures = feedback(course, assignment, list(statuses))
        print(f"{assignment}: feedback for {len(statuses) - len(failures)} student(s) in "
              f"{course.root / 'feedback'}")
        for student, error in failures.items():
            print(f"  {student}: feedback failed: {' '.join(error)}", file=sys.stderr)


def _graded_assignments(course, args):
    """The named assignments, or by default those in the gradebook (the others are said)."""
    if args.assignments:
        return _assignments(course, args.assignments)
    known = course.assignments_in_gradebook()
    waiting = [a for a in course.assignments() if a not in known]
    if waiting:
        print(f"not in the gradebook yet (never graded nor released): {', '.join(waiting)}")
    if not known:
        raise SystemExit(f"autograder {args.command}: no assignment is in the gradebook yet: "
                         "grade one first")
    return known


def _export(args):
    course = _course(args)
    rows = export_class(course, _graded_assignments(course, args), args.output)
    stem = args.output.with_suffix("")
    print(f"{len(rows)} student(s) written to {args.output} (one row each), the points per "
          f"exercise to {stem}-detail.csv, the Canvas gradebook to {stem}-canvas.csv")


def _roster(args):
    course = _course(args)
    try:
        added, updated = import_roster(course, args.file)
    except RosterError as error:
        raise SystemExit(f"autograder roster: {error}") from None
    print(f"roster: {added} student(s) added, {updated} updated in the gradebook")


def _report(args):
    course = _course(args)
    assignments = _graded_assignments(course, args)
    rows = export(course, assignments, course.grading_dir / "grades.csv")
    for assignment in assignments:
        class_report.build(course, assignment, rows, course.grading_dir)
        print(f"{course.grading_dir / (assignment + '-report.html')}")


def _demo(args):
    try:
        demo.run(args.dir, jobs=args.jobs, timeout=args.timeout)
    except (SandboxUnavailable, GradingError) as error:
        raise SystemExit(f"autograder demo: {error}") from None


def main(argv=None):
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name, run, help, course=True, assignments=True):
        sub = commands.add_parser(name, help=help, description=help)
        if course:
            sub.add_argument("--course", default=".", type=Path,
                             help="the course directory (default: here)")
        if assignments:
            sub.add_argument("assignments", nargs="*", help="default: every assignment")
        sub.set_defaults(run=run)
        return sub

    sub = command("release", _release, "build the students' notebooks/ from solutions/ (or "
                  "notebooks-<lang>/ in another language)", course=False)
    sub.add_argument("--lang", default="en", choices=["en", *edition.LANGUAGES],
                     help="the edition's language (default: en)")
    sub = command("translations", _translations, "bring translations/<lang>/*.po up to date "
                  "with the English notebooks in solutions/", course=False)
    sub.add_argument("--lang", default="zh", choices=list(edition.LANGUAGES))
    sub = command("collect", _collect, "copy submissions (a folder of student folders or an "
                  "LMS zip) into submitted/", assignments=False)
    sub.add_argument("assignment")
    sub.add_argument("source", type=Path)
    sub = command("grade", _grade, "autograde every submission, in parallel")
    sub.add_argument("-j", "--jobs", type=int, help="worker processes (default: cores), or the "
                     "workers of --cluster local")
    where = sub.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on the workers of this Dask scheduler (tcp://host:8786)")
    where.add_argument("--cluster", choices=["local"],
                       help="grade on a Dask LocalCluster of -j workers started here")
    sub.add_argument("--timeout", type=int, help="seconds per cell (default: nbgrader_config)")
    sub.add_argument("--time-budget", type=int,
                     help="seconds one submission may run in all (default: 300)")
    sub.add_argument("--student", action="append",
                     help="grade only this student (repeat for several)")
    sub.add_argument("--no-sandbox", action="store_true",
                     help="grade even where no sandbox can be set up (DANGEROUS: student code "
                          "then runs with all your rights)")
    command("feedback", _feedback, "write each graded student's HTML feedback")
    sub = command("export", _export, "write the grades: a row per student (and the detail "
                  "per exercise, and a Canvas gradebook, beside it)")
    sub.add_argument("-o", "--output", default="autograder-grades.csv", type=Path,
                     help="the class file (default: autograder-grades.csv)")
    sub = command("roster", _roster, "put the students (id, first_name, last_name, email, "
                  "lms_user_id columns of a CSV file) in the gradebook", assignments=False)
    sub.add_argument("file", type=Path)
    command("report", _report, "write the class report (HTML with plots)")
    sub = command("demo", _demo, "the whole cycle on a sample class", course=False,
                  assignments=False)
    sub.add_argument("--dir", default="demo", type=Path, help="where to build it (default: demo)")
    sub.add_argument("-j", "--jobs", type=int, help="worker processes (default: cores)")
    sub.add_argument("--timeout", type=int, help="seconds per cell (default: nbgrader_config)")

    args = parser.parse_args(argv)
    try:
        return args.run(args) or 0
    except GradebookError as error:
        print(f"autograder {args.command}: {error}", file=sys.stderr)
        return 2
