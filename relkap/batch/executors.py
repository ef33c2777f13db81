"""Where the jobs run: a local pool of spawned processes, or a Dask distributed cluster (``--scheduler``).

Both are a :class:`concurrent.futures.Executor` (Dask's through ``Client.get_executor()``), so one loop
submits the jobs and collects their results with a progress bar.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
from collections.abc import Callable, Sequence

from .execute import short_error
from .jobs import JobResult, ReportJob, run_report
from .warm import shutdown_warm_kernels

__all__ = ["make_executor", "run_jobs"]


def make_executor(workers: int, scheduler: str | None):
    """``(executor, client)``: Dask's executor and its client for ``scheduler``, else a process pool and None."""
    if scheduler:
        from distributed import Client  # optional: only the --scheduler route needs Dask

        client = Client(scheduler)
        return client.get_executor(), client
    # "spawn": each worker starts clean (no inherited matplotlib or zmq state from the parent).
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")), None


def run_jobs(jobs: Sequence[ReportJob], workers: int, scheduler: str | None, progress: bool,
             on_result: Callable[[JobResult], None] | None = None) -> list[JobResult]:
    """Run ``jobs`` on ``workers`` (or the cluster at ``scheduler``); one result per job, in finishing order.

    ``on_result`` is called with each result as it comes in (the batch hands finished reports to its PDF printer).
    """
    from tqdm.auto import tqdm  # tqdm.auto picks the notebook or terminal bar when it is imported

    executor, client = make_executor(min(workers, len(jobs)), scheduler)
    out: list[JobResult] = []
    try:
        with executor:
            futures = {executor.submit(run_report, job): job for job in jobs}
            # smoothing=0: the rate is the run's wall time per finished kommune so far, not a moving average
            # of the gaps between finishes (parallel workers finish in bursts: 13 s/kommune shown, 22 s true)
            bar = tqdm(total=len(jobs), desc="relkap batch", unit="kommune", smoothing=0, disable=not progress)
            for fut in cf.as_completed(futures):
                job = futures[fut]
                try:
                    res = fut.result()
                except Exception as exc:  # noqa: BLE001 - a dead worker fails one kommune, not the batch
                    res = JobResult(job.kommune, job.name, "failed", error=short_error(exc))
                out.append(res)
                if on_result is not None:
                    on_result(res)
                bar.set_postfix_str(f"{job.kommune} {job.name}: {res.status}")
                bar.update()
            bar.close()
    finally:
        if client is not None:
            client.run(shutdown_warm_kernels)  # the workers outlive the batch: their kernels must not
            client.close()
    return out
