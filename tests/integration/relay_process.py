"""`python -m tasks.relay` as a child process of a test or benchmark, logging to a file; the process is ours."""
from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

from tests.integration.servers import ROOT, VENV_BIN, wait_until


class FollowingRelay:
    def __init__(self, directory: Path, env: dict[str, str], interval: float = 0.1):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.log_path = self.directory / "relay.log"
        self.env = {**os.environ, "LOG_LEVEL": "INFO", **env}
        self.interval = interval
        self.proc: subprocess.Popen | None = None
        self._log = None

    def start(self, timeout: float = 30) -> "FollowingRelay":
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(VENV_BIN / "python"), "-m", "tasks.relay", "--interval", str(self.interval)],
                                     cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        try:
            wait_until(self._following, timeout, 0.1, "the relay to start following the outbox")
        except AssertionError:
            self.stop()
            raise
        return self

    def _following(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"the relay exited with {self.proc.returncode}: {self.log()[-2000:]}")
        return bool(re.search(r"relay following the outbox", self.log()))

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self, timeout: float = 10) -> int | None:
        """SIGTERM, then SIGKILL if it does not stop in time; its exit code."""
        proc, self.proc = self.proc, None
        code = None
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
            code = proc.returncode
        if self._log is not None:
            self._log.close()
            self._log = None
        return code
