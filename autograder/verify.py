"""Verification: every graded test re-run where student code cannot reach it.

nbgrader runs a submission in one kernel, where student code can redefine the names the tests
use, monkeypatch numpy or the checks, or edit test cells. So the grade of each test cell is
decided here instead: the student's code runs in a sandboxed child process
(autograder.verify_child), and the instructor's test cells (visible and hidden parts, from
the source notebook) run in this process, with the student's functions and variables looked
up in the child: every call crosses the process boundary as data, and every comparison
happens here, with the trusted numpy and checks.
"""

import builtins
import contextlib
import io
import os
import selectors
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np

from . import coursetools, wire

HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
PACKAGE_DIR = Path(__file__).resolve().parent
TRUSTED = {"np": np, "numpy": np, **{name: getattr(coursetools, name)
                                     for name in coursetools.__all__}}
sys.modules.setdefault("coursetools", coursetools)  # test cells import it by that name


class VerificationError(Exception):
    """The sandboxed process died, timed out or answered nonsense."""


class SandboxedStudent:
    """The student's code, run once in a sandboxed child process that answers requests.

    A cell that kills the process (os._exit, a crash) is left out when it is started again,
    so the rest of the notebook can still be graded.
    """

    def __init__(self, course_root, folder, cells, timeout):
        self.job = {"course_root": str(course_root), "folder": str(folder),
                    "package_dir": str(PACKAGE_DIR), "timeout": timeout}
        self.cells, self.fatal = cells, set()
        self.folder, self.timeout = folder, timeout
        self.violations, self.cell_errors = [], []
        self.process = self.running = None

    def _start(self):
        while True:
            env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOGRADER_")}
            self.process = subprocess.Popen(
                [sys.executable, "-m", "autograder.verify_child"], cwd=self.folder, env=env,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            self.buffer, self.running = b"", None
            cells = ["" if i in self.fatal else c for i, c in enumerate(self.cells)]
            self._send({**self.job, "cells": cells})
            try:
                ready = self._receive(self.timeout * (len(cells) + 2))
            except VerificationError:
                if self.running is None or self.running in self.fatal:
                    raise
                self.fatal.add(self.running)
                continue
            self.cell_errors = ready.get("cell_errors", [])
            return

    def close(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def request(self, message):
        if self.process is None or self.process.poll() is not None:
            self._start()
        self._send(message)
        return self._receive(self.timeout + 5)

    def _send(self, message):
        try:
            self.process.stdin.write(wire.dumps(message).encode())
            self.process.stdin.flush()
        except OSError as error:
            self.close()
            raise VerificationError(f"the student's process stopped ({error})") from None

    def _receive(self, seconds):
        """The next answer; refused actions reported on the way are kept as violations."""
        deadline = time.monotonic() + seconds
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while True:
                while b"\n" in self.buffer:
                    line, self.buffer = self.buffer.split(b"\n", 1)
                    message = _parse(line)
                    if "violation" in message:
                        self.violations.append(str(message["violation"])[:300])
                    elif "running" in message:
                        self.running = message["running"]
                    else:
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    self.close()
                    raise VerificationError("the student's code ran out of time")
                chunk = os.read(self.process.stdout.fileno(), 1 << 20)
                if not chunk:
                    self.close()
                    raise VerificationError("the student's code stopped the process")
                self.buffer += chunk


def _parse(line):
    try:
        message = wire.loads(line)
    except ValueError:
        message = None
    if not isinstance(message, dict):
        raise VerificationError("the student's process answered nonsense")
    return message


class StudentFunction:
    """Calls the function of that name in the student's process, as if it were here."""

    def __init__(self, student, name):
        self.student, self.__name__ = student, name

    def __call__(self, *args, **kwargs):
        callbacks = []
        response = self.student.request({
            "op": "call", "name": self.__name__,
            "args": [wire.encode(a, callbacks) for a in args],
            "kwargs": {k: wire.encode(v, callbacks) for k, v in kwargs.items()}})
        while "callback" in response:  # the student's code calls a function we passed it
            _update(args, response["state"])
            try:
                reply = {"callback_result": wire.encode(callbacks[response["callback"]](
                    *(wire.decode(a) for a in response["args"])))}
            except Exception as error:  # noqa: BLE001 (reported to the student's code)
                reply = {"callback_error": f"{type(error).__name__}: {error}"}
            response = self.student.request(reply)
        if "error" in response:
            raise _rebuilt(response["error"])
        _update(args, response.get("args_after", []))
        return wire.decode(response["answer"])


def _update(args, state):
    """Write the student's process's view of writable array arguments into ours."""
    for original, now in zip(args, state, strict=False):
        if isinstance(original, np.ndarray) and original.flags.writeable:
            original[...] = wire.decode(now)


def _rebuilt(error):
    """An exception of the student's exception's type (by name), with its message."""
    name, message = str(error.get("type")), f"{error.get('message')}{error.get('where', '')}"
    kind = getattr(builtins, name, None)
    if not (isinstance(kind, type) and issubclass(kind, Exception)):
        kind = type(name, (Exception,), {})
    return kind(message)


class CellNamespace(dict):
    """The globals a test cell runs in: the trusted names and its own, then the student's,
    looked up lazily in the student's process (functions defined in the cell see them too).
    The names the student defines in solution cells always come from the student, even where
    a trusted helper has the same name (the warm-up's numerical_gradient)."""

    def __init__(self, student, student_names):
        trusted = {k: v for k, v in TRUSTED.items() if k not in student_names}
        super().__init__(trusted, __builtins__=builtins)
        self.student = student

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
        kind = self.student.request({"op": "kind", "name": name}).get("kind")
        if kind == "function":
            return StudentFunction(self.student, name)
        if kind == "value":
            return wire.decode(self.student.request({"op": "get", "name": name})["answer"])
        raise KeyError(name)


def split_test(source):
    """(visible part, hidden part) of a test cell's source."""
    if HIDDEN[0] not in source:
        return source, ""
    before, rest = source.split(HIDDEN[0], 1)
    hidden, _, after = rest.partition(HIDDEN[1])
    return before + after, hidden


def run_test(source, student, student_names, folder):
    """None when the test code passes against the student's process, else the message."""
    namespace = CellNamespace(student, student_names)
    try:
        with contextlib.chdir(folder), contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, "<test>", "exec"), namespace)
    except VerificationError as error:
        return str(error)
    except Exception as error:  # noqa: BLE001 (a failing test: its message is the verdict)
        return f"{type(error).__name__}: {error}".strip()
    return None


def test_cells(cells):
    """{grade_id: source} of the graded code cells of the instructor's notebook, in order."""
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}


def solution_names(cells):
    """The grade_ids of the solution code cells: the names of the functions students write."""
    return {c.metadata["nbgrader"]["grade_id"] for c in cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}


def student_cells(notebook, tests):
    """The code of the submission's cells, in order, without the test cells."""
    return [c.source for c in notebook.cells if c.cell_type == "code"
            and c.metadata.get("nbgrader", {}).get("grade_id") not in tests]


def verify(course, assignment, student, timeout):
    """{grade_id: (visible message or None, hidden message or None)} and the violations."""
    name = f"{course.notebook_name(assignment)}.ipynb"
    source = nbformat.read(course.source(assignment) / name, as_version=4).cells
    tests, names = test_cells(source), solution_names(source)
    folder = course.autograded(student, assignment)
    notebook = nbformat.read(folder / name, as_version=4)
    sandboxed = SandboxedStudent(course.root, folder, student_cells(notebook, tests), timeout)
    verdicts = {}
    try:
        for grade_id, source in tests.items():
            visible, hidden = split_test(source)
            visible_verdict = run_test(visible, sandboxed, names, course.source(assignment))
            hidden_verdict = (run_test(visible + "\n" + hidden, sandboxed, names,
                                       course.source(assignment))
                              if hidden and visible_verdict is None else None)
            verdicts[grade_id] = (visible_verdict, hidden_verdict)
    finally:
        sandboxed.close()
    return verdicts, sandboxed.violations
