"""Execute a notebook with nbclient alone, in its folder, timing the kernel and the cells."""

import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient


@dataclass
class Run:
    """One execution: seconds to start the kernel, run the cells, shut it down; what failed."""

    path: str
    start: float = 0.0
    cells: float = 0.0
    stop: float = 0.0
    errors: list = field(default_factory=list)   # labels of cells that raised
    stderr: list = field(default_factory=list)   # labels of cells that wrote to stderr
    slowest: tuple = ("", 0.0)                   # (label, seconds) of the slowest cell

    @property
    def total(self):
        return self.start + self.cells + self.stop


def label(cell, index):
    return cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"


def run_notebook(path, timeout=120):
    """Run every cell of the notebook at path (errors allowed) in path's folder; a Run."""
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    run = Run(str(path))
    client.reset_execution_trackers()
    started = time.perf_counter()
    with client.setup_kernel():
        run.start = time.perf_counter() - started
        for index, cell in enumerate(notebook.cells):
            began = time.perf_counter()
            client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            seconds = time.perf_counter() - began
            if seconds > run.slowest[1]:
                run.slowest = (label(cell, index), seconds)
        stopping = time.perf_counter()
        run.cells = stopping - started - run.start
    run.stop = time.perf_counter() - stopping
    for index, cell in enumerate(notebook.cells):
        outputs = cell.get("outputs", [])
        if any(o.get("output_type") == "error" for o in outputs):
            run.errors.append(label(cell, index))
        if any(o.get("output_type") == "stream" and o.get("name") == "stderr" for o in outputs):
            run.stderr.append(label(cell, index))
    return run
