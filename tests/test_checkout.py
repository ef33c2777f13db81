"""The checkout itself: the tests pass from any checkout path (git keeping notebooks free of run metadata is
tests/test_notebook_template.py's)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

from relkap import config

ROOT = config.ROOT
LONG = "a very-long-path-with-hyphens-and-spaces-" * 3


def test_cli_tests_pass_from_a_long_checkout_path_with_hyphens_and_spaces(tmp_path):
    """`make test` used to fail in a checkout like ~/my-projects/relkap-checkout: a test compared the
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
