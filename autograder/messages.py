"""The message catalogues of everything the autograder tells students, made with Babel.

Two gettext domains: "coursetools" (the checks, the catalogue of mistakes, the hidden tests,
in autograder/coursetools/locale/, shipped to students) and "autograder" (the grader's own
messages and the feedback pages, in autograder/locale/). For each: the template
<domain>.pot extracted from the code (messages marked `_(...)` or `N_(...)`), one
<language>/LC_MESSAGES/<domain>.po per language with the translations, and its compiled .mo.

    python -m autograder.messages   # refresh the templates, merge them into the .po files
                                    # (new messages untranslated, changed ones fuzzy), compile
"""

import io
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
TRANSLATED = ("zh",)
DOMAINS = {
    "coursetools": (PACKAGE / "coursetools" / "locale",
                    ("coursetools/*.py", "hidden.py", "cases/*.py")),
    "autograder": (PACKAGE / "locale", ("grading/execute.py", "grading/feedback.py")),
}
WIDTH = 100
DATES = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date): .*\n', re.M)


def described(catalog, domain, language=None):
    """catalog with the course's header (instead of Babel's placeholders)."""
    catalog.project, catalog.version = "backprop course", "1"
    catalog.copyright_holder = catalog.last_translator = "the course's authors"
    catalog.msgid_bugs_address = "the course's instructors"
    catalog.header_comment = (f"# Messages of the course ({domain}), "
                              + (f"in {language}." if language else "extracted from the code.")
                              + "\n# Made and compiled by autograder/messages.py.")
    if language:
        catalog.language_team = language
    catalog.fuzzy = False
    return catalog


def sources(domain):
    """The files of the package whose messages belong to domain, in a fixed order."""
    return [path for pattern in DOMAINS[domain][1] for path in sorted(PACKAGE.glob(pattern))]


def extract(domain):
    """The template catalogue of domain: every marked message of its sources."""
    catalog = described(Catalog(domain=domain, charset="utf-8"), domain)
    for path in sources(domain):
        where = path.relative_to(ROOT).as_posix()
        for _line, message, _comments, _context in extract_from_file("python", path):
            catalog.add(message, locations=[(where, None)])
    return catalog


def template_path(domain):
    return DOMAINS[domain][0] / f"{domain}.pot"


def catalogue_path(domain, language):
    return DOMAINS[domain][0] / language / "LC_MESSAGES" / f"{domain}.po"


def po_text(catalog):
    """A catalogue as .po text, written the one way this module writes it."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=WIDTH, include_lineno=False, ignore_obsolete=True)
    return buffer.getvalue().decode("utf-8")


def without_dates(text):
    """.po text without the header's dates, which change at every extraction."""
    return DATES.sub("", text)


def _write(path, text):
    """Write text to path unless the file says the same but for its dates."""
    if not path.exists() or without_dates(path.read_text(encoding="utf-8")) != without_dates(text):
        path.write_text(text, encoding="utf-8")


def read_catalogue(path, language=None):
    with open(path, "rb") as file:
        return read_po(file, locale=language)


def compiled(catalog):
    """The .mo bytes of a catalogue (fuzzy translations left out)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def update(domain):
    """Refresh domain's template and merge it into each language's catalogue; compile them.
    Return {language: number of messages still to translate}."""
    template = extract(domain)
    template_path(domain).parent.mkdir(parents=True, exist_ok=True)
    _write(template_path(domain), po_text(template))
    left = {}
    for language in TRANSLATED:
        path = catalogue_path(domain, language)
        catalog = read_catalogue(path, language) if path.exists() else \
            Catalog(locale=language, domain=domain)
        catalog.update(template)
        described(catalog, domain, language)
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(path, po_text(catalog))
        catalog = read_catalogue(path, language)  # as written
        path.with_suffix(".mo").write_bytes(compiled(catalog))
        left[language] = sum(1 for m in catalog if m.id and (not m.string or m.fuzzy))
    return left


if __name__ == "__main__":
    for name in DOMAINS:
        for language, count in update(name).items():
            print(f"{catalogue_path(name, language).relative_to(ROOT)}: {count} to translate")
