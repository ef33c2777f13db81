"""`relkap batch` against the usual hand-made loop, on the same demo kommuner, in one run.

    .venv/bin/python benchmarks/bench_batch.py [--data data/demo/processed] [--workers N] [--pdf-only]

The hand-made loop is what a researcher would otherwise write: for each kommune, one after another,
``papermill notebooks/kommune_report.ipynb ... -p kommune K`` then
``jupyter nbconvert --to html --no-input`` (both command-line tools). The batch runs the same notebook with
parallel kernels and exports HTML in-process. Prints both wall times and the ratio, then a profile of what a
single report spends its time on, from papermill's per-cell durations (kernel start and imports, tables and
statistics, figures, HTML export).

``relkap batch --pdf`` prints every report to PDF with one Chromium after the reports: the PDFs must add at
most a third to the batch's wall time (issue 14). The benchmark times the batch and then the PDFs of all
its reports (:func:`relkap.batch.write_pdfs`) and prints the share; ``--pdf-only`` skips the hand-made loop.

Needs the processed demo data (``make demo`` or ``relkap synth`` + ``relkap import``).
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

from relkap import batch, config
from relkap.params import load_all_kommune_params

BIN = Path(sys.executable).parent


def hand_loop(codes, data: Path, out: Path) -> float:
    nb = config.NOTEBOOKS_DIR / "kommune_report.ipynb"
    t0 = time.perf_counter()
    for code in codes:
        d = out / str(code)
        d.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(BIN / "papermill"), str(nb), str(d / "report.ipynb"), "-p", "kommune", str(code),
                        "-p", "data_dir", str(data), "-p", "out_dir", str(d), "-k", batch.KERNEL_NAME,
                        "--no-progress-bar"], check=True, capture_output=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(d / "report.ipynb")],
                       check=True, capture_output=True)
    return time.perf_counter() - t0


def profile(executed: Path) -> dict[str, float]:
    """Seconds per kind of cell in one executed report (papermill's per-cell durations)."""
    nb = json.loads(executed.read_text(encoding="utf-8"))
    meta = nb["metadata"].get("papermill", {})
    kinds = {"setup (imports, loading data)": 0.0, "figures": 0.0, "tables and statistics": 0.0}
    for c in nb["cells"]:
        if c["cell_type"] != "code":
            continue
        dur = (c["metadata"].get("papermill") or {}).get("duration") or 0.0
        src = "".join(c["source"])
        if "import " in src:
            kinds["setup (imports, loading data)"] += dur
        elif "plots." in src:
            kinds["figures"] += dur
        else:
            kinds["tables and statistics"] += dur
    total = meta.get("duration") or 0.0
    kinds["kernel start and overhead"] = max(total - sum(kinds.values()), 0.0)
    kinds["total in papermill"] = total
    return kinds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(config.DEMO_DIR / "processed"))  # `make demo` first
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--pdf-only", action="store_true", help="only the batch and its PDFs, no hand-made loop")
    args = ap.parse_args()
    data = Path(args.data).resolve()
    codes = sorted(load_all_kommune_params())
    root = Path(tempfile.mkdtemp(prefix="relkap-bench-batch-"))

    t0 = time.perf_counter()
    results = batch.run_batch(data_dir=data, out_root=root / "batch", workers=args.workers, progress=False)
    t_batch = time.perf_counter() - t0
    failed = [r.kommune for r in results if r.status != "ok"]
    t0 = time.perf_counter()
    pdfs = batch.write_pdfs(results)
    t_pdf = time.perf_counter() - t0
    share = t_pdf / t_batch
    print(f"relkap batch: {t_batch:.1f} s for {len(results)} reports; --pdf adds {t_pdf:.1f} s for {len(pdfs)} PDFs"
          f" (one browser): {share:.0%} of the batch's wall time ({'within' if share <= 1 / 3 else 'ABOVE'} the"
          " third allowed)")
    if args.pdf_only:
        return
    t_hand = hand_loop(codes, data, root / "hand")

    t0 = time.perf_counter()
    batch.export_html(root / "hand" / str(codes[0]) / "report.ipynb", root / "one.html")
    t_export = time.perf_counter() - t0

    print(f"{len(codes)} kommuner, {os.cpu_count()} cores, batch workers {args.workers}")
    print(f"hand-made loop (papermill CLI + nbconvert CLI, sequential): {t_hand:.1f} s")
    print(f"relkap batch: {t_batch:.1f} s" + (f" (failed: {failed})" if failed else ""))
    print(f"ratio: {t_hand / t_batch:.2f}x")
    print(f"\nOne report ({codes[0]}), seconds:")
    for k, v in profile(root / "hand" / str(codes[0]) / "report.ipynb").items():
        print(f"  {k:32s} {v:6.1f}")
    print(f"  {'HTML export (in-process)':32s} {t_export:6.1f}")


if __name__ == "__main__":
    main()
