"""Collecting what instructors receive: each LMS's export, newest submission, timestamps."""

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import parse_utc

from autograder import cli
from autograder.course import IGNORED, Course
from autograder.grading.collect import PATTERNS, CollectError, CollectPatterns, collect
from autograder.sample_class import ASSIGNMENT, STUDENTS, notebook_of, solution_code

ROOT = Path(__file__).resolve().parent.parent
OTHERS = "(canvas-anonymous, canvas, blackboard, moodle, student-id-prefix, student-folder)"


@pytest.fixture
def course(tmp_path):
    """A course directory with the assignment released (no gradebook: collect needs none)."""
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", root)
    for kind in ("solutions", "notebooks"):
        shutil.copytree(ROOT / kind / ASSIGNMENT, root / kind / ASSIGNMENT,
                        ignore=shutil.ignore_patterns(*IGNORED))
    return Course(root)


def submission(tag):
    return f'{{"submission": "{tag}"}}'.encode()


def make_zip(path, entries):
    """A zip of (name, content, date_time or None for now) entries, in that order."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, content, date in entries:
            info = zipfile.ZipInfo(name, date_time=date or datetime.now().timetuple()[:6])
            archive.writestr(info, content)
    return path


def collected(course, student):
    folder = course.submitted(student, ASSIGNMENT)
    return (folder / "backprop.ipynb").read_bytes()


def stamp(course, student):
    path = course.submitted(student, ASSIGNMENT) / "timestamp.txt"
    return path.read_text() if path.exists() else None


def students(course):
    return sorted(p.name for p in (course.root / "submitted").iterdir())


def digest(folder, leave_out=()):
    sha = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        if set(path.relative_to(folder).parts) & set(leave_out):
            continue
        sha.update(str(path.relative_to(folder)).encode())
        if path.is_file() and not path.is_symlink():
            sha.update(path.read_bytes())
    return sha.hexdigest()


def test_canvas_takes_the_resubmission_and_says_what_is_late(course, tmp_path):
    archive = make_zip(tmp_path / "submissions.zip", [
        ("martinzoe_12345_67890_backprop.ipynb", submission("zoe first"), None),
        ("martinzoe_12345_67891_backprop-1.ipynb", submission("zoe second"), None),
        ("martinzoe_12345_67892_notes.txt", b"notes", None),
        ("dupontjean_LATE_23456_67900_backprop.ipynb", submission("jean"), None),
        ("LATE_anon_Xy7Qz_67950_backprop-2.ipynb", submission("anonymous"), None),
    ])
    assert collect(course, ASSIGNMENT, archive).lines() == [
        "took anon_Xy7Qz from LATE_anon_Xy7Qz_67950_backprop-2.ipynb (canvas-anonymous marks it "
        "late)",
        "took dupontjean from dupontjean_LATE_23456_67900_backprop.ipynb (canvas marks it late)",
        "took martinzoe from martinzoe_12345_67891_backprop-1.ipynb (ignored 1 extra file(s): "
        "martinzoe_12345_67892_notes.txt)",
        "skipped martinzoe_12345_67890_backprop.ipynb: older submission: took "
        "martinzoe_12345_67891_backprop-1.ipynb instead",
        "3 submission(s) collected, 1 skipped",
    ]
    assert students(course) == ["anon_Xy7Qz", "dupontjean", "martinzoe"]
    assert collected(course, "martinzoe") == submission("zoe second")
    # Canvas dates its zip's entries when it writes the zip: no submission time from them
    assert [stamp(course, s) for s in students(course)] == [None, None, None]


def moodle_entries():
    return [
        ("Zoë Martin_123456_assignsubmission_file_/backprop.ipynb", submission("zoe"),
         (2024, 3, 1, 14, 5, 0)),
        ("Zoë Martin_123456_assignsubmission_onlinetext_/onlinetext.html", b"<p>hi</p>",
         (2024, 3, 1, 14, 6, 0)),
        ("Jean Dupont_234567_assignsubmission_file_/Backprop final.ipynb", submission("jean"),
         (2024, 3, 2, 23, 59, 58)),
        ("Ana Lima_345678_assignsubmission_file_backprop.ipynb", submission("ana"),
         (2024, 3, 1, 8, 0, 0)),
    ]


MOODLE_REPORT = [
    "took Ana_Lima from Ana Lima_345678_assignsubmission_file_backprop.ipynb (student id "
    "'Ana Lima' stored as 'Ana_Lima')",
    "took Jean_Dupont from Jean Dupont_234567_assignsubmission_file_/Backprop final.ipynb "
    "(student id 'Jean Dupont' stored as 'Jean_Dupont'; notebook 'Backprop final.ipynb' taken "
    "as backprop.ipynb)",
    "took Zoe_Martin from Zoë Martin_123456_assignsubmission_file_/backprop.ipynb (student id "
    "'Zoë Martin' stored as 'Zoe_Martin'; ignored 1 extra file(s): "
    "Zoë Martin_123456_assignsubmission_onlinetext_/onlinetext.html)",
    "3 submission(s) collected, 0 skipped",
]


def test_a_moodle_zip_collects_with_the_zip_dates_as_timestamps(course, tmp_path):
    archive = make_zip(tmp_path / "moodle.zip", moodle_entries())
    assert collect(course, ASSIGNMENT, archive).lines() == MOODLE_REPORT
    assert students(course) == ["Ana_Lima", "Jean_Dupont", "Zoe_Martin"]
    assert collected(course, "Jean_Dupont") == submission("jean")
    assert [stamp(course, s) for s in students(course)] == [
        "2024-03-01 08:00:00 UTC\n", "2024-03-02 23:59:58 UTC\n", "2024-03-01 14:05:00 UTC\n"]
    assert parse_utc(stamp(course, "Jean_Dupont").strip()) == datetime(2024, 3, 2, 23, 59, 58)


def test_a_moodle_folder_collects_the_same_without_timestamps(course, tmp_path):
    folder = tmp_path / "moodle"
    with zipfile.ZipFile(make_zip(tmp_path / "moodle.zip", moodle_entries())) as archive:
        archive.extractall(folder)
    assert collect(course, ASSIGNMENT, folder).lines() == MOODLE_REPORT
    assert [stamp(course, s) for s in students(course)] == [None, None, None]


def test_blackboard_takes_the_newest_attempt_and_its_time(course, tmp_path):
    first, second = "Backprop HW_zmartin_attempt_2024-03-01-09-00-00", \
        "Backprop HW_zmartin_attempt_2024-03-02-18-30-00"
    archive = make_zip(tmp_path / "gradebook.zip", [
        (f"{second}_backprop.ipynb", submission("second"), (2025, 1, 1, 0, 0, 0)),
        (f"{second}.txt", b"Name: Zoe Martin (zmartin)", None),
        (f"{first}_backprop.ipynb", submission("first"), (2025, 1, 1, 0, 0, 0)),
        (f"{first}.txt", b"Name: Zoe Martin (zmartin)", None),
        # nbgrader's own zip_collect example names its files this way
        ("ps1_hacker_attempt_2016-01-30-15-30-10_backprop.ipynb", submission("hacker"), None),
    ])
    lines = [
        "took hacker from ps1_hacker_attempt_2016-01-30-15-30-10_backprop.ipynb",
        f"took zmartin from {second}_backprop.ipynb",
        f"skipped {first}_backprop.ipynb: older submission: took {second}_backprop.ipynb instead",
        f"skipped {first}.txt: older submission: took {second}_backprop.ipynb instead",
        "2 submission(s) collected, 2 skipped",
    ]
    assert collect(course, ASSIGNMENT, archive).lines() == lines
    assert collected(course, "zmartin") == submission("second")
    assert stamp(course, "zmartin") == "2024-03-02 18:30:00 UTC\n"
    # nbgrader reads it right (its parse_utc misreads the name's own 2016-01-30-15-30-10)
    assert stamp(course, "hacker") == "2016-01-30 15:30:10 UTC\n"
    assert parse_utc(stamp(course, "hacker").strip()) == datetime(2016, 1, 30, 15, 30, 10)
    assert parse_utc("2016-01-30-15-30-10") != datetime(2016, 1, 30, 15, 30, 10)
    again = collect(course, ASSIGNMENT, archive).lines()
    assert again[1] == f"took zmartin from {second}_backprop.ipynb (unchanged since the last " \
        "collection)"
    assert stamp(course, "zmartin") == "2024-03-02 18:30:00 UTC\n"


def test_timestamps_without_a_zone_are_in_the_configured_one(course, tmp_path):
    with open(course.root / "nbgrader_config.py", "a") as config:
        config.write('\nc.CollectPatterns.timezone = "Europe/Paris"\n')
    archive = make_zip(tmp_path / "export.zip", [
        ("HW_zmartin_attempt_2024-03-02-18-30-00_backprop.ipynb", submission("bb"), None),
        ("alice_backprop.ipynb", submission("alice"), (2024, 7, 1, 12, 0, 0)),
    ])
    collect(course, ASSIGNMENT, archive)
    assert stamp(course, "zmartin") == "2024-03-02 17:30:00 UTC\n"  # CET is UTC+1
    assert stamp(course, "alice") == "2024-07-01 10:00:00 UTC\n"    # CEST is UTC+2


def test_the_newest_copy_wins_by_its_zip_date(course, tmp_path):
    archive = make_zip(tmp_path / "export.zip", [
        ("alice/backprop.ipynb", submission("alice new"), (2024, 3, 2, 10, 0, 0)),
        ("alice_backprop.ipynb", submission("alice old"), (2024, 3, 1, 10, 0, 0)),
        ("bob/backprop.ipynb", submission("bob"), (2024, 3, 1, 10, 0, 0)),
        ("bob/old/backprop.ipynb", submission("bob copy"), (2024, 3, 1, 10, 0, 0)),
    ])
    assert collect(course, ASSIGNMENT, archive).lines() == [
        "took alice from alice/backprop.ipynb",
        "took bob from bob/backprop.ipynb",
        "skipped alice_backprop.ipynb: older submission: took alice/backprop.ipynb instead",
        "skipped bob/old/backprop.ipynb: another copy of backprop.ipynb: took bob/backprop.ipynb "
        "instead",
        "2 submission(s) collected, 2 skipped",
    ]
    assert collected(course, "alice") == submission("alice new")
    assert stamp(course, "alice") == "2024-03-02 10:00:00 UTC\n"


def test_nbgraders_own_submitted_layout_keeps_its_timestamp(course, tmp_path):
    folder = tmp_path / "submitted-elsewhere"
    (folder / "alice" / ASSIGNMENT).mkdir(parents=True)
    (folder / "alice" / ASSIGNMENT / "backprop.ipynb").write_bytes(submission("alice"))
    (folder / "alice" / ASSIGNMENT / "timestamp.txt").write_text(
        "2024-03-01 15:00:00.000000 CET")
    assert collect(course, ASSIGNMENT, folder).lines() == [
        "took alice from alice/2_backprop/backprop.ipynb",
        "1 submission(s) collected, 0 skipped",
    ]
    assert stamp(course, "alice") == "2024-03-01 14:00:00 UTC\n"


def test_an_empty_folder_is_refused_like_an_empty_zip(course, tmp_path):
    empty = tmp_path / "incoming"
    (empty / "__MACOSX").mkdir(parents=True)
    (empty / ".DS_Store").write_bytes(b"\0")
    with pytest.raises(CollectError, match=rf"^{empty} is empty: no submissions in it$"):
        collect(course, ASSIGNMENT, empty)
    with pytest.raises(SystemExit, match=rf"^collect: {empty} is empty: no submissions in it$"):
        cli.main(["collect", "--course", str(course.root), ASSIGNMENT, str(empty)])
    assert not (course.root / "submitted").exists()


def test_release_files_go_beside_each_notebook_and_nbgrader_validates_it(course, tmp_path):
    released = nbformat.read(course.release(ASSIGNMENT) / "backprop.ipynb", as_version=4)
    solutions = solution_code(ROOT / "solutions" / ASSIGNMENT / "backprop.ipynb")
    perfect = nbformat.writes(notebook_of(STUDENTS[0], released, solutions))
    archive = make_zip(tmp_path / "export.zip", [("perfect_backprop.ipynb", perfect, None)])
    collect(course, ASSIGNMENT, archive)
    folder = course.submitted("perfect", ASSIGNMENT)
    release = course.release(ASSIGNMENT)
    expected = sorted(str(p.relative_to(release)) for p in release.rglob("*")
                      if p.suffix != ".ipynb" and not set(p.parts) & IGNORED)
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) == \
        sorted(expected + ["backprop.ipynb", "timestamp.txt"])
    for name in expected:
        if (release / name).is_file():
            assert (folder / name).read_bytes() == (release / name).read_bytes()
    from nbgrader.validator import Validator
    assert Validator(config=course.config()).validate(str(folder / "backprop.ipynb")) == {}


def test_collisions_are_still_refused(course, tmp_path):
    archive = make_zip(tmp_path / "export.zip", [
        ("martinzoe_12345_67890_backprop.ipynb", submission("one Zoe"), None),
        ("martinzoe_99999_67891_backprop.ipynb", submission("another Zoe"), None),
        ("Zoë Martin/backprop.ipynb", submission("folder Zoe"), None),
        ("Zoe Martin/backprop.ipynb", submission("folder Zoe, no accent"), None),
    ])
    assert collect(course, ASSIGNMENT, archive).lines() == [
        "took Zoe_Martin from Zoe Martin/backprop.ipynb (student id 'Zoe Martin' stored as "
        "'Zoe_Martin')",
        "took martinzoe from martinzoe_12345_67890_backprop.ipynb",
        "skipped Zoë Martin: student ids 'Zoe Martin' and 'Zoë Martin' both become "
        "'Zoe_Martin': rename one and collect again",
        "skipped martinzoe (user 99999): student ids 'martinzoe (user 12345)' and "
        "'martinzoe (user 99999)' both become 'martinzoe': rename one and collect again",
        "2 submission(s) collected, 2 skipped",
    ]
    assert collected(course, "martinzoe") == submission("one Zoe")


def test_an_instructor_adds_a_pattern_in_the_configuration(course, tmp_path):
    archive = make_zip(tmp_path / "export.zip", [
        ("zoe-backprop.ipynb", submission("zoe"), None),
    ])
    assert collect(course, ASSIGNMENT, archive).lines() == [
        f"skipped zoe-backprop.ipynb: matches none of the collect patterns {OTHERS}",
        "0 submission(s) collected, 1 skipped",
    ]
    with open(course.root / "nbgrader_config.py", "a") as config:
        config.write('\nc.CollectPatterns.patterns.insert(0, '
                     '("dash", r"(?P<student_id>[^-/]+)-(?P<file_id>[^/]+)$"))\n')
    assert collect(course, ASSIGNMENT, archive).lines() == [
        "took zoe from zoe-backprop.ipynb",
        "1 submission(s) collected, 0 skipped",
    ]
    assert collected(course, "zoe") == submission("zoe")


def test_nbgraders_named_regexp_is_tried_first(course, tmp_path):
    with open(course.root / "nbgrader_config.py", "a") as config:
        config.write('\nc.FileNameCollectorPlugin.named_regexp = '
                     'r"(?P<file_id>(?P<student_id>[a-z]+)_backprop\\.ipynb)"\n')
    patterns = CollectPatterns.of(course)
    assert [name for name, _ in patterns.table()][:2] == \
        ["FileNameCollectorPlugin.named_regexp", "canvas-anonymous"]
    archive = make_zip(tmp_path / "export.zip", [("zoe_backprop.ipynb", submission("z"), None)])
    assert collect(course, ASSIGNMENT, archive).lines() == [
        "took zoe from zoe_backprop.ipynb", "1 submission(s) collected, 0 skipped"]


def test_a_bad_row_is_named(course, tmp_path):
    with open(course.root / "nbgrader_config.py", "a") as config:
        config.write('\nc.CollectPatterns.patterns.append(("mine", r"(?P<file_id>.*)"))\n')
    archive = make_zip(tmp_path / "export.zip", [("a_backprop.ipynb", submission("a"), None)])
    with pytest.raises(CollectError, match=r"^collect pattern 'mine' has no "
                                           r"\(\?P<student_id>\.\.\.\) group$"):
        collect(course, ASSIGNMENT, archive)


def test_links_and_unknown_files_are_skipped_and_the_source_only_read(course, tmp_path):
    secret = tmp_path / "secret.ipynb"
    secret.write_bytes(submission("not a submission"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "backprop.ipynb").write_bytes(submission("elsewhere"))
    folder = tmp_path / "incoming"
    (folder / "alice").mkdir(parents=True)
    (folder / "alice" / "backprop.ipynb").symlink_to(secret)
    (folder / "bob").symlink_to(elsewhere)
    (folder / "carol").mkdir()
    (folder / "carol" / "backprop.ipynb").write_bytes(submission("carol"))
    (folder / "README.txt").write_text("hello")
    os.mkfifo(folder / "carol" / "pipe")
    before, course_before = digest(folder), digest(course.root, leave_out={"submitted"})
    assert collect(course, ASSIGNMENT, folder).lines() == [
        "took carol from carol/backprop.ipynb",
        "skipped bob/: a symbolic link: not followed",
        "skipped alice/backprop.ipynb: a symbolic link: not followed",
        "skipped carol/pipe: not a regular file",
        f"skipped README.txt: matches none of the collect patterns {OTHERS}",
        "skipped alice/ (empty): alice: expected backprop.ipynb, found no notebook",
        "1 submission(s) collected, 5 skipped",
    ]
    assert digest(folder) == before  # read only
    assert digest(course.root, leave_out={"submitted"}) == course_before  # written: submitted/
    assert students(course) == ["alice", "carol"]  # alice: a submission without its notebook
    assert sorted(p.name for p in course.submitted("alice", ASSIGNMENT).iterdir()) == []


def test_a_zip_link_entry_is_not_followed(course, tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        link = zipfile.ZipInfo("alice_backprop.ipynb")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")
        z.writestr("bob_backprop.ipynb", submission("bob"))
    assert collect(course, ASSIGNMENT, archive).lines() == [
        "took bob from bob_backprop.ipynb",
        "skipped alice_backprop.ipynb: a symbolic link: not followed",
        "1 submission(s) collected, 1 skipped",
    ]


def test_the_table_in_the_configuration_is_the_built_in_one():
    assert CollectPatterns.of(Course(ROOT)).patterns == PATTERNS
    assert CollectPatterns().patterns == PATTERNS


def test_nbgrader_zip_collect_can_use_the_table(course):
    """`nbgrader zip_collect` with the table as its collector plugin: same ids, right times."""
    archive = course.root / "downloaded" / ASSIGNMENT / "archive"
    archive.mkdir(parents=True)
    make_zip(archive / "export.zip", [
        ("Backprop HW_zmartin_attempt_2024-03-02-18-30-00_backprop.ipynb", submission("bb"),
         None),
        ("Backprop HW_zmartin_attempt_2024-03-02-18-30-00.txt", b"receipt", None),
        ("Zoë Martin_123456_assignsubmission_file_/backprop.ipynb", submission("moodle"), None),
    ])
    nbgrader = Path(sys.executable).parent / "nbgrader"
    run = subprocess.run([str(nbgrader), "zip_collect", "--collector",
                          "autograder.grading.collect.CollectPatterns", ASSIGNMENT],
                         cwd=course.root, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert students(course) == ["Zoe_Martin", "zmartin"]
    assert collected(course, "zmartin") == submission("bb")
    assert parse_utc(stamp(course, "zmartin").strip()) == datetime(2024, 3, 2, 18, 30)
    plugin = CollectPatterns()
    assert plugin.collect("/x/Zoë Martin_1_assignsubmission_file_/backprop.ipynb") == {
        "student_id": "Zoe_Martin", "user_id": "1", "file_id": "backprop.ipynb"}
