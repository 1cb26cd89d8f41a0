"""The grader's own messages a student reads, in the submission's language: gettext domain
"autograder", catalogues in autograder/locale/.

The language is chosen with coursetools.i18n.language (for the course's checks too); a
submission's is its edition's (edition.edition_of), read before nbgrader clears the notebook's
metadata.
"""

import gettext
from functools import cache
from pathlib import Path

from ..coursetools.i18n import current_language

DOMAIN = "autograder"
LOCALE = Path(__file__).resolve().parent.parent / "locale"


@cache
def translation(language):
    return gettext.translation(DOMAIN, localedir=LOCALE, languages=[language], fallback=True)


def _(message):
    """message in the current language (coursetools.i18n.language)."""
    return translation(current_language()).gettext(message)
