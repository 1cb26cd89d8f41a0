"""Answers built to break or fool the grader's side of the protocol: an ndarray subclass that
claims to equal anything, an object array of the right numbers, a 2**40-element array that is
one float in memory (np.lib.stride_tricks.as_strided), a broadcast 2**40-element array,
a list nested 100 000 levels deep, and an exception whose message is 3 MB.

Only plain data crosses to the grader: the subclass arrives as a plain array with its wrong
values, the object array as an opaque object, the huge arrays and the deep list cannot be
sent (the student's process runs out of memory or the encoder refuses the depth), the message is
cut. Each of those functions scores 0 (backward too, which uses them); the grader's process
and the notebook it writes stay small.
"""

OVERRIDES = {
    "dJ_dU": '''
class Agreeable(np.ndarray):
    """Equal to, and close to, anything it is compared with."""

    def __eq__(self, other):
        return np.ones(np.broadcast(self, other).shape, dtype=bool)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return True

    def __array_function__(self, func, types, args, kwargs):
        return True


def dJ_dU(delta1, h):
    return np.zeros((delta1.shape[1], h.shape[0])).view(Agreeable)
''',
    "dJ_db2": '''
def dJ_db2(delta1):
    return np.array(delta1.T.tolist(), dtype=object)
''',
    "dJ_dW": '''
def dJ_dW(delta2, x):
    return np.lib.stride_tricks.as_strided(np.zeros(1), shape=(2**20, 2**20), strides=(0, 0))
''',
    "dJ_db1": '''
def dJ_db1(delta2):
    nested = answer = delta2.T.tolist()
    for _ in range(100_000):
        nested = [nested]
    return nested
''',
    "dJ_dx": '''
def dJ_dx(delta2, W):
    huge = np.broadcast_to(np.float64(0.0), (2**40,))
    raise ValueError("x" * 3_000_000 + f" {huge.shape}")
''',
    "shapes": '''
def shapes(Dx, Dh, Nc):
    return {
        "x": (Dx, 1), "z": (Dh, 1), "h": (Dh, 1), "theta": (Nc, 1), "y_hat": (Nc, 1),
        "delta1": (1, Nc), "delta2": (1, Dh),
        "dJ_dU": (Nc, Dh), "dJ_db2": (Nc, 1), "dJ_dz": (1, Dh),
        "dJ_dW": (Dh, Dx), "dJ_db1": (Dh, 1), "dJ_dx": (Dx, 1),
        "padding": np.broadcast_to(np.float64(1.0), (2**40,)),
    }
''',
}
EXPECTED = {"zero": ["test_dJ_dU", "test_dJ_db2", "test_dJ_dW", "test_dJ_db1", "test_dJ_dx",
                     "test_shapes", "test_backward"],
            "status": "graded", "flags": []}
