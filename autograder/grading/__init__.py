"""The grading machinery: collect, grade (in the sandbox), feedback, export and the report.

The course content (the reference, the cases, coursetools, the release) lives beside it in
the `autograder` package; nothing here is shown to students, and nothing here but runner.py,
wire.py and landlock.py ever runs inside the sandbox.
"""
