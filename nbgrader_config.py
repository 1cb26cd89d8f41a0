"""nbgrader configuration of the course: the repository root is the course directory.

Instructors run stock nbgrader commands from here (generate_assignment, autograde, validate,
generate_feedback, export, formgrader). The sources with solutions and hidden tests are in
solutions/, the students' version in notebooks/.
"""

import os

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "backprop"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

# The gradebook: SQLite in gradebook.db here, unless AUTOGRADER_DB_URL names another database
# (PostgreSQL, to grade on several machines). Set here, every command sees it, nbgrader's own
# (formgrader, export) too. A password is best kept out of the URL: in ~/.pgpass.
if os.environ.get("AUTOGRADER_DB_URL"):
    c.CourseDirectory.db_url = os.environ["AUTOGRADER_DB_URL"]

# What students see in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# A deleted or edited test cell is restored from the gradebook when grading.
c.OverwriteCells.add_missing_cells = True

# Every cell gets a time limit, and runaway output is cut.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
c.LimitOutput.max_lines = 300
c.LimitOutput.max_traceback = 60

# nbgrader scores a cell with anything on stderr as 0: warnings that correct code may raise
# (a RuntimeWarning from numpy, a DeprecationWarning from a library) must never do that.
c.Execute.extra_arguments = [
    "--IPKernelApp.exec_lines=['import warnings', 'warnings.simplefilter(\"ignore\")']",
]

# `autograder collect ASSIGNMENT SOURCE` reads a folder, or the zip an LMS exports, through a
# table. Each row is (name, regular expression); the expression is matched from the start of a
# file's path inside the source ("/" between folders) and the first row that matches says whose
# file it is. Its named groups are those of nbgrader's FileNameCollectorPlugin, and more:
#   student_id  required: the student (accents dropped, other characters than letters, digits,
#               ".", "-", "_" become "_": "Zoë Martin" is stored as Zoe_Martin)
#   file_id     the file's own name, its extension optional; a file without one is a record of
#               the submission (Blackboard's receipt), never its notebook
#   timestamp   when the student submitted (YYYY-MM-DD-HH-MM-SS, or any date dateutil reads, in
#               CollectPatterns.timezone unless it names a zone): a student's files with
#               different timestamps are different submissions, and the newest is taken
#   attempt     the version of one file (Canvas's -1, -2 when a file is submitted again): the
#               highest is taken
#   user_id     the LMS's number for the student: two students whose names give one id are
#               refused, never merged
#   late        present when the LMS marks the file late (said in the report)
# The submission's time goes to nbgrader's timestamp.txt, for due dates and late penalties: the
# name's timestamp, else a timestamp.txt in the source, else the zip entry's date. The default
# rows (PATTERNS in autograder/grading/collect.py) read Canvas (also anonymous, with LATE_ and
# resubmissions -1, -2), Blackboard attempts, Moodle folders, <student id>_<anything>.ipynb
# files and a folder per student. Add a row for another layout before the rows that would take
# its files, e.g. "<student id>-<name>.ipynb":
#   c.CollectPatterns.patterns.insert(0, ("dash", r"(?P<student_id>[^-/]+)-(?P<file_id>[^/]+)$"))
# A c.FileNameCollectorPlugin.named_regexp set for `nbgrader zip_collect` is tried first.
# Canvas dates the entries of its zip when it writes it, not when students submitted.
c.CollectPatterns.zip_dates_ignored = ["canvas", "canvas-anonymous"]
# The time zone of the timestamps in file names and of zip entry dates, which name none.
c.CollectPatterns.timezone = "UTC"
