"""Submissions that try to crash, game or read the grading, one module each.

Each module has OVERRIDES (solution cell grade_id -> the student's cell source, on top of a
perfect submission), optionally transform(notebook) for edits of locked cells, and EXPECTED:
the points per test cell that differ from full marks, the status, and flag fragments.
"""
