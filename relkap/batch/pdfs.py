"""``report.pdf`` beside every finished report's HTML, all printed by one browser after the reports."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .. import pdf
from .jobs import JobResult

__all__ = ["write_pdfs"]


def write_pdfs(results: Sequence[JobResult], pages: Sequence[Path] = ()) -> list[Path]:
    """``report.pdf`` beside the ``report.html`` of every finished report, one Chromium for all of them.

    A report skipped by ``--resume`` gets a PDF only when it has none or an older one than its HTML. ``pages``:
    other pages of the run printed beside themselves by the same browser (``brief.html`` -> ``brief.pdf``).
    """
    pairs = []
    for r in results:
        folder = Path(r.out_dir) if r.out_dir else None
        if r.status not in ("ok", "skipped") or folder is None or not (folder / "report.html").exists():
            continue
        html_file, pdf_file = folder / "report.html", folder / "report.pdf"
        if r.status == "skipped" and pdf_file.exists() and pdf_file.stat().st_mtime >= html_file.stat().st_mtime:
            continue
        pairs.append((html_file, pdf_file))
    pairs += [(Path(page), Path(page).with_suffix(".pdf")) for page in pages]
    return pdf.html_to_pdf(pairs)
