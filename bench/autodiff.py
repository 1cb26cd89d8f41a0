"""Figure 4: the reference's batched forward + backward against autodiff peers and a floor.

Every implementation computes the mean cross-entropy loss of the network on N examples
(columns of X) and its gradients with respect to U, b2, W, b1 and X, in float64 and float32.
Before any time counts, its loss and gradients must agree with the float64 reference on the
same numbers (agreement.check_agreement raises otherwise). Peers that are not installed are
skipped with the reason.

The floor is the six matrix products that no implementation can avoid, in NumPy on
preallocated buffers and nothing else (no bias, ReLU, softmax or mask):
    forward   Z = W X (Dh,Dx)(Dx,N),  Theta = U H (Nc,Dh)(Dh,N)
    backward  dU = D1 H^T (Nc,N)(N,Dh),  G = U^T D1 (Dh,Nc)(Nc,N),
              dW = D2 X^T (Dh,N)(N,Dx),  dX = W^T D2 (Dx,Dh)(Dh,N)
with D1 = dJ/dTheta and D2 = dJ/dZ stored as columns. Three of them (W X, D2 X^T, W^T D2)
cost Dh*Dx*N multiply-adds each and dominate; the three with Nc are small.
"""

import contextlib
import os
import sys

import numpy as np

from autograder import reference as R
from autograder.cases.network import network

from .agreement import check_agreement
from .report import figure
from .timing import calls_per_sample, interleaved, median, paired_ratio, spread, timed

SIZES = {
    "small": {"N": 64, "Dx": 64, "Dh": 128, "Nc": 10},
    "large": {"N": 1024, "Dx": 784, "Dh": 256, "Nc": 10},
}
DTYPES = ("float64", "float32")
VARIABLES = ("U", "b2", "W", "b1", "X")


def problem(N, Dx, Dh, Nc, dtype, seed=0):
    """params, X, Y of the course's network, cast to dtype."""
    params, X, Y = network(Dx, Dh, Nc, seed, N=N)
    cast = {k: v.astype(dtype) for k, v in params.items()}
    return cast, X.astype(dtype), Y.astype(dtype)


def reference(params, X, Y):
    def step():
        J, cache = R.forward_batch(X, Y, params)
        return J, R.backward_batch(cache, params)

    return step, lambda out: out


def float32_kept(params, X, Y):
    """Names of the reference's intermediate and output arrays that are not float32."""
    J, cache = R.forward_batch(X, Y, params)
    grads = R.backward_batch(cache, params)
    arrays = {f"cache {k}": v for k, v in cache.items()}
    arrays.update({f"gradient {k}": v for k, v in grads.items()})
    return sorted(f"{k} ({v.dtype})" for k, v in arrays.items() if v.dtype != np.float32)


def floor(params, X, Y):
    Dh, Nc, N = params["W"].shape[0], params["U"].shape[0], X.shape[1]
    dtype = X.dtype
    W, U = params["W"], params["U"]
    rng = np.random.default_rng(0)
    H = np.abs(rng.standard_normal((Dh, N))).astype(dtype)
    D1 = rng.standard_normal((Nc, N)).astype(dtype)
    D2 = rng.standard_normal((Dh, N)).astype(dtype)
    out = {"Z": np.empty((Dh, N), dtype), "Theta": np.empty((Nc, N), dtype),
           "U": np.empty(U.shape, dtype), "G": np.empty((Dh, N), dtype),
           "W": np.empty(W.shape, dtype), "X": np.empty(X.shape, dtype)}

    def step():
        np.matmul(W, X, out=out["Z"])
        np.matmul(U, H, out=out["Theta"])
        np.matmul(D1, H.T, out=out["U"])
        np.matmul(U.T, D1, out=out["G"])
        np.matmul(D2, X.T, out=out["W"])
        np.matmul(W.T, D2, out=out["X"])
        return out

    return step, None


def autograd_peer():
    import autograd
    import autograd.numpy as anp
    from autograd.scipy.special import logsumexp

    def loss(variables, Y):
        Z = variables["W"] @ variables["X"] + variables["b1"]
        H = anp.maximum(Z, 0.0)
        theta = variables["U"] @ H + variables["b2"]
        log_y_hat = theta - logsumexp(theta, axis=0, keepdims=True)
        return -anp.sum(Y * log_y_hat) / Y.shape[1]

    value_and_grad = autograd.value_and_grad(loss)

    def make(params, X, Y):
        variables = dict(params, X=X)
        return (lambda: value_and_grad(variables, Y)), lambda out: (float(out[0]), dict(out[1]))

    return make


def torch_peer():
    import torch

    torch.set_num_threads(1)

    def make(params, X, Y):
        leaves = {k: torch.from_numpy(v).requires_grad_(True) for k, v in params.items()}
        leaves["X"] = torch.from_numpy(X).requires_grad_(True)
        targets = torch.from_numpy(Y)
        order = list(VARIABLES)

        def step():
            Z = leaves["W"] @ leaves["X"] + leaves["b1"]
            H = torch.relu(Z)
            theta = leaves["U"] @ H + leaves["b2"]
            J = -(targets * torch.log_softmax(theta, dim=0)).sum() / targets.shape[1]
            grads = torch.autograd.grad(J, [leaves[k] for k in order])
            return J, dict(zip(order, grads, strict=True))

        def to_numpy(out):
            return out[0].detach().item(), {k: v.numpy() for k, v in out[1].items()}

        return step, to_numpy

    return make


SINGLE_THREAD_XLA = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def jax_peer():
    if "jax" not in sys.modules:  # XLA reads its flags once, when JAX starts its CPU backend
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {SINGLE_THREAD_XLA}".strip()
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)  # else float64 inputs silently become float32

    def loss(variables, Y):
        Z = variables["W"] @ variables["X"] + variables["b1"]
        H = jnp.maximum(Z, 0.0)
        theta = variables["U"] @ H + variables["b2"]
        return -jnp.sum(Y * jax.nn.log_softmax(theta, axis=0)) / Y.shape[1]

    value_and_grad = jax.jit(jax.value_and_grad(loss))

    def make(params, X, Y):
        variables = {k: jnp.asarray(v) for k, v in dict(params, X=X).items()}
        targets = jnp.asarray(Y)

        def step():
            return jax.block_until_ready(value_and_grad(variables, targets))

        def to_numpy(out):
            return float(out[0]), {k: np.asarray(v) for k, v in out[1].items()}

        return step, to_numpy

    return make


PEERS = {"HIPS autograd": autograd_peer, "PyTorch (CPU)": torch_peer, "JAX (CPU, jit)": jax_peer}


def peers():
    """({name: make(params, X, Y) -> (step, to_numpy)}, {name: why it is skipped})."""
    found, missing = {}, {}
    for name, load in PEERS.items():
        try:
            found[name] = load()
        except ImportError as error:
            missing[name] = f"not installed ({error}); `make bench` installs the bench extras"
        except Exception as error:  # a broken install must not stop the other figures
            missing[name] = f"failed to load: {type(error).__name__}: {error}"
    return found, missing


def one_thread():
    """NumPy's BLAS (and any OpenMP runtime) limited to one thread, where threadpoolctl exists."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1)


def measure(reps, say):
    with one_thread():
        return _measure(reps, say)


def _measure(reps, say):
    found, missing = peers()
    makers = {"reference (NumPy)": reference, **found, "floor: 6 matmuls": floor}
    rows, upcast, agreement, compile_seconds = [], {}, {}, {}
    for size, dims in SIZES.items():
        for dtype in DTYPES:
            say(f"   {size} {dims}, {dtype} ...")
            params, X, Y = problem(**dims, dtype=dtype)
            exact = reference(*[_upcast(a) for a in (params, X, Y)])[0]()
            if dtype == "float32":
                upcast[size] = float32_kept(params, X, Y)
            steps, number = {}, {}
            for name, make in makers.items():
                step, to_numpy = make(params, X, Y)
                first, out = timed(step)          # JAX compiles here: not counted
                if to_numpy is not None:
                    agreement[f"{name} {size} {dtype}"] = check_agreement(
                        f"{name} ({size}, {dtype})", to_numpy(out), exact, dtype)
                again, _ = timed(step)
                if name.startswith("JAX"):
                    compile_seconds[f"{size} {dtype}"] = first - again
                steps[name] = step
                number[name] = calls_per_sample(again)
            samples = interleaved(steps, reps, number)
            ref = "reference (NumPy)"
            flops = 2 * dims["N"] * (3 * dims["Dh"] * dims["Dx"] + 3 * dims["Nc"] * dims["Dh"])
            for name in steps:
                seconds = median(samples[name])
                rows.append({"size": size, "dtype": dtype, "implementation": name,
                             "ms/call": 1e3 * seconds,
                             "iqr %": 100 * spread(samples[name]),
                             "x floor": paired_ratio(samples, name, "floor: 6 matmuls"),
                             "x reference": paired_ratio(samples, name, ref),
                             "matmul GFLOP/s": flops / seconds / 1e9})
    summary = {"reference keeps float32": not any(upcast.values())}
    summary.update({f"reference arrays not float32 ({size})": names or "none"
                    for size, names in upcast.items()})
    summary["largest disagreement (scaled)"] = max(agreement.values())
    if compile_seconds:
        summary["first-call extra s (JAX: jit compile), largest"] = max(compile_seconds.values())
    summary.update({f"{name}": f"skipped: {reason}" for name, reason in missing.items()})
    notes = [
        "loss = mean cross-entropy over N columns; gradients of U b2 W b1 and X; each time is "
        f"the median over {reps} interleaved repetitions (iqr %: their interquartile range in "
        "% of that median); x floor and x reference are medians of the per-repetition ratios",
        "floor = the six matrix products on preallocated buffers, nothing else: forward W@X, "
        "U@H; backward D1@H^T (dU), U^T@D1, D2@X^T (dW), W^T@D2 (dX); W@X, D2@X^T and W^T@D2 "
        "(Dh*Dx*N multiply-adds each) dominate",
        "matmul GFLOP/s = the floor's flop count 2N(3*Dh*Dx + 3*Nc*Dh) / that implementation's "
        "time, whatever else it computes",
        "agreement: loss and every gradient within 1e-9 (float64) or 1e-4 (float32) of the "
        "largest entry of the float64 reference on the same numbers, checked before timing",
        "float32 peers get float32 inputs; JAX runs with jax_enable_x64 so float64 stays float64",
        "one thread each (NumPy's BLAS, torch.set_num_threads(1), XLA single-threaded): the 2 "
        "cores are shared with other work, and the idle threads of one library spin on the "
        "cores the next one needs when they alternate (2 threads gave swings of 10-100x)",
    ]
    return figure("4. Reference forward + backward against autodiff peers (CPU)",
                  ["size", "dtype", "implementation", "ms/call", "iqr %", "x floor", "x reference",
                   "matmul GFLOP/s"], rows, summary, notes)


def _upcast(value):
    if isinstance(value, dict):
        return {k: v.astype(np.float64) for k, v in value.items()}
    return value.astype(np.float64)
