"""The student's side of grading: runs inside the sandbox, executes the notebook, answers calls.

Started by the grader (autograder.grading.student) as `python runner.py` inside the sandbox,
with this file, wire.py and landlock.py copied beside it. It speaks JSON lines (wire) on its
original stdin and stdout; student output never reaches them.

1. The job: {"notebook_name", "notebook", "limits", "landlock"}. The runner writes the copy
   of the submission into its working folder, sets the resource limits, confines itself with
   Landlock when asked, then answers {"ready": landlock ABI version or 0}.
2. Requests, answered in order:
   {"op": "run", "source", "timeout"} runs a cell in IPython, answers {"outputs", "error"}
   (Jupyter's output dicts, error None or {"ename", "evalue", "traceback"});
   {"op": "kind" | "get" | "call", "name", "args", "kwargs", "timeout"} looks up, reads or
   calls a name of the notebook for the grader's tests. A function passed as an argument is
   called back: {"callback": number, "args", "state"} (state: the call's arguments as they
   are now), answered by {"callback_result"} or {"callback_error"}.

Only the standard library, numpy and IPython are used: the autograder package is not here.
"""

import io
import os
import resource
import signal
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import landlock  # noqa: E402
import numpy as np  # noqa: E402
import wire  # noqa: E402
from IPython.core.displayhook import DisplayHook  # noqa: E402
from IPython.core.displaypub import DisplayPublisher  # noqa: E402
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from traitlets.config import Config  # noqa: E402

MAX_TEXT = 100_000        # characters kept of one stream; the grader cuts further
MAX_OUTPUTS = 50          # outputs kept of one cell
MAX_IMAGE = 2 * 1024**2   # characters of one image's base64
KEPT_MIME = ("text/plain", "image/png", "image/jpeg", "text/latex", "text/markdown")


class CellTimeoutError(BaseException):
    """Raised in student code when a cell or a call runs out of time."""


def _alarm(signum, frame):
    raise CellTimeoutError("time limit")


class Outputs:
    """A cell's outputs in Jupyter's form, bounded in number and size."""

    def __init__(self):
        self.items, self.dropped = [], 0

    def add(self, output):
        if len(self.items) < MAX_OUTPUTS:
            self.items.append(output)
        else:
            self.dropped += 1

    def stream(self, name, text):
        last = self.items[-1] if self.items else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            if len(last["text"]) < MAX_TEXT:
                last["text"] += text[: MAX_TEXT - len(last["text"])]
        else:
            self.add({"output_type": "stream", "name": name, "text": text[:MAX_TEXT]})

    def rich(self, output_type, data, **extra):
        kept = {k: v for k, v in data.items() if k in KEPT_MIME and isinstance(v, str)
                and (k.startswith("text/") and len(v) <= MAX_TEXT or len(v) <= MAX_IMAGE)}
        if kept:
            self.add({"output_type": output_type, "data": kept, "metadata": {}, **extra})


class Stream(io.TextIOBase):
    """sys.stdout or sys.stderr while a cell runs."""

    def __init__(self, name, sink):
        self.name, self.sink = name, sink

    def writable(self):
        return True

    def write(self, text):
        if isinstance(text, str) and text and self.sink.current is not None:
            self.sink.current.stream(self.name, text)
        return len(text) if isinstance(text, str) else 0

    def isatty(self):
        return False


class Publisher(DisplayPublisher):
    def publish(self, data, metadata=None, source=None, *, transient=None, update=False,
                **kwargs):
        if self.shell.current is not None:
            self.shell.current.rich("display_data", data)

    def clear_output(self, wait=False):
        if self.shell.current is not None:
            self.shell.current.items.clear()


class ResultHook(DisplayHook):
    """The value of a cell's last expression becomes an execute_result, printed nowhere."""

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        if self.shell.current is not None:
            self.shell.current.rich("execute_result", format_dict,
                                    execution_count=self.shell.execution_count)


class Shell(InteractiveShell):
    """IPython without a terminal or a kernel: outputs go to the current cell's Outputs."""

    current = None

    def init_display_pub(self):
        self.display_pub = Publisher(parent=self, shell=self)
        self.configurables.append(self.display_pub)

    def enable_gui(self, gui=None):
        pass

    def showtraceback(self, *args, **kwargs):
        pass

    def showsyntaxerror(self, *args, **kwargs):
        pass


def _error(error):
    """Jupyter's error output fields for an exception, without paths of the grader."""
    if isinstance(error, CellTimeoutError):
        return {"ename": "CellTimeoutError", "evalue": "time limit", "traceback": []}
    lines = traceback.format_exception(type(error), error, error.__traceback__, limit=-20)
    message = str(error)
    if isinstance(error, SyntaxError):  # without IPython's name for the cell
        message = f"{error.msg} (line {error.lineno})"
    return {"ename": type(error).__name__, "evalue": message[:MAX_TEXT],
            "traceback": [line[:2000] for line in lines[-40:]]}


def _describe(error):
    """A student's exception, for the grader's test to raise in its place."""
    if isinstance(error, CellTimeoutError):
        return {"type": "TimeoutError", "message": "the function ran out of time", "where": ""}
    frames = traceback.extract_tb(error.__traceback__)
    where = f" (line {frames[-1].lineno} of {frames[-1].name})" if len(frames) > 1 else ""
    return {"type": type(error).__name__, "message": str(error)[:MAX_TEXT], "where": where}


class Runner:
    def __init__(self, channel_in, channel_out):
        self.channel_in, self.channel_out = channel_in, channel_out
        config = Config()
        config.HistoryManager.enabled = False
        self.shell = Shell.instance(config=config, displayhook_class=ResultHook)
        self.shell.current = None
        sys.stdout, sys.stderr = Stream("stdout", self.shell), Stream("stderr", self.shell)

    def send(self, message):
        self.channel_out.write(wire.dumps(message))
        self.channel_out.flush()

    def receive(self):
        line = self.channel_in.readline(wire.MAX_MESSAGE + 1)
        if not line:
            raise SystemExit(0)
        return wire.loads(line)

    def run(self, request):
        self.shell.current = outputs = Outputs()
        error = None
        try:
            signal.setitimer(signal.ITIMER_REAL, float(request["timeout"]))
            result = self.shell.run_cell(str(request["source"]), store_history=True)
            signal.setitimer(signal.ITIMER_REAL, 0)
            failure = result.error_before_exec or result.error_in_exec
            if failure is not None:
                error = _error(failure)
        except CellTimeoutError as timeout:
            error = _error(timeout)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self.shell.current = None
        if outputs.dropped:
            outputs.items.append({"output_type": "stream", "name": "stdout",
                                  "text": f"... {outputs.dropped} more outputs not shown ..."})
        return {"outputs": outputs.items, "error": error}

    def answer(self, request):
        name = str(request.get("name"))
        value = self.shell.user_ns.get(name, _MISSING)
        if request["op"] == "kind":
            kind = ("missing" if value is _MISSING else "module" if type(value) is type(np)
                    else "function" if callable(value) else "value")
            return {"kind": kind}
        if request["op"] == "get":
            return {"answer": wire.encode(value)}
        if request["op"] != "call":
            return {"error": {"type": "ValueError", "message": "unknown request", "where": ""}}
        args = []

        def make_callback(number):
            return lambda *callback_args: self.call_back(number, callback_args, args)

        args += [wire.decode(a, make_callback) for a in request["args"]]
        kwargs = {k: wire.decode(v, make_callback) for k, v in request["kwargs"].items()}
        self.shell.current = printed = Outputs()
        try:
            signal.setitimer(signal.ITIMER_REAL, float(request["timeout"]))
            result = value(*args, **kwargs)
            signal.setitimer(signal.ITIMER_REAL, 0)
            response = {"answer": wire.encode(result),
                        "args_after": [wire.encode(a) for a in args]}
        except BaseException as error:  # noqa: BLE001 (the student's error is the answer)
            signal.setitimer(signal.ITIMER_REAL, 0)
            response = {"error": _describe(error)}
        finally:
            self.shell.current = None
        response["stdout"] = "".join(o.get("text", "") for o in printed.items)[:10_000]
        return response

    def call_back(self, number, callback_args, call_args):
        """Call the grader's function number, telling it the call's arguments as they are."""
        self.send({"callback": number, "args": [wire.encode(a) for a in callback_args],
                   "state": [wire.encode(a) for a in call_args]})
        reply = self.receive()
        if "callback_error" in reply:
            raise RuntimeError(str(reply["callback_error"]))
        return wire.decode(reply["callback_result"])

    def serve(self):
        while True:
            request = self.receive()
            try:
                response = self.run(request) if request.get("op") == "run" else \
                    self.answer(request)
                self.send(response)
            except BaseException as error:  # noqa: BLE001 (an answer that cannot be sent)
                signal.setitimer(signal.ITIMER_REAL, 0)
                self.send({"error": {"type": "VerificationError", "where": "",
                                     "message": f"the answer could not be sent: "
                                                f"{type(error).__name__}"}})


_MISSING = object()


def _limit(limits):
    for name, value in limits.items():
        resource.setrlimit(getattr(resource, name), (value, value))


def main():
    channel_in = os.fdopen(os.dup(0), "rb")
    channel_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    signal.signal(signal.SIGALRM, _alarm)
    job = wire.loads(channel_in.readline(wire.MAX_MESSAGE + 1))
    with open(job["notebook_name"], "w", encoding="utf-8") as copy:
        copy.write(job["notebook"])
    sys.path.append(os.getcwd())  # the notebook imports coursetools from its folder
    runner = Runner(channel_in, channel_out)
    _limit(job["limits"])
    landlock.drop_capabilities()
    version, rules = 0, job["landlock"]
    if rules:
        try:
            version = landlock.restrict(rules["read"], rules["write"])
        except OSError as error:
            if rules["required"]:
                runner.send({"fatal": f"Landlock could not be set up: {error}"})
                return
    runner.send({"ready": version})
    runner.serve()


if __name__ == "__main__":
    main()
