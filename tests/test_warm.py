"""Warm kernels (relkap.batch.warm): a report from a kept kernel equals the same report from a fresh kernel.

The real kommune report notebook runs on small synthetic data in one warm kernel after another report, after
a notebook that changes every piece of state a report could meet (matplotlib's rcParams, pandas' options,
warning filters, environment, working folder, names in the namespace) and after a notebook that fails;
each time its summary.json and HTML are compared with those of a fresh kernel (papermill's own, one per
notebook). Apart from timestamps, the run time and pandas Styler's random table ids they must be equal.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

import relkap
from relkap import export, synth
from relkap.batch import execute_notebook, warm
from relkap.io import import_raw

NOTEBOOK = Path(relkap.config.NOTEBOOKS_DIR, "kommune_report.ipynb")


def _notebook(path: Path, source: str) -> Path:
    nb = new_notebook(cells=[new_code_cell(source)])
    nb.metadata["kernelspec"] = {"name": "relkap", "display_name": "relkap", "language": "python"}
    nbformat.write(nb, path)
    return path


POLLUTE = """
import os, warnings
import matplotlib.pyplot as plt, pandas as pd, seaborn as sns
sns.set_theme(style="dark", font_scale=1.7)
plt.rcParams["figure.dpi"] = 40
plt.rcParams["axes.prop_cycle"] = plt.cycler(color=["#000000"])
pd.set_option("display.precision", 1)
pd.set_option("styler.format.precision", 1)
warnings.simplefilter("error")
os.environ["RELKAP_PSEUDONYM_KEY"] = "another"
os.chdir("/")
fig, ax = plt.subplots()
min_n = 1
kommune = 999
language = "en"
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("warm")
    os.environ.setdefault("RELKAP_PSEUDONYM_KEY", "test-key")
    raw, data, params = root / "raw", root / "processed", root / "params"
    synth.write_demo(raw, n_kommuner=3, seed=1, params_dir=params)
    import_raw(raw, out_dir=data)
    codes = sorted(int(f.stem) for f in params.glob("*.yaml"))[:2]
    return {"root": root, "data": data, "params": params, "codes": codes,
            "pollute": _notebook(root / "pollute.ipynb", POLLUTE),
            "broken": _notebook(root / "broken.ipynb", "import matplotlib.pyplot as plt\n"
                                                        "plt.rcParams['font.size'] = 30\nraise ValueError('broken')")}


def _run(project, code: int, folder: Path, fresh: bool = False) -> dict:
    folder.mkdir(parents=True)
    params = {"kommune": code, "data_dir": str(project["data"]), "params_dir": str(project["params"]),
              "out_dir": str(folder)}
    run = execute_notebook if fresh else warm.execute_warm
    run(NOTEBOOK, folder / "report.ipynb", params)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    summary["provenance"].pop("run")  # the run's date and time
    html = export.export_html(folder / "report.ipynb", folder / "report.html").read_text(encoding="utf-8")
    html = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", "<when>", html)
    html = re.sub(r"T_[0-9a-f]{5}(?=[_\"])", "T_<id>", html)  # pandas Styler's random uuid per table
    return {"summary": summary, "html": html}


def _same_but_run_time(warm_run: dict, fresh_run: dict) -> None:
    assert warm_run["summary"] == fresh_run["summary"]
    if warm_run["html"] != fresh_run["html"]:
        a, b = warm_run["html"].splitlines(), fresh_run["html"].splitlines()
        diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
        # the only other difference allowed: the provenance table's run time in seconds
        assert len(diff) == 1 and all(re.fullmatch(r'<td id="T_<id>_row\d+_col1" class="data row\d+ col1" >'
                                                   r"\d+,\d</td>", x.strip()) for x in diff[0]), diff[:3]


def test_a_warm_kernel_report_equals_a_fresh_kernels(project, tmp_path):
    a, b = project["codes"]
    warm.shutdown_warm_kernels()
    try:
        kernel = warm.warm_kernel()
        warm.execute_warm(project["pollute"], tmp_path / "pollute.ipynb", {})
        second = _run(project, b, tmp_path / "warm-after-pollution")
        assert warm.warm_kernel() is kernel, "a notebook that succeeds keeps its kernel"
        with pytest.raises(Exception, match="broken"):
            warm.execute_warm(project["broken"], tmp_path / "broken.ipynb", {})
        assert warm.warm_kernel() is not kernel, "a notebook that fails takes its kernel with it"
        # the new kernel's first report (what a worker's first kommune meets), then a second in the same kernel
        after_failure = _run(project, b, tmp_path / "warm-after-failure")
        again = _run(project, a, tmp_path / "warm-again")  # a kernel that ran a report before
    finally:
        assert warm.shutdown_warm_kernels() == 1
    fresh = {code: _run(project, code, tmp_path / f"fresh-{code}", fresh=True) for code in (a, b)}
    _same_but_run_time(second, fresh[b])
    _same_but_run_time(after_failure, fresh[b])
    _same_but_run_time(again, fresh[a])


def test_a_hanging_notebook_is_stopped_and_the_next_gets_a_fresh_kernel(tmp_path):
    """A cell past its timeout fails its kommune alone: the kernel is stopped, the next notebook runs."""
    hang = _notebook(tmp_path / "hang.ipynb", "import time\nhung = True\ntime.sleep(600)")
    look = _notebook(tmp_path / "look.ipynb", "import gc\nprint('hung' in dir(), 'x' in dir(), gc.get_freeze_count())")
    warm.shutdown_warm_kernels()
    try:
        warm.execute_warm(look, tmp_path / "look0.ipynb", {})
        kernel = warm.warm_kernel()
        with pytest.raises(Exception, match="(?i)timeout|timed out"):
            warm.execute_warm(hang, tmp_path / "hang-out.ipynb", {}, cell_timeout=3)
        assert not kernel.alive(), "the hung kernel is stopped"
        warm.execute_warm(look, tmp_path / "look1.ipynb", {})
        out = nbformat.read(tmp_path / "look1.ipynb", as_version=4)
        hung, x, frozen = out.cells[-1].outputs[0]["text"].split()
        assert (hung, x) == ("False", "False")
        # the reset hid the kernel's imports (pandas, matplotlib: a few hundred thousand objects) from the
        # garbage collector; a kernel without the freeze reports 0
        assert int(frozen) > 50_000
    finally:
        assert warm.shutdown_warm_kernels() == 1
