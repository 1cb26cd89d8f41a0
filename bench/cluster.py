"""Figure 7: grading the sample class on a Dask cluster of 1 and 2 workers, next to the local
pool with jobs=1 and jobs=2.

Two LocalClusters (1 and 2 worker processes, one thread each) are started once, before any
timing, as a cluster would be running already. Every repetition grades a fresh copy of the
same collected course four ways (STEPS, reversed on odd repetitions); each time is the wall
clock of the whole grade() call, whose workers set themselves up for the run inside it, as
the local pool's do. Speeds are relative to the local pool with jobs=1; the efficiency of N
workers is their speed over N times the speed of one.
"""

import os
from pathlib import Path

from autograder.grading import cluster
from autograder.grading import grade as grading
from autograder.grading.sandbox import detect
from autograder.sample_class import ASSIGNMENT

from .grading import agree, fresh_copy, load_average, prepare, totals
from .report import figure
from .timing import median, timed

POOL, DASK = "local pool", "Dask"
STEPS = ((POOL, 1), (DASK, 1), (POOL, 2), (DASK, 2))
EFFICIENCY_GOAL = 0.8  # N workers: at least 0.8 N times the speed of one


def schedule(reps):
    """[(repetition, (setting, workers))]: STEPS in order on even repetitions, reversed on
    odd ones."""
    return [(rep, step) for rep in range(reps)
            for step in (STEPS if rep % 2 == 0 else STEPS[::-1])]


def measure(folder, reps, say):
    """The figure, measured in folder (a scratch directory)."""
    folder = Path(folder)
    sandbox = detect()
    say("   building the course, collecting the sample class, starting Dask LocalClusters "
        "of 1 and 2 workers ...")
    base = prepare(folder)
    runs = []
    with cluster.local(1, dashboard=":0") as one, cluster.local(2, dashboard=":0") as two:
        clients = {1: one, 2: two}
        for rep, (setting, workers) in schedule(reps):
            say(f"   grading the sample class, {setting}, {workers} worker(s) "
                f"(repetition {rep + 1}/{reps}) ...")
            course = fresh_copy(base, folder / f"rep{rep}-{setting.replace(' ', '-')}-"
                                               f"{workers}")
            client = clients[workers] if setting == DASK else None
            load = load_average()
            wall, outcomes = timed(grading.grade, course, ASSIGNMENT, jobs=workers,
                                   progress=False, sandbox=sandbox, client=client)
            runs.append({"setting": setting, "jobs": workers, "rep": rep, "wall": wall,
                         "load": (load, load_average()), "outcomes": outcomes,
                         "totals": totals(course)})
    return cluster_figure(runs)


def _wall(runs, setting, workers):
    return {r["rep"]: r["wall"] for r in runs if (r["setting"], r["jobs"]) == (setting,
                                                                             workers)}


def cluster_figure(runs):
    walls = {step: _wall(runs, *step) for step in STEPS}
    reference = walls[(POOL, 1)]
    rows = []
    for rep in sorted(reference):
        row = {"repetition": rep + 1}
        for setting, workers in STEPS:
            row[f"{setting} {workers}: wall s"] = walls[(setting, workers)][rep]
        rows.append(row)
    speed = {step: median(reference[rep] / walls[step][rep] for rep in reference)
             for step in STEPS}
    scaling = median(walls[(DASK, 1)][rep] / walls[(DASK, 2)][rep] for rep in reference)
    each = {step: median(o.seconds for r in runs if (r["setting"], r["jobs"]) == step
                         for o in r["outcomes"].values()) for step in STEPS}
    busy = {step: median(sum(o.seconds for o in r["outcomes"].values()) / r["wall"]
                         for r in runs if (r["setting"], r["jobs"]) == step)
            for step in STEPS}
    efficiency = scaling / 2
    loads = [r["load"][0] for r in runs if r["load"][0] is not None]
    columns = ["repetition"] + [f"{s} {w}: wall s" for s, w in STEPS]
    return figure(
        "7. Grading on a Dask cluster: 1 and 2 workers next to the local pool (sample class)",
        columns, rows,
        {"speed, local pool jobs=1": speed[(POOL, 1)],
         "speed, Dask 1 worker": speed[(DASK, 1)],
         "speed, local pool jobs=2": speed[(POOL, 2)],
         "speed, Dask 2 workers": speed[(DASK, 2)],
         "Dask speed-up, 2 workers over 1 (median)": scaling,
         "efficiency (speed-up / 2)": efficiency,
         "goal": f">= {EFFICIENCY_GOAL:.1f} (N workers: at least {EFFICIENCY_GOAL} N times "
                 "the speed of one)",
         "meets the goal": efficiency >= EFFICIENCY_GOAL,
         "a worker's s/submission (median), " + ", ".join(f"{s} {w}" for s, w in STEPS):
             [each[step] for step in STEPS],
         "busy workers (their seconds / wall), " + ", ".join(f"{s} {w}" for s, w in STEPS):
             [busy[step] for step in STEPS],
         "Dask efficiency on cores of their own (busy workers: 2 / (2 x 1))":
             busy[(DASK, 2)] / (2 * busy[(DASK, 1)]),
         "same statuses and points in every run": agree(runs),
         "submissions": len(runs[0]["outcomes"]),
         "load average at the start of the runs": (min(loads), max(loads)) if loads else None},
        ["speed = the local pool's wall clock with jobs=1 / this setting's, same repetition, "
         "median over repetitions; a grade() call's wall clock includes its workers' set-up "
         "(once per run and worker), not the clusters' start",
         "both clusters are LocalClusters on this machine, started before any timing: the "
         "scheduler and workers talk over TCP on localhost, and the gradebook is the course's "
         "SQLite file",
         "a worker's s/submission = Outcome.seconds, a worker's time on one submission: when "
         "it grows with the number of workers, they wait for the cores, not for each other; "
         "busy workers = the sum of those seconds over the wall clock (2 at best); what "
         "keeps them from it is Dask's hand-offs and each worker's set-up, not the cores, so "
         "the efficiency on cores of their own (as on separate machines) is the busy workers "
         "with 2 over twice those with 1",
         f"the machine's {os.cpu_count()} cores are shared: 2 workers on 2 cores also "
         "compete with the scheduler and this process, and other work lowers the speed-up"])
