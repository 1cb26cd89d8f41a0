"""Leaving something behind for later: files in solutions/ and notebooks/ (by absolute and
relative paths), the files students receive (coursetools/, cases.json) overwritten, an IPython
startup file in HOME, numpy.py, coursetools.py, sitecustomize.py and a .pth file where Python
looks for modules (its own folder, HOME, /tmp), the runner's own files (shared by the later
submissions of its worker), and new files in the venv and the Python installation.

Each planted module, if ever imported by a later kernel or student, would write a marker file
into the course and break numpy. Under bubblewrap the course does not exist in the sandbox, the
files students receive, the venv and the runner are read-only mounts, HOME and /tmp are private
tmpfs that die with the submission; under Landlock alone only the submission's own scratch
folder can be written, and it is removed afterwards. The later honest student scores full
marks, nothing in the course changes, no marker appears. Every answer is correct: full points.
"""

from . import ATTEMPT, FORWARD

OVERRIDES = {"forward": ATTEMPT + r'''
import os
import sys

COURSE = @COURSE@
MARK = @MARK@
POISON = f"""
for place in ({COURSE!r} + "/{MARK}-poison", "/tmp/{MARK}-poison"):
    try:
        open(place, "w").write("a later kernel ran planted code")
    except OSError:
        pass
raise SystemExit("poisoned")
"""
home = os.path.expanduser("~")
site = next(p for p in sys.path if p.endswith("site-packages"))
runner = sys.path[0]  # the runner's own folder, shared by the later students of its worker
targets = [f"{COURSE}/solutions/2_backprop/{MARK}.py", f"{COURSE}/notebooks/2_backprop/{MARK}.py",
           f"{COURSE}/notebooks/2_backprop/cases.json",
           f"{COURSE}/notebooks/2_backprop/coursetools/__init__.py",
           f"../../../solutions/2_backprop/{MARK}.py", f"../../../../notebooks/{MARK}.py",
           "coursetools/__init__.py", "cases.json", f"{runner}/wire.py", f"{runner}/landlock.py"]
# The machine's Python installation gets files of new names only (a .pth file there would run
# in every Python of the machine): enough to show whether it can be written.
planted = [f"{site}/{MARK}.pth", f"{site}/numpy/{MARK}.py",
           f"{os.path.dirname(os.__file__)}/{MARK}.py"]
for path in planted:
    attempt(f"create {path}", lambda: open(path, "x").write("# planted\n"))
for path in targets:
    attempt(f"append to {path.replace(COURSE, '<course>')}", lambda: open(path, "a").write(POISON))
attempt("replace coursetools/", lambda: os.rename("coursetools", "old-coursetools"))
attempt("remove cases.json", lambda: os.remove("cases.json"))

startup = os.path.join(home, ".ipython/profile_default/startup")
os.makedirs(startup, exist_ok=True)
for folder in (".", home, "/tmp", startup):
    for name in ("numpy.py", "coursetools.py", "sitecustomize.py", "usercustomize.py",
                 f"00-{MARK}.py", f"{MARK}.pth"):
        try:
            with open(os.path.join(folder, name), "w") as planted:
                planted.write(POISON)
        except OSError as error:
            print(f"[attack] plant {folder}/{name}: blocked ({error})")

''' + FORWARD}
EXPECTED = {"zero": [], "status": "graded", "flags": []}
