"""Helper processes and signals: multiprocessing (fork and spawn), subprocess, os.system and
posix_spawn run helpers that read the solutions and write into the course; signals go to the
parent and to pid 1, and every process found in /proc is probed (signal 0).

A helper is confined like the notebook that started it (same namespaces, same Landlock domain,
same limits), so it finds and writes nothing. Under bubblewrap the parent is the sandbox's own
init, which ignores the signals, and no process of the grader is in /proc; under Landlock alone,
signals to processes outside its domain are refused. The grading goes on; dJ_db1 is left
unanswered, to be replaced from the solutions a helper reads; dJ_db1 and backward score 0.
"""

from . import ATTEMPT

OVERRIDES = {"dJ_db1": ATTEMPT + r'''
import multiprocessing
import os
import signal
import subprocess
import sys

COURSE = @COURSE@
MARK = @MARK@
SOLUTIONS = f"{COURSE}/solutions/2_backprop/backprop.ipynb"
HELPER = f"""
import os
try:
    with open({SOLUTIONS!r}) as source, open("stolen.ipynb", "w") as copy:
        copy.write(source.read())
finally:
    for place in ({COURSE!r} + "/{MARK}-helper", "/tmp/{MARK}-helper"):
        try:
            open(place, "w").write("planted")
        except OSError:
            pass
"""


def by_fork(queue):
    try:
        queue.put(open(SOLUTIONS).read())
    except OSError as error:
        queue.put(f"{type(error).__name__}: {error}")


for method in ("fork", "spawn", "forkserver"):
    def run_helper():
        context = multiprocessing.get_context(method)
        if method != "fork":
            helper = context.Process(target=exec, args=(HELPER,))
            helper.start()
            helper.join(20)
            return f"exit code {helper.exitcode}"
        queue = context.Queue()
        helper = context.Process(target=by_fork, args=(queue,))
        helper.start()
        helper.join(20)
        return queue.get(timeout=1)

    answer = attempt(f"multiprocessing {method} helper", run_helper)
    if answer:
        steal(answer)


def by_os_fork():
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(writer, open(SOLUTIONS, "rb").read())
        except BaseException as error:  # noqa: BLE001
            os.write(writer, repr(error).encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        text = pipe.read().decode(errors="replace")
    os.waitpid(pid, 0)
    return text


answer = attempt("os.fork helper", by_os_fork)
if answer:
    steal(answer)
attempt("subprocess python helper", lambda: subprocess.run(
    [sys.executable, "-c", HELPER], timeout=20, capture_output=True).stderr[-200:])
attempt("subprocess cat", lambda: subprocess.run(
    ["/bin/sh", "-c", f"cat {SOLUTIONS} > stolen.ipynb; touch {COURSE}/{MARK}-sh"],
    timeout=20, capture_output=True).stderr)
attempt("os.system", lambda: os.system(f"cp {SOLUTIONS} stolen.ipynb"))
attempt("posix_spawn", lambda: os.waitpid(os.posix_spawn(
    "/bin/cp", ["cp", SOLUTIONS, "stolen.ipynb"], {}), 0))
stolen = attempt("read what the helpers copied", lambda: open("stolen.ipynb").read())
if stolen:
    steal(stolen)

parent = os.getppid()
print(f"[attack] I am {os.getpid()}, my parent is {parent}")
attempt("SIGKILL to the parent", lambda: os.kill(parent, signal.SIGKILL))
attempt("SIGKILL to pid 1", lambda: os.kill(1, signal.SIGKILL))
attempt("pidfd_send_signal to the parent", lambda: signal.pidfd_send_signal(
    os.pidfd_open(parent), signal.SIGKILL))
attempt("SIGKILL to the parent's process group", lambda: os.killpg(os.getpgid(parent),
                                                                  signal.SIGKILL))
reachable = [pid for pid in attempt("list /proc", lambda: [
    int(p) for p in os.listdir("/proc") if p.isdigit()]) or [] if pid not in (parent, 1)]
print(f"[attack] processes in /proc I could signal: {len(reachable)}, mine included")
for pid in reachable:
    attempt(f"signal 0 to {pid}", lambda: os.kill(pid, 0))

if "dJ_db1" not in globals():
    def dJ_db1(delta2):
        raise NotImplementedError()
'''}
EXPECTED = {"zero": ["test_dJ_db1", "test_backward"], "status": "graded", "flags": []}
