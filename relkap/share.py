"""What leaves the researchers' folder: one share bundle per kommune, and notebooks without local paths.

The researchers' folder (``reports/``) holds everything a run made: per kommune ``report.ipynb``,
``report.html``, ``summary.json`` (and ``report.pdf``), the research report and the index page. Only part
of it may go to a kommune. :func:`write_share` copies, per kommune, exactly what its reference group may
receive into ``reports/share/<code>/``: ``report.html`` and ``report.pdf`` (when printed), nothing else (no
notebook, no ``summary.json``, no index page, no research report: those hold other kommuner's names or
values, or the parameters of the run). Before copying it checks each file: no local path (the project
folder, the home folder) and no other kommune of the run named in it; a file that fails is not shared and
the bundle is not written (README "Privacy").

The executed notebooks stay in the researchers' folder, with the paths papermill records (input and output
notebook, the ``data_dir``, ``instrument``, ``params_dir`` and ``out_dir`` parameters) made relative to the
project by :func:`scrub_notebook`, so no user name under a home folder is kept beside a report either.
:func:`clean_stale_temp` removes the ``.tmp-<code>-<pid>`` folders a killed run leaves in ``reports/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from . import config, files
from .errors import RelkapError
from .provenance import relative

__all__ = ["SHARED_FILES", "SHARE_DIR", "scrub_notebook", "clean_stale_temp", "share_problems", "write_share"]

SHARED_FILES = ("report.html", "report.pdf")  # what a kommune's reference group may receive, nothing else
SHARE_DIR = "share"  # the bundles' folder inside the reports folder
_TEMP = re.compile(r"^\.tmp-(\d+)-(\d+)$")


def _relative(value: str, moved: Mapping[str, str]) -> str:
    """``value`` as the project names it: a moved folder by its final place, a path relative to the project."""
    for old, new in moved.items():
        if value == old or value.startswith(old + os.sep):
            value = new + value[len(old):]
    return relative(value)


def scrub_notebook(notebook: str | os.PathLike, parameters: Mapping[str, object],
                   moved: Mapping[str, str] | None = None) -> Path:
    """Replace every absolute path papermill recorded in ``notebook`` by its path relative to the project.

    Parameters
    ----------
    notebook : path
        An executed notebook (papermill output), rewritten in place.
    parameters : mapping
        The parameters it ran with; every absolute path among them (and papermill's ``input_path`` and
        ``output_path``) is replaced wherever it occurs in the notebook: its metadata, the injected
        parameters cell, any output.
    moved : mapping, optional
        Temporary folder -> final folder (e.g. ``.tmp-157-123`` -> ``reports/157``), so ``out_dir`` names the
        folder the report ends up in.

    Returns
    -------
    Path
        ``notebook``. A path outside the project becomes its name only (:func:`relkap.provenance.relative`).
    """
    path = Path(notebook)
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    pm = nb.get("metadata", {}).get("papermill", {})
    values = [str(v) for v in parameters.values() if isinstance(v, str | os.PathLike)]
    values += [str(pm.get(k)) for k in ("input_path", "output_path") if pm.get(k)]
    moved = {str(k): str(v) for k, v in (moved or {}).items()}
    absolute = sorted({v for v in values if os.path.isabs(v)}, key=len, reverse=True)  # longest first
    for value in absolute:
        rel = _relative(value, moved)
        text = text.replace(json.dumps(value)[1:-1], json.dumps(rel)[1:-1])
    for prefix in sorted({str(config.ROOT), str(Path.home())}, key=len, reverse=True):
        text = text.replace(json.dumps(prefix + os.sep)[1:-1], "")  # any other path under the project or home
    files.write_text(path, text)
    return path


def clean_stale_temp(out_root: str | os.PathLike) -> list[Path]:
    """Remove the ``.tmp-<code>-<pid>`` folders of runs that are no longer running (killed runs' leftovers).

    A folder whose process is still alive (a run in progress) is kept. Returns the folders removed.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / ".tmp-157-999999999").mkdir(); (root / f".tmp-175-{os.getpid()}").mkdir()
    >>> [p.name for p in clean_stale_temp(root)], sorted(p.name for p in root.iterdir())
    (['.tmp-157-999999999'], ['.tmp-175-...'])
    """
    root = Path(out_root)
    removed = []
    if not root.is_dir():
        return removed
    for p in sorted(root.iterdir()):
        m = _TEMP.match(p.name)
        if m and p.is_dir() and not _alive(int(m.group(2))):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return pid < 2**22  # someone else's process, or a number no process has
    return True


def share_problems(file: str | os.PathLike, other_names: Iterable[str] = ()) -> list[str]:
    """Why ``file`` may not be shared: local paths in it, other kommuner named in it (empty: it may).

    A PDF is checked as its bytes (its text streams are compressed, so only the HTML is read as text).
    """
    path = Path(file)
    data = path.read_bytes()
    text = data.decode("utf-8", errors="replace")
    problems = []
    for prefix in {str(config.ROOT), str(Path.home())}:
        if prefix not in ("", "/") and prefix in text:
            problems.append(f"a local path ({prefix})")
    if path.suffix == ".html":
        plain = re.sub(r"<[^>]+>", " ", text)
        for name in other_names:
            if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", plain):
                problems.append(f"another kommune's name ({name})")
    return problems


def write_share(reports: str | os.PathLike | None = None, out: str | os.PathLike | None = None,
                only: Iterable[int] | None = None) -> dict[int, list[Path]]:
    """Write one share bundle per kommune: ``<out>/<code>/`` with its ``report.html`` and ``report.pdf``.

    Parameters
    ----------
    reports : path, optional
        The researchers' reports folder (default ``reports/``): one ``<code>/`` folder per kommune.
    out : path, optional
        Where the bundles go (default ``<reports>/share``); each bundle folder is replaced as a whole.
    only : iterable of int, optional
        Only these kommune codes (default: every kommune with a ``report.html``).

    Returns
    -------
    dict
        Kommune code -> the files in its bundle.

    Raises
    ------
    RelkapError
        No report to share, or a file that may not be shared (:func:`share_problems`); then no bundle is
        written.
    """
    root = config.resolve(reports, config.REPORTS_DIR)
    dest = Path(out) if out is not None else root / SHARE_DIR
    codes = sorted(int(p.name) for p in root.iterdir() if p.is_dir() and p.name.isdigit()
                   and (p / "report.html").is_file()) if root.is_dir() else []
    if only:
        wanted = {int(c) for c in only}
        missing = sorted(wanted - set(codes))
        if missing:
            raise RelkapError(f"{root}: no report.html for kommune {', '.join(map(str, missing))}; run `relkap batch`"
                              " first")
        codes = [c for c in codes if c in wanted]
    if not codes:
        raise RelkapError(f"{root}: no kommune report to share (no <code>/report.html); run `relkap batch` first")
    names = _names(root)
    plan: dict[int, list[Path]] = {}
    problems = []
    for code in codes:
        others = [n for c, n in names.items() if c != code and n and n != names.get(code)]
        plan[code] = [root / str(code) / f for f in SHARED_FILES if (root / str(code) / f).is_file()]
        problems += [f"{p}: {why}" for p in plan[code] for why in share_problems(p, others)]
    if problems:
        raise RelkapError("not shared, nothing written: " + "; ".join(problems))
    written = {}
    for code, sources in plan.items():
        tmp = files.temp_folder(dest / str(code))
        for src in sources:
            shutil.copy2(src, tmp / src.name)
        files.swap_folder(tmp, dest / str(code))
        written[code] = [dest / str(code) / s.name for s in sources]
    return written


def _names(root: Path) -> dict[int, str]:
    """Kommune code -> the name its report uses (``summary.json``), for every report in ``root``."""
    out = {}
    for p in root.iterdir():
        s = p / "summary.json"
        if p.name.isdigit() and s.is_file():
            try:
                out[int(p.name)] = str(json.loads(s.read_text(encoding="utf-8")).get("name") or "")
            except (OSError, ValueError):
                out[int(p.name)] = ""
    return out
