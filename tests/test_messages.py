"""Messages in both editions: the gettext catalogues are complete and in step with the code,
a check speaks the language it is asked for, and the grader answers each submission in the
language of its edition (its failures and its feedback page).
"""

import os
import re
import shutil
import string
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder import messages
from autograder.coursetools import (
    MISTAKES,
    CheckFailure,
    check,
    check_labels,
    check_new_dict,
    check_shape_table,
)
from autograder.coursetools.i18n import language, translation
from autograder.demo import make_course
from autograder.grading import report as class_report
from autograder.grading.feedback import feedback
from autograder.grading.grade import grade
from autograder.sample_class import ASSIGNMENT, Student, notebook_of, solution_code, wrong

DOMAINS = list(messages.DOMAINS)
TRANSPOSED_DU = wrong("dJ_dU", "h @ delta1")
CJK = re.compile(r"[\u4e00-\u9fff]")


def fields(text):
    return sorted({name for _, name, _, _ in string.Formatter().parse(text) if name is not None})


def catalogue(domain):
    return messages.read_catalogue(messages.catalogue_path(domain, "zh"), "zh")


# --- the catalogues ---------------------------------------------------------------------------

@pytest.mark.parametrize("domain", DOMAINS)
def test_the_template_is_up_to_date_with_the_code(domain):
    committed = messages.template_path(domain).read_text(encoding="utf-8")
    fresh = messages.po_text(messages.extract(domain))
    assert messages.without_dates(committed) == messages.without_dates(fresh), \
        "run `python -m autograder.messages` and translate what it reports"


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_is_translated_with_the_same_placeholders(domain):
    template = {m.id for m in messages.extract(domain) if m.id}
    translated = {m.id: m for m in catalogue(domain) if m.id}
    assert translated.keys() == template
    for msgid, message in translated.items():
        assert message.string and not message.fuzzy, msgid
        assert fields(message.string) == fields(msgid), msgid


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_compiled_catalogue_is_a_fresh_compile(domain):
    path = messages.catalogue_path(domain, "zh").with_suffix(".mo")
    assert path.read_bytes() == messages.compiled(catalogue(domain))


def test_chinese_prose_uses_full_width_punctuation():
    for domain in DOMAINS:
        for message in catalogue(domain):
            prose = re.sub(r"`[^`]*`|\{\w*\}|\([^()]*\)|\[[^\]]*\]", "", message.string or "")
            if CJK.search(prose):
                assert not re.search(r"[\u4e00-\u9fff][,.;:!?]", prose), message.string


def test_every_mistake_formats_with_the_same_fields_in_chinese():
    zh = translation("zh")
    for mistake in MISTAKES:
        chinese = zh.gettext(mistake.message)
        assert CJK.search(chinese), mistake.name
        assert fields(chinese) == fields(mistake.message), mistake.name
        chinese.format(**{name: "·" for name in fields(chinese)})


# --- a check, in each language ----------------------------------------------------------------

def transposed_dJ_dU_failure():
    rng = np.random.default_rng(3)
    delta1, h = rng.standard_normal((1, 3)), rng.standard_normal((5, 1))
    with pytest.raises(CheckFailure) as failure:
        check(lambda delta1, h: h @ delta1, {"delta1": delta1, "h": h}, delta1.T @ h.T,
              name="dJ_dU")
    return str(failure.value)


def test_a_transposed_gradient_is_named_in_the_language_asked_for():
    english = transposed_dJ_dU_failure()
    with language("zh"):
        chinese = transposed_dJ_dU_failure()
    assert "Likely mistake — transposed: ∂J/∂U comes out transposed (5, 3)" in english
    assert not CJK.search(english)
    assert "可能的错误——转置：∂J/∂U 被转置了 (5, 3)" in chinese
    assert "应为 (3, 5)" in chinese and "Likely" not in chinese
    assert transposed_dJ_dU_failure() == english  # the language is back to English
    with language("fr"):
        assert transposed_dJ_dU_failure() == english


def test_the_chinese_release_speaks_chinese(tmp_path):
    """A copy of coursetools with the file LANGUAGE (as the Chinese release ships it), used
    with numpy and the standard library alone."""
    folder = tmp_path / "coursetools"
    source = Path(messages.PACKAGE / "coursetools")
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "LANGUAGE").write_text("zh\n")
    code = ("import numpy as np\nfrom coursetools import check, CheckFailure\n"
            "delta1, h = np.ones((1, 3)), np.arange(5.0).reshape(5, 1)\n"
            "try:\n    check(lambda delta1, h: h @ delta1, {'delta1': delta1, 'h': h}, "
            "delta1.T @ h.T, name='dJ_dU')\n"
            "except CheckFailure as failure:\n    print(failure)\n")
    env = {**os.environ, "PYTHONPATH": ""}
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True)
    assert "的形状错误" in run.stdout and "转置" in run.stdout
    (folder / "LANGUAGE").unlink()
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True)
    assert "has the wrong shape" in run.stdout


# --- the checks the test cells call (in English, their wording from before) --------------------

def test_the_exercise_checks_keep_their_english_wording():
    def in_place(params, grads, learning_rate):
        params["W"] = params["W"] - learning_rate * grads["W"]
        return params

    args = {"params": {"W": np.ones((2, 2))}, "grads": {"W": np.ones((2, 2))},
            "learning_rate": 0.1}
    with pytest.raises(CheckFailure, match="^in_place must return a new dict, not the params "
                                           "dict it was given.$"):
        check_new_dict(in_place, args)
    with pytest.raises(CheckFailure, match=r"^2 of 3 labels are wrong \(first at example 1\)"):
        check_labels(np.array([0, 2, 0]), np.array([0, 1, 1]))
    with pytest.raises(CheckFailure, match=r"Return a 1-D array"):
        check_labels(np.array([[0, 1, 1]]), np.array([0, 1, 1]))
    sizes, expected = {"Dx": 4.0}, {"x": [4.0, 1.0], "delta1": [1.0, 3.0]}
    with pytest.raises(CheckFailure, match=r"the δ's are row vectors\.$"):
        check_shape_table(lambda Dx: {"x": (Dx, 1), "delta1": (3, 1)}, sizes, expected)
    assert check_shape_table(lambda Dx: {"x": (Dx, 1), "delta1": (1, 3)}, sizes, expected) == \
        "✓ shapes: all 2 shapes correct for {'Dx': 4}."
    with language("zh"):
        assert check_labels(np.array([0, 1]), np.array([0, 1])) == \
            "✓ predict：整数标签，形状 (N,) = (2,)，全部正确。"


# --- the grader -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Two submissions with a transposed dJ_dU: a Chinese one (whose dJ_dW also loops, so that
    its status is "timed out") and an English one; graded, with their feedback."""
    course = make_course(tmp_path_factory.mktemp("course"), [ASSIGNMENT])
    released = nbformat.read(course.release(ASSIGNMENT) / "backprop.ipynb", as_version=4)
    solutions = solution_code(course.source(ASSIGNMENT) / "backprop.ipynb")
    looping = solutions["dJ_dW"] + "\nwhile True:\n    pass\n"
    students = {"zh": Student("li", overrides={"dJ_dU": TRANSPOSED_DU, "dJ_dW": looping}),
                "en": Student("kim", overrides={"dJ_dU": TRANSPOSED_DU})}
    for edition, student in students.items():
        notebook = notebook_of(student, released, solutions)
        if edition == "zh":
            notebook.metadata["autograder"] = {"language": "zh"}
        path = course.submitted(student.id, ASSIGNMENT) / "backprop.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, path)
    outcomes = grade(course, ASSIGNMENT, jobs=2, overrides={"Execute.timeout": 3},
                     progress=False)
    assert feedback(course, ASSIGNMENT, ["li", "kim"]) == {}
    return course, outcomes


def failure_of(course, student, grade_id):
    notebook = nbformat.read(course.autograded_notebook(student, ASSIGNMENT), as_version=4)
    cell = next(c for c in notebook.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return next(o for o in cell.outputs if o.output_type == "error")


def test_a_chinese_submission_is_answered_in_chinese(graded):
    course, outcomes = graded
    assert (outcomes["li"].status, outcomes["li"].language) == ("timed out", "zh")
    assert course.load_statuses(ASSIGNMENT)["li"]["language"] == "zh"
    error = failure_of(course, "li", "test_dJ_dU")
    assert "可能的错误——转置：∂J/∂U 被转置了" in error.evalue
    assert "运行 3 秒后被停止：可能是死循环" in failure_of(course, "li", "dJ_dW").evalue
    page = (course.feedback("li", ASSIGNMENT) / "backprop.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    assert "你的部分代码运行时间过长。" in page and "其余单元格已评分。" in page
    assert "得分：" in page and "转置" in page and "Score:" not in page


def test_an_english_submission_in_the_same_class_stays_english(graded):
    course, outcomes = graded
    assert (outcomes["kim"].status, outcomes["kim"].language) == ("graded", "en")
    assert "Likely mistake — transposed: ∂J/∂U comes out transposed" in \
        failure_of(course, "kim", "test_dJ_dU").evalue
    page = (course.feedback("kim", ASSIGNMENT) / "backprop.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Score:" in page
    assert not any(text in page for text in ("得分", "转置", "可能的错误"))


def test_the_class_report_counts_a_chinese_diagnosis_under_its_english_name(graded):
    course, _ = graded
    mistakes = class_report.diagnosed_mistakes(course, ASSIGNMENT, ["li", "kim"])
    assert mistakes[("test_dJ_dU", "transposed")] == ["li", "kim"]
    assert not [name for _, name in mistakes if re.search(r"[\u4e00-\u9fff]", name)]


def test_the_class_report_knows_the_chinese_name_of_every_diagnosis():
    names = class_report.english_names()
    assert names["形状对不上"] == "shapes that do not line up"
    assert names["转置"] == "transposed"
