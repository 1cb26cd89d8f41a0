"""A daemon (double fork, setsid, its own name) that outlives its notebook and, for two minutes
after, keeps trying to raise its grades in the gradebook and to plant files in the course.

Under bubblewrap it dies with the sandbox's PID namespace when its submission is done; under
Landlock alone the grader kills every process the submission left behind. Either way no
process of that name is left once grading is over, and it never reached the course. Every
answer is correct: full points.
"""

from . import ATTEMPT, FORWARD

OVERRIDES = {"forward": ATTEMPT + r'''
import ctypes
import os
import sqlite3
import time

COURSE = @COURSE@
MARK = @MARK@


def haunt():
    libc = ctypes.CDLL(None)
    libc.prctl(15, MARK.encode(), 0, 0, 0)  # PR_SET_NAME: findable, and to be found
    for fd in range(3, 256):
        try:
            os.close(fd)
        except OSError:
            pass
    ends = time.monotonic() + 120
    while time.monotonic() < ends:
        for place in (f"{COURSE}/{MARK}-daemon", f"{COURSE}/solutions/{MARK}-daemon",
                      f"/tmp/{MARK}-daemon-escaped"):
            try:
                with open(place, "w") as planted:
                    planted.write("planted")
            except OSError:
                pass
        try:
            db = sqlite3.connect(f"{COURSE}/gradebook.db", timeout=0.1)
            db.execute("UPDATE grade SET manual_score = 1000")
            db.commit()
        except Exception:  # noqa: BLE001
            pass
        time.sleep(0.5)


def daemonize():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            try:
                haunt()
            finally:
                os._exit(0)
        os._exit(0)
    os.wait()
    return "a daemon is out"


attempt("start a daemon", daemonize)

''' + FORWARD}
EXPECTED = {"zero": [], "status": "graded", "flags": []}
