"""One kommune's job: execute its notebook into a private folder, export the HTML, swap the folder in.

Also what ``--resume`` asks of a finished report folder (:func:`is_fresh`).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..export import export_html
from ..files import swap_folder
from ..share import scrub_notebook
from .execute import execute_notebook, short_error
from .kernels import KERNEL_NAME, ONE_THREAD
from .warm import execute_warm

__all__ = ["ReportJob", "JobResult", "run_report", "REPORT_FILES", "inputs_mtime", "is_fresh", "results_table"]

# Files a finished report folder must hold; --resume compares their age with the inputs.
REPORT_FILES = ("report.ipynb", "report.html", "summary.json")


@dataclass(frozen=True)
class ReportJob:
    """Everything a worker needs to run one kommune's report; plain values so it pickles to any executor."""

    kommune: int
    name: str
    notebook: str
    out_root: str
    parameters: dict
    kernel_name: str = KERNEL_NAME
    start_timeout: float = 120.0
    cell_timeout: float = 600.0
    retries: int = 1
    warm: bool = True  # run in the worker's kept kernel (relkap.batch.warm), not a fresh one


@dataclass
class JobResult:
    """What became of one kommune's job (``status`` "ok", "failed" or "skipped" by ``--resume``)."""

    kommune: int
    name: str
    status: str
    seconds: float = 0.0
    error: str = ""
    out_dir: str = ""
    summary: dict = field(default_factory=dict)


def run_report(job: ReportJob) -> JobResult:
    """Execute one kommune's notebook and export its HTML; runs inside a worker process.

    The notebook runs into ``<out_root>/.tmp-<code>-<pid>``; only a complete folder replaces
    ``<out_root>/<code>`` (:func:`relkap.files.swap_folder`), so a failed rerun leaves the old report whole.
    """
    os.environ.update(ONE_THREAD)  # inherited by the kernel the worker starts
    start = time.perf_counter()
    out_root = Path(job.out_root)
    final = out_root / str(job.kommune)
    tmp = out_root / f".tmp-{job.kommune}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    params = {**job.parameters, "kommune": job.kommune, "out_dir": str(tmp)}
    try:
        execute = execute_warm if job.warm else execute_notebook
        execute(job.notebook, tmp / "report.ipynb", params, kernel_name=job.kernel_name,
                start_timeout=job.start_timeout, cell_timeout=job.cell_timeout, retries=job.retries)
        scrub_notebook(tmp / "report.ipynb", params, moved={str(tmp): str(final)})  # no local paths kept
        export_html(tmp / "report.ipynb", tmp / "report.html")
        summary_path = tmp / "summary.json"
        summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else {}
        swap_folder(tmp, final)
        return JobResult(job.kommune, job.name, "ok", time.perf_counter() - start, out_dir=str(final),
                         summary=summary)
    except Exception as exc:  # noqa: BLE001 - a failing kommune is recorded, the batch goes on
        shutil.rmtree(tmp, ignore_errors=True)
        return JobResult(job.kommune, job.name, "failed", time.perf_counter() - start,
                         error=short_error(exc), out_dir=str(final))


def inputs_mtime(data_dir: Path, params_file: Path | None, notebook: Path, instrument: Path) -> float:
    """The newest modification time among a report's inputs (tables, parameter file, notebook, codebook)."""
    files = [notebook, instrument, *(p for p in data_dir.glob("*.parquet"))]
    if params_file is not None:
        files.append(params_file)
    return max((f.stat().st_mtime for f in files if f.exists()), default=0.0)


def is_fresh(final: Path, inputs_mtime: float) -> bool:
    """Whether the report folder ``final`` holds every report file, each newer than the inputs."""
    outs = [final / f for f in REPORT_FILES]
    return all(o.exists() for o in outs) and min(o.stat().st_mtime for o in outs) > inputs_mtime


def results_table(results: Sequence[JobResult]) -> str:
    """Plain-text table of kommune, status and seconds for the terminal."""
    lines = [f"{'code':>5}  {'kommune':<20} {'status':<8} {'seconds':>7}  error"]
    for r in results:
        lines.append(f"{r.kommune:>5}  {r.name:<20} {r.status:<8} {r.seconds:>7.1f}  {r.error}")
    return "\n".join(lines)
