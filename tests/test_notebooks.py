"""The course's notebooks: solutions pass, releases fail cleanly, the release is fresh and clean."""

import copy
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from autograder.course import NOTEBOOKS, venv_env
from autograder.release import release

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = sorted(NOTEBOOKS)
BLOCK_AUTOGRADER = 'import sys; sys.modules["autograder"] = None  # students do not have it'


def source_path(assignment):
    return ROOT / "solutions" / assignment / f"{NOTEBOOKS[assignment]}.ipynb"


def release_path(assignment):
    return ROOT / "notebooks" / assignment / f"{NOTEBOOKS[assignment]}.ipynb"


def nbgrader(*args):
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=ROOT, env=venv_env(),
                          capture_output=True, text=True, timeout=600)


def execute(path, first_cell=None, allow_errors=True):
    """The notebook at path, executed in its folder (first_cell injected). With allow_errors
    False, only cells tagged raises-exception may raise, as in JupyterLab's Run All."""
    notebook = nbformat.read(path, as_version=4)
    if first_cell:
        notebook.cells.insert(0, nbformat.v4.new_code_cell(first_cell))
    NotebookClient(notebook, timeout=120, allow_errors=allow_errors, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return notebook


def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


def errors_and_stderr(notebook):
    """[(cell index, grade_id, what)] of every error output and stderr stream."""
    found = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                found.append((index, nbgrader_meta(cell).get("grade_id"), output.ename))
            elif output.output_type == "stream" and output.name == "stderr":
                found.append((index, nbgrader_meta(cell).get("grade_id"), "stderr: " + output.text))
    return found


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_passes_nbgrader_validate(assignment):
    result = nbgrader("validate", str(source_path(assignment)))
    assert "Success! Your notebook passes all the tests." in result.stdout, result.stdout


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_runs_without_errors_or_stderr(assignment):
    notebook = execute(source_path(assignment))
    assert errors_and_stderr(notebook) == []
    for cell in notebook.cells:
        if nbgrader_meta(cell).get("grade") and cell.cell_type == "code":
            printed = "".join(o.get("text", "") for o in cell.outputs)
            assert "✓" in printed, (nbgrader_meta(cell)["grade_id"], printed)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_fails_every_graded_test(assignment):
    result = nbgrader("validate", "--invert", str(release_path(assignment)))
    assert "Success! The notebook does not pass any tests." in result.stdout, result.stdout


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_runs_without_the_autograder_package(assignment):
    """Run All on the release, nothing answered: only graded tests and cells calling unimplemented
    functions fail, never an import; every one of them is tagged raises-exception, so the run
    goes on to the end (allow_errors=False), and every graded test reports."""
    notebook = execute(release_path(assignment), first_cell=BLOCK_AUTOGRADER, allow_errors=False)
    problems = errors_and_stderr(notebook)
    graded = {i for i, c in enumerate(notebook.cells) if nbgrader_meta(c).get("grade")}
    allowed = {"NotImplementedError", "CheckFailure", "AssertionError"}
    unexpected = [p for p in problems if p[0] not in graded and p[2] not in allowed]
    assert unexpected == []
    assert not [p for p in problems if p[2] in ("ModuleNotFoundError", "ImportError")]
    graded_tests = {i for i in graded if notebook.cells[i].cell_type == "code"}
    assert graded_tests <= {p[0] for p in problems}  # every graded test fails when blank


def unanswered(source):
    """source with each solution region replaced by what the release puts there."""
    return re.sub(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION$",
                  r"\1# YOUR CODE HERE\n\1raise NotImplementedError()", source,
                  flags=re.M | re.S)


# Where running the notebook once per exercise costs too much (3_minibatch trains and sweeps after
# its exercises), only the exercise whose failure cascades the most is left unanswered: every given
# cell that runs the student's code reaches it through forward_batch first (or through the
# parameters trained with it), so with forward_batch unanswered every such cell raises (checked
# below), while any other single exercise left unanswered makes only some of them raise, besides
# the graded tests, which all raise in test_release_runs_without_the_autograder_package.
CASCADING_EXERCISE = {"3_minibatch": "forward_batch"}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_run_all_goes_past_any_one_unanswered_exercise(assignment):
    """The solution with one exercise left unanswered, for each exercise in turn (or the one of
    CASCADING_EXERCISE), run top to bottom as JupyterLab's Run All does: only cells tagged
    raises-exception may raise (allow_errors=False), so every cell after the exercise runs, and
    every graded test after it shows its output. One kernel per notebook, its namespace reset
    before each run."""
    source = nbformat.read(source_path(assignment), as_version=4)
    exercises = [i for i, c in enumerate(source.cells)
                 if c.cell_type == "code" and nbgrader_meta(c).get("solution")]
    if assignment in CASCADING_EXERCISE:
        only = CASCADING_EXERCISE[assignment]
        exercises = [i for i in exercises if nbgrader_meta(source.cells[i])["grade_id"] == only]
    assert exercises
    reset = nbformat.v4.new_code_cell("%reset -f")
    client = NotebookClient(source, timeout=120, allow_errors=False, kernel_name="python3",
                            resources={"metadata": {"path": str(source_path(assignment).parent)}})
    with client.setup_kernel():
        for blank in exercises:
            notebook = copy.deepcopy(source)
            exercise = notebook.cells[blank]
            name = nbgrader_meta(exercise)["grade_id"]
            exercise.source = unanswered(exercise.source)
            assert "raise NotImplementedError()" in exercise.source
            client.nb = notebook
            client.execute_cell(reset, 0)
            for index, cell in enumerate(notebook.cells):
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as error:
                    pytest.fail(f"with {name} unanswered, cell {index} "
                                f"({nbgrader_meta(cell).get('grade_id', cell.id)}) raised and is "
                                f"not tagged raises-exception:\n{error}")
            later = notebook.cells[blank + 1:]
            silent = [nbgrader_meta(c)["grade_id"] for c in later
                      if c.cell_type == "code" and nbgrader_meta(c).get("grade") and not c.outputs]
            assert silent == [], (name, silent)
            if assignment in CASCADING_EXERCISE:
                spared = [nbgrader_meta(c).get("grade_id", c.id) for c in later
                          if "raises-exception" in c.metadata.get("tags", [])
                          and not nbgrader_meta(c).get("grade")
                          and not any(o.output_type == "error" for o in c.outputs)]
                assert spared == [], f"with {name} unanswered these given cells still run: {spared}"


def test_notebooks_equal_a_fresh_release(tmp_path):
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions", symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    for assignment in ASSIGNMENTS:  # the release writes these afresh
        (tmp_path / "solutions" / assignment / "cases.json").unlink()
    release(root=tmp_path)
    for folder in ("notebooks", "solutions"):
        fresh = {p.relative_to(tmp_path / folder): p for p in (tmp_path / folder).rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts}
        committed = {p.relative_to(ROOT / folder): p for p in (ROOT / folder).rglob("*")
                     if p.is_file() and "__pycache__" not in p.parts}
        assert sorted(fresh) == sorted(committed), folder
        stale = [str(name) for name in fresh
                 if fresh[name].read_bytes() != committed[name].read_bytes()]
        assert stale == [], f"{folder}: stale files, run `make release`"


def solution_lines(assignment):
    """The non-trivial code lines inside the solution regions of the source notebook."""
    lines = set()
    for cell in nbformat.read(source_path(assignment), as_version=4).cells:
        inside = False
        for line in cell.source.splitlines():
            if "### BEGIN SOLUTION" in line or "### BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "### END SOLUTION" in line or "### END HIDDEN TESTS" in line:
                inside = False
            elif inside and len(line.strip()) > 12 and not line.strip().startswith("#"):
                lines.add(line.strip())
    return lines


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_holds_no_solution_hidden_test_or_reference(assignment):
    notebook = nbformat.read(release_path(assignment), as_version=4)
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    text = "\n".join(c.source for c in notebook.cells)
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    assert "autograder" not in code
    released_lines = {line.strip() for line in code.splitlines()}
    assert solution_lines(assignment) & released_lines == set()
    shipped = notebook_folder_python(assignment)
    assert "reference" not in shipped and "import autograder" not in shipped


def notebook_folder_python(assignment):
    return "\n".join(p.read_text() for p in (ROOT / "notebooks" / assignment).rglob("*.py"))


# Code of the analytic gradients of the graded functions, in the forms they are usually written.
FORMULAS = [r"y_hat\s*-\s*y\b", r"delta1\.T\s*@\s*h\.T", r"delta2\.T\s*@\s*x\.T",
            r"delta1\s*@\s*U\)?\s*\*", r"\(delta2\s*@\s*W\)\.T", r"W\.T\s*@\s*delta2\.T",
            r"Y_hat\s*-\s*Y\b", r"np\.outer\(delta"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_contains_no_analytic_gradient_formula(assignment):
    notebook = nbformat.read(release_path(assignment), as_version=4)
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    code += notebook_folder_python(assignment)
    assert [f for f in FORMULAS if re.search(f, code)] == []


def test_committed_notebooks_carry_no_outputs():
    paths = [*(ROOT / "notebooks").rglob("*.ipynb"), *(ROOT / "solutions").rglob("*.ipynb")]
    for path in paths:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_code_is_lint_clean(assignment, tmp_path):
    notebook = nbformat.read(source_path(assignment), as_version=4)
    code = "\n\n".join(re.sub(r"^\s*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)\n", "", c.source,
                              flags=re.M)
                       for c in notebook.cells if c.cell_type == "code")
    script = tmp_path / f"{assignment}.py"
    script.write_text(code + "\n")
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated",
                             "--line-length", "100", "--select", "E,F,W", "--ignore", "E402",
                             str(script)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
