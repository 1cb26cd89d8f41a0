"""Build the students' release: case files, shipped helpers, then nbgrader generate_assignment.

For each assignment in solutions/: link the student-side helpers (coursetools) beside the
notebook, write cases.json (expected answers computed now by the reference), and run
nbgrader's generate_assignment into notebooks/. An edition in another language is built the
same way from a translated copy of the sources (see edition.py) into notebooks-<language>/,
with a scratch gradebook, so the course's gradebook keeps the English source.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat

from . import edition
from .cases import ASSIGNMENTS
from .course import NOTEBOOKS, venv_env
from .coursetools.casefile import CASES_FILE, save_cases

ROOT = Path(__file__).resolve().parent.parent
IGNORED = (".ipynb_checkpoints", "__pycache__")
COURSETOOLS = Path(__file__).resolve().parent / "coursetools"


def link_coursetools(assignment_dir):
    """Make assignment_dir/coursetools/ hold a relative link to every coursetools module (and
    to its message catalogues)."""
    target = assignment_dir / "coursetools"
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)
    target.mkdir()
    for module in sorted([*COURSETOOLS.glob("*.py"), *COURSETOOLS.glob("locale")]):
        (target / module.name).symlink_to(os.path.relpath(module, target))


def prepare(root=ROOT, assignments=None):
    """Write the assignments' cases.json and helper links in root/solutions (default: all)."""
    for name in assignments or ASSIGNMENTS:
        cases = ASSIGNMENTS[name]
        assignment_dir = root / "solutions" / name
        if not assignment_dir.is_dir():
            raise FileNotFoundError(f"{assignment_dir} is missing")
        link_coursetools(assignment_dir)
        save_cases(cases.visible(), assignment_dir / CASES_FILE)


def release(root=ROOT, assignments=None):
    """Prepare the sources and generate every assignment's student version into notebooks/."""
    prepare(root, assignments)
    for name in assignments or ASSIGNMENTS:
        print(f"releasing {name} ...", flush=True)
        _generate(root, name)


def _generate(root, name, *settings):
    """nbgrader generate_assignment for assignment name, with extra settings (--Key=value)."""
    subprocess.run(["nbgrader", "generate_assignment", name, "--force", "--log-level=WARN",
                    *settings], cwd=root, env=venv_env(), check=True)


def release_edition(language, root=ROOT, assignments=None):
    """Generate the students' notebooks in language into notebooks-<language>/.

    Raises edition.UntranslatedError (naming the catalogue) when a text has no translation.
    """
    names = assignments or list(ASSIGNMENTS)
    prepare(root, names)
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "source"
        for name in names:
            translated_source(language, name, source / name, root)
        for name in names:
            print(f"releasing {name} in {edition.LANGUAGES[language]} ...", flush=True)
            _generate(root, name, f"--CourseDirectory.source_directory={source}",
                      f"--CourseDirectory.release_directory=notebooks-{language}",
                      f"--CourseDirectory.db_url=sqlite:///{scratch}/gradebook.db")


def translated_source(language, name, target, root=ROOT):
    """Write the solution folder of assignment name, translated, into target (made here)."""
    solution = root / "solutions" / name
    notebook_file = f"{NOTEBOOKS[name]}.ipynb"
    shutil.copytree(solution, target, ignore=shutil.ignore_patterns(notebook_file, *IGNORED))
    catalog = edition.read_catalogue(language, name, root)
    try:
        notebook = edition.translate(nbformat.read(solution / notebook_file, as_version=4),
                                     catalog, language)
    except edition.UntranslatedError as error:
        path = edition.catalogue_path(language, name, root).relative_to(root)
        raise edition.UntranslatedError(f"{path}: {error}; run `autograder translations` and "
                                        "translate the new texts") from None
    nbformat.write(notebook, target / notebook_file)
    (target / "coursetools" / "LANGUAGE").write_text(f"{language}\n")
