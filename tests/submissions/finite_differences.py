"""backward answered by finite differences of forward instead of the analytic gradient."""

OVERRIDES = {"backward": """def backward(cache, params):
    x, y = cache["x"], cache["y"]
    grads = {}
    for name, value in [*params.items(), ("x", x)]:
        value = value.copy()
        grad = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            old = value[i]
            for sign in (1, -1):
                value[i] = old + sign * 1e-5
                trial = dict(params, **{name: value}) if name != "x" else params
                loss, _ = forward(value if name == "x" else x, y, trial)
                grad[i] += sign * loss / 2e-5
            value[i] = old
        grads[name] = grad
    return grads
"""}
EXPECTED = {"zero": ["test_backward"], "status": "graded", "flags": []}
