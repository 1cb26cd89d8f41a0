"""`python -m bench`: measure the figures, print the table, write the JSON (see bench/__init__)."""

import argparse
import sys
import tempfile
import time
import traceback
from pathlib import Path

from . import autodiff, cluster, gradcheck, grading, runall
from .agreement import Disagreement
from .report import finish, meta, render_all, skipped, write_json
from .timing import Console, quiet

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ("grading", "autodiff", "gradcheck", "runall", "cluster")
TITLES = {"grading": "1-3. Grading", "autodiff": "4. Reference against autodiff peers",
          "gradcheck": "5. Gradient check", "runall": "6. Run-all time",
          "cluster": "7. Grading on a Dask cluster"}


def arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", default=",".join(FIGURES),
                        help=f"comma-separated figures to measure (default: {','.join(FIGURES)})")
    parser.add_argument("--reps", type=int, default=11,
                        help="timed repetitions of each forward + backward (default 11)")
    parser.add_argument("--grading-reps", type=int, default=2,
                        help="repetitions of the grading figures (default 2): each grades the "
                             "sample class sandboxed, without a sandbox and with jobs=2, and "
                             "runs the nbclient floor, about 3 minutes in all; and for figure "
                             "7 grades it with the local pool and on Dask, 1 and 2 workers "
                             "each, about 2 minutes")
    parser.add_argument("--notebook-reps", type=int, default=3,
                        help="runs of each solution notebook (default 3)")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results",
                        help="where the JSON goes (default bench/results)")
    args = parser.parse_args(argv)
    args.only = [f.strip() for f in args.only.split(",") if f.strip()]
    unknown = sorted(set(args.only) - set(FIGURES))
    if unknown:
        parser.error(f"unknown figure(s) {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
    return args


def measure(name, args, say, log):
    """{key: figure} of one of FIGURES."""
    if name == "grading":
        with tempfile.TemporaryDirectory(prefix="bench-grading-") as folder, quiet(log):
            overhead, sandbox, parallel = grading.measure(Path(folder), args.grading_reps, say)
        return {"grading_overhead": overhead, "sandbox_cost": sandbox,
                "parallel_grading": parallel}
    if name == "autodiff":
        return {"autodiff": autodiff.measure(args.reps, say)}
    if name == "gradcheck":
        return {"gradient_check": gradcheck.measure()}
    if name == "cluster":
        with tempfile.TemporaryDirectory(prefix="bench-cluster-") as folder, quiet(log):
            return {"cluster_grading": cluster.measure(Path(folder), args.grading_reps, say)}
    with quiet(log):
        return {"run_all": runall.measure(ROOT, args.notebook_reps, say)}


def main(argv=None):
    args = arguments(argv)
    started = time.perf_counter()
    console = Console()
    log = args.results / "latest.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("", encoding="utf-8")
    options = {k: v for k, v in vars(args).items() if k != "results"}
    results = {"meta": meta(ROOT, options), "figures": {}}
    failed = []
    for name in args.only:
        console.say(f"{TITLES[name]} ...")
        try:
            results["figures"].update(measure(name, args, console.say, log))
        except Disagreement as error:
            failed.append(name)
            results["figures"][name] = skipped(TITLES[name], f"DISAGREEMENT: {error}")
        except Exception as error:
            failed.append(name)
            with open(log, "a", encoding="utf-8") as out:
                traceback.print_exc(file=out)
            results["figures"][name] = skipped(
                TITLES[name], f"FAILED: {type(error).__name__}: {error} (traceback in {log})")
    finish(results, started)
    path = write_json(results, args.results)
    print(render_all(results))
    print(f"\nJSON: {path} (and {path.parent / 'latest.json'}); "
          f"kernels' and workers' output: {log}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # the grading workers are spawned: they import this module too
    sys.exit(main())
