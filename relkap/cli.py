"""The ``relkap`` command. Each subcommand is a thin wrapper over a function in the package.

Errors a user can act on (:class:`~relkap.errors.RelkapError`) are printed as one message and exit with
status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .errors import RelkapError

__all__ = ["main"]


def _cmd_synth(args: argparse.Namespace) -> int:
    from . import synth

    paths = synth.write_demo(
        out_dir=args.out,
        n_kommuner=args.kommuner,
        seed=args.seed,
        respondents=args.respondents,
        params_dir=args.params_out,
    )
    for p in paths:
        print(p)
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from . import io

    written = io.import_raw(args.raw_dir, out_dir=args.out, instrument=args.instrument, mapping=args.mapping)
    for name, path in written.items():
        print(f"{name}: {path}")
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    from . import batch

    out_root = batch.config.resolve(args.out, batch.config.REPORTS_DIR)
    if args.research_only:
        return _run_research(args, out_root)
    research_status = _run_research(args, out_root) if args.research else 0  # first, so the index links it
    results = batch.run_batch(
        only=args.only,
        params_dir=args.params,
        data_dir=args.data,
        out_root=args.out,
        instrument=args.instrument,
        notebook=args.notebook,
        workers=args.workers,
        resume=args.resume,
        scheduler=args.scheduler,
        min_n=args.min_n,
        language=args.language,
        start_timeout=args.start_timeout,
        cell_timeout=args.cell_timeout,
        progress=not args.no_progress,
    )
    print(batch.results_table(results))
    print(f"\nIndex: {out_root / 'index.html'}")
    return max(research_status, 1 if any(r.status == "failed" for r in results) else 0)


def _run_research(args: argparse.Namespace, out_root) -> int:
    """The cross-kommune research notebook (H1-H3, RQ1-RQ4) into ``<out>/research``.

    Questions the data cannot answer (too few kommuner, no follow-up, ...) are listed, not an error.
    """
    import json

    from . import batch, research

    parameters = {k: v for k, v in (("seed", args.seed), ("n_boot", args.n_boot),
                                    ("n_permutations", args.n_permutations), ("min_n", args.min_n),
                                    ("language", args.language), ("text_language", args.language))
                  if v is not None}
    data = batch.config.resolve(args.data, batch.config.PROCESSED_DIR)
    try:
        out = research.run_research(data, out_root / "research", params_dir=args.params,
                                    instrument=args.instrument, parameters=parameters,
                                    start_timeout=args.start_timeout, cell_timeout=args.cell_timeout)
    except Exception as exc:  # the notebook's own error, shortened: the kommune reports are already written
        print(f"relkap batch: research notebook failed: {batch.short_error(exc)}", file=sys.stderr)
        return 1
    summary = json.loads((out / "research_summary.json").read_text(encoding="utf-8"))
    for item in summary.get("not_answered", []):
        print(f"relkap batch: research: {item['text']}", file=sys.stderr)
    print(f"Research: {out / 'research.html'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="relkap",
        description="Relational capacity (Relationel Kapacitet) workbench for Danish kommuner.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("synth", help="write realistic synthetic raw survey files (the demo data)")
    p.add_argument("--kommuner", type=int, default=10, help="number of kommuner (up to 98)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--respondents", type=int, default=None,
                   help="mean employees per kommune and wave (default: realistic sizes, about 60)")
    p.add_argument("--out", default="data/raw/demo", help="folder for the raw files")
    p.add_argument("--params-out", default=None,
                   help="also write params/kommuner/<code>.yaml for the generated kommuner into this folder")
    p.set_defaults(func=_cmd_synth)

    p = sub.add_parser("import", help="validate raw survey exports and write the tidy parquet tables")
    p.add_argument("raw_dir", help="folder with the raw files (employees, citizens, structures)")
    p.add_argument("--out", default="data/processed", help="folder for the parquet tables")
    p.add_argument("--instrument", default=None, help="codebook YAML (default params/instrument.yaml)")
    p.add_argument("--mapping", default=None, help="mapping YAML for SurveyXact/Qualtrics/SPSS exports")
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("batch", help="run the baseline-versus-follow-up report for every kommune (HTML + index)")
    p.add_argument("--only", nargs="+", type=int, metavar="KODE", help="only these kommune codes, e.g. 751 615")
    p.add_argument("--workers", type=int, default=None, help="parallel kernels (default: number of cores)")
    p.add_argument("--resume", action="store_true", help="skip kommuner whose reports are newer than their inputs")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the jobs on a Dask distributed cluster (e.g. tcp://10.0.0.5:8786)")
    p.add_argument("--params", default=None, help="folder of kommune YAML files (default params/kommuner)")
    p.add_argument("--data", default=None, help="processed data folder (default data/processed)")
    p.add_argument("--out", default=None, help="reports folder (default reports)")
    p.add_argument("--instrument", default=None, help="codebook YAML (default params/instrument.yaml)")
    p.add_argument("--notebook", default=None, help="report notebook (default notebooks/kommune_report.ipynb)")
    p.add_argument("--min-n", type=int, default=5, help="smallest number of respondents shown (default 5)")
    p.add_argument("--language", choices=["da", "en"], default="da")
    p.add_argument("--start-timeout", type=float, default=120.0, help="seconds to wait for a kernel to start")
    p.add_argument("--cell-timeout", type=float, default=600.0, help="seconds a notebook cell may run")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--research", action="store_true",
                   help="also run the cross-kommune research notebook (H1-H3, RQ1-RQ4) into <out>/research")
    p.add_argument("--research-only", action="store_true", help="only the research notebook, no kommune reports")
    p.add_argument("--seed", type=int, default=None, help="research: seed of bootstrap and permutations")
    p.add_argument("--n-boot", type=int, default=None, help="research: bootstrap resamples (default 2000)")
    p.add_argument("--n-permutations", type=int, default=None, help="research: permutations (default 999)")
    p.set_defaults(func=_cmd_batch)
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
