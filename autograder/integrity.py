"""Grading that cannot be gamed: the protected nbgrader settings and the checks after a run.

While `autograder grade` runs a submission, nbgrader's kernel starts confined by the sandbox
(autograder.sandbox) and hidden tests are removed before execution, so they never run where
student code could read them and never reach the autograded notebook or the feedback. After
the run, every test cell is decided again by the verification (autograder.verify), and a
cell keeps its points only if it passed both. A submission is flagged for the instructor when
a test passed in the notebook but failed outside it, when a locked cell was edited, deleted,
reordered or had its metadata changed, or when the sandbox refused something.
"""

import shutil

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    ClearOutput,
    DeduplicateIds,
    Execute,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

from .preprocessors import LimitOutputSize, RestoreCellKinds, ScrubPaths
from .sandbox import MARK
from .verify import verify

KERNEL_START = ["import warnings", 'warnings.simplefilter("ignore")',
                "import autograder.sandbox", "autograder.sandbox.install_in_kernel()"]
PROTECTED = {
    "Execute.extra_arguments": [f"--IPKernelApp.exec_lines={KERNEL_START!r}",
                                "--HistoryManager.enabled=False", "--IPKernelApp.log_level=ERROR"],
    # A flood of output may still be arriving when a cell ends: wait for it a while, then
    # grade with what arrived instead of failing the whole notebook.
    "Execute.iopub_timeout": 15,
    "Execute.raise_on_iopub_timeout": False,
    # The kernel has nothing to save: stop it at once (0.3 s less per submission).
    "Execute.shutdown_kernel": "immediate",
    # nbgrader's default lists, with cell kinds restored before their sources, hidden tests
    # removed before anything runs, and outputs cut to size and scrubbed of course paths.
    "Autograde.sanitize_preprocessors": [ClearOutput, DeduplicateIds, OverwriteKernelspec,
                                         RestoreCellKinds, OverwriteCells, CheckCellMetadata],
    "Autograde.autograde_preprocessors": [ClearHiddenTests, Execute, IgnorePattern,
                                          ClearMetadataPreprocessor, LimitOutput,
                                          LimitOutputSize, ScrubPaths, SaveAutoGrades,
                                          AssignLatePenalties, CheckCellMetadata],
}
LOCKED_KEYS = ("grade", "solution", "locked", "points", "grade_id", "task")


def tampered_cells(released, submitted):
    """What happened to the released notebook's locked cells in the submission."""
    def locked(notebook):
        return [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("locked")]

    def key(cell):
        return cell.metadata["nbgrader"]["grade_id"]

    theirs = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in submitted.cells}
    found = []
    for cell in locked(released):
        mine = theirs.get(key(cell))
        if mine is None:
            found.append(f"locked cell {key(cell)} deleted or its id changed")
        elif mine.source != cell.source:
            found.append(f"locked cell {key(cell)} edited")
        elif any(mine.metadata["nbgrader"].get(k) != cell.metadata["nbgrader"].get(k)
                 for k in LOCKED_KEYS):
            found.append(f"locked cell {key(cell)}: nbgrader metadata changed")
    order = [key(c) for c in locked(released)]
    present = [c.metadata["nbgrader"]["grade_id"] for c in submitted.cells
               if c.metadata.get("nbgrader", {}).get("grade_id") in order]
    if present != [k for k in order if k in present]:
        found.append("locked cells reordered")
    return found


def refused_in_kernel(notebook):
    """The sandbox's refusals that show in the autograded notebook's outputs."""
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            text = output.get("evalue", "") + output.get("text", "")
            found += [line.strip() for line in text.splitlines() if MARK in line]
    return found


def stage(course, assignment, student):
    """Put the submission in its autograded folder as nbgrader would have, for a notebook whose
    kernel died: the assignment's files (never its notebooks) and the submitted notebook."""
    name = f"{course.notebook_name(assignment)}.ipynb"
    folder = course.autograded(student, assignment)
    shutil.copytree(course.source(assignment), folder, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.ipynb", "__pycache__", ".ipynb_checkpoints"))
    shutil.copyfile(course.submitted(student, assignment) / name, folder / name)


def check_submission(course, assignment, student, timeout, kernel_ran=True):
    """Verify one autograded submission, fix its grades and feedback; return its flags.

    When the kernel died (kernel_ran false) nbgrader scored nothing: the submission is staged
    and every test cell scores what the verification alone gives it.
    """
    name = f"{course.notebook_name(assignment)}.ipynb"
    if not kernel_ran:
        stage(course, assignment, student)
    released = nbformat.read(course.release(assignment) / name, as_version=4)
    submitted = nbformat.read(course.submitted(student, assignment) / name, as_version=4)
    path = course.autograded(student, assignment) / name
    notebook = nbformat.read(path, as_version=4)
    flags = tampered_cells(released, submitted)
    flags += [f"refused in the notebook: {m}" for m in dict.fromkeys(refused_in_kernel(notebook))]
    verdicts, violations = verify(course, assignment, student, timeout)
    flags += [f"refused during verification: {m}" for m in dict.fromkeys(violations)]
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in notebook.cells}
    with course.open_gradebook() as gradebook:
        for grade_id, (visible, hidden) in verdicts.items():
            grade = gradebook.find_grade(grade_id, course.notebook_name(assignment),
                                         assignment, student)
            if not kernel_ran:  # nbgrader never scored it: the verification's word is final
                grade.needs_manual_grade = False
            if visible is None and hidden is None:
                if not kernel_ran:
                    grade.auto_score = grade.max_score
                continue
            if visible is not None and (grade.auto_score or 0) > 0:
                flags.append(f"{grade_id} passed in the notebook but failed when re-run "
                             f"outside it: {visible[:200]}")
            grade.auto_score = 0.0
            if hidden is not None and grade_id in cells:
                cells[grade_id].outputs.append(nbformat.v4.new_output(
                    "error", ename="Hidden tests failed", evalue=hidden,
                    traceback=[f"Hidden tests failed: {hidden}"]))
        gradebook.db.commit()
    nbformat.write(notebook, path)
    return flags
