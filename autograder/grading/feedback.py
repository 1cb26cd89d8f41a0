"""Feedback for students: one HTML page per student and notebook, readable offline.

A submission nbgrader autograded (graded, timed out, kernel died, ...) gets nbgrader's
feedback, rendered with the course's template (templates/feedback/index.html.j2): each graded
cell named by its exercise in the header, a banner at the top when grading stopped some of
the student's code, markdown cleaned of anything that would run or load from elsewhere, and
MathJax from feedback/_static/mathjax, a copy made once from the jupyter-server-mathjax
package. The pages point at it relatively, so the feedback folder works when zipped and
handed back; no page makes a network request.

A submission nbgrader never graded (broken, missing, failed) gets a small page of its own at
the same place, saying what happened and what to do.

Every page is in the language of the submission's edition (saved with its status), English
when unknown: the fixed texts are messages of the gettext domain "autograder" (language.py).
"""

import html
import importlib.metadata
import importlib.util
import re
import shutil
import warnings
from pathlib import Path

import bleach
import nbformat
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor, Preprocessor
from nbgrader.preprocessors import GetGrades
from traitlets import Bool, Dict

from ..coursetools.i18n import LANGUAGES, N_, current_language, language
from .grade import (
    BLANK,
    BROKEN,
    FAILED,
    GRADED,
    KERNEL_DIED,
    MISSING,
    NOT_SUBMITTED,
    SYNTAX_ERROR,
    TIMED_OUT,
)
from .language import _
from .student import StudentProcessError, TimedOut

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = "_static"  # in the feedback folder, beside the students' folders
MATHJAX_PACKAGE = "jupyter-server-mathjax"
# Left out of the copy: the SVG output's fonts (the package has no SVG output to use them) and
# the translations of MathJax's menu.
MATHJAX_LEFT_OUT = ("jax/output/SVG", "localization")
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"  # the combined configuration it ships
# A page is feedback/<student>/<assignment>/<notebook>.html: two folders below the copy.
MATHJAX_URL = f"../../{STATIC}/mathjax/MathJax.js?config={MATHJAX_CONFIG}"

# What a student reads when grading could not use the notebook: (title, what to do).
NOT_GRADED = {
    BROKEN: (N_("Your notebook could not be opened"),
             N_("The file you handed in is not a notebook that Jupyter can open: it may have "
                "been cut short while saving, edited outside Jupyter, or be another kind of "
                "file. Open it in JupyterLab to check, save it with File → Save Notebook, and "
                "hand in that .ipynb file again (not renamed, not zipped). Ask your instructor "
                "if the deadline has passed.")),
    MISSING: (N_("No notebook was found in your submission"),
              N_("Hand in your notebook, {notebook}.ipynb, with your answers in it: the file "
                 "itself, under that name. Ask your instructor if the deadline has passed.")),
    FAILED: (N_("Your notebook could not be graded automatically"),
             N_("This is a problem on the grading side, not necessarily in your work: your "
                "instructor has been told and will look at your notebook. Keep your copy of "
                "it; you do not need to hand it in again.")),
    NOT_SUBMITTED: (N_("Nothing was handed in"),
                    N_("No submission of yours was received for this assignment. Ask your "
                       "instructor if you believe you handed one in.")),
}
OTHER = (N_("Your notebook was not graded"), N_("Ask your instructor what to do."))
# A banner above the feedback when grading stopped some of the student's code.
STOPPED = {
    TIMED_OUT: N_("Some of your code ran for too long."),
    KERNEL_DIED: N_("The process running your notebook stopped."),
}
# The statuses as a student reads them.
STATUS_NAMES = {
    GRADED: N_("graded"), TIMED_OUT: N_("timed out"), KERNEL_DIED: N_("kernel died"),
    BLANK: N_("blank"), SYNTAX_ERROR: N_("syntax error"), BROKEN: N_("broken submission"),
    MISSING: N_("missing notebook"), FAILED: N_("autograde failed"),
    NOT_SUBMITTED: N_("not submitted"),
}
HTML_LANGUAGES = {"en": "en", "zh": "zh-CN"}  # the pages' lang attribute


def status_name(status):
    """The status in the current language."""
    return _(STATUS_NAMES[status]) if status in STATUS_NAMES else status


def feedback(course, assignment, students):
    """Write feedback/<student>/<assignment>/<notebook>.html for each student (any status,
    from the course's statuses; a student without one is taken as graded); return the
    failures {student: [last line of the error]}."""
    statuses = course.load_statuses(assignment)
    notebook = course.notebook_name(assignment)
    install_mathjax(course.root / "feedback")
    failures = {}
    graded = []
    for student in students:
        saved = statuses.get(student, {})
        status = saved.get("status", GRADED)
        autograded = course.autograded(student, assignment) / f"{notebook}.ipynb"
        if status in NOT_GRADED or not autograded.exists():
            try:
                with language(saved.get("language", "en")):
                    write_status_page(course.feedback(student, assignment) / f"{notebook}.html",
                                      student, assignment, notebook, status,
                                      saved.get("detail", ""))
            except OSError as error:
                failures[student] = [f"{type(error).__name__}: {error}"]
        else:
            graded.append(student)
    if graded:
        api = course.api(**feedback_config(course, assignment, statuses))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for student in graded:
                with language(statuses.get(student, {}).get("language", "en")):
                    result = api.generate_feedback(assignment, student)
                if not result.get("success"):
                    failures[student] = (result.get("error") or "").strip().splitlines()[-1:]
    return failures


def feedback_config(course, assignment, statuses):
    """The nbgrader settings of the feedback: the course's template and its notes, the local
    MathJax."""
    name = f"{course.notebook_name(assignment)}.ipynb"
    names = {}
    for edition in LANGUAGES:  # the exercises' titles: from the edition's release
        notebook = course.release(assignment, edition) / name
        if edition == "en" or not notebook.exists():
            notebook = course.source(assignment) / name
        with language(edition):
            names[edition] = cell_names(notebook) if notebook.exists() else {}
    return {
        "HTMLExporter.extra_template_basedirs": [str(TEMPLATES)],
        "HTMLExporter.mathjax_url": MATHJAX_URL,
        "HTMLExporter.filters": {"clean_markdown": clean_markdown},
        "GenerateFeedback.preprocessors": [GetGrades, CSSHTMLHeaderPreprocessor, FeedbackNotes],
        "FeedbackNotes.names": names,
        "FeedbackNotes.statuses": {s: {"status": o.get("status", GRADED),
                                       "detail": o.get("detail", ""),
                                       "language": o.get("language", "en")}
                                   for s, o in statuses.items()},
    }


# --- MathJax ---------------------------------------------------------------------------------

def mathjax_source():
    """The MathJax 2 folder of the jupyter-server-mathjax package (imported by path only: its
    module would start loading Jupyter Server)."""
    spec = importlib.util.find_spec("jupyter_server_mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {MATHJAX_PACKAGE} package is missing: pip install "
                           f"{MATHJAX_PACKAGE} (a dependency of this course)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def install_mathjax(feedback_root):
    """Copy MathJax to feedback_root/_static/mathjax once (again when the package changed);
    return the folder."""
    target = Path(feedback_root) / STATIC / "mathjax"
    stamp = target / ".version"
    version = f"{MATHJAX_PACKAGE} {importlib.metadata.version(MATHJAX_PACKAGE)}\n"
    if stamp.exists() and stamp.read_text() == version and (target / "MathJax.js").exists():
        return target
    source = mathjax_source()
    if target.exists():
        shutil.rmtree(target)

    def left_out(folder, names):
        here = Path(folder).relative_to(source).as_posix()
        return [n for n in names if f"{here}/{n}".removeprefix("./") in MATHJAX_LEFT_OUT]

    shutil.copytree(source, target, ignore=left_out)
    stamp.write_text(version)
    return target


# --- what the template shows -----------------------------------------------------------------

def cell_names(source_notebook):
    """{grade_id: (name, exercise title)} of the graded cells of a notebook of the assignment:
    the name says what the cell is ("dJ_dU (test)", in the current language), the title is the
    heading of its section."""
    names, title = {}, ""
    for cell in nbformat.read(source_notebook, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and not (meta.get("solution") or meta.get("grade")):
            heading = re.match(r"#{1,6}\s+(.+)", cell.source.lstrip())
            if heading:
                title = heading.group(1).strip().strip("#").strip()
        if not (meta.get("grade") or meta.get("task")) or not meta.get("grade_id"):
            continue
        grade_id = meta["grade_id"]
        test = not (meta.get("task") or cell.cell_type == "markdown" or meta.get("solution"))
        if meta.get("task"):
            kind = _("task")
        elif cell.cell_type == "markdown":
            kind = _("written answer")
        elif meta.get("solution"):
            kind = _("code, graded by hand")
        else:
            kind = _("test")
        exercise = grade_id.removeprefix("test_") if test else grade_id
        names[grade_id] = (_("{exercise} ({kind})").format(exercise=exercise, kind=kind), title)
    return names


class FeedbackNotes(Preprocessor):
    """Puts in resources["feedback"] what the course's template shows beyond nbgrader's: the
    names of the graded cells and, when grading stopped some of the student's code, a banner;
    with the template's fixed texts, all in the student's language."""

    enabled = Bool(True)
    names = Dict(help="language -> grade_id -> (name, exercise title)").tag(config=True)
    statuses = Dict(help="student -> {'status', 'detail', 'language'}").tag(config=True)

    def preprocess(self, nb, resources):
        student = resources.get("nbgrader", {}).get("student")
        saved = self.statuses.get(student, {})
        edition = saved.get("language", "en")
        names = self.names.get(edition) or self.names.get("en", {})
        with language(edition):
            resources["feedback"] = {"names": {k: list(v) for k, v in names.items()},
                                     "banner": banner(nb, saved.get("status", GRADED),
                                                      saved.get("detail", "")),
                                     "text": template_texts(),
                                     "language": HTML_LANGUAGES.get(edition, "en")}
        return nb, resources



def template_texts():
    """The fixed texts of the feedback template, in the current language."""
    return {"task": _("Task"), "test_cell": _("Test cell"),
            "coding": _("Coding free-response"), "written": _("Written response"),
            "score": _("Score:"), "top": _("(Top)"), "comment": _("Comment"),
            "comments": _("Comments:"), "late": _("Late submission penalty"),
            "answer": _("Student's answer"), "student_task": _("Student's task:")}


def banner(nb, status, detail):
    """{'title', 'text'} for a submission whose grading stopped some code, else None."""
    if status == GRADED:
        return None
    detail = re.sub(r"\s*\[[^\]]*\]$", "", detail or "")  # the instructor's note on the sandbox
    if status in STOPPED:
        if status == TIMED_OUT:
            text = "; ".join(_stopped_cells(nb, TimedOut.ename)) or detail
        else:
            text = detail or "; ".join(_stopped_cells(nb, StudentProcessError.ename))
        if "graded" not in text and _(STATUS_NAMES[GRADED]) not in text:
            text = _("{text} — the other cells were graded.").format(text=text) if text else \
                _("The other cells were graded.")
        return {"title": _(STOPPED[status]), "text": text}
    return {"title": _("Grading status: {status}").format(status=status_name(status)),
            "text": detail}


def _stopped_cells(nb, ename):
    """What the grader wrote in the cells it stopped, cells with the same message together:
    ["cell dJ_dW stopped after 60 s: probably an infinite loop", ...]."""
    grouped = {}
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        count += 1
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        number = cell.get("execution_count") or count
        label = grade_id or f"cell {number}"  # how the grader's messages name the cell
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == ename:
                message = str(output.get("evalue", ""))
                rest = message[len(label):] if message.startswith(label) else f": {message}"
                names = grouped.setdefault(rest, [])
                name = _("cell {label}").format(label=grade_id or number)
                if name not in names:
                    names.append(name)
    return [f"{', '.join(names)}{rest}" for rest, names in grouped.items()]


# Markdown cells are rendered to HTML, student answers included: only markup that neither runs
# nor loads anything is kept (images only inline, as data: URLs).
ALLOWED_TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div",
                "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
                "kbd", "li", "ol", "p", "pre", "s", "samp", "span", "strong", "sub", "summary",
                "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"}


def _allowed_attribute(tag, name, value):
    if name in ("class", "id", "title", "align"):
        return True
    if tag == "a" and name == "href":
        return True
    if tag == "img" and name == "alt":
        return True
    if tag == "img" and name == "src":
        return value.lower().startswith("data:image/")
    return tag in ("td", "th") and name in ("colspan", "rowspan")


def clean_markdown(rendered):
    """The HTML of a rendered markdown cell without scripts, frames, forms, styles, event
    handlers nor remote images."""
    return bleach.clean(str(rendered), tags=ALLOWED_TAGS, attributes=_allowed_attribute,
                        protocols={"http", "https", "mailto", "data"}, strip=True,
                        strip_comments=True)


# --- the page of a submission nbgrader did not grade -----------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{heading}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5;
       max-width: 46em; margin: 2em auto; padding: 0 1em; color: #222; }}
.status {{ border-left: 6px solid #d2413a; background: #fbeeed; padding: 0.8em 1.2em; }}
.detail {{ font-family: ui-monospace, Menlo, Consolas, monospace; background: #f4f4f4;
          padding: 0.6em 0.8em; white-space: pre-wrap; overflow-wrap: anywhere; }}
dt {{ font-weight: bold; margin-top: 0.8em; }}
</style>
</head>
<body>
<h1>{heading}</h1>
<div class="status" id="status">
<dl>
<dt>{student_label}</dt><dd id="student">{student}</dd>
<dt>{notebook_label}</dt><dd>{notebook}.ipynb</dd>
<dt>{status_label}</dt><dd id="grading-status">{status}</dd>
<dt>{detail_label}</dt><dd><div class="detail" id="detail">{detail}</div></dd>
</dl>
</div>
<h2>{todo_label}</h2>
<p id="what-to-do">{todo}</p>
</body>
</html>
"""


def status_page(student, assignment, notebook, status, detail):
    """The HTML of the page of a submission that was not graded (every text escaped), in the
    current language."""
    title, todo = NOT_GRADED.get(status, OTHER)
    values = {"student": student, "assignment": assignment, "notebook": notebook,
              "status": status_name(status), "detail": detail or _("(no detail)"),
              "heading": _("{assignment}: {title}").format(assignment=assignment,
                                                           title=_(title)),
              "todo": _(todo).format(notebook=notebook),
              "lang": HTML_LANGUAGES.get(current_language(), "en"),
              "student_label": _("Student"), "notebook_label": _("Notebook"),
              "status_label": _("Grading status"), "detail_label": _("What happened"),
              "todo_label": _("What to do")}
    return PAGE.format(**{k: html.escape(str(v)) for k, v in values.items()})


def write_status_page(path, student, assignment, notebook, status, detail):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(status_page(student, assignment, notebook, status, detail),
                    encoding="utf-8")
