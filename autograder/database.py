"""The gradebook's database: which SQLAlchemy URL, where it was set, and what is wrong with it.

The URL comes from the environment variable AUTOGRADER_DB_URL, else from nbgrader_config.py
(`c.CourseDirectory.db_url`), else it is SQLite in the course directory's gradebook.db. A
SQLite URL gets a lock timeout (writers wait for each other); any other is used as given.
Errors name the setting and show the URL with its password hidden.
"""

import os
from dataclasses import dataclass
from pathlib import Path

VARIABLE = "AUTOGRADER_DB_URL"
CONFIG = "CourseDirectory.db_url in nbgrader_config.py"
DEFAULT = "the default (SQLite in the course directory)"
SQLITE_TIMEOUT = 120  # seconds a writer waits for the SQLite gradebook's lock


class GradebookError(Exception):
    """The gradebook's URL is wrong, or its database cannot be opened."""


@dataclass(frozen=True)
class Database:
    """A checked gradebook URL and where it was set."""

    url: str
    source: str

    @property
    def shown(self):
        """The URL with its password hidden."""
        from sqlalchemy.engine import make_url

        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def sqlite_file(self):
        """The SQLite file's path (None for another database or SQLite in memory)."""
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return Path(url.database)

    def failure(self, error):
        """A GradebookError for an error of the database driver while opening it."""
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        return GradebookError(f"cannot open the gradebook {self.shown} (from {self.source}): "
                              f"{(reason or [type(error).__name__])[0][:300]}")


def locate(default_file, configured=None, given=None):
    """The Database: given (a URL already chosen, e.g. by the grader for its workers), else
    the environment variable, else configured (nbgrader_config.py's db_url), else SQLite in
    default_file."""
    if given:
        return check(given, "the grader")
    if os.environ.get(VARIABLE):
        return check(os.environ[VARIABLE], VARIABLE)
    if configured:
        return check(configured, CONFIG)
    return check(f"sqlite:///{default_file}", DEFAULT)


def check(url, source):
    """The Database of url, with SQLite's lock timeout; GradebookError naming source when url
    is not a URL of a database this installation can open."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except ArgumentError:  # the value is not repeated: it may hold a password
        raise GradebookError(
            f"{source} is not a database URL: expected dialect://user@host:port/database, "
            "e.g. postgresql://grader@db.example.edu/gradebook") from None
    shown = parsed.render_as_string(hide_password=True)
    try:
        parsed.get_dialect().import_dbapi()
    except (NoSuchModuleError, ImportError) as error:
        raise GradebookError(f"{source} names a database this installation cannot open "
                             f"({shown}): {error}") from None
    if parsed.get_backend_name() == "sqlite" and "timeout" not in parsed.query:
        parsed = parsed.update_query_dict({"timeout": str(SQLITE_TIMEOUT)})
    return Database(parsed.render_as_string(hide_password=False), source)
