"""A throwaway PostgreSQL server for the tests: Debian's binaries, a new cluster in a temporary
folder on a free port, with a password, stopped and removed at the end.

The server refuses to run as root: when the tests are root, it runs as the `postgres` user the
Debian package creates (else `nobody`), through runuser.
"""

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

USER, PASSWORD, DATABASE = "grader", "not-in-any-output-7Qx", "gradebook"
MISSING = ("PostgreSQL is not installed (Debian's postgresql package: `make test` installs it "
           "when run as root)")


def binaries():
    """The newest /usr/lib/postgresql/<version>/bin with initdb and pg_ctl, or None."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")
             if os.access(Path(p).parent / "pg_ctl", os.X_OK)]
    return max(found, key=lambda p: int(p.parent.name), default=None)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _owner():
    """(command prefix, uid, gid) to run the server with: another user than root."""
    if os.geteuid() != 0:
        return [], os.getuid(), os.getgid()
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            user = pwd.getpwnam(name)
            return ["runuser", "-u", name, "--"], user.pw_uid, user.pw_gid
    pytest.skip("no user other than root to run PostgreSQL as")


def _run(command, **kwargs):
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, **kwargs)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command[:4])}... exited {done.returncode}: "
                           f"{done.stderr.strip()[-2000:]}")


@contextlib.contextmanager
def server():
    """The URL (postgresql://grader:PASSWORD@127.0.0.1:PORT/gradebook) of a new server with an
    empty database; skips the test where PostgreSQL is not installed."""
    folder_bin = binaries()
    if folder_bin is None:
        pytest.skip(MISSING)
    prefix, uid, gid = _owner()
    folder = Path(tempfile.mkdtemp(prefix="autograder-postgres-"))
    data, port = folder / "data", free_port()
    try:
        (folder / "password").write_text(PASSWORD + "\n")
        for path in (folder, folder / "password"):
            os.chown(path, uid, gid)
        _run([*prefix, str(folder_bin / "initdb"), "-D", str(data), "-U", USER, "-E", "UTF8",
              "--locale=C", "--auth=scram-sha-256", f"--pwfile={folder / 'password'}",
              "--no-sync"])
        _run([*prefix, str(folder_bin / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"),
              "-w", "-t", "60", "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 "
              "-c fsync=off -c full_page_writes=off", "start"])
        try:
            import psycopg

            with psycopg.connect(host="127.0.0.1", port=port, user=USER, password=PASSWORD,
                                 dbname="postgres", autocommit=True) as connection:
                connection.execute(f"CREATE DATABASE {DATABASE}")
            yield f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{port}/{DATABASE}"
        finally:
            _run([*prefix, str(folder_bin / "pg_ctl"), "-D", str(data), "-m", "immediate",
                  "-w", "stop"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
