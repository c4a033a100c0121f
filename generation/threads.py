"""One thread budget per process, so the libraries a worker loads do not each take every core.

torch (intra-op), OpenMP, BLAS, the H.264 encoder and onnxruntime each default to one thread per
core. A host running several worker processes, or a worker beside web processes, then runs
cores × processes threads that fight over the same cores: a warm tiny clip measured 19 s instead
of 3.5 s that way. The worker's main process sets the budget before its pool starts (the
children inherit the environment, and torch reads it when first imported there):
WORKER_THREADS, or the host's cores divided by the worker's concurrency.
"""

import os
import sys

# Read by OpenMP, MKL, OpenBLAS, Accelerate and numexpr when they start.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
BUDGET_VARIABLE = "STUDIO_THREAD_BUDGET"


def budget(cores: int | None, concurrency: int, configured: int = 0) -> int:
    """Threads one process may use: the configured number, else its share of the cores."""
    if configured > 0:
        return configured
    return max(1, (cores or 1) // max(1, concurrency))


def limit(threads: int) -> None:
    """Apply the budget to this process and to the processes it starts."""
    os.environ[BUDGET_VARIABLE] = str(threads)
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)
    torch = sys.modules.get("torch")  # only if already loaded: importing it here would be slow
    if torch is not None:
        torch.set_num_threads(threads)


def current() -> int:
    """This process's budget (what the encoder and onnxruntime may use); all cores if unset."""
    try:
        return max(1, int(os.environ.get(BUDGET_VARIABLE, "")))
    except ValueError:
        return os.cpu_count() or 1
