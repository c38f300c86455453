"""A private PostgreSQL server for fault tests: its own data directory and port, stopped and started at will.

The shared server at TEST_PG_URL must stay up for everyone else, so a test that restarts
PostgreSQL under load restarts this one. initdb and the server refuse to run as root: as
root they run as the `postgres` system user, in a directory that user owns.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.integration.servers import free_port


def bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: PG_BIN, else Debian's PostgreSQL 15, else pg_ctl on PATH."""
    for candidate in (os.environ.get("PG_BIN"), "/usr/lib/postgresql/15/bin"):
        if candidate and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


class PrivatePostgres:
    """initdb in a temp dir, a free port, fsync on (durability is what the tests measure)."""

    def __init__(self, port: int | None = None):
        self.bin = bin_dir()
        if self.bin is None:
            raise RuntimeError("PostgreSQL binaries (initdb, pg_ctl) not found; set PG_BIN")
        self.port = port or free_port()
        self.root = Path(tempfile.mkdtemp(prefix="jieyue-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._as_root = os.geteuid() == 0
        if self._as_root:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True, cwd=self.root)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> "PrivatePostgres":
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-instructions")
        with open(self.data / "postgresql.conf", "a") as conf:
            # The defaults that matter for the test, said out loud: a commit is on disk when answered.
            conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.root}'\nfsync = on\nsynchronous_commit = on\n"
                       "max_connections = 200\n")
        return self

    def start(self) -> "PrivatePostgres":
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        cmd = [str(self.bin / "pg_ctl"), "-D", str(self.data), "status"]
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True).returncode == 0

    def sql(self, statement: str, database: str = "postgres") -> None:
        """Run one statement as the superuser in autocommit (CREATE DATABASE, CREATE ROLE)."""
        from workflow.kernel.db import make_engine

        engine = make_engine(self.url(database), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(statement)
        finally:
            engine.dispose()

    def destroy(self) -> None:
        """Stop the server if it runs (immediate: nothing to keep) and remove its directory."""
        try:
            if self.data.exists() and self.running():
                self.stop("immediate")
        finally:
            # A helper, not a `return` in this `finally`: that would swallow a failure to stop.
            self._remove_root()

    def _remove_root(self) -> None:
        for _ in range(20):  # the server may still be removing its socket as we delete
            try:
                shutil.rmtree(self.root)
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.1)
