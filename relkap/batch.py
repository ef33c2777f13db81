"""Run the kommune report notebook for every kommune: parallel, atomic, resumable, with an index page.

Each kommune is one job: papermill executes ``notebooks/kommune_report.ipynb`` with the kommune's
parameters into a private temporary folder, the executed notebook is exported to a self-contained HTML
file in the same process (:func:`relkap.export.export_html`: one language, no code, offline), and only then
is the folder moved into ``reports/<code>/`` with one rename. A job that fails is recorded with its error and
the others go on. With ``pdf=True`` one headless Chromium then prints every finished report to
``report.pdf`` beside its HTML (:func:`relkap.pdf.html_to_pdf`).

The jobs go to any :class:`concurrent.futures.Executor`: a local process pool by default, or a Dask
distributed cluster (``--scheduler ADDRESS``) through ``Client.get_executor()``.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import html
import json
import os
import shutil
import time
import traceback
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import config, fmt
from .errors import RelkapError
from .export import STYLESHEET, export_html
from .files import write_text
from .params import KommuneParams, default_kommune_params, kommuner_in_data, load_all_kommune_params
from .words import Language, text

__all__ = [
    "JobResult",
    "ReportJob",
    "run_batch",
    "run_report",
    "execute_notebook",
    "export_html",
    "short_error",
    "write_index",
    "write_pdfs",
    "REPORT_NOTEBOOK",
    "KERNEL_NAME",
]

REPORT_NOTEBOOK = config.NOTEBOOKS_DIR / "kommune_report.ipynb"
KERNEL_NAME = "relkap"
# Kernels each get one BLAS/OpenMP thread: the parallelism is across kommuner, and oversubscribing two
# cores with numpy threads makes every kernel slower.
@functools.cache
def kernel_manager_class() -> type:
    """The kernel manager papermill starts report kernels with: jupyter_client's, over IPC (Unix sockets).

    The kernel and papermill then talk through socket files only this user can open instead of TCP ports on
    localhost, and ipykernel has no reason to print its "running over TCP without encryption" warning at
    every start. Windows has no IPC transport and keeps TCP.
    """
    from jupyter_client import AsyncKernelManager
    from traitlets import CaselessStrEnum

    if os.name == "nt":
        return AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

        def _ip_default(self) -> str:
            # jupyter_client's default is "kernel-ipc" in the working directory, the same for every kernel:
            # two workers' kernels would then share sockets. One prefix per kernel, in the runtime folder.
            from jupyter_core.paths import jupyter_runtime_dir

            folder = Path(jupyter_runtime_dir())
            folder.mkdir(parents=True, exist_ok=True)
            return str(folder / f"relkap-{uuid.uuid4().hex[:16]}-ipc")

    return IPCKernelManager


_ONE_THREAD = {v: "1" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")}
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


@dataclass
class JobResult:
    kommune: int
    name: str
    status: str  # "ok", "failed" or "skipped"
    seconds: float = 0.0
    error: str = ""
    out_dir: str = ""
    summary: dict = field(default_factory=dict)


def _is_kernel_start_failure(exc: BaseException) -> bool:
    # jupyter_client raises RuntimeError("Kernel died before replying to kernel_info") or a TimeoutError
    # while waiting for the kernel to come up; papermill wraps neither.
    text = f"{type(exc).__name__}: {exc}"
    return isinstance(exc, TimeoutError | RuntimeError) and (
        "kernel" in text.lower() and ("died" in text.lower() or "timeout" in text.lower() or "start" in text.lower())
    )


def execute_notebook(notebook: str | Path, output: str | Path, parameters: dict, *, kernel_name: str = KERNEL_NAME,
                     start_timeout: float = 120.0, cell_timeout: float = 600.0, retries: int = 1) -> Path:
    """Execute ``notebook`` into ``output`` with papermill: explicit kernel, timeouts, a retry when it fails to start.

    Runs from the project root (:data:`relkap.config.ROOT`) with :func:`kernel_manager_class`; the kommune
    reports and the research notebook both run through here. Returns ``output``.
    """
    import papermill as pm

    for attempt in range(retries + 1):
        try:
            pm.execute_notebook(str(notebook), str(output), parameters=parameters, kernel_name=kernel_name,
                                start_timeout=start_timeout, execution_timeout=cell_timeout, progress_bar=False,
                                cwd=str(config.ROOT), kernel_manager_class=kernel_manager_class())
            break
        except Exception as exc:  # noqa: BLE001 - classified just below
            if attempt < retries and _is_kernel_start_failure(exc):
                continue
            raise
    return Path(output)


def run_report(job: ReportJob) -> JobResult:
    """Execute one kommune's notebook and export its HTML; runs inside a worker process."""
    os.environ.update(_ONE_THREAD)  # inherited by the kernel the worker starts
    start = time.perf_counter()
    out_root = Path(job.out_root)
    final = out_root / str(job.kommune)
    tmp = out_root / f".tmp-{job.kommune}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    params = {**job.parameters, "kommune": job.kommune, "out_dir": str(tmp)}
    try:
        execute_notebook(job.notebook, tmp / "report.ipynb", params, kernel_name=job.kernel_name,
                         start_timeout=job.start_timeout, cell_timeout=job.cell_timeout, retries=job.retries)
        export_html(tmp / "report.ipynb", tmp / "report.html")
        summary_path = tmp / "summary.json"
        summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else {}
        # Swap the finished folder in: the old report stays whole until the new one is complete.
        old = out_root / f".old-{job.kommune}-{os.getpid()}"
        if final.exists():
            final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
        return JobResult(job.kommune, job.name, "ok", time.perf_counter() - start, out_dir=str(final),
                         summary=summary)
    except Exception as exc:  # noqa: BLE001 - a failing kommune is recorded, the batch goes on
        shutil.rmtree(tmp, ignore_errors=True)
        return JobResult(job.kommune, job.name, "failed", time.perf_counter() - start,
                         error=short_error(exc), out_dir=str(final))


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


def _inputs_mtime(data_dir: Path, params_file: Path | None, notebook: Path, instrument: Path) -> float:
    files = [notebook, instrument, *(p for p in data_dir.glob("*.parquet"))]
    if params_file is not None:
        files.append(params_file)
    return max((f.stat().st_mtime for f in files if f.exists()), default=0.0)


def _is_fresh(final: Path, inputs_mtime: float) -> bool:
    outs = [final / f for f in REPORT_FILES]
    return all(o.exists() for o in outs) and min(o.stat().st_mtime for o in outs) > inputs_mtime


def _make_executor(workers: int, scheduler: str | None):
    if scheduler:
        from distributed import Client

        client = Client(scheduler)
        return client.get_executor(), client
    import multiprocessing as mp

    # "spawn": each worker starts clean (no inherited matplotlib or zmq state from the parent).
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")), None


def run_batch(
    only: Iterable[int] | None = None,
    *,
    params_dir: str | Path | None = None,
    data_dir: str | Path | None = None,
    out_root: str | Path | None = None,
    notebook: str | Path | None = None,
    instrument: str | Path | None = None,
    workers: int | None = None,
    resume: bool = False,
    scheduler: str | None = None,
    min_n: int = 5,
    language: str = "da",
    kernel_name: str = KERNEL_NAME,
    start_timeout: float = 120.0,
    cell_timeout: float = 600.0,
    progress: bool = True,
    pdf: bool = False,
) -> list[JobResult]:
    """Run the report for every kommune in the data (or ``only`` those codes) and write the index.

    A kommune's parameters come from ``params_dir`` (default ``params/kommuner``); a kommune without a file
    there is reported with defaults (:func:`relkap.params.kommune_params`). A ``params_dir`` given on
    purpose selects the kommuner by its files instead (``only`` may still add any kommune in the data).
    Returns one :class:`JobResult` per kommune, in kommune-code order. Paths default to the project's folders (:mod:`relkap.config`) and
    are made absolute before they reach a worker. ``pdf``: also ``report.pdf`` beside each report's HTML,
    all printed by one browser after the reports (:func:`write_pdfs`).
    """
    params_path = config.resolve(params_dir, config.KOMMUNE_PARAMS_DIR)
    data_path = config.resolve(data_dir, config.PROCESSED_DIR)
    out_path = config.resolve(out_root, config.REPORTS_DIR)
    nb_path = config.resolve(notebook, REPORT_NOTEBOOK)
    instr_path = config.resolve(instrument, config.INSTRUMENT_PATH)
    all_params = _report_params(data_path, params_path, selected=params_dir is not None, only=only)
    codes = sorted(int(c) for c in only) if only else sorted(all_params)
    out_path.mkdir(parents=True, exist_ok=True)

    results: dict[int, JobResult] = {}
    jobs: list[ReportJob] = []
    for code in codes:
        kp = all_params[code]
        final = out_path / str(code)
        params_file = params_path / f"{code}.yaml"
        if resume and _is_fresh(final, _inputs_mtime(data_path, params_file, nb_path, instr_path)):
            summary_file = final / "summary.json"
            results[code] = JobResult(code, kp.name, "skipped", out_dir=str(final),
                                      summary=json.loads(summary_file.read_text(encoding="utf-8")))
            continue
        jobs.append(ReportJob(
            kommune=code, name=kp.name, notebook=str(nb_path), out_root=str(out_path),
            parameters={"data_dir": str(data_path), "instrument": str(instr_path),
                        "params_dir": str(params_path), "min_n": int(min_n), "language": language},
            kernel_name=kernel_name, start_timeout=start_timeout, cell_timeout=cell_timeout,
        ))

    if jobs:
        results.update({r.kommune: r for r in _run_jobs(jobs, workers or os.cpu_count() or 1, scheduler, progress)})
    ordered = [results[c] for c in codes]
    write_index(ordered, out_path, all_params, language=language)
    if pdf:
        write_pdfs(ordered)
    return ordered


def write_pdfs(results: Sequence[JobResult]) -> list[Path]:
    """``report.pdf`` beside the ``report.html`` of every finished report, one Chromium for all of them.

    A report skipped by ``--resume`` gets a PDF only when it has none or an older one than its HTML.
    """
    from .pdf import html_to_pdf

    pairs = []
    for r in results:
        folder = Path(r.out_dir) if r.out_dir else None
        if r.status not in ("ok", "skipped") or folder is None or not (folder / "report.html").exists():
            continue
        html_file, pdf_file = folder / "report.html", folder / "report.pdf"
        if r.status == "skipped" and pdf_file.exists() and pdf_file.stat().st_mtime >= html_file.stat().st_mtime:
            continue
        pairs.append((html_file, pdf_file))
    return html_to_pdf(pairs)


def _report_params(data_path: Path, params_path: Path, selected: bool, only: Iterable[int] | None
                   ) -> dict[int, KommuneParams]:
    """The kommuner to report, each with its parameter file or, without one, its defaults.

    By default the kommuner with employee answers in the data; a folder of parameter files given on purpose
    (``selected``) chooses the kommuner itself. ``only`` may name any kommune in the data. A kommune without a
    file gets defaults (``source == "defaults"``: the official name, arm unknown, no targeted ties).
    """
    files = load_all_kommune_params(params_path) if params_path.is_dir() else {}
    wanted = sorted({int(c) for c in only}) if only else []
    if selected and files and all(c in files for c in wanted):
        return files
    in_data = kommuner_in_data(data_path)
    if not in_data:
        raise RelkapError(f"{data_path}: the processed tables hold no employee answers; run `relkap import RAW`")
    missing = [c for c in wanted if c not in in_data and not (selected and c in files)]
    if missing:
        raise RelkapError(f"--only: kommune {', '.join(map(str, missing))} has no employee answers in {data_path}"
                          f" (kommuner there: {', '.join(map(str, in_data))}); import its survey first")
    chosen = dict(files) if selected and files else {}
    for code, groups in in_data.items():
        if code not in chosen and (code in wanted or not (selected and files)):
            chosen[code] = files.get(code) or default_kommune_params(code, groups)
    return chosen


def _run_jobs(jobs: Sequence[ReportJob], workers: int, scheduler: str | None, progress: bool) -> list[JobResult]:
    from tqdm.auto import tqdm

    executor, client = _make_executor(min(workers, len(jobs)), scheduler)
    out: list[JobResult] = []
    try:
        with executor:
            futures = {executor.submit(run_report, job): job for job in jobs}
            bar = tqdm(total=len(jobs), desc="relkap batch", unit="kommune", disable=not progress)
            for fut in cf.as_completed(futures):
                job = futures[fut]
                try:
                    res = fut.result()
                except Exception as exc:  # noqa: BLE001 - a dead worker fails one kommune, not the batch
                    res = JobResult(job.kommune, job.name, "failed", error=short_error(exc))
                out.append(res)
                bar.set_postfix_str(f"{job.kommune} {job.name}: {res.status}")
                bar.update()
            bar.close()
    finally:
        if client is not None:
            client.close()
    return out


def _headline(summary: dict, language: Language = "da") -> str:
    """The RK index's change of one report's ``summary.json``, signed, with its 95% CI ("—" without one)."""
    rk = (summary or {}).get("rk_index") or {}
    if rk.get("diff") is None:
        return "—"
    ci = fmt.ci(rk.get("diff_ci_low"), rk.get("diff_ci_high"), language, sign=True)
    return f"{fmt.signed(rk['diff'], 2, language)} {ci}".strip()


_INDEX_STYLE = """body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; } th, td { border-bottom: 1px solid #ccc; padding: .35rem .8rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td { background: #f6e6e6; } .err { font-size: .85em; color: #7a1f1f; }
@media (max-width: 600px) { body { margin: 1rem; } th, td { padding: .3rem .5rem; } }"""


def write_index(results: Sequence[JobResult], out_root: str | Path, params: dict[int, KommuneParams],
                language: Language = "da") -> Path:
    """``reports/index.html``: every kommune with its status, headline RK change and a link to its report.

    Parameters
    ----------
    results : sequence of JobResult
        One per kommune, in the order of the page.
    out_root : path
        The reports folder; the page links ``<code>/report.html`` (and ``research/research.html``) where
        they exist.
    params : dict
        Kommune parameters by code (for the arm).
    language : {"da", "en"}
        The page's words (catalogue sections ``index`` and ``glossary``) and number format (:mod:`relkap.fmt`).

    Returns
    -------
    pathlib.Path
        The index file, written atomically.

    Examples
    --------
    >>> import tempfile
    >>> r = JobResult(766, "Hedensted", "failed", 1.25, error="no data")
    >>> page = write_index([r], tempfile.mkdtemp(), {}, language="en").read_text(encoding="utf-8")
    >>> "Kommuner: 1, of which failed: 1." in page, "<td>failed" in page, ">1.2</td>" in page
    (True, True, True)
    """
    out = Path(out_root)

    def t(key: str, **fields: object) -> str:
        return html.escape(text(f"index.{key}", language, **fields))

    rows = []
    for r in results:
        arm_key = {"intervention": "intervention", "control": "control"}.get(
            params[r.kommune].arm, "arm_unknown") if r.kommune in params else None
        arm = html.escape(text(f"glossary.{arm_key}", language)) if arm_key else ""
        has_report = r.status in ("ok", "skipped") and (out / str(r.kommune) / "report.html").exists()
        link = (f'<a href="{r.kommune}/report.html">{html.escape(r.name)}</a>' if has_report
                else html.escape(r.name))
        status = t(f"status_{r.status}")  # ok, skipped or failed
        err = f'<div class="err">{html.escape(r.error)}</div>' if r.error else ""
        rows.append(
            f"<tr class=\"{r.status}\"><td>{r.kommune}</td><td>{link}</td><td>{arm}</td>"
            f"<td>{status}{err}</td><td class=\"num\">{html.escape(_headline(r.summary, language))}</td>"
            f"<td class=\"num\">{fmt.number(r.seconds, 1, language)}</td></tr>"
        )
    n_failed = sum(r.status == "failed" for r in results)
    research = (f'<p><a href="research/research.html">{t("research")}</a></p>'
                if (out / "research" / "research.html").exists() else "")
    head = "".join(f"<th>{t(k)}</th>" for k in ("code", "kommune", "arm", "status", "change", "seconds"))
    page = f"""<!DOCTYPE html>
<html lang="{language}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{t("title")}</title>
<style>
{_INDEX_STYLE}
{STYLESHEET}
</style></head><body>
<h1>{t("heading")}</h1>
<p>{t("counts", n=len(results), failed=n_failed)} {t("change_note")}</p>
{research}
<div class="table-scroll" tabindex="0" role="region" aria-label="{t("caption")}">
<table><caption>{t("caption")}</caption><thead><tr>{head}</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></div></body></html>
"""
    return write_text(out / "index.html", page)


def results_table(results: Sequence[JobResult]) -> str:
    """Plain-text table of kommune, status and seconds for the terminal."""
    lines = [f"{'code':>5}  {'kommune':<20} {'status':<8} {'seconds':>7}  error"]
    for r in results:
        lines.append(f"{r.kommune:>5}  {r.name:<20} {r.status:<8} {r.seconds:>7.1f}  {r.error}")
    return "\n".join(lines)


def as_dicts(results: Sequence[JobResult]) -> list[dict]:
    return [asdict(r) for r in results]
