"""Cases of the warm-up assignment (filled in with the assignment)."""

HIDDEN = {}


def visible():
    return {}
