"""Figures 1 and 2: what grading the sample class costs, and what a second worker buys.

Figure 1 sets the class-grading command (autograder.grade.grade, jobs=1) against the floor:
the same autograded notebooks executed by nbclient alone in their folders (kernel start, every
cell, kernel shutdown). Where the difference goes is measured, not guessed: worker start-up
(grade()'s wall clock less its workers' time), one submission's api.autograde under cProfile
(execution against nbgrader's own processing, its database and its notebook validation),
grade.py's own notebook reads, and the separate feedback command for comparison.

Figure 2 is the wall clock of the whole grade() call with jobs=1 over jobs=2, each on a fresh
copy of the same collected course, the two alternating over the repetitions.
"""

import cProfile
import pstats
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

from autograder import grade as grading
from autograder.collect import collect
from autograder.course import Course
from autograder.demo import make_course
from autograder.feedback import feedback
from autograder.sample_class import ASSIGNMENT, write_class

from .nbrun import run_notebook
from .report import figure
from .timing import cpu_seconds, median, timed

EXECUTED = (grading.GRADED, grading.TIMED_OUT)
PROFILED_STUDENT = "perfect"


def prepare(folder):
    """A course with the sample class collected and nothing graded yet."""
    course = make_course(folder / "base", [ASSIGNMENT])
    write_class(course, folder / "incoming")
    collect(course, ASSIGNMENT, folder / "incoming")
    return course


def fresh_copy(course, target):
    shutil.copytree(course.root, target)
    return Course(target)


def grade_runs(base, folder, reps, say):
    """[{rep, jobs, wall, course, outcomes}]: jobs=1 and jobs=2 alternately, reps times each."""
    runs = []
    for rep in range(reps):
        for jobs in ((1, 2) if rep % 2 == 0 else (2, 1)):
            say(f"   grading the sample class, jobs={jobs} (repetition {rep + 1}/{reps}) ...")
            course = fresh_copy(base, folder / f"rep{rep}-jobs{jobs}")
            cpu = cpu_seconds()
            wall, outcomes = timed(grading.grade, course, ASSIGNMENT, jobs=jobs, progress=False)
            runs.append({"rep": rep, "jobs": jobs, "wall": wall, "cpu": cpu_seconds() - cpu,
                         "course": course, "outcomes": outcomes})
    return runs


def executed_students(outcomes):
    return sorted(s for s, o in outcomes.items() if o.status in EXECUTED)


def statuses_agree(runs):
    first = {s: o.status for s, o in runs[0]["outcomes"].items()}
    return all({s: o.status for s, o in r["outcomes"].items()} == first for r in runs)


# Self time in these places, by where the function lives (a path fragment or, for built-ins,
# a word of their name): the first match wins.
BUCKETS = (
    ("kernel: waiting and messaging", ("epoll", "select", "/zmq/", "/jupyter_client/",
                                       "/nbclient/", "/asyncio/", "selectors.py", "/tornado/")),
    ("database (sqlalchemy, sqlite3)", ("/sqlalchemy/", "sqlite3", "/alembic/")),
    ("notebook JSON and validation", ("/nbformat/", "/jsonschema/", "/fastjsonschema/",
                                      "/referencing/", "/rpds/", "json")),
    ("nbgrader's own code", ("/nbgrader/",)),
)


def bucket_of(path, name):
    where = path if path != "~" else name
    for bucket, fragments in BUCKETS:
        if any(f in where for f in fragments):
            return bucket
    return "other (nbconvert, traitlets, files, ...)"


def profile_autograde(course, student):
    """api.autograde of one submission under cProfile: seconds by part, and self time by place."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        api = course.api()
        profiler = cProfile.Profile()
        profiler.enable()
        total, result = timed(api.autograde, ASSIGNMENT, student, force=True, create=True)
        profiler.disable()
    if not result.get("success"):
        raise RuntimeError(f"profiled autograde of {student} failed: {result.get('error')}")
    stats = pstats.Stats(profiler).stats
    execute = kernel = 0.0
    by_place = {}
    for (path, _, name), (_, _, self_time, cumulative, _) in stats.items():
        if path.endswith("nbconvert/preprocessors/execute.py") and name == "preprocess":
            execute += cumulative
        if path.endswith("nbclient/client.py") and name == "setup_kernel":
            kernel += cumulative   # the generator's own frames: kernel start and shutdown
        place = bucket_of(path, name)
        by_place[place] = by_place.get(place, 0.0) + self_time
    return {"total": total, "execute": execute, "kernel": kernel,
            "self_time": dict(sorted(by_place.items(), key=lambda kv: -kv[1]))}


WORKER = "import sys; from autograder.grade import _start_worker; _start_worker(sys.argv[1], {})"


def worker_startup(course):
    """Seconds for a new interpreter to import autograder.grade and start nbgrader, as a
    grading worker does once (spawned workers also import the parent's main module)."""
    seconds, _ = timed(subprocess.run, [sys.executable, "-c", WORKER, str(course.root)],
                       check=True, capture_output=True)
    return seconds


def own_reads(course, student):
    """Seconds of grade.py's own work around api.autograde: the pre-check and the timeout scan."""
    path = course.autograded(student, ASSIGNMENT) / f"{course.notebook_name(ASSIGNMENT)}.ipynb"
    before, _ = timed(grading._precheck, course, ASSIGNMENT, student)
    after, _ = timed(grading._timed_out_cells, path)
    return before + after


def floor_runs(course, students, say):
    """({student: nbclient Run of their autograded notebook, in its folder}, CPU seconds)."""
    say(f"   the floor: {len(students)} autograded notebooks with nbclient alone ...")
    name = f"{course.notebook_name(ASSIGNMENT)}.ipynb"
    cpu = cpu_seconds()
    runs = {s: run_notebook(course.autograded(s, ASSIGNMENT) / name) for s in students}
    return runs, cpu_seconds() - cpu


def measure(folder, reps, say):
    """Both figures, measured in folder (a scratch directory)."""
    folder = Path(folder)
    say("   building the course and collecting the sample class ...")
    base = prepare(folder)
    runs = grade_runs(base, folder, reps, say)
    single = [r for r in runs if r["jobs"] == 1]
    course = single[-1]["course"]
    students = executed_students(single[-1]["outcomes"])
    if not students:
        raise RuntimeError("no submission of the sample class was executed: nothing to compare")
    floors, floor_cpu = floor_runs(course, students, say)
    say("   profiling one submission, timing the feedback command ...")
    profile = profile_autograde(course, PROFILED_STUDENT)
    reads = own_reads(course, PROFILED_STUDENT)
    startup = worker_startup(course)
    feedback_seconds, failures = timed(feedback, course, ASSIGNMENT, students)
    return (overhead_figure(runs, students, floors, floor_cpu, profile, reads, startup,
                            feedback_seconds / len(students), failures),
            parallel_figure(runs, students))


def overhead_figure(runs, students, floors, floor_cpu, profile, reads, startup, feedback_each,
                    failures):
    single = [r for r in runs if r["jobs"] == 1]
    n = len(students)
    walls = [r["wall"] for r in single]
    worker = {s: median(r["outcomes"][s].seconds for r in single) for s in students}
    floor = {s: floors[s].total for s in students}
    floor_each = sum(floor.values()) / n
    command_each = median(walls) / n
    startup_each = median((r["wall"] - sum(o.seconds for o in r["outcomes"].values())) / n
                          for r in single)
    ratio = command_each / floor_each
    cpu_ratio = median(r["cpu"] for r in single) / floor_cpu
    paired = median(worker[s] / floor[s] for s in students)
    profile_rest = profile["total"] - profile["execute"]
    typical = floors.get(PROFILED_STUDENT) or next(iter(floors.values()))

    def row(part, seconds, note="", floor_seconds=floor_each):
        return {"part": part, "s/submission": seconds, "x floor": seconds / floor_seconds,
                "note": note}

    rows = [
        row("floor: nbclient alone", floor_each,
            f"kernel start {median(f.start for f in floors.values()):.2f} s, cells "
            f"{median(f.cells for f in floors.values()):.2f} s, shutdown "
            f"{median(f.stop for f in floors.values()):.2f} s (medians); slowest cell "
            f"{typical.slowest[0]} {typical.slowest[1]:.2f} s"),
        row("grade(), jobs=1: wall / submissions", command_each,
            f"median of {len(walls)} run(s) of {n} executed submissions"),
        row("  CPU time of grade() and its processes", median(r["cpu"] for r in single) / n,
            f"CPU s; x floor here is against the floor's CPU, {floor_cpu / n:.2f} s/submission",
            floor_cpu / n),
        row("  worker time (Outcome.seconds)", median(worker.values()), "median over students"),
        row("  worker start-up and pool, shared out", startup_each,
            "grade() wall less the sum of its workers' time"),
        row("    of which a worker's start-up, alone", startup / n,
            f"{startup:.2f} s once per worker (new interpreter, imports, NbGraderAPI), "
            f"shared out over {n}"),
        row(f"one api.autograde ({PROFILED_STUDENT}), profiled", profile["total"],
            "cProfile adds its own overhead"),
        row("  execution (nbconvert ExecutePreprocessor)", profile["execute"],
            f"of which kernel start + shutdown {profile['kernel']:.2f} s"),
        row("  nbgrader's own processing", profile_rest,
            "sanitize, restore cells, gradebook, save autogrades, write"),
    ]
    rows += [row(f"  self time in {place}", seconds, "whole call, by package")
             for place, seconds in profile["self_time"].items()]
    rows += [
        row("grade.py's own notebook reads", reads, "_precheck + _timed_out_cells"),
        row("feedback command (not part of grade())", feedback_each,
            "includes its one nbgrader start-up"
            + (f"; {len(failures)} failed" if failures else "")),
    ]
    errors = typical.errors
    notes = [
        "floor = NotebookClient(allow_errors=True) on autograded/<student>/2_backprop/"
        "backprop.ipynb in its folder (coursetools and cases.json beside it): kernel start, "
        "every cell, kernel shutdown; one run per student",
        "ratio = grade() wall clock per executed submission (jobs=1) / floor per submission; "
        "paired = median over students of worker seconds / that student's floor seconds; "
        "CPU-time ratio = CPU seconds of grade() with its workers and kernels / those of the "
        "floor (less sensitive to other work on the machine than the wall clock)",
        "self time of the profiled call is split by the package each function lives in; "
        "'kernel: waiting and messaging' is the time spent while the kernel runs the cells",
    ]
    if errors:
        notes.append(f"the floor run of {PROFILED_STUDENT} raised in {', '.join(errors)}: "
                     "check that coursetools and cases.json are beside the notebook")
    return figure("1. Grading overhead: grade() against nbclient alone (sample class)",
                  ["part", "s/submission", "x floor", "note"], rows,
                  {"ratio (grade() / floor)": ratio,
                   "CPU-time ratio (grade() / floor)": cpu_ratio,
                   "paired per-submission ratio (worker / floor)": paired,
                   "above 1.2": ratio > 1.2,
                   "submissions executed": n,
                   "statuses": _status_counts(single[-1]["outcomes"])},
                  notes)


def parallel_figure(runs, students):
    reps = sorted({r["rep"] for r in runs})
    rows, speedups = [], []
    for rep in reps:
        wall = {r["jobs"]: r["wall"] for r in runs if r["rep"] == rep}
        speedups.append(wall[1] / wall[2])
        rows.append({"repetition": rep + 1, "jobs=1 wall s": wall[1], "jobs=2 wall s": wall[2],
                     "speed-up": wall[1] / wall[2]})
    speedup = median(speedups)
    return figure("2. Parallel grading: jobs=2 against jobs=1 (whole grade() call)",
                  ["repetition", "jobs=1 wall s", "jobs=2 wall s", "speed-up"], rows,
                  {"speed-up (median)": speedup,
                   "parallel efficiency (speed-up / 2)": speedup / 2,
                   "same statuses in every run": statuses_agree(runs),
                   "submissions executed": len(students)},
                  ["each run grades a fresh copy of the same collected course; the order of "
                   "jobs=1 and jobs=2 alternates between repetitions",
                   "the machine's 2 cores are shared: other work during a run lowers the "
                   "speed-up; the load average is in the header"])


def _status_counts(outcomes):
    counts = {}
    for outcome in outcomes.values():
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
