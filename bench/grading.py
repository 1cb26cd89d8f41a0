"""Figures 1 and 2: what grading the sample class costs, and what a second worker buys.

Figure 1 sets the class-grading command (autograder.grade.grade, jobs=1) against the floor:
the same autograded notebooks executed by nbclient alone in their folders (kernel start, every
cell, kernel shutdown). Where the difference goes is measured, not guessed: worker start-up
(grade()'s wall clock less its workers' time), one worker's start-up and one submission under
cProfile in a new process (module worker_profile: nbgrader's autograde, its execution and own
processing, and whatever else grade.py does with the submission), and the separate feedback
command for comparison.

Figure 2 is the wall clock of the whole grade() call with jobs=1 over jobs=2, each on a fresh
copy of the same collected course, the two alternating over the repetitions.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from autograder.course import Course
from autograder.demo import make_course
from autograder.grading import grade as grading
from autograder.grading.collect import collect
from autograder.grading.feedback import feedback
from autograder.sample_class import ASSIGNMENT, write_class

from . import worker_profile
from .nbrun import run_notebook
from .report import figure
from .timing import cpu_seconds, median, timed

ROOT = Path(__file__).resolve().parent.parent
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


def profile_worker(course, student):
    """One worker's start-up and one submission under cProfile, in a new process (a dict, see
    bench.worker_profile)."""
    done = subprocess.run([sys.executable, "-m", "bench.worker_profile", str(course.root),
                           ASSIGNMENT, student], cwd=ROOT, capture_output=True, text=True)
    print(done.stdout, done.stderr, sep="\n", flush=True)  # to the bench's log
    found = [line for line in done.stdout.splitlines() if line.startswith(worker_profile.MARK)]
    if done.returncode or not found:
        raise RuntimeError(f"profiling a worker failed (exit {done.returncode}): "
                           f"{(done.stderr.strip().splitlines() or ['no output'])[-1]}")
    return json.loads(found[-1].removeprefix(worker_profile.MARK))


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
    profile = profile_worker(course, PROFILED_STUDENT)
    feedback_seconds, failures = timed(feedback, course, ASSIGNMENT, students)
    return (overhead_figure(runs, students, floors, floor_cpu, profile,
                            feedback_seconds / len(students), failures),
            parallel_figure(runs, students))


def overhead_figure(runs, students, floors, floor_cpu, profile, feedback_each, failures):
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
    startup = profile["import seconds"] + profile["start seconds"]
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
            f"{startup:.2f} s once per worker (imports, NbGraderAPI), shared out over {n}"),
        row(f"one submission in a worker ({PROFILED_STUDENT}), profiled", profile["total"],
            "autograder.grade._grade_one under cProfile (which adds overhead), in a new process"),
    ]
    rows += [row("  " * (depth + 1) + name, seconds, "called from the line above"
                 if depth else "called by _grade_one")
             for depth, name, seconds in profile["call tree"]]
    rows += [
        row("  in autograde: execution (ExecutePreprocessor)", profile["execute"],
            f"of which kernel start + shutdown {profile['kernel start and stop']:.2f} s"),
        row("  in autograde: nbgrader's own processing", profile["autograde"] - profile["execute"],
            "sanitize, restore cells, gradebook, save autogrades, write"),
    ]
    rows += [row(f"  self time in {place}", seconds, "whole call, by package")
             for place, seconds in profile["self time"].items()]
    rows += [
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
        "the profiled submission's calls are listed when they take 5% of it or more; its self "
        "time is split by the package each function lives in, 'waiting' being the time while "
        "the kernel or another process works",
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
