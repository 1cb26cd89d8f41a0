"""Feedback for students: nbgrader's HTML reports of their autograded notebooks."""

import warnings


def feedback(course, assignment, students):
    """Write feedback/<student>/<assignment>/*.html for the students; return the failures."""
    api = course.api()
    failures = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for student in students:
            result = api.generate_feedback(assignment, student)
            if not result.get("success"):
                failures[student] = (result.get("error") or "").strip().splitlines()[-1:]
    return failures
