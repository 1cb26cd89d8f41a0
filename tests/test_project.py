"""The project's own set-up: pinned packages, the same in pyproject.toml and environment.yml."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["dependencies"] + project["optional-dependencies"]["test"]


def pyproject_pins():
    return dict(r.split("==") for r in requirements())


def environment_pins():
    lines = (ROOT / "environment.yml").read_text().splitlines()
    pins = [re.fullmatch(r"\s*-\s*([\w.-]+)==?([\w.]+)", line) for line in lines]
    return {m.group(1): m.group(2) for m in pins if m and m.group(1) != "python"}


def test_every_dependency_is_pinned_exactly():
    unpinned = [r for r in requirements() if not re.fullmatch(r"[\w.-]+==[\w.]+", r)]
    assert unpinned == []
    pins = pyproject_pins()
    assert pins["nbgrader"] == "0.9.6" and pins["jupyterlab"].startswith("4.6.")


def test_environment_yml_names_the_same_packages_and_versions():
    assert environment_pins() == pyproject_pins()


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make demo" in readme
    assert (ROOT / ".ci/run").read_text().strip().endswith("make test")


def test_the_package_and_tests_are_lint_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "autograder",
                             "tests", *(["bench"] if (ROOT / "bench").is_dir() else [])],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
