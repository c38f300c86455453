"""The machine and the versions a benchmark ran on, as Markdown for BENCHMARKS.md."""
from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from importlib import metadata
from pathlib import Path


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _server_version(admin_url: str) -> str:
    from workflow.kernel.db import make_engine

    engine = make_engine(admin_url)
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql("SHOW server_version").scalar()
    finally:
        engine.dispose()


def _pgbench() -> str:
    try:
        return subprocess.run(["pgbench", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "not found"


def describe(admin_url: str) -> str:
    machine = (f"Machine: {os.cpu_count()} CPUs (nproc; shared with other work while measured), "
               f"{_memory_gib()} memory, {_cpu_model()}, {platform.system()} {platform.release()}")
    versions = ", ".join([
        f"Python {platform.python_version()}", f"PostgreSQL server {_server_version(admin_url)}", _pgbench(),
        f"SQLAlchemy {_version('SQLAlchemy')}", f"psycopg {_version('psycopg')}",
        f"transitions {_version('transitions')}", f"SpiffWorkflow {_version('SpiffWorkflow')}",
        f"SQLite {sqlite3.sqlite_version}"])
    return f"{machine}\n\nVersions: {versions}"
