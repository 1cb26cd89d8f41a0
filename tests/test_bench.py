"""The benchmark's pure parts: the agreement check, the report, the repetitions, the grading
figures' arithmetic on a fake class (grading against the floor, with the sandbox against
without, jobs=2 against jobs=1), the worker profile's places and parts, the gradient check's
arithmetic and the implementations' agreement. No time is measured or asserted here."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from autograder.cases.network import network
from autograder.grading.grade import BROKEN, GRADED, Outcome
from autograder.grading.sandbox import Sandbox
from bench import autodiff, cluster, gradcheck, grading, runall, worker_profile
from bench.agreement import Disagreement, check_agreement, scaled_error
from bench.nbrun import Run
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


def test_the_worker_profile_sorts_self_time_into_places():
    bucket = worker_profile.bucket_of
    assert bucket("~", "<method 'poll' of 'select.epoll' objects>") == worker_profile.WAITING
    assert bucket("~", "<built-in method posix.read>") == worker_profile.WAITING
    assert bucket("/v/lib/python3.11/subprocess.py", "_execute_child") == worker_profile.WAITING
    assert bucket("<forward_test>", "<module>") == worker_profile.TESTS  # a test cell, exec'd
    assert bucket("<frozen posixpath>", "join") == worker_profile.OTHER
    assert bucket("/x/autograder/coursetools/checks.py", "check_close") == worker_profile.TESTS
    assert bucket("/x/autograder/grading/wire.py", "decode") == worker_profile.TESTS
    assert bucket("~", "<method 'reduce' of 'numpy.ufunc' objects>") == worker_profile.TESTS
    assert bucket("/v/site-packages/sqlalchemy/orm/query.py", "one") == worker_profile.DATABASE
    assert bucket("/v/site-packages/jsonschema/validators.py", "iter_errors") == \
        worker_profile.JSON
    assert bucket("/v/site-packages/nbgrader/preprocessors/overwritecells.py",
                  "preprocess") == worker_profile.NBGRADER
    assert bucket("/x/autograder/grading/grade.py", "_stage") == worker_profile.AUTOGRADER
    assert bucket("/v/site-packages/traitlets/traitlets.py", "__get__") == worker_profile.OTHER
    stats = {("~", 0, "<method 'poll' of 'select.epoll' objects>"): (9, 9, 2.0, 2.0, {}),
             ("/v/site-packages/sqlalchemy/orm/query.py", 1, "one"): (3, 3, 0.25, 0.4, {}),
             ("/v/site-packages/sqlalchemy/orm/session.py", 1, "execute"): (3, 3, 0.5, 0.5, {})}
    assert worker_profile.self_time(stats) == {worker_profile.WAITING: 2.0,
                                               worker_profile.DATABASE: 0.75}


def test_the_worker_profile_names_the_preprocessors_and_nests_the_calls():
    call = ("/v/site-packages/nbconvert/preprocessors/base.py", 44, "__call__")
    execute = ("/x/autograder/grading/execute.py", 107, "preprocess")
    check = ("/v/site-packages/nbgrader/preprocessors/checkcellmetadata.py", 11, "preprocess")
    get = ("/v/site-packages/traitlets/traitlets.py", 9, "__get__")
    start = ("/x/autograder/grading/student.py", 65, "_start")
    stats = {call: (16, 16, 0.0, 3.0, {}),
             execute: (1, 1, 0.0, 2.5, {call: (1, 1, 0.0, 2.5)}),
             check: (2, 2, 0.0, 0.2, {call: (2, 2, 0.0, 0.2)}),
             get: (9, 9, 0.001, 0.001, {call: (9, 9, 0.001, 0.001)}),
             start: (1, 1, 0.0, 0.3, {execute: (1, 1, 0.0, 0.3)})}
    assert worker_profile.preprocessors(stats) == [
        ("autograder.grading.execute.preprocess", 2.5),
        ("nbgrader.preprocessors.checkcellmetadata.preprocess", 0.2)]
    assert worker_profile.call_tree(stats, [call], threshold=0.1) == [
        (0, "autograder.grading.execute.preprocess", 2.5),
        (1, "autograder.grading.student._start", 0.3),
        (0, "nbgrader.preprocessors.checkcellmetadata.preprocess", 0.2)]
    assert worker_profile.cumulative(stats, "autograder/grading/student.py", "_start") == 0.3
    assert worker_profile.label(("<frozen posixpath>", 1, "join")) == "posixpath.join"
    assert worker_profile.label(("<dJ_dU_test>", 1, "<module>")) == \
        "code run by exec (<dJ_dU_test>)"


def test_the_profiled_functions_exist():
    """Every function the profile reports on is where the profile looks for it."""
    for part, (path_end, name) in worker_profile.PARTS.items():
        package, _, rest = path_end.partition("/")
        home = Path(importlib.util.find_spec(package).origin).parent
        source = (home / rest).read_text(encoding="utf-8")
        assert f"def {name}(" in source, (part, path_end, name)
    for name in grading.PREPROCESSOR_NAMES:
        module, function = name.rsplit(".", 1)
        source = Path(importlib.util.find_spec(module).origin).read_text(encoding="utf-8")
        assert f"def {function}(" in source, name


def test_submissions_graded_in_turn_go_abba():
    assert worker_profile.abba(["on", "off"], 6) == ["on", "off", "off", "on", "on", "off"]


def test_the_grading_runs_alternate_and_the_floor_follows_a_grading():
    plan = grading.schedule(3)
    steps = [step for _, step in plan]
    assert len(plan) == 3 * len(grading.STEPS)
    for rep in range(3):
        assert sorted(s for r, s in plan if r == rep) == sorted(grading.STEPS)
    assert steps.index((grading.FLOOR, 1)) > steps.index((grading.SANDBOXED, 1))
    first = [[s for r, s in plan if r == rep and s[1] == 1 and s[0] != grading.FLOOR][0][0]
             for rep in range(3)]
    assert first == [grading.SANDBOXED, grading.UNSANDBOXED, grading.SANDBOXED]


STUDENTS = {"a": 2.0, "b": 2.4, "c": 3.0}


def fake_run(setting, jobs, factor):
    """A grading run of the fake class: every worker second times factor, and a broken
    submission that is never executed."""
    outcomes = {s: Outcome(s, GRADED, seconds=t * factor) for s, t in STUDENTS.items()}
    outcomes["broken"] = Outcome("broken", BROKEN, seconds=0.001)
    wall = (sum(o.seconds for o in outcomes.values()) + 1.5) / jobs
    return {"setting": setting, "jobs": jobs, "wall": wall, "cpu": wall * 0.9,
            "course": None, "outcomes": outcomes,
            "totals": {s: "21" for s in STUDENTS} | {"broken": "0"}}


def fake_runs(reps, sandbox_factor):
    runs = []
    for position, (rep, (setting, jobs)) in enumerate(grading.schedule(reps)):
        if setting == grading.FLOOR:
            notebooks = {s: Run(s, start=0.5, cells=t - 1.0, stop=0.5, slowest=("x", 0.3))
                         for s, t in STUDENTS.items()}
            run = {"setting": setting, "jobs": 1, "wall": 7.5, "cpu": 7.0,
                   "notebooks": notebooks}
        else:
            run = fake_run(setting, jobs, sandbox_factor if setting == grading.SANDBOXED
                           else 1.0)
        runs.append({**run, "rep": rep, "position": position % len(grading.STEPS)})
    return runs


def fake_profile(mode):
    return {"sandbox": mode, "status": GRADED, "detail": "", "import seconds": 3.0,
            "start seconds": 1.0, "total": 2.5, "autograde": 2.4, "execute": 1.8,
            "process start": 0.2, "process stop": 0.01, "student cells": 1.5, "tests": 0.1,
            "steps": [("nbgrader.apps.api.autograde", 2.4),
                      ("autograder.grading.grade._stage", 0.02),
                      ("autograder.grading.integrity.tampered_cells", 0.001)],
            "preprocessors": [("autograder.grading.execute.preprocess", 1.8),
                              ("nbgrader.preprocessors.checkcellmetadata.preprocess", 0.2),
                              ("nbgrader.preprocessors.deduplicateids.preprocess", 0.001)],
            "self time": {worker_profile.WAITING: 1.7, worker_profile.DATABASE: 0.4}}


PROFILES = {grading.SANDBOXED: fake_profile("bwrap"), grading.UNSANDBOXED: fake_profile("none")}
BWRAP = Sandbox("bwrap", "/usr/bin/bwrap")


@pytest.mark.parametrize("factor, meets", [(1.05, True), (1.25, False)])
def test_the_sandbox_figure_compares_seconds_per_submission(factor, meets):
    alternate = {grading.SANDBOXED: {"a": [2.0 * factor, 2.2 * factor], "b": [3.0 * factor]},
                 grading.UNSANDBOXED: {"a": [2.0, 2.2], "b": [3.0]}}
    fig = grading.sandbox_figure(fake_runs(2, factor), PROFILES, BWRAP, alternate)
    summary = fig["summary"]
    assert summary["alternately in one worker (per student, median)"] == pytest.approx(factor)
    assert summary["ratio (sandboxed / no sandbox, per submission)"] == pytest.approx(factor)
    assert summary["paired (same student, same repetition), median"] == pytest.approx(factor)
    assert summary["meets the goal"] is meets and summary["goal"] == "<= 1.10"
    assert summary["submissions executed"] == 3  # the broken one is left out
    assert summary["same statuses and points in every run"] is True
    by_measure = {row["measure"]: row for row in fig["rows"]}
    median_row = by_measure["all repetitions: s/submission, median"]
    assert median_row[grading.UNSANDBOXED] == 2.4
    assert median_row[grading.SANDBOXED] == pytest.approx(2.4 * factor)
    assert [by_measure[f"repetition {r}: s/submission, median"]["note"].split(";")[0]
            for r in (1, 2)] == ["sandboxed first", "no sandbox first"]
    assert "2. Sandbox cost" in render(fig)


def test_the_overhead_figure_sets_grading_against_the_floor_and_breaks_it_down():
    runs = fake_runs(2, 1.05)
    fig = grading.overhead_figure(runs, PROFILES[grading.SANDBOXED], 1.0, [])
    summary = fig["summary"]
    single = [r for r in runs if r["setting"] == grading.SANDBOXED and r["jobs"] == 1]
    floor_each = sum(STUDENTS.values()) / 3
    assert summary["ratio (grade() / floor)"] == pytest.approx(single[0]["wall"] / 3 / floor_each)
    assert summary["meets the goal"] is (summary["ratio (grade() / floor)"] <= 1.15)
    assert summary["per student (worker / floor), median"] == pytest.approx(1.05)
    parts = {row["part"].strip(): row for row in fig["rows"]}
    assert parts["floor: nbclient alone"]["x floor"] == 1.0
    assert parts["nbgrader's autograde"]["s/submission"] == 2.4
    assert parts["grade._stage"]["s/submission"] == 0.02
    assert parts["other steps"]["s/submission"] == 0.001  # the locked-cells check
    assert parts["SandboxedExecute: the execution"]["s/submission"] == 1.8
    assert parts["nbgrader checkcellmetadata"]["s/submission"] == 0.2
    assert "nbgrader deduplicateids" not in parts  # under 0.01 s: with the others
    assert parts["other preprocessors"]["s/submission"] == 0.001
    assert parts["the rest of autograde"]["s/submission"] == pytest.approx(2.4 - 2.001)
    assert parts[f"self time: {worker_profile.WAITING}"]["s/submission"] == 1.7
    render(fig)


def test_the_parallel_figure_and_a_disagreement_between_runs():
    runs = fake_runs(2, 1.0)
    runs[0]["load"] = (1.25, 2.0)
    fig = grading.parallel_figure(runs)
    assert fig["summary"]["speed-up (median)"] == pytest.approx(2.0)
    assert fig["rows"][0]["load average"] == "1.2-2.0, -"
    assert [row["repetition"] for row in fig["rows"]] == [1, 2]
    runs[1]["totals"] = dict(runs[1]["totals"], a="20")
    assert grading.agree(runs) is False


@pytest.mark.parametrize("two_workers_wall, meets", [(5.5, True), (7.0, False)])
def test_the_cluster_figure_sets_dask_workers_next_to_the_local_pool(two_workers_wall, meets):
    plan = cluster.schedule(2)
    assert [step for rep, step in plan if rep == 1] == list(cluster.STEPS[::-1])
    walls = {(cluster.POOL, 1): 10.0, (cluster.DASK, 1): 10.5, (cluster.POOL, 2): 5.2,
             (cluster.DASK, 2): two_workers_wall}
    runs = [{**fake_run(setting, workers, 1.0), "rep": rep, "wall": walls[(setting, workers)],
             "load": (1.0, 1.0)} for rep, (setting, workers) in plan]
    summary = cluster.cluster_figure(runs)["summary"]
    assert summary["speed, Dask 1 worker"] == pytest.approx(10.0 / 10.5)
    assert summary["speed, local pool jobs=2"] == pytest.approx(10.0 / 5.2)
    assert summary["Dask speed-up, 2 workers over 1 (median)"] == \
        pytest.approx(10.5 / two_workers_wall)
    assert summary["efficiency (speed-up / 2)"] == pytest.approx(10.5 / two_workers_wall / 2)
    assert summary["meets the goal"] is meets
    assert summary["Dask efficiency on cores of their own (busy workers: 2 / (2 x 1))"] == \
        pytest.approx(10.5 / two_workers_wall / 2)  # every worker second the same here
    assert summary["same statuses and points in every run"] is True


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
