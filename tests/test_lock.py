"""requirements.lock (what `make demo`/`make test` install) and pyproject.toml cannot drift apart."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _pins() -> dict[str, tuple[str, str | None]]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;]+)\s*(?:;\s*(.+))?$", line.strip())
        if m:
            name = canonicalize_name(m.group(1).split("[")[0])
            marker = m.group(3)
            if marker is None or Marker(marker).evaluate():
                pins[name] = (m.group(2), marker)
    return pins


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    reqs += [Requirement(r) for extra in project["optional-dependencies"].values() for r in extra]
    return [r for r in reqs if r.marker is None or r.marker.evaluate()]


def test_lock_pins_every_requirement_of_pyproject_within_its_range():
    pins = _pins()
    for req in _requirements():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is in pyproject.toml but not in requirements.lock: run `make lock`"
        assert req.specifier.contains(pins[name][0], prereleases=True), (
            f"requirements.lock pins {req.name}=={pins[name][0]}, outside pyproject.toml's '{req.specifier}': "
            "run `make lock`")


def test_the_environment_is_the_lock():
    """The running environment has exactly the locked versions (a `pip install` by hand would show here)."""
    if not (ROOT / ".venv" / ".installed").exists():
        pytest.skip("not running in the environment made by `make`")
    wrong = []
    for name, (pinned, _) in _pins().items():
        try:
            got = version(name)
        except PackageNotFoundError:
            wrong.append(f"{name}: not installed (lock {pinned})")
            continue
        if got != pinned:
            wrong.append(f"{name}: {got} installed, lock {pinned}")
    assert not wrong, "\n".join(wrong)
