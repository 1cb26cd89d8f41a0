"""Flooding what the notebook shows: 50 000 printed lines, 60 switches between stdout and
stderr of 100 000 characters each, 2 000 displays, a 5 MB execute_result, a 3 MB image, a
5 MB LaTeX formula, text/html and text/markdown carrying a <script> and an onerror handler,
JavaScript; then the student's code takes over the runner so that every later cell sends 10
images of almost a megabyte each and 40 outputs of 50 000 characters.

The written answer (a markdown cell the student owns) carries a <script> and an onerror
handler too, for whoever opens the feedback page.

The runner keeps only plain text, images and formulas, of bounded size and number; the grader
keeps only those kinds from what arrives, cuts every text, and holds each notebook to a total
budget of text and one of images; the feedback cleans markdown of anything that would run.
The autograded notebook and the feedback stay small and carry no script. Every answer is
correct: full points (the written answer awaits manual grading).
"""

OVERRIDES = {"forward": r'''
import sys

from IPython.display import HTML, Image, Javascript, Latex, Markdown, display

MARK = @MARK@
display(HTML(f"<script>/*{MARK}*/</script>"))
display(Markdown(f'<script>/*{MARK}*/</script><img src=x onerror="/*{MARK}*/">'))
display(Latex(f'$x$<script>/*{MARK}*/</script><img src=x onerror="/*{MARK}*/">'))
display(Javascript(f"/*{MARK}*/"))
display(Image(data=b"\x89PNG\r\n\x1a\n" + b"\0" * 3_000_000, format="png"))
display(Latex("$" + "x^2 + " * 800_000 + "1$"))
for i in range(50_000):
    print("all work and no play", i)
for i in range(60):
    print(str(i) * 100_000, file=sys.stderr if i % 2 else sys.stdout)
for i in range(2_000):
    display(f"display {i}")


def forward(x, y, params):
    z = params["W"] @ x + params["b1"]
    h = np.maximum(z, 0)
    theta = params["U"] @ h + params["b2"]
    shifted = theta - theta.max()
    log_y_hat = shifted - np.log(np.exp(shifted).sum())
    cache = {"x": x, "z": z, "h": h, "theta": theta, "y_hat": np.exp(log_y_hat), "y": y}
    return float(-(y * log_y_hat).sum()), cache


"y" * 5_000_000
''', "dJ_dtheta": r'''
import base64
import gc

runner = next(o for o in gc.get_objects() if type(o).__name__ == "Runner")
honest_run = type(runner).run


def flooding_run(self, request):
    answer = honest_run(self, request)
    image = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 700_000).decode()
    answer["outputs"] = (
        [{"output_type": "display_data", "data": {"image/png": image}, "metadata": {}}] * 10
        + [{"output_type": "stream", "name": "stdout", "text": "z" * 50_000}] * 40
        + answer["outputs"])
    return answer


type(runner).run = flooding_run


def dJ_dtheta(y_hat, y):
    return (y_hat - y).T
'''}


def transform(notebook):
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "q_relu_mask":
            cell.source = ("h > 0 exactly where z > 0.<script>/*@MARK@*/</script>"
                           '<img src=x onerror="/*@MARK@*/">')


EXPECTED = {"zero": [], "status": "graded", "flags": []}
