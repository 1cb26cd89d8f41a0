"""Grading that cannot be gamed: the protected nbgrader settings and the checks of locked cells.

While `autograder grade` runs, nbgrader's autograde keeps the life cycle and the gradebook,
with three changes (PROTECTED): hidden tests are removed before anything runs; execution is
SandboxedExecute (student code in the operating-system sandbox, every test cell run by the
grader from the instructor's source); and every output is cut to size and scrubbed of the
course's paths before it is saved or shown. A submission is flagged for the instructor when
a locked cell was edited, deleted, reordered or had its metadata changed (nbgrader restores
them anyway).
"""

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    ClearOutput,
    DeduplicateIds,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

from .execute import SandboxedExecute
from .preprocessors import CapOutputs, RestoreCellKinds, ScrubPaths

PROTECTED = {
    # nbgrader's default lists, with cell kinds restored before their sources, hidden tests
    # removed before anything runs, the sandboxed execution, and outputs cut and scrubbed
    # before the grades are saved.
    "Autograde.sanitize_preprocessors": [ClearOutput, DeduplicateIds, OverwriteKernelspec,
                                         RestoreCellKinds, OverwriteCells, CheckCellMetadata],
    "Autograde.autograde_preprocessors": [ClearHiddenTests, SandboxedExecute, IgnorePattern,
                                          ClearMetadataPreprocessor, LimitOutput, CapOutputs,
                                          ScrubPaths, SaveAutoGrades, AssignLatePenalties,
                                          CheckCellMetadata],
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
