"""Grading on a Dask cluster: each submission is one task of dask.distributed.

`connect(address)` joins the scheduler of an existing cluster, `local(workers)` starts a
LocalCluster on this machine; `grade_on` (called by grade.grade when given the client) sends
one task per submission, each running grade.grade_in_process: the same sandboxed grading as
the local pool, in a worker process that sets itself up once per grading run.

Dask does the rest. A worker that dies loses only the tasks it was running, which the
scheduler gives to another worker; a submission whose task was running on
`distributed.scheduler.allowed-failures` + 1 workers that all died gets the status
`autograde failed`, and the class goes on. A task that raises (a worker that cannot read the
course directory, say) is tried once more, then failed with the reason.
"""

import contextlib
import uuid

import dask
from distributed import Client, LocalCluster, as_completed
from distributed.scheduler import KilledWorker

from .grade import FAILED, Outcome, grade_in_process

CONNECT_SECONDS = 10   # to reach the scheduler, and for it to have a worker
RETRIES = 1            # more tries of a task that raised
ALLOWED_FAILURES = 2   # LocalCluster: workers a submission may take down after the first
LOCAL_SETTINGS = {     # one submission per worker at a time: a death costs only that one
    "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
    "distributed.scheduler.worker-saturation": 1.0,
}


class ClusterError(Exception):
    """The Dask cluster cannot be reached or started."""


@contextlib.contextmanager
def connect(address):
    """A Client of the scheduler at address (tcp://host:8786) with at least one worker."""
    try:
        client = Client(address, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {reason}") from None
    with client:
        try:
            client.wait_for_workers(1, timeout=CONNECT_SECONDS)
        except TimeoutError:
            raise ClusterError(f"the Dask scheduler at {address} has no worker: start some "
                               f"with `dask worker {address} --nthreads 1`") from None
        yield client


@contextlib.contextmanager
def local(workers, dashboard=":8787"):
    """A Client of a new LocalCluster of workers processes (one thread each) on this
    machine, closed afterwards."""
    with dask.config.set(LOCAL_SETTINGS):
        try:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=dashboard)
        except (OSError, RuntimeError) as error:  # a port, or a worker that did not start
            raise ClusterError(f"cannot start a local Dask cluster: {error}") from None
        with cluster, Client(cluster) as client:
            yield client


def describe(client):
    """One line: where the cluster is, how many workers, the dashboard's address."""
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    threads = sum(w["nthreads"] for w in workers)
    note = "" if threads == len(workers) else \
        f" ({threads} threads, but each worker grades one submission at a time)"
    return (f"Dask cluster at {client.scheduler.address}: {len(workers)} worker(s){note}; "
            f"dashboard {client.dashboard_link}")


def grade_on(client, setup, students, record):
    """Grade each student as one task on the client's cluster; record(Outcome) as each ends.
    setup: grade()'s (root, assignment, overrides, sandbox, db_url)."""
    assignment, sandbox = setup[1], setup[3]
    run = uuid.uuid4().hex[:8]
    futures = {client.submit(grade_in_process, setup, student, pure=False, retries=RETRIES,
                             key=f"grade-{assignment}-{student}-{run}"): student
               for student in students}
    for future in as_completed(futures):
        student = futures.pop(future)
        try:
            outcome = future.result()
            future.release()  # done with: a worker that dies now must not grade it again
        except KilledWorker as error:
            outcome = Outcome(student, FAILED, f"the grading worker died on it "
                              f"{error.allowed_failures + 1} times (the last one "
                              f"{error.last_worker.address})", sandbox=sandbox.mode)
        except Exception as error:  # noqa: BLE001 (raised on the worker: said, not raised)
            first = (str(error).strip().splitlines() or [""])[0][:300]
            outcome = Outcome(student, FAILED, f"grading failed on the worker: "
                              f"{type(error).__name__}: {first}", sandbox=sandbox.mode)
        record(outcome)
