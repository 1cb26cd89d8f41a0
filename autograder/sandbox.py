"""The grading sandbox: what student code may do while it is graded, enforced by an audit hook.

Installed first thing in the grading kernel and in the verification process, before any
student code runs. Python audit hooks cannot be removed once added. While grading, student
code cannot:
- import the `autograder` package (the reference and the hidden cases),
- read, list or write anything in the course directory outside its own folder (solutions,
  the gradebook, other students), nor read the autograder package's files,
- start processes, signal other processes or open network connections,
- use more memory than MEMORY_LIMIT (a MemoryError in the cell that asks for it).

Every refused action raises PermissionError (ImportError for imports) with a message that
starts with MARK, and is reported through `report` when given (the verification process
passes its result pipe, so refused actions are flagged even when student code catches them).
Only the standard library is used here.
"""

import os
import resource
import sys

MARK = "[grading sandbox]"
MEMORY_LIMIT = 4 * 1024**3
ENV_COURSE_ROOT = "AUTOGRADER_COURSE_ROOT"

_FORBIDDEN_EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                     "os.fork", "os.forkpty", "pty.spawn", "socket.connect", "socket.bind",
                     "sys.addaudithook", "os.kill", "os.killpg", "signal.pthread_kill")
_PATH_EVENTS = {"open": 0, "os.listdir": 0, "os.scandir": 0, "os.remove": 0, "os.rmdir": 0,
                "os.rename": 0, "os.mkdir": 0, "os.chmod": 0, "os.chown": 0, "os.truncate": 0,
                "os.link": 0, "os.symlink": 0, "os.utime": 0, "shutil.rmtree": 0,
                "shutil.copyfile": 0, "shutil.copytree": 0, "sqlite3.connect": 0, "glob.glob": 0,
                "os.chdir": 0}


def install(course_root, folder, package_dir, report=None, memory_limit=MEMORY_LIMIT):
    """Confine this process: see the module docstring. folder is the student's own folder."""
    course_root, folder, package_dir = (os.path.realpath(p) for p in (course_root, folder,
                                                                      package_dir))
    if memory_limit:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    def inside(path, root):
        return path == root or path.startswith(root + os.sep)

    def allowed(path):
        if inside(path, package_dir):
            return False
        return not inside(path, course_root) or inside(path, folder)

    def refuse(message, error=PermissionError):
        if report is not None:
            report(message)
        raise error(f"{MARK} {message}")

    def hook(event, args):
        if event == "import":
            name = args[0] or ""
            if name == "autograder" or name.startswith("autograder."):
                refuse(f"importing {name} is not allowed while grading", ImportError)
        elif event.startswith(_FORBIDDEN_EVENTS):
            refuse(f"{event} is not allowed while grading")
        elif event in _PATH_EVENTS:
            path = args[_PATH_EVENTS[event]]
            if isinstance(path, int) or path is None:
                return
            if isinstance(path, bytes):
                path = os.fsdecode(path)
            real = os.path.realpath(os.path.join(os.getcwd(), os.fspath(path)))
            if not allowed(real):
                refuse(f"{event} of {os.fspath(path)!r} is outside the submission's folder")

    sys.addaudithook(hook)


def install_in_kernel():
    """The kernel's start-up: confine it to its working folder (nbgrader's autograded/...)."""
    root = os.environ.get(ENV_COURSE_ROOT)
    if root:
        package_dir = os.path.dirname(os.path.abspath(__file__))
        install(root, os.getcwd(), package_dir)
