"""The container files hold up without a Docker engine: hadolint, `docker-compose config`, their promises."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
APP_SERVICES = ("migrate", "web", "worker", "beat")


def _tool(name: str) -> str:
    """A binary from the test extra: beside this interpreter (the venv), else on PATH."""
    found = Path(sys.executable).with_name(name)
    path = str(found) if found.exists() else shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: install the test extra (pip install -e '.[test]')")
    return path


def _compose(*args: str, env_file: Path = DOCKER / "env.example") -> subprocess.CompletedProcess:
    # JIEYUE_ENV_FILE points the services' env_file at the example instead of the operator's docker/.env.
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
           "JIEYUE_ENV_FILE": str(env_file)}
    return subprocess.run([_tool("docker-compose"), "--env-file", str(env_file), "-f", str(DOCKER / "compose.yaml"),
                           *args], capture_output=True, text=True, timeout=60, env=env)


@pytest.fixture(scope="module")
def stack() -> dict:
    result = _compose("config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_hadolint_finds_nothing_in_the_dockerfile():
    result = subprocess.run([_tool("hadolint"), str(DOCKER / "Dockerfile")], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_compose_config_accepts_the_file_with_the_example_environment():
    result = _compose("config", "-q")
    assert result.returncode == 0, result.stderr


def test_compose_config_refuses_to_run_without_a_database_password(tmp_path):
    env_file = tmp_path / "no-password.env"
    env_file.write_text("".join(line + "\n" for line in (DOCKER / "env.example").read_text().splitlines()
                                if not line.startswith("POSTGRES_PASSWORD=")))
    result = _compose("config", "-q", env_file=env_file)
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def test_web_worker_and_beat_start_only_after_the_migration_succeeded(stack):
    services = stack["services"]
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy", name


def test_every_long_running_service_has_a_health_check(stack):
    services = stack["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["worker"]["healthcheck"]["test"] == ["CMD", "python", "-m", "tasks.health", "--this-host"]


def test_application_services_run_in_production_mode_against_the_compose_database(stack):
    for name in APP_SERVICES:
        env = stack["services"][name]["environment"]
        assert env["JIEYUE_ENV"] == "production", name
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://jieyue:") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"


def test_data_lives_on_named_volumes(stack):
    assert set(stack["volumes"]) == {"pgdata", "redisdata", "beatdata"}
    mounts = {(s, v["source"]) for s, svc in stack["services"].items() for v in svc.get("volumes", [])}
    assert {("postgres", "pgdata"), ("redis", "redisdata"), ("beat", "beatdata")} <= mounts


def test_service_images_are_pinned_to_exact_versions(stack):
    for name in ("postgres", "redis"):
        image = stack["services"][name]["image"]
        assert re.fullmatch(r"[a-z]+:\d+\.\d+(\.\d+)?-[a-z]+", image), image


def test_dockerfile_pins_its_base_by_digest_and_runs_as_a_user_without_compilers():
    text = (DOCKER / "Dockerfile").read_text()
    sources = re.findall(r"^FROM (\S+)", text, re.M)
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm@sha256:[0-9a-f]{64}", sources[0]), sources[0]
    final = text[text.rindex("\nFROM "):]
    assert "build-essential" not in final and "apt-get" not in final
    user = re.findall(r"^USER (\S+)", final, re.M)
    assert user and not user[-1].startswith(("0", "root")), user
    assert "HEALTHCHECK" in final and "/healthz" in final
    assert "pybabel compile" in text


def test_every_path_the_dockerfile_copies_exists_and_the_entrypoint_is_executable():
    text = (DOCKER / "Dockerfile").read_text()
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.M):
        for source in line.split()[:-1]:
            assert (ROOT / source).exists(), source
    assert os.access(DOCKER / "entrypoint.sh", os.X_OK)


def test_the_build_context_leaves_secrets_and_compiled_catalogs_out():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in ignored  # everything is out unless named
    assert "**/.env" in ignored and "**/*.mo" in ignored
