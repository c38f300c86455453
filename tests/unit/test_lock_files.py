"""The lock files agree with pyproject.toml's pins and pin every package with its hashes."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503: Flask-WTF, flask_wtf and flask.wtf are one


def _pins(requirements: list[str]) -> dict[str, str]:
    found = {}
    for requirement in requirements:
        match = PIN.match(requirement)
        assert match, f"not pinned with ==: {requirement}"
        found[_name(match[1])] = match[2]
    return found


def _lock(name: str) -> dict[str, str]:
    """Package -> version of a lock, checking that each entry carries at least one hash."""
    entries: list[str] = []
    for line in (ROOT / "requirements" / name).read_text().splitlines():
        if line.strip().startswith("#") or not line.strip():
            continue
        if line[0].isspace():
            entries[-1] += line  # a hash of the entry above
        else:
            entries.append(line)
    assert entries, name
    locked = {}
    for entry in entries:
        match = PIN.match(entry)
        assert match, f"{name}: an entry not pinned with ==: {entry.splitlines()[0]}"
        assert "--hash=sha256:" in entry, f"{name}: {match[1]} has no hash"
        locked[_name(match[1])] = match[2]
    return locked


BASE = _pins(PROJECT["dependencies"])
EXTRAS = _pins(PROJECT["optional-dependencies"]["test"] + PROJECT["optional-dependencies"]["bench"])


@pytest.mark.parametrize("lock, pins", [("base.lock", BASE), ("test.lock", BASE | EXTRAS)])
def test_every_pyproject_pin_is_in_the_lock_at_the_same_version(lock, pins):
    locked = _lock(lock)
    assert {n: (v, locked.get(n)) for n, v in pins.items() if locked.get(n) != v} == {}


def test_the_test_lock_keeps_every_version_of_the_base_lock():
    base, test = _lock("base.lock"), _lock("test.lock")
    assert {n: (v, test.get(n)) for n, v in base.items() if test.get(n) != v} == {}


def test_the_locks_hold_more_than_the_direct_pins():
    # Transitive packages are pinned too (Flask's Jinja2, Celery's kombu), not only pyproject's list.
    assert {"jinja2", "kombu", "itsdangerous"} <= set(_lock("base.lock"))
    assert {"jinja2", "kombu", "pluggy"} <= set(_lock("test.lock"))


def test_the_lock_is_what_the_installs_use():
    venv = (ROOT / "scripts" / "venv.sh").read_text()
    assert "--require-hashes -r" in venv and "--no-deps -e ." in venv
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert "--require-hashes -r requirements/base.lock" in dockerfile
    assert "bash scripts/lint.sh" in (ROOT / ".ci" / "run").read_text()
