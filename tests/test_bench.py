"""The benchmark's pure parts: the agreement check, the report, the repetitions, the gradient
check's arithmetic and the implementations' agreement. No time is measured or asserted here."""

import json

import numpy as np
import pytest

from autograder.cases.network import network
from bench import autodiff, gradcheck, runall, worker_profile
from bench.agreement import Disagreement, check_agreement, scaled_error
from bench.report import FIGURE_KEYS, figure, fmt, render, render_all, skipped, write_json
from bench.timing import calls_per_sample, interleaved, median, paired_ratio, spread


def result(scale=1.0):
    grads = {"W": np.arange(6.0).reshape(2, 3) * scale, "b1": np.ones((2, 1)) * scale}
    return 2.5 * scale, grads


def test_agreement_passes_on_equal_results_and_returns_the_worst_error():
    assert check_agreement("same", result(), result(), "float64") == 0.0


def test_agreement_raises_on_a_wrong_gradient_a_wrong_loss_or_a_missing_variable():
    loss, grads = result()
    wrong = dict(grads, W=grads["W"] + 1e-6)
    with pytest.raises(Disagreement, match="W differs"):
        check_agreement("peer", (loss, wrong), result(), "float64")
    with pytest.raises(Disagreement, match="loss"):
        check_agreement("peer", (loss + 1.0, grads), result(), "float64")
    with pytest.raises(Disagreement, match="gradients of"):
        check_agreement("peer", (loss, {"W": grads["W"]}), result(), "float64")
    with pytest.raises(Disagreement, match="shape"):
        check_agreement("peer", (loss, dict(grads, b1=np.ones((1, 2)))), result(), "float64")
    with pytest.raises(Disagreement, match="not finite"):
        check_agreement("peer", (loss, dict(grads, b1=np.full((2, 1), np.nan))), result(),
                        "float64")


def test_agreement_tolerance_depends_on_the_dtype():
    loss, grads = result()
    close = (loss, dict(grads, W=grads["W"] * (1 + 1e-6)))
    assert check_agreement("float32 peer", close, result(), "float32") < 1e-5
    with pytest.raises(Disagreement):
        check_agreement("float64 peer", close, result(), "float64")
    assert scaled_error(np.zeros(3), np.zeros(3)) == 0.0


def test_figure_rejects_a_row_with_an_unknown_column():
    with pytest.raises(ValueError, match="not in"):
        figure("t", ["a"], [{"a": 1, "b": 2}])


def test_json_holds_the_same_figures_as_the_table(tmp_path):
    figures = {"one": figure("1. A figure", ["name", "ratio"], [{"name": "x", "ratio": 1.234}],
                             {"headline": 0.5}, ["a note"]),
               "two": skipped("2. Another", "not installed")}
    results = {"meta": {"started": "now", "machine": "m", "load_average_start": 1.0,
                        "load_average_end": 2.0, "seconds": 3.0},
               "figures": figures}
    path = write_json(results, tmp_path / "results")
    written = json.loads(path.read_text())
    assert written == json.loads((tmp_path / "results" / "latest.json").read_text())
    assert set(written) == {"meta", "figures"}
    assert set(written["figures"]) == {"one", "two"}
    for fig in written["figures"].values():
        assert set(fig) == set(FIGURE_KEYS)
    assert written["figures"]["one"]["rows"] == [{"name": "x", "ratio": 1.234}]
    text = render_all(results)
    assert "1. A figure" in text and "1.23" in text and "headline: 0.5" in text
    assert "skipped: not installed" in text and "a note" in text


def test_numbers_are_printed_short():
    assert [fmt(v) for v in (True, None, 3, 0.0, 1.23456, 123.4, 1e-5, 2e6)] == \
        ["yes", "-", "3", "0", "1.23", "123", "1.0e-05", "2.0e+06"]
    rows = [{"name": "a", "v": 1.0}, {"name": "bb", "v": 10.0}]
    table = render(figure("t", ["name", "v"], rows))
    assert table.splitlines()[2:] == ["name   v", "----  --", "a      1", "bb    10"]


def test_repetitions_rotate_and_ratios_are_paired():
    calls = []
    functions = {n: (lambda n=n: calls.append(n)) for n in "abc"}
    samples = interleaved(functions, reps=3, number={"a": 1, "b": 2, "c": 1})
    assert calls == list("abbc") + list("bbca") + list("cabb")
    assert all(len(s) == 3 for s in samples.values())
    fake = {"x": [2.0, 4.0, 100.0], "floor": [1.0, 2.0, 50.0]}
    assert paired_ratio(fake, "x", "floor") == 2.0
    assert median([3, 1, 2]) == 2 and spread([1.0, 1.0, 1.0]) == 0.0
    assert calls_per_sample(0.001, target=0.01) == 10 and calls_per_sample(1.0) == 1


def test_pytest_output_is_summarized():
    output = "\n".join([
        "....F", "=== slowest 3 durations ===",
        "60.12s call     tests/test_grading.py::test_class[jobs 2]",
        "0.50s setup    tests/test_a.py::test_b",
        "=== short test summary info ===",
        "FAILED tests/test_a.py::test_b - AssertionError: x",
        "1 failed, 4 passed in 61.00s (0:01:01)"])
    closing, failed, slowest = runall.summarize(output)
    assert closing == "1 failed, 4 passed in 61.00s (0:01:01)"
    assert failed == ["tests/test_a.py::test_b"]
    assert slowest == [(60.12, "tests/test_grading.py::test_class[jobs 2]"),
                       (0.5, "tests/test_a.py::test_b")]


def test_the_worker_profile_names_and_nests_the_calls():
    grade_one = ("/x/autograder/grade.py", 1, "_grade_one")
    autograde = ("/v/lib/python3.11/site-packages/nbgrader/apps/api.py", 9, "autograde")
    check = ("/x/autograder/integrity.py", 5, "check_submission")
    hidden = ("/x/autograder/cases/__init__.py", 7, "hidden_cases")
    tiny = ("/x/autograder/grade.py", 2, "_outcome_of")
    stats = {grade_one: (1, 1, 0.0, 4.0, {}),
             autograde: (1, 1, 0.1, 2.5, {grade_one: (1, 1, 0.1, 2.5)}),
             check: (1, 1, 0.0, 1.4, {grade_one: (1, 1, 0.0, 1.4)}),
             hidden: (8, 8, 0.7, 0.7, {check: (8, 8, 0.7, 0.7)}),
             tiny: (1, 1, 0.01, 0.01, {grade_one: (1, 1, 0.01, 0.01)})}
    assert worker_profile.call_tree(stats, [grade_one], threshold=0.2) == [
        (0, "nbgrader.apps.api.autograde", 2.5),
        (0, "autograder.integrity.check_submission", 1.4),
        (1, "autograder.cases.hidden_cases", 0.7)]
    assert worker_profile.bucket_of("~", "<method 'poll' of 'select.epoll' objects>") \
        .startswith("waiting")
    assert worker_profile.bucket_of("/v/site-packages/sqlalchemy/orm.py", "query") \
        .startswith("database")


def test_gradient_check_error_falls_then_rises_as_h_shrinks():
    params, x, y = network(4, 5, 3, seed=1)
    errors = gradcheck.errors_by_step(params, x, y)
    best = gradcheck.best_steps(errors)
    for name, (h, error) in best.items():
        assert 1e-7 <= h <= 1e-3, (name, h)
        assert error < 1e-6, (name, error)
        assert errors[1e-2][name] > 10 * error and errors[1e-10][name] > 10 * error, name


def test_the_reference_keeps_float32_and_the_floor_has_the_gradient_shapes():
    params, X, Y = autodiff.problem(N=6, Dx=4, Dh=5, Nc=3, dtype="float32")
    assert autodiff.float32_kept(params, X, Y) == []
    step, _ = autodiff.floor(params, X, Y)
    out = step()
    assert out["W"].shape == params["W"].shape and out["X"].shape == X.shape
    assert out["U"].dtype == np.float32


def agree(make, dtype):
    params, X, Y = autodiff.problem(N=6, Dx=4, Dh=5, Nc=3, dtype=dtype)
    exact = autodiff.reference(*[autodiff._upcast(a) for a in (params, X, Y)])[0]()
    step, to_numpy = make(params, X, Y)
    return check_agreement("peer", to_numpy(step()), exact, dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_autograd_peer_agrees_with_the_reference(dtype):
    pytest.importorskip("autograd")
    assert agree(autodiff.autograd_peer(), dtype) < 1e-4


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_torch_peer_agrees_with_the_reference(dtype):
    pytest.importorskip("torch")
    assert agree(autodiff.torch_peer(), dtype) < 1e-4


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_jax_peer_agrees_with_the_reference(dtype, monkeypatch):
    pytest.importorskip("jax")
    monkeypatch.delenv("XLA_FLAGS", raising=False)  # jax_peer sets it: restore it after
    assert agree(autodiff.jax_peer(), dtype) < 1e-4


def test_a_wrong_peer_is_caught_before_it_is_timed():
    def make(params, X, Y):
        step, _ = autodiff.reference(params, X, Y)
        return (lambda: step()), lambda out: (out[0], dict(out[1], W=out[1]["W"] * 1.01))

    with pytest.raises(Disagreement, match="W differs"):
        agree(make, "float64")
