"""Feedback pages: every student gets one, each says what happened in plain words, none loads
anything from the network, and MathJax (copied into feedback/_static) typesets the formulas.

A tiny class is graded for real (a perfect student, an infinite loop in dJ_dW, a notebook
with broken JSON, a folder without the notebook), then the feedback of every student with a
status is written. The browser test opens pages in headless Chromium with every request that
is not a local file aborted (skips without /usr/bin/chromium, like tests/test_browser.py).
"""

import html
import os
import re
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

from autograder.demo import make_course
from autograder.grading.feedback import (
    MATHJAX_URL,
    banner,
    clean_markdown,
    feedback,
    install_mathjax,
    status_page,
)
from autograder.grading.grade import grade
from autograder.sample_class import ASSIGNMENT, Student, notebook_of, solution_code

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-sync", "--disable-background-networking",
                 "--disable-component-update"]
PAGE = "backprop.html"
RELU_ANSWER = (r"Where $z > 0$, $h = z > 0$; where $z \le 0$, $h = 0$: so "
               r"$\operatorname{sgn}(h) = \mathrm{ReLU}'(z)$ away from the kink $z = 0$.")
# A written answer that tries to run a script and load things from elsewhere.
HOSTILE_ANSWER = (
    "My answer: $h > 0$ exactly where $z > 0$.\n\n"
    '<script>document.title = "hacked"</script>'
    '<img src="https://example.org/pixel.png" alt="pixel">'
    '<iframe src="https://example.org/frame"></iframe>'
    '<a href="javascript:alert(1)" onclick="alert(2)">a link</a>\n\n'
    "![remote](https://example.org/remote.png)\n"
)
ODD_FILE = 'my <script>answers & "notes".ipynb'  # grading quotes it in the status's detail


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The tiny class, graded with 2 workers (5 s per cell), and everyone's feedback."""
    course = make_course(tmp_path_factory.mktemp("course"), [ASSIGNMENT])
    released = nbformat.read(course.release(ASSIGNMENT) / "backprop.ipynb", as_version=4)
    solutions = solution_code(course.source(ASSIGNMENT) / "backprop.ipynb")
    looping = solutions["dJ_dW"] + "\nwhile True:  # checking my answer\n    pass\n"
    students = [Student("perfect", written_answer=RELU_ANSWER),
                Student("loop", overrides={"dJ_dW": looping}, written_answer=HOSTILE_ANSWER)]
    for student in students:
        folder = course.submitted(student.id, ASSIGNMENT)
        folder.mkdir(parents=True)
        nbformat.write(notebook_of(student, released, solutions), folder / "backprop.ipynb")
    text = nbformat.writes(notebook_of(students[0], released, solutions))
    broken = course.submitted("broken-json", ASSIGNMENT)
    broken.mkdir(parents=True)
    (broken / "backprop.ipynb").write_text(text[: len(text) // 2])
    missing = course.submitted("no-notebook", ASSIGNMENT)
    missing.mkdir(parents=True)
    (missing / ODD_FILE).write_text("{}")
    grade(course, ASSIGNMENT, jobs=2, overrides={"Execute.timeout": 5}, progress=False)
    statuses = course.load_statuses(ASSIGNMENT)
    failures = feedback(course, ASSIGNMENT, list(statuses))
    return {"course": course, "statuses": statuses, "failures": failures}


def page_of(course, student):
    return (course.feedback(student, ASSIGNMENT) / PAGE).read_text(encoding="utf-8")


def all_pages(course):
    return sorted((course.root / "feedback").glob(f"*/{ASSIGNMENT}/*.html"))


def test_every_student_with_a_status_gets_a_page(course):
    statuses = {s: o["status"] for s, o in course["statuses"].items()}
    assert statuses == {"perfect": "graded", "loop": "timed out",
                        "broken-json": "broken submission", "no-notebook": "missing notebook"}
    assert course["failures"] == {}
    assert sorted(p.parts[-3] for p in all_pages(course["course"])) == sorted(statuses)


def test_the_header_names_each_graded_cell_by_its_exercise(course):
    page = page_of(course["course"], "perfect")
    assert ('<li><a href="#test_dJ_dU">dJ_dU (test)</a> <span class="exercise-title">— 3. '
            r"$\partial J/\partial U$: from index form to a matrix</span> (Score: 2.0 / 2.0)"
            "</li>") in page
    assert ('<li><a href="#test_forward">forward (test)</a> <span class="exercise-title">— 1. '
            "The forward pass</span> (Score: 2.0 / 2.0)</li>") in page
    assert ('<li><a href="#q_relu_mask">q_relu_mask (written answer)</a> <span class="exercise-'
            "title\">— 12. A written question: the mask and the kink</span> (Score: 0.0 / 2.0)"
            "</li>") in page
    assert "Test cell" not in page and "Written response" not in page
    assert '<span class="nbgrader-label">dJ_dU (test) <code>test_dJ_dU</code></span>' in page
    assert "backprop (Score: 19.0 / 21.0)" in page  # the written answer awaits a grader


def test_a_timed_out_submission_has_a_banner_above_its_feedback(course):
    page = page_of(course["course"], "loop")
    assert ("<strong>Some of your code ran for too long.</strong>\n"
            '<span id="grading-banner-text">cell dJ_dW stopped after 5 s: probably an '
            "infinite loop — the other cells were graded.</span>") in page
    assert page.index('id="grading-banner"') < page.index('id="toc"')
    assert '<li><a href="#test_dJ_dW">dJ_dW (test)</a>' in page  # the other cells were graded
    assert "backprop (Score: 19.0 / 21.0)" in page
    assert 'id="grading-banner"' not in page_of(course["course"], "perfect")


def test_a_broken_notebook_gets_a_page_that_says_what_to_do(course):
    page = page_of(course["course"], "broken-json")
    detail = course["statuses"]["broken-json"]["detail"]
    assert detail.startswith("submitted/broken-json/2_backprop/backprop.ipynb is not a valid "
                             "notebook: Notebook does not appear to be JSON")
    assert "<h1>2_backprop: Your notebook could not be opened</h1>" in page
    assert '<dd id="grading-status">broken submission</dd>' in page
    assert f'<div class="detail" id="detail">{html.escape(detail)}</div>' in page
    assert ("Open it in JupyterLab to check, save it with File → Save Notebook, and hand in "
            "that .ipynb file again (not renamed, not zipped).") in page


def test_a_missing_notebook_page_escapes_what_the_student_named(course):
    page = page_of(course["course"], "no-notebook")
    assert "<h1>2_backprop: No notebook was found in your submission</h1>" in page
    assert '<dd id="grading-status">missing notebook</dd>' in page
    assert ('<div class="detail" id="detail">submitted/no-notebook/2_backprop/backprop.ipynb '
            "not found (found my &lt;script&gt;answers &amp; &quot;notes&quot;.ipynb)"
            "</div>") in page
    assert "<script>" not in page
    assert "Hand in your notebook, backprop.ipynb, with your answers in it" in page


def test_markdown_the_student_wrote_cannot_run_nor_load_anything(course):
    page = page_of(course["course"], "loop")
    assert "My answer: $h &gt; 0$ exactly where $z &gt; 0$." in page
    assert "<script>document.title" not in page and "<iframe" not in page
    assert "example.org" not in page and 'href="javascript:' not in page
    assert "onclick" not in page
    assert '<img alt="pixel"/><a>a link</a>' in page and '<img alt="remote"/>' in page


def test_no_page_refers_to_anything_outside_the_feedback_folder(course):
    root = course["course"].root / "feedback"
    for path in all_pages(course["course"]):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+", "data:", text)  # plots
        # URLs left: only the licence notices in Bootstrap's comments, which load nothing
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        assert "cdn" not in text.lower(), path
        assert "https://" not in text and "http://" not in text and "//" + "cdn" not in text
        for url in re.findall(r"""(?:src|href)\s*=\s*["']([^"'#][^"']*)["']""", text):
            if url.startswith("data:"):  # inline images
                continue
            assert not urlsplit(url).scheme and not url.startswith("//"), (path, url)
            target = (path.parent / unquote(urlsplit(url).path)).resolve()
            assert target.is_file(), (path, url)
            assert target.is_relative_to(root), (path, url)
    page = page_of(course["course"], "perfect")
    assert f'<script src="{MATHJAX_URL}"></script>' in page
    mathjax = root / "_static" / "mathjax"
    for name in ("MathJax.js", "config/TeX-AMS-MML_HTMLorMML-full.js", "config/Safe.js",
                 "extensions/Safe.js", "jax/output/HTML-CSS/fonts/STIX-Web/fontdata.js",
                 "fonts/HTML-CSS/STIX-Web/woff/STIXMathJax_Main-Regular.woff", "LICENSE"):
        assert (mathjax / name).is_file(), name
    assert not (mathjax / "jax" / "output" / "SVG").exists()


def test_mathjax_is_copied_once(course):
    root = course["course"].root / "feedback"
    target = root / "_static" / "mathjax" / "MathJax.js"
    before = target.stat().st_mtime_ns
    assert install_mathjax(root) == target.parent
    assert target.stat().st_mtime_ns == before


def test_kernel_died_and_budget_banners():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1", execution_count=1, outputs=[]),
        nbformat.v4.new_code_cell("y = 2", execution_count=2, outputs=[nbformat.v4.new_output(
            "error", ename="CellTimeoutError", evalue="not run: the submission used its whole "
            "time budget of 300 s", traceback=[])]),
        nbformat.v4.new_code_cell("z = 3", execution_count=3, outputs=[nbformat.v4.new_output(
            "error", ename="CellTimeoutError", evalue="not run: the submission used its whole "
            "time budget of 300 s", traceback=[])]),
    ])
    assert banner(notebook, "timed out", "") == {
        "title": "Some of your code ran for too long.",
        "text": "cell 2, cell 3: not run: the submission used its whole time budget of 300 s "
                "— the other cells were graded."}
    died = ("the process running the notebook died in test_dJ_db1, test_backward (a crash or "
            "os._exit); the other cells were graded")
    assert banner(notebook, "kernel died", f"{died} [graded WITHOUT a sandbox]") == {
        "title": "The process running your notebook stopped.", "text": died}
    assert banner(nbformat.v4.new_notebook(), "kernel died", "") == {
        "title": "The process running your notebook stopped.",
        "text": "The other cells were graded."}
    assert banner(notebook, "graded", "") is None


def test_status_pages_escape_every_text():
    page = status_page('<img src=x onerror="alert(1)">', "2_backprop", "backprop",
                       "syntax error in <dJ_dW>", "line 3: <script>alert(1)</script> & more")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    assert "syntax error in &lt;dJ_dW&gt;" in page
    assert "<h1>2_backprop: Your notebook was not graded</h1>" in page


def test_clean_markdown_keeps_math_tables_and_inline_images():
    kept = ('<h2 id="a">A $x^2$</h2><p>b <em>c</em></p><table><tbody><tr><td>1</td></tr>'
            '</tbody></table><img alt="plot" src="data:image/png;base64,iVBO">')
    assert clean_markdown(kept) == kept
    assert clean_markdown('<img src="https://example.org/x.png">') == "<img>"
    assert clean_markdown('<link rel="stylesheet" href="https://x/y.css"><style>p{}</style>q') \
        == "p{}q"


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed "
                    "(sudo apt-get install chromium): the browser tests need Debian's Chromium")
def test_pages_render_their_formulas_offline_in_chromium(course, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="the playwright package is missing")
    outside = []

    def only_local_files(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", only_local_files)
            page = context.new_page()
            requested = []
            page.on("request", lambda request: requested.append(request.url))
            for student in ("perfect", "loop"):
                path = course["course"].feedback(student, ASSIGNMENT) / PAGE
                page.goto(path.as_uri())
                page.wait_for_function(
                    "window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0"
                    " && document.querySelectorAll('.MathJax').length > 0", timeout=60_000)
                page.screenshot(path=tmp_path / f"{student}.png")
                typeset = page.evaluate("""() => ({
                    math: document.querySelectorAll('.MathJax, .MathJax_Display').length,
                    sources: document.querySelectorAll('script[type^="math/tex"]').length,
                    errors: document.querySelectorAll('.MathJax_Error, merror').length,
                    font: MathJax.OutputJax['HTML-CSS'].fontInUse,
                })""")
                raw = page.evaluate(r"""() => {
                    const left = [];
                    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                    while (walk.nextNode()) {
                        const node = walk.currentNode;
                        if (node.parentElement.closest('script, style, pre, code, .MathJax, '
                                                       + '.MathJax_Display, .MathJax_Preview'))
                            continue;
                        if (/\$[^$]+\$|\\\(|\\\[|\\begin\{/.test(node.textContent))
                            left.push(node.textContent.trim().slice(0, 80));
                    }
                    return left;
                }""")
                where = f"{student}: see {tmp_path / (student + '.png')}"
                assert typeset["math"] > 100 and typeset["sources"] > 100, (where, typeset)
                assert typeset["errors"] == 0, (where, typeset)
                assert typeset["font"] == "STIX-Web", (where, typeset)  # the copied web font
                assert raw == [], where
                assert page.title() == "backprop", where
            banner = page.locator("#grading-banner")
            assert banner.is_visible()
            assert "cell dJ_dW stopped after 5 s" in banner.inner_text()
            assert page.locator("#toc .MathJax").count() == 7  # exercise titles typeset too
        finally:
            browser.close()
    assert outside == []
    assert [u for u in requested if not u.startswith(("file:", "about:", "data:"))] == []
    assert any(u.endswith("config=TeX-AMS-MML_HTMLorMML-full,Safe") for u in requested)
