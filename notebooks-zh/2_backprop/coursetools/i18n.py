"""The language of the messages students get: English, or Chinese in the Chinese edition.

A message is marked `_("...")` where it is used, or `N_("...")` where it is only defined (it
is translated by `_` when it is used). The translations are gettext catalogues,
locale/<language>/LC_MESSAGES/coursetools.mo. The language is the one named in the file
LANGUAGE beside this module, which the Chinese release ships, else English; the grader
chooses it per submission with `language(...)`.
"""

import gettext
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "zh")
DOMAIN = "coursetools"
HERE = Path(__file__).parent  # the folder this module was imported from (its files may be links)


def supported(language):
    """language if the course has it, else English."""
    return language if language in LANGUAGES else "en"


def edition_language(folder=HERE):
    """The language named in folder/LANGUAGE, or English when there is no such file."""
    try:
        return supported((folder / "LANGUAGE").read_text(encoding="utf-8").strip())
    except OSError:
        return "en"


def locale_folder():
    """locale/ beside this module, or beside the module it links to."""
    here = HERE / "locale"
    return here if here.is_dir() else Path(__file__).resolve().parent / "locale"


EDITION = edition_language()
_current = ContextVar("language", default=None)


@cache
def translation(language):
    """The gettext translation of language (English: the messages as written)."""
    return gettext.translation(DOMAIN, localedir=locale_folder(), languages=[language],
                               fallback=True)


def current_language():
    return _current.get() or EDITION


@contextmanager
def language(name):
    """Messages in language name inside the block, as before after it."""
    token = _current.set(supported(name))
    try:
        yield
    finally:
        _current.reset(token)


def _(message):
    """message in the current language."""
    return translation(current_language()).gettext(message)


def N_(message):
    """message, marked for translation where it is used."""
    return message
