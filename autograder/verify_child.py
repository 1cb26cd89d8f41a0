"""The sandboxed process of the verification: runs a student's code, answers the grader's calls.

Protocol (JSON lines on the process's original stdin/stdout; student output goes nowhere):
the first message is the job {course_root, folder, package_dir, cells, timeout}; the process
confines itself (autograder.sandbox), runs the cells in order (saying {"running": index}
before each), answers {"ready": ...}, then
answers requests {"op": "kind" | "get" | "call", "name", "args", "kwargs"} until its input
closes. A function passed as an argument is called back: {"callback": number, "args",
"state"} (state: the call's arguments as they are now), answered by {"callback_result"} or
{"callback_error"}. Every refused action is sent at once as {"violation": message}.
"""

import os
import signal
import sys
import traceback

# The sandbox blocks importing autograder later: everything needed is imported now.
import numpy as np

from autograder import sandbox, wire


class CellTimeout(BaseException):
    """Raised in student code when a cell or a call runs out of time."""


def _alarm(signum, frame):
    raise CellTimeout()


def _describe(error):
    # lookup_lines=False: reading source files for the traceback would trip the sandbox
    frames = traceback.StackSummary.extract(traceback.walk_tb(error.__traceback__),
                                            lookup_lines=False)
    where = f" (line {frames[-1].lineno} of {frames[-1].name})" if len(frames) > 1 else ""
    return {"type": type(error).__name__, "message": str(error), "where": where}


class Child:
    def __init__(self, channel_in, channel_out):
        self.channel_in, self.channel_out = channel_in, channel_out
        self.namespace = {"__name__": "__main__"}

    def send(self, message):
        self.channel_out.write(wire.dumps(message))
        self.channel_out.flush()

    def run_cells(self, cells, timeout):
        errors = []
        for index, source in enumerate(cells):
            self.send({"running": index})
            try:
                code = compile(source, f"<cell {index}>", "exec")
                signal.alarm(timeout)
                exec(code, self.namespace)
            except CellTimeout:
                errors.append({"cell": index, "type": "CellTimeout", "message": "time limit"})
            except BaseException as error:  # noqa: BLE001 (SystemExit too: keep going)
                errors.append({"cell": index, **_describe(error)})
            finally:
                signal.alarm(0)
        return errors

    def answer(self, request, timeout):
        name = request["name"]
        value = self.namespace.get(name, _MISSING)
        if request["op"] == "kind":
            kind = ("missing" if value is _MISSING else "module" if type(value) is type(np)
                    else "function" if callable(value) else "value")
            return {"kind": kind}
        if request["op"] == "get":
            return {"answer": wire.encode(value)}
        args = []

        def make_callback(number):
            return lambda *callback_args: self.call_back(number, callback_args, args)

        args += [wire.decode(a, make_callback) for a in request["args"]]
        kwargs = {k: wire.decode(v, make_callback) for k, v in request["kwargs"].items()}
        try:
            signal.alarm(timeout)
            result = value(*args, **kwargs)
        except CellTimeout:
            return {"error": {"type": "TimeoutError", "message": f"{name} ran out of time",
                              "where": ""}}
        except BaseException as error:  # noqa: BLE001 (the student's error is the answer)
            return {"error": _describe(error)}
        finally:
            signal.alarm(0)
        return {"answer": wire.encode(result), "args_after": [wire.encode(a) for a in args]}


    def call_back(self, number, callback_args, call_args):
        """Call the grader's function number, telling it the call's arguments as they are."""
        self.send({"callback": number, "args": [wire.encode(a) for a in callback_args],
                   "state": [wire.encode(a) for a in call_args]})
        reply = wire.loads(self.channel_in.readline())
        if "callback_error" in reply:
            raise RuntimeError(reply["callback_error"])
        return wire.decode(reply["callback_result"])


_MISSING = object()


def main():
    channel_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
    channel_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    child = Child(channel_in, channel_out)
    job = wire.loads(channel_in.readline())
    signal.signal(signal.SIGALRM, _alarm)
    os.environ["MPLBACKEND"] = "Agg"
    sandbox.install(job["course_root"], job["folder"], job["package_dir"],
                    report=lambda message: child.send({"violation": message}))
    errors = child.run_cells(job["cells"], job["timeout"])
    child.send({"ready": True, "cell_errors": errors})
    for line in channel_in:
        request = wire.loads(line)
        try:
            child.send(child.answer(request, job["timeout"]))
        except BaseException as error:  # noqa: BLE001 (an answer that cannot be sent)
            child.send({"error": {"type": "VerificationError",
                                  "message": f"the answer could not be sent: {error}",
                                  "where": ""}})


if __name__ == "__main__":
    sys.exit(main())
