"""`relkap batch` against the usual hand-made loop, on the same kommuner, in one run.

    .venv/bin/python benchmarks/bench_batch.py [--kommuner N [--waves W] | --data data/demo/processed]
                                               [--workers N] [--hand-sample K] [--fresh] [--pdf] [--no-hand]

The hand-made loop is what a researcher would otherwise write: for each kommune, one after another,
``papermill notebooks/kommune_report.ipynb ... -p kommune K`` then
``jupyter nbconvert --to html --no-input`` (both command-line tools). It runs on a sample of ``--hand-sample``
kommuner (all of them by default up to 10, else 3); its cost per kommune is compared with the batch's wall
time per kommune (issue 26 asks for at least 8x). The batch runs the same notebook in warm kernels (one per
worker, reset between kommuner: :mod:`relkap.batch.warm`); ``--fresh`` also times it with a fresh kernel per
kommune, as before warm kernels. ``--pdf`` runs the batch with ``--pdf`` (each report printed by one
Chromium as soon as it is finished, while the next ones run: :class:`relkap.batch.pdfs.PdfPrinter`); the
hand loop then also prints each report with that browser, one after another. ``--no-hand`` skips the hand
loop. Then a profile of one report: papermill's per-cell durations by kind of cell, the in-process HTML
export and the report's PDF.

``--kommuner N`` makes its own data (``relkap synth --kommuner N --waves W`` (default 3, as the demo) and
``relkap import`` into a temporary folder, seed 1); without it the processed data in ``--data`` (``make demo``) and the project's parameter files.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from relkap import batch, config, pdf, synth
from relkap.io import import_raw
from relkap.params import kommuner_in_data

BIN = Path(sys.executable).parent


def hand_loop(codes, data: Path, params: Path, out: Path, with_pdf: bool) -> float:
    """Seconds for papermill CLI + nbconvert CLI (+ the PDF by one browser), one kommune after another."""
    nb = config.NOTEBOOKS_DIR / "kommune_report.ipynb"
    t0 = time.perf_counter()
    for code in codes:
        d = out / str(code)
        d.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(BIN / "papermill"), str(nb), str(d / "report.ipynb"), "-p", "kommune", str(code),
                        "-p", "data_dir", str(data), "-p", "params_dir", str(params), "-p", "out_dir", str(d),
                        "-k", batch.KERNEL_NAME, "--no-progress-bar"], check=True, capture_output=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(d / "report.ipynb")],
                       check=True, capture_output=True)
    if with_pdf:  # the hand loop's PDFs: the same browser and print settings as the batch's
        pdf.html_to_pdf([(out / str(c) / "report.html", out / str(c) / "report.pdf") for c in codes])
    return time.perf_counter() - t0


def profile(executed: Path) -> dict[str, float]:
    """Seconds per kind of cell in one executed report (papermill's per-cell durations)."""
    nb = json.loads(executed.read_text(encoding="utf-8"))
    meta = nb["metadata"].get("papermill", {})
    kinds = {"setup (imports, loading data, tables)": 0.0, "cells drawing figures": 0.0, "other cells": 0.0}
    for c in nb["cells"]:
        if c["cell_type"] != "code":
            continue
        dur = (c["metadata"].get("papermill") or {}).get("duration") or 0.0
        src = "".join(c["source"])
        if "import " in src:
            kinds["setup (imports, loading data, tables)"] += dur
        elif "publish.figure" in src or "publish.svg" in src:
            kinds["cells drawing figures"] += dur
        else:
            kinds["other cells"] += dur
    total = meta.get("duration") or 0.0
    kinds["papermill around the cells"] = max(total - sum(kinds.values()), 0.0)
    kinds["total in papermill"] = total
    return kinds


def make_data(n: int, root: Path, waves: int = 3) -> tuple[Path, Path]:
    raw, data, params = root / "raw", root / "processed", root / "params"
    os.environ.setdefault("RELKAP_PSEUDONYM_KEY", "bench")
    synth.write_demo(raw, n_kommuner=n, seed=1, params_dir=params, waves=waves)
    codebook = raw / "codebook.yaml"  # three waves: the codebook that declares the midway wave
    import_raw(raw, out_dir=data, instrument=str(codebook) if codebook.exists() else None)
    return data, params


def timed_batch(data: Path, params: Path, out: Path, workers: int, warm: bool, with_pdf: bool) -> tuple[float, list]:
    t0 = time.perf_counter()
    results = batch.run_batch(data_dir=data, params_dir=params, out_root=out, workers=workers, progress=False,
                              warm=warm, pdf=with_pdf)
    return time.perf_counter() - t0, results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kommuner", type=int, help="make N synthetic kommuner in a temporary folder")
    ap.add_argument("--waves", type=int, default=3, choices=(2, 3), help="waves of the synthetic data (default 3)")
    ap.add_argument("--data", default=str(config.DEMO_DIR / "processed"))  # `make demo` first
    ap.add_argument("--workers", type=int, default=batch.run.default_workers())
    ap.add_argument("--hand-sample", type=int, help="kommuner in the hand-made loop (default all up to 10, else 3)")
    ap.add_argument("--fresh", action="store_true", help="also time the batch with a fresh kernel per kommune")
    ap.add_argument("--pdf", action="store_true", help="the batch and the hand loop with PDFs")
    ap.add_argument("--no-hand", action="store_true", help="only the batch, no hand-made loop")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="relkap-bench-batch-"))
    if args.kommuner:
        data, params = make_data(args.kommuner, root / "data", args.waves)
    else:
        data, params = Path(args.data).resolve(), config.KOMMUNE_PARAMS_DIR
    codes = sorted(kommuner_in_data(data))
    n = len(codes)
    load = os.getloadavg()[0]
    print(f"{n} kommuner, {os.cpu_count()} cores, load average {load:.1f} at the start (a machine shared with "
          f"other work: compare the ratios), batch workers {args.workers}")

    t_batch, results = timed_batch(data, params, root / "batch", args.workers, warm=True, with_pdf=args.pdf)
    failed = [r.kommune for r in results if r.status != "ok"]
    what = "with PDFs printed while it runs" if args.pdf else "without PDFs"
    print(f"relkap batch (warm kernels), {what}: {t_batch:.1f} s, {t_batch / n:.2f} s per kommune"
          + (f" (failed: {failed})" if failed else ""))
    if args.fresh:
        t_fresh, _ = timed_batch(data, params, root / "fresh", args.workers, warm=False, with_pdf=args.pdf)
        print(f"relkap batch (a fresh kernel per kommune): {t_fresh:.1f} s, {t_fresh / n:.2f} s per kommune; "
              f"warm is {t_fresh / t_batch:.2f}x faster")
    if not args.no_hand:
        sample = codes[:args.hand_sample or (n if n <= 10 else 3)]
        t_hand = hand_loop(sample, data, params, root / "hand", args.pdf)
        per_hand = t_hand / len(sample)
        print(f"hand-made loop (papermill CLI + nbconvert CLI{' + PDF' if args.pdf else ''}, sequential) on "
              f"{len(sample)} kommuner: {t_hand:.1f} s, {per_hand:.2f} s per kommune")
        print(f"ratio, hand loop per kommune / batch per kommune: {per_hand / (t_batch / n):.2f}x "
              f"(load average now {os.getloadavg()[0]:.1f})")

    # a kommune its worker ran after another (warm imports): the first kommune of each worker pays the imports
    warmest = min((r for r in results if r.status == "ok"), key=lambda r: r.seconds).kommune
    one = root / "batch" / str(warmest)
    t0 = time.perf_counter()
    batch.export_html(one / "report.ipynb", root / "one.html")
    t_export = time.perf_counter() - t0
    t0 = time.perf_counter()
    pdf.html_to_pdf([(one / "report.html", root / "one.pdf")])
    t_one_pdf = time.perf_counter() - t0
    print(f"\nOne report ({warmest}, the quickest of the warm batch), seconds:")
    for k, v in profile(one / "report.ipynb").items():
        print(f"  {k:40s} {v:6.1f}")
    print(f"  {'HTML export (in-process)':40s} {t_export:6.1f}")
    print(f"  {'PDF (browser started for it alone)':40s} {t_one_pdf:6.1f}")
    sizes = {p.name: p.stat().st_size / 1e6 for p in (one / "report.ipynb", one / "report.html")}
    print("  sizes: " + ", ".join(f"{k} {v:.2f} MB" for k, v in sizes.items()))


if __name__ == "__main__":
    main()
