"""Figure 6: run-all time of each solution notebook, and of the test suite.

Each solution notebook (solutions/<assignment>/<notebook>.ipynb) is executed by nbclient in its
folder, as an instructor's "Run all" would, several times (median quoted); the test suite runs
once, in a subprocess, and its own closing line is reported beside the time.
"""

import re
import subprocess
import sys
import time

from autograder.course import NOTEBOOKS

from .nbrun import run_notebook
from .report import figure
from .timing import median

TEST_COMMAND = ("-m", "pytest", "-q", "-m", "not browser", "-p", "no:cacheprovider",
                "--durations=3")


def solution_notebooks(root):
    """[(assignment, path)] of the solution notebooks that exist."""
    return [(a, root / "solutions" / a / f"{name}.ipynb") for a, name in NOTEBOOKS.items()
            if (root / "solutions" / a / f"{name}.ipynb").exists()]


def test_suite(root):
    """(seconds, exit code, pytest's closing line, failed test ids, slowest tests) of one run
    of the test suite; its whole output goes to this process's stdout (the bench's log)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *TEST_COMMAND], cwd=root, capture_output=True,
                          text=True)
    seconds = time.perf_counter() - started
    print(done.stdout, done.stderr, sep="\n", flush=True)
    return (seconds, done.returncode) + summarize(done.stdout)


def summarize(output):
    """(closing line, failed test ids, [(seconds, test id)] of the slowest) of pytest's output."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    closing = lines[-1].strip("= ") if lines else "(no output)"
    failed = [line.split()[1] for line in lines if line.startswith(("FAILED ", "ERROR "))]
    slowest = []
    for line in lines:
        match = re.fullmatch(r"([\d.]+)s (call|setup|teardown)\s+(.+)", line)
        if match:
            slowest.append((float(match.group(1)), match.group(3)))
    return closing, failed, slowest


def measure(root, reps, say):
    rows = []
    for assignment, path in solution_notebooks(root):
        say(f"   {path.relative_to(root)} x{reps} ...")
        runs = [run_notebook(path) for _ in range(reps)]
        last = runs[-1]
        problems = (([f"raised in {', '.join(last.errors)}"] if last.errors else [])
                    + ([f"stderr in {', '.join(last.stderr)}"] if last.stderr else []))
        rows.append({"what": f"{assignment}/{path.name}", "s": median(r.total for r in runs),
                     "kernel start s": median(r.start for r in runs),
                     "cells s": median(r.cells for r in runs),
                     "slowest cell": f"{last.slowest[0]} {last.slowest[1]:.2f} s",
                     "result": "; ".join(problems) or "ok"})
    say("   the test suite (once) ...")
    seconds, code, closing, failed, slowest = test_suite(root)
    rows.append({"what": "python " + " ".join(TEST_COMMAND), "s": seconds,
                 "result": f"exit {code}: {closing}"})
    rows += [{"what": f"  slow test: {test}", "s": s} for s, test in slowest]
    notes = ["notebook time = kernel start + every cell + shutdown, median of the runs; "
             "the test suite is timed once (its output is in the bench's log)"]
    if failed:
        notes.append(f"failed tests: {', '.join(failed[:5])}" + (" ..." if len(failed) > 5 else ""))
    return figure("6. Run-all time: solution notebooks (nbclient, in their folder) and tests",
                  ["what", "s", "kernel start s", "cells s", "slowest cell", "result"], rows,
                  {"notebook runs per notebook": reps}, notes)
