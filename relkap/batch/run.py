"""``run_batch``: which kommuner to report, with which parameters; skip the fresh ones; run; index; PDFs."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from .. import config
from ..benchmark import national_tables
from ..errors import InputError, RelkapError
from ..instrument import load_instrument
from ..io import load
from ..io.codebook import check_data_declared, store_codebook_path
from ..params import (
    KommuneParams,
    default_kommune_params,
    kommuner_in_data,
    load_all_kommune_params,
)
from ..privacy import check_min_n
from ..share import clean_stale_temp
from .executors import run_jobs
from .index import write_index
from .jobs import JobResult, ReportJob, inputs_mtime, is_fresh
from .kernels import KERNEL_NAME
from .pdfs import PdfPrinter, pdf_pairs

__all__ = ["run_batch", "report_params", "default_workers", "REPORT_NOTEBOOK"]

REPORT_NOTEBOOK = config.NOTEBOOKS_DIR / "kommune_report.ipynb"


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
    warm: bool = True,
    min_n_override_reason: str | None = None,
    project_brief: bool = False,
) -> list[JobResult]:
    """Run the report for every kommune in the data (or ``only`` those codes) and write the index.

    A kommune's parameters come from ``params_dir`` (default ``params/kommuner``); a kommune without a file
    there is reported with defaults (:func:`relkap.params.kommune_params`). A ``params_dir`` given on
    purpose selects the kommuner by its files instead (``only`` may still add any kommune in the data).
    Returns one :class:`~relkap.batch.jobs.JobResult` per kommune, in kommune-code order. Paths default to
    the project's folders (:mod:`relkap.config`) and are made absolute before they reach a worker. ``pdf``:
    also ``report.pdf`` beside each report's HTML, printed by one browser as each report is finished, while
    the next ones run (:class:`~relkap.batch.pdfs.PdfPrinter`; no Chromium: an error before anything is
    written). ``warm``: each worker keeps one kernel for its kommuner, reset between them
    (:mod:`relkap.batch.warm`); ``False`` starts a fresh kernel per kommune. A ``min_n`` below the codebook's floor is refused before
    anything is written unless ``min_n_override_reason`` says why (:func:`relkap.privacy.check_min_n`); the
    reason is printed in each report's methods. ``project_brief``: also the project reference group's brief,
    ``<out>/research/brief.html``, from the research results there and the reports' summaries
    (:func:`relkap.research.brief.write_brief`; the CLI asks for it with ``--research``), before the index
    that links it; with ``pdf`` also ``brief.pdf``.
    """
    params_path = config.resolve(params_dir, config.KOMMUNE_PARAMS_DIR)
    data_path = config.resolve(data_dir, config.PROCESSED_DIR)
    out_path = config.resolve(out_root, config.REPORTS_DIR)
    nb_path = config.resolve(notebook, REPORT_NOTEBOOK)
    instr_path = store_codebook_path(data_path, instrument)  # default: the store's own codebook
    check_data_declared(data_path, load_instrument(instr_path), instr_path)  # before anything runs
    reason = check_min_n(min_n, load_instrument(instr_path).privacy.min_n_floor, min_n_override_reason)
    # the PDFs are printed as the reports are finished, while the next ones run (one browser, its own thread);
    # made here so that a missing Chromium is said before anything is written
    printer = PdfPrinter() if pdf else None
    all_params = report_params(data_path, params_path, selected=params_dir is not None, only=only)
    codes = sorted(int(c) for c in only) if only else sorted(all_params)
    out_path.mkdir(parents=True, exist_ok=True)
    clean_stale_temp(out_path)  # killed runs' .tmp-<code>-<pid> folders

    results: dict[int, JobResult] = {}
    jobs: list[ReportJob] = []
    for code in codes:
        kp = all_params[code]
        final = out_path / str(code)
        params_file = params_path / f"{code}.yaml"
        if resume and is_fresh(final, inputs_mtime(data_path, params_file, nb_path, instr_path)):
            summary_file = final / "summary.json"
            results[code] = JobResult(code, kp.name, "skipped", out_dir=str(final),
                                      summary=json.loads(summary_file.read_text(encoding="utf-8")))
            continue
        jobs.append(ReportJob(
            kommune=code, name=kp.name, notebook=str(nb_path), out_root=str(out_path),
            parameters={"data_dir": str(data_path), "instrument": str(instr_path),
                        "params_dir": str(params_path), "min_n": int(min_n), "language": language,
                        **({"min_n_override_reason": reason} if reason else {})},
            kernel_name=kernel_name, start_timeout=start_timeout, cell_timeout=cell_timeout, warm=warm,
        ))

    with printer or contextlib.nullcontext():

        def print_pdfs(finished: list[JobResult]) -> None:
            for pair in pdf_pairs(finished) if printer is not None else ():
                printer.submit(*pair)

        if jobs:
            # what every report needs about all kommuner, once (not per report); other kommuner's values, so the
            # file lives only while the reports run
            try:
                national = national_tables(load(data_path), load_instrument(instr_path), min_n).write(
                    out_path / ".national.json")
            except InputError:  # an incomplete store: each report then says itself what is missing
                national = None
            for job in jobs if national is not None else ():
                job.parameters["national"] = str(national)
            try:
                results.update({r.kommune: r for r in run_jobs(jobs, workers or default_workers(), scheduler,
                                                               progress, on_result=lambda r: print_pdfs([r]))})
            finally:
                if national is not None:
                    national.unlink(missing_ok=True)
        ordered = [results[c] for c in codes]
        print_pdfs([r for r in ordered if r.status == "skipped"])  # --resume: those without a current PDF
        brief = None
        if project_brief:
            # deferred: relkap.research loads statsmodels (seconds); only a run with --research writes the brief
            from ..research.brief import write_brief

            brief = write_brief(out_path, {r.kommune: r.summary for r in ordered if r.summary}, all_params,
                                load_instrument(instr_path), language=language, min_n=min_n)
            if printer is not None and brief is not None:
                printer.submit(brief, Path(brief).with_suffix(".pdf"))
        write_index(ordered, out_path, all_params, language=language)
    return ordered


def default_workers() -> int:
    """One kernel more than the machine has cores: a kernel idles while its worker exports the report it just
    ran and starts the next, and the spare one fills those gaps (98 kommuner with PDFs on 2 cores: 214.6 s with 2
    workers, 156.2 s with 3, 165.4 s with 4; benchmarks/bench_batch.py --workers)."""
    return (os.cpu_count() or 1) + 1


def report_params(data_path: Path, params_path: Path, selected: bool, only: Iterable[int] | None
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
