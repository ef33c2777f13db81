"""``report.pdf`` beside every finished report's HTML, printed by one browser while the batch goes on.

:class:`PdfPrinter` owns a headless Chromium in a thread of its own: the batch hands it each report as soon as
the report is swapped into place, so the PDFs are printed while the kernels run the next kommuner (not all
after them), and a missing Chromium is found before the first report runs. :func:`write_pdfs` prints a list
of finished reports at once (a batch's ``--resume`` leftovers, a benchmark, a test).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from pathlib import Path

from .. import pdf
from .jobs import JobResult

__all__ = ["write_pdfs", "pdf_pairs", "PdfPrinter"]


def pdf_pairs(results: Sequence[JobResult]) -> list[tuple[Path, Path]]:
    """``(report.html, report.pdf)`` of every finished report that needs its PDF printed.

    A report skipped by ``--resume`` needs one only when it has none or an older one than its HTML.
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
    return pairs


def write_pdfs(results: Sequence[JobResult], pages: Sequence[Path] = ()) -> list[Path]:
    """``report.pdf`` beside the ``report.html`` of every finished report (:func:`pdf_pairs`), one Chromium for
    all of them. ``pages``: other pages of the run printed beside themselves (``brief.html`` -> ``brief.pdf``).
    """
    pairs = pdf_pairs(results) + [(Path(page), Path(page).with_suffix(".pdf")) for page in pages]
    return pdf.html_to_pdf(pairs)


class PdfPrinter:
    """Print ``(html, pdf)`` pairs handed over one at a time, in a thread that owns one headless Chromium.

    Use as a context manager: :meth:`submit` queues a pair and returns at once; leaving the block waits for
    every queued PDF. The first error (Chromium failing to start, a page that does not load) is raised when
    the block ends, after the PDFs queued before it were printed; the pairs after it are not printed.
    ``written`` lists the PDFs written, in the order printed.
    """

    def __init__(self, timeout_s: float = 60):
        pdf.chromium_path()  # no Chromium: say so before any report runs, not after all of them
        self.timeout_s = timeout_s
        self.written: list[Path] = []
        self._queue: queue.Queue = queue.Queue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._print_all, name="relkap-pdf", daemon=True)

    def __enter__(self) -> PdfPrinter:
        self._thread.start()
        return self

    def submit(self, html: str | Path, pdf_file: str | Path) -> None:
        self._queue.put((Path(html), Path(pdf_file)))

    def __exit__(self, exc_type, exc, tb) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None and exc is None:
            raise self._error

    def _print_all(self) -> None:
        ended = False
        try:
            with pdf.browser() as b:
                page = pdf.print_page(b)
                while (pair := self._queue.get()) is not None:
                    self.written.append(pdf.print_pdf(page, *pair, timeout_s=self.timeout_s))
                ended = True
        except BaseException as exc:  # noqa: BLE001 - raised in the batch's thread when the block ends
            self._error = exc
            while not ended and self._queue.get() is not None:  # the batch goes on handing over pairs: print none
                pass
