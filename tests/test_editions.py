"""The Chinese edition: built from the English sources and a catalogue, and kept in step.

The catalogues hold exactly the texts the notebooks have, every one translated, formulas and
code untouched; the committed notebooks-zh/ equals a fresh `release --lang zh`, cell for cell
the English release but for the texts; nbgrader accepts both; a Chinese submission is graded
exactly like an English one.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import edition
from autograder.course import NOTEBOOKS, venv_env
from autograder.demo import make_course
from autograder.grading.export import export
from autograder.grading.grade import grade
from autograder.release import release_edition, translated_source
from autograder.sample_class import Student, notebook_of, solution_code

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = sorted(NOTEBOOKS)
CODE_SPAN = re.compile(r"`[^`\n]+`")
HAN = r"[\u4e00-\u9fff]"


def catalogue(assignment):
    return edition.read_catalogue("zh", assignment)


def source_notebook(assignment):
    return nbformat.read(ROOT / "solutions" / assignment / f"{NOTEBOOKS[assignment]}.ipynb",
                         as_version=4)


def release_notebook(folder, assignment):
    return nbformat.read(ROOT / folder / assignment / f"{NOTEBOOKS[assignment]}.ipynb",
                         as_version=4)


def messages(assignment):
    return [m for m in catalogue(assignment) if m.id]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_catalogue_holds_exactly_the_notebooks_texts(assignment):
    """`autograder translations` has nothing to add or drop: no text was changed in English
    without its translation being looked at again."""
    texts = {text for _, text in edition.texts(source_notebook(assignment))}
    assert {m.id for m in messages(assignment)} == texts


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_text_is_translated(assignment):
    untranslated = [m.id[:60] for m in messages(assignment) if not m.string or m.fuzzy]
    assert not untranslated
    words = [m for m in messages(assignment) if re.search(r"[A-Za-z]{3,}", m.id)]  # not "(N, Nc)"
    assert all(re.search(HAN, m.string) for m in words)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_translations_keep_formulas_code_and_structure(assignment):
    for m in messages(assignment):
        where = m.locations[0][0]
        assert edition.formulas(m.string) == edition.formulas(m.id), where
        assert sorted(CODE_SPAN.findall(edition.MATH.sub("", m.string))) == \
            sorted(CODE_SPAN.findall(edition.MATH.sub("", m.id))), where
        for tag in ("<details>", "</details>", "<summary>", "### BEGIN SOLUTION",
                    "### END SOLUTION"):
            assert m.string.count(tag) == m.id.count(tag), (where, tag)
        headings = [line.split(" ")[0] for line in m.id.splitlines() if line.startswith("#")]
        assert [line.split(" ")[0] for line in m.string.splitlines()
                if line.startswith("#")] == headings, where


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_chinese_prose_has_full_width_punctuation(assignment):
    for m in messages(assignment):
        prose = CODE_SPAN.sub("", edition.MATH.sub("", m.string))
        half_width = re.findall(rf"{HAN}[,;:?!]|[,;:?!]\s*{HAN}|{HAN}\.(?!\w)", prose)
        assert not half_width, (m.locations[0][0], half_width[:3])


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_chinese_release_is_the_english_one_but_for_the_texts(assignment):
    english = release_notebook("notebooks", assignment)
    chinese = release_notebook("notebooks-zh", assignment)
    assert chinese.metadata["autograder"] == {"language": "zh"}
    assert len(chinese.cells) == len(english.cells)
    for index, (en, zh) in enumerate(zip(english.cells, chinese.cells, strict=True)):
        assert zh.cell_type == en.cell_type, index
        meta = {k: v for k, v in en.metadata.get("nbgrader", {}).items() if k != "checksum"}
        assert {k: v for k, v in zh.metadata.get("nbgrader", {}).items()
                if k != "checksum"} == meta, index
        assert zh.metadata.get("tags") == en.metadata.get("tags"), index
        assert edition.formulas(zh.source) == edition.formulas(en.source), index
        if en.cell_type == "code":
            assert _code_without_texts(zh.source) == _code_without_texts(en.source), index


def _code_without_texts(source):
    for start, end, _ in reversed(edition.code_texts(source)):
        source = source[:start] + source[end:]
    return source


def test_committed_chinese_release_equals_a_fresh_one(tmp_path):
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions", symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    shutil.copytree(ROOT / "translations", tmp_path / "translations")
    release_edition("zh", root=tmp_path)
    folder = "notebooks-zh"
    fresh = {p.relative_to(tmp_path / folder): p for p in (tmp_path / folder).rglob("*")
             if p.is_file() and "__pycache__" not in p.parts}
    committed = {p.relative_to(ROOT / folder): p for p in (ROOT / folder).rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts}
    assert sorted(fresh) == sorted(committed)
    stale = [str(name) for name in fresh
             if fresh[name].read_bytes() != committed[name].read_bytes()]
    assert stale == [], "stale files, run `make release LANG=zh`"


def nbgrader_validate(path, *flags):
    return subprocess.run([sys.executable, "-m", "nbgrader", "validate", *flags, str(path)],
                          cwd=path.parent, env=venv_env(), capture_output=True, text=True,
                          timeout=600)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_nbgrader_validates_the_chinese_solution_and_fails_the_chinese_release(assignment,
                                                                                tmp_path):
    translated_source("zh", assignment, tmp_path / assignment)
    solution = nbgrader_validate(tmp_path / assignment / f"{NOTEBOOKS[assignment]}.ipynb")
    assert "Success! Your notebook passes all the tests." in solution.stdout, solution.stdout
    release = ROOT / "notebooks-zh" / assignment / f"{NOTEBOOKS[assignment]}.ipynb"
    inverted = nbgrader_validate(release, "--invert")
    assert "Success! The notebook does not pass any tests." in inverted.stdout, inverted.stdout


def test_a_chinese_submission_is_graded_like_an_english_one(tmp_path):
    """Solutions and blanks in both editions, every assignment, one class run each: the same
    points and statuses, no flags (a translated locked cell is not an edited one)."""
    course = make_course(tmp_path / "course", ASSIGNMENTS)
    shutil.copytree(ROOT / "notebooks-zh", course.root / "notebooks-zh")
    for assignment, name in NOTEBOOKS.items():
        for language, folder in (("en", "notebooks"), ("zh", "notebooks-zh")):
            released = nbformat.read(course.root / folder / assignment / f"{name}.ipynb",
                                     as_version=4)
            translated_source("zh", assignment, tmp_path / "zh" / assignment)
            source = (course.source(assignment) if language == "en"
                      else tmp_path / "zh" / assignment) / f"{name}.ipynb"
            for student in (Student(f"perfect-{language}"),
                            Student(f"blank-{language}", base="blank")):
                path = course.submitted(student.id, assignment) / f"{name}.ipynb"
                path.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(notebook_of(student, released, solution_code(source)), path)
            shutil.rmtree(tmp_path / "zh")
        outcomes = grade(course, assignment, jobs=2, progress=False)
        assert {s: (o.status, o.flags) for s, o in outcomes.items()} == {
            "blank-en": ("blank", []), "blank-zh": ("blank", []),
            "perfect-en": ("graded", []), "perfect-zh": ("graded", [])}
    rows = export(course, ASSIGNMENTS, tmp_path / "grades.csv")
    totals = {(r["assignment"], r["student"]): r["total"] for r in rows}
    for assignment in ASSIGNMENTS:
        assert totals[(assignment, "perfect-zh")] == totals[(assignment, "perfect-en")] != "0"
        assert totals[(assignment, "blank-zh")] == totals[(assignment, "blank-en")] == "0"
