"""End to end in a real browser: students in JupyterLab with nbgrader's Validate button, and the
instructor's formgrader.

A JupyterLab server runs on a temporary copy of the released course (`notebooks/`); Chromium,
driven by Playwright, opens the core assignment with the correct answers filled in (taken from
the `### BEGIN SOLUTION` regions of `solutions/2_backprop/backprop.ipynb`), runs every cell and
checks what a student sees: no error output, every plot loaded, the math typeset, every test
cell's "✓", and Validate's "Success!". Then it plants a typical mistake (a transposed gradient)
and checks that the visible test names it, that Run All goes on past the failing test (it is tagged
raises-exception) to the tests after it, and that Validate reports the failing cell. A second
server on a copy of the course directory shows that the formgrader lists the assignments.

Each step leaves a screenshot in a temporary folder (its path is printed, and repeated in every
assertion message). Needs Debian's Chromium at /usr/bin/chromium (`make test` installs it);
without it these tests skip.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is not installed (sudo apt-get install chromium): "
                "the browser tests need Debian's Chromium", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ASSIGNMENT, NOTEBOOK = "2_backprop", "backprop.ipynb"
NB_PATH = f"{ASSIGNMENT}/{NOTEBOOK}"
# The mistake planted, in the first of these functions the notebook grades: a transposed result.
PLANTED = {
    "dJ_dU": lambda delta1, h: f"return {h} @ {delta1}",
    "dJ_db2": lambda delta1: f"return {delta1}.copy()",
}
MISTAKE_WORDS = ("transposed", "row instead of column")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-sync", "--disable-background-networking",
                 "--disable-component-update"]
ERROR_OUTPUTS = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# --- notebooks ------------------------------------------------------------------------------

def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _regions(source):
    """The solution regions of a cell: [(indent, [lines between the markers])]."""
    regions, current, indent = [], None, ""
    for line in source.split("\n"):
        if line.strip() == "### BEGIN SOLUTION":
            current, indent = [], line[:len(line) - len(line.lstrip())]
        elif line.strip() == "### END SOLUTION" and current is not None:
            regions.append((indent, current))
            current = None
        elif current is not None:
            current.append(line)
    return regions


def _fill(stub_source, solution_source, bodies):
    """The released cell with its `# YOUR CODE HERE` stubs replaced by bodies (line lists)."""
    lines, out, k = stub_source.split("\n"), [], 0
    i = 0
    while i < len(lines):
        if (lines[i].strip() == "# YOUR CODE HERE" and i + 1 < len(lines)
                and lines[i + 1].strip() == "raise NotImplementedError()" and k < len(bodies)):
            out.extend(bodies[k])
            k, i = k + 1, i + 2
        else:
            out.append(lines[i])
            i += 1
    if k == len(bodies):
        return "\n".join(out)
    # The stubs are not where nbgrader puts them: fall back to the source without its markers.
    return _replace_regions(solution_source, bodies)


def _replace_regions(source, bodies):
    """source with each BEGIN/END SOLUTION region (markers included) replaced by a body."""
    out, k, inside = [], 0, False
    for line in source.split("\n"):
        if line.strip() == "### BEGIN SOLUTION":
            out.extend(bodies[k])
            k, inside = k + 1, True
        elif line.strip() == "### END SOLUTION":
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def solution_cells(source_nb):
    """{grade_id: cell} of the code cells holding solutions in the instructor's source."""
    return {_nbgrader(c)["grade_id"]: c for c in source_nb["cells"]
            if c["cell_type"] == "code" and _nbgrader(c).get("solution")}


def answered(released_nb, source_nb):
    """A copy of the released notebook with the solutions' code in its solution cells, and the
    model answers (markers dropped) in its written-answer cells."""
    solutions = solution_cells(source_nb)
    written = {_nbgrader(c)["grade_id"]: c for c in source_nb["cells"]
               if c["cell_type"] == "markdown" and _nbgrader(c).get("solution")}
    nb = json.loads(json.dumps(released_nb))
    filled = set()
    for cell in nb["cells"]:
        gid = _nbgrader(cell).get("grade_id")
        if cell["cell_type"] == "code" and gid in solutions:
            src = _source(solutions[gid])
            cell["source"] = _fill(_source(cell), src, [b for _, b in _regions(src)])
            filled.add(gid)
        elif cell["cell_type"] == "markdown" and gid in written:
            src = _source(written[gid])
            cell["source"] = _replace_regions(src, [b for _, b in _regions(src)])
    missing = set(solutions) - filled
    assert not missing, f"solution cells missing from the released notebook: {sorted(missing)}"
    return nb


def planted_mistake(source_nb):
    """(function name, cell source) of the first of PLANTED with the mistake in place."""
    solutions = solution_cells(source_nb)
    name = next((n for n in PLANTED if n in solutions), None)
    assert name, f"the notebook grades none of {list(PLANTED)}: nothing to plant a mistake in"
    src = _source(solutions[name])
    params = re.search(rf"def\s+{name}\s*\(([^)]*)\)", src).group(1)
    params = [p.split("=")[0].split(":")[0].strip() for p in params.split(",") if p.strip()]
    regions = _regions(src)
    wrong = [[regions[0][0] + PLANTED[name](*params)]] + [b for _, b in regions[1:]]
    return name, _replace_regions(src, wrong)


def output_text(outputs):
    """What a list of nbformat outputs says, as plain text."""
    parts = []
    for out in outputs:
        if out["output_type"] == "stream":
            parts.append(out["text"] if isinstance(out["text"], str) else "".join(out["text"]))
        elif out["output_type"] == "error":
            parts.append(f"{out['ename']}: {out['evalue']}\n" + "\n".join(out["traceback"]))
        else:
            text = out.get("data", {}).get("text/plain", "")
            parts.append(text if isinstance(text, str) else "".join(text))
    return ANSI.sub("", "\n".join(parts))


# --- the server and the browser -------------------------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyter_lab(root, home):
    """Run `jupyter lab` in root (config and settings under home); yield its base URL and token."""
    config_dir = home / "jupyter-config"
    settings = config_dir / "lab" / "user-settings" / "@jupyterlab"
    for plugin, values in {
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        # Every cell in the DOM, so that the checks below see the whole notebook.
        "notebook-extension/tracker": {"windowingMode": "none"},
    }.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    runtime = home / "jupyter-runtime"
    runtime.mkdir(parents=True, exist_ok=True)
    port, token = _free_port(), uuid.uuid4().hex
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config_dir), JUPYTER_RUNTIME_DIR=str(runtime),
               PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    cmd = [str(BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True",
           f"--ServerApp.root_dir={root}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    url = f"http://127.0.0.1:{port}"
    with open(home / "jupyter-lab.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, f"jupyter lab exited; see {home / 'jupyter-lab.log'}"
                try:
                    with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                        break
                except OSError:  # URLError included: not answering yet
                    assert time.monotonic() < deadline, "jupyter lab did not answer within 60 s"
                    time.sleep(0.25)
            yield url, token
        finally:
            _stop(proc, url, token)


def _stop(proc, url, token):
    """Shut the server down through its API (which stops its kernels), then by signal."""
    try:
        request = urllib.request.Request(f"{url}/api/shutdown", method="POST",
                                         headers={"Authorization": f"token {token}"})
        urllib.request.urlopen(request, timeout=5).close()
        proc.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if proc.poll() is not None:
                break
            try:
                os.killpg(proc.pid, sig)  # its own session: the server and its kernels
            except ProcessLookupError:
                break
            with suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser-screenshots")
    print(f"browser test screenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900})
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()


class Steps:
    """Screenshots numbered in order, and assertions that say where they are."""

    def __init__(self, page, folder, prefix):
        self.page, self.folder, self.prefix, self.n = page, folder, prefix, 0
        self.start = time.monotonic()

    def shot(self, name):
        self.n += 1
        path = self.folder / f"{self.prefix}{self.n:02d}_{name}.png"
        self.page.screenshot(path=str(path))
        print(f"{time.monotonic() - self.start:5.1f} s  {path.name}")

    def check(self, condition, message):
        assert condition, f"{message}\n(screenshots in {self.folder})"

    @contextmanager
    def failure_shot(self):
        try:
            yield
        except Exception as error:
            with suppress(sync_api.Error):
                self.shot("FAILURE")
            error.add_note(f"screenshots in {self.folder}")
            raise


def open_lab(page, url, token, path=None):
    page.goto(f"{url}/lab?token={token}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell")
    page.evaluate("async () => { await window.jupyterapp.started; "
                  "await window.jupyterapp.restored; }")
    if path:
        page.evaluate("""async (path) => {
            const app = window.jupyterapp;
            const panel = await app.commands.execute('docmanager:open',
                                                     {path, factory: 'Notebook'});
            await panel.context.ready;
            await panel.sessionContext.ready;
            app.shell.activateById(panel.id);
            window.__nb = panel;
        }""", path)
        wait_idle(page)


def wait_idle(page, timeout=60_000):
    page.wait_for_function("""() => {
        const kernel = window.__nb.sessionContext.session?.kernel;
        return kernel && kernel.status === 'idle';
    }""", timeout=timeout)


def run_all(page, timeout=90_000):
    """Run All from cleared outputs, then wait until every code cell has run. JupyterLab sends
    every cell to the kernel at once and its promise settles at the first error, so an idle
    kernel alone does not mean the run is over. When Run All stopped early (an error in a cell
    not tagged raises-exception makes the kernel drop the rest), return after timeout anyway:
    the cells that never ran keep an execution count of null, which the checks report."""
    page.evaluate("""async () => {
        await window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs');
        await window.jupyterapp.commands.execute('notebook:run-all-cells');
    }""")
    with suppress(sync_api.TimeoutError):
        page.wait_for_function("""() => {
            const kernel = window.__nb.sessionContext.session?.kernel;
            return kernel && kernel.status === 'idle' && window.__nb.content.widgets.every(
                cell => cell.model.type !== 'code' || cell.model.executionCount != null);
        }""", timeout=timeout)
    wait_idle(page)


def cells(page):
    """Every cell as the browser holds it: type, nbgrader metadata, outputs."""
    return page.evaluate("""() => window.__nb.content.widgets.map((cell, index) => ({
        index,
        type: cell.model.type,
        nbgrader: cell.model.getMetadata('nbgrader') || {},
        outputs: cell.model.type === 'code' ? cell.model.outputs.toJSON() : [],
        ran: cell.model.type !== 'code' || cell.model.executionCount != null,
    }))""")


def scroll_to(page, grade_id):
    page.evaluate("""(gid) => {
        const cell = window.__nb.content.widgets.find(
            c => (c.model.getMetadata('nbgrader') || {}).grade_id === gid);
        if (cell) cell.node.scrollIntoView({block: 'center'});
    }""", grade_id)
    page.wait_for_timeout(300)


def scroll_to_selector(page, selector):
    """Scroll the first element matching selector into view; False when there is none."""
    found = page.evaluate("""(selector) => {
        const node = document.querySelector(selector);
        if (node) node.scrollIntoView({block: 'center'});
        return Boolean(node);
    }""", selector)
    page.wait_for_timeout(300)
    return found


def validate(page, steps, name):
    """Press Validate; return the text of the "Validation Results" dialog, then close it."""
    page.locator(".jp-NotebookPanel-toolbar .validate-button").click()
    dialog = page.locator(".jp-Dialog").filter(has_text="Validation Results")
    dialog.locator("#validation-message").wait_for(timeout=90_000)
    text = dialog.locator("#validation-message").inner_text()
    steps.shot(name)
    dialog.locator(".jp-mod-accept").click()
    dialog.wait_for(state="detached")
    return text


RAW_TEX = """() => {
    const leftovers = [];
    for (const node of document.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown')) {
        const copy = node.cloneNode(true);
        copy.querySelectorAll('mjx-container, code, pre, script').forEach(e => e.remove());
        const text = copy.textContent;
        const raw = text.match(/\\$\\$|\\\\[a-zA-Z]+|\\$[^$\\n]*[\\\\^_][^$\\n]*\\$/);
        if (raw) leftovers.push(raw[0] + '  in: ' + text.slice(0, 120));
    }
    return leftovers;
}"""

IMAGES = """() => Array.from(document.querySelectorAll('.jp-OutputArea-output img')).map(
    img => ({complete: img.complete, width: img.naturalWidth}))"""


# --- the tests ------------------------------------------------------------------------------

def test_student_validates_core_assignment(browser, screenshots, tmp_path):
    """A student runs the core assignment, validates it, then makes a typical mistake."""
    source = json.loads((ROOT / "solutions" / NB_PATH).read_text())
    course = tmp_path / "student"
    shutil.copytree(ROOT / "notebooks", course, symlinks=False, ignore_dangling_symlinks=True,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    released = json.loads((course / NB_PATH).read_text())
    (course / NB_PATH).write_text(json.dumps(answered(released, source), indent=1))
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    (course / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.Exchange.root = {str(exchange)!r}\n"
        'c.CourseDirectory.course_id = "backprop"\n')

    md = [_source(c) for c in source["cells"] if c["cell_type"] == "markdown"]
    code = [_source(c) for c in source["cells"] if c["cell_type"] == "code"]
    has_math = any("$" in s for s in md)
    plots = any("plt." in s for s in code)
    tests = [_nbgrader(c)["grade_id"] for c in source["cells"]
             if c["cell_type"] == "code" and _nbgrader(c).get("grade")]

    with jupyter_lab(course, tmp_path / "student-home") as (url, token):
        page = browser.new_page()
        steps = Steps(page, screenshots, "student_")
        with steps.failure_shot():
            open_lab(page, url, token, NB_PATH)
            steps.shot("opened")

            # 1. The correct answers: everything runs cleanly.
            run_all(page)
            steps.shot("ran_all")
            held = cells(page)
            errors = [(c["index"], output_text(c["outputs"])[:500]) for c in held
                      if any(o["output_type"] == "error"
                             or (o["output_type"] == "stream" and o["name"] == "stderr")
                             for o in c["outputs"])]
            steps.check(not errors, f"cells with errors or stderr: {errors}")
            steps.check(page.locator(ERROR_OUTPUTS).count() == 0,
                        "error/stderr output shown in the notebook")
            for c in held:
                if c["type"] == "code" and c["nbgrader"].get("grade"):
                    text = output_text(c["outputs"])
                    steps.check("✓" in text, f"test cell {c['nbgrader'].get('grade_id')} did "
                                f"not print its success message: {text[:500]!r}")

            expected_images = sum("image/png" in o.get("data", {}) or "image/svg+xml"
                                  in o.get("data", {}) for c in held for o in c["outputs"])
            if plots:
                steps.check(expected_images >= 1, "the notebook plots but shows no image")
            page.wait_for_function(f"""() => {{
                const imgs = ({IMAGES})();
                return imgs.length >= {expected_images} && imgs.every(i => i.complete);
            }}""", timeout=15_000)
            images = page.evaluate(IMAGES)
            steps.check(all(i["width"] > 0 for i in images), f"a plot did not load: {images}")

            if has_math:
                page.wait_for_function(f"() => ({RAW_TEX})().length === 0", timeout=20_000)
                steps.check(page.locator(".jp-RenderedMarkdown mjx-container").count() > 0,
                            "no MathJax output in the rendered markdown")
            steps.check(not page.evaluate(RAW_TEX), "raw LaTeX left in the markdown")
            for what, selector in (("math", ".jp-RenderedMarkdown mjx-container"),
                                   ("plot", ".jp-OutputArea-output img")):
                if scroll_to_selector(page, selector):
                    steps.shot(what)
            scroll_to(page, tests[0] if tests else None)
            steps.shot("tests_pass")

            text = validate(page, steps, "validate_success")
            steps.check("Success! Your notebook passes all the tests." in text,
                        f"Validate did not succeed: {text[:2000]}")

            # 2. A typical mistake: a transposed gradient.
            name, wrong = planted_mistake(source)
            page.evaluate("""async ([gid, src]) => {
                const cell = window.__nb.content.widgets.find(
                    c => (c.model.getMetadata('nbgrader') || {}).grade_id === gid);
                cell.model.sharedModel.setSource(src);
                await window.__nb.context.save();
            }""", [name, wrong])
            run_all(page)
            test_id = f"test_{name}"
            scroll_to(page, test_id)
            steps.shot(f"mistake_{name}")
            held = {c["nbgrader"].get("grade_id"): c for c in cells(page)}
            steps.check(test_id in held, f"no test cell {test_id} (test cells: {tests})")
            message = output_text(held[test_id]["outputs"])
            steps.check(any(w in message for w in MISTAKE_WORDS),
                        f"the test of {name} does not name the mistake {MISTAKE_WORDS}:\n"
                        f"{message[-2000:]}")

            # Run All went on past the failing test (tagged raises-exception): every cell ran,
            # every later test reports, and the tests of the other functions still pass.
            in_order = cells(page)
            not_run = [c["index"] for c in in_order if not c["ran"]]
            steps.check(not not_run, f"Run All stopped after the failing {test_id}: cells "
                        f"{not_run} never ran")
            later = tests[tests.index(test_id) + 1:]
            silent = [t for t in later if not held[t]["outputs"]]
            steps.check(later and not silent, f"tests after {test_id} with no output: {silent}")
            passing = [t for t in later if "✓" in output_text(held[t]["outputs"])]
            steps.check(passing, f"no test after {test_id} passes: {later}")

            text = validate(page, steps, "validate_failure")
            steps.check("Success!" not in text and "failed" in text.lower()
                        and name in text,
                        f"Validate does not report the failing {test_id}: {text[:2000]}")
            steps.check(any(w in text for w in MISTAKE_WORDS),
                        f"Validate's report does not name the mistake: {text[:2000]}")
        page.close()


def test_instructor_formgrader_lists_assignments(browser, screenshots, tmp_path):
    """The instructor opens the formgrader from JupyterLab and sees the course's assignments."""
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    shutil.copytree(ROOT / "solutions", course / "solutions", symlinks=False,
                    ignore_dangling_symlinks=True,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    assignments = sorted(p.name for p in (course / "solutions").iterdir()
                         if p.is_dir() and any(p.glob("*.ipynb")))

    with jupyter_lab(course, tmp_path / "instructor-home") as (url, token):
        page = browser.new_page()
        steps = Steps(page, screenshots, "instructor_")
        with steps.failure_shot():
            open_lab(page, url, token)
            page.evaluate("() => window.jupyterapp.commands.execute('nbgrader:open-formgrader')")
            frame = page.frame_locator('iframe[src*="formgrader"]')
            frame.get_by_text("Manage Assignments").first.wait_for()
            cell = frame.locator("td", has_text=re.compile(rf"^\s*{ASSIGNMENT}\s*$"))
            cell.first.wait_for(timeout=30_000)
            steps.shot("formgrader")
            listed = [a for a in assignments
                      if frame.locator("td", has_text=re.compile(rf"^\s*{a}\s*$")).count()]
            steps.check(ASSIGNMENT in listed,
                        f"the formgrader does not list {ASSIGNMENT}; listed: {listed}")
            steps.check(listed == assignments,
                        f"the formgrader lists {listed}, the course has {assignments}")
        page.close()


def test_chinese_student_sees_the_mistake_in_chinese(browser, screenshots, tmp_path):
    """The Chinese release (notebooks-zh/, `autograder release --lang zh`): a transposed
    dJ_dU is named in Chinese by its test cell and by Validate."""
    release = ROOT / "notebooks-zh"
    if not (release / NB_PATH).exists():
        pytest.skip("notebooks-zh/ is not built: run `autograder release --lang zh`")
    source = json.loads((ROOT / "solutions" / NB_PATH).read_text())
    course = tmp_path / "student-zh"
    shutil.copytree(release, course, symlinks=False, ignore_dangling_symlinks=True,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    notebook = answered(json.loads((course / NB_PATH).read_text()), source)
    name, wrong = planted_mistake(source)
    for cell in notebook["cells"]:
        if _nbgrader(cell).get("grade_id") == name:
            cell["source"] = wrong
    (course / NB_PATH).write_text(json.dumps(notebook, indent=1, ensure_ascii=False))
    (course / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.Exchange.root = {str(tmp_path / 'exchange')!r}\n"
        'c.CourseDirectory.course_id = "backprop"\n')

    with jupyter_lab(course, tmp_path / "student-zh-home") as (url, token):
        page = browser.new_page()
        steps = Steps(page, screenshots, "student_zh_")
        with steps.failure_shot():
            open_lab(page, url, token, NB_PATH)
            run_all(page)
            test_id = f"test_{name}"
            scroll_to(page, test_id)
            steps.shot(f"mistake_{name}")
            held = {c["nbgrader"].get("grade_id"): c for c in cells(page)}
            message = output_text(held[test_id]["outputs"])
            steps.check("可能的错误——转置" in message,
                        f"the test of {name} does not name the transpose in Chinese:\n"
                        f"{message[-2000:]}")
            text = validate(page, steps, "validate_failure")
            steps.check("转置" in text and name in text,
                        f"Validate does not name the transpose in Chinese: {text[:2000]}")
        page.close()
