"""Build the students' release: case files, shipped helpers, then nbgrader generate_assignment.

For each assignment in solutions/: link the student-side helpers (coursetools) beside the
notebook, write cases.json (expected answers computed now by the reference), and run
nbgrader's generate_assignment into notebooks/.
"""

import os
import shutil
import subprocess
from pathlib import Path

from .cases import ASSIGNMENTS
from .course import venv_env
from .coursetools.casefile import CASES_FILE, save_cases

ROOT = Path(__file__).resolve().parent.parent
COURSETOOLS = Path(__file__).resolve().parent / "coursetools"


def link_coursetools(assignment_dir):
    """Make assignment_dir/coursetools/ hold a relative link to every coursetools module."""
    target = assignment_dir / "coursetools"
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)
    target.mkdir()
    for module in sorted(COURSETOOLS.glob("*.py")):
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
        subprocess.run(["nbgrader", "generate_assignment", name, "--force", "--log-level=WARN"],
                       cwd=root, env=venv_env(), check=True)
