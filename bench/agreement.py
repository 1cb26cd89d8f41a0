"""Results must agree before a time counts: the check every implementation passes first."""

import numpy as np

# Largest error allowed, relative to the largest magnitude of the expected array.
TOLERANCE = {"float64": 1e-9, "float32": 1e-4}


class Disagreement(AssertionError):
    """An implementation's loss or gradients differ from the expected ones."""


def scaled_error(got, expected):
    """max |got - expected| / max |expected| (the absolute error when expected is all 0)."""
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        raise Disagreement(f"shape {got.shape}, expected {expected.shape}")
    if not np.all(np.isfinite(got)):
        raise Disagreement("not finite")
    if expected.size == 0:
        return 0.0
    scale = float(np.max(np.abs(expected)))
    return float(np.max(np.abs(got - expected))) / (scale if scale > 0 else 1.0)


def check_agreement(name, got, expected, dtype):
    """Raise Disagreement unless got and expected agree within TOLERANCE[dtype].

    got and expected are (loss, {variable: gradient}); returns the largest scaled error.
    """
    tolerance = TOLERANCE[str(np.dtype(dtype))]
    loss, grads = got
    expected_loss, expected_grads = expected
    if set(grads) != set(expected_grads):
        raise Disagreement(f"{name}: gradients of {sorted(grads)}, "
                           f"expected {sorted(expected_grads)}")
    worst = 0.0
    for variable, value in [("loss", (loss, expected_loss))] + [
            (v, (grads[v], expected_grads[v])) for v in sorted(expected_grads)]:
        try:
            error = scaled_error(*value)
        except Disagreement as problem:
            raise Disagreement(f"{name}: {variable}: {problem}") from None
        if error > tolerance:
            raise Disagreement(f"{name}: {variable} differs by {error:.2e} of its largest "
                               f"entry (tolerance {tolerance:.0e} in {np.dtype(dtype)})")
        worst = max(worst, error)
    return worst
