"""The grader's side of the student's process: start it in the sandbox, run cells, call functions.

`StudentProcess` runs the submission's code once, in the sandboxed runner (runner.py), and
lets the grader's tests use it: `StudentFunction` calls a function of the notebook as if it
were here (every value crosses the process boundary as bounded data), and `CellNamespace`
gives a test cell the trusted names first, then the student's, looked up on demand. Every
comparison happens in the grader's process, with the trusted numpy and checks.

A cell or call that runs out of time or kills the process is left out when the process is
started again; the cells before it are replayed, so the rest of the notebook is still graded.
Every wait is bounded by the cell's time limit and by the submission's time budget.
"""

import builtins
import contextlib
import io
import os
import selectors
import shutil
import signal
import subprocess
import time

import numpy as np

from . import wire
from .cgroup import ControlGroup
from .sandbox import ARGS_FD, LIMITS

GRACE = 2.0          # seconds the runner gets beyond a limit to answer on its own
START_TIMEOUT = 60   # seconds the runner may take to start
HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


class StudentProcessError(Exception):
    """The student's process died, ran out of time or answered outside the protocol."""

    ename = "DeadKernelError"


class TimedOut(StudentProcessError):
    """The student's code did not answer within its time limit."""

    ename = "CellTimeoutError"


class BudgetExceeded(TimedOut):
    """The submission used up its time budget."""


class StudentProcess:
    """The submission's code in the sandboxed runner, answering the grader's requests."""

    def __init__(self, sandbox, runner_dir, assignment, student_files, notebook_name,
                 notebook_text, budget):
        self.launch = sandbox.launch(runner_dir, assignment, student_files)
        self.job = {"notebook_name": notebook_name, "notebook": notebook_text,
                    "limits": {**LIMITS, "RLIMIT_CPU": int(budget) + 30},
                    "landlock": self.launch.landlock}
        self.deadline = time.monotonic() + budget
        self.budget = budget
        self.process, self.history, self.fatal = None, [], set()
        self.events, self.landlock = [], 0   # events: "timeout" or "died", in order
        self.group = ControlGroup.create()   # None where no cgroup can be made
        # Without a PID namespace or a cgroup, a daemon that leaves the runner's session
        # (setsid) would outlive close(): the orphans become this process's children instead.
        self.adopts = sandbox.mode != "bwrap" and self.group is None
        if self.adopts:
            _adopt_orphans()

    # -- the process -----------------------------------------------------------------------

    def _start(self):
        """Start the runner and replay the cells run so far, leaving out the fatal ones."""
        while True:
            self.process = self._popen()
            self.buffer = bytearray()
            self._send(self.job)
            ready = self._receive(START_TIMEOUT)
            if "fatal" in ready:
                raise StudentProcessError(str(ready["fatal"])[:300])
            self.landlock = ready.get("ready", 0)
            try:
                for index, source, timeout in self.history:
                    if index not in self.fatal:
                        self.running = index
                        self._exchange({"op": "run", "source": source, "timeout": timeout},
                                       timeout)
                return
            except BudgetExceeded:
                raise
            except StudentProcessError:
                self.fatal.add(self.running)

    def _popen(self):
        options = os.memfd_create("sandbox-options")
        try:
            os.write(options, self.launch.options)
            os.lseek(options, 0, os.SEEK_SET)
            argv = [str(options) if a == ARGS_FD else a for a in self.launch.argv]
            name = os.path.basename(argv[0]) if self.launch.options else argv[0]
            return subprocess.Popen(
                [name, *argv[1:]], executable=argv[0],
                cwd=self.launch.cwd, env=self.launch.env, stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
                pass_fds=(options,), preexec_fn=self.group and self.group.join)
        finally:
            os.close(options)

    def close(self):
        """Kill the runner and everything it started; remove its scratch folder."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.kill()
            self.process.wait()
            if self.group:
                self.group.kill()
            if self.adopts:
                _kill_children()
            for pipe in (self.process.stdin, self.process.stdout):
                with contextlib.suppress(OSError):
                    pipe.close()
            self.process = None

    def cleanup(self):
        self.close()
        if self.group:
            self.group.close()
        if self.launch.scratch:
            shutil.rmtree(self.launch.scratch, ignore_errors=True)

    def _died(self, message):
        self.close()
        self.events.append("died")
        raise StudentProcessError(message)

    def _timed_out(self, error):
        self.close()
        self.events.append("timeout")
        raise error

    # -- requests --------------------------------------------------------------------------

    @property
    def out_of_budget(self):
        return time.monotonic() >= self.deadline

    def run_cell(self, index, source, timeout):
        """(outputs, error) of running a cell; error None or Jupyter's error fields.
        Raises StudentProcessError when the process dies or does not answer in time."""
        self.running = index
        if self.process is None:
            self._start()
        self.history.append((index, source, timeout))
        try:
            answer = self._exchange({"op": "run", "source": source, "timeout": timeout},
                                    timeout)
        except StudentProcessError:
            self.fatal.add(index)
            raise
        outputs, error = answer.get("outputs"), answer.get("error")
        if isinstance(error, dict) and error.get("ename") == TimedOut.ename:
            self.fatal.add(index)  # never replayed: it would only time out again
        return (outputs if isinstance(outputs, list) else []), error

    def request(self, message, timeout):
        """The runner's answer to one request (a lookup or a call)."""
        if self.process is None:
            self._start()
        return self._exchange({**message, "timeout": timeout}, timeout)

    def _exchange(self, message, timeout):
        self._send(message)
        return self._receive(timeout + GRACE)

    def _send(self, message):
        try:
            self.process.stdin.write(wire.dumps(message))
            self.process.stdin.flush()
        except OSError:
            self._died("the process running the notebook stopped (a crash or os._exit)")

    def _receive(self, seconds):
        remaining_budget = self.deadline - time.monotonic()
        if remaining_budget <= 0:
            self._timed_out(BudgetExceeded(f"the submission used its whole time budget of "
                                           f"{self.budget:g} s"))
        deadline = time.monotonic() + min(seconds, remaining_budget)
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            end = self.buffer.find(b"\n")
            while end < 0:
                if len(self.buffer) > wire.MAX_MESSAGE:
                    self._died("the student's process sent a message larger than the limit")
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    if time.monotonic() >= self.deadline:
                        self._timed_out(BudgetExceeded(
                            f"the submission used its whole time budget of {self.budget:g} s"))
                    self._timed_out(TimedOut(f"stopped after {seconds - GRACE:g} s: "
                                             "probably an infinite loop"))
                chunk = os.read(self.process.stdout.fileno(), 1 << 20)
                if not chunk:
                    self._died("the process running the notebook stopped (a crash or os._exit)")
                newline = chunk.find(b"\n")
                end = len(self.buffer) + newline if newline >= 0 else -1
                self.buffer += chunk
        line = bytes(self.buffer[:end])
        del self.buffer[:end + 1]
        try:
            return wire.loads(line)
        except wire.WireError as error:
            self._died(f"the student's process answered outside the protocol: {error}")


PR_SET_CHILD_SUBREAPER = 36


def _adopt_orphans():
    """Become the parent of every orphan among this process's descendants."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _kill_children(rounds=100):
    """Kill and reap every child of this process (called when the runner is dead: what is
    left are the processes the submission started), until none is left."""
    for _ in range(rounds):
        children = _children()
        if not children:
            return
        for pid in children:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _children():
    me, found = str(os.getpid()), []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[1] == me:  # the parent's pid
                    found.append(int(entry))
        except (OSError, IndexError):
            continue
    return found


class StudentFunction:
    """Calls the function of that name in the student's process, as if it were here."""

    def __init__(self, student, name, timeout):
        self.student, self.__name__, self.timeout = student, name, timeout

    def __call__(self, *args, **kwargs):
        callbacks = []
        response = self.student.request({
            "op": "call", "name": self.__name__,
            "args": [wire.encode(a, callbacks) for a in args],
            "kwargs": {k: wire.encode(v, callbacks) for k, v in kwargs.items()}}, self.timeout)
        while "callback" in response:  # the student's code calls a function we passed it
            with _in_step(self.student):
                _update(args, response.get("state", []))
                number = response["callback"]
                if not isinstance(number, int) or not 0 <= number < len(callbacks):
                    raise wire.WireError("a callback that was never sent")
                callback_args = [wire.decode(a) for a in response.get("args", [])]
            try:
                reply = {"callback_result": wire.encode(callbacks[number](*callback_args))}
            except StudentProcessError:
                raise
            except Exception as error:  # noqa: BLE001 (reported to the student's code)
                reply = {"callback_error": f"{type(error).__name__}: {error}"[:2000]}
            response = self.student.request(reply, self.timeout)
        printed = response.get("stdout")
        if isinstance(printed, str) and printed:
            print(printed[:10_000], end="" if printed.endswith("\n") else "\n")
        if "error" in response:
            raise _rebuilt(response["error"])
        with _in_step(self.student):
            if "answer" not in response:
                raise wire.WireError("a call answered without an answer")
            _update(args, response.get("args_after", []))
            return wire.decode(response["answer"])


@contextlib.contextmanager
def _in_step(student):
    """Read an answer of the student's process; one outside the protocol (a value that cannot
    be built, a callback never sent, a reply of the wrong kind, as when the student's code
    writes on the channel itself) stops the process, so that no later request is answered by
    a line meant for another: it is started again for the next one."""
    try:
        yield
    except wire.WireError as error:
        student._died(f"the student's process answered outside the protocol: {error}")


def _update(args, state):
    """Write the student's process's view of writable array arguments into ours."""
    if not isinstance(state, list):
        return
    for original, now in zip(args, state, strict=False):
        if isinstance(original, np.ndarray) and original.flags.writeable:
            value = wire.decode(now)
            if isinstance(value, np.ndarray) and value.shape == original.shape:
                original[...] = value


def _rebuilt(error):
    """An exception of the student's exception's type (by name), with its message."""
    if not isinstance(error, dict):
        error = {}
    name = str(error.get("type"))[:100]
    message = f"{str(error.get('message'))[:4000]}{str(error.get('where', ''))[:200]}"
    kind = getattr(builtins, name, None)
    if not (isinstance(kind, type) and issubclass(kind, Exception)):
        kind = type(name if name.isidentifier() else "StudentError", (Exception,), {})
    return kind(message)


class CellNamespace(dict):
    """The globals a test cell runs in: the trusted names and its own, then the student's,
    looked up lazily in the student's process (functions defined in the cell see them too).
    The names the student defines in solution cells always come from the student, even where
    a trusted helper has the same name (the warm-up's numerical_gradient)."""

    def __init__(self, student, trusted, student_names, timeout):
        trusted = {k: v for k, v in trusted.items() if k not in student_names}
        super().__init__(trusted, __builtins__=builtins)
        self.student, self.timeout = student, timeout

    def __getitem__(self, name):
        if dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        value = self._from_student(name)
        dict.__setitem__(self, name, value)
        return value

    def __contains__(self, name):
        if dict.__contains__(self, name):
            return True
        try:
            self[name]
        except KeyError:
            return False
        return True

    def _from_student(self, name):
        if hasattr(builtins, name):
            raise KeyError(name)
        kind = self.student.request({"op": "kind", "name": name}, self.timeout).get("kind")
        with _in_step(self.student):
            if kind not in ("function", "value", "module", "missing"):
                raise wire.WireError("a lookup answered without a kind")
            if kind == "function":
                return StudentFunction(self.student, name, self.timeout)
            if kind == "value":
                answer = self.student.request({"op": "get", "name": name}, self.timeout)
                if "error" in answer:
                    raise _rebuilt(answer["error"])
                if "answer" not in answer:
                    raise wire.WireError("a lookup answered without a value")
                return wire.decode(answer["answer"])
        raise KeyError(name)


def split_test(source):
    """(visible part, hidden part) of a test cell's source."""
    if HIDDEN[0] not in source:
        return source, ""
    before, rest = source.split(HIDDEN[0], 1)
    hidden, _, after = rest.partition(HIDDEN[1])
    return before + after, hidden


def run_test(code, namespace, folder):
    """(what the test printed, None or (error name, message)) of running test code here."""
    printed = io.StringIO()
    try:
        with contextlib.chdir(folder), contextlib.redirect_stdout(printed):
            exec(code, namespace)
    except StudentProcessError:
        raise
    except Exception as error:  # noqa: BLE001 (a failing test: its message is the verdict)
        return printed.getvalue(), (type(error).__name__, str(error).strip())
    return printed.getvalue(), None
