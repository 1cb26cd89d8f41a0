"""A control group per submission: a process and memory ceiling for all its processes at once,
and a way to kill every one of them.

Resource limits (setrlimit) count per process, and the kernel exempts processes of the real
user root from RLIMIT_NPROC, so a grader run as root (in CI, in a container) would let a fork
bomb through. Where the grader may create control groups (root, or a delegated cgroup v2
subtree), the submission's runner joins a new group with pids.max and a memory limit before
it starts, and closing the group kills whatever is still in it, daemons included. Where it
may not, `ControlGroup.create` returns None and the rlimits (which then hold, since the
grader is not root) are what is left.
"""

import contextlib
import os
import signal
import time
import uuid
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")
MAX_PROCESSES = 64
MAX_MEMORY = 6 * 1024**3  # bytes for all the submission's processes together


class ControlGroup:
    """The cgroups (one per hierarchy: v2, or v1's pids and memory) of one submission."""

    def __init__(self, folders):
        self.folders = folders

    @classmethod
    def create(cls, processes=MAX_PROCESSES, memory=MAX_MEMORY):
        """A new group with the limits, or None where this process may not make one."""
        name = f"autograder-{uuid.uuid4().hex[:12]}"
        limits = _v2(name, processes, memory) or _v1(name, processes, memory)
        return cls(limits) if limits else None

    def join(self):
        """Move the calling process into the group (run in the child before it starts)."""
        for folder in self.folders:
            (folder / "cgroup.procs").write_text("0")

    def close(self):
        """Kill every process in the group, then remove it."""
        self.kill()
        for folder in self.folders:
            with contextlib.suppress(OSError):
                folder.rmdir()

    def kill(self):
        """Kill every process in the group."""
        for folder in self.folders:
            kill = folder / "cgroup.kill"
            if kill.exists():
                with contextlib.suppress(OSError):
                    kill.write_text("1")
            for _ in range(100):
                pids = _pids(folder)
                if not pids:
                    break
                for pid in pids:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
                time.sleep(0.01)


def _pids(folder):
    try:
        return [int(p) for p in (folder / "cgroup.procs").read_text().split()]
    except OSError:
        return []


def _own(hierarchy):
    """This process's cgroup path in a hierarchy ("" for v2) from /proc/self/cgroup."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        number, controllers, path = line.split(":", 2)
        if (hierarchy == "" and number == "0") or hierarchy in controllers.split(","):
            return path.lstrip("/")
    return None


def _make(parent, name, files):
    """The new group parent/name with the limits written (a pids.max it must have; the
    others where the kernel offers them), or None."""
    folder = parent / name
    try:
        folder.mkdir()
        for file, value in files.items():
            if file.startswith("pids") or (folder / file).exists():
                (folder / file).write_text(str(value))
        (folder / "cgroup.procs").read_text()
    except OSError:
        with contextlib.suppress(OSError):
            folder.rmdir()
        return None
    return folder


def _v2(name, processes, memory):
    root = CGROUP if (CGROUP / "cgroup.controllers").exists() else CGROUP / "unified"
    own = _own("")
    if own is None or not (root / "cgroup.controllers").exists():
        return []
    parent = root / own
    try:
        enabled = (parent / "cgroup.subtree_control").read_text().split()
    except OSError:
        return []
    if not {"pids", "memory"} <= set(enabled):
        return []
    folder = _make(parent, name, {"pids.max": processes, "memory.max": memory,
                                  "memory.swap.max": 0})
    return [folder] if folder else []


def _v1(name, processes, memory):
    folders = []
    for controller, files in (("pids", {"pids.max": processes}),
                              ("memory", {"memory.limit_in_bytes": memory})):
        own = _own(controller)
        if own is None or not (CGROUP / controller).is_dir():
            continue
        folder = _make(CGROUP / controller / own, name, files)
        if folder is None:
            for made in folders:
                with contextlib.suppress(OSError):
                    made.rmdir()
            return []
        folders.append(folder)
    return folders
