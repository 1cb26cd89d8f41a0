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
    path, _, name = key
    if path == "~":
        return name
    parts = path.replace("\\", "/").split("/")
    module = parts[-1].removesuffix(".py")
    package = next((p for p in ("autograder", "nbgrader", "nbconvert", "nbclient", "nbformat")
                    if p in parts), parts[-2] if len(parts) > 1 else "")
    return f"{package}.{module}.{name}" if package != module else f"{module}.{name}"


def find(stats, path_end, name):
    return [k for k in stats if k[0].replace("\\", "/").endswith(path_end) and k[2] == name]


def call_tree(stats, root, threshold, depth=0, max_depth=4):
    """[(depth, label, seconds)]: the callees of root taking at least threshold seconds, and
    theirs in turn for the autograder package's own functions, depth first."""
    rows = []
    for key, (_, _, _, _, callers) in sorted(stats.items(), key=lambda kv: -kv[1][3]):
        if root not in callers or callers[root][3] < threshold:
            continue
        rows.append((depth, label(key), callers[root][3]))
        if depth + 1 < max_depth and "/autograder/" in key[0].replace("\\", "/"):
            rows += call_tree(stats, key, threshold, depth + 1, max_depth)
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
    tree = call_tree(stats, grade_one, threshold=0.05 * (done - ready))
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
