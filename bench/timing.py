"""Clocks, repetitions and medians, and a console that stays quiet while kernels chatter."""

import contextlib
import math
import os
import resource
import statistics
import sys
import time


def median(values):
    """The median of a non-empty sequence of numbers."""
    values = list(values)
    if not values:
        raise ValueError("median of no values")
    return statistics.median(values)


def spread(values):
    """The interquartile range of the values as a fraction of their median (0 for one value)."""
    values = sorted(values)
    if len(values) < 2:
        return 0.0
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return (q3 - q1) / median(values)


def timed(function, *args, **kwargs):
    """(seconds, result) of one call."""
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def cpu_seconds():
    """User + system CPU seconds of this process and of its finished, reaped descendants.

    Less sensitive than the wall clock to other work on a shared machine: the difference
    across a call counts the CPU that the call's processes (workers, kernels) used."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def calls_per_sample(seconds_per_call, target=0.01):
    """How many calls make one timed sample last about target seconds (at least 1)."""
    return max(1, math.ceil(target / max(seconds_per_call, 1e-9)))


def interleaved(functions, reps, number):
    """{name: [seconds per call, one per repetition]}.

    Each repetition times every function once (number[name] calls in a row), in an order
    rotated from one repetition to the next, so that a burst of load on the machine hits
    every function rather than one.
    """
    names = list(functions)
    samples = {name: [] for name in names}
    for rep in range(reps):
        shift = rep % len(names)
        for name in names[shift:] + names[:shift]:
            function, n = functions[name], number[name]
            started = time.perf_counter()
            for _ in range(n):
                function()
            samples[name].append((time.perf_counter() - started) / n)
    return samples


def paired_ratio(samples, numerator, denominator):
    """Median over repetitions of samples[numerator][i] / samples[denominator][i]."""
    return median(a / b for a, b in zip(samples[numerator], samples[denominator], strict=True))


class Console:
    """Progress lines on the terminal, even while stdout and stderr go to a log (quiet())."""

    def __init__(self):
        self._out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)

    def say(self, text):
        self._out.write(text + "\n")
        self._out.flush()


@contextlib.contextmanager
def quiet(log_path):
    """Send file descriptors 1 and 2 (this process, its workers and their kernels) to log_path.

    Kernels print a start-up warning on stderr and the grading workers report broken
    submissions on stdout: that goes to the log, not between the progress lines.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log_path, "a", encoding="utf-8") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
