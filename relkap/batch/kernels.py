"""The kernels report notebooks run in: an explicit kernel name, private IPC sockets, one BLAS thread each."""

from __future__ import annotations

import functools
import os
import uuid
from pathlib import Path

__all__ = ["KERNEL_NAME", "ONE_THREAD", "kernel_manager_class"]

KERNEL_NAME = "relkap"
# Kernels each get one BLAS/OpenMP thread: the parallelism is across kommuner, and oversubscribing two
# cores with numpy threads makes every kernel slower.
ONE_THREAD = {v: "1" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                               "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")}


@functools.cache
def kernel_manager_class() -> type:
    """The kernel manager papermill starts report kernels with: jupyter_client's, over IPC (Unix sockets).

    The kernel and papermill then talk through socket files only this user can open instead of TCP ports on
    localhost, and ipykernel has no reason to print its "running over TCP without encryption" warning at
    every start. Windows has no IPC transport and keeps TCP. A kernel is shut down without the interrupt
    jupyter_client sends first (see ``_async_interrupt_kernel``).
    """
    # jupyter_client and traitlets load only when a kernel is started (the CLI's other commands skip them)
    from jupyter_client import AsyncKernelManager
    from jupyter_core.paths import jupyter_runtime_dir
    from traitlets import CaselessStrEnum

    if os.name == "nt":
        return AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

        async def _async_interrupt_kernel(self) -> None:
            # jupyter_client interrupts a kernel before asking it to shut down; a SIGINT that lands while the
            # kernel finishes its last reply prints "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel."
            # on a successful run. The shutdown request (and the kill after it) stop a busy kernel anyway.
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

        def _ip_default(self) -> str:
            # jupyter_client's default is "kernel-ipc" in the working directory, the same for every kernel:
            # two workers' kernels would then share sockets. One prefix per kernel, in the runtime folder.
            folder = Path(jupyter_runtime_dir())
            folder.mkdir(parents=True, exist_ok=True)
            return str(folder / f"relkap-{uuid.uuid4().hex[:16]}-ipc")

    return IPCKernelManager
