"""Autograde a whole class with nbgrader, in parallel worker processes, each submission sandboxed.

Each worker starts nbgrader once, reads what it trusts (the instructor's tests, the hidden
cases) before any student code runs, and autogrades its share of the submissions in-process
with nbgrader's autograde, whose execution step runs the student's code in the sandbox
(execute.SandboxedExecute). A submission reaches nbgrader only as a staged copy of its
notebook (and timestamp), read without following links, so nothing else the student folder
holds is ever copied or shown.

Every submission gets a status (graded, timed out, kernel died, broken submission, missing
notebook, autograde failed); a broken submission never stops the rest of the class, not even
one that takes its worker process down (it is retried alone). Workers share the gradebook:
SQLite, whose lock they wait for, or a database server (see autograder.database).

The same per-submission grading (`grade_in_process`) also runs as the tasks of a Dask
cluster (module cluster) when grade() is given a client.
"""

import atexit
import json
import os
import re
import shutil
import stat
import tempfile
import threading
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context

import nbformat
from nbformat.reader import NotJSONError
from tqdm import tqdm

from ..course import Course
from ..edition import LANGUAGES, edition_of
from . import execute
from .integrity import PROTECTED, tampered_cells
from .sandbox import copy_student_files, detect, install_runner

GRADED, TIMED_OUT = "graded", "timed out"
BROKEN, MISSING, FAILED = "broken submission", "missing notebook", "autograde failed"
KERNEL_DIED, BLANK, SYNTAX_ERROR = "kernel died", "blank", "syntax error"
NOT_SUBMITTED = "not submitted"
SCORED = (GRADED, TIMED_OUT, KERNEL_DIED, BLANK, SYNTAX_ERROR)
UNGRADABLE = (BROKEN, MISSING, FAILED)
MAX_NOTEBOOK = 20 * 1024**2  # bytes of a submitted notebook


class GradingError(Exception):
    """The assignment as a whole cannot be graded (said before any submission is)."""


@dataclass
class Outcome:
    """What happened to one student's submission."""

    student: str
    status: str
    detail: str = ""
    seconds: float = 0.0
    flags: list = field(default_factory=list)
    sandbox: str = ""
    language: str = "en"  # of the submission's edition, for its feedback


def grade(course, assignment, students=None, jobs=None, overrides=None, progress=True,
          sandbox=None, say=print, client=None):
    """Autograde the assignment for the students (default: every submission); return outcomes.

    jobs: worker processes (default: the number of cores). overrides: nbgrader settings such
    as {"Execute.timeout": 10, "SandboxedExecute.time_budget": 120}. sandbox: the Sandbox
    to grade in (default: the best one here; SandboxUnavailable when there is none).
    client: a dask.distributed Client whose workers grade instead of a local pool (jobs is
    then unused). Statuses are saved in the course's grading folder.
    """
    sandbox = sandbox or detect()
    if add_to_gradebook(course, assignment):
        say(f"{assignment} was not in the gradebook yet: added it from "
            f"{course.source(assignment).relative_to(course.root)}/")
    students = sorted(students or course.submitted_students(assignment))
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(students) or 1))
    outcomes = {}
    bar = tqdm(total=len(students), desc=f"grading {assignment}", unit="submission",
               disable=not progress)

    def record(outcome):
        outcomes[outcome.student] = outcome
        bar.update()
        if outcome.status != GRADED:
            bar.write(f"{outcome.student}: {outcome.status} — {outcome.detail}")
        for flag in outcome.flags:
            bar.write(f"{outcome.student}: flagged — {flag}")

    setup = (str(course.root), assignment, overrides or {}, sandbox, course.db_url)
    if client is not None:
        from .cluster import grade_on

        grade_on(client, setup, students, record)
    else:
        for student in _run(setup, students, jobs, record):
            # its worker died: alone in a new one, then give up on it
            if _run(setup, [student], 1, record):
                record(Outcome(student, FAILED, "the grading worker died on it",
                               sandbox=sandbox.mode))
    bar.close()
    statuses = course.load_statuses(assignment)
    statuses.update({s: asdict(o) for s, o in outcomes.items()})
    course.save_statuses(assignment, statuses)
    return dict(sorted(outcomes.items()))


def add_to_gradebook(course, assignment):
    """Record the assignment's source notebook in the gradebook if it is not there yet (as
    nbgrader's generate_assignment does, without touching the students' release); return
    whether it was added."""
    from nbgrader.api import MissingEntry

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with course.open_gradebook() as gradebook:
            try:
                gradebook.find_notebook(course.notebook_name(assignment), assignment)
                return False
            except MissingEntry:
                pass
        with tempfile.TemporaryDirectory(prefix="autograder-release-") as scratch:
            api = course.api(**{"CourseDirectory.release_directory": scratch})
            result = api.generate_assignment(assignment, force=True)
    if not result.get("success"):
        reasons = [line.strip() for line in f"{result.get('log')}\n{result.get('error')}"
                   .splitlines() if "Error" in line or "error" in line.lower()]
        raise GradingError(f"{assignment} is not in the gradebook and nbgrader could not add "
                           f"it from {course.source(assignment)}: "
                           f"{(reasons or ['unknown reason'])[-1][:300]}")
    return True


def _run(setup, students, jobs, record):
    """Grade students in a pool of jobs workers, record(outcome) each; return those whose
    worker died."""
    lost = []
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_start_worker,
                             initargs=setup) as pool:
        futures = {pool.submit(_grade_one, s): s for s in students}
        for future in as_completed(futures):
            try:
                record(future.result())
            except BrokenProcessPool:
                lost.append(futures[future])
    return sorted(lost)


_worker = {}
_one_at_a_time = threading.Lock()


def grade_in_process(setup, student):
    """Autograde one submission in this process (a Dask worker's), first set up for setup
    (grade()'s) unless it already is; one submission at a time, whatever the threads."""
    with _one_at_a_time:
        if _worker.get("setup") != setup:
            if "scratch" in _worker:
                shutil.rmtree(_worker["scratch"], ignore_errors=True)
            _worker.clear()
            _start_worker(*setup)
        return _grade_one(student)


def _start_worker(root, assignment, overrides, sandbox, db_url=None):
    """Read everything trusted, then configure nbgrader: before any student code runs.
    db_url: the gradebook's (default: the course's own setting)."""
    warnings.simplefilter("ignore")
    course = Course(root, db_url)
    scratch = tempfile.mkdtemp(prefix="autograder-worker-")
    atexit.register(shutil.rmtree, scratch, True)
    runner_dir = os.path.join(scratch, "runner")
    os.mkdir(runner_dir)
    install_runner(runner_dir)
    staging = os.path.join(scratch, "submissions")
    plan = execute.Plan.of(course, assignment)
    plan.student_files = copy_student_files(plan.student_files, os.path.join(scratch, "release"))
    execute.configure(sandbox, runner_dir, {assignment: plan})
    _worker.update(setup=(root, assignment, overrides, sandbox, db_url), scratch=scratch,
                   course=course, assignment=assignment, sandbox=sandbox, staging=staging,
                   released=_released(course, assignment),
                   api=course.api(**{**PROTECTED, **overrides,
                                     "CourseDirectory.submitted_directory": staging,
                                     "ScrubPaths.root": str(course.root)}))


def _released(course, assignment):
    """{language: the students' notebook} of every edition released, for spotting edited
    locked cells and blank submissions (English: the source when unreleased)."""
    name = f"{course.notebook_name(assignment)}.ipynb"
    path = course.release(assignment) / name
    editions = {"en": nbformat.read(path if path.exists() else course.source(assignment) / name,
                                    as_version=4)}
    for language in LANGUAGES:
        path = course.release(assignment, language) / name
        if path.exists():
            editions[language] = nbformat.read(path, as_version=4)
    return editions


def _released_like(notebook):
    """The released notebook of the submission's edition (English when unknown)."""
    editions = _worker["released"]
    return editions.get(edition_of(notebook), editions["en"])


def _grade_one(student):
    """Autograde one submission in this worker; never raises."""
    course, api, assignment = _worker["course"], _worker["api"], _worker["assignment"]
    mode = _worker["sandbox"].mode
    started = time.perf_counter()
    outcome, notebook = _stage(course, assignment, student, _worker["staging"])
    if outcome is None:
        reviewed = _reviewed_answers(course, assignment, student)
        try:
            result = api.autograde(assignment, student, force=True, create=True)
        except Exception as error:  # nbgrader itself failed on this submission
            result = {"success": False, "error": f"{type(error).__name__}: {error}"}
        report = execute.Context.reports.pop((assignment, student), None)
        outcome = _outcome_of(student, result, report)
        if outcome.status in SCORED:
            _keep_reviewed(course, assignment, student, reviewed, _answers(notebook))
            outcome = _refined(course, assignment, student, notebook, outcome)
            outcome.flags = tampered_cells(_released_like(notebook), notebook)
        shutil.rmtree(os.path.join(_worker["staging"], student), ignore_errors=True)
    outcome.sandbox = mode
    outcome.language = edition_of(notebook) if notebook is not None else "en"
    if mode == "none":
        outcome.detail = f"{outcome.detail} [graded WITHOUT a sandbox]".strip()
    outcome.seconds = round(time.perf_counter() - started, 3)
    return outcome


def _answers(notebook):
    """{grade_id: source} of a notebook's answer cells (code and written)."""
    return {c.metadata["nbgrader"].get("grade_id"): c.source for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def _refined(course, assignment, student, notebook, outcome):
    """A graded outcome made precise: blank (nothing answered) or a syntax error's cell."""
    if outcome.status != GRADED:
        return outcome
    if _answers(notebook) == _answers(_released_like(notebook)):
        return Outcome(student, BLANK, "nothing answered: every answer cell is as released")
    path = course.autograded_notebook(student, assignment)
    for cell in nbformat.read(path, as_version=4).cells:
        for output in cell.get("outputs", []):
            if output.get("ename") in ("SyntaxError", "IndentationError", "TabError"):
                where = cell.metadata.get("nbgrader", {}).get("grade_id", "a cell")
                return Outcome(student, SYNTAX_ERROR, f"in {where}: {output.get('evalue')}"
                               [:300] + " (the cell did not run; the others were graded)")
    return outcome


def _reviewed_answers(course, assignment, student):
    """{grade_id: (answer, needs_manual_grade)} of the written answers already graded by hand,
    before a regrade (nbgrader's autograde marks them for review again)."""
    from nbgrader.api import MissingEntry

    path = course.autograded_notebook(student, assignment)
    if not path.exists():
        return {}
    answers = _answers(nbformat.read(path, as_version=4))
    with course.open_gradebook() as gradebook:
        try:
            grades = gradebook.find_submission_notebook(
                course.notebook_name(assignment), assignment, student).grades
        except MissingEntry:
            return {}
        return {g.name: (answers.get(g.name), g.needs_manual_grade) for g in grades
                if g.manual_score is not None and g.name in answers}


def _keep_reviewed(course, assignment, student, reviewed, answers):
    """Give the manual grades whose answer (answers: the submission's) did not change their
    reviewed state back."""
    if not reviewed:
        return
    with course.open_gradebook() as gradebook:
        for grade in gradebook.find_submission_notebook(
                course.notebook_name(assignment), assignment, student).grades:
            answer, needed = reviewed.get(grade.name, (None, None))
            if grade.name in reviewed and answers.get(grade.name) == answer:
                grade.needs_manual_grade = needed
        gradebook.db.commit()


def _read_regular(path, limit):
    """The bytes of path, a regular file of at most limit bytes, read without following a
    link; OSError or ValueError otherwise."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("is not a regular file")
        if info.st_size > limit:
            raise ValueError(f"is larger than {limit // 1024**2} MB")
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read(limit + 1)
    finally:
        os.close(fd)


def _stage(course, assignment, student, staging):
    """(Outcome, None) for a submission nbgrader cannot grade, else (None, its notebook),
    with the notebook (and timestamp.txt) copied to the worker's staging folder."""
    name = f"{course.notebook_name(assignment)}.ipynb"
    folder = course.submitted(student, assignment)
    path = folder / name
    where = path.relative_to(course.root)
    if not os.path.lexists(path):
        found = sorted(p.name for p in folder.glob("*.ipynb"))
        return Outcome(student, MISSING, f"{where} not found"
                       + (f" (found {', '.join(found)})" if found else " (no notebook)")), None
    try:
        content = _read_regular(path, MAX_NOTEBOOK)
    except OSError as error:
        reason = ("is a symbolic link, not a notebook" if error.errno == 40
                  else f"cannot be read: {error.strerror}")
        return Outcome(student, BROKEN, f"{where} {reason}"), None
    except ValueError as error:
        return Outcome(student, BROKEN, f"{where} {error}"), None
    try:
        notebook = nbformat.reads(content.decode("utf-8"), as_version=nbformat.NO_CONVERT)
        nbformat.validate(notebook)
    except (NotJSONError, json.JSONDecodeError, nbformat.ValidationError,
            UnicodeDecodeError) as error:
        first_line = str(error).strip().splitlines()[0].split(": '")[0][:200]
        return Outcome(student, BROKEN, f"{where} is not a valid notebook: {first_line}"), None
    except Exception as error:  # noqa: BLE001 (anything else nbformat refuses)
        return Outcome(student, BROKEN, f"{where} cannot be read: {type(error).__name__}: "
                       f"{str(error)[:200]}"), None
    target = os.path.join(staging, student, assignment)
    shutil.rmtree(os.path.join(staging, student), ignore_errors=True)
    os.makedirs(target)
    with open(os.path.join(target, name), "wb") as copy:
        copy.write(content)
    try:
        stamp = _read_regular(folder / "timestamp.txt", 1000)
        with open(os.path.join(target, "timestamp.txt"), "wb") as copy:
            copy.write(stamp)
    except (OSError, ValueError):
        pass
    return None, nbformat.v4.upgrade(notebook) if notebook.nbformat < 4 else notebook


def _outcome_of(student, result, report):
    if not result.get("success") or report is None:
        log = f"{result.get('log', '')}\n{result.get('error', '')}"
        reasons = [line.strip() for line in log.splitlines()
                   if re.match(r"\s*\w+(Error|Exception): ", line)
                   and "NbGraderException" not in line]
        return Outcome(student, FAILED, (reasons or ["nbgrader failed on it"])[-1][:300])
    if report.timed_out or report.budget_exceeded:
        detail = f"cells stopped at the time limit: {', '.join(report.timed_out)}" \
            if report.timed_out else ""
        if report.budget_exceeded:
            detail = "; ".join(filter(None, [detail, "the submission used its whole time "
                                             "budget: the cells after it were not run"]))
        return Outcome(student, TIMED_OUT, detail)
    if report.died:
        return Outcome(student, KERNEL_DIED, "the process running the notebook died in "
                       f"{', '.join(report.died)} (a crash or os._exit); the other cells "
                       "were graded")
    return Outcome(student, GRADED)
