"""The figures as data, their printed table, and the same figures as JSON."""

import json
import math
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

FIGURE_KEYS = ("title", "columns", "rows", "summary", "notes")


def figure(title, columns, rows, summary=None, notes=()):
    """A figure: a table (columns, rows of {column: value}), headline numbers, notes."""
    rows = [dict(row) for row in rows]
    for row in rows:
        unknown = set(row) - set(columns)
        if unknown:
            raise ValueError(f"{title}: row has columns {sorted(unknown)} not in {columns}")
    return {"title": title, "columns": list(columns), "rows": rows,
            "summary": dict(summary or {}), "notes": list(notes)}


def skipped(title, reason):
    """A figure that could not be measured, with the reason printed in its place."""
    return figure(title, [], [], {"skipped": reason})


def fmt(value):
    """A short human form of a number or other value, for the table."""
    if isinstance(value, bool) or value is None:
        return "-" if value is None else ("yes" if value else "no")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        if value == 0:
            return "0"
        magnitude = abs(value)
        if magnitude < 1e-2 or magnitude >= 1e5:
            return f"{value:.1e}"
        if magnitude >= 100:
            return f"{value:.0f}"
        return f"{value:.3g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt(v) for v in value)
    return str(value)


def render(fig):
    """The printed form of one figure: title, table, headline numbers, notes."""
    lines = [fig["title"], "=" * len(fig["title"])]
    if fig["columns"]:
        cells = [[fmt(row.get(c)) for c in fig["columns"]] for row in fig["rows"]]
        widths = [max([len(c)] + [len(r[i]) for r in cells])
                  for i, c in enumerate(fig["columns"])]
        numeric = [all(isinstance(row.get(c), (int, float, type(None))) for row in fig["rows"])
                   for c in fig["columns"]]

        def line(values):
            return "  ".join((v.rjust(w) if right else v.ljust(w))
                             for v, w, right in zip(values, widths, numeric, strict=True)).rstrip()

        lines += [line(fig["columns"]), line(["-" * w for w in widths])]
        lines += [line(r) for r in cells]
    for key, value in fig["summary"].items():
        lines.append(f"{key}: {fmt(value)}")
    lines += [f"  * {note}" for note in fig["notes"]]
    return "\n".join(lines)


def render_all(results):
    """The whole printed report: the machine, then every figure."""
    meta = results["meta"]
    head = [f"bench {meta['started']} on {meta['machine']} "
            f"(load average {meta['load_average_start']} at start, {meta.get('load_average_end')} "
            f"at end; {meta.get('seconds', 0):.0f} s in all)"]
    return "\n\n".join(head + [render(f) for f in results["figures"].values()])


def _version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _blas():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    import numpy  # noqa: F401 (load its BLAS so that it is listed)

    return [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture', '')} "
            f"{i.get('num_threads')} threads".replace("  ", " ")
            for i in threadpool_info() if i.get("user_api") == "blas"]


def _commit(root):
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                              capture_output=True, text=True, timeout=10)
        return done.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def meta(root, options):
    """What the figures were measured on, and with which settings."""
    return {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}",
        "load_average_start": _load_average(),
        "commit": _commit(root),
        "versions": {p: _version(p) for p in ("numpy", "nbgrader", "nbclient", "autograd",
                                              "torch", "jax", "jaxlib")},
        "blas": _blas(),
        "environment": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                                       "OMP_NUM_THREADS")},
        "options": dict(options),
        "python": sys.executable,
    }


def _load_average():
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def finish(results, started):
    results["meta"]["load_average_end"] = _load_average()
    results["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    return results


def write_json(results, folder):
    """Write the results to folder/<timestamp>.json and folder/latest.json; return the first."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=1, ensure_ascii=False, default=str) + "\n"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = folder / f"bench-{stamp}.json"
    path.write_text(text, encoding="utf-8")
    (folder / "latest.json").write_text(text, encoding="utf-8")
    return path
