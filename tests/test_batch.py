"""Batch mechanics with a tiny real notebook: failures are isolated, outputs atomic, --resume, Dask."""

from __future__ import annotations

import re
import shutil
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from relkap import batch
from relkap.params import KommuneParams, dump_kommune_params

FIXTURE_NB = Path(__file__).parent / "data" / "batch_fixture.ipynb"
CODES = {766: "Hedensted", 336: "Stevns", 510: "Haderslev"}  # the fixture fails on purpose for 336


@pytest.fixture
def project(tmp_path):
    params = tmp_path / "params"
    params.mkdir()
    for code, name in CODES.items():
        kp = KommuneParams(kommune=code, name=name, groups=["myndighed", "skole"], focal_process="§ 50",
                           arm="control")
        (params / f"{code}.yaml").write_text(dump_kommune_params(kp), encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    # the fixture notebook reads no data: the batch only needs the kommuner in it (and its age, for --resume)
    _relations(data, [*CODES, 330])  # 330 Slagelse has answers but no parameter file
    return {"params_dir": params, "data_dir": data, "out_root": tmp_path / "reports", "notebook": FIXTURE_NB}


def _relations(folder: Path, codes) -> None:
    groups = pd.CategoricalDtype(["myndighed", "skole"])
    pd.DataFrame({"kommune": pd.array([c for c in codes for _ in range(2)], dtype="int16"),
                  "group": pd.Series(["myndighed", "skole"] * len(codes), dtype=groups)}
                 ).to_parquet(folder / "relations.parquet", index=False)


def _run(project, **kw):
    return batch.run_batch(**project, workers=2, progress=False, **kw)


def test_a_failing_kommune_does_not_stop_the_others(project):
    results = _run(project)
    status = {r.kommune: r.status for r in results}
    assert status == {336: "failed", 510: "ok", 766: "ok"}
    failed = next(r for r in results if r.kommune == 336)
    assert "deliberate failure for kommune 336" in failed.error
    out = project["out_root"]
    assert not (out / "336").exists()
    assert not list(out.glob(".tmp-*")), "temporary folders are cleaned up"
    for code in (510, 766):
        html = (out / str(code) / "report.html").read_text(encoding="utf-8")
        assert f"Rapport for {code}" in html
        # no code, no parameters cell, no injected parameters, no prompts
        assert "json.dumps" not in html and "interactive = False" not in html
        assert "injected-parameters" not in html and "In&nbsp;[" not in html
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr class=") == 3
    assert '<tr class="failed"><td>336</td><td>Stevns</td>' in index
    assert '<a href="766/report.html">Hedensted</a>' in index
    # the index page is the researchers' (status, time, links), in the run's language: Danish by default
    assert '<html lang="da">' in index and "Intern side for forskerne" in index
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in index
    assert "<title>relkap: forskernes oversigt over kørslen</title>" in index
    assert "<caption>Kommunernes rapporter: status og tid</caption>" in index and 'class="table-scroll"' in index
    assert "Kommuner: 3, heraf fejlet: 1." in index and "kontrolkommune" in index and "control" not in index
    # no result beside the names: the kommune's change is in its own report only
    assert "+0,25" not in index and "[+0,05; +0,45]" not in index


def test_english_run_has_an_english_index(project):
    _run(project, only=[766, 336], language="en")
    index = (project["out_root"] / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in index and "+0.25" not in index and "Internal page for the researchers" in index
    assert "Kommuner: 2, of which failed: 1." in index and "control kommune" in index
    assert "<td>failed" in index and "<th>Seconds</th>" in index
    words = re.sub(r"<style[^>]*>.*?</style>", "", index, flags=re.S)  # the page's text, not its stylesheet
    for danish in ("fejlet", "kontrol", "forskerne", "Sekunder", "0,"):
        assert danish not in words, danish


def test_resume_reruns_only_what_changed(project):
    _run(project)
    old = {c: (project["out_root"] / str(c) / "report.html").stat().st_mtime for c in (510, 766)}
    time.sleep(1.1)
    params_510 = project["params_dir"] / "510.yaml"
    params_510.write_text(params_510.read_text(encoding="utf-8"), encoding="utf-8")  # touched: newer
    results = _run(project, resume=True)
    status = {r.kommune: r.status for r in results}
    assert status == {336: "failed", 510: "ok", 766: "skipped"}
    assert (project["out_root"] / "766" / "report.html").stat().st_mtime == old[766]
    assert (project["out_root"] / "510" / "report.html").stat().st_mtime > old[510]


def test_project_brief_is_written_before_the_index_that_links_it(project, monkeypatch):
    """With the research run's summary in place, the batch writes research/brief.html, the index links it, and
    --pdf prints it with the reports' browser."""
    printed = _fake_browser(monkeypatch)
    research = project["out_root"] / "research"
    research.mkdir(parents=True)
    (research / "research_summary.json").write_text(
        '{"n": {"kommuner": 3, "intervention": 0, "control": 3}, "waves": ["baseline", "followup"], "answers": []}',
        encoding="utf-8")
    _run(project, only=[766, 510], project_brief=True, pdf=True)
    page = (research / "brief.html").read_text(encoding="utf-8")
    assert "kort til projektets referencegruppe" in page and "Hedensted" not in page and "Haderslev" not in page
    assert '<a href="research/brief.html">' in (project["out_root"] / "index.html").read_text(encoding="utf-8")
    # printed by the reports' browser: brief.html -> brief.pdf after the two reports
    assert [(p["html"].name, p["pdf"].name) for p in printed][-1] == ("brief.html", "brief.pdf")
    assert sorted(p["html"].parent.name for p in printed[:2]) == ["510", "766"] and len(printed) == 3


def test_a_failed_rerun_leaves_the_previous_report_whole(project, tmp_path):
    _run(project, only=[766])
    before = (project["out_root"] / "766" / "report.html").read_bytes()
    broken = tmp_path / "broken.ipynb"
    shutil.copy(FIXTURE_NB, broken)
    broken.write_text(broken.read_text(encoding="utf-8").replace("kommune == 336", "kommune == 766"),
                      encoding="utf-8")
    results = batch.run_batch(**{**project, "notebook": broken}, only=[766], workers=1, progress=False)
    assert results[0].status == "failed"
    assert (project["out_root"] / "766" / "report.html").read_bytes() == before


def test_unknown_kommune_in_only_is_named(project):
    with pytest.raises(batch.RelkapError, match=r"--only: kommune 101 has no employee answers in .*"
                       r"\(kommuner there: 330, 336, 510, 766\)"):
        _run(project, only=[101])


def test_without_a_params_folder_the_kommuner_come_from_the_data(project, tmp_path):
    """The project's (demo) parameter files do not choose the kommuner: the data do; 330 has no file."""
    results = batch.run_batch(data_dir=project["data_dir"], out_root=project["out_root"],
                              notebook=project["notebook"], workers=2, progress=False)
    assert {r.kommune: r.status for r in results} == {330: "ok", 336: "failed", 510: "ok", 766: "ok"}
    assert next(r for r in results if r.kommune == 330).name == "Slagelse"  # the official name
    index = (project["out_root"] / "index.html").read_text(encoding="utf-8")
    assert '<a href="330/report.html">Slagelse</a></td><td>ikke angivet</td>' in index  # arm unknown


def test_only_a_kommune_without_parameter_file_is_reported_with_defaults(project):
    results = _run(project, only=[330])
    assert [(r.kommune, r.name, r.status) for r in results] == [(330, "Slagelse", "ok")]
    assert (project["out_root"] / "330" / "report.html").exists()


def test_cli_exit_status_is_non_zero_when_a_kommune_fails(project, capsys):
    from relkap.cli import main

    status = main(["batch", "--params", str(project["params_dir"]), "--data", str(project["data_dir"]),
                   "--out", str(project["out_root"]), "--notebook", str(FIXTURE_NB), "--workers", "2",
                   "--no-progress", "--only", "336", "766"])
    out = capsys.readouterr().out
    assert status == 1
    assert out.splitlines()[0].split() == ["code", "kommune", "status", "seconds", "error"]  # English
    assert "336  Stevns               failed" in out and "766  Hedensted            ok" in out
    assert str(project["out_root"] / "index.html") in out
    assert main(["batch", "--params", str(project["params_dir"]), "--data", str(project["data_dir"]),
                 "--out", str(project["out_root"]), "--notebook", str(FIXTURE_NB), "--no-progress",
                 "--only", "766"]) == 0


def test_dask_scheduler_runs_the_same_jobs(project):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        results = _run(project, only=[510, 336], scheduler=cluster.scheduler_address)
    assert {r.kommune: r.status for r in results} == {336: "failed", 510: "ok"}
    assert (project["out_root"] / "510" / "report.html").exists()


def test_each_kernel_gets_one_blas_thread(project):
    results = _run(project, only=[766])
    assert results[0].summary["omp_threads"] == "1"


def test_report_kernels_talk_over_private_ipc_sockets():
    """Kernels use Unix sockets, one prefix each (two workers' kernels must not share sockets), not TCP."""
    manager = batch.kernel_manager_class()
    a, b = manager(kernel_name="relkap"), manager(kernel_name="relkap")
    assert a.transport == b.transport == "ipc"
    assert a.ip != b.ip and Path(a.ip).parent == Path(b.ip).parent
    assert a._make_url("shell").startswith("ipc://" + a.ip)


def test_cli_paths_are_taken_from_the_current_folder(project, tmp_path, monkeypatch, capsys):
    """`relkap batch --params params` reads ./params, not the project's params folder."""
    from relkap.cli import main

    monkeypatch.chdir(tmp_path)
    status = main(["batch", "--params", "params", "--data", "data", "--out", "reports_rel", "--notebook",
                   str(FIXTURE_NB), "--no-progress", "--only", "766"])
    assert status == 0, capsys.readouterr().err
    assert (tmp_path / "reports_rel" / "766" / "report.html").exists()


def _fake_browser(monkeypatch, fail_on: str | None = None) -> list[dict]:
    """Replace Chromium (relkap.pdf's browser, page and printing) by a recorder; the list of what it printed.

    Each entry: the HTML and PDF paths, the thread that printed, whether the report's HTML was in its final place
    then, and the browser it used (one per batch). ``fail_on``: the folder name whose page fails to print.
    """
    from contextlib import contextmanager

    from relkap import pdf

    printed: list[dict] = []
    browsers: list[object] = []

    @contextmanager
    def browser():
        browsers.append(object())
        yield browsers[-1]

    def print_pdf(page, html, pdf_file, timeout_s=60):
        html, pdf_file = Path(html), Path(pdf_file)
        if html.parent.name == fail_on:
            raise RuntimeError(f"page {html} did not load")
        printed.append({"html": html, "pdf": pdf_file, "thread": threading.current_thread().name,
                        "html_there": html.exists(), "browser": page, "at": time.perf_counter()})
        pdf_file.write_bytes(b"%PDF-1.4 fake")
        return pdf_file

    monkeypatch.setattr(pdf, "chromium_path", lambda: Path("/usr/bin/chromium"))
    monkeypatch.setattr(pdf, "browser", browser)
    monkeypatch.setattr(pdf, "print_page", lambda b: b)
    monkeypatch.setattr(pdf, "print_pdf", print_pdf)
    return printed


def test_pdf_flag_prints_each_report_as_it_is_finished(project, monkeypatch):
    """`relkap batch --pdf`: one browser, in a thread of its own, prints each report as soon as it is in place,
    while the next reports run; a failed kommune gets no PDF; --resume prints only what lacks a current PDF."""
    from relkap.cli import main

    printed = _fake_browser(monkeypatch)

    results = batch.run_batch(**project, workers=1, progress=False, pdf=True, only=[766, 510, 336])
    assert sorted(p["html"].parent.name for p in printed) == ["510", "766"]  # 336 failed: no PDF
    assert all(p["pdf"].name == "report.pdf" and p["pdf"].parent == p["html"].parent for p in printed)
    assert all(p["thread"] == "relkap-pdf" and p["html_there"] for p in printed)
    assert len({id(p["browser"]) for p in printed}) == 1
    assert {r.kommune for r in results if r.status == "ok"} == {510, 766}
    # one worker runs the kommuner one after another: the first report's PDF is printed before the last
    # report is finished (its folder swapped into place later)
    first = min(printed, key=lambda p: p["at"])
    last_html = max((project["out_root"] / str(c) / "report.html" for c in (510, 766)),
                    key=lambda f: f.stat().st_mtime)
    assert first["pdf"].stat().st_mtime <= last_html.stat().st_mtime
    # --resume: a report skipped with a PDF newer than its HTML is not printed again
    printed.clear()
    _run(project, resume=True, pdf=True)
    assert printed == []
    assert main(["batch", "--params", str(project["params_dir"]), "--data", str(project["data_dir"]),
                 "--out", str(project["out_root"]), "--notebook", str(FIXTURE_NB), "--no-progress",
                 "--only", "766", "--pdf"]) == 0
    assert [p["html"].parent.name for p in printed] == ["766"]


def test_pdf_without_chromium_is_said_before_anything_is_written(project, monkeypatch):
    monkeypatch.setenv("RELKAP_CHROMIUM", str(project["out_root"].parent / "no-chromium"))
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(batch.RelkapError, match="make browser"):
        _run(project, pdf=True)
    assert not project["out_root"].exists()


def test_a_pdf_that_fails_is_raised_after_the_reports_and_the_index(project, monkeypatch):
    printed = _fake_browser(monkeypatch, fail_on="510")
    with pytest.raises(RuntimeError, match="did not load"):
        batch.run_batch(**project, workers=1, progress=False, pdf=True, only=[510, 766])
    out = project["out_root"]
    assert (out / "510" / "report.html").exists() and (out / "766" / "report.html").exists()
    assert (out / "index.html").exists()
    assert printed == []  # 510 finished first (one worker, code order) and failed: 766 after it is not printed


def test_index_page_has_a_main_landmark_and_escapes_what_it_shows(tmp_path):
    """The Jinja2 index: a <main> landmark (axe), names and errors escaped, words and numbers by language."""
    results = [batch.JobResult(101, "Kø<benhavn>", "failed", 12.345, error="ValueError: n < 5 & more"),
               batch.JobResult(766, "Hedensted", "ok", 3.0)]
    (tmp_path / "766").mkdir()
    (tmp_path / "766" / "report.html").write_text("<html></html>", encoding="utf-8")
    page = batch.write_index(results, tmp_path, {}, language="da").read_text(encoding="utf-8")
    assert page.count("<main>") == 1 and page.index("<main>") < page.index("<h1>") < page.index("</main>")
    assert "<td>Kø&lt;benhavn&gt;</td>" in page and '<div class="err">ValueError: n &lt; 5 &amp; more</div>' in page
    assert '<td class="num">12,3</td>' in page and '<a href="766/report.html">Hedensted</a>' in page
    assert "Kommuner: 2, heraf fejlet: 1." in page and "research.html" not in page and "brief.html" not in page
    (tmp_path / "research").mkdir()
    for name in ("research.html", "brief.html"):
        (tmp_path / "research" / name).write_text("<html></html>", encoding="utf-8")
    page = batch.write_index(results, tmp_path, {}, language="da").read_text(encoding="utf-8")
    assert '<a href="research/research.html">Forskningsrapporten' in page
    assert '<a href="research/brief.html">Projektbriefen til projektets referencegruppe</a>' in page
