"""Autograde a whole class with nbgrader, in parallel worker processes.

Each worker starts nbgrader once and autogrades its share of the submissions in-process, so
nbgrader's start-up is paid once per worker, not once per student. Every submission gets a
status (graded, timed out, broken submission, missing notebook, kernel died, autograde
failed); a broken submission never stops the rest of the class, not even one that takes its
worker process down (it is retried alone). Workers share the SQLite gradebook, whose lock
they wait for (Course.db_url sets the timeout), so no grade is lost to contention.
"""

import json
import os
import re
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context

import nbformat
from nbformat.reader import NotJSONError
from tqdm import tqdm

from .course import Course
from .integrity import PROTECTED, check_submission
from .sandbox import ENV_COURSE_ROOT

GRADED, TIMED_OUT = "graded", "timed out"
BROKEN, MISSING, FAILED = "broken submission", "missing notebook", "autograde failed"
KERNEL_DIED = "kernel died"
NOT_SUBMITTED = "not submitted"
SCORED = (GRADED, TIMED_OUT, KERNEL_DIED)


@dataclass
class Outcome:
    """What happened to one student's submission."""

    student: str
    status: str
    detail: str = ""
    seconds: float = 0.0
    flags: list = field(default_factory=list)


def grade(course, assignment, students=None, jobs=None, overrides=None, progress=True):
    """Autograde the assignment for the students (default: every submission); return outcomes.

    jobs: worker processes (default: the number of cores). overrides: nbgrader settings such
    as {"Execute.timeout": 10}. Statuses are saved in the course's grading folder.
    """
    students = sorted(students or course.submitted_students(assignment))
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(students) or 1))
    outcomes = {}
    bar = tqdm(total=len(students), desc=f"grading {assignment}", unit="submission",
               disable=not progress)
    setup = (str(course.root), overrides or {})
    lost = _run(setup, assignment, students, jobs, outcomes, bar)
    for student in lost:  # its worker died: alone in a new one, then give up on it
        if _run(setup, assignment, [student], 1, outcomes, bar):
            outcomes[student] = Outcome(student, FAILED, "the grading worker died on it")
            bar.update()
    bar.close()
    statuses = course.load_statuses(assignment)
    statuses.update({s: asdict(o) for s, o in outcomes.items()})
    course.save_statuses(assignment, statuses)
    return dict(sorted(outcomes.items()))


def _run(setup, assignment, students, jobs, outcomes, bar):
    """Grade students in a pool of jobs workers into outcomes; return those whose worker died."""
    lost = []
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_start_worker,
                             initargs=setup) as pool:
        futures = {pool.submit(_grade_one, assignment, s): s for s in students}
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except BrokenProcessPool:
                lost.append(futures[future])
                continue
            outcomes[outcome.student] = outcome
            bar.update()
            if outcome.status != GRADED:
                bar.write(f"{outcome.student}: {outcome.status} — {outcome.detail}")
            for flag in outcome.flags:
                bar.write(f"{outcome.student}: flagged — {flag}")
    return sorted(lost)


_worker = {}


def _start_worker(root, overrides):
    warnings.simplefilter("ignore")
    os.environ[ENV_COURSE_ROOT] = root  # the kernels confine themselves to their folder
    course = Course(root)
    _worker["course"] = course
    _worker["api"] = course.api(**{**PROTECTED, **overrides})
    _worker["timeout"] = _worker["api"].config.Execute.timeout


def _grade_one(assignment, student):
    """Autograde one submission in this worker; never raises."""
    course, api = _worker["course"], _worker["api"]
    started = time.perf_counter()
    outcome = _precheck(course, assignment, student)
    if outcome is None:
        try:
            result = api.autograde(assignment, student, force=True, create=True)
        except Exception as error:  # nbgrader itself failed on this submission
            result = {"success": False, "error": f"{type(error).__name__}: {error}"}
        outcome = _outcome_of(course, assignment, student, result)
        if outcome.status in SCORED:
            try:
                outcome.flags = check_submission(course, assignment, student, _worker["timeout"],
                                                 kernel_ran=outcome.status != KERNEL_DIED)
            except Exception as error:  # the verification itself failed: say so, score nothing
                outcome = Outcome(student, FAILED, f"verification failed: "
                                  f"{type(error).__name__}: {error}"[:300])
    outcome.seconds = round(time.perf_counter() - started, 3)
    return outcome


def _precheck(course, assignment, student):
    """An Outcome for a submission nbgrader cannot grade, or None when it can."""
    folder = course.submitted(student, assignment)
    path = folder / f"{course.notebook_name(assignment)}.ipynb"
    where = path.relative_to(course.root)
    if not path.exists():
        found = sorted(p.name for p in folder.glob("*.ipynb"))
        return Outcome(student, MISSING, f"{where} not found"
                       + (f" (found {', '.join(found)})" if found else " (no notebook)"))
    try:
        notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        nbformat.validate(notebook)
    except (NotJSONError, json.JSONDecodeError, nbformat.ValidationError,
            UnicodeDecodeError) as error:
        first_line = str(error).strip().splitlines()[0].split(": '")[0][:200]
        return Outcome(student, BROKEN, f"{where} is not a valid notebook: {first_line}")
    except Exception as error:
        return Outcome(student, BROKEN, f"{where} cannot be read: {type(error).__name__}: {error}")
    return None


def _outcome_of(course, assignment, student, result):
    if not result.get("success"):
        log = f"{result.get('log', '')}\n{result.get('error', '')}"
        if "DeadKernelError" in log or "Kernel died" in log:
            return Outcome(student, KERNEL_DIED, "the kernel died while running the notebook "
                           "(a crash or os._exit): each test was graded by re-running it "
                           "outside the notebook")
        reasons = [line.strip() for line in log.splitlines()
                   if re.match(r"\s*\w+(Error|Exception): ", line)
                   and "NbGraderException" not in line]
        return Outcome(student, FAILED, (reasons or ["nbgrader failed on it"])[-1][:300])
    path = course.autograded(student, assignment) / f"{course.notebook_name(assignment)}.ipynb"
    timed_out = _timed_out_cells(path)
    if timed_out:
        return Outcome(student, TIMED_OUT,
                       f"cells stopped at the time limit: {', '.join(timed_out)}")
    return Outcome(student, GRADED)


def _timed_out_cells(path):
    """grade_ids (or indices) of the cells of an autograded notebook that hit the time limit."""
    notebook = nbformat.read(path, as_version=4)
    cells = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and "Timeout" in output.get("ename", ""):
                cells.append(cell.metadata.get("nbgrader", {}).get("grade_id", f"cell {index}"))
                break
    return cells
