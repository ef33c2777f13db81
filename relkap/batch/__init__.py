"""Run the kommune report notebook for every kommune: parallel, atomic, resumable, with an index page.

Each kommune is one job: papermill executes ``notebooks/kommune_report.ipynb`` with the kommune's
parameters into a private temporary folder, the executed notebook is exported to a self-contained HTML
file in the same process (:func:`relkap.export.export_html`: one language, no code, offline), and only then
is the folder swapped into ``reports/<code>/`` (:func:`relkap.files.swap_folder`). A job that fails is
recorded with its error and the others go on. With ``pdf=True`` one headless Chromium prints each finished
report to ``report.pdf`` beside its HTML while the next reports run (:class:`~relkap.batch.pdfs.PdfPrinter`).

The jobs go to any :class:`concurrent.futures.Executor`: a local process pool by default, or a Dask
distributed cluster (``--scheduler ADDRESS``) through ``Client.get_executor()``.

One module per job, as papermill's: :mod:`~relkap.batch.kernels` (which kernel, over which sockets),
:mod:`~relkap.batch.execute` (one notebook with retries), :mod:`~relkap.batch.jobs` (one kommune, resume),
:mod:`~relkap.batch.executors` (process pool or Dask), :mod:`~relkap.batch.index` (the index page),
:mod:`~relkap.batch.pdfs` and :mod:`~relkap.batch.run` (``run_batch``).
"""

from ..errors import RelkapError
from ..export import export_html
from .execute import execute_notebook, short_error
from .index import write_index
from .jobs import JobResult, ReportJob, results_table, run_report
from .kernels import KERNEL_NAME, kernel_manager_class
from .pdfs import write_pdfs
from .run import REPORT_NOTEBOOK, run_batch

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
    "results_table",
    "kernel_manager_class",
    "RelkapError",
    "REPORT_NOTEBOOK",
    "KERNEL_NAME",
]
