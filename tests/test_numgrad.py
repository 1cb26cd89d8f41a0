"""Numerical gradients, the relative error and their input checks."""

import numpy as np
import pytest

from autograder.coursetools import gradient_check, numerical_gradient, relative_error


def test_numerical_gradient_of_a_known_function_any_shape():
    rng = np.random.default_rng(0)
    for shape in [(3,), (4, 1), (2, 3, 4)]:
        x = rng.standard_normal(shape)
        before = x.copy()
        grad = numerical_gradient(lambda x=x: np.sum(np.sin(x) * x**2), x)
        assert grad.shape == shape
        np.testing.assert_allclose(grad, np.cos(before) * before**2 + 2 * before * np.sin(before),
                                   rtol=1e-8, atol=1e-10)
        np.testing.assert_array_equal(x, before)  # every entry restored exactly


def test_relative_error():
    assert relative_error(np.zeros((2, 2)), np.zeros((2, 2))) == 0.0
    assert relative_error(np.array([[1.0, 2.0]]), np.array([[1.0, 3.0]])) == pytest.approx(0.2)
    # the floor 1e-8 keeps tiny values from dividing by zero
    assert relative_error(np.array([1e-12]), np.array([0.0])) == pytest.approx(1e-4)
    unequal = r"relative_error needs equal shapes, got \(2,\) and \(3,\)"
    with pytest.raises(ValueError, match=unequal):
        relative_error(np.zeros(2), np.zeros(3))


def test_bad_input_to_numerical_gradient():
    with pytest.raises(TypeError, match="x must be a float64 array .* got int64"):
        numerical_gradient(lambda: 0.0, np.arange(3))
    with pytest.raises(TypeError, match="x must be a numpy array, got list"):
        numerical_gradient(lambda: 0.0, [1.0, 2.0])
    with pytest.raises(ValueError, match="x contains NaN or inf"):
        numerical_gradient(lambda: 0.0, np.array([1.0, np.nan]))


def test_gradient_check_reports_the_worst_entry_of_a_wrong_gradient():
    x = np.array([[1.0], [2.0], [3.0]])
    wrong = 2 * x
    wrong[1, 0] += 0.1
    report = gradient_check(lambda: float(np.sum(x**2)), {"x": x}, {"x": wrong})
    (result,) = report.variables
    assert result.worst_index == (1, 0)
    assert result.analytic == pytest.approx(4.1) and result.numerical == pytest.approx(4.0)
    assert result.max_error == pytest.approx(0.1 / 8.1, rel=1e-6)
    assert not report.passed and "FAILED" in str(report)
    wrong_shape = r"analytic gradient of x has shape \(1, 3\), expected \(3, 1\)"
    with pytest.raises(ValueError, match=wrong_shape):
        gradient_check(lambda: float(np.sum(x**2)), {"x": x}, {"x": x.T})


def test_gradient_check_reports_actual_errors_and_marks_round_off():
    """A right gradient shows its real (tiny) errors, not zeros; an entry whose difference is
    below the centred difference's round-off is marked, not failed."""
    x = np.array([[0.3], [-1.2], [2.0]])
    report = gradient_check(lambda: float(np.sum(np.sin(x))), {"x": x}, {"x": np.cos(x)})
    (result,) = report.variables
    assert 0 < result.max_error < 1e-8
    assert result.counted_error <= result.max_error
    assert "0.00e+00" not in str(report).splitlines()[1]
    big = np.array([[1e-9], [3.0]])
    report = gradient_check(lambda: float(1e6 + np.sum(big**2)), {"x": big},
                            {"x": 2 * big + np.array([[1e-9], [0.0]])})
    assert report.passed and report.variables[0].max_error > 1e-6
    assert "ok: below round-off" in str(report)
