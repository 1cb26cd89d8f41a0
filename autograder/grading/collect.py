"""Collect submissions as an instructor receives them into nbgrader's submitted/ layout.

The source is a folder or a zip, as an LMS exports it or as an instructor gathered it. Every
file in it is read through one table of named regular expressions, `CollectPatterns.patterns`
(nbgrader_config.py): the first row that matches a file's path inside the source says whose
file it is (`student_id`), which file (`file_id`), and when it was submitted (`timestamp`,
`attempt`). Out of the box the table reads Canvas, Moodle and Blackboard exports (the layout
of nbgrader's own `zip_collect` example), `<student id>_<anything>.ipynb` files and a folder
of per-student folders; an instructor adds rows for anything else.

Per student the newest submission is taken; every other file is reported with the reason.
Beside each notebook go nbgrader's timestamp.txt (so due dates and late penalties apply) and
the release's other files (so `nbgrader validate` runs on collected work). The source is only
read, its symbolic links are never followed, and nothing is written outside submitted/.
"""

import os
import re
import shutil
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import dateutil.parser
import dateutil.tz
from nbgrader.plugins import FileNameCollectorPlugin
from nbgrader.utils import parse_utc
from traitlets import List, Tuple, Unicode

from ..course import IGNORED

# The default table, row by row: (name, regular expression matched from the start of a file's
# path inside the source, "/" between folders). nbgrader_config.py sets the same table, with
# comments, for instructors to extend.
PATTERNS = [
    # Canvas, anonymous grading: [LATE_]anon_<id>_<attachment id>_<file name>[-<n>].<ext>
    ("canvas-anonymous",
     r"(?:.*/)?(?:(?P<late>LATE)_)?(?P<student_id>anon_[A-Za-z0-9]+)_(?P<attachment_id>\d+)_"
     r"(?P<file_id>[^/]+?)(?:-(?P<attempt>\d+))?(?:\.[^./]*)?$"),
    # Canvas: <name>_[LATE_]<user id>_<attachment id>_<file name>[-<n>].<ext>, where -1, -2
    # mark a file the student submitted again
    ("canvas",
     r"(?:.*/)?(?P<student_id>[^/]+?)_(?:(?P<late>LATE)_)?(?P<user_id>\d+)_(?P<attachment_id>\d+)_"
     r"(?P<file_id>[^/]+?)(?:-(?P<attempt>\d+))?(?:\.[^./]*)?$"),
    # Blackboard (and nbgrader's zip_collect example):
    # <assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file name>, and the attempt's
    # receipt <assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>.txt
    ("blackboard",
     r"(?:.*/)?[^/]+_(?P<student_id>[^_/]+)_attempt_(?P<timestamp>\d{4}(?:-\d\d){5})"
     r"(?:_(?P<file_id>[^/]+)|\.txt)$"),
    # Moodle: <full name>_<participant id>_assignsubmission_<plugin>_/<file name>, or without
    # the "/" when downloaded without folders
    ("moodle",
     r"(?:.*/)?(?P<student_id>[^/]+?)_(?P<user_id>\d+)_assignsubmission_[a-z]+_/?"
     r"(?P<file_id>.*)$"),
    # <student id>_<anything>.ipynb
    ("student-id-prefix", r"(?P<student_id>[^_/]+)_(?P<file_id>[^/]+\.(?i:ipynb))$"),
    # a folder per student: <student id>/<anything>
    ("student-folder", r"(?P<student_id>[^/]+)/(?P<file_id>.*)$"),
]

JUNK = {"__MACOSX", ".DS_Store", "Thumbs.db", ".ipynb_checkpoints"}  # never a submission
TIMESTAMP = "timestamp.txt"  # nbgrader's record of when a submission was made
_DIGITS = re.compile(r"(\d{4})\D?(\d\d)\D?(\d\d)\D?(\d\d)\D?(\d\d)\D?(\d\d)")


class CollectError(Exception):
    """The source as a whole cannot be collected (a missing folder, an empty or corrupt zip, a
    bad row in the table)."""


class CollectPatterns(FileNameCollectorPlugin):
    """nbgrader's FileNameCollectorPlugin with a table of named regular expressions in place of
    one: `autograder collect` reads every file through it, and `nbgrader zip_collect
    --collector=autograder.grading.collect.CollectPatterns` can use it too."""

    patterns = List(
        Tuple(Unicode(), Unicode()), default_value=PATTERNS,
        help="(name, regular expression) rows tried in order on each file's path inside the "
             "source; the first match wins. Named groups: student_id (required), file_id "
             "(without it the file is a record of the submission, never its notebook), "
             "timestamp, attempt, user_id, late. nbgrader's FileNameCollectorPlugin."
             "named_regexp, when set, is tried before them.",
    ).tag(config=True)

    zip_dates_ignored = List(
        Unicode(), default_value=["canvas", "canvas-anonymous"],
        help="Rows whose zip entries are dated when the zip was made, not when the student "
             "submitted: their zip entry dates are never taken as a submission's timestamp.",
    ).tag(config=True)

    timezone = Unicode(
        "UTC",
        help="The time zone of timestamps that name none: those in file names, zip entry "
             "dates.",
    ).tag(config=True)

    @classmethod
    def of(cls, course):
        """The table as the course's nbgrader_config.py sets it."""
        return cls(config=course.config())

    def table(self):
        """[(name, compiled expression)], nbgrader's named_regexp first when it is set."""
        rows = [("FileNameCollectorPlugin.named_regexp", self.named_regexp)] \
            if self.named_regexp else []
        compiled = []
        for name, expression in rows + [tuple(row) for row in self.patterns]:
            try:
                regexp = re.compile(expression)
            except re.error as error:
                raise CollectError(f"collect pattern {name!r}: {error}") from None
            if "student_id" not in regexp.groupindex:
                raise CollectError(f"collect pattern {name!r} has no (?P<student_id>...) group")
            compiled.append((name, regexp))
        return compiled

    def zone(self):
        zone = dateutil.tz.gettz(self.timezone)
        if zone is None:
            raise CollectError(f"CollectPatterns.timezone: unknown time zone {self.timezone!r}")
        return zone

    def match(self, path, table=None):
        """(row name, its named groups) of the first row matching path, or None."""
        for name, regexp in table or self.table():
            found = regexp.match(path)
            if found:
                return name, found.groupdict()
        return None

    def collect(self, submitted_file):
        """nbgrader's interface: the groups of a file nbgrader's zip_collect should take (the
        student id made safe, the timestamp in UTC as nbgrader's parse_utc reads it), or None."""
        if os.path.splitext(submitted_file)[1] not in self.valid_ext:
            return None
        found = self.match(Path(submitted_file).as_posix())
        groups = dict(found[1]) if found else {}
        groups["student_id"] = student_id(groups.get("student_id") or "")
        if not groups["student_id"] or not groups.get("file_id"):
            return None
        if groups.get("timestamp"):
            try:
                groups["timestamp"] = _utc_text(_parse_time(groups["timestamp"], self.zone()))
            except (ValueError, OverflowError):
                self.log.warning("Not a date: %s in %s", groups["timestamp"], submitted_file)
                groups["timestamp"] = None
        return groups


@dataclass
class CollectReport:
    taken: list = field(default_factory=list)     # (student, source name, note)
    skipped: list = field(default_factory=list)   # (source name, reason)

    def lines(self):
        out = [f"took {student} from {source}" + (f" ({note})" if note else "")
               for student, source, note in self.taken]
        out += [f"skipped {source}: {reason}" for source, reason in self.skipped]
        out.append(f"{len(self.taken)} submission(s) collected, {len(self.skipped)} skipped")
        return out


@dataclass
class _File:
    """One file of the source, as a row of the table reads it."""

    path: str                 # inside the source, as it is named there
    read: object              # () -> bytes; None for an empty folder (a student, no file)
    zip_date: datetime | None  # the zip entry's date, in UTC, when it counts
    row: str
    groups: dict

    @property
    def name(self):
        """The file's own name: file_id, with the file's extension when file_id has none."""
        file_id = self.groups.get("file_id")
        if not file_id:
            return None
        suffix = PurePosixPath(self.path).suffix
        return file_id if not suffix or file_id.endswith(suffix) else file_id + suffix

    @property
    def base(self):
        return PurePosixPath(self.name).name if self.name else None

    @property
    def is_notebook(self):
        return bool(self.name) and self.path.lower().endswith(".ipynb")

    @property
    def version(self):
        """Newer versions of one file compare greater: its attempt number, then its date."""
        attempt = self.groups.get("attempt") or ""
        return (int(attempt) if attempt.isdigit() else 0, self.zip_date or datetime.min)


def student_id(raw):
    """A safe student id: ASCII letters, digits, '.', '-' and '_' (accents dropped, spaces '_')."""
    ascii_text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_text.strip()).strip("._")


def collect(course, assignment, source, patterns=None):
    """Copy the submissions in source (folder or zip) into course's submitted/; return a report.

    patterns: a CollectPatterns (default: the course's nbgrader_config.py)."""
    source = Path(source)
    patterns = patterns or CollectPatterns.of(course)
    table, zone = patterns.table(), patterns.zone()
    notebook = f"{course.notebook_name(assignment)}.ipynb"
    if source.is_dir():
        entries, skipped = _from_folder(source)
    elif source.is_file() and source.suffix.lower() == ".zip":
        entries, skipped = _from_zip(source, zone)
    else:
        raise CollectError(f"{source}: not a folder of student folders nor a .zip file")
    report = CollectReport(skipped=skipped)
    names = ", ".join(name for name, _ in table)
    students = {}  # (student id as named, LMS user id) -> [_File]
    for path, read, zip_date in entries:
        found = patterns.match(path.replace("\\", "/"), table)
        if found is None:
            report.skipped.append((path, f"matches none of the collect patterns ({names})"))
            continue
        row, groups = found
        dated = zip_date if row not in patterns.zip_dates_ignored else None
        identity = (groups["student_id"] or "", groups.get("user_id") or "")
        students.setdefault(identity, []).append(_File(path, read, dated, row, groups))
    submitted = (course.root / "submitted").resolve()
    owners = {}
    for (raw_id, user), files in sorted(students.items()):
        shown = f"{raw_id} (user {user})" if user else raw_id
        sid = student_id(raw_id)
        if not sid:
            report.skipped.append((shown, "no usable student id in the name"))
            continue
        if sid in owners:  # two students would share one folder: never merge them
            report.skipped.append((shown, f"student ids {owners[sid]!r} and {shown!r} both "
                                          f"become {sid!r}: rename one and collect again"))
            continue
        owners[sid] = shown
        target = course.submitted(sid, assignment)
        if not target.resolve().is_relative_to(submitted):
            report.skipped.append((shown, f"{target} leads out of submitted/: not written"))
            continue
        _collect_student(course, assignment, sid, raw_id, files, notebook, zone, target, report)
    return report


def _collect_student(course, assignment, sid, raw_id, files, notebook, zone, target, report):
    notes = [f"student id {raw_id!r} stored as {sid!r}"] if sid != raw_id else []
    chosen, when, considered = _choose(files, notebook, zone, notes, report.skipped)
    if chosen is None:  # still a submission: grading reports it as missing its notebook
        target.mkdir(parents=True, exist_ok=True)
        present = [f.path for f in considered if f.read is not None]
        empty = [f.path.rstrip("/") + "/ (empty)" for f in files if f.read is None]
        report.skipped.append((", ".join(present or empty), f"{sid}: " + "; ".join(notes)))
        return
    try:
        content = chosen.read()
    except (OSError, ValueError, RuntimeError, zipfile.BadZipFile) as error:
        report.skipped.append((chosen.path, f"{sid}: cannot be read ({error})"))
        return
    path = target / notebook
    stamp = target / TIMESTAMP
    unchanged = path.is_file() and not path.is_symlink() and path.read_bytes() == content
    if unchanged:
        notes.append("unchanged since the last collection")
    else:
        if path.exists() or path.is_symlink():
            notes.append("replaced the earlier submission")
            path.unlink()
        target.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    if when is not None:
        stamp.unlink(missing_ok=True)
        stamp.write_text(_utc_text(when) + "\n")
    elif not unchanged and (stamp.exists() or stamp.is_symlink()):
        stamp.unlink()  # the earlier submission's time is not this one's
    _copy_release(course.release(assignment), target)
    if chosen.groups.get("late"):
        notes.append(f"{chosen.row} marks it late")
    report.taken.append((sid, chosen.path, "; ".join(notes)))


@dataclass
class _Submission:
    """A student's files that share one timestamp (all of them when the names carry none)."""

    stamp: str                 # the timestamp as the names write it ("" for none)
    named: datetime | None     # that timestamp in UTC, when it is a date
    files: list

    @property
    def order(self):
        """Newer submissions compare greater: by the names' timestamp, else the zip's dates."""
        when = self.named or max((f.zip_date for f in self.files if f.zip_date), default=None)
        return (when is not None, when or datetime.min, self.stamp)


def _choose(files, notebook, zone, notes, skipped):
    """(the notebook of the student's newest submission, its UTC timestamp or None, the files
    considered). What else is skipped goes to skipped, what was decided to notes."""
    by_stamp = {}
    for file in files:
        if file.read is not None:
            by_stamp.setdefault(file.groups.get("timestamp") or "", []).append(file)
    submissions = []
    for stamp, members in by_stamp.items():
        named = None
        if stamp:
            try:
                named = _parse_time(stamp, zone)
            except (ValueError, OverflowError):
                notes.append(f"timestamp {stamp!r} is not a date")
        submissions.append(_Submission(stamp, named, members))
    submissions.sort(key=lambda s: s.order, reverse=True)  # newest first
    for index, submission in enumerate(submissions):
        if not any(f.is_notebook for f in submission.files):
            continue
        latest = _latest_versions(submission.files, skipped)
        chosen = _pick(latest, notebook, notes, skipped)
        taken = chosen.path if chosen else "the newest submission"
        for newer in submissions[:index]:
            skipped.extend((f.path, f"newer submission without a notebook: took {taken} "
                                    "instead") for f in newer.files)
        for older in submissions[index + 1:]:
            skipped.extend((f.path, f"older submission: took {taken} instead")
                           for f in older.files)
        if chosen is None:
            return None, None, latest
        return chosen, _timestamp(chosen, submission, latest, notes), latest
    extra = sorted(f.path for f in files if f.read is not None and f.name)
    if extra:
        notes.append(f"ignored {len(extra)} extra file(s): {', '.join(extra)}")
    notes.append(f"expected {notebook}, found no notebook")
    return None, None, files


def _latest_versions(members, skipped):
    """The submission's files, one per file name (its newest version); older copies skipped."""
    by_name, latest = {}, []
    for file in members:
        if file.base is None:
            latest.append(file)  # a record of the submission (a receipt): never versioned
        else:
            by_name.setdefault(file.base, []).append(file)
    for copies in by_name.values():
        copies.sort(key=lambda f: (f.version, -f.path.count("/"), f.path), reverse=True)
        newest = copies[0]
        latest.append(newest)
        for older in copies[1:]:
            reason = "older submission" if older.version < newest.version \
                else f"another copy of {newest.base}"
            skipped.append((older.path, f"{reason}: took {newest.path} instead"))
    return sorted(latest, key=lambda f: f.path)


def _pick(latest, notebook, notes, skipped):
    """The notebook among one submission's files (what was decided in notes), or None."""
    notebooks = [f for f in latest if f.is_notebook]
    exact = [f for f in notebooks if f.base == notebook] \
        or [f for f in notebooks if f.base.endswith(f"_{notebook}")]
    chosen = max(exact, key=lambda f: (f.version, f.path)) if exact \
        else notebooks[0] if len(notebooks) == 1 else None
    for other in exact:
        if other is not chosen:  # one notebook under several names: the newest is taken
            skipped.append((other.path, f"another copy of {notebook}: took {chosen.path} "
                                        "instead"))
    extra = sorted(f.path for f in latest
                   if f.name and f.base != TIMESTAMP and all(f is not e for e in exact)
                   and f is not chosen and (chosen is not None or not f.is_notebook))
    if extra:
        notes.append(f"ignored {len(extra)} extra file(s): {', '.join(extra)}")
    if chosen is None:
        names = ", ".join(sorted(f.path for f in notebooks)) or "no notebook"
        notes.append(f"expected {notebook}, found {names}")
    elif not exact:
        notes.append(f"notebook {chosen.base!r} taken as {notebook}")
    return chosen


def _timestamp(chosen, submission, latest, notes):
    """When the chosen notebook was submitted, in UTC: the names' timestamp, else nbgrader's
    timestamp.txt submitted with it, else its zip entry's date; None when nothing says."""
    if submission.named is not None:
        return submission.named
    for record in (f for f in latest if f.base == TIMESTAMP):
        try:
            return parse_utc(record.read().decode("utf-8").strip())
        except (OSError, ValueError, UnicodeDecodeError, OverflowError):
            notes.append(f"{record.path} is not a timestamp nbgrader reads")
    return chosen.zip_date


def _parse_time(text, zone):
    """A timestamp as naive UTC; one that names no time zone is in zone. ValueError if none."""
    digits = _DIGITS.fullmatch(text.strip())
    when = datetime(*map(int, digits.groups())) if digits else dateutil.parser.parse(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)
    return when.astimezone(UTC).replace(tzinfo=None)


def _utc_text(when):
    """The format of nbgrader's timestamp.txt (read back by nbgrader.utils.parse_utc)."""
    return f"{when:%Y-%m-%d %H:%M:%S} UTC"


def _copy_release(release, target):
    """The release's files but its notebooks (cases.json, coursetools/), beside the notebook."""
    if not release.is_dir():
        return
    for item in sorted(release.iterdir()):
        if item.name in IGNORED or item.suffix == ".ipynb":
            continue
        destination = target / item.name
        if destination.is_symlink() or (destination.exists() and not destination.is_dir()):
            destination.unlink()
        if item.is_dir():
            if destination.is_dir():
                shutil.rmtree(destination)
            shutil.copytree(item, destination, ignore=shutil.ignore_patterns(*IGNORED))
        else:
            shutil.copyfile(item, destination)


def _junk(parts):
    return any(part in JUNK for part in parts)


def _read_regular(path):
    """A reader of path's bytes that never follows a link nor blocks on a special file."""
    def read():
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ValueError("not a regular file")
            with os.fdopen(os.dup(fd), "rb") as handle:
                return handle.read()
        finally:
            os.close(fd)
    return read


def _from_folder(folder):
    """([(path, reader, None)], [(path, reason)]): the folder's files, its empty top-level
    folders (reader None), and what is skipped (links, special files)."""
    entries, skipped, tops = [], [], set()
    for root, dirs, files in os.walk(folder, followlinks=False):
        here = Path(root)
        relative = here.relative_to(folder)
        for name in sorted(dirs):
            if os.path.islink(here / name):
                skipped.append(((relative / name).as_posix() + "/",
                                 "a symbolic link: not followed"))
        dirs[:] = sorted(d for d in dirs if d not in JUNK and not os.path.islink(here / d))
        for name in sorted(files):
            path = here / name
            shown = (relative / name).as_posix()
            if name in JUNK:
                continue
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                skipped.append((shown, "a symbolic link: not followed"))
            elif not stat.S_ISREG(info.st_mode):
                skipped.append((shown, "not a regular file"))
            else:
                entries.append((shown, _read_regular(path), None))
                tops.add(relative.parts[0] if relative.parts else None)
    if not entries and not skipped:
        raise CollectError(f"{folder} is empty: no submissions in it")
    for top in sorted(p.name for p in folder.iterdir()
                      if p.is_dir() and not p.is_symlink() and p.name not in JUNK):
        if top not in tops:
            entries.append((f"{top}/", None, None))
    return entries, skipped


def _from_zip(path, zone):
    """As _from_folder, for a zip; the date of each entry (UTC) comes with it."""
    try:
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.infolist()
                   if not _junk(PurePosixPath(m.filename.replace("\\", "/")).parts)]
    except zipfile.BadZipFile as error:
        raise CollectError(f"{path}: not a valid zip file ({error})") from None
    files = [m for m in members if not m.is_dir()]
    if not files:
        raise CollectError(f"{path} is empty: no submissions in it")
    try:
        bad = archive.testzip()
    except (RuntimeError, NotImplementedError, zipfile.BadZipFile) as error:
        raise CollectError(f"{path}: cannot be read ({error})") from None
    if bad is not None:
        raise CollectError(f"{path}: corrupt zip (bad CRC in {bad})")
    entries, skipped = [], []
    for member in files:
        if stat.S_ISLNK(member.external_attr >> 16):
            skipped.append((member.filename, "a symbolic link: not followed"))
            continue
        entries.append((member.filename, lambda m=member: archive.read(m),
                        _entry_date(member, zone)))
    tops = {PurePosixPath(m.filename.replace("\\", "/")).parts[0] for m in files}
    for member in members:
        parts = PurePosixPath(member.filename.replace("\\", "/")).parts
        if member.is_dir() and len(parts) == 1 and parts[0] not in tops:
            entries.append((member.filename, None, None))
    return entries, skipped


def _entry_date(member, zone):
    """The zip entry's date in UTC (zip dates name no time zone), or None for zip's "no date"."""
    if member.date_time <= (1980, 1, 1, 0, 0, 0):
        return None
    try:
        when = datetime(*member.date_time, tzinfo=zone)
    except ValueError:
        return None
    return when.astimezone(UTC).replace(tzinfo=None)
