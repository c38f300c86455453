"""Production mode (JIEYUE_ENV=production): web, worker, migrations and CLI refuse an unsafe setup, naming the variable."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workflow.kernel.settings import DEFAULT_SECRET, ConfigurationError, Settings

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GOOD_KEY = "k" * 40
PG = "postgresql+psycopg://jieyue@127.0.0.1:1/jieyue"  # never connected to: loading settings needs no server

# How each kind of process loads its settings: the web app (and every `flask` command), Celery, Alembic.
PROCESSES = {
    "flask": [str(BIN / "flask"), "--app", "wsgi", "routes"],
    "celery": [str(BIN / "celery"), "-A", "tasks", "report"],
    # Offline (--sql) still runs env.py, which loads the settings, and needs no database.
    "alembic": [str(BIN / "alembic"), "upgrade", "0001:0002", "--sql"],
}


def _run(process: str, **env: str) -> subprocess.CompletedProcess:
    # A clean environment: the developer's own variables must not decide the outcome.
    clean = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), **env}
    return subprocess.run(PROCESSES[process], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


REFUSALS = [
    ({"JIEYUE_ENV": "production", "DATABASE_URL": PG}, "SECRET_KEY is the development default"),
    ({"JIEYUE_ENV": "production", "DATABASE_URL": PG, "SECRET_KEY": DEFAULT_SECRET}, "SECRET_KEY is the development default"),
    ({"JIEYUE_ENV": "production", "DATABASE_URL": PG, "SECRET_KEY": "k" * 31}, "SECRET_KEY has 31 characters"),
    ({"JIEYUE_ENV": "production", "SECRET_KEY": GOOD_KEY}, "DATABASE_URL points to SQLite"),
    ({"JIEYUE_ENV": "production", "SECRET_KEY": GOOD_KEY, "DATABASE_URL": "sqlite:////tmp/x.db",
      "ALLOW_SQLITE_IN_PRODUCTION": "0"}, "ALLOW_SQLITE_IN_PRODUCTION=1"),
    ({"JIEYUE_ENV": "prod"}, "JIEYUE_ENV='prod' is not one of development, production"),
]

ALLOWED = [
    {},  # development, the embedded default: SQLite and the development key
    {"JIEYUE_ENV": "development"},
    {"JIEYUE_ENV": "production", "SECRET_KEY": GOOD_KEY, "DATABASE_URL": PG},
    {"JIEYUE_ENV": "production", "SECRET_KEY": "k" * 32, "DATABASE_URL": "sqlite:////tmp/jieyue-one-machine.db",
     "ALLOW_SQLITE_IN_PRODUCTION": "1"},
]


# The check lives in one place (Settings.from_env): every refusal through the CLI, every process once.
@pytest.mark.parametrize("process,env,message", [("flask", env, message) for env, message in REFUSALS]
                         + [(process, *REFUSALS[0]) for process in ("celery", "alembic")])
def test_each_process_refuses_an_unsafe_production_setup_and_names_the_variable(process, env, message):
    result = _run(process, **env)
    assert result.returncode != 0, result.stdout
    assert message in result.stderr, result.stderr[-2000:]


@pytest.mark.parametrize("process,env", [("flask", env) for env in ALLOWED]
                         + [(process, ALLOWED[2]) for process in ("celery", "alembic")])
def test_each_process_starts_when_the_setup_is_safe_or_not_production(process, env):
    result = _run(process, **env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ConfigurationError" not in result.stderr


def test_every_problem_is_named_at_once():
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env({"JIEYUE_ENV": "production"})
    assert "SECRET_KEY" in str(refused.value) and "DATABASE_URL" in str(refused.value)


def test_a_test_configuration_passed_to_the_factory_is_checked_too():
    # create_app's overrides go through from_env: a production test setup cannot skip the check.
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        Settings.from_env({"JIEYUE_ENV": "production"}, database_url=PG)


@pytest.mark.parametrize("raw,expected", [("1", True), ("true", True), ("yes", True), ("0", False), ("no", False)])
def test_switches_read_from_the_environment_as_booleans(raw, expected):
    settings = Settings.from_env({"ALLOW_SQLITE_IN_PRODUCTION": raw, "COOKIE_SECURE": raw})
    assert settings.allow_sqlite_in_production is expected and settings.cookie_secure is expected
