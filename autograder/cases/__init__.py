"""Test cases of every graded function, built from the reference (instructor side).

Each assignment has a module with `visible()`, the cases shipped to students in the
assignment's cases.json, and `hidden(name)`, the cases only the autograder uses: other
sizes and seeds, an entry of z exactly 0, logits of ±1000.
"""

import copy
from functools import cache

from . import backprop, minibatch, warmup

ASSIGNMENTS = {"1_warmup": warmup, "2_backprop": backprop, "3_minibatch": minibatch}


def hidden_cases(name):
    """The hidden cases of the graded function called name, from whichever assignment has it.

    Built once per process (a grading worker checks many students), handed out as copies.
    """
    return copy.deepcopy(_hidden_cases(name))


@cache
def _hidden_cases(name):
    for module in ASSIGNMENTS.values():
        if name in module.HIDDEN:
            return module.HIDDEN[name]()
    raise KeyError(f"no hidden cases for {name!r}")
