"""Warm kernels: one kernel per worker runs many kommuner, each in a clean namespace, through papermill.

Starting a kernel and importing pandas, statsmodels, matplotlib, seaborn and relkap costs seconds per
report; a batch pays it once per worker instead. Isolation stays what a fresh kernel gives:

- each notebook runs after :data:`RESET`: the user namespace emptied (``InteractiveShell.reset``, which also
  restarts the execution count at 1), figures closed, matplotlib's ``rcParams``, pandas' options, the
  warning filters (and their "shown once" memory), ``os.environ``, ``sys.path`` and the working folder put
  back as they were when the kernel started (:data:`SNAPSHOT`, taken with pyplot imported, as a notebook's
  first cell would);
- what is left after the reset (modules, their caches) is moved out of the garbage collector's sight
  (``gc.freeze``): the reset's own full collection and the collections during the next report then walk only
  that report's objects, not the hundreds of thousands the imports made (0.13 s per reset before; a frozen
  object is still freed when its last reference goes, only a cycle of them is no longer collected);
- a notebook that fails, hangs past its cell timeout or kills its kernel takes its kernel with it: the
  kernel is stopped and the next kommune starts a fresh one (a failing kommune is restarted alone).

Notebooks still run through papermill: :class:`WarmEngine` is a papermill engine (``relkap_warm``) that
hands nbclient the kept kernel and its client instead of starting one.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path

import papermill as pm
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

from .. import config
from .execute import is_kernel_start_failure
from .kernels import KERNEL_NAME, kernel_manager_class

__all__ = ["WarmKernel", "WarmEngine", "warm_kernel", "shutdown_warm_kernels", "execute_warm", "RESET", "SNAPSHOT"]

ENGINE = "relkap_warm"

# Run once when the kernel has started: what a fresh kernel's first cell finds, kept to put back.
SNAPSHOT = """
import os as _os, sys as _sys, warnings as _warnings
import matplotlib as _mpl, matplotlib.pyplot as _plt, pandas as _pd
get_ipython().relkap_fresh = {
    "rc": {k: v for k, v in _mpl.rcParams.items() if k != "backend"}, "env": dict(_os.environ),
    "path": list(_sys.path), "cwd": _os.getcwd(), "filters": list(_warnings.filters)}
del _os, _sys, _warnings, _mpl, _plt, _pd
"""

# Run before each notebook: back to SNAPSHOT, with an empty namespace.
RESET = """
def __relkap_reset():
    import os, sys, warnings
    import matplotlib, matplotlib.pyplot as plt, pandas as pd
    fresh = get_ipython().relkap_fresh
    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.update(fresh["rc"])
        pd.reset_option("all")
    warnings.filters[:] = fresh["filters"]
    warnings._filters_mutated()  # forget which warnings were shown "once": a fresh kernel shows them again
    warnings.onceregistry.clear()
    os.environ.clear()
    os.environ.update(fresh["env"])
    sys.path[:] = fresh["path"]
    os.chdir(fresh["cwd"])
    get_ipython().reset(new_session=True)  # empty namespace, execution count back to 1 (and a full collection)
    import gc
    gc.freeze()  # the survivors are long-lived: later collections skip them (reference counting still frees)
__relkap_reset()
"""


class WarmKernel:
    """A kernel started once (explicit kernel name, project root as working folder) and kept for many notebooks."""

    def __init__(self, kernel_name: str = KERNEL_NAME, start_timeout: float = 120.0):
        self.kernel_name, self.start_timeout = kernel_name, start_timeout
        self.km = kernel_manager_class()(kernel_name=kernel_name)
        self.kc = None
        run_sync(self._start)()

    async def _start(self) -> None:
        await self.km.start_kernel(cwd=str(config.ROOT))
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            await self.kc.wait_for_ready(timeout=self.start_timeout)
            await self._run(SNAPSHOT)
        except BaseException:
            self.stop()
            raise

    async def _run(self, code: str) -> None:
        reply = await self.kc.execute_interactive(code, silent=True, store_history=False,
                                                  timeout=self.start_timeout, output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"kernel reset failed: {reply['content'].get('ename')}: "
                               f"{reply['content'].get('evalue')}")

    def reset(self) -> None:
        """Empty the namespace and put back what the kernel had when it started (:data:`RESET`)."""
        run_sync(self._run)(RESET)

    def alive(self) -> bool:
        return self.kc is not None and bool(run_sync(self.km.is_alive)())

    def stop(self) -> None:
        """Stop the kernel at once (its process terminated, sockets and connection file removed)."""
        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        process = getattr(self.km.provisioner, "process", None)
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except Exception:  # noqa: BLE001 - one that ignores SIGTERM is killed
                process.kill()
        self.km.cleanup_connection_file()
        self.km.cleanup_ipc_files()


class WarmEngine(NBClientEngine):
    """papermill engine ``relkap_warm``: nbclient runs the notebook in the :class:`WarmKernel` passed as ``warm``."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, warm=None, **kwargs):
        kwargs.pop("input_path", None)
        kwargs.pop("kernel_manager_class", None)
        client = PapermillNotebookClient(nb_man, km=warm.km, timeout=execution_timeout, startup_timeout=start_timeout,
                                         kernel_name=kernel_name, log_output=log_output, stdout_file=stdout_file,
                                         stderr_file=stderr_file, **kwargs)
        client.kc = warm.kc  # nbclient keeps a kernel and a client it did not start (cleanup_kc=False)
        return client.execute()


papermill_engines.register(ENGINE, WarmEngine)

_local = threading.local()  # one kernel per worker thread (a process pool's worker, a Dask worker thread)
_all: list[WarmKernel] = []
_lock = threading.Lock()


def warm_kernel(kernel_name: str = KERNEL_NAME, start_timeout: float = 120.0, retries: int = 1) -> WarmKernel:
    """This thread's kept kernel, started (with ``retries`` when it fails to start) if it has none or it died."""
    kernel = getattr(_local, "kernel", None)
    if kernel is not None and kernel.kernel_name == kernel_name and kernel.alive():
        return kernel
    if kernel is not None:
        _forget(kernel)
    for attempt in range(retries + 1):
        try:
            kernel = WarmKernel(kernel_name, start_timeout)
            break
        except Exception as exc:  # noqa: BLE001 - classified just below
            if attempt < retries and is_kernel_start_failure(exc):
                continue
            raise
    with _lock:
        _all.append(kernel)
    _local.kernel = kernel
    return kernel


def _forget(kernel: WarmKernel) -> None:
    kernel.stop()
    with _lock:
        if kernel in _all:
            _all.remove(kernel)
    if getattr(_local, "kernel", None) is kernel:
        _local.kernel = None


def shutdown_warm_kernels() -> int:
    """Stop every kept kernel of this process (at exit, and on each Dask worker after a batch); how many."""
    with _lock:
        kernels = list(_all)
    for kernel in kernels:
        _forget(kernel)
    return len(kernels)


atexit.register(shutdown_warm_kernels)


def execute_warm(notebook: str | Path, output: str | Path, parameters: dict, *, kernel_name: str = KERNEL_NAME,
                 start_timeout: float = 120.0, cell_timeout: float = 600.0, retries: int = 1) -> Path:
    """:func:`~relkap.batch.execute.execute_notebook` in this thread's warm kernel, reset first.

    Any failure (a cell's error, a timeout, a dead kernel) stops the kernel, so the next notebook gets a
    fresh one; the error is raised as papermill raised it.
    """
    kernel = warm_kernel(kernel_name, start_timeout, retries)
    try:
        kernel.reset()
        pm.execute_notebook(str(notebook), str(output), parameters=parameters, kernel_name=kernel_name,
                            engine_name=ENGINE, warm=kernel, start_timeout=start_timeout,
                            execution_timeout=cell_timeout, progress_bar=False, cwd=str(config.ROOT),
                            request_save_on_cell_execute=False)  # written once at the end (see execute_notebook)
    except BaseException:
        _forget(kernel)
        raise
    return Path(output)
