"""Executing a submission for nbgrader's autograde: student cells in the sandbox, tests here.

`SandboxedExecute` takes the place of nbgrader's Execute preprocessor. It walks the notebook
in order: every cell of the student's (and the locked cells around them) runs in the
submission's sandboxed process (student.StudentProcess); every test cell runs in this
process from the instructor's source (prepared in a `Plan` before any student code runs),
with the student's names looked up in the sandboxed process. So the outputs of the test
cells, which nbgrader's SaveAutoGrades turns into points, are written only by the grader,
and the student's code runs once per submission. The tests and the grader's messages speak
the submission's language (edition.edition_of).
"""

import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np
from nbgrader.preprocessors import Execute
from traitlets import Float

from .. import coursetools
from ..course import IGNORED
from ..coursetools.i18n import language
from ..edition import edition_of
from .language import _
from .student import (
    BudgetExceeded,
    CellNamespace,
    StudentProcess,
    StudentProcessError,
    TimedOut,
    run_test,
    split_test,
)

TRUSTED = {"np": np, "numpy": np, **{name: getattr(coursetools, name)
                                     for name in coursetools.__all__}}
sys.modules.setdefault("coursetools", coursetools)  # test cells import it by that name
MAX_EVALUE = 4000
# Kinds of output that cannot carry markup: text/markdown (rendered with its raw HTML, scripts
# included, in the feedback) and text/html are never kept.
KEPT_MIME = ("text/plain", "image/png", "image/jpeg", "text/latex")


@dataclass
class Plan:
    """What the grader holds of an assignment before any student code runs: the test cells
    of the instructor's source, the names students define, where the tests read their cases,
    and the files students receive."""

    assignment: str
    notebook_name: str
    tests: dict           # grade_id -> (visible code, hidden code or None)
    student_names: set
    test_folder: Path
    student_files: list

    @classmethod
    def of(cls, course, assignment):
        from ..cases import ASSIGNMENTS, hidden_cases

        name = f"{course.notebook_name(assignment)}.ipynb"
        cells = nbformat.read(course.source(assignment) / name, as_version=4).cells
        tests = {}
        for cell in cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade"):
                visible, hidden = split_test(cell.source)
                grade_id = meta["grade_id"]
                tests[grade_id] = (compile(visible, f"<{grade_id}>", "exec"),
                                   compile(hidden, f"<{grade_id} hidden>", "exec")
                                   if hidden.strip() else None)
        names = {c.metadata["nbgrader"]["grade_id"] for c in cells
                 if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}
        for case in getattr(ASSIGNMENTS.get(assignment), "HIDDEN", {}):
            hidden_cases(case)  # built now, once per worker
        release = course.release(assignment)
        folder = release if release.is_dir() else course.source(assignment)
        files = sorted(p for p in folder.iterdir()
                       if p.suffix != ".ipynb" and p.name not in IGNORED)
        return cls(assignment, name, tests, names, course.source(assignment), files)


@dataclass
class RunReport:
    """What happened while a submission ran, for its grading status."""

    sandbox: str
    landlock: int = 0
    timed_out: list = field(default_factory=list)
    died: list = field(default_factory=list)
    budget_exceeded: bool = False


class Context:
    """The worker's grading context: the sandbox, the runner's folder and the plans."""

    sandbox = runner_dir = None
    plans = {}
    reports = {}


def configure(sandbox, runner_dir, plans):
    Context.sandbox, Context.runner_dir, Context.plans = sandbox, runner_dir, plans


class SandboxedExecute(Execute):
    """nbgrader's Execute, with student code in the sandbox and the tests in the grader."""

    time_budget = Float(300, help="seconds one submission may run in all").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        plan = Context.plans[info["assignment"]]
        report = RunReport(Context.sandbox.mode)
        Context.reports[(info["assignment"], info["student"])] = report
        process = StudentProcess(Context.sandbox, Context.runner_dir, plan.assignment,
                                 plan.student_files, plan.notebook_name, nbformat.writes(nb),
                                 self.time_budget)
        try:
            with language(edition_of(nb)):
                self._run(nb, plan, process, report)
        finally:
            report.landlock = process.landlock
            process.cleanup()
        return nb, resources

    def _run(self, nb, plan, process, report):
        count = 0
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            count += 1
            cell.execution_count = count
            label = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {count}"
            if process.out_of_budget:
                report.budget_exceeded = True
                cell.outputs = [_error("CellTimeoutError", _(
                    "not run: the submission used its whole time budget of {seconds} s").format(
                    seconds=f"{self.time_budget:g}"))]
                continue
            seen = len(process.events)
            try:
                if label in plan.tests:
                    cell.outputs = self._test(plan, label, process)
                else:
                    outputs, error = process.run_cell(count, cell.source, self.timeout)
                    cell.outputs = [o for o in map(_output, outputs) if o is not None]
                    if isinstance(error, dict) and error.get("ename") == TimedOut.ename:
                        report.timed_out.append(label)
                        cell.outputs.append(_error(TimedOut.ename,
                                                   self._timeout_message(label)))
                    elif isinstance(error, dict):
                        cell.outputs.append(_error(error.get("ename"), error.get("evalue"),
                                                   error.get("traceback")))
            except TimedOut as error:
                message = _("{label}: the submission used its whole time budget of {seconds} s"
                            ).format(label=label, seconds=f"{self.time_budget:g}") \
                    if isinstance(error, BudgetExceeded) else self._timeout_message(label)
                cell.outputs = [_error(TimedOut.ename, message)]
            except StudentProcessError as error:
                cell.outputs = [_error(StudentProcessError.ename, _(
                    "{error}: the cells before this one were run again in a new process and "
                    "grading went on").format(error=error))]
            for event in process.events[seen:]:
                found = report.timed_out if event == "timeout" else report.died
                if label not in found:
                    found.append(label)

    def _timeout_message(self, label):
        return _("{label} stopped after {seconds} s: probably an infinite loop").format(
            label=label, seconds=f"{self.timeout:g}")

    def _test(self, plan, grade_id, process):
        """The outputs of a test cell, run here against the student's process."""
        visible, hidden = plan.tests[grade_id]
        namespace = CellNamespace(process, TRUSTED, plan.student_names, self.timeout)
        printed, failure = run_test(visible, namespace, plan.test_folder)
        if failure is None and hidden is not None:
            hidden_failure = run_test(hidden, namespace, plan.test_folder)[1]
            if hidden_failure is not None:
                name, message = hidden_failure
                message = message if name == "CheckFailure" else f"{name}: {message}"
                failure = (_("Hidden tests failed"), message)
        outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)] \
            if printed else []
        if failure is not None:
            outputs.append(_error(*failure))
        return outputs


def _error(ename, evalue, traceback=None):
    """An error output, cut to size; the traceback defaults to its one-line summary."""
    ename, evalue = str(ename)[:100], str(evalue)[:MAX_EVALUE]
    if not isinstance(traceback, list) or not traceback:
        traceback = [f"{ename}: {evalue}"]
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue,
                                  traceback=[str(line)[:2000] for line in traceback[-40:]])


def _output(raw):
    """A Jupyter output from the runner's untrusted dict, or None when it is not one."""
    if not isinstance(raw, dict):
        return None
    kind = raw.get("output_type")
    if kind == "stream" and raw.get("name") in ("stdout", "stderr"):
        return nbformat.v4.new_output("stream", name=raw["name"], text=str(raw.get("text")))
    if kind in ("display_data", "execute_result") and isinstance(raw.get("data"), dict):
        data = {k: v for k, v in raw["data"].items() if k in KEPT_MIME and isinstance(v, str)}
        if not data:
            return None
        extra = {"execution_count": None} if kind == "execute_result" else {}
        return nbformat.v4.new_output(kind, data=data, **extra)
    return None
