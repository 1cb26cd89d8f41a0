"""Figures 1 to 3: what grading the sample class costs, what the sandbox costs, and what a
second worker buys.

Grading (autograder.grading.grade.grade) runs each submission's student code once, in a
sandboxed IPython runner (bubblewrap + Landlock here), while the grader runs the test cells
itself (execute.SandboxedExecute, in nbgrader's autograde).

Every repetition grades a fresh copy of the same collected course four ways, in the order
below on even repetitions and the reverse on odd ones (so that a drift in the machine's load
falls on both sides of each comparison): sandboxed with jobs=1, without a sandbox with jobs=1,
the floor, sandboxed with jobs=2. The floor is the same autograded notebooks executed by
nbclient alone in their folders (kernel start, every cell, kernel shutdown).

Figure 1 sets sandboxed grading (jobs=1) against the floor, and shows where the time goes:
worker start-up (grade()'s wall clock less its workers' time), and one worker's start-up and
one submission under cProfile in a new process (module worker_profile): staging, nbgrader's
autograde (the sandboxed execution: starting the student's process, the student's cells in
it, the test cells in the grader; and nbgrader's own processing), the locked-cells check,
and the self time by place; the separate feedback command for comparison.

Figure 2 is the sandbox's cost: seconds per submission with the sandbox and without, on the
same class in the same run.

Figure 3 is the wall clock of the whole grade() call with jobs=1 over jobs=2 (both sandboxed).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from autograder.course import Course
from autograder.demo import make_course
from autograder.grading import grade as grading
from autograder.grading.collect import collect
from autograder.grading.export import rows as export_rows
from autograder.grading.feedback import feedback
from autograder.grading.sandbox import Sandbox, detect
from autograder.sample_class import ASSIGNMENT, write_class

from . import worker_profile
from .nbrun import run_notebook
from .report import figure
from .timing import cpu_seconds, median, spread, timed

ROOT = Path(__file__).resolve().parent.parent
EXECUTED = grading.SCORED  # the statuses of a submission whose notebook was executed
PROFILED_STUDENT = "perfect"
INTERLEAVED = ("perfect", "blank", "mistake-overflow", "mixed-first-half", "other-formulations")
FLOOR_GOAL = 1.15     # sandboxed grading / nbclient alone, per submission
SANDBOX_GOAL = 1.10   # sandboxed / unsandboxed grading, per submission

SANDBOXED, UNSANDBOXED, FLOOR = "sandboxed", "no sandbox", "floor"
STEPS = ((SANDBOXED, 1), (UNSANDBOXED, 1), (FLOOR, 1), (SANDBOXED, 2))


def schedule(reps):
    """[(repetition, (setting, jobs))]: STEPS in order on even repetitions, reversed on odd
    ones. The floor needs autograded notebooks: it never comes before the first grading."""
    return [(rep, step) for rep in range(reps)
            for step in (STEPS if rep % 2 == 0 else STEPS[::-1])]


def prepare(folder):
    """A course with the sample class collected and nothing graded yet."""
    course = make_course(folder / "base", [ASSIGNMENT])
    write_class(course, folder / "incoming")
    collect(course, ASSIGNMENT, folder / "incoming")
    return course


def fresh_copy(course, target):
    shutil.copytree(course.root, target)
    return Course(target)


def totals(course):
    """{student: total points} of the course's graded assignment."""
    return {row["student"]: row["total"] for row in export_rows(course, [ASSIGNMENT])}


def grade_once(base, target, setting, jobs, sandbox):
    """One grade() call on a fresh copy of base: a run (a dict)."""
    course = fresh_copy(base, target)
    chosen = Sandbox("none") if setting == UNSANDBOXED else sandbox
    cpu, load = cpu_seconds(), load_average()
    wall, outcomes = timed(grading.grade, course, ASSIGNMENT, jobs=jobs, progress=False,
                           sandbox=chosen)
    return {"setting": setting, "jobs": jobs, "mode": chosen.mode, "wall": wall,
            "cpu": cpu_seconds() - cpu, "load": (load, load_average()), "course": course,
            "outcomes": outcomes, "totals": totals(course)}


def load_average():
    """The machine's load average over the last minute (None where there is none)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def measure_runs(base, folder, reps, sandbox, say):
    """[run]: every step of schedule(reps), each run a dict with its repetition and position."""
    runs, source = [], None
    plan = schedule(reps)
    for position, (rep, (setting, jobs)) in enumerate(plan):
        where = f"(repetition {rep + 1}/{reps}, step {position % len(STEPS) + 1})"
        if setting == FLOOR:
            students = executed_students(source["outcomes"])
            say(f"   the floor: {len(students)} autograded notebooks with nbclient alone "
                f"{where} ...")
            run = floor_run(source["course"], students)
        else:
            say(f"   grading the sample class, {setting}, jobs={jobs} {where} ...")
            run = grade_once(base, folder / f"rep{rep}-{setting.replace(' ', '-')}-jobs{jobs}",
                             setting, jobs, sandbox)
            if setting == SANDBOXED and jobs == 1:
                source = source or run
        runs.append({**run, "rep": rep, "position": position % len(STEPS)})
    return runs


def executed_students(outcomes):
    return sorted(s for s, o in outcomes.items() if o.status in EXECUTED)


def select(runs, setting, jobs=1):
    return [r for r in runs if r["setting"] == setting and r["jobs"] == jobs]


def agree(runs):
    """Whether every grading run gave every student the same status and the same points."""
    graded = [r for r in runs if r["setting"] != FLOOR]
    first = graded[0]
    return all({s: o.status for s, o in r["outcomes"].items()}
               == {s: o.status for s, o in first["outcomes"].items()}
               and r["totals"] == first["totals"] for r in graded)


def floor_run(course, students):
    """The floor: every student's autograded notebook run by nbclient alone, in its folder
    (a run: {"setting": FLOOR, "notebooks": {student: nbrun.Run}, "wall", "cpu"})."""
    name = f"{course.notebook_name(ASSIGNMENT)}.ipynb"
    cpu, load = cpu_seconds(), load_average()
    wall, notebooks = timed(lambda: {s: run_notebook(course.autograded(s, ASSIGNMENT) / name)
                                     for s in students})
    return {"setting": FLOOR, "jobs": 1, "wall": wall, "cpu": cpu_seconds() - cpu,
            "load": (load, load_average()), "notebooks": notebooks}


def run_worker(*args):
    """The JSON that `python -m bench.worker_profile ARGS` prints, from a new process."""
    done = subprocess.run([sys.executable, "-m", "bench.worker_profile", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True)
    print(done.stdout, done.stderr, sep="\n", flush=True)  # to the bench's log
    found = [line for line in done.stdout.splitlines() if line.startswith(worker_profile.MARK)]
    if done.returncode or not found:
        raise RuntimeError(f"bench.worker_profile {args[0]} failed (exit {done.returncode}): "
                           f"{(done.stderr.strip().splitlines() or ['no output'])[-1]}")
    return json.loads(found[-1].removeprefix(worker_profile.MARK))


def profile_worker(course, student, mode):
    """One worker's start-up and one submission under cProfile, in a new process (a dict, see
    bench.worker_profile.profile)."""
    return run_worker(course.root, ASSIGNMENT, student, mode)


def interleaved(course, students, mode, reps=1):
    """{setting: {student: [seconds]}}: each submission graded with the sandbox and without,
    alternately (ABBA), in one new worker process (bench.worker_profile.interleave)."""
    found = run_worker("interleave", course.root, ASSIGNMENT, mode, reps, *students)
    return {SANDBOXED: found[mode], UNSANDBOXED: found["none"]}


def measure(folder, reps, say):
    """The three figures, measured in folder (a scratch directory)."""
    folder = Path(folder)
    sandbox = detect()
    say(f"   sandbox: {sandbox.mode} ({sandbox.describe()}); building the course and "
        "collecting the sample class ...")
    base = prepare(folder)
    runs = measure_runs(base, folder, reps, sandbox, say)
    course = select(runs, SANDBOXED)[-1]["course"]
    say("   profiling one submission with the sandbox and without, timing the feedback "
        "command ...")
    profiles = {SANDBOXED: profile_worker(course, PROFILED_STUDENT, sandbox.mode),
                UNSANDBOXED: profile_worker(course, PROFILED_STUDENT, "none")}
    students = executed_students(select(runs, SANDBOXED)[-1]["outcomes"])
    feedback_seconds, failures = timed(feedback, course, ASSIGNMENT, students)
    chosen = [s for s in INTERLEAVED if s in students]
    say(f"   grading {len(chosen)} submissions with the sandbox and without, alternately, "
        "in one worker ...")
    alternate = interleaved(course, chosen, sandbox.mode, reps=2) if chosen else None
    return (overhead_figure(runs, profiles[SANDBOXED], feedback_seconds / len(students),
                            failures),
            sandbox_figure(runs, profiles, sandbox, alternate),
            parallel_figure(runs))


def per_submission(runs, students):
    """{student: median over the runs of the student's worker seconds}."""
    return {s: median(r["outcomes"][s].seconds for r in runs) for s in students}


def common_students(runs):
    """The students executed in every one of the runs, sorted."""
    found = set(executed_students(runs[0]["outcomes"]))
    for run in runs[1:]:
        found &= set(executed_students(run["outcomes"]))
    if not found:
        raise RuntimeError("no submission of the sample class was executed: nothing to compare")
    return sorted(found)


PREPROCESSOR_NAMES = {
    "autograder.grading.execute.preprocess": "SandboxedExecute: the execution",
    "autograder.grading.preprocessors.preprocess": "the course's own preprocessors",
    "nbconvert.preprocessors.base.preprocess": "cell-by-cell preprocessors (LimitOutput, ...)",
}


def preprocessor_name(label):
    """A short name of a preprocessor's preprocess method, from its profile label."""
    if label in PREPROCESSOR_NAMES:
        return PREPROCESSOR_NAMES[label]
    module = label.removesuffix(".preprocess").rsplit(".", 1)[-1]
    return f"nbgrader {module}" if label.startswith("nbgrader.") else label


def step_name(label):
    """A short name of a function that _grade_one calls, from its profile label."""
    return label.removeprefix("autograder.grading.")


def profile_rows(profile, row, shown=0.01):
    """The rows of one profiled submission: what _grade_one calls, nbgrader's autograde opened
    into its preprocessors and the execution into its parts (those that take at least shown
    seconds by name, the others together), then its self time by place."""
    rows = [row(f"one submission in a worker ({PROFILED_STUDENT}), profiled", profile["total"],
                "grade._grade_one under cProfile (which adds overhead), a regrade, in a new "
                f"process, sandbox {profile['sandbox']}")]
    steps = profile["steps"]
    for label, seconds in steps:
        if seconds < shown:
            continue
        if label != "nbgrader.apps.api.autograde":
            rows.append(row(f"  {step_name(label)}", seconds, "called by _grade_one"))
            continue
        rows.append(row("  nbgrader's autograde", seconds, "sanitize and autograde passes"))
        rows += autograde_rows(profile, row, shown)
    rows.append(row("  other steps", sum(s for _, s in steps if s < shown),
                    f"each under {shown} s"))
    return rows + [row(f"  self time: {place}", seconds, "whole submission, by where the "
                       "code lives") for place, seconds in profile["self time"].items()]


def autograde_rows(profile, row, shown):
    preprocessors, rows = profile["preprocessors"], []
    for label, seconds in preprocessors:
        if seconds < shown:
            continue
        rows.append(row(f"    {preprocessor_name(label)}", seconds, "preprocessor"))
        if label == "autograder.grading.execute.preprocess":
            rows += [
                row("      start the student's process", profile["process start"],
                    "runner start-up in the sandbox, notebook copy, limits, Landlock"),
                row("      student cells, in that process", profile["student cells"],
                    "the grader waits for them"),
                row("      test cells, in the grader", profile["tests"],
                    "from the instructor's source; calls into the student's process"),
                row("      stop the student's process", profile["process stop"],
                    "kill, clean up"),
            ]
    return rows + [
        row("    other preprocessors", sum(s for _, s in preprocessors if s < shown),
            f"each under {shown} s"),
        row("    the rest of autograde",
            profile["autograde"] - sum(s for _, s in preprocessors),
            "reading and writing notebooks, gradebook set-up, nbconvert's exporter"),
    ]


def overhead_figure(runs, profile, feedback_each, failures):
    single, none, floors = select(runs, SANDBOXED), select(runs, UNSANDBOXED), \
        select(runs, FLOOR)
    students = [s for s in common_students(single + none)
                if all(s in f["notebooks"] for f in floors)]
    n = len(students)
    floor = {s: median(f["notebooks"][s].total for f in floors) for s in students}
    floor_each = median(sum(f["notebooks"][s].total for s in students) / n for f in floors)
    command_each = median(r["wall"] / n for r in single)
    worker = per_submission(single, students)
    startup_each = median((r["wall"] - sum(o.seconds for o in r["outcomes"].values())) / n
                          for r in single)
    ratio = command_each / floor_each
    paired_rep = median(r["wall"] / f["wall"] for r, f in _pairs(single, floors))
    paired = median(worker[s] / floor[s] for s in students)
    floor_cpu = median(f["cpu"] for f in floors)
    cpu_ratio_none = median(r["cpu"] for r in none) / floor_cpu
    startup = profile["import seconds"] + profile["start seconds"]
    notebooks = [f["notebooks"][s] for f in floors for s in students]
    typical = floors[-1]["notebooks"].get(PROFILED_STUDENT) or notebooks[-1]

    def row(part, seconds, note="", floor_seconds=floor_each):
        return {"part": part, "s/submission": seconds, "x floor": seconds / floor_seconds,
                "note": note}

    rows = [
        row("floor: nbclient alone", floor_each,
            f"kernel start {median(f.start for f in notebooks):.2f} s, cells "
            f"{median(f.cells for f in notebooks):.2f} s, shutdown "
            f"{median(f.stop for f in notebooks):.2f} s (medians); slowest cell "
            f"{typical.slowest[0]} {typical.slowest[1]:.2f} s"),
        row("grade(), sandboxed, jobs=1: wall / submissions", command_each,
            f"median of {len(single)} run(s) of {n} executed submissions"),
        row("  worker time (Outcome.seconds)", median(worker.values()), "median over students"),
        row("  worker start-up and pool, shared out", startup_each,
            "grade() wall less the sum of its workers' time"),
        row("    of which a worker's start-up, alone", startup / n,
            f"{startup:.2f} s once per worker (imports, nbgrader, the instructor's tests and "
            f"hidden cases), shared out over {n}"),
        row("grade(), no sandbox, jobs=1: wall / submissions", median(r["wall"] / n for r in none),
            "for comparison (figure 2)"),
        row("  its CPU time with its processes", median(r["cpu"] for r in none) / n,
            f"CPU s; x floor here is against the floor's CPU, {floor_cpu / n:.2f} s/submission",
            floor_cpu / n),
    ]
    rows += profile_rows(profile, row)
    rows += [row("feedback command (not part of grade())", feedback_each,
                 "includes its one nbgrader start-up"
                 + (f"; {len(failures)} failed" if failures else ""))]
    notes = [
        "floor = NotebookClient(allow_errors=True) on autograded/<student>/2_backprop/"
        "backprop.ipynb in its folder (coursetools and cases.json beside it): kernel start, "
        "every cell, kernel shutdown; once per repetition, between the grading runs",
        "ratio = median over repetitions of grade()'s wall clock per executed submission "
        "(sandboxed, jobs=1) / median of the floor per submission; paired by repetition = "
        "median of grade() wall / floor wall within a repetition; per student = median over "
        "students of worker seconds / that student's floor seconds",
        "no CPU-time ratio with the sandbox on: its processes end inside their own PID "
        "namespace and are reaped outside this process tree, so their CPU time is not counted "
        "here; the CPU-time ratio is given for grading without the sandbox",
        "the profiled submission's self time is split by where each function lives: "
        "'waiting' is the time while the student's process (cells, calls of the tests) or "
        "another process works, which cProfile cannot see into",
    ]
    if typical.errors:
        notes.append(f"the floor run of {PROFILED_STUDENT} raised in "
                     f"{', '.join(typical.errors)}: check that coursetools and cases.json are "
                     "beside the notebook")
    return figure("1. Grading overhead: sandboxed grade() against nbclient alone (sample class)",
                  ["part", "s/submission", "x floor", "note"], rows,
                  {"ratio (grade() / floor)": ratio,
                   "goal": f"<= {FLOOR_GOAL:.2f}",
                   "meets the goal": ratio <= FLOOR_GOAL,
                   "paired by repetition (grade() wall / floor wall)": paired_rep,
                   "per student (worker / floor), median": paired,
                   "CPU-time ratio without the sandbox (grade() / floor)": cpu_ratio_none,
                   "submissions executed": n,
                   "statuses": _status_counts(single[-1]["outcomes"])},
                  notes)


def _pairs(runs, others):
    """[(run, other)] of the same repetition."""
    by_rep = {o["rep"]: o for o in others}
    return [(r, by_rep[r["rep"]]) for r in runs if r["rep"] in by_rep]


def sandbox_figure(runs, profiles, sandbox, alternate=None):
    on, off = select(runs, SANDBOXED), select(runs, UNSANDBOXED)
    students = common_students(on + off)
    n = len(students)

    def row(measure, with_sandbox, without, note=""):
        return {"measure": measure, SANDBOXED: with_sandbox, UNSANDBOXED: without,
                "ratio": with_sandbox / without if with_sandbox and without else None,
                "note": note}

    rows, rep_ratios = [], []
    for a, b in _pairs(on, off):
        each_on = median(a["outcomes"][s].seconds for s in students)
        each_off = median(b["outcomes"][s].seconds for s in students)
        rep_ratios.append(each_on / each_off)
        rows.append(row(f"repetition {a['rep'] + 1}: s/submission, median", each_on, each_off,
                        ("sandboxed first" if a["position"] < b["position"]
                         else "no sandbox first")
                        + f"; load average {_load(a)} with the sandbox, {_load(b)} without"))
    worker_on, worker_off = per_submission(on, students), per_submission(off, students)
    each_on, each_off = median(worker_on.values()), median(worker_off.values())
    ratio = each_on / each_off
    paired = median(a["outcomes"][s].seconds / b["outcomes"][s].seconds
                    for a, b in _pairs(on, off) for s in students)
    wall_on, wall_off = median(r["wall"] / n for r in on), median(r["wall"] / n for r in off)
    rows += [
        row("all repetitions: s/submission, median", each_on, each_off,
            f"median over {n} students of each one's median over {len(on)} run(s)"),
        row("all repetitions: s/submission, mean", sum(worker_on.values()) / n,
            sum(worker_off.values()) / n, "mean over students of their medians"),
        row("grade() wall / submissions", wall_on, wall_off,
            "median over repetitions; includes worker start-up"),
    ]
    summary_alternate = {}
    if alternate:
        chosen = sorted(alternate[SANDBOXED])
        alt_on = {s: median(alternate[SANDBOXED][s]) for s in chosen}
        alt_off = {s: median(alternate[UNSANDBOXED][s]) for s in chosen}
        rows.append(row("alternately in one worker: s/submission, median",
                        median(alt_on.values()), median(alt_off.values()),
                        f"{len(chosen)} submissions, each graded "
                        f"{len(alternate[SANDBOXED][chosen[0]])} times per setting, ABBA"))
        summary_alternate = {"alternately in one worker (per student, median)":
                             median(alt_on[s] / alt_off[s] for s in chosen)}
    prof_on, prof_off = profiles[SANDBOXED], profiles[UNSANDBOXED]
    for part, key in (("start the student's process", "process start"),
                      ("student cells, in that process", "student cells"),
                      ("test cells, in the grader", "tests"),
                      ("stop the student's process", "process stop"),
                      ("whole submission", "total")):
        rows.append(row(f"profiled ({PROFILED_STUDENT}): {part}", prof_on[key], prof_off[key],
                        "one run each, under cProfile"))
    return figure(f"2. Sandbox cost: grading with the sandbox ({sandbox.mode}) and without "
                  "(jobs=1, same class, same run)",
                  ["measure", SANDBOXED, UNSANDBOXED, "ratio", "note"], rows,
                  {"ratio (sandboxed / no sandbox, per submission)": ratio,
                   "goal": f"<= {SANDBOX_GOAL:.2f}",
                   "meets the goal": ratio <= SANDBOX_GOAL,
                   "paired (same student, same repetition), median": paired,
                   "wall-clock ratio (grade() calls)": wall_on / wall_off,
                   "spread of the per-repetition ratios (IQR / median)": spread(rep_ratios),
                   **summary_alternate,
                   "sandbox": f"{sandbox.mode}: {sandbox.describe()}",
                   "same statuses and points in every run": agree(runs),
                   "submissions executed": n},
                  ["per submission = Outcome.seconds, a worker's time on one submission "
                   "(staging, nbgrader's autograde with the sandboxed execution, checks); the "
                   "ratio is the median over students with the sandbox / the same without",
                   "each run grades a fresh copy of the same collected course with jobs=1; "
                   "the sandboxed and unsandboxed runs are adjacent and their order alternates "
                   "between repetitions",
                   "without a sandbox the same runner runs as a plain child process "
                   "(Sandbox('none')): the difference is bubblewrap's namespaces and Landlock",
                   "alternately in one worker = a few submissions graded with the sandbox and "
                   "without in turn (ABBA) in one process, seconds apart rather than a whole "
                   "class run apart: less exposed to other work on the machine; the headline "
                   "ratio is still the whole-class one"])


def _load(run):
    before, after = run.get("load") or (None, None)
    return "-" if before is None else f"{before:.1f}-{after:.1f}"


def parallel_figure(runs):
    rows, speedups = [], []
    two = {r["rep"]: r for r in select(runs, SANDBOXED, jobs=2)}
    for one in select(runs, SANDBOXED):
        wall = {1: one["wall"], 2: two[one["rep"]]["wall"]}
        speedups.append(wall[1] / wall[2])
        rows.append({"repetition": one["rep"] + 1, "jobs=1 wall s": wall[1],
                     "jobs=2 wall s": wall[2], "speed-up": wall[1] / wall[2],
                     "load average": f"{_load(one)}, {_load(two[one['rep']])}"})
    speedup = median(speedups)
    return figure("3. Parallel grading: jobs=2 against jobs=1 (whole grade() call, sandboxed)",
                  ["repetition", "jobs=1 wall s", "jobs=2 wall s", "speed-up", "load average"],
                  rows,
                  {"speed-up (median)": speedup,
                   "parallel efficiency (speed-up / 2)": speedup / 2,
                   "same statuses and points in every run": agree(runs),
                   "submissions executed": len(executed_students(two[0]["outcomes"]))},
                  ["each run grades a fresh copy of the same collected course; jobs=1 comes "
                   "first on even repetitions and last on odd ones",
                   f"the machine's {os.cpu_count()} cores are shared: other work during a "
                   "run lowers the speed-up; the load average is in the header"])


def _status_counts(outcomes):
    counts = {}
    for outcome in outcomes.values():
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
