"""``reports/index.html``: the researchers' page of a run: every kommune's status, time and report link.

The page is internal: it names every kommune of the run, so it stays in ``reports/`` and never goes to a
kommune (a kommune gets its share bundle, :mod:`relkap.share`). It holds no result: no kommune's change
is shown beside another's (the reports promise that no other kommune is named), only whether each report
was made, how long it took and where it is, with links to the research report and the project reference
group's brief when the run made them. The template is ``relkap/templates/index.html.j2``; words come from
the catalogue (sections ``index`` and ``glossary``), numbers from :mod:`relkap.fmt`, in the run's language.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import jinja2

from .. import fmt
from ..export import STYLESHEET, TEMPLATES_DIR
from ..files import write_text
from ..params import KommuneParams
from ..words import Language, text
from .jobs import JobResult

__all__ = ["write_index", "COLUMNS", "LINKS"]

COLUMNS = ("code", "kommune", "arm", "status", "seconds")
# The run's pages beside the kommune reports, linked when they exist: catalogue key -> path in the reports folder
LINKS = {"research": "research/research.html", "brief": "research/brief.html"}
_INDEX_STYLE = """body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; } th, td { border-bottom: 1px solid #ccc; padding: .35rem .8rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td { background: #f6e6e6; } .err { font-size: .85em; color: #7a1f1f; }
.internal { border-left: 4px solid #7a1f1f; padding: .4rem .8rem; background: #f7f2f2; max-width: 48rem; }
@media (max-width: 600px) { body { margin: 1rem; } th, td { padding: .3rem .5rem; } }"""


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.get_template("index.html.j2")


def write_index(results: Sequence[JobResult], out_root: str | Path, params: dict[int, KommuneParams],
                language: Language = "da") -> Path:
    """``reports/index.html``: every kommune's status, time and report link, for the researchers only.

    Parameters
    ----------
    results : sequence of JobResult
        One per kommune, in the order of the page.
    out_root : path
        The reports folder; the page links ``<code>/report.html`` (and the pages of :data:`LINKS`) where
        they exist.
    params : dict
        Kommune parameters by code (for the arm).
    language : {"da", "en"}
        The page's words (catalogue sections ``index`` and ``glossary``) and number format (:mod:`relkap.fmt`).

    Returns
    -------
    pathlib.Path
        The index file, written atomically.

    Examples
    --------
    >>> import tempfile
    >>> r = JobResult(766, "Hedensted", "failed", 1.25, error="no data")
    >>> page = write_index([r], tempfile.mkdtemp(), {}, language="en").read_text(encoding="utf-8")
    >>> "Kommuner: 1, of which failed: 1." in page, "<td>failed" in page, ">1.2</td>" in page
    (True, True, True)
    """
    out = Path(out_root)
    n_failed = sum(r.status == "failed" for r in results)
    words = {key: text(f"index.{key}", language) for key in ("title", "heading", "internal", "caption", *COLUMNS)}
    words["counts"] = text("index.counts", language, n=len(results), failed=n_failed,
                           seconds=fmt.number(sum(r.seconds for r in results), 0, language))
    rows = []
    for r in results:
        arm_key = {"intervention": "intervention", "control": "control"}.get(
            params[r.kommune].arm, "arm_unknown") if r.kommune in params else None
        has_report = r.status in ("ok", "skipped") and (out / str(r.kommune) / "report.html").exists()
        rows.append({
            "status": r.status, "kommune": r.kommune, "name": r.name,
            "link": f"{r.kommune}/report.html" if has_report else "",
            "arm": text(f"glossary.{arm_key}", language) if arm_key else "",
            "status_text": text(f"index.status_{r.status}", language),  # ok, skipped or failed
            "error": r.error, "seconds": fmt.number(r.seconds, 1, language),
        })
    links = [{"href": href, "text": text(f"index.{key}", language)} for key, href in LINKS.items()
             if (out / href).exists()]
    page = _template().render(language=language, words=words, rows=rows, columns=COLUMNS, links=links,
                              style=f"{_INDEX_STYLE}\n{STYLESHEET}")
    return write_text(out / "index.html", page)
