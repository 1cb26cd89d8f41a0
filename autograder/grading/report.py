"""The class report: score distribution, pass rate per exercise, and the diagnosed mistakes.

The mistakes are read from the autograded notebooks: every failing test prints the
catalogue's diagnosis ("Likely mistake — <name>: ...", or its Chinese in the Chinese edition,
counted under the English name), so counting those lines over the class shows which
misconceptions are most common, and on which step.
"""

import html
import re
import statistics
from collections import Counter, defaultdict
from functools import cache

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402

from ..coursetools.checks import SHAPES  # noqa: E402
from ..coursetools.i18n import translation  # noqa: E402
from ..coursetools.mistakes import MISTAKES  # noqa: E402
from .export import SCORED, grade_ids, max_points  # noqa: E402

# A diagnosis in a feedback message, in English or in the Chinese edition's words.
MISTAKE = re.compile(r"Likely mistake — ([^:]+):|可能的错误——([^：]+)：")


@cache
def english_names():
    """{the name of a mistake in any edition: its English name}."""
    chinese = translation("zh")
    return {chinese.gettext(name): name for name in {m.name for m in MISTAKES} | {SHAPES}}


def diagnosed_mistakes(course, assignment, students):
    """{(grade_id, mistake name): [students]} over the autograded notebooks."""
    found = defaultdict(list)
    for student in students:
        path = course.autograded_notebook(student, assignment)
        if not path.exists():
            continue
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            text = "\n".join(o.get("evalue", "") + o.get("text", "")
                             for o in cell.get("outputs", []))
            names = (english_names().get(name, name) for pair in MISTAKE.findall(text)
                     for name in pair if name)
            for name in dict.fromkeys(names):
                found[(grade_id, name)].append(student)
    return dict(found)


def build(course, assignment, rows, folder):
    """Write folder/report.html and its PNG plots for one assignment; return the mistakes."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [r for r in rows if r["assignment"] == assignment]
    scored = [r for r in rows if r["status"] in SCORED]
    ids = [g for g in grade_ids(course, assignment) if g.startswith("test_")]
    mistakes = diagnosed_mistakes(course, assignment, [r["student"] for r in scored])
    with course.open_gradebook() as gradebook:
        points = max_points(gradebook, course, assignment)
    pass_rate = {g: sum(float(r[g] or 0) == points[g] for r in scored) / max(1, len(scored))
                 for g in ids}
    _plot_scores(rows, folder / f"{assignment}-scores.png")
    _plot_pass_rate(pass_rate, folder / f"{assignment}-pass-rate.png")
    _plot_mistakes(mistakes, folder / f"{assignment}-mistakes.png")
    written = [g for g in grade_ids(course, assignment) if not g.startswith("test_")]
    (folder / f"{assignment}-report.html").write_text(
        _html(assignment, rows, pass_rate, mistakes, written, points), encoding="utf-8")
    return mistakes


def _plot_scores(rows, path):
    fig, ax = plt.subplots(figsize=(6, 3.5))
    percent = [100 * float(r["total"]) / float(r["max_total"]) for r in rows]
    ax.hist(percent, bins=[i * 10 for i in range(11)], color="#4c72b0", edgecolor="white")
    ax.set(title=f"Score distribution ({len(rows)} students)", xlabel="score (%)",
           ylabel="students")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _plot_pass_rate(pass_rate, path):
    fig, ax = plt.subplots(figsize=(7, 3.5))
    names = [g.removeprefix("test_") for g in pass_rate]
    ax.bar(names, [100 * v for v in pass_rate.values()], color="#55a868")
    ax.set(title="Full marks per exercise", ylabel="students (%)", ylim=(0, 100))
    ax.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _plot_mistakes(mistakes, path):
    counts = Counter({f"{g.removeprefix('test_')}: {m}": len(s) for (g, m), s in mistakes.items()})
    labels = [label for label, _ in counts.most_common()][::-1] or ["(no mistakes diagnosed)"]
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(labels) + 1.2))
    ax.barh(labels, [counts[label] for label in labels], color="#c44e52")
    ax.set(title="Mistakes diagnosed by the feedback", xlabel="students")
    ax.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _statistics(rows, written, points):
    """The scores' mean, median and range, and the written answers' manual grading state."""
    totals = [float(r["total"]) for r in rows]
    top = float(rows[0]["max_total"]) if rows else 0.0
    summary = (f"<p>Points (of {top:g}): mean {statistics.mean(totals):.1f}, median "
               f"{statistics.median(totals):g}, lowest {min(totals):g}, highest "
               f"{max(totals):g}.</p>") if totals else "<p>No scores yet.</p>"
    state = "".join(
        f"<li>{html.escape(g)} ({points[g]:g} points): "
        f"{sum(r[g] == '' and r['status'] in SCORED for r in rows)} still to grade by hand, "
        f"{sum(r[g] != '' and r['status'] in SCORED for r in rows)} graded</li>"
        for g in written)
    return summary + (f"<h2>Written answers</h2><ul>{state}</ul>" if written else "")


def _student_table(rows, ids):
    e = html.escape
    header = "".join(f"<th>{e(g.removeprefix('test_'))}</th>" for g in ids)
    body = "".join(
        f"<tr><td>{e(r['student'])}</td>" + "".join(f"<td>{e(r[g] or '…')}</td>" for g in ids)
        + f"<td>{e(r['total'])}/{e(r['max_total'])}</td><td>{e(r['status'])}</td></tr>"
        for r in rows)
    return (f"<h2>Students</h2><p>… awaits grading by hand.</p><table><tr><th>student</th>"
            f"{header}<th>total</th><th>status</th></tr>{body}</table>")


def _html(assignment, rows, pass_rate, mistakes, written, points):
    e = html.escape
    statuses = Counter(r["status"] for r in rows)
    status_list = "".join(f"<li>{e(s)}: {n}</li>" for s, n in sorted(statuses.items()))
    mistake_rows = "".join(
        f"<tr><td>{e(g)}</td><td>{e(m)}</td><td>{len(s)}</td><td>{e(', '.join(s))}</td></tr>"
        for (g, m), s in sorted(mistakes.items(), key=lambda item: (-len(item[1]), item[0])))
    flagged = "".join(
        f"<tr><td>{e(r['student'])}</td><td>{'<br>'.join(e(f) for f in r['flags'].split('; '))}"
        "</td></tr>" for r in rows if r.get("flags")) or "<tr><td colspan=2>none</td></tr>"
    unsandboxed = [r["student"] for r in rows if r.get("sandbox") == "none"]
    warning = (f"<p style='background:#fdd;padding:1em'><strong>{len(unsandboxed)} "
               "submission(s) graded WITHOUT a sandbox</strong> (--no-sandbox): their code ran "
               "with the instructor's rights, so their points and this machine's files cannot "
               f"be trusted: {e(', '.join(unsandboxed))}</p>") if unsandboxed else ""
    attention = "".join(
        f"<tr><td>{e(r['student'])}</td><td>{e(r['status'])}</td><td>{e(r['detail'])}</td></tr>"
        for r in rows if r["status"] != "graded")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Class report: {e(assignment)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3em .6em}}</style>
</head><body>
<h1>Class report: {e(assignment)}</h1>
{warning}<p>{len(rows)} students.</p><ul>{status_list}</ul>
{_statistics(rows, written, points)}
<h2>Scores</h2><img src="{e(assignment)}-scores.png" alt="score distribution">
<h2>Full marks per exercise</h2><img src="{e(assignment)}-pass-rate.png" alt="pass rate">
<h2>Mistakes the feedback diagnosed</h2>
<img src="{e(assignment)}-mistakes.png" alt="diagnosed mistakes">
<table><tr><th>exercise</th><th>mistake</th><th>students</th><th>who</th></tr>{mistake_rows}</table>
{_student_table(rows, [*pass_rate, *written])}
<h2>Flagged submissions</h2>
<p>Locked cells edited, deleted, reordered or re-labelled. nbgrader restored them and the
grader ran the instructor's tests, so no points were gained by it; look at each before
releasing grades.</p>
<table><tr><th>student</th><th>why</th></tr>{flagged}</table>
<h2>Submissions not graded normally</h2>
<table><tr><th>student</th><th>status</th><th>detail</th></tr>{attention}</table>
</body></html>
"""
