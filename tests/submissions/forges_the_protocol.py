"""Writing on the protocol's channel directly, when the grader calls a function: the student's
code finds the runner's channel to the grader and sends, ahead of its answer, a line nested too
deep to parse, a request to call back a function the grader never sent, an array whose header
claims 2**40 elements, and a line longer than the limit. (The functions behave when the
student's own code calls them, so backward, which calls them, is correct.)

The grader reads at most the limit of one line and refuses anything outside the protocol before
building it, then treats the process as dead, so that its real answer, still on the way, cannot
answer the grader's next request: that test scores 0, the process is started again with the
cells before replayed, and the rest is graded. The student controls its own process
entirely anyway; nothing it sends is more than a value the grader checks.
"""

PROLOGUE = '''
import gc
import sys


def send(raw):
    """Send raw on the runner's pipe to the grader, if the grader is the caller."""
    if sys._getframe(2).f_code.co_name == "answer":
        out = next(o for o in gc.get_objects() if type(o).__name__ == "Runner").channel_out
        out.write(raw)
        out.flush()
'''

OVERRIDES = {
    "forward": PROLOGUE + '''

def forward(x, y, params):
    send(b'{"answer": ' + b"[" * 60_000 + b"]" * 60_000 + b'}\\n')
    z = params["W"] @ x + params["b1"]
    h = np.maximum(z, 0)
    theta = params["U"] @ h + params["b2"]
    shifted = theta - theta.max()
    log_y_hat = shifted - np.log(np.exp(shifted).sum())
    cache = {"x": x, "z": z, "h": h, "theta": theta, "y_hat": np.exp(log_y_hat), "y": y}
    return float(-(y * log_y_hat).sum()), cache
''',
    "dJ_dU": '''
def dJ_dU(delta1, h):
    send(b'{"callback": 0, "args": [], "state": []}\\n')
    return delta1.T @ h.T
''',
    "dJ_db2": '''
def dJ_db2(delta1):
    send(b'{"answer": {"__array__": {"dtype": "<f8", "shape": [1048576, 1048576], '
         b'"data": "", "writeable": true}}}\\n')
    return delta1.T.copy()
''',
    "dJ_dz": '''
def dJ_dz(delta1, U, h):
    send(b'{"answer": "' + b"x" * (65 * 1024**2) + b'"}\\n')
    return (delta1 @ U) * (h > 0).T
''',
}
EXPECTED = {"zero": ["test_forward", "test_dJ_dU", "test_dJ_db2", "test_dJ_dz"],
            "status": "kernel died", "flags": [],
            "detail": "died in test_forward, test_dJ_dU, test_dJ_db2, test_dJ_dz (a crash"}
