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
