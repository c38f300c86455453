"""docs/CONFIGURATION.md lists every environment variable Jieyue reads, and nothing that nothing reads."""
from __future__ import annotations

import re
from pathlib import Path

from workflow.kernel.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "CONFIGURATION.md"
PYTHON_DIRS = ("api", "workflow", "tasks", "policies", "scripts", "docker", "tests")
PYTHON_READ = re.compile(r"""(?:environ(?:\.get)?\s*[(\[]|getenv\()\s*["']([A-Z][A-Z0-9_]*)["']""")
SHELL_READ = re.compile(r"\$\{?([A-Z][A-Z0-9_]*)")
SHELL_ASSIGNED = re.compile(r"^\s*(?:export\s+|local\s+)?([A-Z][A-Z0-9_]*)=", re.M)
COMPOSE_READ = re.compile(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)")
# Not configuration: set by the system, the shell or pytest, or only passed through.
NOT_CONFIGURATION = {"PATH", "HOME", "PWD", "LANG", "PYTHONPATH", "BASH_SOURCE", "PYTEST_CURRENT_TEST", "LD_PRELOAD"}


def _documented() -> set[str]:
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", DOC.read_text(), re.M))


def _read_by_code() -> dict[str, str]:
    """{variable: first file that reads it}, from Settings, Python, shell scripts and the compose file."""
    found = {field.upper(): "workflow/kernel/settings.py" for field in Settings.__dataclass_fields__}
    for directory in PYTHON_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            for name in PYTHON_READ.findall(path.read_text()):
                found.setdefault(name, str(path.relative_to(ROOT)))
    for path in sorted([*(ROOT / "scripts").glob("*.sh"), *(ROOT / "docker").glob("*.sh")]):
        text = path.read_text()
        for name in set(SHELL_READ.findall(text)) - set(SHELL_ASSIGNED.findall(text)):
            found.setdefault(name, str(path.relative_to(ROOT)))
    for name in COMPOSE_READ.findall((ROOT / "docker" / "compose.yaml").read_text()):
        found.setdefault(name, "docker/compose.yaml")
    return {name: where for name, where in found.items() if name not in NOT_CONFIGURATION}


def test_every_variable_the_code_reads_is_documented():
    missing = {name: where for name, where in _read_by_code().items() if name not in _documented()}
    assert not missing, f"read but not in docs/CONFIGURATION.md: {missing}"


def test_every_documented_variable_is_read_somewhere():
    unread = _documented() - set(_read_by_code())
    assert not unread, f"in docs/CONFIGURATION.md but read nowhere: {sorted(unread)}"


def test_every_setting_has_an_example_and_every_example_is_documented():
    example = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / "docker" / "env.example").read_text(), re.M))
    assert {field.upper() for field in Settings.__dataclass_fields__} <= example
    assert example <= _documented(), sorted(example - _documented())


def test_the_documented_defaults_of_the_settings_are_the_real_ones():
    rows = dict(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \| ([^|]+) \|", DOC.read_text(), re.M))
    defaults = Settings()
    for field in Settings.__dataclass_fields__:
        value, doc = getattr(defaults, field), rows[field.upper()].strip()
        if value is None:
            assert doc.startswith("unset"), (field, doc)
        elif isinstance(value, bool):
            assert doc.startswith("on" if value else "off"), (field, doc)
        elif field != "database_url":  # the default names this machine's project directory
            assert doc == f"`{value}`", (field, doc)
