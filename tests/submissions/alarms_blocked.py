"""Surviving the time limits: the runner's SIGALRM ignored and blocked, its timer cancelled
with signal.setitimer(0), every exception (BaseException) caught in a loop around an infinite
loop, in a function (dJ_dx) and at the top level of cells added at the end of the notebook,
enough of them to use up the submission's time budget.

The limits are enforced from outside: the grader stops waiting when a cell's time is up, kills
the process (and everything in its sandbox) and starts it again; once the budget is used up,
no more cells run. dJ_dx and backward (which calls it) score 0; the tests all ran before the
budget was gone, so nothing else is lost; the status says the time ran out.
"""

import nbformat

OVERRIDES = {"dJ_dx": '''
import signal

signal.signal(signal.SIGALRM, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})


def dJ_dx(delta2, W):
    signal.setitimer(signal.ITIMER_REAL, 0)
    while True:
        try:
            while True:
                pass
        except BaseException:  # noqa: BLE001
            pass
'''}

FOREVER = '''import signal
signal.signal(signal.SIGALRM, signal.SIG_IGN)
signal.setitimer(signal.ITIMER_REAL, 0)
while True:
    try:
        while True:
            pass
    except BaseException:  # noqa: BLE001
        pass
'''


def transform(notebook):
    notebook.cells.extend(nbformat.v4.new_code_cell(FOREVER) for _ in range(6))


EXPECTED = {"zero": ["test_dJ_dx", "test_backward"], "status": "timed out", "flags": [],
            "detail": "the submission used its whole time budget"}
