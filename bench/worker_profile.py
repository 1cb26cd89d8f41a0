"""One grading worker under cProfile, in its own process: `python -m bench.worker_profile ROOT
ASSIGNMENT STUDENT [SANDBOX]` prints JSON (SANDBOX: bwrap, landlock or none; default the best
one here, as grade() chooses). `python -m bench.worker_profile interleave ROOT ASSIGNMENT
SANDBOX REPS STUDENT...` grades each submission with that sandbox and without, alternately, in
one worker (function interleave), and prints their seconds.

It does what a worker of autograder.grading.grade does: start (grade._start_worker, which reads
the instructor's tests and hidden cases and configures nbgrader), then grade one submission
(grade._grade_one: staging, nbgrader's autograde, whose execution step runs the student's
cells in the sandboxed process and the test cells here, and the checks after it), timed as a
whole and profiled. A separate process,
because the worker's start-up changes the process (its warning filters, the grading context)
and the bench must not inherit that.

cProfile sees only this process: the sandboxed process's work shows up here as waiting.
"""

import cProfile
import json
import pstats
import sys
import time

MARK = "bench-worker-profile: "

WAITING = "waiting on the sandboxed process (start, cells, calls, stop)"
TESTS = "the grader's tests (test cells, coursetools, hidden cases, numpy, wire)"
NBGRADER = "nbgrader's own processing (nbgrader, nbconvert)"
DATABASE = "database (sqlalchemy, sqlite3, alembic)"
JSON = "notebook JSON and validation (nbformat, jsonschema)"
AUTOGRADER = "the rest of the autograder package (staging, checks)"
OTHER = "other (traitlets, files, imports, ...)"

# Self time in these places, by where the function lives (a path fragment or, for built-ins,
# a word of their name): the first match wins. Blocking on the sandboxed process's pipe and
# starting, waiting for and killing it are the waiting; exec'd code ("<grade_id>") is a test.
BUCKETS = (
    (WAITING, ("epoll", "select", "poll", "posix.read", "posix.write", "waitpid", "fork_exec",
               "killpg", "posix.kill", "sleep", "selectors.py", "subprocess.py")),
    (TESTS, ("/autograder/coursetools/", "/autograder/cases/", "/autograder/hidden.py",
             "/autograder/grading/wire.py", "/autograder/grading/student.py", "numpy",
             "/numpy/")),
    (DATABASE, ("/sqlalchemy/", "sqlite3", "/alembic/")),
    (JSON, ("/nbformat/", "/jsonschema/", "/fastjsonschema/", "/referencing/", "/rpds/",
            "json")),
    (NBGRADER, ("/nbgrader/", "/nbconvert/")),
    (AUTOGRADER, ("/autograder/",)),
)

# Cumulative seconds of these functions (path ending, name), reported on their own.
PARTS = {
    "autograde": ("nbgrader/apps/api.py", "autograde"),
    "execute": ("autograder/grading/execute.py", "preprocess"),
    "process start": ("autograder/grading/student.py", "_start"),
    "process stop": ("autograder/grading/student.py", "cleanup"),
    "student cells": ("autograder/grading/student.py", "run_cell"),
    "tests": ("autograder/grading/execute.py", "_test"),
}


def bucket_of(path, name):
    if path.startswith("<") and not path.startswith(("<frozen ", "<string>")):
        return TESTS  # a test cell's code, compiled as <grade_id> and run by exec
    where = path.replace("\\", "/") if path != "~" else name
    for bucket, fragments in BUCKETS:
        if any(f in where for f in fragments):
            return bucket
    return OTHER


def label(key):
    """package.module.function of a profile entry (exec'd code and built-ins as they are)."""
    path, _, name = key
    if path == "~":
        return name
    if path.startswith("<frozen "):
        return f"{path.removeprefix('<frozen ').removesuffix('>')}.{name}"
    if path.startswith("<"):
        return f"code run by exec ({path})"
    parts = path.replace("\\", "/").removesuffix(".py").split("/")
    roots = [i for i, p in enumerate(parts) if p in ("autograder", "site-packages", "lib")]
    dotted = parts[roots[-1] + (parts[roots[-1]] != "autograder"):] if roots else parts[-1:]
    return ".".join([p for p in dotted if p != "__init__" and not p.startswith("python3")]
                    + [name])


def find(stats, path_end, name):
    return [k for k in stats if k[0].replace("\\", "/").endswith(path_end) and k[2] == name]


def call_tree(stats, roots, threshold, depth=0, max_depth=8, widest=4):
    """[(depth, label, seconds)]: what the functions roots call, by label, when it takes at
    least threshold seconds (the widest few), and what those call in turn when they are the
    autograder package's functions, built-ins such as exec, or code that exec runs (a test
    cell's), depth first."""
    edges = {}
    for key, (_, _, _, _, callers) in stats.items():
        seconds = sum(callers[r][3] for r in roots if r in callers)
        if seconds:
            node = edges.setdefault(label(key), [0.0, []])
            node[0] += seconds
            node[1].append(key)
    rows = []
    ranked = sorted(edges.items(), key=lambda kv: -kv[1][0])
    for name, (seconds, keys) in [kv for kv in ranked if kv[1][0] >= threshold][:widest]:
        rows.append((depth, name, seconds))
        paths = [k[0].replace("\\", "/") for k in keys]
        if depth + 1 < max_depth and any("/autograder/" in p or p.startswith(("~", "<"))
                                         for p in paths):
            rows += call_tree(stats, keys, threshold, depth + 1, max_depth, widest)
    return rows


def preprocessors(stats):
    """[(label, seconds)] of the preprocessors nbconvert ran (nbgrader's sanitize and
    autograde passes), largest first; those that only define preprocess_cell share the label
    nbconvert.preprocessors.base.preprocess."""
    calls = find(stats, "nbconvert/preprocessors/base.py", "__call__")
    return [(name, seconds) for _, name, seconds in call_tree(stats, calls, 0.0, max_depth=1,
                                                              widest=len(stats))
            if name.endswith(".preprocess")]


def cumulative(stats, path_end, name):
    return sum(stats[k][3] for k in find(stats, path_end, name))


def self_time(stats):
    """{bucket: self seconds}, largest first."""
    by_place = {}
    for (path, _, name), (_, _, seconds, _, _) in stats.items():
        place = bucket_of(path, name)
        by_place[place] = by_place.get(place, 0.0) + seconds
    return dict(sorted(by_place.items(), key=lambda kv: -kv[1]))


def sandbox_of(mode):
    """The Sandbox of that mode (None: the best one here, as grade() chooses)."""
    from autograder.grading.sandbox import Sandbox, detect

    if mode in (None, "", "bwrap"):
        found = detect()
        if mode == "bwrap" and found.mode != "bwrap":
            raise SystemExit(f"bubblewrap is not usable here (the best sandbox is {found.mode})")
        return found
    return Sandbox(mode)


def profile(root, assignment, student, mode=None):
    sandbox = sandbox_of(mode)  # grade() chooses it in the parent process
    started = time.perf_counter()
    from autograder.grading import grade

    imported = time.perf_counter()
    grade._start_worker(root, assignment, {}, sandbox)
    ready = time.perf_counter()
    profiler = cProfile.Profile()
    profiler.enable()
    outcome = grade._grade_one(student)
    profiler.disable()
    done = time.perf_counter()
    stats = pstats.Stats(profiler).stats
    return {
        "sandbox": sandbox.mode, "status": outcome.status, "detail": outcome.detail,
        "import seconds": imported - started, "start seconds": ready - imported,
        "total": done - ready,
        **{part: cumulative(stats, *where) for part, where in PARTS.items()},
        "steps": [(name, seconds) for _, name, seconds in call_tree(
            stats, find(stats, "autograder/grading/grade.py", "_grade_one"), 0.0, max_depth=1,
            widest=len(stats))],
        "preprocessors": preprocessors(stats),
        "self time": self_time(stats),
    }


def abba(modes, count):
    """Which of two modes each of count gradings in a row uses: A B B A A B B A ..., so that a
    drift in the machine's load falls on both equally."""
    first, second = modes
    return [(first, second, second, first)[i % 4] for i in range(count)]


def interleave(root, assignment, mode, students, reps=1):
    """{mode: {student: [seconds]}}: each submission graded reps times with the sandbox (mode)
    and reps times without, in turn (abba over the whole sequence), in this one process, not
    profiled. The worker is started again whenever the sandbox changes (outside the timing)."""
    from autograder.grading import grade

    sandboxes = {mode: sandbox_of(mode), "none": sandbox_of("none")}
    seconds = {m: {s: [] for s in students} for m in sandboxes}
    slots = [s for s in students for _ in range(2 * reps)]
    current = None
    for student, chosen in zip(slots, abba(list(sandboxes), len(slots)), strict=True):
        if chosen != current:
            grade._start_worker(root, assignment, {}, sandboxes[chosen])
            current = chosen
        seconds[chosen][student].append(grade._grade_one(student).seconds)
    return seconds


if __name__ == "__main__":
    if sys.argv[1] == "interleave":  # interleave ROOT ASSIGNMENT MODE REPS STUDENT...
        root, assignment, mode, reps, *students = sys.argv[2:]
        result = interleave(root, assignment, mode, students, int(reps))
    else:
        result = profile(*sys.argv[1:5])
    print(MARK + json.dumps(result), flush=True)
