"""Grading that cannot be crashed, gamed or made to leak.

Every attack of tests/submissions is graded in one class, under the machine's real sandbox,
between two honest students (one graded before the attacks, one after, with two workers); a
smaller class is graded again with the Landlock-only fallback. The tests check each attack's
exact points and status, and that the course, the gradebook, the machine and what students
get back show no trace of any attack.
"""

import hashlib
import importlib
import os
import pkgutil
import re
import secrets
import socket
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

import autograder
from autograder.demo import make_course
from autograder.grading import landlock
from autograder.grading import report as class_report
from autograder.grading.export import export
from autograder.grading.feedback import feedback
from autograder.grading.grade import SCORED, grade
from autograder.grading.preprocessors import CapOutputs
from autograder.grading.sandbox import Sandbox, detect
from autograder.sample_class import ASSIGNMENT, Student, notebook_of, solution_code
from tests import submissions

TESTS = ["test_forward", "test_dJ_dtheta", "test_dJ_dU", "test_dJ_db2", "test_dJ_dz",
         "test_dJ_dW", "test_dJ_db1", "test_dJ_dx", "test_shapes", "test_backward"]
FULL = dict(zip(TESTS, [2, 2, 2, 1, 3, 2, 1, 2, 2, 2], strict=True))
CASES = {m.name: importlib.import_module(f"tests.submissions.{m.name}")
         for m in pkgutil.iter_modules(submissions.__path__)}
HONEST = ("aaa-honest", "zzz-honest")  # graded first and last
WRITTEN = "h > 0 exactly where z > 0, so sgn(h) is ReLU'(z); at a kink a check sees half."
LIMITS = {"Execute.timeout": 5, "SandboxedExecute.time_budget": 40}
SETTLE = 2            # seconds for anything an attack left running to show itself
# What students get back is bounded whatever a submission prints: the text of an autograded
# notebook (its own, about 50 kB here, and CapOutputs.max_total characters of output), its
# images (CapOutputs.max_total_images), and a feedback page (the same, and its style sheet).
MAX_TEXT = 300_000
MAX_IMAGES = CapOutputs.class_traits()["max_total_images"].default_value
MAX_FEEDBACK = 700_000 + MAX_IMAGES
LANDLOCK_CASES = ("escapes_by_paths", "persistence", "processes_helpers", "daemon")
SECRETS = ("BEGIN HIDDEN TESTS", "check_hidden", "hidden_cases", "BEGIN SOLUTION",
           "Model answer")


class Listeners:
    """A TCP port, a UDP port and an abstract unix socket on this machine, for attacks to try."""

    def __init__(self):
        self.tcp = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.abstract = f"autograder-test-{secrets.token_hex(6)}"
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind("\0" + self.abstract)
        self.unix.listen(64)
        for sock in (self.tcp, self.udp, self.unix):
            sock.setblocking(False)

    def values(self):
        return {"TCP_PORT": str(self.tcp.getsockname()[1]),
                "UDP_PORT": str(self.udp.getsockname()[1]), "ABSTRACT": repr(self.abstract)}

    def reached(self):
        """What arrived: connections accepted by the kernel, datagrams."""
        arrived = []
        for name, sock in (("tcp", self.tcp), ("abstract unix socket", self.unix)):
            try:
                sock.accept()[0].close()
                arrived.append(name)
            except BlockingIOError:
                pass
        try:
            arrived.append(f"udp {self.udp.recvfrom(100)}")
        except BlockingIOError:
            pass
        for sock in (self.tcp, self.udp, self.unix):
            sock.close()
        return arrived


@dataclass
class Class:
    """A graded class: the course, what grading said, and what the machine looked like."""

    course: object
    sandbox: Sandbox
    outcomes: dict
    rows: dict
    before: dict
    after: dict
    mark: str
    reached: list
    survivors: list
    feedback_failures: dict
    seconds: float


def digests(course):
    """A digest of each thing no submission may change."""
    def tree(folder):
        digest = hashlib.sha256()
        for path in sorted(p for p in Path(folder).rglob("*")
                           if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()

    numpy_init = Path(sys.modules["numpy"].__file__)
    site = numpy_init.parent.parent
    return {"solutions": tree(course.root / "solutions"),
            "notebooks": tree(course.root / "notebooks"),
            "nbgrader_config.py": tree_file(course.root / "nbgrader_config.py"),
            "autograder package": tree(Path(autograder.__file__).parent),
            "site-packages listing": hashlib.sha256(
                "\n".join(sorted(os.listdir(site))).encode()).hexdigest(),
            "numpy listing": hashlib.sha256(
                "\n".join(sorted(os.listdir(numpy_init.parent))).encode()).hexdigest(),
            "numpy": tree_file(numpy_init)}


def tree_file(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def processes_named(name):
    """The pids of processes of this machine whose name starts with name."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and Path(f"/proc/{entry}/comm").read_text().strip() \
                    .startswith(name[:15]):
                found.append(int(entry))
        except OSError:
            pass
    return found


def files_named(folder, fragment):
    found = []
    for parent, folders, files in os.walk(folder, onerror=lambda error: None):
        found += [os.path.join(parent, n) for n in folders + files if fragment in n]
    return found


def grade_class(folder, cases, sandbox):
    """Grade the honest students and the attacks of cases in one run; see Class."""
    course = make_course(folder, [ASSIGNMENT])
    mark = f"pwned{secrets.token_hex(4)}"
    listeners = Listeners()
    values = {"COURSE": submissions.hidden_path(course.root), "MARK": repr(mark),
              **listeners.values()}
    released = nbformat.read(course.release(ASSIGNMENT) / "backprop.ipynb", as_version=4)
    solutions = solution_code(course.source(ASSIGNMENT) / "backprop.ipynb")
    before = digests(course)
    for name, case in [(HONEST[0], None), *cases.items(), (HONEST[1], None)]:
        overrides = {grade_id: submissions.fill(source, values)
                     for grade_id, source in getattr(case, "OVERRIDES", {}).items()}
        student = Student(name, overrides=overrides, written_answer=WRITTEN)
        notebook = notebook_of(student, released, solutions)
        if hasattr(case, "transform"):
            case.transform(notebook)
            for cell in notebook.cells:
                cell.source = submissions.fill(cell.source, values)
        path = course.submitted(name, ASSIGNMENT) / "backprop.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, path)
        if hasattr(case, "prepare"):
            case.prepare(path.parent, course)
    started = time.monotonic()
    outcomes = grade(course, ASSIGNMENT, jobs=2, overrides=LIMITS, progress=False,
                     sandbox=sandbox, say=lambda *a, **k: None)
    seconds = time.monotonic() - started
    slowest = sorted(outcomes.values(), key=lambda o: -o.seconds)[:3]
    print(f"\n{len(outcomes)} submissions graded with {sandbox.describe()} in {seconds:.0f} s; "
          "slowest: " + ", ".join(f"{o.student} {o.seconds:.0f} s" for o in slowest))
    time.sleep(SETTLE)
    survivors = processes_named(mark)
    reached = listeners.reached()
    rows = {r["student"]: r for r in export(course, [ASSIGNMENT], course.root / "grades.csv")}
    graded = [s for s, r in rows.items() if r["status"] in SCORED]
    failures = feedback(course, ASSIGNMENT, graded)
    return Class(course, sandbox, outcomes, rows, before, digests(course), mark, reached,
                 survivors, failures, seconds)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every attack, between the two honest students, under this machine's sandbox."""
    sandbox = detect()
    if sandbox.mode != "bwrap":
        reason = (f"bubblewrap cannot run here, so the attacks are graded with "
                  f"{sandbox.describe()}: the namespaces are not tested")
        print(reason)
        warnings.warn(reason, stacklevel=1)
    return grade_class(tmp_path_factory.mktemp("integrity"), CASES, sandbox)


@pytest.fixture(scope="module")
def graded_landlock(tmp_path_factory):
    """The attacks on files and processes with Landlock alone, where bubblewrap exists too."""
    if landlock.abi() < 6:
        pytest.skip(f"Landlock ABI {landlock.abi()}: signals and abstract sockets are scoped "
                    "from ABI 6 on, so the fallback is not tested here")
    cases = {name: CASES[name] for name in LANDLOCK_CASES}
    return grade_class(tmp_path_factory.mktemp("landlock"), cases, Sandbox("landlock"))


def check_attack(graded, case):
    """The attack's exact points, status, flags and reports."""
    expected = CASES[case].EXPECTED
    zero = TESTS if expected["zero"] == "all" else expected["zero"]
    row, outcome = graded.rows[case], graded.outcomes[case]
    assert row["status"] == expected["status"], row["detail"]
    assert expected.get("detail", "") in row["detail"], row["detail"]
    assert {t: float(row[t]) for t in TESTS} == \
        {t: 0.0 if t in zero else float(p) for t, p in FULL.items()}, row["detail"]
    assert outcome.sandbox == graded.sandbox.mode
    for fragment in expected["flags"]:
        assert any(fragment in flag for flag in outcome.flags), (fragment, outcome.flags)
    if not expected["flags"]:
        assert outcome.flags == []
    if expected.get("shows"):
        notebook = (graded.course.autograded(case, ASSIGNMENT) / "backprop.ipynb").read_text()
        for text in expected["shows"]:
            assert text in notebook, text
    if expected.get("message"):
        grade_id, text = expected["message"]
        page = (graded.course.feedback(case, ASSIGNMENT) / "backprop.html").read_text()
        assert text in page


def check_honest(graded):
    for student in HONEST:
        row, outcome = graded.rows[student], graded.outcomes[student]
        assert (row["status"], outcome.flags) == ("graded", []), row["detail"]
        assert {t: float(row[t]) for t in TESTS} == {t: float(p) for t, p in FULL.items()}
        assert row["total"] == "19" and row["q_relu_mask"] == "", row  # awaits manual grading


def check_no_trace(graded):
    """The course and the machine are as they were; every student has a row and no more."""
    from nbgrader.api import Gradebook

    assert graded.after == graded.before
    names = set(graded.outcomes)
    assert set(graded.rows) == names
    with Gradebook(graded.course.db_url) as gradebook:
        assert {s.id for s in gradebook.students} == names - {"symlinked_notebook"}
        scores = [(g.manual_score, g.extra_credit)
                  for n in gradebook.notebook_submissions("backprop", ASSIGNMENT)
                  for g in n.grades]
    assert scores and set(scores) == {(None, None)}
    python = [Path(sys.modules["numpy"].__file__).parent.parent, Path(os.__file__).parent]
    for folder in [graded.course.root, Path("/tmp"), *python]:
        assert files_named(folder, graded.mark) == [], folder
    assert [n for n in os.listdir("/") if graded.mark in n] == []  # ../../.. from a scratch folder
    assert graded.survivors == []
    assert graded.reached == []


def check_nothing_leaks(graded):
    """No hidden test, solution or path of the course reaches what students get back, and
    it is all small; nothing but the notebook was copied from a submitted folder."""
    root = str(graded.course.root)
    forbidden = [*SECRETS, root, root.encode().hex(), root[::-1]]
    assert graded.feedback_failures == {}
    received = {*os.listdir(graded.course.release(ASSIGNMENT)), "timestamp.txt"}
    for student, row in graded.rows.items():
        if row["status"] not in SCORED:
            assert not graded.course.autograded(student, ASSIGNMENT).exists()
            continue
        folder = graded.course.autograded(student, ASSIGNMENT)
        assert {p.name for p in folder.iterdir()} <= received, student
        notebook = folder / "backprop.ipynb"
        page = graded.course.feedback(student, ASSIGNMENT) / "backprop.html"
        images = sum(len(value) for cell in nbformat.read(notebook, as_version=4).cells
                     for output in cell.get("outputs", [])
                     for mime, value in output.get("data", {}).items()
                     if mime.startswith("image/"))
        assert images <= MAX_IMAGES, (student, images)
        assert notebook.stat().st_size - images < MAX_TEXT, (student, notebook.stat().st_size)
        assert page.stat().st_size < MAX_FEEDBACK, (student, page.stat().st_size)
        for text in (notebook.read_text(), page.read_text()):
            for secret in forbidden:
                assert secret not in text, (student, secret)
        assert not planted_markup(page.read_text(), graded.mark), student


def planted_markup(html, mark):
    """The <script> and onerror handlers of an attack that reached a page as markup (what
    arrives escaped, as text, is harmless)."""
    return re.findall(rf"<script>[^<]*{mark}|<img[^>]*onerror=\"[^\"]*{mark}", html)


@pytest.mark.parametrize("case", sorted(CASES))
def test_attack_gains_nothing_and_the_class_goes_on(graded, case):
    check_attack(graded, case)


def test_honest_students_before_and_after_the_attacks_score_full_marks(graded):
    check_honest(graded)


def test_no_attack_left_a_trace_on_the_course_or_the_machine(graded):
    check_no_trace(graded)


def test_nothing_of_the_instructor_reaches_the_students_and_outputs_are_bounded(graded):
    check_nothing_leaks(graded)
    path = graded.course.autograded("prints_megabytes", ASSIGNMENT) / "backprop.ipynb"
    assert "Output truncated" in path.read_text()


def test_the_report_lists_flagged_submissions(graded):
    rows = list(graded.rows.values())
    class_report.build(graded.course, ASSIGNMENT, rows, graded.course.grading_dir)
    page = (graded.course.grading_dir / f"{ASSIGNMENT}-report.html").read_text()
    assert "Flagged submissions" in page
    assert "<td>tampered_tests</td>" in page and "locked cells reordered" in page
    flagged = {s for s, o in graded.outcomes.items() if o.flags}
    assert flagged == {"tampered_tests"}


def test_the_landlock_fallback_stops_the_same_attacks(graded_landlock):
    assert graded_landlock.sandbox.mode == "landlock"
    for case in LANDLOCK_CASES:
        check_attack(graded_landlock, case)
    check_honest(graded_landlock)
    check_no_trace(graded_landlock)
    check_nothing_leaks(graded_landlock)
