"""The course in another language, built from the English sources and a message catalogue.

Every text a student reads in a notebook is one message of its assignment's catalogue,
translations/<language>/<assignment>.po (gettext, read and written with Babel): a markdown
cell, a comment or a docstring of a code cell. Graded test cells are the same in every
edition and are not translated. `translate` puts each text's translation in its place and
leaves everything else (code, formulas, grade ids, metadata) as it is; a text without a
translation is an error that names it, so an edition cannot drift from its source.
"""

import ast
import io
import re
import tokenize
from pathlib import Path

import nbformat
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from .coursetools.i18n import supported

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
LANGUAGES = {"zh": "中文"}
NBGRADER_MARKERS = re.compile(r"^#+ (BEGIN|END) (SOLUTION|HIDDEN TESTS)$")
MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+?\$", re.DOTALL)


class UntranslatedError(Exception):
    """Texts of a notebook have no translation in the catalogue."""


def catalogue_path(language, assignment, root=ROOT):
    return root / "translations" / language / f"{assignment}.po"


def _graded_test(cell):
    return cell.metadata.get("nbgrader", {}).get("grade", False) and cell.cell_type == "code"


def code_texts(source):
    """[(start, end, text)] of the comments and docstrings of Python source, as offsets.

    A comment's text is what follows "# "; a docstring's is what lies between its quotes.
    nbgrader's markers (### BEGIN SOLUTION ...) are code, not text.
    """
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(row, col):
        return starts[row - 1] + col

    def byte_offset(row, col):  # ast counts columns in UTF-8 bytes
        return starts[row - 1] + len(lines[row - 1].encode()[:col].decode())

    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and not NBGRADER_MARKERS.match(token.string):
            text = token.string.lstrip("#").strip()
            if text and not text.startswith("noqa"):
                end = offset(*token.end)
                found.append((end - len(token.string.lstrip("#").lstrip()), end, text))
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Module)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            string = body[0].value
            start = byte_offset(string.lineno, string.col_offset)
            end = byte_offset(string.end_lineno, string.end_col_offset)
            quote = source[start:start + 3] if source[start:start + 3] in ('"""', "'''") \
                else source[start]
            found.append((start + len(quote), end - len(quote), string.value))
    return sorted(found)


def cell_texts(cell):
    """[(start, end, text)] of the texts a student reads in a cell: a markdown cell whole, the
    comments and docstrings of a code cell (none in a graded test)."""
    if cell.cell_type == "markdown":
        return [(0, len(cell.source), cell.source)] if cell.source.strip() else []
    if cell.cell_type == "code" and not _graded_test(cell):
        return code_texts(cell.source)
    return []


def texts(notebook):
    """[(cell index, text)] of every text a student reads in the notebook, in order."""
    return [(index, text) for index, cell in enumerate(notebook.cells)
            for _, _, text in cell_texts(cell)]


def translate(notebook, catalog, language):
    """A copy of the notebook with every text replaced by its translation in the catalogue.

    Raises UntranslatedError naming every text that has none (or only a fuzzy one).
    """
    notebook = nbformat.from_dict(notebook)
    missing = [text for _, text in texts(notebook) if _translation(catalog, text) is None]
    if missing:
        raise UntranslatedError(
            f"{len(missing)} text(s) have no {LANGUAGES[language]} translation, first: "
            + repr(missing[0][:120]))
    for cell in notebook.cells:
        source = cell.source
        for start, end, text in reversed(cell_texts(cell)):
            source = source[:start] + _translation(catalog, text) + source[end:]
        cell.source = source
    notebook.metadata["autograder"] = {"language": language}
    return notebook


def _translation(catalog, text):
    message = catalog.get(text)
    if message is None or not message.string or message.fuzzy:
        return None
    return message.string


def read_catalogue(language, assignment, root=ROOT):
    path = catalogue_path(language, assignment, root)
    if not path.exists():
        return Catalog(locale=language)
    with open(path, "rb") as file:
        return read_po(file, locale=language)


def update_catalogue(language, assignment, notebook, root=ROOT):
    """Bring the assignment's catalogue up to date with the notebook; return what changed.

    New texts are added untranslated, texts gone are dropped, a text that changed keeps its
    old translation marked fuzzy (to be checked and the mark removed).
    """
    template = Catalog(locale=language)
    for index, text in texts(notebook):
        template.add(text, locations=[(f"{assignment}.ipynb#cell-{index}", None)])
    catalog = read_catalogue(language, assignment, root)
    before = {m.id for m in catalog if m.id}
    catalog.update(template)
    catalog.obsolete.clear()
    path = catalogue_path(language, assignment, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as file:
        write_po(file, catalog, width=100, omit_header=True, sort_output=False)
    after = {m.id for m in catalog if m.id}
    untranslated = sum(1 for m in catalog if m.id and (not m.string or m.fuzzy))
    return {"added": len(after - before), "removed": len(before - after),
            "untranslated": untranslated, "path": path}


def edition_of(notebook):
    """The language of a notebook's edition: its metadata's, English when it has none."""
    settings = notebook.metadata.get("autograder")
    return supported(settings.get("language") if isinstance(settings, dict) else None)


def formulas(text):
    """The sorted list of every $…$ and $$…$$ in a text (they must not change)."""
    return sorted(MATH.findall(text))
