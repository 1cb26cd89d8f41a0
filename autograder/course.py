"""The course directory: one object that owns every path and the nbgrader configuration."""

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader

from . import database

NOTEBOOKS = {"1_warmup": "warmup", "2_backprop": "backprop", "3_minibatch": "minibatch"}
IGNORED = {".ipynb_checkpoints", "__pycache__", "feedback"}  # never part of an assignment


def venv_env():
    """os.environ with this interpreter's bin first on PATH (nbgrader runs `alembic`)."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@dataclass
class Course:
    """An nbgrader course directory (the repository root, or a copy such as the demo's)."""

    root: Path
    db_url: str = None  # the gradebook's URL; by default where database.locate finds it

    def __post_init__(self):
        self.root = Path(self.root).resolve()
        if not (self.root / "nbgrader_config.py").exists():
            raise FileNotFoundError(f"{self.root} is not a course directory: "
                                    "no nbgrader_config.py there")
        configured = self._file_config().CourseDirectory.get("db_url")
        self.database = database.locate(self.gradebook, configured, self.db_url)
        self.db_url = self.database.url

    @property
    def gradebook(self):
        """The default gradebook: SQLite, in the course directory."""
        return self.root / "gradebook.db"

    def source(self, assignment):
        return self.root / "solutions" / assignment

    def release(self, assignment, language="en"):
        """The students' folder of the assignment, in the edition's language."""
        return self.root / ("notebooks" if language == "en" else f"notebooks-{language}") \
            / assignment

    def submitted(self, student, assignment):
        return self.root / "submitted" / student / assignment

    def autograded(self, student, assignment):
        return self.root / "autograded" / student / assignment

    def autograded_notebook(self, student, assignment):
        return self.autograded(student, assignment) / f"{self.notebook_name(assignment)}.ipynb"

    def feedback(self, student, assignment):
        return self.root / "feedback" / student / assignment

    @property
    def grading_dir(self):
        """Where this package keeps what nbgrader has no place for: statuses, the report."""
        return self.root / "grading"

    def status_file(self, assignment):
        return self.grading_dir / f"{assignment}-status.json"

    def notebook_name(self, assignment):
        return NOTEBOOKS[assignment]

    def assignments(self):
        return [a for a in NOTEBOOKS if self.source(a).is_dir()]

    def submitted_students(self, assignment=None):
        folder = self.root / "submitted"
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir()
                      if p.is_dir() and (assignment is None or (p / assignment).is_dir()))

    def config(self, **overrides):
        """The course's nbgrader_config.py, with the gradebook's URL and overrides."""
        config = self._file_config()
        config.CourseDirectory.root = str(self.root)
        config.CourseDirectory.db_url = self.db_url
        for dotted, value in overrides.items():
            section, name = dotted.split(".")
            config[section][name] = value
        return config

    def _file_config(self):
        return PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()

    def api(self, **overrides):
        """An in-process NbGraderAPI on this course (pays nbgrader's start-up once)."""
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        _alembic_on_path()
        config = self.config(**overrides)
        return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)

    def open_gradebook(self):
        """nbgrader's Gradebook of this course (created if there is none yet);
        database.GradebookError when its database cannot be opened."""
        from nbgrader.api import Gradebook
        from sqlalchemy.exc import DBAPIError

        _alembic_on_path()
        try:
            return Gradebook(self.db_url)
        except DBAPIError as error:
            raise self.database.failure(error) from None

    def assignments_in_gradebook(self):
        """The course's assignments whose notebook the gradebook knows, in course order."""
        sqlite_file = self.database.sqlite_file
        if sqlite_file is not None and not sqlite_file.exists():
            return []
        with self.open_gradebook() as gradebook:
            known = {(n.name, a.name) for a in gradebook.assignments for n in a.notebooks}
        return [a for a in self.assignments() if (self.notebook_name(a), a) in known]

    def load_statuses(self, assignment):
        path = self.status_file(assignment)
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def save_statuses(self, assignment, statuses):
        self.grading_dir.mkdir(exist_ok=True)
        text = json.dumps(dict(sorted(statuses.items())), indent=1, ensure_ascii=False)
        self.status_file(assignment).write_text(text + "\n", encoding="utf-8")


def _alembic_on_path():
    """nbgrader runs the `alembic` executable of this venv when it opens a gradebook."""
    os.environ["PATH"] = venv_env()["PATH"]
