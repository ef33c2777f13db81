"""The report notebook is a template: git holds it without outputs, running it in JupyterLab leaves the
repository clean (git's nbstripout filter, set up by `make venv`), and a hand run writes into its own
folder, never into the batch's report folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from relkap import config, report

NOTEBOOK = "notebooks/kommune_report.ipynb"
pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("make") is None,
                                reason="needs git and make")


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def _filter_setup() -> list[str]:
    """The commands `make venv` runs to set up git's notebook filter, for this interpreter's venv."""
    venv = Path(sys.executable).parent.parent
    # relative to the project when it is the project's own .venv, as the Makefile names it: a make target
    # cannot hold a space, and a checkout path may (a folder named "my projects")
    if venv.is_relative_to(config.ROOT):
        venv = venv.relative_to(config.ROOT)
    plan = subprocess.run(["make", "-n", "-B", f"VENV={venv}", f"{venv}/.installed"], cwd=config.ROOT,
                          capture_output=True, text=True, check=True).stdout
    commands = [c for c in plan.replace("\\\n", " ").splitlines() if "git config" in c]
    assert commands, "make venv no longer sets up the nbstripout filter"
    return commands


@pytest.fixture
def repo(tmp_path):
    """A git repository with the project's .gitattributes, the filter set up as `make venv` does, and the
    report notebook committed."""
    root = tmp_path / "repo"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(config.ROOT / ".gitattributes", root / ".gitattributes")
    shutil.copy(config.ROOT / NOTEBOOK, root / NOTEBOOK)
    _git("init", "-q", cwd=root)
    for command in _filter_setup():
        subprocess.run(command, shell=True, cwd=root, check=True)
    _git("add", ".", cwd=root)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "notebook", cwd=root)
    return root


def _executed(nb: dict) -> dict:
    """The notebook as JupyterLab autosaves it after a run: outputs, execution counts, widget state and the
    kernel's language_info (12 lines nbstripout keeps unless told: the Makefile's NB_EXTRA_KEYS)."""
    nb = json.loads(json.dumps(nb))
    for i, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = i + 1
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["respondent R0001234\n"]}]
    nb["metadata"]["widgets"] = {"state": {}}
    nb["metadata"]["language_info"] = {
        "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py", "mimetype": "text/x-python",
        "name": "python", "nbconvert_exporter": "python", "pygments_lexer": "ipython3", "version": "3.11.9"}
    return nb


def test_running_the_notebook_in_jupyterlab_leaves_the_repository_clean(repo):
    path = repo / NOTEBOOK
    committed = path.read_text(encoding="utf-8")
    path.write_text(json.dumps(_executed(json.loads(committed)), indent=1), encoding="utf-8")
    assert "respondent R0001234" in path.read_text(encoding="utf-8")
    assert _git("diff", cwd=repo) == ""  # git sees no change (the filter strips the outputs)...
    _git("add", "-A", cwd=repo)
    assert _git("status", "--porcelain", cwd=repo) == ""  # ...commits none (git status agrees once refreshed)
    held = json.loads(_git("show", f":{NOTEBOOK}", cwd=repo))
    assert held == json.loads(committed)  # the template: cell ids, tags and jupytext metadata kept


def test_git_holds_the_report_notebook_without_outputs():
    """What the repository holds (the index), not the working file a JupyterLab session may have run."""
    if not (config.ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    nb = json.loads(_git("show", f":{NOTEBOOK}", cwd=config.ROOT))
    assert all(not c.get("outputs") and not c.get("execution_count") for c in nb["cells"] if c["cell_type"] == "code")
    assert nb["metadata"]["jupytext"]["formats"] == "ipynb,py:percent"


def test_a_hand_run_writes_into_its_own_folder(tmp_path, monkeypatch):
    """The batch passes out_dir; without it the report goes to reports/hand/<kommune>, never reports/<kommune>."""
    nb = json.loads((config.ROOT / NOTEBOOK).read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "report.inputs(kommune, data_dir=data_dir, out_dir=out_dir," in code  # the notebook resolves nothing itself
    assert os.path.basename(str(config.REPORTS_DIR)) == "reports"
    monkeypatch.setattr(config, "REPORTS_DIR", tmp_path / "reports")
    run = report.inputs(766)
    assert run.out_dir == tmp_path / "reports" / "hand" / "766" and run.out_dir.is_dir()
    assert run.params.kommune == 766 and run.params.source in ("file", "defaults")  # defaults without a file
    assert report.inputs(766, out_dir=tmp_path / "mine").out_dir == tmp_path / "mine"
