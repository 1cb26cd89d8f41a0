"""Checks of the exercises that are more than one function against one answer: the table of
shapes, predict's labels, sgd_step's new dict, and the accuracy of the trained network.

Each raises CheckFailure with a message a student can act on, and returns a success line.
"""

import numpy as np

from .checks import CheckFailure
from .i18n import _


def check_shape_table(shapes, sizes, expected):
    """Check shapes(**sizes) against expected {quantity: shape} (as stored in a case file)."""
    __tracebackhide__ = True
    sizes = {k: int(v) for k, v in sizes.items()}
    answer = shapes(**sizes)
    if not isinstance(answer, dict):
        raise CheckFailure(_("shapes must return a dict, got {type}.").format(
            type=type(answer).__name__))
    for name, want in expected.items():
        want = tuple(int(n) for n in want)
        if name not in answer:
            raise CheckFailure(_("shapes(...) has no entry {name}.").format(name=repr(name)))
        if name.startswith("delta") or name == "dJ_dz":
            hint = _("the δ's are row vectors")
        elif name.startswith("dJ_"):
            hint = _("a gradient has the shape of its variable")
        else:
            hint = _("x, z, h, Θ and ŷ are column vectors")
        got = answer[name]
        if not isinstance(got, (tuple, list)) or tuple(got) != want:
            raise CheckFailure(_("shapes({sizes})[{name}] is {got}, expected {want}: {hint}."
                                 ).format(sizes=sizes, name=repr(name), got=repr(got),
                                          want=want, hint=hint))
    return _("✓ shapes: all {count} shapes correct for {sizes}.").format(count=len(expected),
                                                                        sizes=sizes)


def check_labels(labels, expected):
    """Check predict's labels: a numpy array, of integers, of shape (N,), all right."""
    __tracebackhide__ = True
    if not isinstance(labels, np.ndarray):
        raise CheckFailure(_("predict must return a numpy array, got {type}.").format(
            type=type(labels).__name__))
    if not np.issubdtype(labels.dtype, np.integer):
        raise CheckFailure(_("predict must return integer labels, got dtype {dtype} (np.argmax "
                             "gives integers).").format(dtype=labels.dtype))
    if labels.shape != expected.shape:
        hint = (_("Return a 1-D array: do not keep the class dimension.")
                if labels.size == expected.size else
                _("Take the argmax over the classes, axis 0: each column of X is one example."))
        raise CheckFailure(_("predict must return shape (N,) = {expected}, got {got}.").format(
            expected=expected.shape, got=labels.shape) + " " + hint)
    wrong = int(np.sum(labels != expected))
    if wrong:
        raise CheckFailure(_("{wrong} of {count} labels are wrong (first at example {first}): "
                             "predict the class of the largest logit of each column.").format(
            wrong=wrong, count=expected.size, first=int(np.argmax(labels != expected))))
    return _("✓ predict: integer labels of shape (N,) = {shape}, all correct.").format(
        shape=expected.shape)


def check_new_dict(function, args, key="params"):
    """Check that function(*args.values()) returns a new dict and leaves args[key] as it was."""
    __tracebackhide__ = True
    name = function.__name__
    given = dict(args[key])
    new = function(*args.values())
    if new is args[key]:
        raise CheckFailure(_("{name} must return a new dict, not the {key} dict it was given."
                             ).format(name=name, key=key))
    if args[key].keys() != given.keys() or any(args[key][k] is not given[k] for k in given):
        raise CheckFailure(_("{name} changed the {key} dict it was given: build and return a new "
                             "dict instead.").format(name=name, key=key))
    return _("✓ {name} returns a new dict and leaves {key} as it was.").format(name=name, key=key)


def graded_only_with_right_steps(steps, check_step):
    """Raise CheckFailure unless check_step(function, name) passes for every step {name:
    function} the training used: a trained result counts only when they are right."""
    __tracebackhide__ = True
    for name, function in steps.items():
        try:
            check_step(function, name)
        except CheckFailure as failure:
            raise CheckFailure(_("the held-out accuracy is graded only when {steps} are right, "
                                 "and {name} is not. {failure}").format(
                steps=_(" and ").join(steps), name=name, failure=failure)) from None


def check_accuracy(namespace, X_test, labels_test, name="digits_params", threshold=0.93):
    """Print the test accuracy of the parameters called name in namespace (the notebook's
    globals); raise CheckFailure when they do not exist or the accuracy is below threshold."""
    __tracebackhide__ = True
    if name not in namespace:
        raise CheckFailure(_("{name} does not exist: run the digits training cell above (it "
                             "needs all four exercises).").format(name=name))
    params = namespace[name]
    with np.errstate(all="ignore"):
        logits = (params["U"] @ np.maximum(params["W"] @ X_test + params["b1"], 0)
                  + params["b2"])
    accuracy = float(np.mean(np.argmax(logits, axis=0) == labels_test))
    print(_("test accuracy of {name}: {accuracy}").format(name=name,
                                                          accuracy=f"{accuracy:.3f}"))
    if accuracy < threshold:
        raise CheckFailure(_("test accuracy {accuracy} is below {threshold}: check your "
                             "gradients (section 3) and that sgd_step moves against the "
                             "gradient.").format(accuracy=f"{accuracy:.3f}",
                                                 threshold=threshold))
    return _("✓ held-out accuracy {accuracy} ≥ {threshold}").format(accuracy=f"{accuracy:.3f}",
                                                                     threshold=threshold)
