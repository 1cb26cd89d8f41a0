"""Collect submissions as an instructor receives them into nbgrader's submitted/ layout.

Two sources are understood: a folder of per-student folders (folder name = student id), or
the zip an LMS exports, one notebook per student with the student id before the first "_"
of the file name (`<student id>_<anything>.ipynb`). The source is only read. Every file
taken, skipped or renamed is reported with the reason.
"""

import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


class CollectError(Exception):
    """The source as a whole cannot be collected (a missing folder, an empty or corrupt zip)."""


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


def student_id(raw):
    """A safe student id: ASCII letters, digits, '.', '-' and '_' (accents dropped, spaces '_')."""
    ascii_text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_text.strip()).strip("._")


def collect(course, assignment, source):
    """Copy the submissions in source (folder or zip) into course's submitted/; return a report."""
    source = Path(source)
    notebook = f"{course.notebook_name(assignment)}.ipynb"
    if source.is_dir():
        found = _from_folder(source)
    elif source.is_file() and source.suffix.lower() == ".zip":
        found = _from_zip(source)
    else:
        raise CollectError(f"{source}: not a folder of student folders nor a .zip file")
    report = CollectReport(skipped=found.pop("", []))
    raw_ids = {}
    for raw_id, files in sorted(found.items()):
        sid = student_id(raw_id)
        if not sid:
            report.skipped.append((raw_id, "no usable student id in the name"))
            continue
        if sid in raw_ids:  # two students would share one folder: take neither silently
            report.skipped.append((raw_id, f"student ids {raw_ids[sid]!r} and {raw_id!r} both "
                                           f"become {sid!r}: rename one and collect again"))
            continue
        raw_ids[sid] = raw_id
        notes = [f"student id {raw_id!r} stored as {sid!r}"] if sid != raw_id else []
        target = course.submitted(sid, assignment) / notebook
        chosen = _choose(files, notebook, notes)
        if chosen is None:  # still a submission: grading reports it as missing its notebook
            target.parent.mkdir(parents=True, exist_ok=True)
            report.skipped.append((", ".join(n for n, _ in files) or f"{raw_id}/ (empty)",
                                   f"{sid}: " + "; ".join(notes)))
            continue
        name, read = chosen
        content = read()
        if target.exists() and target.read_bytes() == content:
            notes.append("unchanged since the last collection")
        else:
            if target.exists():
                notes.append("replaced the earlier submission")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        report.taken.append((sid, name, "; ".join(notes)))
    return report


def _choose(files, notebook, notes):
    """The (name, reader) of the student's notebook among their files, or None (said in notes)."""
    notebooks = [(n, r) for n, r in files if n.lower().endswith(".ipynb")]
    extra = [n for n, _ in files if not n.lower().endswith(".ipynb")]
    if extra:
        notes.append(f"ignored {len(extra)} extra file(s): {', '.join(sorted(extra))}")
    exact = [(n, r) for n, r in notebooks
             if PurePosixPath(n).name == notebook or n.endswith(f"_{notebook}")]
    if exact:
        return exact[-1]
    if len(notebooks) == 1:
        notes.append(f"notebook {PurePosixPath(notebooks[0][0]).name!r} taken as {notebook}")
        return notebooks[0]
    names = ", ".join(sorted(n for n, _ in notebooks)) or "no notebook"
    notes.append(f"expected {notebook}, found {names}")
    return None


def _from_folder(folder):
    """{student id: [(file name, reader)]}; '' holds (name, reason) of what was skipped."""
    found = {"": []}
    for entry in sorted(folder.iterdir()):
        if entry.is_dir():
            files = [p for p in sorted(entry.rglob("*")) if p.is_file()
                     and ".ipynb_checkpoints" not in p.parts]
            found[entry.name] = [(str(p.relative_to(folder)), p.read_bytes) for p in files]
        elif entry.suffix.lower() == ".ipynb" and "_" in entry.name:
            found.setdefault(entry.name.split("_", 1)[0], []).append((entry.name, entry.read_bytes))
        else:
            found[""].append((entry.name, "not a student folder nor <student id>_<name>.ipynb"))
    return found


def _from_zip(path):
    try:
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.infolist() if not m.is_dir()
                   and not m.filename.startswith("__MACOSX/")]
    except zipfile.BadZipFile as error:
        raise CollectError(f"{path}: not a valid zip file ({error})") from None
    if not members:
        raise CollectError(f"{path} is empty: no submissions in it")
    bad = archive.testzip()
    if bad is not None:
        raise CollectError(f"{path}: corrupt zip (bad CRC in {bad})")
    found = {"": []}
    for member in members:
        name = PurePosixPath(member.filename).name
        if not name.lower().endswith(".ipynb") or "_" not in name:
            found[""].append((member.filename,
                              "not a notebook named <student id>_<anything>.ipynb"))
            continue
        found.setdefault(name.split("_", 1)[0], []).append(
            (member.filename, lambda m=member: archive.read(m)))
    return found
