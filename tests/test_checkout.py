"""The checkout itself: tests pass from any checkout path, and git keeps notebooks free of run metadata."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from relkap import config

ROOT = config.ROOT
LONG = "a very-long-path-with-hyphens-and-spaces-" * 3


def _make_variable(name: str) -> str:
    """The value of ``NAME := value`` in the Makefile."""
    m = re.search(rf"^{name} := (.*)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert m, f"{name} is not set in the Makefile"
    return m.group(1).strip()


def test_cli_tests_pass_from_a_long_checkout_path_with_hyphens_and_spaces(tmp_path):
    """`make test` used to fail in a checkout like /home/x/my-projects/relkap-checkout: a test compared the
    `--help` text with the absolute data path, which argparse wrapped at a hyphen. The package and the CLI
    tests, copied to such a path, pass there (in a terminal of 80 columns)."""
    checkout = tmp_path / LONG / "relkap checkout"
    shutil.copytree(ROOT / "relkap", checkout / "relkap", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "params", checkout / "params")
    (checkout / "tests").mkdir()
    for name in ("conftest.py", "test_cli_config.py"):
        shutil.copy2(ROOT / "tests" / name, checkout / "tests" / name)
    shutil.copy2(ROOT / "pyproject.toml", checkout / "pyproject.toml")
    env = {k: v for k, v in os.environ.items() if k != "RELKAP_ROOT"}
    env.update(PYTHONPATH=str(checkout), COLUMNS="80")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_cli_config.py",
                          "-k", "help or paths or version"], cwd=checkout, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert re.search(r"\b[5-9] passed", run.stdout), run.stdout[-500:]
    imported = subprocess.run([sys.executable, "-c", "import relkap.config as c; print(c.PROCESSED_DIR)"],
                              cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert imported == str(checkout / "data" / "processed")  # the copy's relkap was the one tested


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_notebook_run_in_jupyterlab_leaves_git_clean(tmp_path):
    """The Makefile's nbstripout filter (as `make venv` sets it up) strips what a JupyterLab run adds: outputs,
    execution counts and the metadata.language_info block nbstripout keeps by default."""
    repo = tmp_path / "repo"
    repo.mkdir()
    nb = repo / "kommune_report.ipynb"
    shutil.copy2(ROOT / "notebooks" / "kommune_report.ipynb", nb)
    (repo / ".gitattributes").write_text((ROOT / ".gitattributes").read_text(encoding="utf-8"), encoding="utf-8")

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout

    git("init", "-q")
    git("config", "filter.nbstripout.clean", f'"{sys.executable}" -m nbstripout --keep-id')
    git("config", "filter.nbstripout.extrakeys", _make_variable("NB_EXTRA_KEYS"))
    git("config", "filter.nbstripout.smudge", "cat")
    git("config", "filter.nbstripout.required", "true")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "notebook")
    committed = json.loads(git("show", "HEAD:kommune_report.ipynb"))
    assert "language_info" not in committed["metadata"]

    ran = json.loads(nb.read_text(encoding="utf-8"))
    ran["metadata"]["language_info"] = {
        "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py", "mimetype": "text/x-python",
        "name": "python", "nbconvert_exporter": "python", "pygments_lexer": "ipython3", "version": "3.11.9"}
    code = next(c for c in ran["cells"] if c["cell_type"] == "code")
    code["execution_count"] = 3
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["766 Hedensted\n"]}]
    nb.write_text(json.dumps(ran, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert git("diff") == ""
    git("add", "-A")
    assert git("status", "--porcelain") == ""  # nothing to commit (before `add`, git status only sees a new mtime)
    # without the extra keys the same run would leave the language_info diff (why the Makefile sets them)
    git("config", "--unset", "filter.nbstripout.extrakeys")
    git("add", "--renormalize", ".")
    assert "language_info" in git("diff", "--cached")
