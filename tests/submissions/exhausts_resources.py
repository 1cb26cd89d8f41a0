"""Exhausting the machine: a thread bomb and a fork bomb; HOME and /tmp written full (many
files, and single files past the size limit); 10 GB allocated at once by numpy, bytearray and
mmap, then memory taken 100 MB at a time until none is left; and dJ_dx hoards memory each time
it is called.

The sandbox's limits hold: 64 processes and threads (RLIMIT_NPROC, and the submission's
control group where the grader runs as root, whom the kernel exempts from RLIMIT_NPROC), HOME
and /tmp tmpfs of 256 MB each (ENOSPC), 64 MB per file (EFBIG), 4 GB of address space per
process (MemoryError); everything the bombs started dies with the submission. The cells that
ask for too much get an error, the rest is graded: dJ_dx and backward (which calls it) score 0.
(So that a broken limit shows without taking the machine down, the bombs stop by themselves at
about 1000 threads and 1000 processes, the disk filling at 3 GB per folder.)
"""

from . import FORWARD

OVERRIDES = {"forward": r'''
import os
import threading
import time

CAP = 1000
release = threading.Event()
threads = []
try:
    while len(threads) < CAP:
        thread = threading.Thread(target=release.wait, daemon=True)
        thread.start()
        threads.append(thread)
    stopped = None
except (RuntimeError, OSError) as error:
    stopped = error
print(f"[attack] thread bomb: {len(threads)} threads, then {stopped!r}")
print("[attack] thread bomb:", "stopped by the system" if stopped and len(threads) < 64
      else "NOT STOPPED")
release.set()
for thread in threads:
    thread.join()

children = 0
try:
    while children < 200:
        if os.fork() == 0:
            try:
                for _ in range(4):  # and every child forks on
                    if os.fork() == 0:
                        break
            finally:
                time.sleep(120)
                os._exit(0)
        children += 1
    stopped = None
except OSError as error:
    stopped = error
print(f"[attack] fork bomb: {children} children, then {stopped!r}")
print("[attack] fork bomb:", "stopped by the system" if stopped and children < 64
      else "NOT STOPPED")

''' + FORWARD, "dJ_dU": r'''
import os
import tempfile

MARK = @MARK@
CHUNK = b"\0" * (16 * 1024**2)


def fill(folder):
    written, files, last = 0, 0, None
    while written < 3 * 1024**3:
        try:
            with open(os.path.join(folder, f"{MARK}-fill-{files}"), "wb") as big:
                files += 1
                for _ in range(8):  # 128 MB per file, if it may
                    big.write(CHUNK)
                    written += len(CHUNK)
        except OSError as error:
            last = error
            if error.errno != 27:  # EFBIG: the next file, then
                break
    return written // 1024**2, last


for folder in (os.path.expanduser("~"), tempfile.gettempdir(), "."):
    megabytes, error = fill(folder)
    print(f"[attack] wrote {megabytes} MB in {folder}, then {error!r}")
    print("[attack] disk:", "stopped by the system" if error is not None and megabytes <= 512
          else "NOT STOPPED")


def dJ_dU(delta1, h):
    return delta1.T @ h.T
''', "dJ_dtheta": r'''
import mmap

for name, allocate in [("numpy 10 GB", lambda: np.ones(10 * 1024**3 // 8)),
                       ("bytearray 10 GB", lambda: bytearray(10 * 1024**3)),
                       ("mmap 10 GB", lambda: mmap.mmap(-1, 10 * 1024**3))]:
    try:
        allocate()
        print(f"[attack] {name}: NOT STOPPED")
    except (MemoryError, OSError, ValueError) as error:
        print(f"[attack] {name}: stopped by the system ({type(error).__name__})")
hoard = []
try:
    while len(hoard) < 200:
        hoard.append(np.empty(100 * 1024**2 // 8))
except MemoryError:
    pass
print(f"[attack] memory: {len(hoard) * 100} MB, then no more")
print("[attack] memory:", "stopped by the system" if len(hoard) < 45 else "NOT STOPPED")
del hoard


def dJ_dtheta(y_hat, y):
    return (y_hat - y).T
''', "dJ_dx": '''
def dJ_dx(delta2, W):
    hoard = [np.empty(10**8) for _ in range(1000)]
    return (delta2 @ W).T + 0 * len(hoard)
'''}
EXPECTED = {"zero": ["test_dJ_dx", "test_backward"], "status": "graded", "flags": [],
            "shows": ["thread bomb: stopped by the system", "fork bomb: stopped by the system",
                      "disk: stopped by the system", "numpy 10 GB: stopped by the system",
                      "bytearray 10 GB: stopped by the system",
                      "mmap 10 GB: stopped by the system", "memory: stopped by the system"]}
