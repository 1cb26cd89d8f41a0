"""One grading worker under cProfile, in its own process: `python -m bench.worker_profile ROOT
ASSIGNMENT STUDENT` prints JSON.

It does what a worker of autograder.grade does: start (autograder.grade._start_worker, which
configures the process and its kernels), then grade one submission (_grade_one), timed as a
whole and profiled. A separate process, because the worker's start-up changes the process (its
environment, its warning filters) and the bench must not inherit that.
"""

import cProfile
import json
import pstats
import sys
import time

MARK = "bench-worker-profile: "

# Self time in these places, by where the function lives (a path fragment or, for built-ins,
# a word of their name): the first match wins.
BUCKETS = (
    ("waiting (kernel, child processes) and messaging",
     ("epoll", "select", "poll", "waitpid", "/zmq/", "/jupyter_client/", "/nbclient/",
      "/asyncio/", "selectors.py", "/tornado/", "subprocess.py", "read' of", "sleep")),
    ("database (sqlalchemy, sqlite3)", ("/sqlalchemy/", "sqlite3", "/alembic/")),
    ("notebook JSON and validation", ("/nbformat/", "/jsonschema/", "/fastjsonschema/",
                                      "/referencing/", "/rpds/", "json")),
    ("nbgrader's own code", ("/nbgrader/",)),
    ("the autograder package", ("/autograder/",)),
)
OTHER = "other (nbconvert, traitlets, files, ...)"


def bucket_of(path, name):
    where = path if path != "~" else name
    for bucket, fragments in BUCKETS:
        if any(f in where for f in fragments):
            return bucket
    return OTHER


def label(key):
    """package.module.function of a profile entry (exec'd code and built-ins as they are)."""
    path, _, name = key
    if path == "~":
        return name
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


def cumulative(stats, path_end, name):
    return sum(stats[k][3] for k in find(stats, path_end, name))


def profile(root, assignment, student):
    started = time.perf_counter()
    from autograder import grade

    imported = time.perf_counter()
    grade._start_worker(root, {})
    ready = time.perf_counter()
    profiler = cProfile.Profile()
    profiler.enable()
    outcome = grade._grade_one(assignment, student)
    profiler.disable()
    done = time.perf_counter()
    stats = pstats.Stats(profiler).stats
    by_place = {}
    for (path, _, name), (_, _, self_time, _, _) in stats.items():
        place = bucket_of(path, name)
        by_place[place] = by_place.get(place, 0.0) + self_time
    (grade_one,) = find(stats, "autograder/grade.py", "_grade_one")
    tree = call_tree(stats, [grade_one], threshold=0.05 * (done - ready))
    return {
        "status": outcome.status, "detail": outcome.detail,
        "import seconds": imported - started, "start seconds": ready - imported,
        "total": done - ready,
        "autograde": cumulative(stats, "nbgrader/apps/api.py", "autograde"),
        "execute": cumulative(stats, "nbconvert/preprocessors/execute.py", "preprocess"),
        "kernel start and stop": cumulative(stats, "nbclient/client.py", "setup_kernel"),
        "call tree": tree,
        "self time": dict(sorted(by_place.items(), key=lambda kv: -kv[1])),
    }


if __name__ == "__main__":
    result = profile(*sys.argv[1:4])
    print(MARK + json.dumps(result), flush=True)
