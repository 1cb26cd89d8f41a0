"""Grading beyond one machine, against real services the tests start: a Dask LocalCluster of two
workers and a throwaway PostgreSQL server.

The sample class is graded twice: by the local pool into SQLite, and by the cluster into
PostgreSQL while one of its workers is killed mid-run. Both must give every student exactly
the same points, statuses and flags; then every command reads the PostgreSQL gradebook.
"""

import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import cloudpickle
import pytest
from distributed.diagnostics.plugin import WorkerPlugin
from postgres_server import PASSWORD, free_port, server

from autograder import cli, database
from autograder.course import Course
from autograder.demo import NO_SHOW, add_roster, make_course
from autograder.grading import cluster
from autograder.grading.collect import collect
from autograder.grading.export import export
from autograder.grading.feedback import feedback
from autograder.grading.grade import grade
from autograder.grading.sandbox import Sandbox
from autograder.sample_class import ASSIGNMENT, write_class

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # DiesOn, on the workers
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def postgres():
    with server() as url:
        yield url


@pytest.fixture(scope="module")
def client():
    with cluster.local(2, dashboard=":0") as client:
        yield client


def kill_a_worker_once_it_has_finished_a_task(client, done):
    """Kill (SIGKILL) a worker as soon as it runs its second submission; its address."""
    first = {}
    while not done.is_set():
        for address, keys in client.processing().items():
            if keys and first.setdefault(address, keys[0]) != keys[0]:
                pid = client.run(os.getpid, workers=[address])[address]
                os.kill(pid, signal.SIGKILL)
                return address
        time.sleep(0.1)
    return None


def grading_now():
    """Whether the worker process this runs in is grading a submission now."""
    from autograder.grading import grade

    return grade._one_at_a_time.locked()


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """A course with the sample class collected, not graded."""
    folder = tmp_path_factory.mktemp("collected")
    course = make_course(folder / "course", [ASSIGNMENT])
    write_class(course, folder / "incoming")
    collect(course, ASSIGNMENT, folder / "incoming")
    return course


@pytest.fixture(scope="module")
def both(tmp_path_factory, collected, postgres, client):
    """The sample class graded by the local pool into SQLite, then by the cluster into
    PostgreSQL with a worker killed mid-run; both exported."""
    folder = tmp_path_factory.mktemp("cluster")
    local = Course(shutil.copytree(collected.root, folder / "local"))
    shutil.copytree(collected.root, folder / "cluster")
    add_roster(local, [NO_SHOW])
    grade(local, ASSIGNMENT, jobs=2, progress=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(database.VARIABLE, postgres)
        remote = Course(folder / "cluster")
        add_roster(remote, [NO_SHOW])
        done, killed = threading.Event(), []
        killer = threading.Thread(target=lambda: killed.append(
            kill_a_worker_once_it_has_finished_a_task(client, done)))
        killer.start()
        try:
            outcomes = grade(remote, ASSIGNMENT, progress=False, client=client)
            still_grading = client.run(grading_now)
        finally:
            done.set()
            killer.join()
    return {"local": local, "remote": remote, "outcomes": outcomes, "killed": killed[0],
            "still grading": still_grading,
            "rows": {name: export(course, [ASSIGNMENT], folder / f"{name}.csv")
                     for name, course in (("local", local), ("remote", remote))}}


def test_the_cluster_and_postgresql_give_exactly_the_points_of_the_local_run(both, client):
    assert both["remote"].db_url.startswith("postgresql://grader:")
    assert both["local"].db_url.startswith("sqlite:///")
    assert both["rows"]["remote"] == both["rows"]["local"]
    table = {r["student"]: (r["status"], r["total"]) for r in both["rows"]["remote"]}
    assert table == {
        "Zoe_Martin": ("graded", "19"), "blank": ("blank", "0"),
        "broken-json": ("broken submission", "0"), "mistake-dJ-dyhat": ("graded", "15"),
        "mistake-forgot-y": ("graded", "15"), "mistake-mask-wrong-side": ("graded", "14"),
        "mistake-missing-mask": ("graded", "14"), "mistake-overflow": ("graded", "17"),
        "mistake-row-not-column": ("graded", "15"), "mistake-sign-flipped": ("graded", "15"),
        "mistake-times-h": ("graded", "14"), "mistake-transposed-dU": ("graded", "15"),
        "mixed-W-and-x": ("graded", "13"), "mixed-first-half": ("graded", "7"),
        "no-notebook": ("missing notebook", "0"), NO_SHOW: ("not submitted", "0"),
        "other-formulations": ("graded", "19"), "perfect": ("graded", "19")}
    local, remote = (course.load_statuses(ASSIGNMENT) for course in (both["local"],
                                                                      both["remote"]))
    for saved in (local, remote):
        for status in saved.values():
            del status["seconds"]
    assert remote == local


def test_a_killed_worker_loses_nothing(both, client):
    killed = both["killed"]
    assert killed is not None, "the run ended before a worker could be killed"
    assert killed not in client.scheduler_info()["workers"]  # replaced by its nanny
    assert len(both["outcomes"]) == 17
    assert not any(both["still grading"].values())  # nothing graded twice, nor late
    assert not any(o.status == "autograde failed" for o in both["outcomes"].values())


def test_every_command_reads_the_postgresql_gradebook(both, postgres, tmp_path, monkeypatch,
                                                      capsys):
    course = both["remote"]
    monkeypatch.setenv(database.VARIABLE, postgres)
    assert cli.main(["export", "--course", str(course.root), "-o", str(tmp_path / "g.csv")]) \
        == 0
    wide = {r["student"]: r["2_backprop"] for r in csv.DictReader((tmp_path / "g.csv").open())}
    assert (wide["perfect"], wide["mixed-first-half"], wide[NO_SHOW]) == ("19", "7", "0")
    assert cli.main(["report", "--course", str(course.root)]) == 0
    page = (course.grading_dir / f"{ASSIGNMENT}-report.html").read_text()
    assert "Points (of 21): mean 11.7, median 14.5, lowest 0, highest 19." in page
    assert feedback(course, ASSIGNMENT, ["perfect"]) == {}
    assert (course.feedback("perfect", ASSIGNMENT) / "backprop.html").exists()
    assert PASSWORD not in capsys.readouterr().out
    # nbgrader's own commands read the variable through the course's nbgrader_config.py
    done = subprocess.run([str(VENV_BIN / "nbgrader"), "export", "--log-level=ERROR"],
                          cwd=course.root, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}"
                               f"{os.environ['PATH']}"})
    assert done.returncode == 0, done.stderr
    nbgrader = {r["student_id"]: float(r["raw_score"])
                for r in csv.DictReader((course.root / "grades.csv").open())}
    assert (nbgrader["perfect"], nbgrader["mixed-first-half"]) == (19.0, 7.0)


class DiesOn(WorkerPlugin):
    """Takes its worker process down whenever it starts grading the student."""

    name = "dies-on"

    def __init__(self, student):
        self.student = student

    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and f"-{self.student}-" in str(key):
            os._exit(1)


def test_a_submission_that_kills_its_workers_fails_alone(collected, client, tmp_path):
    course = Course(shutil.copytree(collected.root, tmp_path / "course"))
    for student in ("ann", "crasher"):
        course.submitted(student, ASSIGNMENT).mkdir(parents=True)
    client.register_plugin(DiesOn("crasher"))
    try:
        outcomes = grade(course, ASSIGNMENT, students=["ann", "crasher"], progress=False,
                         client=client)
    finally:
        client.unregister_worker_plugin("dies-on")
    assert {s: o.status for s, o in outcomes.items()} == {
        "ann": "missing notebook", "crasher": "autograde failed"}
    assert outcomes["crasher"].detail.startswith(
        f"the grading worker died on it {cluster.ALLOWED_FAILURES + 1} times (the last one "
        "tcp://127.0.0.1:")
    assert course.load_statuses(ASSIGNMENT)["crasher"]["status"] == "autograde failed"


def test_a_worker_that_cannot_see_the_course_fails_its_submissions_with_the_reason(
        client, tmp_path):
    outcomes = []
    setup = (str(tmp_path / "elsewhere"), ASSIGNMENT, {}, Sandbox("none"), "sqlite://")
    cluster.grade_on(client, setup, ["ann"], outcomes.append)
    assert [(o.student, o.status, o.detail) for o in outcomes] == [
        ("ann", "autograde failed", f"grading failed on the worker: FileNotFoundError: "
         f"{tmp_path}/elsewhere is not a course directory: no nbgrader_config.py there")]


def test_the_command_line_grades_on_a_local_cluster_and_says_where(collected, tmp_path,
                                                                   capsys):
    course = Course(shutil.copytree(collected.root, tmp_path / "course"))
    assert cli.main(["grade", "--course", str(course.root), ASSIGNMENT, "--cluster", "local",
                     "-j", "1", "--student", "blank"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("sandbox: ")
    assert re.fullmatch(r"Dask cluster at tcp://127\.0\.0\.1:\d+: 1 worker\(s\); dashboard "
                        r"http://127\.0\.0\.1:\d+/status", lines[1]), lines[1]
    assert lines[2:] == ["blank: blank — nothing answered: every answer cell is as released",
                         "2_backprop: 1 blank"]


def test_an_unreachable_scheduler_is_one_line_and_status_2(collected, monkeypatch, capsys):
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1)
    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(SystemExit) as stop:
        cli.main(["grade", "--course", str(collected.root), ASSIGNMENT,
                  "--scheduler", address])
    assert stop.value.code == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"autograder grade: cannot reach the Dask scheduler at {address}: ")
    assert "\n" not in error


def test_an_unreachable_database_is_named_without_its_password(collected, monkeypatch,
                                                                capsys):
    port = free_port()
    monkeypatch.setenv(database.VARIABLE, f"postgresql://grader:{PASSWORD}@127.0.0.1:{port}/gb")
    assert cli.main(["export", "--course", str(collected.root)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"autograder export: cannot open the gradebook "
                            f"postgresql://grader:***@127.0.0.1:{port}/gb (from "
                            f"AUTOGRADER_DB_URL): connection failed: ")
    assert PASSWORD not in error


# -- where the URL comes from (no service needed) ------------------------------------------

@pytest.fixture
def bare_course(tmp_path, monkeypatch):
    """A folder with the course's nbgrader_config.py and nothing else, no variable set."""
    monkeypatch.delenv(database.VARIABLE, raising=False)
    shutil.copy(Path(__file__).resolve().parent.parent / "nbgrader_config.py", tmp_path)
    return tmp_path


def configure(folder, line):
    with (folder / "nbgrader_config.py").open("a") as config:
        config.write(f"\n{line}\n")


def test_sqlite_is_the_default_and_only_sqlite_gets_the_lock_timeout(bare_course,
                                                                       monkeypatch):
    course = Course(bare_course)
    assert course.db_url == f"sqlite:///{bare_course}/gradebook.db?timeout=120"
    assert course.database.source == database.DEFAULT
    monkeypatch.setenv(database.VARIABLE, "postgresql://grader:pw@db.example.edu/gradebook")
    course = Course(bare_course)
    assert course.db_url == "postgresql://grader:pw@db.example.edu/gradebook"
    assert (course.database.source, course.database.shown) == \
        ("AUTOGRADER_DB_URL", "postgresql://grader:***@db.example.edu/gradebook")
    assert course.config().CourseDirectory.db_url == course.db_url
    assert Course(bare_course, "sqlite:////x/g.db?timeout=5").db_url == \
        "sqlite:////x/g.db?timeout=5"


def test_the_configuration_sets_the_url_and_the_variable_overrides_it(bare_course,
                                                                      monkeypatch):
    configure(bare_course, 'c.CourseDirectory.db_url = "sqlite:////srv/course/grades.db"')
    course = Course(bare_course)
    assert (course.db_url, course.database.source) == \
        ("sqlite:////srv/course/grades.db?timeout=120", database.CONFIG)
    monkeypatch.setenv(database.VARIABLE, "postgresql://grader@db/gradebook")
    assert Course(bare_course).db_url == "postgresql://grader@db/gradebook"


def test_a_bad_url_names_its_setting_and_hides_the_password(bare_course, monkeypatch,
                                                            capsys):
    monkeypatch.setenv(database.VARIABLE, "grader:hunter2 at the db server")
    assert cli.main(["export", "--course", str(bare_course)]) == 2
    error = capsys.readouterr().err
    assert error == ("autograder export: AUTOGRADER_DB_URL is not a database URL: expected "
                     "dialect://user@host:port/database, e.g. "
                     "postgresql://grader@db.example.edu/gradebook\n")
    monkeypatch.delenv(database.VARIABLE)
    configure(bare_course, 'c.CourseDirectory.db_url = "postgress://grader:hunter2@db/gb"')
    assert cli.main(["export", "--course", str(bare_course)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("autograder export: CourseDirectory.db_url in nbgrader_config.py "
                            "names a database this installation cannot open "
                            "(postgress://grader:***@db/gb): ")
    assert "hunter2" not in error
