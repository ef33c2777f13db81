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
