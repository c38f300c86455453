"""Real outside parts for the notification tests: an SMTP server, a webhook receiver, a private
Redis server and a Celery worker (with embedded beat) run as a subprocess.

Nothing here is a fake: each helper runs the real program or protocol on 127.0.0.1, on a free
port, and every wait is bounded in time. The webhook receiver and `free_port` need nothing installed,
so the http tests use them too; the benchmarks start their Redis and workers with these.
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.1, what: str = "condition"):
    """Poll `predicate` until it returns something truthy; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def stays(predicate, seconds: float, interval: float = 0.1) -> bool:
    """True if `predicate` holds at every poll for `seconds` (a bounded watch for things that must not happen)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not predicate():
            return False
        time.sleep(interval)
    return bool(predicate())


# ---- SMTP ----------------------------------------------------------------------------------

class _SmtpHandler:
    def __init__(self, sink: "SmtpSink"):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        delay = self.sink._take_delay()
        entry = {"peer": session.peer, "rcpt": list(envelope.rcpt_tos), "message": parsed,
                 "message_id": str(parsed["Message-ID"] or ""), "started": time.monotonic()}
        with self.sink._lock:
            self.sink.in_progress.append(entry)
        try:
            if delay:
                await asyncio.sleep(delay)
        except asyncio.CancelledError:
            # aiosmtpd cancels the handler when the client goes away: the client never got our
            # "250", so the message was not accepted (an MTA would not deliver it either).
            with self.sink._lock:
                self.sink.in_progress.remove(entry)
                self.sink.aborted.append(entry)
            raise
        with self.sink._lock:
            self.sink.in_progress.remove(entry)
            self.sink.messages.append(parsed)
        return "250 Message accepted for delivery"


class SmtpSink:
    """An aiosmtpd server on 127.0.0.1 that keeps every accepted message (an EmailMessage).

    `delay` seconds are spent inside handle_DATA for the first `delay_count` messages (all of
    them when delay_count is None), so a test can act while a delivery is in progress.
    """

    def __init__(self, port: int | None = None, delay: float = 0.0, delay_count: int | None = None):
        self.port = port or free_port()
        self.delay = delay
        self.delay_count = delay_count
        self._delayed = 0
        self._lock = threading.Lock()
        self.messages: list = []
        self.in_progress: list[dict] = []
        self.aborted: list[dict] = []
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def _take_delay(self) -> float:
        with self._lock:
            if not self.delay or (self.delay_count is not None and self._delayed >= self.delay_count):
                return 0.0
            self._delayed += 1
            return self.delay

    def start(self) -> "SmtpSink":
        self.controller = Controller(_SmtpHandler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            try:
                self.controller.stop()
            finally:
                self.controller = None

    def to(self, address: str) -> list:
        with self._lock:
            return [m for m in self.messages if address in str(m["To"])]

    def about(self, event_id: str) -> list:
        """Accepted messages whose Message-ID names this outbox event."""
        with self._lock:
            return [m for m in self.messages if event_id in str(m["Message-ID"])]

    def in_progress_about(self, event_id: str) -> dict | None:
        """A delivery of this event that is inside handle_DATA right now: {peer, rcpt, message, ...}."""
        with self._lock:
            return next((e for e in self.in_progress if event_id in e["message_id"]), None)

    def snapshot(self) -> list:
        with self._lock:
            return list(self.messages)


# ---- webhooks ------------------------------------------------------------------------------

class WebhookSink:
    """A threaded HTTP server on 127.0.0.1 that stores the JSON body of each POST and answers 200.

    `delay` seconds pass before each answer (a slow robot); `status` and `headers` change the answer
    (a redirect: 302 and {"Location": ...}). The Host header of each request is kept in `hosts`.
    """

    def __init__(self, delay: float = 0.0, status: int = 200, headers: dict | None = None):
        self.bodies: list[dict] = []
        self.paths: list[str] = []
        self.hosts: list[str] = []
        lock = self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # the name http.server calls
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw.decode("utf-8"))
                except ValueError:
                    self.send_response(400)
                    self.end_headers()
                    return
                with lock:
                    sink.bodies.append(body)
                    sink.paths.append(self.path)
                    sink.hosts.append(self.headers.get("Host", ""))
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"errcode": 0}')

            def log_message(self, *args):
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hook"

    def start(self) -> "WebhookSink":
        self.thread.start()
        return self

    def snapshot(self) -> list[dict]:
        with self._lock:
            return list(self.bodies)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


# ---- Redis ---------------------------------------------------------------------------------

def redis_binary() -> str | None:
    return shutil.which("redis-server")


class RedisServer:
    """A private redis-server on a free port, without persistence; stop() and start() keep the port."""

    def __init__(self, directory: Path, port: int | None = None):
        self.port = port or free_port()
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen | None = None
        self._log = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        import redis

        try:
            client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except Exception:  # noqa: BLE001 - not answering is the answer
            return False

    def start(self, timeout: float = 15) -> "RedisServer":
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self._log = open(self.directory / "redis.log", "ab")
        self.proc = subprocess.Popen(
            [redis_binary() or "redis-server", "--save", "", "--appendonly", "no", "--port", str(self.port),
             "--bind", "127.0.0.1", "--dir", str(self.directory)],
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self.ping():
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}; see {self.directory}/redis.log")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not answer on port {self.port} within {timeout} s")
            time.sleep(0.05)
        return self

    def stop(self, timeout: float = 10) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if self._log is not None:
            self._log.close()
            self._log = None


# ---- the Celery worker ---------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return found
    for tid in tasks:
        try:
            found += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return sorted(set(found))


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except (FileNotFoundError, PermissionError):
        return inodes
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        m = re.fullmatch(r"socket:\[(\d+)\]", target)
        if m:
            inodes.add(m.group(1))
    return inodes


def _tcp_inode(local_port: int, remote_port: int | None = None) -> str | None:
    """The inode of the IPv4 TCP socket with this local (and remote) port, from /proc/net/tcp."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == local_port and (
                remote_port is None or int(remote.split(":")[1], 16) == remote_port):
            return inode
    return None


class CeleryWorker:
    """`celery -A tasks worker -B` from the project root, logging to a file; the processes are ours."""

    def __init__(self, directory: Path, env: dict[str, str]):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.log_path = self.directory / "worker.log"
        self.env = {**os.environ, **env}
        self.proc: subprocess.Popen | None = None
        self._log = None

    def start(self, timeout: float = 60) -> "CeleryWorker":
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "celery"), "-A", "tasks", "worker", "-B", "--loglevel=INFO", "--concurrency=2",
             "-s", str(self.directory / "beat-schedule"), "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self.wait_for_log(r"celery@\S+ ready\.", timeout)
        except AssertionError:
            self.stop()
            raise
        return self

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_log(self, pattern: str, timeout: float) -> str:
        def found():
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"the worker exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            m = re.search(pattern, self.log())
            return m.group(0) if m else None

        return wait_until(found, timeout, 0.2, f"worker log line /{pattern}/")

    def children(self) -> list[int]:
        return _children(self.proc.pid) if self.proc else []

    def pool_children(self, timeout: float = 5) -> list[int]:
        """The pool processes, as the worker itself reports them (`inspect stats`); not the embedded beat."""
        from tasks import make_celery
        from workflow.kernel.settings import Settings

        app = make_celery(Settings(redis_url=self.env["REDIS_URL"]))
        try:
            stats = app.control.inspect(timeout=timeout, limit=1).stats() or {}  # ours is the only worker
        finally:
            app.close()
        return sorted(pid for s in stats.values() for pid in s.get("pool", {}).get("processes", [])
                      if pid in self.children())

    def child_with_connection(self, local_port: int, remote_port: int | None = None) -> int | None:
        """The worker child that owns the TCP connection from 127.0.0.1:local_port."""
        inode = _tcp_inode(local_port, remote_port)
        if inode is None:
            return None
        for pid in self.children():
            if inode in _socket_inodes(pid):
                return pid
        return None

    def kill_child(self, pid: int | None = None) -> int:
        """SIGKILL one pool child (the given one, else the first found); returns its pid."""
        if pid is None:
            pool = self.pool_children()
            assert pool, "the worker has no pool child to kill"
            pid = pool[0]
        assert pid in self.children(), f"{pid} is not a child of the worker"
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self, timeout: float = 30) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()  # warm shutdown: the main process stops its pool and beat
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    pass
            # Anything of ours left in the worker's own process group goes too.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        if self._log is not None:
            self._log.close()
            self._log = None
