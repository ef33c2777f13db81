"""Run the research notebook (``notebooks/research.ipynb``) with papermill and export its no-code HTML.

The kernel, the execution and the HTML export are those of the kommune reports (:mod:`relkap.batch`);
the finished folder is swapped into place with :func:`relkap.files.swap_folder`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .. import config, files
from ..instrument import load_instrument
from ..io.codebook import check_data_declared, store_codebook_path
from ..share import scrub_notebook

__all__ = ["RESEARCH_NOTEBOOK", "run_research"]

RESEARCH_NOTEBOOK = config.NOTEBOOKS_DIR / "research.ipynb"


def run_research(data_dir: str | os.PathLike, out_dir: str | os.PathLike, *, params_dir: str | os.PathLike | None = None,
                 instrument: str | os.PathLike | None = None, parameters: dict | None = None,
                 notebook: str | os.PathLike | None = None, kernel_name: str = "relkap",
                 cell_timeout: float = 1800.0, start_timeout: float = 120.0) -> Path:
    """Execute the research notebook with papermill and export its no-code HTML, atomically.

    Parameters
    ----------
    data_dir : path
        The processed data (:func:`relkap.load`).
    out_dir : path
        The output folder; replaced as a whole when the run succeeded.
    params_dir, instrument : path, optional
        Kommune parameter files (arms, targeted ties) and codebook (defaults of :mod:`relkap.config`).
    parameters : dict, optional
        Other notebook parameters: ``nesting``, ``n_boot``, ``n_permutations``, ``seed``, ``min_units``,
        ``min_n``, ``mediation_correction``, ``language`` (narrative, tables, figures),
        ``text_language`` (methods and limitations text), ``decimal`` (CSV decimal mark).
    notebook, kernel_name, cell_timeout, start_timeout
        The notebook (default :data:`RESEARCH_NOTEBOOK`) and the papermill execution settings.

    Returns
    -------
    Path
        ``out_dir``, holding ``research.ipynb``, ``research.html``, ``research_summary.json`` and the
        CSV tables. On failure nothing is left behind: the old folder stays whole, the temporary one
        is removed, and so is the parent folder if this run created it.
    """
    # deferred: batch loads nbconvert and papermill (seconds); relkap.research loads neither
    from ..batch import execute_notebook, export_html

    codebook = store_codebook_path(data_dir, instrument)  # default: the store's own codebook
    check_data_declared(data_dir, load_instrument(codebook), codebook)  # before anything runs
    final = Path(out_dir).expanduser().resolve()
    created = next((p for p in (final.parent, *final.parent.parents) if p.exists()), None)
    tmp = files.temp_folder(final)
    params = {**(parameters or {}), "data_dir": str(Path(data_dir).expanduser().resolve()), "out_dir": str(tmp),
              "params_dir": str(params_dir or ""), "instrument": str(codebook)}
    try:
        execute_notebook(notebook or RESEARCH_NOTEBOOK, tmp / "research.ipynb", params, kernel_name=kernel_name,
                         start_timeout=start_timeout, cell_timeout=cell_timeout)
        scrub_notebook(tmp / "research.ipynb", params, moved={str(tmp): str(final)})  # no local paths kept
        export_html(tmp / "research.ipynb", tmp / "research.html")
        files.swap_folder(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_created(final.parent, created)
        raise
    return final


def _remove_created(folder: Path, existing: Path | None) -> None:
    """Remove ``folder`` and its parents up to ``existing`` (the deepest folder there before) while empty."""
    while existing is not None and folder != existing and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
