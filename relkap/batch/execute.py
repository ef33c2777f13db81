"""Executing one notebook with papermill: explicit kernel, timeouts, a retry when the kernel fails to start."""

from __future__ import annotations

import traceback
from pathlib import Path

from .. import config
from .kernels import KERNEL_NAME, kernel_manager_class

__all__ = ["execute_notebook", "is_kernel_start_failure", "short_error"]


def is_kernel_start_failure(exc: BaseException) -> bool:
    """Whether ``exc`` says the kernel did not come up (worth one retry), not that a cell failed.

    jupyter_client raises ``RuntimeError("Kernel died before replying to kernel_info")`` or a ``TimeoutError``
    while waiting for the kernel; papermill wraps neither.

    Examples
    --------
    >>> is_kernel_start_failure(RuntimeError("Kernel died before replying to kernel_info"))
    True
    >>> is_kernel_start_failure(ValueError("too few units"))
    False
    """
    text = f"{type(exc).__name__}: {exc}".lower()
    return isinstance(exc, TimeoutError | RuntimeError) and (
        "kernel" in text and ("died" in text or "timeout" in text or "start" in text))


def execute_notebook(notebook: str | Path, output: str | Path, parameters: dict, *, kernel_name: str = KERNEL_NAME,
                     start_timeout: float = 120.0, cell_timeout: float = 600.0, retries: int = 1) -> Path:
    """Execute ``notebook`` into ``output`` with papermill: explicit kernel, timeouts, a retry when it fails to start.

    Runs from the project root (:data:`relkap.config.ROOT`) with :func:`~relkap.batch.kernels.kernel_manager_class`;
    the kommune reports and the research notebook both run through here. Returns ``output``.

    The executed notebook is written once, when it ends (papermill would otherwise rewrite the whole notebook,
    its embedded figures included, before and after every cell: about 0.6 CPU-seconds of each report). Every
    caller executes into a temporary folder that a failure removes, so no partial notebook is ever read.
    """
    import papermill as pm  # loads nbclient, jupyter_client, zmq: only when a notebook runs

    for attempt in range(retries + 1):
        try:
            pm.execute_notebook(str(notebook), str(output), parameters=parameters, kernel_name=kernel_name,
                                start_timeout=start_timeout, execution_timeout=cell_timeout, progress_bar=False,
                                cwd=str(config.ROOT), kernel_manager_class=kernel_manager_class(),
                                request_save_on_cell_execute=False)
            break
        except Exception as exc:  # noqa: BLE001 - classified just below
            if attempt < retries and is_kernel_start_failure(exc):
                continue
            raise
    return Path(output)


def short_error(exc: BaseException) -> str:
    """The last line of ``exc`` that says what went wrong (papermill puts the cell's traceback in the message).

    Examples
    --------
    >>> short_error(RuntimeError("Traceback (most recent call last):" + chr(10) + "ValueError: too few units"))
    'ValueError: too few units'
    """
    text = str(exc).strip() or type(exc).__name__
    lines = [ln for ln in text.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if "Error" in ln or "error" in ln:
            return ln.strip()[:500]
    return (lines[-1] if lines else "".join(traceback.format_exception_only(exc))).strip()[:500]
