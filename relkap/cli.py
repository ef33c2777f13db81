"""The ``relkap`` command. Each subcommand is a thin wrapper over a function in the package.

Paths given on the command line are taken from the current folder, like any command's; only the defaults
come from the project (:mod:`relkap.config`), so ``relkap`` runs the same from any folder. Errors a user can
act on (:class:`~relkap.errors.RelkapError`) are printed as one message and exit with status 2, without a
traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__, config, io, params, research, synth
from .errors import RelkapError, listing
from .files import write_json
from .instrument import load_instrument
from .kommuner import kommune_name
from .params import load_all_kommune_params
from .privacy import check_min_n
from .share import write_share

__all__ = ["main", "build_parser"]


def _path(value: str | None) -> Path | None:
    """A path from the command line, absolute from the current folder (``None``: the project's default)."""
    return None if value is None else Path(value).expanduser().resolve()


def _cmd_synth(args: argparse.Namespace) -> int:
    out = _path(args.out) or config.DEMO_DIR / "raw"
    paths = synth.write_demo(
        out_dir=out,
        n_kommuner=args.kommuner,
        seed=args.seed,
        respondents=args.respondents,
        params_dir=_path(args.params_out),
        interviews=not args.no_interviews,
        waves=args.waves,
    )
    # the mark that makes `relkap import` keep these synthetic files out of a store of a team's own data (not
    # printed: the printed paths are the data files)
    write_json(out / io.SYNTHETIC_MARK, {"made_by": "relkap synth", "kommuner": args.kommuner, "seed": args.seed,
                                      "respondents": args.respondents})
    for p in paths:
        print(p)
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    if args.only_into_own:
        out = config.resolve(_path(args.out), config.PROCESSED_DIR)
        raw = _path(args.raw)
        other = io.foreign_sources(out, raw if Path(raw).is_dir() else Path(raw).parent)
        if other:
            raise RelkapError(f"{out} already holds data from other files ({listing(other)}); importing "
                              f"{args.raw} would mix into them. Import into another folder (--out), or move "
                              f"{out} away first")
    result = io.import_raw(_path(args.raw), out_dir=_path(args.out), instrument=_path(args.instrument),
                           mapping=_path(args.mapping), kind=args.kind, rebuild=args.rebuild,
                           interview_mapping=_path(args.interview_mapping), mix_sources=args.mix_sources)
    for line in result.report():
        print(line)
    have = load_all_kommune_params() if config.KOMMUNE_PARAMS_DIR.is_dir() else {}
    missing = sorted({c.kommune for c in result.changes if c.after and c.kommune not in have})
    if missing:
        names = listing([f"{k} {kommune_name(k)}" for k in missing])
        print(f"note: no parameter file in {config.KOMMUNE_PARAMS_DIR} for {names}: the report uses defaults"
              " (the official name, arm unknown, no targeted ties); `relkap params` writes a starting file to edit")
    return 0


def _cmd_params(args: argparse.Namespace) -> int:
    written = params.write_starting_params(_path(args.data), _path(args.out))
    for p in written:
        print(f"wrote {p}: set focal_process, arm and targeted_ties")
    if not written:
        print(f"every kommune in {config.resolve(_path(args.data), config.PROCESSED_DIR)} has a parameter file in"
              f" {config.resolve(_path(args.out), config.KOMMUNE_PARAMS_DIR)}")
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    # deferred: batch loads nbconvert and papermill (seconds); only this command needs them
    from . import batch

    out_root = config.resolve(_path(args.out), config.REPORTS_DIR)
    floor = load_instrument(_path(args.instrument)).privacy.min_n_floor
    check_min_n(args.min_n, floor, args.min_n_override_reason)  # before anything is written
    if args.research_only:
        return _run_research(args, out_root)
    research_status = _run_research(args, out_root) if args.research else 0  # first, so the index links it
    results = batch.run_batch(
        only=args.only,
        params_dir=_path(args.params),
        data_dir=_path(args.data),
        out_root=out_root,
        instrument=_path(args.instrument),
        notebook=_path(args.notebook),
        workers=args.workers,
        resume=args.resume,
        scheduler=args.scheduler,
        min_n=args.min_n,
        language=args.language,
        start_timeout=args.start_timeout,
        cell_timeout=args.cell_timeout,
        progress=not args.no_progress,
        pdf=args.pdf,
        min_n_override_reason=args.min_n_override_reason,
        project_brief=bool(args.research) and research_status == 0,
    )
    print(batch.results_table(results))
    if args.research and research_status == 0:
        print(f"Project brief: {out_root / 'research' / 'brief.html'}")
    print(f"\nIndex: {out_root / 'index.html'}")
    if args.share:
        _print_share(write_share(out_root, only=[r.kommune for r in results if r.status != "failed"] or None))
    return max(research_status, 1 if any(r.status == "failed" for r in results) else 0)


def _print_share(written: dict[int, list[Path]]) -> None:
    for code, paths in written.items():
        print(f"share {code}: {', '.join(str(p) for p in paths)}")


def _cmd_share(args: argparse.Namespace) -> int:
    _print_share(write_share(_path(args.reports), _path(args.out), only=args.only))
    return 0


def _run_research(args: argparse.Namespace, out_root: Path) -> int:
    """The cross-kommune research notebook (H1-H3, RQ1-RQ4) into ``<out>/research``.

    Questions the data cannot answer (too few kommuner, no follow-up, ...) are listed, not an error.
    """
    # deferred: batch loads nbconvert and papermill (seconds); only this command needs them
    from . import batch

    parameters = {k: v for k, v in (("seed", args.seed), ("n_boot", args.n_boot),
                                    ("n_permutations", args.n_permutations), ("min_n", args.min_n),
                                    ("language", args.language), ("text_language", args.language))
                  if v is not None}
    data = config.resolve(_path(args.data), config.PROCESSED_DIR)
    try:
        out = research.run_research(data, out_root / "research", params_dir=_path(args.params),
                                    instrument=_path(args.instrument), parameters=parameters,
                                    start_timeout=args.start_timeout, cell_timeout=args.cell_timeout)
    except Exception as exc:  # the notebook's own error, shortened: the kommune reports are already written
        print(f"relkap batch: research notebook failed: {batch.short_error(exc)}", file=sys.stderr)
        return 1
    summary = json.loads((out / "research_summary.json").read_text(encoding="utf-8"))
    for item in summary.get("not_answered", []):
        print(f"relkap batch: research: {item['text']}", file=sys.stderr)
    print(f"Research: {out / 'research.html'}")
    return 0


def _in_project(path: Path) -> str:
    return f"{path.relative_to(config.ROOT)} in the project, {path}" if path.is_relative_to(config.ROOT) else str(path)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="relkap",
        description="Relational capacity (Relationel Kapacitet) workbench for Danish kommuner. Paths on the"
        " command line are taken from the current folder; defaults are the project's folders.",
    )
    parser.add_argument("--version", action="version", version=f"relkap {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    processed, kommune_params = _in_project(config.PROCESSED_DIR), _in_project(config.KOMMUNE_PARAMS_DIR)
    codebook = _in_project(config.INSTRUMENT_PATH)

    p = sub.add_parser("synth", help="write realistic synthetic raw survey files and coded interviews (the demo"
                       " data)")
    p.add_argument("--kommuner", type=int, default=10, help="number of kommuner, up to 98 (default: %(default)s)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default: %(default)s)")
    p.add_argument("--waves", type=int, choices=[2, 3], default=2,
                   help="2: baseline and follow-up; 3: also a midway wave between them, with the codebook that"
                   " declares it written beside the files (codebook.yaml; import with --instrument it) (default:"
                   " %(default)s)")
    p.add_argument("--respondents", type=int, default=None,
                   help="mean employees per kommune and wave (default: realistic sizes, about 60)")
    p.add_argument("--out", default=None,
                   help=f"folder for the raw files, marked as synthetic (default: the demo's,"
                   f" {_in_project(config.DEMO_DIR / 'raw')})")
    p.add_argument("--params-out", default=None,
                   help="also write <code>.yaml parameter files for the generated kommuner into this folder"
                   " (default: none written)")
    p.add_argument("--no-interviews", action="store_true",
                   help="no coded interviews (by default one REFI-QDA project per kommune in <out>/interviews,"
                   " from random streams of their own: the survey files are the same either way)")
    p.set_defaults(func=_cmd_synth)

    p = sub.add_parser(
        "import", help="validate raw survey exports and coded interviews and add them to the processed tables",
        description="Validate raw survey exports and coded interviews and add them to the processed tables. The"
        " tables are a store keyed by kommune and wave: the kommune-waves in RAW are added, or replace the same"
        " kommune-waves (per instrument: employees, citizens, structures, interviews), and every other"
        " kommune-wave is kept. Nothing changes unless every file validates.")
    p.add_argument("raw", metavar="RAW",
                   help="a folder of raw exports (files named employees*, citizens*, structures*; coded interviews"
                   " in its interviews/ subfolder), one export file, or one REFI-QDA project (.qdpx)")
    p.add_argument("--out", default=None, help=f"folder of the processed tables (default: {processed})")
    p.add_argument("--kind", choices=["employees", "citizens", "structures", "interviews"], default=None,
                   help="what one export file holds; interviews: a coded-segments table (default: from its name,"
                   " else from its columns; a .qdpx is interviews)")
    p.add_argument("--rebuild", action="store_true",
                   help="replace the whole store with RAW instead of adding to it (default: off)")
    p.add_argument("--mix-sources", action="store_true",
                   help="import even when the store holds the other kind of data (synthetic demo data from relkap"
                   " synth, or a team's own), which is refused otherwise (default: off)")
    p.add_argument("--only-into-own", action="store_true",
                   help="refuse when the store already holds data from files outside RAW (make demo uses it, so "
                   "the demo never mixes into a team's own data; default: off)")
    p.add_argument("--instrument", default=None, help=f"codebook YAML (default: {codebook})")
    p.add_argument("--mapping", default=None,
                   help="mapping YAML for SurveyXact/Qualtrics/SPSS exports (default: none, the files use relkap's"
                   " column names)")
    p.add_argument("--interview-mapping", default=None,
                   help="interview mapping YAML for .qdpx projects and coded-segments tables (default: the"
                   " mapping.yaml beside them, e.g. RAW/interviews/mapping.yaml)")
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("params", help="write a starting parameter file for each kommune in the data that has none")
    p.add_argument("--data", default=None, help=f"processed data folder (default: {processed})")
    p.add_argument("--out", default=None, help=f"folder of the kommune parameter files (default: {kommune_params})")
    p.set_defaults(func=_cmd_params)

    p = sub.add_parser("batch", help="run the baseline-versus-follow-up report for every kommune in the data"
                       " (HTML + index)")
    p.add_argument("--only", nargs="+", type=int, metavar="CODE",
                   help="only these kommune codes, e.g. 751 615 (default: every kommune in the data)")
    p.add_argument("--workers", type=int, default=None, help="parallel kernels (default: one more than the cores)")
    p.add_argument("--resume", action="store_true",
                   help="skip kommuner whose reports are newer than their inputs (default: off)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the jobs on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786 (default: local"
                   " processes)")
    p.add_argument("--params", default=None,
                   help=f"folder of kommune parameter files; a kommune without one gets defaults (default:"
                   f" {kommune_params})")
    p.add_argument("--data", default=None, help=f"processed data folder (default: {processed})")
    p.add_argument("--out", default=None, help=f"reports folder (default: {_in_project(config.REPORTS_DIR)})")
    p.add_argument("--instrument", default=None, help=f"codebook YAML (default: {codebook})")
    p.add_argument("--notebook", default=None,
                   help=f"report notebook (default: {_in_project(config.NOTEBOOKS_DIR / 'kommune_report.ipynb')})")
    p.add_argument("--min-n", type=int, default=5,
                   help="smallest number of respondents shown; not below the codebook's privacy.min_n_floor"
                   " (default: %(default)s)")
    p.add_argument("--min-n-override-reason", default=None, metavar="REASON",
                   help="why --min-n is below the codebook's floor; required then, and printed in each report's"
                   " methods (default: none)")
    p.add_argument("--share", action="store_true",
                   help="also write each kommune's share bundle (report.html, report.pdf) into <out>/share/<code>"
                   " (default: off; see `relkap share`)")
    p.add_argument("--language", choices=["da", "en"], default="da", help="report language (default: %(default)s)")
    p.add_argument("--start-timeout", type=float, default=120.0,
                   help="seconds to wait for a kernel to start (default: %(default)s)")
    p.add_argument("--cell-timeout", type=float, default=600.0,
                   help="seconds a notebook cell may run (default: %(default)s)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (default: off)")
    p.add_argument("--pdf", action="store_true",
                   help="also print each report to report.pdf (A4) beside its HTML, with one headless Chromium"
                   " for all reports (default: off)")
    p.add_argument("--research", action="store_true",
                   help="also run the cross-kommune research notebook (H1-H3, RQ1-RQ4) into <out>/research"
                   " (default: off)")
    p.add_argument("--research-only", action="store_true",
                   help="only the research notebook, no kommune reports (default: off)")
    p.add_argument("--seed", type=int, default=None,
                   help="research: seed of bootstrap and permutations (default: the notebook's)")
    p.add_argument("--n-boot", type=int, default=None, help="research: bootstrap resamples (default: 2000)")
    p.add_argument("--n-permutations", type=int, default=None, help="research: permutations (default: 999)")
    p.set_defaults(func=_cmd_batch)

    p = sub.add_parser("share", help="write per kommune exactly what its reference group may receive (report.html,"
                       " report.pdf) into <reports>/share/<code>")
    p.add_argument("--reports", default=None,
                   help=f"the researchers' reports folder (default: {_in_project(config.REPORTS_DIR)})")
    p.add_argument("--out", default=None, help="folder of the bundles (default: <reports>/share)")
    p.add_argument("--only", nargs="+", type=int, metavar="CODE", help="only these kommune codes (default: all)")
    p.set_defaults(func=_cmd_share)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except RelkapError as exc:
        print(f"relkap {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
